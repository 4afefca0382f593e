#!/bin/bash
# max_response_size at its boundary: an answer (the CGI response, headers
# and body) of exactly max_response_size bytes goes out whole; one byte
# more and the child is killed, the answer is 500 and the log line names
# the limit.  Sizes are measured on the raw CGI response straight from
# the daemon (cgi-fcgi or a hand-written SCGI request), the statuses
# through nginx.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
port=$(freeport)
write_conf limits.lua "listen=127.0.0.1:$port" max_response_size=4k
start_fcgiserve
start_nginx "127.0.0.1:$port"

# raw_raw N: GET /raw?n=N straight to the daemon; the CGI response lands
# in $TMP/last.raw.
raw_raw() {
	local p=(REQUEST_METHOD=GET DOCUMENT_URI=/raw "REQUEST_URI=/raw?n=$1"
	    "QUERY_STRING=n=$1" REQUEST_ID=response-size-0001)
	case $PROTOCOL in
	fastcgi) fcgi_request "${p[@]}" ;;
	scgi)	scgi_request "${p[@]}" ;;
	esac
}

# The headers' size: the same for every body of four digits' length.
raw_raw 1000
assert_status 200
n=$((4096 - ($(wc -c < "$TMP/last.raw") - 1000)))
[ "$n" -ge 1000 ] && [ "$n" -le 9998 ] || fail "cannot reach 4096 bytes with a 4-digit body ($n)"

raw_raw "$n"
assert_status 200
assert_eq 4096 "$(wc -c < "$TMP/last.raw")" "raw response bytes"

http GET "/raw?n=$n" > /dev/null
assert_status 200
assert_eq "$n" "$(wc -c < "$TMP/last.body")" "body bytes through nginx"

http GET "/raw?n=$((n + 1))" -H 'X-Request-Id: resp-2' > /dev/null
assert_error 500 resp-2
wait_log 'rid=resp-2.*response larger than max_response_size \(4096 bytes\)'

http GET /hello > /dev/null
assert_status 200
stop_fcgiserve
