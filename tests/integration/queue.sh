#!/bin/bash
# Beyond max_children, requests wait in the queue instead of failing:
# max_children=1, queue=4, three 1 s requests at once all answer 200, from
# three different children.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=1 queue=4

for i in 1 2 3; do
	http_bg "q$i" GET '/sleep?s=1'
done
pids=()
for i in 1 2 3; do
	http_wait "q$i"
	assert_status 200
	pids+=("$(jq -r .pid "$TMP/last.body")")
done
assert_eq 3 "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" "distinct child pids"
assert_no_log 'answering 503'
stop_fcgiserve
