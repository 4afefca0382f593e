#!/bin/bash
# A handler past request_timeout: 504, and its child is killed (reaped).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua request_timeout=1s

http GET "/spin?pidfile=$TMP/spin.pid" -H 'X-Request-Id: slow-1' > /dev/null
assert_error 504 slow-1
pid=$(cat "$TMP/spin.pid")
assert_match '^[0-9]+$' "$pid" "recorded child pid"
wait_for 2 eval "! test -e /proc/$pid" ||
    fail "request child $pid still exists after the 504 ($(cat /proc/$pid/stat 2>/dev/null))"
wait_log 'rid=slow-1: '

http GET /hello/x > /dev/null
assert_status 200
stop_fcgiserve
