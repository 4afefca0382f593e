#!/bin/bash
# A handler's header value with CR/LF in it (here from the query string)
# never splits into extra response headers.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET '/header?v=ok' > /dev/null
assert_status 200
assert_header X-Echo ok

http GET '/header?v=a%0d%0aX-Injected:%20yes' -H 'X-Request-Id: inj-1' > /dev/null
assert_no_header X-Injected
assert_no_match $'[\r\n]' "$(last_header X-Echo)" "X-Echo"
note "answer to the CR/LF header: HTTP $(last_status)"
assert_error 500 inj-1
wait_log 'rid=inj-1: '
stop_fcgiserve
