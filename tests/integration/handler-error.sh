#!/bin/bash
# A runtime error in a handler: 500 with a generic message; the error and
# its traceback go to fcgiserve's log with the request id, never to the
# client.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /explode -H 'X-Request-Id: boom-1' > /dev/null
assert_error 500 boom-1
assert_no_match 'kaboom|traceback|\.lua' "$(last_body)" "500 body"
wait_log 'rid=boom-1: .*api\.lua:[0-9]+: secret-detail-kaboom'
assert_log 'rid=boom-1: .*stack traceback'

http GET /boom -H 'X-Request-Id: boom-2' > /dev/null
assert_error 500 boom-2
assert_no_match 'field|nil|\.lua' "$(last_body)" "500 body"
wait_log 'rid=boom-2: .*api\.lua:[0-9]+: attempt to index'
stop_fcgiserve
