#!/bin/bash
# fcgiserve.every: a job every second on a pool of two workers runs once
# per interval for the pool (not once per worker: over 5 s, at most 6
# runs), in a fresh copy of the app each time; a failing job is logged
# and counted; a job past its own timeout is killed and the log names that
# timeout; the runs go on across a reload and stop with the master.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
export EVERY_LOG=$TMP/every.log
: > "$EVERY_LOG"
start_stack every.lua workers=2 status_path=/st

runs() { wc -l < "$EVERY_LOG"; }
wait_for 20 eval '[ "$(runs)" -ge 1 ]' || fail "the job never ran"
c0=$(runs)
sleep 5
c1=$(runs)
note "$((c1 - c0)) runs in 5 s"
[ $((c1 - c0)) -le 6 ] || fail "$((c1 - c0)) runs in 5 s: more than one per interval"
[ $((c1 - c0)) -ge 2 ] || fail "$((c1 - c0)) runs in 5 s"

http GET /st > /dev/null
jq -e '.jobs.tick.runs >= 2 and .jobs.broken.failures >= 1 and
    .jobs.broken.runs == .jobs.broken.failures' "$TMP/last.body" > /dev/null ||
    fail "status jobs: $(jq -c .jobs "$TMP/last.body")"
wait_log 'job broken run [0-9]+ failed \(status 500\)'
assert_log 'a job that fails'
wait_log "timed out after 700 ms \\(the job's timeout\\); killing child" 20

kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #1 have all exited' 20
c2=$(runs)
wait_for 20 eval '[ "$(runs)" -ge $((c2 + 2)) ]' ||
    fail "no runs after the reload ($(runs) lines, $c2 before)"

stop_fcgiserve
c3=$(runs)
sleep 2
assert_eq "$c3" "$(runs)" "runs after the master stopped"
