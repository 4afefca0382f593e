#!/bin/bash
# access_format = combined: NCSA combined (as nginx and Apache write it),
# then pool, rid, duration_ms, pid, cpu_ms and max_rss_kb; client text is
# escaped.  access_log = stderr puts the lines in the error log.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua "access_log=$TMP/access.log" access_format=combined \
    ping_path=/ping
LOG=$TMP/access.log

# entry RID: waits for the line of request RID, kept in $TMP/entry.
entry() {
	wait_for 10 grep -q " rid=$1 " "$LOG" ||
	    fail "no access log line for $1: $(cat "$LOG")"
	grep " rid=$1 " "$LOG" > "$TMP/entry"
	assert_eq 1 "$(wc -l < "$TMP/entry")" "lines for $1"
}

T='\[[0-9]{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000\]'
MS='[0-9]+\.[0-9]{3}'

http GET '/pid?a=1&b=2' -H 'X-Request-Id: comb-1' \
    -H 'Referer: http://example.test/from' \
    -A 'agent/1.0 "quoted" \back' > /dev/null
assert_status 200
pid=$(jq -r .pid "$TMP/last.body")
size=$(wc -c < "$TMP/last.body")
entry comb-1
assert_match "^127\\.0\\.0\\.1 - - $T \"GET /pid\\?a=1&b=2 HTTP/1\\.1\" 200 $size \"http://example\\.test/from\" \"agent/1\\.0 \\\\x22quoted\\\\x22 \\\\x5Cback\" pool=test rid=comb-1 duration_ms=$MS pid=$pid cpu_ms=$MS max_rss_kb=[1-9][0-9]*\$" \
    "$(cat "$TMP/entry")" "combined line"
# The date is today's (UTC), in English whatever the locale.
day=$(LC_ALL=C date -u +%d/%b/%Y)
yday=$(LC_ALL=C date -u -d '1 minute ago' +%d/%b/%Y)
grep -Eq "\\[($day|$yday):" "$TMP/entry" || fail "date is not $day: $(cat "$TMP/entry")"

# No child: dashes.
http GET /ping -H 'X-Request-Id: comb-ping' > /dev/null
entry comb-ping
assert_match "^127\\.0\\.0\\.1 - - $T \"GET /ping HTTP/1\\.1\" 200 4 \"-\" \"curl/[^\"]*\" pool=test rid=comb-ping duration_ms=$MS pid=- cpu_ms=- max_rss_kb=-\$" \
    "$(cat "$TMP/entry")" "combined line without a child"

# A control character in the URI (nginx passes %0A through undecoded in
# REQUEST_URI, decoded in DOCUMENT_URI): one line per request still.
http GET '/nope%0Aforged' -H 'X-Request-Id: comb-nl' > /dev/null
assert_status 404
entry comb-nl
assert_eq 3 "$(wc -l < "$LOG")" "lines in the access log"
stop_fcgiserve

# access_log = stderr: the lines go where the error log goes.
write_conf api.lua access_log=stderr access_format=combined
start_fcgiserve
http GET /hello/x -H 'X-Request-Id: comb-stderr' > /dev/null
assert_status 200
wait_log "^127\\.0\\.0\\.1 - - $T \"GET /hello/x HTTP/1\\.1\" 200 [0-9]+ .* rid=comb-stderr "
stop_fcgiserve
