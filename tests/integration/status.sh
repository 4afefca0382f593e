#!/bin/bash
# status_path and ping_path through the shipped nginx site: answered by
# the worker itself (even with every child busy), each format with its
# Content-Type and valid syntax, GET and HEAD only, and nginx lets only
# this host in.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=1 queue=0 \
    status_path=/fcgiserve-status ping_path=/fcgiserve-ping \
    'ping_response="alive and well"'

http GET /fcgiserve-ping > /dev/null
assert_status 200
assert_body 'alive and well'
assert_header Content-Type 'text/plain; charset=utf-8'
assert_header Cache-Control no-store

http GET /fcgiserve-status > /dev/null
assert_status 200
assert_header Content-Type application/json
assert_header Cache-Control no-store
assert_json 'keys' '["accepted_requests","active_children","children_forked","crashes","isolation","jobs","max_active_children","max_children","max_queued_requests","pool","queue","queue_full","queued_requests","reset_differs","reset_pages","resets","responses","shared_dicts","slow_requests","spare_children","spare_waits","start_time","streams","streams_total","timeouts","uptime_seconds","workers","workers_running"]'
assert_json '[.[] | select(type == "number" and . < 0)] | length' 0
http GET '/fcgiserve-status?json&full' > /dev/null
assert_json '.worker_processes[0] | keys' '["active_children","connections","pid","queued_requests","requests","start_time","state"]'
assert_json '.worker_processes[0].start_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' true
assert_json '.worker_processes[0].connections >= 1' true

http GET '/fcgiserve-status?openmetrics' > /dev/null
assert_status 200
assert_header Content-Type 'application/openmetrics-text; version=1.0.0; charset=utf-8'
assert_metrics openmetrics
assert_eq '# EOF' "$(tail -n1 "$TMP/last.body")" "last line"
assert_no_match 'fcgiserve_worker_' "$(last_body)" "openmetrics without full"
http GET '/fcgiserve-status?openmetrics&full' > /dev/null
assert_metrics openmetrics
assert_match 'fcgiserve_worker_requests_total\{pool="test",pid="[0-9]+"\} [0-9]+' \
    "$(last_body)" "openmetrics full"

http GET '/fcgiserve-status?prometheus&full' > /dev/null
assert_status 200
assert_header Content-Type 'text/plain; version=0.0.4; charset=utf-8'
assert_metrics prometheus
assert_match '# TYPE fcgiserve_accepted_requests_total counter' "$(last_body)"

# Other methods: 405 in the error shape.
http POST /fcgiserve-status -d x -H 'X-Request-Id: post-1' > /dev/null
assert_error 405 post-1
assert_header Allow 'GET, HEAD'
http HEAD /fcgiserve-ping -I > /dev/null
assert_status 200

# With the one child busy (max_children=1, queue=0) the app answers 503,
# status and ping still answer.
http_bg held GET "/hold?release=$TMP/go&pidfile=$TMP/held.pid"
wait_file "$TMP/held.pid"
http GET /hello/x > /dev/null
assert_status 503
http GET /fcgiserve-ping > /dev/null
assert_status 200
http GET /fcgiserve-status > /dev/null
assert_status 200
assert_json .active_children 1
touch "$TMP/go"
http_wait held
assert_status 200

# Only this host: nginx denies another source address (127.0.0.2 is
# loopback too, but not in the location's allow list).
if curl -sS --interface 127.0.0.2 -o /dev/null "http://127.0.0.1:$NGINX_PORT/hello/x" 2>/dev/null; then
	code=$(curl -sS --interface 127.0.0.2 -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$NGINX_PORT/fcgiserve-status")
	assert_eq 403 "$code" "status from 127.0.0.2"
	code=$(curl -sS --interface 127.0.0.2 -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$NGINX_PORT/fcgiserve-ping")
	assert_eq 403 "$code" "ping from 127.0.0.2"
else
	note "cannot send from 127.0.0.2; the nginx allow list is not tested"
fi

# Off (the default): the path is the app's, a 404 from its router.
stop_fcgiserve
write_conf api.lua workers=1
start_fcgiserve
http GET /fcgiserve-status > /dev/null
assert_error 404
stop_fcgiserve
