#!/bin/bash
# Requests run in parallel children: four handlers that each sleep 1 s,
# sent at once to a single worker, all finish in well under 4 s.  (The one
# timing assertion in the suite: the sleeps make it unambiguous.)
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=4

http GET /hello/warm > /dev/null	# the worker is up
assert_status 200

t0=$(now_ms)
for i in 1 2 3 4; do
	http_bg "p$i" GET '/sleep?s=1'
done
pids=()
for i in 1 2 3 4; do
	http_wait "p$i"
	assert_status 200
	pids+=("$(jq -r .pid "$TMP/last.body")")
done
elapsed=$(($(now_ms) - t0))
note "4 x 1 s handlers took $elapsed ms"
[ "$elapsed" -lt 3000 ] || fail "4 parallel 1 s requests took $elapsed ms, expected < 3000"
assert_eq 4 "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" "distinct child pids"
stop_fcgiserve
