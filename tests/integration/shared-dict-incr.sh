#!/bin/bash
# incr is atomic across workers and request processes: two workers, 200
# requests 16 at a time, each incrementing one key 100 times: exactly
# 20 000.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq xargs
start_stack shared.lua workers=2 max_children=8 "shared_dict=d 1m"

seq 1 200 | xargs -P 16 -I{} curl -s -o "$TMP/out.{}" \
    "http://127.0.0.1:$NGINX_PORT/incr-many?k=count&n=100" ||
    fail "a client failed"
ok=$(cat "$TMP"/out.* | jq -s 'map(.ok) | add') ||
    fail "an answer is not JSON: $(grep -Lx '{.*}' "$TMP"/out.* | head -n 1 | xargs cat)"
assert_eq 20000 "$ok" "increments that returned success"
http GET '/get?k=count' > /dev/null
assert_json .value 20000
stop_fcgiserve
