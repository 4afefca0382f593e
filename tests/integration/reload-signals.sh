#!/bin/bash
# Signals that arrive in the middle of a reload.  The app's top level takes
# a second to load, so each reload stays in progress for a while.
#  1. SIGHUP, SIGHUP: both are carried out in order; the newest
#     configuration serves, the two older sets of workers exit.
#  2. SIGHUP with a request in flight, then SIGTERM before the new workers
#     are ready: the request still completes with 200, the master exits 0
#     and no process is left behind.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq

slow_app() {	# slow_app VERSION: api.lua's routes, plus /version
	cat > "$TMP/app.lua.new" <<-LUA
	os.execute("sleep 1")
	local app = dofile("$APPS/api.lua")
	app:get("/version", function() return { version = $1 } end)
	return app
	LUA
	mv "$TMP/app.lua.new" "$TMP/app.lua"
}
slow_app 1
start_stack api.lua "app=$TMP/app.lua" workers=1 shutdown_timeout=10s
http GET /version > /dev/null
assert_json .version 1
first=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')

# 1. A reload during a reload.
slow_app 2
kill -HUP "$FCGISERVE_PID"
# The second SIGHUP while the first reload's workers load (1 s): once the
# master says #2 is loaded, not after a guessed time.
wait_log 'reload: configuration #2 loaded' 20
slow_app 3
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: configuration #3 loaded' 20
wait_log 'reload: the workers of configuration #1 have all exited' 20
wait_log 'reload: the workers of configuration #2 have all exited' 20
http GET /version > /dev/null
assert_json .version 3
! pid_alive "$first" || fail "the first worker $first is still running"
assert_eq 1 "$(ps -o pid= --ppid "$FCGISERVE_PID" | wc -l)" \
    "workers after two reloads"

# 2. SIGTERM while a reload waits for its new workers.
http_bg held GET "/hold?release=$TMP/go&pidfile=$TMP/held.pid"
wait_file "$TMP/held.pid"
slow_app 4
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: configuration #4 loaded' 20
sigterm_fcgiserve
wait_log 'received signal 15; stopping gracefully'
sleep 0.3
pid_alive "$FCGISERVE_PID" ||
    fail "the master exited with a request in flight"
touch "$TMP/go"
wait_fcgiserve_stopped 10
http_wait held
assert_status 200
assert_json .held true
assert_no_log 'configuration #4 serves'
