#!/bin/bash
# A worker killed by SIGKILL is replaced by the master, and requests are
# served again.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1

http GET /hello/before > /dev/null
assert_status 200
sole_worker
kill -KILL "$worker"
wait_for 5 eval "! test -e /proc/$worker" || fail "worker $worker not reaped"

http GET /hello/after > /dev/null
assert_status 200
assert_json .greeting 'hello after'
new=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')
assert_match '^[0-9]+$' "$new" "the new worker's pid"
[ "$new" != "$worker" ] || fail "worker pid unchanged after SIGKILL"
wait_log "worker $worker killed"
stop_fcgiserve
