#!/bin/bash
# fcgiserve.sse through nginx, read by an independent client
# (sse_client.py, the EventSource parsing rules): ids, named events,
# multi-line data, JSON data, retry; resuming with Last-Event-ID; keep-
# alive comments while the handler is idle (sse_keepalive); a line break
# in a field is refused, never sent as a field of its own.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq python3
start_stack stream.lua sse_keepalive=1s
client="python3 $top_srcdir/tests/integration/sse_client.py"

http GET '/events' > /dev/null
assert_status 200
assert_header Content-Type text/event-stream
assert_header Cache-Control no-cache

curl -sN --max-time 60 "http://127.0.0.1:$NGINX_PORT/events?idle=5" |
    $client > "$TMP/ev" || fail "the SSE client: $(cat "$TMP/ev")"
jq -e '.retry == 1000' "$TMP/ev" > /dev/null || fail "retry: $(cat "$TMP/ev")"
assert_eq '["1","2","3"]' "$(jq -c '[.events[] | select(.event == "tick") | .id]' "$TMP/ev")" "ids"
assert_eq '"line one\nline two 2"' \
    "$(jq -c '[.events[] | select(.event == "tick")][1].data' "$TMP/ev")" "multi-line data"
assert_eq '{"list":[1,2],"n":1}' \
    "$(jq -r '.events[] | select(.event == "json") | .data' "$TMP/ev" | jq -c -S .)" "JSON data"
assert_eq bye "$(jq -r '.events[-1].data' "$TMP/ev")" "the last event"
comments=$(jq .comments "$TMP/ev")
[ "$comments" -ge 2 ] || fail "$comments keep-alive comments in 5 idle seconds"

# A client resuming after the event it saw last.
curl -sN --max-time 60 -H 'Last-Event-ID: 3' "http://127.0.0.1:$NGINX_PORT/events" |
    $client > "$TMP/ev2" || fail "the SSE client: $(cat "$TMP/ev2")"
assert_eq '["4","5","6"]' "$(jq -c '[.events[] | select(.event == "tick") | .id]' "$TMP/ev2")" "ids after Last-Event-ID 3"

curl -sN --max-time 60 "http://127.0.0.1:$NGINX_PORT/bad-event" | $client > "$TMP/ev3" ||
    fail "the SSE client: $(cat "$TMP/ev3")"
assert_eq 0 "$(jq '.events | length' "$TMP/ev3")" "events of a refused one: $(cat "$TMP/ev3")"
wait_log 'a line break in event'
stop_fcgiserve
