#!/bin/bash
# SCGI has no keep-alive: one request per connection.  50 sequential
# requests through nginx's scgi_pass all succeed, each on a connection of
# its own (fcgiserve logs "accepted connection" 50 times; the FastCGI
# counterpart, keepalive.sh, expects 1).  A second request written on a
# connection after the first is ignored: one answer, then fcgiserve closes.
PROTOCOL=scgi
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
port=$(freeport)
write_conf api.lua "listen=127.0.0.1:$port"
start_fcgiserve
start_nginx "127.0.0.1:$port"

url="http://127.0.0.1:$NGINX_PORT/hello/x"
urls=()
for ((i = 0; i < 50; i++)); do urls+=(-o /dev/null "$url"); done
codes=$(curl -sS --max-time 30 -w '%{http_code}\n' "${urls[@]}") ||
    fail "curl failed"
assert_eq 50 "$(grep -c '^200$' <<< "$codes")" "200 answers out of 50"
assert_eq 50 "$(count_log 'accepted connection')" "accepted connections for 50 requests"

# Two requests in one write (fcgiclient sends them at once): the answer
# to the first, then the close.
rc=0
fcgiclient -p scgi -c "127.0.0.1:$port" -t 5 \
    REQUEST_METHOD=GET DOCUMENT_URI=/hello/first -- \
    REQUEST_METHOD=GET DOCUMENT_URI=/hello/second > "$TMP/last.raw" || rc=$?
client_status "$rc" "fcgiserve did not close the SCGI connection within 5 s"
_cgi_response fcgiclient "$TMP/last.raw"
assert_status 200
assert_json . '{"greeting":"hello first"}'
assert_eq 1 "$(grep -c '^Status:' "$TMP/last.raw")" "answers on one SCGI connection"
stop_fcgiserve
