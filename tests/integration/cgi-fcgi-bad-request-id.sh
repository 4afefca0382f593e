#!/bin/bash
# The daemon does not trust the request id param: one with spaces, quotes
# or a newline (which nginx's map would never send) is replaced by a
# generated one, so it cannot forge log lines or break the error JSON.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires jq "${CGI_FCGI:-cgi-fcgi}"
write_conf api.lua
start_fcgiserve

for bad in 'two words' 'q"uote' 'line
2026-01-01T00:00:00.000Z error [1] forged'; do
	fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/nope "REQUEST_ID=$bad"
	assert_status 404
	rid=$(jq -r .error.request_id "$TMP/last.body") ||
	    fail "404 body is not JSON: $(last_body)"
	assert_match '^[A-Za-z0-9._-]{8,64}$' "$rid" "request id for '$bad'"
done
assert_no_log 'forged'
stop_fcgiserve
