#!/bin/bash
# Each child reseeds math.random: requests forked from the same template
# (one worker) draw different numbers.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack isolation.lua workers=1

seen=""
for i in 1 2 3 4; do
	http GET /random > /dev/null
	assert_status 200
	r=$(jq -r '"\(.int) \(.float)"' "$TMP/last.body")
	case $seen in
	*"|$r|"*) fail "request $i drew $r again (earlier: $seen)" ;;
	esac
	seen+="|$r|"
done
stop_fcgiserve
