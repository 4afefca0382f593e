#!/bin/bash
# No route matches: 404 in the error shape.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /no/such/thing -H 'X-Request-Id: nf-1' > /dev/null
assert_error 404 nf-1
assert_json .error.message 'not found'
stop_fcgiserve
