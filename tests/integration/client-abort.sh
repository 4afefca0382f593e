#!/bin/bash
# The client gives up: nginx drops its connection to fcgiserve, which
# kills the running child (well before request_timeout) and goes on
# serving.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua request_timeout=30s

rc=0
curl -sS --max-time 1 -o /dev/null -H 'X-Request-Id: gone-1' \
    "http://127.0.0.1:$NGINX_PORT/spin?pidfile=$TMP/spin.pid" 2> /dev/null || rc=$?
assert_eq 28 "$rc" "curl exit status (28: timed out)"
wait_file "$TMP/spin.pid" 1
pid=$(cat "$TMP/spin.pid")
wait_for 3 eval "! test -e /proc/$pid" ||
    fail "request child $pid still exists 3 s after the client left ($(cat "/proc/$pid/stat" 2>/dev/null))"

http GET /hello/after > /dev/null
assert_status 200
stop_fcgiserve
