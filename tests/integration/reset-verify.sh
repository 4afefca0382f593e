#!/bin/bash
# isolation = reset with reset_verify = yes under a mixed load: JSON
# answers small and large, 20 MiB of memory held, POST bodies, handler errors, 404s, files left open, a program
# started in the background, memory held: after every one of several
# hundred requests, two runners at once, no page of any runner differs
# from its snapshot.  Where runners cannot work (a sanitizer build) it
# says so and skips.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua workers=1 max_children=2 reset_verify=yes \
    status_path=/status
http GET /status > /dev/null
[ "$(jq -r .isolation < "$TMP/last.body")" = reset ] ||
    skip "isolation reset is not available here: $(grep -o \
    'not available here ([^)]*)' "$FCGISERVE_LOG" | head -1)"

# load N: one client's share of the mix, every answer's status checked.
load() {
	local i s
	for ((i = 0; i < $1; i++)); do
		for u in /hello/a /big?n=200000 /boom /nope /files?n=3 \
		    /rss?mb=3 /nan /spawn?pidfile=$TMP/spawn.$BASHPID.$i \
		    /explode /empty; do
			s=$(curl -s -o /dev/null -w '%{http_code}' \
			    "http://127.0.0.1:$NGINX_PORT$u")
			case $s in 200|204|404|500) ;; *)
				echo "GET $u: $s"; return 1 ;;
			esac
		done
		s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		    --data-binary '{"name":"x"}' "http://127.0.0.1:$NGINX_PORT/items")
		[ "$s" = 201 ] || { echo "POST /items: $s"; return 1; }
	done
}
load 20 > "$TMP/load.a" 2>&1 &
a=$!
load 20 > "$TMP/load.b" 2>&1 &
b=$!
wait $a || fail "client a: $(cat "$TMP/load.a")"
wait $b || fail "client b: $(cat "$TMP/load.b")"
# 20 MiB held: in mappings the request made, removed at the reset.
http GET /rss?mb=20 > /dev/null
assert_status 200

http GET /status > /dev/null
resets=$(jq .resets < "$TMP/last.body")
[ "$resets" -ge 400 ] || fail "only $resets resets for 440 requests"
assert_no_log 'reset_verify'
assert_json .reset_differs 0
note "$resets resets, $(jq .reset_pages < "$TMP/last.body") pages put back"
stop_fcgiserve
