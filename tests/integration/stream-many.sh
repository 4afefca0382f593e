#!/bin/bash
# 100 streams at once on a pool with max_children = 100 (one worker, no
# queue): all complete; while they hold every slot, one more request
# gets the usual 503.  A stream holds its slot for its whole life.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq xargs
start_stack stream.lua max_children=100 queue=0 status_path=/st \
    request_timeout=60s

seq 1 100 | xargs -P 100 -I{} curl -sN --max-time 60 -o "$TMP/s.{}" \
    "http://127.0.0.1:$NGINX_PORT/chunks?n=2&s=15" &
clients=$!
_track "$clients"
all_open() { http GET /st > /dev/null; [ "$(jq .streams < "$TMP/last.body")" = 100 ]; }
wait_for 30 all_open || fail "$(jq .streams < "$TMP/last.body") of 100 streams open"
http GET '/chunks?n=1' > /dev/null
assert_status 503
wait "$clients" || fail "a streaming client failed"
_untrack "$clients"
for i in $(seq 1 100); do
	assert_eq "chunk 1 chunk 2" "$(xargs < "$TMP/s.$i")" "stream $i"
done
http GET /st > /dev/null
assert_json .streams 0
stop_fcgiserve
