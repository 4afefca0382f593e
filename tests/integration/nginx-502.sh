#!/bin/bash
# With fcgiserve down, nginx's own 502 has fcgiserve's JSON error shape and
# the request id of the X-Request-Id header.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq

start_nginx "unix:$TMP/nobody-listens.sock"

http GET /hello/x -H 'X-Request-Id: down-1' > /dev/null
assert_error 502 down-1
assert_header X-Request-Id down-1
assert_match '^application/json' "$(last_header Content-Type)" "Content-Type"
