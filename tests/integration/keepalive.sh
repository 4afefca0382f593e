#!/bin/bash
# nginx reuses its connection to fcgiserve (upstream keepalive +
# fastcgi_keep_conn): 50 requests, one after the other, arrive on one
# connection.  The generated nginx.conf runs one nginx worker and the
# requests are sequential, so the connection it cached after a request is
# always free for the next: exactly 1 "accepted connection" is expected.
# The bound allows 2 (one reconnect, e.g. a worker restart); without reuse
# there would be 50.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl
start_stack api.lua

url="http://127.0.0.1:$NGINX_PORT/hello/x"
urls=()
# -o applies to one URL only: give each its own.
for ((i = 0; i < 50; i++)); do urls+=(-o /dev/null "$url"); done
codes=$(curl -sS --max-time 30 -w '%{http_code}\n' "${urls[@]}") ||
    fail "curl failed"
assert_eq 50 "$(grep -c '^200$' <<< "$codes")" "200 answers out of 50"

n=$(count_log 'accepted connection')
note "fcgiserve accepted $n connection(s) for 50 requests"
[ "$n" -ge 1 ] && [ "$n" -le 2 ] ||
    fail "accepted connections: expected 1 (at most 2), got $n"
stop_fcgiserve
