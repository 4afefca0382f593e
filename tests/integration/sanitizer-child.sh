#!/bin/bash
# Sanitizer builds only (configure --enable-sanitizers; skips otherwise):
# a deliberate heap-buffer-overflow and a deliberate signed integer
# overflow in a forked request child (fcgiserve._fault, src/lua_fault.c)
# are caught.  For each: ASan's or UBSan's report is in the fcgiserve log
# (ASan's under the child's pid), the request gets the 500 of a child that
# exited without an answer, and the same worker goes on serving.  Proves
# that children, which leave with _exit, are covered like the master and
# the workers.  This test's reports are expected, so it opts out of
# lib.sh's "no sanitizer report" check and asserts on them itself.
SANITIZER_REPORTS_EXPECTED=1
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack fault.lua workers=1 max_children=2

# A sanitizer build links the runtime's entry point into the daemon.
if grep -aqE '__(asan|ubsan)_' "$FCGISERVE"; then built=1; else built=0; fi
http GET /has-fault > /dev/null
assert_status 200
has=$(last_body | jq -r .fault)
case $built$has in
0false)	stop_nginx
	stop_fcgiserve
	skip "not a sanitizer build (configure --enable-sanitizers)" ;;
1true)	;;
0true)	fail "fcgiserve._fault exists in a build without sanitizers" ;;
*)	fail "sanitizer build without fcgiserve._fault" ;;
esac
stop_nginx
stop_fcgiserve

# fault KIND RID: the request's answer is a 500; sets pid to the child's.
fault() {
	local pidfile=$TMP/$2.pid
	http GET "/fault/$1?pidfile=$pidfile" -H "X-Request-Id: $2" > /dev/null
	assert_error 500 "$2"
	pid=$(cat "$pidfile")
	assert_match '^[0-9]+$' "$pid" "the child's pid"
	[ "$pid" != "$worker" ] && [ "$pid" != "$FCGISERVE_PID" ] ||
	    fail "/fault/$1 ran in the worker or master ($pid), not in a child"
	# The worker saw it exit with the sanitizers' exit code, no answer.
	wait_log "rid=$2: child $pid exited with status 1 without a complete response"
}

# Children forked for the request and pre-forked spares take different
# paths (child_run, child_spare): both.
for spares in 0 2; do
	note "spare_children = $spares"
	: > "$FCGISERVE_LOG"
	start_stack fault.lua workers=1 max_children=2 spare_children=$spares
	sole_worker

	fault heap-buffer-overflow asan-$spares
	assert_log "^==$pid==ERROR: AddressSanitizer: heap-buffer-overflow on address"
	assert_log "WRITE of size 1 at .* thread T0"
	assert_log "in fault_heap_overflow .*lua_fault.c"
	assert_log "in child_(run|spare) .*child.c"
	assert_eq 1 "$(count_log '==[0-9]+==ERROR: AddressSanitizer')" \
	    "ASan reports in the log"

	http GET /pid > /dev/null
	assert_status 200

	fault signed-integer-overflow ubsan-$spares
	assert_log 'lua_fault.c:[0-9]+:[0-9]+: runtime error: signed integer overflow: 2147483647 \+ 1'
	assert_eq 1 "$(count_log 'runtime error:')" "UBSan reports in the log"

	# The worker carries on: the same process answers.
	http GET /pid > /dev/null
	assert_status 200
	assert_eq "$worker" "$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')" \
	    "the worker after the faults"
	assert_no_log "worker $worker (killed|exited)"
	stop_nginx
	stop_fcgiserve
	# Nothing else: no report from the master or the worker (they ran
	# LeakSanitizer at exit, too).
	assert_eq 1 "$(count_log '==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)')" \
	    "sanitizer reports after shutdown"
	assert_eq 1 "$(count_log 'runtime error:')" "UBSan reports after shutdown"
done
