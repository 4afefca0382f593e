#!/bin/bash
# The protocol is per pool: one daemon serves the same app over FastCGI on
# one socket (libfcgi's cgi-fcgi) and over SCGI on another (our own
# fcgiclient), with the same JSON, and each pool refuses the other's
# protocol as malformed input on that connection only.
. "$(dirname "$0")/lib.sh" || exit 99
requires jq "${CGI_FCGI:-cgi-fcgi}"
port=$(freeport)
cat > "$TMP/fcgiserve.conf" <<CONF
[global]
log_level = debug

[pool fc]
listen = $TMP/fc.sock
protocol = fastcgi
app = $APPS/api.lua
workers = 1
allow_root = yes

[pool sc]
listen = 127.0.0.1:$port
protocol = scgi
app = $APPS/api.lua
workers = 1
allow_root = yes
CONF
start_fcgiserve
assert_log 'fc.*fastcgi'
assert_log 'sc.*scgi'

params=(REQUEST_METHOD=GET DOCUMENT_URI=/echo/two QUERY_STRING='a=1&a=2'
    REQUEST_URI='/echo/two?a=1&a=2' REMOTE_ADDR=127.0.0.1
    HTTP_X_TEST=yes REQUEST_ID=two-1)
FCGISERVE_LISTEN=$TMP/fc.sock
fcgi_request "${params[@]}"
assert_status 200
jq -S -c . "$TMP/last.body" > "$TMP/fastcgi.json" ||
    fail "cgi-fcgi body is not JSON: $(last_body)"

FCGISERVE_LISTEN=127.0.0.1:$port
scgi_request "${params[@]}"
assert_status 200
assert_match '^application/json' "$(last_header Content-Type)" "Content-Type"
jq -S -c . "$TMP/last.body" > "$TMP/scgi.json" ||
    fail "SCGI body is not JSON: $(last_body)"
assert_eq "$(cat "$TMP/fastcgi.json")" "$(cat "$TMP/scgi.json")" "SCGI JSON vs FastCGI JSON"
assert_json .request_id two-1
assert_json .query '{"a":["1","2"]}'

# A POST with a JSON body, and an error, over SCGI.
scgi_request -d '{"name":"pen"}' REQUEST_METHOD=POST DOCUMENT_URI=/items \
    CONTENT_TYPE=application/json REQUEST_ID=two-2
assert_status 201
assert_header Location /items/1
assert_json . '{"name":"pen"}'
scgi_request REQUEST_METHOD=GET DOCUMENT_URI=/nope REQUEST_ID=two-3
assert_error 404 two-3

# FastCGI bytes (a BEGIN_REQUEST record, 16 bytes) to the SCGI pool: not a
# netstring.  The connection is closed without an answer, the log names
# the peer and the fault.
rc=0
fcgiclient -c "127.0.0.1:$port" -t 5 -o raw -x 16 REQUEST_METHOD=GET \
    > "$TMP/reply" || rc=$?
client_status "$rc" "the SCGI pool did not close the connection within 5 s"
assert_eq 0 "$(wc -c < "$TMP/reply")" "bytes answered to FastCGI input"
wait_log '127\.0\.0\.1:[0-9]+: malformed SCGI input: .*netstring'

# Both pools still serve.
scgi_request REQUEST_METHOD=GET DOCUMENT_URI=/hello/sc
assert_json . '{"greeting":"hello sc"}'
FCGISERVE_LISTEN=$TMP/fc.sock
fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/hello/fc
assert_json . '{"greeting":"hello fc"}'
stop_fcgiserve
