#!/bin/bash
# child_cpu_limit: a handler that spins past it is killed (SIGXCPU) and
# answered 504 long before request_timeout; the log line names the limit.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua child_cpu_limit=1 request_timeout=60s

http GET /spin -H 'X-Request-Id: spin-1' > /dev/null
assert_error 504 spin-1
wait_log 'rid=spin-1: .*exceeded child_cpu_limit \(1 s\)'

http GET /hello/x > /dev/null
assert_status 200
stop_fcgiserve
