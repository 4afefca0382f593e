#!/bin/bash
# Process state a C module can change -- a static, a malloc'd buffer,
# descriptors left open (from C and from Lua's io.open), a leaked
# mapping, the working directory, umask, the environment, a signal
# handler and the mask, an alarm, a grandchild left running -- is the
# template's again in the next request, in both isolation modes.  One
# worker, one slot: with isolation = reset, consecutive requests run in
# the same runner (the same pid), which puts itself back after each
# (reset_verify on: no page may differ); a thread started by a request
# makes that runner retire, and the next request runs in a new one.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
requires_fcgiserve
MOD=$top_builddir/tests/integration/probemod.so
[ -f "$MOD" ] || fail "$MOD is missing (built by make check)"
"$FCGISERVE" -V | grep -q 'static binary' &&
    skip "a static binary cannot load C modules"
{
	echo "package.cpath = '$top_builddir/tests/integration/?.so'"
	cat "$APPS/probe.lua"
} > "$TMP/probe.lua"

# The state as a request finds it, without the pid.
look() {
	http GET "/look${1:+?child=$1}" > /dev/null
	assert_status 200
	jq -c -S 'del(.pid)' < "$TMP/last.body"
}

for mode in fork reset; do
	start_stack probe.lua app="$TMP/probe.lua" max_children=1 \
	    isolation=$mode reset_verify=yes status_path=/status
	http GET /status > /dev/null
	running=$(jq -r .isolation < "$TMP/last.body")
	if [ "$mode" = reset ] && [ "$running" = fork ]; then
		grep -q 'isolation reset is not available here' "$FCGISERVE_LOG" ||
		    fail "isolation reset fell back to fork without a warning"
		note "isolation reset unavailable here: $(grep -o \
		    'not available here ([^)]*)' "$FCGISERVE_LOG" | head -1)"
		stop_fcgiserve
		stop_nginx
		continue
	fi
	assert_eq "$mode" "$running" "isolation in the status"
	fresh=$(look)
	assert_match '"alarm":false,"blocked":false,"buffer":0,"child_alive":false,"counter":0' \
	    "$fresh" "state of a fresh copy ($mode)"
	http GET /look > /dev/null
	pid=$(jq .pid < "$TMP/last.body")
	for round in 1 2 3; do
		http GET /mess > /dev/null
		assert_status 200
		child=$(jq .child < "$TMP/last.body")
		[ "$child" -gt 0 ] || fail "round $round: mess started no child"
		wait_for 10 bash -c "! grep -qs '^State:.*[RSDT]' /proc/$child/status" ||
		    fail "round $round: grandchild $child still runs"
		assert_eq "$fresh" "$(look "$child")" \
		    "round $round ($mode): the state after a request that changed it"
		if [ "$mode" = reset ]; then
			assert_eq "$pid" "$(jq .pid < "$TMP/last.body")" \
			    "round $round: the same runner"
		fi
	done
	if [ "$mode" = reset ]; then
		http GET /thread > /dev/null
		assert_json .started true
		assert_eq "$fresh" "$(look)" "after a thread"
		[ "$(jq .pid < "$TMP/last.body")" != "$pid" ] ||
		    fail "the runner that started a thread served again"
		wait_for 10 grep -q "runner $pid retires after [0-9]* requests: 2 threads" \
		    "$FCGISERVE_LOG" || fail "no log line: runner $pid retires (2 threads)"
		http GET /status > /dev/null
		assert_json .reset_differs 0
		resets=$(jq .resets < "$TMP/last.body")
		[ "$resets" -ge 8 ] || fail "$resets resets, want at least 8"
	fi
	stop_fcgiserve
	stop_nginx
done
