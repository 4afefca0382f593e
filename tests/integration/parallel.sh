#!/bin/bash
# Requests run in parallel children: four handlers that each sleep 1 s,
# sent at once to a single worker, all finish in well under 4 s.  (The one
# timing assertion in the suite: the sleeps make it unambiguous.)  One curl
# runs the four transfers in parallel, so the time measured is the
# requests', not the test's own process start-ups on a loaded machine.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=4

http GET /hello/warm > /dev/null	# the worker is up
assert_status 200

url="http://127.0.0.1:$NGINX_PORT/sleep?s=1"
args=()
for i in 1 2 3 4; do
	args+=(-o "$TMP/p$i.json" "$url")
done
t0=$(now_ms)
curl -sS --no-progress-meter --max-time 20 --parallel --parallel-immediate --parallel-max 4 \
    -w '%{http_code} %{time_total}\n' "${args[@]}" > "$TMP/times" ||
    fail "curl failed: $(cat "$TMP/times")"
elapsed=$(($(now_ms) - t0))
note "4 x 1 s handlers took $elapsed ms; each (status, s): $(tr '\n' ' ' < "$TMP/times")"
assert_eq 4 "$(grep -c '^200 ' "$TMP/times")" "200 answers out of 4"
[ "$elapsed" -lt 3000 ] ||
    fail "4 parallel 1 s requests took $elapsed ms, expected < 3000"
pids=$(for i in 1 2 3 4; do jq -r .pid "$TMP/p$i.json"; done | sort -u | wc -l)
assert_eq 4 "$pids" "distinct child pids"
stop_fcgiserve
