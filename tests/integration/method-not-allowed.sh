#!/bin/bash
# A route exists for another method: 405 with Allow.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /only-post -H 'X-Request-Id: mna-1' > /dev/null
assert_error 405 mna-1
assert_header Allow POST

http POST /only-post > /dev/null
assert_status 200
assert_json .posted true
stop_fcgiserve
