#!/bin/bash
# A FastCGI record with a bad version byte, sent raw to a TCP listen
# socket: fcgiserve logs a line naming the peer and the fault, drops that
# connection only, and the next request through nginx works.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl jq
port=$(freeport)
write_conf api.lua listen=127.0.0.1:$port
start_fcgiserve
start_nginx "127.0.0.1:$port"

# BEGIN_REQUEST (its 16 bytes: id 1, role RESPONDER), but version 2
# instead of 1.  fcgiclient -v names our end of the connection.
rc=0
fcgiclient -c "127.0.0.1:$port" -t 5 -v -o raw -V 2 -x 16 \
    REQUEST_METHOD=GET > "$TMP/reply" 2> "$TMP/client.err" || rc=$?
cat "$TMP/client.err" >&2
client_status "$rc" "fcgiserve did not close the connection within 5 s"
note "fcgiserve answered $(wc -c < "$TMP/reply") byte(s) before closing"
peer=$(sed -n 's/^fcgiclient: local address //p' "$TMP/client.err")
assert_match '^127\.0\.0\.1:[0-9]+$' "$peer" "our end of the connection"

wait_log "${peer//./\\.}.*[Vv]ersion"

http GET /hello/after > /dev/null
assert_status 200
assert_json .greeting 'hello after'
stop_fcgiserve
