#!/bin/bash
# max_body_size at its boundary, through nginx: a body of exactly
# max_body_size bytes reaches the handler, one byte more is answered 413
# with a log line naming the limit, and the next request works.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack limits.lua max_body_size=1k

head -c 1024 /dev/zero | tr '\0' b > "$TMP/at"
head -c 1025 /dev/zero | tr '\0' b > "$TMP/over"
http POST /body -H 'Content-Type: text/plain' --data-binary @"$TMP/at" > /dev/null
assert_status 200
assert_json .length 1024

http POST /body -H 'Content-Type: text/plain' -H 'X-Request-Id: body-2' --data-binary @"$TMP/over" > /dev/null
assert_error 413 body-2
wait_log 'rid=body-2.*request body larger than max_body_size \(1024 bytes\); answering 413'

http GET /hello > /dev/null
assert_status 200
stop_fcgiserve
