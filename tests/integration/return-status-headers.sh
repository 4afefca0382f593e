#!/bin/bash
# "return status, table, headers" sets all three.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http POST /items -H 'Content-Type: application/json' -d '{"name":"pen"}' > /dev/null
assert_status 201
assert_header Location /items/1
assert_json . '{"name":"pen"}'
stop_fcgiserve
