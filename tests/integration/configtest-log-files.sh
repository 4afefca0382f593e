#!/bin/bash
# fcgiserve -t opens access_log and slowlog as the workers will (creating
# them), and a file that cannot be opened fails the test naming it; the
# daemon refuses to start rather than respawning workers that cannot.
. "$(dirname "$0")/lib.sh" || exit 99
requires_fcgiserve
conf=$TMP/fcgiserve.conf

write_conf api.lua "access_log=$TMP/access.log" slowlog_timeout=1s \
    "slowlog=$TMP/slow.log"
"$FCGISERVE" -t -c "$conf" > "$TMP/out" 2>&1 ||
    fail "-t rejects writable log files: $(cat "$TMP/out")"
test -f "$TMP/access.log" || fail "-t did not create access_log"
test -f "$TMP/slow.log" || fail "-t did not create slowlog"

for kv in "access_log=$TMP/missing/access.log" "slowlog=$TMP/missing/slow.log"; do
	write_conf api.lua slowlog_timeout=1s "$kv"
	rc=0
	"$FCGISERVE" -t -c "$conf" > "$TMP/out" 2>&1 || rc=$?
	assert_eq 1 "$rc" "exit status of -t with $kv ($(cat "$TMP/out"))"
	assert_match "error \\[[0-9]+\\] pool test: ${kv%%=*} $TMP/missing/[a-z]+\\.log: No such file or directory" \
	    "$(cat "$TMP/out")" "-t output"
	rc=0
	timeout 10 "$FCGISERVE" -c "$conf" > "$TMP/out" 2>&1 < /dev/null || rc=$?
	assert_eq 1 "$rc" "exit status of the daemon with $kv ($(cat "$TMP/out"))"
	! test -e "$TMP/fcgiserve.sock" || fail "the daemon left its socket"
done
