#!/bin/bash
# A program a handler starts in the background (os.execute("sleep 30 &"))
# does not outlive the request: the child's whole process group is killed
# when the child is reaped.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET "/spawn?pidfile=$TMP/bg.pid" > /dev/null
assert_status 200
assert_json .spawned true
wait_file "$TMP/bg.pid" 5
pid=$(cat "$TMP/bg.pid")
assert_match '^[0-9]+$' "$pid" "background program's pid"
wait_for 3 eval "! pid_alive $pid" ||
    fail "background program $pid ($(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)) outlived its request"
stop_fcgiserve
