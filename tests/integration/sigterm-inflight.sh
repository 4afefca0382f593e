#!/bin/bash
# SIGTERM while a 1 s request runs: that request still completes with 200,
# then the daemon exits 0 and leaves no process behind.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua shutdown_timeout=5s

http_bg slow GET "/sleep?s=1&pidfile=$TMP/slow.pid" -H 'X-Request-Id: term-1'
wait_file "$TMP/slow.pid"
stop_fcgiserve 5		# asserts exit 0 within 5 s and no leftovers

http_wait slow
assert_status 200
assert_json .slept 1
assert_header X-Request-Id term-1
