#!/bin/bash
# req.json on a body that is not JSON: 400, and the handler goes no further.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http POST /items -H 'Content-Type: application/json' -H 'X-Request-Id: bj-1' -d '{"name": ' > /dev/null
assert_error 400 bj-1
stop_fcgiserve
