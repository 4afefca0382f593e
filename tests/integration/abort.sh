#!/bin/bash
# fcgiserve.abort(422, msg) answers the error shape with that status and
# message.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http POST /items -H 'Content-Type: application/json' -H 'X-Request-Id: abort-1' -d '{}' > /dev/null
assert_error 422 abort-1
assert_json .error.message 'name is required'
stop_fcgiserve
