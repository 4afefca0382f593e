#!/bin/bash
# kill -9 of a worker under continuous load through nginx: the master
# respawns it; only requests in flight at the kill may fail (nginx sees
# the connection close: 502), and every request started after the new
# worker is ready succeeds.  Every answer is counted.
#
# Four clients each send requests one after another (a 0.2 s handler and
# a quick one, alternating) to a pool of two workers, logging "start end
# status" per request with millisecond times taken around curl.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua workers=2

CLIENTS=4
client() {
	local i=0 s e code url
	while [ ! -e "$TMP/stop" ]; do
		case $((i++ % 2)) in
		0) url="/sleep?s=0.2" ;;
		1) url="/hello/x" ;;
		esac
		s=$(now_ms)
		code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' \
		    "http://127.0.0.1:$NGINX_PORT$url") || code=000
		e=$(now_ms)
		echo "$s $e $code $url" >> "$TMP/load.$1"
	done
}
for ((c = 0; c < CLIENTS; c++)); do
	client "$c" &
	_track "$!"
	loaders+=("$!")
done
stop_load() {
	local p
	touch "$TMP/stop"
	for p in "${loaders[@]}"; do
		wait "$p" || true
		_untrack "$p"
	done
}

# answered: how many requests have been answered so far.
answered() {
	cat "$TMP"/load.* 2>/dev/null | wc -l
}
wait_for 20 eval '[ "$(answered)" -ge 20 ]' || fail "the load did not get going"

workers=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ' | sort)
assert_eq 2 "$(wc -w <<< "$workers")" "number of workers"
victim=$(head -n 1 <<< "$workers")
survivor=$(tail -n 1 <<< "$workers")
t_kill=$(now_ms)
kill -KILL "$victim"
wait_log "worker $victim killed by signal 9; respawning in [0-9]+ ms"
# The replacement, from the master's own line: its other children then
# may include the killed worker's orphans (spares, runners) on their way
# out, so ps cannot tell which is the new worker.
new=
started() {
	new=$(sed -n "/worker $victim killed by signal 9/,\$ s/.*started worker \([0-9]*\).*/\1/p" \
	    "$FCGISERVE_LOG" | head -n 1)
	[ -n "$new" ]
}
wait_for 10 started || fail "no new worker 10 s after worker $victim was killed"
wait_log "\[$new\] pool test: worker ready"
t_ready=$(now_ms)
note "killed worker $victim at $t_kill; worker $new ready at $t_ready"

# Load on the respawned pool until 8 requests started after it was ready
# have been answered (counted, not timed: a busy machine only takes longer).
# after_ready: how many such requests were answered so far.
after_ready() {
	cat "$TMP"/load.* 2>/dev/null | awk -v t="$t_ready" '$1 > t' | wc -l
}
wait_for 60 eval '[ "$(after_ready)" -ge 8 ]' ||
    fail "only $(after_ready) requests started after the respawn were answered within 60 s"
stop_load

cat "$TMP"/load.* > "$TMP/load"
total=$(wc -l < "$TMP/load")
failed=$(awk '$3 != 200' "$TMP/load")
after=$(awk -v t="$t_ready" '$1 > t' "$TMP/load" | wc -l)
note "$total requests, $(awk -v t="$t_ready" '$1 > t && $3 == 200' "$TMP/load" | wc -l) of $after started after the respawn answered 200"
[ -z "$failed" ] || note "failed: $failed"

# Every request started after the respawn succeeded, and there were many.
bad=$(awk -v t="$t_ready" '$1 > t && $3 != 200' "$TMP/load")
[ -z "$bad" ] || fail "requests started after the respawn failed: $bad"
[ "$after" -ge 8 ] || fail "only $after requests started after the respawn"
# A failure is a request in flight at the kill, answered 502, one per
# client at most.
bad=$(awk -v t="$t_kill" '$3 != 200 && !($1 <= t && $2 >= t && $3 == 502)' "$TMP/load")
[ -z "$bad" ] || fail "failed requests that were not in flight at the kill: $bad"
[ "$(grep -c . <<< "$failed")" -le "$CLIENTS" ] ||
    fail "more failures than requests in flight"
http GET /hello/end > /dev/null
assert_status 200
stop_fcgiserve
