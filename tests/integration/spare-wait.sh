#!/bin/bash
# While the zygote works, every request runs in a spare: one that finds
# none idle waits for the zygote's next (counted in spare_waits) instead of
# the worker forking.  A zygote that sends nothing while requests wait
# (here: stopped with SIGSTOP) is killed after 2 s; the waiting requests
# are then forked by the worker and answered, and a new zygote takes over.
# (Spares are the fork mode's: isolation = fork.)
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua isolation=fork workers=1 spare_children=1 max_children=4 \
    status_path=/fcgiserve-status

sole_worker
zygote() { zygote_of "$worker"; }
spares() { spares_of "$worker"; }
waits() {
	http GET /fcgiserve-status > /dev/null
	assert_status 200
	jq -r .spare_waits "$TMP/last.body"
}
wait_for 5 eval '[ "$(spares | wc -l)" -eq 1 ]' ||
    fail "expected 1 spare under worker $worker, have: $(spares | xargs)"
assert_eq 0 "$(waits)" "spare_waits before any request"

# Three at once, one spare: each runs in a child of its own, at once.
# (How many of them waited for the zygote depends on how fast it forks:
# counted exactly below, where it cannot fork.)
http_bg a GET '/sleep?s=1'
http_bg b GET '/sleep?s=1'
http_bg c GET '/sleep?s=1'
: > "$TMP/pids"
for x in a b c; do
	http_wait $x
	assert_status 200
	jq -r .pid "$TMP/last.body" >> "$TMP/pids"
done
assert_eq 3 "$(sort -u "$TMP/pids" | wc -l)" "distinct child pids for 3 requests"
assert_no_log 'sent no spare'

# A stopped zygote: the idle spare serves one, the next two wait, 2 s.
wait_for 5 eval '[ "$(spares | wc -l)" -eq 1 ]' || fail "spare not refilled"
z=$(zygote)
assert_match '^[0-9]+$' "$z" "the zygote's pid"
kill -STOP "$z"
before=$(waits)
http_bg d GET '/sleep?s=0.2'
http_bg e GET '/hello/e'
http_bg f GET '/hello/f'
for x in d e f; do
	http_wait $x
	assert_status 200
done
assert_log "spare zygote $z sent no spare in 2 s while 2 requests waited; killing it"
assert_eq $((before + 2)) "$(waits)" "spare_waits: two requests waited"
assert_no_log "spare zygote $z killed by signal"	# killed by us: quiet
wait_for 5 eval '[ -n "$(zygote)" ] && [ "$(zygote)" != "$z" ]' ||
    fail "zygote $z not replaced"
wait_for 5 eval '[ "$(spares | wc -l)" -eq 1 ]' ||
    fail "spares not refilled by the new zygote: $(spares | xargs)"
http GET /hello/after > /dev/null
assert_status 200
assert_no_log 'cannot fork'
stop_fcgiserve
