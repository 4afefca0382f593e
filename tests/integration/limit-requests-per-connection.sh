#!/bin/bash
# max_requests_per_connection (FastCGI keep-alive) at its boundary:
# - raw (fcgiclient): four requests written at once on one kept-alive
#   connection with max_requests_per_connection = 3 get exactly three
#   answers, to the first three, then the connection is closed, with one
#   log line naming the limit; the same when every answer is given at
#   once, without a child (ping_path): the connection still closes;
# - through nginx: seven requests all succeed over ceil(7 / 3) = 3
#   connections (nginx reconnects).
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl jq
port=$(freeport)
write_conf limits.lua "listen=127.0.0.1:$port" workers=1 max_requests_per_connection=3 \
    ping_path=/ping
start_fcgiserve
start_nginx "127.0.0.1:$port"

# four_on_one PATH NAME: GET PATH four times, written at once on one
# kept-alive connection; answers in NAME, fcgiclient's report in
# NAME.err, its status returned in rc.
four_on_one() {
	local get=(REQUEST_METHOD=GET DOCUMENT_URI=$1 REQUEST_URI=$1
	    SERVER_PROTOCOL=HTTP/1.1) args i
	args=(-k -i 1 "${get[@]}")
	for i in 2 3 4; do
		args+=(-- -k -i "$i" "${get[@]}")
	done
	rc=0
	fcgiclient -c "127.0.0.1:$port" -t 10 "${args[@]}" > "$TMP/$2" \
	    2> "$TMP/$2.err" || rc=$?
}

four_on_one /hello answers
cat "$TMP/answers.err" >&2
client_status "$rc" "connection not closed within 10 s"
assert_eq 1 "$rc" "fcgiclient's status (a request left unanswered)"
assert_eq 3 "$(grep -o 'Status: 200' "$TMP/answers" | wc -l)" "answers on one connection"
# Which were answered (in any order): the first three.
answered=$(sed -n 's/^fcgiclient: request \([0-9]*\): app status 0, FCGI_REQUEST_COMPLETE$/\1/p' \
    "$TMP/answers.err" | sort -n | tr '\n' ' ')
assert_eq "1 2 3 " "$answered" "requests answered"
wait_log 'max_requests_per_connection \(3\) reached; closing the connection once answered'

four_on_one /ping pings
client_status "$rc" "connection not closed within 10 s after its third ping"
assert_eq 1 "$rc" "fcgiclient's status (a ping left unanswered)"
assert_eq 3 "$(grep -c pong "$TMP/pings")" "pings answered on one connection"

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
