#!/bin/bash
# SIGUSR1 when the workers run as an unprivileged user and the error log
# is a root-owned 0600 file in a directory only root may enter: they could
# not reopen it themselves.  The master reopens it and passes the new file
# to each worker over its control socket.  After the rotation, lines from
# the workers and from request children land in the new file, and the old
# file does not grow.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
[ "$(id -u)" -eq 0 ] || skip "needs root (workers run as nobody)"
id nobody > /dev/null 2>&1 || skip "no user 'nobody'"

chmod 0700 "$TMP"
log=$TMP/error.log
start_stack api.lua user=nobody "error_log=$log" workers=1
wait_for 5 test -s "$log" || fail "nothing logged to error_log"
chmod 0600 "$log"
assert_eq "root 600" "$(stat -c '%U %a' "$log")" "error log owner and mode"
worker=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')
assert_eq nobody "$(ps -o user= -p "$worker")" "the worker's user"
http GET /explode -H 'X-Request-Id: before-rotation' > /dev/null
assert_status 500
wait_for 5 grep -q 'rid=before-rotation' "$log" ||
    fail "the child's line did not reach the log before the rotation"

mv "$log" "$log.1"
kill -USR1 "$FCGISERVE_PID"
wait_for 5 test -e "$log" || fail "SIGUSR1 did not create a new error_log"
wait_for 5 grep -q "\\[$worker\\] pool test: log files reopened" "$log" ||
    fail "the worker did not take the new file: $(grep "\[$worker\]" "$log.1" | tail -3)"
grep -q 'received SIGUSR1; log files reopened' "$log" ||
    fail "the master's line is not in the new file"
old_size=$(stat -c %s "$log.1")

http GET /explode -H 'X-Request-Id: after-rotation' > /dev/null
assert_status 500
wait_for 5 grep -q 'rid=after-rotation' "$log" ||
    fail "the child's line is not in the new file"
child=$(sed -n 's/.* \[\([0-9]*\)\] pool test: rid=after-rotation: .*/\1/p' "$log" | head -1)
[ -n "$child" ] && [ "$child" != "$worker" ] ||
    fail "the line about after-rotation is not a request child's ('$child')"
# A child that exits without answering: the worker logs it.
http GET /exit -H 'X-Request-Id: worker-after' > /dev/null
assert_status 500
wait_for 5 grep -q "\\[$worker\\] pool test: rid=worker-after: child" "$log" ||
    fail "the worker's line about worker-after is not in the new file"
assert_eq "$old_size" "$(stat -c %s "$log.1")" \
    "size of the rotated file (nothing may be written to it any more)"
! grep -Eq 'after-rotation|worker-after' "$log.1" ||
    fail "logged to the rotated file"
stop_fcgiserve
