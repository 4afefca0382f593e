#!/bin/bash
# A 700 kB body (many FastCGI STDIN records, buffered by nginx) reaches
# the handler byte for byte when under max_body_size.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua max_body_size=1m

head -c 700000 /dev/urandom | base64 -w 0 | head -c 700000 > "$TMP/body"
http POST /echo -H 'Content-Type: text/plain' --data-binary @"$TMP/body" > /dev/null
assert_status 200
assert_json '.body | length' 700000
jq -j .body "$TMP/last.body" | cmp -s - "$TMP/body" ||
    fail "the body the handler saw differs from the one sent"
stop_fcgiserve
