#!/bin/bash
# SIGTERM while a handler runs past shutdown_timeout: the master still
# exits 0 soon after the timeout, and the stuck child is killed with it.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua shutdown_timeout=1s request_timeout=30s

http_bg stuck GET "/spin?pidfile=$TMP/spin.pid"
wait_file "$TMP/spin.pid"
pid=$(cat "$TMP/spin.pid")
stop_fcgiserve 4		# exit 0 within 4 s, nothing left running
! pid_alive "$pid" || fail "stuck child $pid survived the shutdown"
http_wait stuck
note "the stuck request got HTTP $(last_status)"
assert_match '^5[0-9][0-9]$' "$(last_status)" "status of the request cut by shutdown"
