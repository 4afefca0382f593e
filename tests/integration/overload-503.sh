#!/bin/bash
# workers=1, max_children=1, queue=0: with one request running, the next
# one is refused at once with 503 and Retry-After: 1.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=1 queue=0

http_bg slow GET "/sleep?s=2&pidfile=$TMP/slow.pid"
wait_file "$TMP/slow.pid"

http GET /hello/x -H 'X-Request-Id: busy-1' > /dev/null
assert_error 503 busy-1
assert_header Retry-After 1

http_wait slow
assert_status 200
assert_json .slept 2

# Capacity is back.
http GET /hello/x > /dev/null
assert_status 200
stop_fcgiserve
