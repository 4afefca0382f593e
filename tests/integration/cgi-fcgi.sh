#!/bin/bash
# An independent FastCGI client (libfcgi's cgi-fcgi) on the same socket
# gets the same JSON as nginx for the same GET, given the params nginx's
# stock fastcgi_params would send.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl jq "${CGI_FCGI:-cgi-fcgi}"
start_stack api.lua

http GET '/echo/cgi?x=1&x=2&y=a+b' -H 'X-Request-Id: same-1' -H 'X-Test: yes' > /dev/null
assert_status 200
jq -S -c . "$TMP/last.body" > "$TMP/nginx.json"

fcgi_request REQUEST_METHOD=GET QUERY_STRING='x=1&x=2&y=a+b' \
    SCRIPT_NAME=/echo/cgi DOCUMENT_URI=/echo/cgi \
    REQUEST_URI='/echo/cgi?x=1&x=2&y=a+b' DOCUMENT_ROOT=/nonexistent \
    SERVER_PROTOCOL=HTTP/1.1 REQUEST_SCHEME=http GATEWAY_INTERFACE=CGI/1.1 \
    SERVER_SOFTWARE=cgi-fcgi REMOTE_ADDR=127.0.0.1 REMOTE_PORT=40000 \
    SERVER_ADDR=127.0.0.1 SERVER_PORT=80 SERVER_NAME=_ HTTP_HOST=localhost \
    HTTP_X_REQUEST_ID=same-1 HTTP_X_TEST=yes REQUEST_ID=same-1
assert_status 200
assert_match '^application/json' "$(last_header Content-Type)" "Content-Type"
jq -S -c . "$TMP/last.body" > "$TMP/cgi.json" ||
    fail "cgi-fcgi body is not JSON: $(last_body)"
assert_eq "$(cat "$TMP/nginx.json")" "$(cat "$TMP/cgi.json")" "cgi-fcgi JSON vs nginx JSON"
stop_fcgiserve
