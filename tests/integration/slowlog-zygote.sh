#!/bin/bash
# A pool with a slow log file keeps its zygote: the zygote puts its
# control socket and the slow log in their places (fds.h) whatever numbers
# the worker had them at.  (It used to clobber one with the other and die
# at start, so the worker logged "spare zygote N exited" once a second and
# forked its spares itself.)  The same zygote serves many requests, and
# the spares it forks still write to the slow log.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua workers=1 spare_children=2 slowlog_timeout=300ms \
    "slowlog=$TMP/slow.log" request_timeout=60s

sole_worker
wait_for 5 eval '[ -n "$(zygote_of "$worker")" ]' ||
    fail "worker $worker has no zygote: $(ps -o pid=,comm= --ppid "$worker" | xargs)"
z=$(zygote_of "$worker")
for i in $(seq 20); do
	http GET "/hello/n$i" > /dev/null
	assert_status 200
done
http_bg slow GET "/slow?release=$TMP/go" -H 'X-Request-Id: slow-z'
wait_for 15 grep -q 'rid=slow-z' "$TMP/slow.log" ||
    fail "no slow log entry from a spare within 15 s: $(cat "$TMP/slow.log" 2>/dev/null)"
touch "$TMP/go"
http_wait slow
assert_status 200
assert_eq "$z" "$(zygote_of "$worker")" "the zygote after 21 requests"
assert_no_log 'spare zygote [0-9]+ (exited|killed)'
stop_fcgiserve
