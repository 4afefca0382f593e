#!/bin/bash
# A result JSON cannot encode (NaN) is a 500 with a generic message; the
# log names the path to the bad value.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /nan -H 'X-Request-Id: nan-1' > /dev/null
assert_error 500 nan-1
assert_no_match 'NaN|price' "$(last_body)" "500 body"
wait_log 'rid=nan-1: .*items\[[0-9]+\]\.price.*NaN'
stop_fcgiserve
