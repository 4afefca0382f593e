#!/bin/bash
# max_params through nginx, where each request header is one more HTTP_*
# param: a request with exactly max_params params is served, one with a
# param more is answered 431 in the JSON error shape with one log line
# naming the limit, and the next request works.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack limits.lua max_params=40

# What nginx sends for a plain request (its params, curl's headers).
http GET /params -H 'X-Request-Id: count-0' > /dev/null
assert_status 200
base=$(jq .count "$TMP/last.body")
[ "$base" -gt 10 ] && [ "$base" -lt 40 ] ||
    fail "a plain request has $base params; expected between 10 and 40"

headers=()
for ((i = base; i < 40; i++)); do
	headers+=(-H "X-P-$i: v")
done
http GET /params -H 'X-Request-Id: count-1' "${headers[@]}" > /dev/null
assert_status 200
assert_json .count 40

http GET /params -H 'X-Request-Id: count-2' "${headers[@]}" -H 'X-P-40: v' > /dev/null
assert_error 431 count-2
assert_json .error.message 'request header fields too large'
wait_log 'rid=count-2.*more than max_params \(40\) params; answering 431'
assert_eq 1 "$(count_log 'max_params')" "log lines naming max_params"

http GET /hello > /dev/null
assert_status 200
stop_fcgiserve
