#!/bin/bash
# HEAD on a route that only has GET runs the GET handler: its status and
# headers (nginx drops the body), not a 405.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua

http HEAD /hello/x --head > /dev/null
assert_status 200
assert_match '^application/json' "$(last_header Content-Type)" "Content-Type"
stop_fcgiserve
