#!/bin/bash
# A handler calling os.exit(3): 500 (no complete answer), logged with the
# request id; the worker goes on serving.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /exit -H 'X-Request-Id: exit-1' > /dev/null
assert_error 500 exit-1
wait_log 'rid=exit-1: .*(exit|status).*3'

http GET /hello/after > /dev/null
assert_status 200
assert_json .greeting 'hello after'
stop_fcgiserve
