#!/bin/bash
# max_requests_per_connection (FastCGI keep-alive) at its boundary:
# - raw: four requests written at once on one kept-alive connection with
#   max_requests_per_connection = 3 get exactly three answers, then the
#   connection is closed, with one log line naming the limit;
# - through nginx: seven requests all succeed over ceil(7 / 3) = 3
#   connections (nginx reconnects).
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl jq
port=$(freeport)
write_conf limits.lua "listen=127.0.0.1:$port" workers=1 max_requests_per_connection=3
start_fcgiserve
start_nginx "127.0.0.1:$port"

for i in 1 2 3 4; do
	raw_get /hello -k -i "$i"
done > "$TMP/requests"
raw_connect 3
cat "$TMP/requests" >&3
raw_read 3 10 "$TMP/answers" || fail "connection not closed within 10 s"
exec 3<&-
assert_eq 3 "$(grep -ac 'Status: 200' "$TMP/answers")" "answers on one connection"
wait_log 'max_requests_per_connection \(3\) reached; closing the connection once answered'

url="http://127.0.0.1:$NGINX_PORT/hello"
urls=()
for ((i = 0; i < 7; i++)); do urls+=(-o /dev/null "$url"); done
before=$(count_log 'accepted connection')
codes=$(curl -sS --max-time 30 -w '%{http_code}\n' "${urls[@]}") ||
    fail "curl failed"
assert_eq 7 "$(grep -c '^200$' <<< "$codes")" "200 answers out of 7"
assert_eq 3 $(($(count_log 'accepted connection') - before)) \
    "connections nginx needed for 7 requests"
stop_fcgiserve
