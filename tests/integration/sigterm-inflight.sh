#!/bin/bash
# SIGTERM while a request runs: the daemon stops taking new connections
# but waits for that request, which completes with 200; then it exits 0
# and leaves no process behind.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua shutdown_timeout=10s

# Held until we create $TMP/go, so it is surely in flight at SIGTERM.
http_bg held GET "/hold?release=$TMP/go&pidfile=$TMP/held.pid" -H 'X-Request-Id: term-1'
wait_file "$TMP/held.pid"
sigterm_fcgiserve
wait_log 'received signal 15'
sleep 0.3
pid_alive "$FCGISERVE_PID" ||
    fail "fcgiserve exited at SIGTERM with a request in flight"

# A new request is not taken on (nginx gets no connection: 502).
http GET /hello/new -H 'X-Request-Id: term-2' --max-time 5 > /dev/null
assert_status 502

touch "$TMP/go"
wait_fcgiserve_stopped 5	# exit 0 within 5 s of the release, no leftovers

http_wait held
assert_status 200
assert_json .held true
assert_header X-Request-Id term-1
