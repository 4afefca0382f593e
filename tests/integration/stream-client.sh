#!/bin/bash
# A stream's client that leaves: its request process is gone within a
# second or so (logged, 499 in the access log, no stream counted open).
# A client that never reads while the handler writes 100 MiB: the
# worker stops reading the handler's pipe, so its memory stays bounded.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack stream.lua "access_log=$TMP/access.log" status_path=/st

rm -f "$TMP/pid"
curl -sN --max-time 10 "http://127.0.0.1:$NGINX_PORT/forever?pidfile=$TMP/pid" \
    > /dev/null 2>&1 &
client=$!
_track "$client"
wait_file "$TMP/pid"
child=$(cat "$TMP/pid")
pid_alive "$child" || fail "the streaming process $child is not running"
kill "$client"
wait "$client" 2>/dev/null || true
_untrack "$client"
wait_for 10 eval '! pid_alive "$child"' ||
    fail "streaming process $child outlived its client"
wait_for 10 grep -q '" 499 ' "$TMP/access.log" ||
    wait_for 10 grep -q '"status":499' "$TMP/access.log" ||
    fail "no 499 in the access log: $(cat "$TMP/access.log")"
http GET /st > /dev/null
assert_json .streams 0

# A client that never reads (its socket is held open by this shell).
sole_worker
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$worker/status"; }
before=$(rss)
exec 5<> "/dev/tcp/127.0.0.1/$NGINX_PORT" || fail "cannot connect to nginx"
printf 'GET /flood?mb=100 HTTP/1.1\r\nHost: x\r\n\r\n' >&5
streaming() { http GET /st > /dev/null; [ "$(jq .streams < "$TMP/last.body")" = 1 ]; }
wait_for 10 streaming || fail "the flood did not start streaming"
sleep 3		# it would have written far more than any buffer by now
after=$(rss)
note "worker VmRSS $before -> $after kB while a client does not read"
[ $((after - before)) -lt 16384 ] ||
    fail "the worker grew by $((after - before)) kB for a client that does not read"
exec 5<&-
wait_for 10 eval '! streaming' || fail "the flood did not end with its client"
stop_fcgiserve
