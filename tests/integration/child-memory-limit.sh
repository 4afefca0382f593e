#!/bin/bash
# child_memory_limit: a handler that allocates without bound gets a JSON
# 500, the log line names the limit, and the worker serves on.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
# ASan reserves terabytes of address space up front: RLIMIT_AS cannot work.
grep -q __asan_init "$FCGISERVE" && skip "RLIMIT_AS cannot apply under ASan"
start_stack api.lua child_memory_limit=256m

http GET /hog -H 'X-Request-Id: hog-1' > /dev/null
assert_error 500 hog-1
wait_log 'rid=hog-1: .*child_memory_limit'

http GET /hello/x > /dev/null
assert_status 200
stop_fcgiserve
