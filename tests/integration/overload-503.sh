#!/bin/bash
# workers=1, max_children=1, queue=0: with one request running, the next
# one is refused at once with 503 and Retry-After: 1.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=1 queue=0

# Held until we create $TMP/go: no race with a sleep running out.
http_bg held GET "/hold?release=$TMP/go&pidfile=$TMP/held.pid"
wait_file "$TMP/held.pid"

http GET /hello/x -H 'X-Request-Id: busy-1' > /dev/null
assert_error 503 busy-1
assert_header Retry-After 1

touch "$TMP/go"
http_wait held
assert_status 200
assert_json .held true

# Capacity is back.
http GET /hello/x > /dev/null
assert_status 200
stop_fcgiserve
