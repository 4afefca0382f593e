#!/bin/bash
# A 300 kB answer (several 64 kB FastCGI records) arrives whole, and the
# connection goes on serving.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET '/big?n=300000' > /dev/null
assert_status 200
assert_json '.size' 300000
assert_json '.data | length' 300000
assert_json '.data | test("^x+$")' true

http GET /hello/after > /dev/null
assert_status 200
stop_fcgiserve
