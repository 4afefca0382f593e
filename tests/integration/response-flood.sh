#!/bin/bash
# A handler that floods output (a 32 MB answer) is cut off at
# max_response_size (1 MB here): its child is killed, the client gets the
# JSON 500, the log names the limit, and the worker's peak memory grows by
# far less than the flood (it never holds more than the bound).  An answer
# under the bound is untouched, and the worker goes on serving.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua max_response_size=1m

# Kilobytes of the worker's peak resident memory (VmHWM).
peak_kb() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"
}

http GET '/big?n=500000' > /dev/null
assert_status 200
assert_json .size 500000
sole_worker
before=$(peak_kb "$worker")

http GET '/big?n=33554432' -H 'X-Request-Id: flood-1' > /dev/null
assert_error 500 flood-1
wait_log 'rid=flood-1: response larger than max_response_size \(1048576 bytes\); killing child [0-9]+'
after=$(peak_kb "$worker")
note "worker $worker peak memory: $before kB before the flood, $after kB after"
[ $((after - before)) -lt 16384 ] ||
    fail "the worker's peak memory grew by $((after - before)) kB for a 32 MB flood cut at 1 MB"

http GET /hello/after > /dev/null
assert_status 200
assert_eq "$worker" "$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')" "worker pid (untouched)"
stop_fcgiserve
