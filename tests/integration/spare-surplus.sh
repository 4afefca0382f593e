#!/bin/bash
# Requests waiting for a spare whose clients leave before it comes do not
# leave their spares behind: the zygote forks what was asked, and the
# worker keeps spare_children of them, no more.  (Before, a burst of
# abandoned requests left that many extra idle children for good.)
# (Spares are the fork mode's: isolation = fork.)
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua isolation=fork workers=1 spare_children=1 max_children=8 \
    status_path=/fcgiserve-status

sole_worker
zygote() { zygote_of "$worker"; }
spares() { spares_of "$worker"; }
waits() {
	http GET /fcgiserve-status > /dev/null
	jq -r .spare_waits "$TMP/last.body"
}
wait_for 5 eval '[ "$(spares | wc -l)" -eq 1 ]' ||
    fail "expected 1 spare under worker $worker, have: $(spares | xargs)"
before=$(waits)

# A stopped zygote: the idle spare answers the first request, three wait
# for spares (counted in spare_waits), and their clients are killed as
# soon as all three wait -- well before the 2 s after which a silent
# zygote is killed, however slow the machine.
z=$(zygote)
assert_match '^[0-9]+$' "$z" "the zygote's pid"
kill -STOP "$z"
: > "$TMP/curls"
for i in 1 2 3 4; do
	curl -sS --max-time 30 -o /dev/null \
	    "http://127.0.0.1:$NGINX_PORT/hello/w$i" 2> /dev/null &
	_track "$!"
	echo "$!" >> "$TMP/curls"
done
wait_for 10 eval '[ "$(waits)" -ge $((before + 3)) ]' ||
    fail "expected 3 requests waiting for a spare, spare_waits went from $before to $(waits)"
while read -r c; do
	kill -KILL "$c" 2> /dev/null || true
	wait "$c" 2> /dev/null || true
	_untrack "$c"
done < "$TMP/curls"
wait_for 5 eval '[ "$(count_log "dropped from the queue")" -ge 3 ]' ||
    fail "the three waiting requests were not dropped when their clients left"
kill -CONT "$z"

# It forks the four it was asked for; one stays.
wait_for 5 eval '[ "$(spares | wc -l)" -eq 1 ]' ||
    fail "expected 1 idle spare after the zygote caught up, have: $(spares | xargs)"
sleep 1
assert_eq 1 "$(spares | wc -l)" "idle spares a second later"
assert_eq "$z" "$(zygote)" "the zygote (not killed: nobody waited 2 s)"
http GET /hello/after > /dev/null
assert_status 200
assert_no_log 'idle spare child .* (killed by signal|exited with status)'
assert_no_log 'sent no spare'
stop_fcgiserve
