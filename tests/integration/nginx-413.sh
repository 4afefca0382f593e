#!/bin/bash
# A body over nginx's client_max_body_size (1m in the shipped site) is
# refused by nginx itself, in fcgiserve's JSON error shape, and never
# reaches fcgiserve.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua max_body_size=4m

head -c 1100000 /dev/zero > "$TMP/huge"
http POST /echo -H 'Content-Type: text/plain' -H 'X-Request-Id: huge-1' --data-binary @"$TMP/huge" > /dev/null
assert_error 413 huge-1
assert_header X-Request-Id huge-1
assert_no_log 'accepted connection'
stop_fcgiserve
