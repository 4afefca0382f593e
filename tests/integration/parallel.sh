#!/bin/bash
# Requests run in parallel children: four requests sent at once to a single
# worker are all inside their handlers at the same time.  Shown by events,
# not by a clock: each handler records its pid and then holds until the
# test releases it, and the test releases them only once all four pids are
# recorded -- which cannot happen if the worker ran them one after another
# (the first would hold forever; /hold gives up after 20 s with a 500).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=4

http GET /hello/warm > /dev/null	# the worker is up
assert_status 200

for i in 1 2 3 4; do
	http_bg "p$i" GET "/hold?release=$TMP/go&pidfile=$TMP/pid$i"
done
all_held() { [ -s "$TMP/pid1" ] && [ -s "$TMP/pid2" ] && [ -s "$TMP/pid3" ] &&
    [ -s "$TMP/pid4" ]; }
wait_for 15 all_held ||
    fail "the four requests were not in their handlers at once within 15 s: $(ls "$TMP" | grep -c '^pid[1-4]$') of 4 were"
touch "$TMP/go"
for i in 1 2 3 4; do
	http_wait "p$i"
	assert_status 200
	assert_json .held true
	jq -r .pid "$TMP/last.body" >> "$TMP/pids"
done
assert_eq 4 "$(sort -u "$TMP/pids" | wc -l)" "distinct child pids"
stop_fcgiserve
