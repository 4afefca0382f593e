#!/bin/bash
# error_log = FILE: the daemon logs there; after the file is moved away,
# SIGUSR1 makes it open a new one (logrotate).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua "error_log=$TMP/error.log"

wait_for 5 test -s "$TMP/error.log" || fail "nothing logged to error_log"
mv "$TMP/error.log" "$TMP/error.log.1"
kill -USR1 "$FCGISERVE_PID"
wait_for 5 test -e "$TMP/error.log" || fail "SIGUSR1 did not reopen error_log"

http GET /explode -H 'X-Request-Id: rotated-1' > /dev/null
assert_status 500
wait_for 5 grep -q 'rid=rotated-1' "$TMP/error.log" ||
    fail "the worker still logs to the old file: $(grep rotated-1 "$TMP/error.log.1")"
! grep -q 'rid=rotated-1' "$TMP/error.log.1" ||
    fail "logged to the rotated file after SIGUSR1"
stop_fcgiserve
