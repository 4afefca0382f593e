#!/bin/bash
# The client gives up: curl --max-time 1 on a handler that sleeps 30 s.
# nginx drops its connection to fcgiserve, which kills the running child
# and the program it started (sleep, in the child's process group) within
# 2 s of the client leaving, well before request_timeout; nothing is
# answered for it, and the worker goes on serving.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua request_timeout=60s

curl -sS --max-time 1 -o /dev/null -H 'X-Request-Id: gone-1' \
    "http://127.0.0.1:$NGINX_PORT/sleep?s=30&pidfile=$TMP/sleep.pid" 2> /dev/null &
curl=$!
_track "$curl"
wait_file "$TMP/sleep.pid" 5
pid=$(cat "$TMP/sleep.pid")
wait_for 1 eval '[ -n "$(_descendants "$pid")" ]' ||
    fail "the handler of child $pid started no program"
below=$(_descendants "$pid")
rc=0
wait "$curl" || rc=$?
_untrack "$curl"
assert_eq 28 "$rc" "curl exit status (28: timed out)"
for p in $pid $below; do
	_wait_exit "$p" 2 ||
	    fail "process $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)) still runs 2 s after the client left"
done
wait_log "child $pid reaped after the peer went away" 2
assert_log 'peer closed the connection with requests in flight'
# At the default log level too, a line names the request it cost.
assert_log "info .*rid=gone-1: connection from .* closed before the answer; killing child $pid"
assert_no_log 'rid=gone-1: .*(timed out|killed by signal|without a complete)'

http GET /hello/after > /dev/null
assert_status 200
stop_fcgiserve
