#!/bin/bash
# access_log with access_format = json: one valid JSON object per line
# per request, every field checked against what the request did; requests
# answered without a child have null child fields; SIGUSR1 reopens it.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua "access_log=$TMP/access.log" access_format=json \
    ping_path=/ping
LOG=$TMP/access.log

# entry RID: waits for the line of request RID (written once the child is
# reaped, a moment after the answer) and keeps it in $TMP/entry.
entry() {
	wait_for 10 eval "jq -c 'select(.request_id == \"$1\")' '$LOG' 2>/dev/null | grep -q ." ||
	    fail "no access log line for $1: $(cat "$LOG")"
	jq -c "select(.request_id == \"$1\")" "$LOG" > "$TMP/entry"
	assert_eq 1 "$(wc -l < "$TMP/entry")" "lines for $1"
}

# field FILTER EXPECTED: jq FILTER over the entry.
field() {
	assert_eq "$2" "$(jq -r -c "$1" "$TMP/entry")" "access log: $1"
}

http GET '/pid?a=1&b=x%20y' -H 'X-Request-Id: acc-1' > /dev/null
assert_status 200
pid=$(jq -r .pid "$TMP/last.body")
entry acc-1
field 'keys_unsorted' '["time","pool","request_id","remote_addr","method","path","query","status","body_bytes","duration_ms","child_pid","child_cpu_ms","child_max_rss_kb"]'
field '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' true
# Within a minute of now: the clock and the time zone (UTC) are right.
now=$(date -u +%s)
field "(.time | sub(\"\\\\.[0-9]+Z$\"; \"Z\") | fromdate) - $now | fabs < 60" true
field .pool test
field .remote_addr 127.0.0.1
field .method GET
field .path /pid
field .query 'a=1&b=x%20y'
field .status 200
field .body_bytes "$(wc -c < "$TMP/last.body")"
field '.duration_ms | type' number
field '.duration_ms >= 0' true
field .child_pid "$pid"
field '.child_cpu_ms | type' number
field '.child_cpu_ms >= 0' true
field '.child_max_rss_kb | type' number
field '.child_max_rss_kb > 0 and (.child_max_rss_kb | floor) == .child_max_rss_kb' true

# Lower bounds only (no wall-clock ceilings): 300 ms asleep, 300 ms of CPU,
# 40 MiB held.
http GET '/sleep?s=0.3' -H 'X-Request-Id: acc-sleep' > /dev/null
assert_status 200
entry acc-sleep
field '.duration_ms >= 300' true
http GET '/cpu?s=0.3' -H 'X-Request-Id: acc-cpu' > /dev/null
assert_status 200
entry acc-cpu
field '.child_cpu_ms >= 300' true
http GET '/rss?mb=40' -H 'X-Request-Id: acc-rss' > /dev/null
assert_status 200
entry acc-rss
field '.child_max_rss_kb >= 40 * 1024' true

http POST /echo -d '{"k":1}' -H 'Content-Type: application/json' \
    -H 'X-Request-Id: acc-post' > /dev/null
assert_status 200
entry acc-post
field .method POST
field .path /echo
field .query ''
field .body_bytes "$(wc -c < "$TMP/last.body")"

http GET /nope -H 'X-Request-Id: acc-404' > /dev/null
assert_status 404
entry acc-404
field .status 404
field .body_bytes "$(wc -c < "$TMP/last.body")"

# Answered by the worker: no child.
http GET /ping -H 'X-Request-Id: acc-ping' > /dev/null
assert_status 200
entry acc-ping
field .status 200
field .body_bytes 4
field .child_pid null
field .child_cpu_ms null
field .child_max_rss_kb null

# A path that is not UTF-8 still makes valid JSON (U+FFFD).
http GET '/nope/%FF%FEok' -H 'X-Request-Id: acc-utf8' > /dev/null
assert_status 404
entry acc-utf8
field .path $'/nope/\xef\xbf\xbd\xef\xbf\xbdok'

# Every line is one JSON object.
n=$(wc -l < "$LOG")
assert_eq "$n" "$(jq -c 'select(type == "object")' "$LOG" | wc -l)" "JSON objects"
assert_eq 8 "$n" "lines in the access log"

# logrotate: move the file away, SIGUSR1, the next line is in a new file.
mv "$LOG" "$LOG.1"
kill -USR1 "$FCGISERVE_PID"
wait_for 5 test -e "$LOG" || fail "SIGUSR1 did not reopen access_log"
http GET /hello/x -H 'X-Request-Id: acc-rotated' > /dev/null
assert_status 200
entry acc-rotated
! grep -q acc-rotated "$LOG.1" || fail "logged to the rotated file"
stop_fcgiserve
