#!/bin/bash
# A handler returning a table answers 200 with it as a JSON object.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /hello/bob > /dev/null
assert_status 200
assert_match '^application/json' "$(last_header Content-Type)" "Content-Type"
assert_json . '{"greeting":"hello bob"}'
stop_fcgiserve
