#!/bin/bash
# A second SIGTERM during a graceful stop means "now": the master exits 0
# at once instead of waiting out shutdown_timeout, and nothing is left
# running: not the worker, not the request child, not the program the
# handler started (os.execute "sleep 30", in the child's process group).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua shutdown_timeout=60s request_timeout=60s

http_bg slow GET "/sleep?s=30&pidfile=$TMP/sleep.pid"
wait_file "$TMP/sleep.pid"
child=$(cat "$TMP/sleep.pid")
# The handler's own child (sh or sleep) must exist before we stop.
wait_for 5 eval '[ -n "$(_descendants "$child")" ]' ||
    fail "the handler of child $child started no program"
below=$(_descendants "$child")
note "request child $child, its programs: $below"

sigterm_fcgiserve
wait_log 'received signal 15; stopping gracefully'
sleep 0.5
pid_alive "$FCGISERVE_PID" ||
    fail "fcgiserve exited at the first SIGTERM with a request in flight"
pid_alive "$child" || fail "the first SIGTERM killed request child $child"

kill -TERM "$FCGISERVE_PID"
wait_fcgiserve_stopped 3	# exit 0 within 3 s (not 60), no leftovers
wait_log 'received signal 15 again; stopping now' 1
for p in $child $below; do
	_wait_exit "$p" 1 || fail "process $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)) outlived the second SIGTERM"
done
http_wait slow
note "the request cut by the second SIGTERM got HTTP $(last_status)"
assert_match '^5[0-9][0-9]$' "$(last_status)" "status of the request cut by the stop"
