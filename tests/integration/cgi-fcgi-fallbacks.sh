#!/bin/bash
# Without nginx's params: req.path falls back to SCRIPT_NAME..PATH_INFO,
# then to REQUEST_URI's path; the request id to HTTP_X_REQUEST_ID, then to
# a generated one.  (cgi-fcgi sends exactly the params given.)
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires jq "${CGI_FCGI:-cgi-fcgi}"
write_conf api.lua
start_fcgiserve

fcgi_request REQUEST_METHOD=GET SCRIPT_NAME=/echo PATH_INFO=/info REQUEST_URI=/ignored REQUEST_ID=fb-1
assert_status 200
assert_json .path /echo/info
assert_json .request_id fb-1

fcgi_request REQUEST_METHOD=GET REQUEST_URI='/echo/from-uri?a=1' QUERY_STRING=a=1 HTTP_X_REQUEST_ID=fb-2
assert_status 200
assert_json .path /echo/from-uri
assert_json .query '{"a":"1"}'
assert_json .request_id fb-2

fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/echo/doc SCRIPT_NAME=/other REQUEST_URI=/other
assert_status 200
assert_json .path /echo/doc
rid=$(jq -r .request_id "$TMP/last.body")
assert_match '^[A-Za-z0-9._-]{8,64}$' "$rid" "generated request id"

fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/nope REQUEST_ID=fb-4
assert_error 404 fb-4
stop_fcgiserve
