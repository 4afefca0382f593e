#!/bin/bash
# The status page's counters after a known sequence of requests: 200s, a
# 404, one running and one queued request (seen live), a 503 (queue full),
# a 504 (request_timeout), a crash (child killed by a signal) and a ping.
# JSON, OpenMetrics and Prometheus must all tell the same numbers.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=1 queue=1 spare_children=0 \
    request_timeout=8s status_path=/fcgiserve-status ping_path=/fcgiserve-ping

status() {
	http GET "/fcgiserve-status${1:-}" > /dev/null
	assert_status 200
}

# status_is FILTER VALUE: polls the JSON status until FILTER gives VALUE.
status_is() {
	local i
	for ((i = 0; i < 100; i++)); do
		status
		[ "$(jq -r "$1" "$TMP/last.body")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "status: $1 stayed $(jq -c "$1" "$TMP/last.body"), expected $2"
}

# Nothing yet.
status
assert_json .accepted_requests 0
assert_json .children_forked 0

for n in a b c; do
	http GET "/hello/$n" > /dev/null
	assert_status 200
done
http GET /nope > /dev/null
assert_status 404

# One running, one queued: live gauges.
http_bg hold1 GET "/hold?release=$TMP/go&pidfile=$TMP/h1.pid"
wait_file "$TMP/h1.pid"
http_bg hold2 GET "/hold?release=$TMP/go&pidfile=$TMP/h2.pid"
status_is .queued_requests 1
assert_json .active_children 1
status '?full'
assert_json '.worker_processes[0].state' busy
assert_json '.worker_processes[0].active_children' 1
assert_json '.worker_processes[0].queued_requests' 1

# Both slots taken: 503.
http GET /hello/x -H 'X-Request-Id: full-1' > /dev/null
assert_error 503 full-1

touch "$TMP/go"
http_wait hold1
assert_status 200
http_wait hold2
assert_status 200

# Past request_timeout: 504.
http GET /spin > /dev/null
assert_status 504

# Killed by a signal: 500, a crash.
http GET /crash -H 'X-Request-Id: crash-1' > /dev/null
assert_error 500 crash-1
wait_log 'rid=crash-1: child [0-9]+ killed by signal 6'

# Neither ping nor status counts.
http GET /fcgiserve-ping > /dev/null
assert_status 200

# Every child is reaped once its answer is out: wait for the gauges.
status_is .active_children 0
assert_json .pool test
assert_json .workers 1
assert_json .workers_running 1
assert_json .max_children 1
assert_json .queue 1
assert_json .spare_children 0
assert_json .accepted_requests 9
assert_json .queued_requests 0
assert_json .max_active_children 1
assert_json .max_queued_requests 1
assert_json .queue_full 1
assert_json .timeouts 1
assert_json .crashes 1
assert_json .slow_requests 0
assert_json .children_forked 8
assert_json .spare_waits 0
assert_json .responses '{"1xx":0,"2xx":5,"3xx":0,"4xx":1,"5xx":3}'
# The 504 alone took 8 s.
assert_json '.uptime_seconds >= 8' true
assert_json '.start_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' true
assert_json 'has("worker_processes")' false

status '?full'
assert_json '.worker_processes | length' 1
assert_json '.worker_processes[0].requests' 9
assert_json '.worker_processes[0].state' idle
assert_json '.worker_processes[0].active_children' 0
assert_json '.worker_processes[0].queued_requests' 0
worker=$(_descendants "$FCGISERVE_PID" | tr ' ' '\n' | while read -r p; do
	[ "$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)" = "$FCGISERVE_PID" ] &&
	    echo "$p"
done)
assert_json '.worker_processes[0].pid' "$worker"

# The same numbers in both text formats.
for format in openmetrics prometheus; do
	status "?$format"
	assert_metrics "$format"
	assert_eq 9 "$(metric fcgiserve_accepted_requests_total)" "$format accepted"
	assert_eq 0 "$(metric fcgiserve_active_children)" "$format active"
	assert_eq 1 "$(metric fcgiserve_max_active_children)" "$format max active"
	assert_eq 0 "$(metric fcgiserve_queued_requests)" "$format queued"
	assert_eq 1 "$(metric fcgiserve_max_queued_requests)" "$format max queued"
	assert_eq 1 "$(metric fcgiserve_queue_full_total)" "$format 503s"
	assert_eq 1 "$(metric fcgiserve_timeouts_total)" "$format 504s"
	assert_eq 1 "$(metric fcgiserve_crashes_total)" "$format crashes"
	assert_eq 0 "$(metric fcgiserve_slow_requests_total)" "$format slow"
	assert_eq 8 "$(metric fcgiserve_children_forked_total)" "$format forked"
	assert_eq 0 "$(metric fcgiserve_spare_waits_total)" "$format spare waits"
	assert_eq 5 "$(metric fcgiserve_responses_total ',class="2xx"')" "$format 2xx"
	assert_eq 1 "$(metric fcgiserve_responses_total ',class="4xx"')" "$format 4xx"
	assert_eq 3 "$(metric fcgiserve_responses_total ',class="5xx"')" "$format 5xx"
	assert_eq 1 "$(metric fcgiserve_workers)" "$format workers"
	assert_eq 1 "$(metric fcgiserve_workers_running)" "$format running"
	assert_eq 1 "$(metric fcgiserve_max_children)" "$format max_children"
	assert_eq 1 "$(metric fcgiserve_queue_limit)" "$format queue"
	status "?$format&full"
	assert_metrics "$format"
	assert_eq 9 "$(metric fcgiserve_worker_requests_total ",pid=\"$worker\"")" \
	    "$format worker requests"
	assert_eq 1 "$(metric fcgiserve_worker_state ",pid=\"$worker\",state=\"idle\"")" \
	    "$format worker state"
done
stop_fcgiserve
