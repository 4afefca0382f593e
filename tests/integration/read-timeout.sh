#!/bin/bash
# read_timeout: connections that send part of a request (half a FastCGI
# record header, or the start of an SCGI netstring) and then nothing are
# closed by fcgiserve once read_timeout (3 s here) has passed, each with a
# log line; meanwhile nginx's requests are served as usual on the same
# worker.  A connection whose request runs longer than read_timeout is
# not cut: silence while a handler works is not idleness.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
port=$(freeport)
write_conf api.lua "listen=127.0.0.1:$port" workers=1 read_timeout=3s
start_fcgiserve
start_nginx "127.0.0.1:$port"

# A steady stream of requests through nginx, logged "start end status".
(
	while [ ! -e "$TMP/stop" ]; do
		s=$(now_ms)
		code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
		    "http://127.0.0.1:$NGINX_PORT/hello/x") || code=000
		echo "$s $(now_ms) $code" >> "$TMP/load"
	done
) &
load=$!
_track "$load"
wait_file "$TMP/load"

case $PROTOCOL in
fastcgi) cut=3 ;;		# 3 bytes of an 8-byte header
scgi)	cut=17 ;;		# a netstring cut short: "NN:CONTENT_LENGTH"
esac
raw_get /hello -x "$cut" > "$TMP/partial"
t_open=$(now_ms)
for fd in 3 4 5; do
	raw_connect "$fd"
	cat "$TMP/partial" >&$fd
done
for fd in 3 4 5; do
	timeout 10 cat <&$fd > /dev/null ||
	    fail "connection on fd $fd still open 10 s after its partial request"
	elapsed=$(($(now_ms) - t_open))
	note "slow connection on fd $fd closed by fcgiserve after $elapsed ms"
	[ "$elapsed" -ge 2900 ] ||
	    fail "slow connection closed after $elapsed ms, before read_timeout (3000 ms)"
	eval "exec $fd<&-"
done
t_closed=$(now_ms)
assert_eq 3 "$(count_log '127\.0\.0\.1:[0-9]+: nothing received for read_timeout \(3000 ms\); closing')" \
    "read_timeout log lines"

touch "$TMP/stop"
wait "$load" || true
_untrack "$load"
bad=$(awk '$3 != 200' "$TMP/load")
[ -z "$bad" ] || fail "requests through nginx failed: $bad"
during=$(awk -v a="$t_open" -v b="$t_closed" '$1 >= a && $2 <= b' "$TMP/load" | wc -l)
note "$(wc -l < "$TMP/load") requests through nginx, $during of them while the slow connections were open"
[ "$during" -ge 1 ] ||
    fail "no request through nginx was served while the slow connections were open"

# A 5 s handler on a connection that is silent meanwhile: answered.
http GET '/sleep?s=5' > /dev/null
assert_status 200
assert_json .slept 5
stop_fcgiserve
