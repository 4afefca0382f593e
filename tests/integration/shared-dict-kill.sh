#!/bin/bash
# Request processes killed at any instruction (request_timeout) while
# they write a shared dictionary, as others increment a counter in it:
# nothing deadlocks, every increment that returned success is counted
# exactly, and the dictionary goes on working (a killed holder's lock is
# taken over and the index rebuilt, logged nowhere but counted in the
# status page's repairs).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq xargs
start_stack shared.lua workers=2 max_children=8 request_timeout=3s \
    "shared_dict=d 1m" status_path=/fcgiserve-status

# Writers, each killed by the timeout (504), 4 at a time, while 500
# requests of 20 increments (each well within the timeout, however busy
# the machine) run beside them.
seq 1 16 | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    "http://127.0.0.1:$NGINX_PORT/write-forever" > "$TMP/writers" &
writers=$!
_track "$writers"
seq 1 500 | xargs -P 4 -I{} curl -s -o "$TMP/out.{}" \
    "http://127.0.0.1:$NGINX_PORT/incr-many?k=count&n=20" ||
    fail "an incrementing client failed"
wait "$writers" || fail "a writing client failed"
_untrack "$writers"
assert_eq 16 "$(grep -c '^504$' "$TMP/writers")" "writers killed by request_timeout"
ok=$(cat "$TMP"/out.* | jq -s 'map(.ok) | add') ||
    fail "an answer is not JSON: $(grep -Lx '{.*}' "$TMP"/out.* | head -n 1 | xargs cat)"
http GET '/get?k=count' > /dev/null
assert_json .value "$ok"
assert_eq 10000 "$ok" "increments that returned success"
http GET '/set?k=after&v=fine' > /dev/null
assert_json .ok true
http GET /fcgiserve-status > /dev/null
note "repairs after killed writers: $(jq .shared_dicts.d.repairs < "$TMP/last.body")"
stop_fcgiserve
