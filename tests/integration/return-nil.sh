#!/bin/bash
# A handler returning nil answers 204 with no body.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua

http GET /empty > /dev/null
assert_status 204
assert_body ''
assert_no_header Content-Type
stop_fcgiserve
