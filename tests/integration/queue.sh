#!/bin/bash
# Beyond max_children, requests wait in the queue instead of failing:
# max_children=1, queue=4, three 1 s requests at once all answer 200, one
# after another in the one slot (with isolation = reset, all three may
# run in the same runner).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=1 queue=4

for i in 1 2 3; do
	http_bg "q$i" GET '/sleep?s=1'
done
for i in 1 2 3; do
	http_wait "q$i"
	assert_status 200
done
assert_no_log 'answering 503'
stop_fcgiserve
