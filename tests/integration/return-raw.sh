#!/bin/bash
# fcgiserve.response{} sends a raw body with its own status and headers.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua

http GET /raw > /dev/null
assert_status 200
assert_header Content-Type 'text/plain; charset=utf-8'
assert_header X-Raw yes
assert_eq "$(printf 'plain text\nX')" "$(cat "$TMP/last.body"; printf X)" "raw body"
stop_fcgiserve
