#!/bin/bash
# fcgiserve.shared through nginx, two workers: a value set in one request
# is read in others, on the other worker too; every value type, binary
# strings; add and replace; incr; expiry; keys; a full dictionary evicts
# the least recently used and never fails a same-size store; the status
# page and metrics count it all; a reload keeps the dictionary and its
# items when its size stays, and drops them when it changes.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack shared.lua workers=2 "shared_dict=d 256k" \
    status_path=/fcgiserve-status

get() {
	http GET "/get?k=$1" > /dev/null
	assert_status 200
}

# Set under one worker, read under the other: each request goes straight
# to the pool's socket while the other worker is stopped, so the one
# left accepts it.
direct() {
	fcgiclient -c "$FCGISERVE_LISTEN" -t 10 REQUEST_METHOD=GET \
	    DOCUMENT_URI="$1" REQUEST_URI="$1?$2" QUERY_STRING="$2" \
	    > "$TMP/last.raw" 2> "$TMP/last.err" ||
	    fail "$1?$2: no answer: $(cat "$TMP/last.err")"
	_cgi_response direct "$TMP/last.raw"
}
read -r w1 w2 < <(ps -o pid= --ppid "$FCGISERVE_PID" | xargs)
[ -n "$w2" ] || fail "expected two workers, found '$w1'"
kill -STOP "$w2"
direct /set 'k=greeting&v=hello'
kill -CONT "$w2"
assert_json '[.ok, .ppid]' "[true,$w1]"
kill -STOP "$w1"
direct /get 'k=greeting'
kill -CONT "$w1"
assert_json '[.value, .ppid]' "[\"hello\",$w2]"

# Types.
http GET '/set?k=i&int=9007199254740993' > /dev/null	# past 2^53: exact
get i		# jq reads numbers as doubles: the raw text
assert_match '"value":9007199254740993[,}]' "$(cat "$TMP/last.body")" "a 64-bit integer"
http GET '/set?k=f&num=0.25' > /dev/null
get f; assert_json '[.type, .value]' '["number",0.25]'
http GET '/set?k=b&bool=false' > /dev/null
get b; assert_json '[.type, .value]' '["boolean",false]'
http GET '/set?k=bin&bin=5' > /dev/null		# 1280 bytes, NULs too
http GET '/binsum?bin=5' > /dev/null
want=$(jq -c '[.len, .sum]' < "$TMP/last.body")
http GET '/get?k=bin&sum=1' > /dev/null
assert_json '[.len, .sum]' "$want"
get nope; assert_json .type nil
http GET '/bad' > /dev/null
assert_json .raised true

# add and replace.
http GET '/add?k=greeting&v=x' > /dev/null
assert_json '[.ok, .err]' '[null,"exists"]'
http GET '/replace?k=absent&v=x' > /dev/null
assert_json '[.ok, .err]' '[null,"not found"]'
http GET '/replace?k=greeting&v=bye' > /dev/null
assert_json .ok true
get greeting; assert_json .value bye
http GET '/add?k=new&v=1' > /dev/null
assert_json .ok true

# incr.
http GET '/incr?k=n&n=1' > /dev/null
assert_json '[.value, .err]' '[null,"not found"]'
http GET '/incr?k=n&n=2&init=40' > /dev/null
assert_json .value 42
http GET '/incr?k=greeting&n=1' > /dev/null
assert_json .err 'not a number'

# Expiry: gone once its time has passed, however long that takes here.
http GET '/set?k=brief&v=x&ttl=3' > /dev/null
http GET '/ttl?k=brief' > /dev/null
jq -e '.ttl > 0 and .ttl <= 3' "$TMP/last.body" > /dev/null ||
    fail "ttl of brief: $(cat "$TMP/last.body")"
gone() { http GET '/get?k=brief' > /dev/null; [ "$(jq -r .type "$TMP/last.body")" = nil ]; }
wait_for 10 gone || fail "brief did not expire"
http GET '/ttl?k=brief' > /dev/null
assert_json .err 'not found'

# keys: most recently used first.
get i
http GET '/keys?max=2' > /dev/null
assert_json '.keys | length' 2
assert_json '.keys[0]' i

# A full dictionary: 1 600 stores of 500 bytes into 256 KiB; nothing
# fails, the oldest go, one kept in use stays.
http GET '/flush' > /dev/null
http GET '/set?k=keep&v=me' > /dev/null
for round in $(seq 1 16); do
	http GET "/fill?prefix=r$round-&n=100&size=500" > /dev/null
	assert_json .failed 0
	get keep
done
assert_json .value me
http GET '/fill?prefix=last-&n=1&size=500' > /dev/null
assert_json .forced 1
get r1-1; assert_json .type nil			# the oldest went
get r16-100; assert_json .type string

http GET /fcgiserve-status > /dev/null
jq -e '.shared_dicts.d | .evictions > 0 and .hits > 0 and .misses > 0 and
    .items > 0 and .used <= .capacity and .capacity > 200000' \
    "$TMP/last.body" > /dev/null ||
    fail "status shared_dicts: $(jq -c .shared_dicts "$TMP/last.body")"
http GET '/fcgiserve-status?openmetrics' > /dev/null
grep -q '^fcgiserve_shared_dict_evictions_total{pool="test",dict="d"} [1-9]' \
    "$TMP/last.body" || fail "no evictions metric for d"

# A reload with the same size keeps the items; another size drops them.
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #1 have all exited'
assert_log 'shared_dict d kept with its items'
get keep; assert_json .value me
sed -i 's/^shared_dict = d 256k$/shared_dict = d 512k/' "$TMP/fcgiserve.conf"
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #2 have all exited'
assert_log 'shared_dict d resized, its items dropped'
get keep; assert_json .type nil
stop_fcgiserve
