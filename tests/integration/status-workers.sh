#!/bin/bash
# With two workers the status totals are the pool's, whichever worker
# answers: the per-worker counts add up to them.  A worker that dies
# leaves the list (the master frees its slot), its respawned successor
# joins it, and the pool's totals keep what the dead one counted.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=2 spare_children=0 status_path=/st

full() {
	http GET '/st?full' > /dev/null
	assert_status 200
}

# Until both workers have a slot (they claim it as they start).
for ((i = 0; i < 100; i++)); do
	full
	[ "$(jq '.worker_processes | length' "$TMP/last.body")" = 2 ] && break
	sleep 0.1
done
assert_json '.worker_processes | length' 2
assert_json .workers_running 2

for i in 1 2 3 4 5 6; do
	http GET "/hello/$i" > /dev/null
	assert_status 200
done
full
assert_json .accepted_requests 6
assert_json '[.worker_processes[].requests] | add' 6
assert_json '[.worker_processes[].pid] | unique | length' 2

# Kill a worker that served something.
victim=$(jq -r '[.worker_processes[] | select(.requests > 0)][0].pid' "$TMP/last.body")
served=$(jq -r "[.worker_processes[] | select(.pid == $victim)][0].requests" "$TMP/last.body")
assert_match '^[0-9]+$' "$victim" "victim pid"
kill -KILL "$victim"
wait_log "worker $victim killed by signal 9"
for ((i = 0; i < 100; i++)); do
	full
	[ "$(jq "[.worker_processes[] | select(.pid == $victim)] | length" "$TMP/last.body")" = 0 ] &&
	[ "$(jq '.worker_processes | length' "$TMP/last.body")" = 2 ] && break
	sleep 0.1
done
assert_json "[.worker_processes[] | select(.pid == $victim)] | length" 0
assert_json '.worker_processes | length' 2
assert_json .workers_running 2

for i in 1 2 3; do
	http GET "/hello/again$i" > /dev/null
	assert_status 200
done
full
assert_json .accepted_requests 9
assert_json "([.worker_processes[].requests] | add) + $served" 9
# Children are reaped just after their answer: wait for the gauge.
for ((i = 0; i < 100; i++)); do
	full
	[ "$(jq .active_children "$TMP/last.body")" = 0 ] && break
	sleep 0.1
done
assert_json .active_children 0
assert_json .queued_requests 0
stop_fcgiserve
