#!/bin/bash
# max_param_length through nginx: a header value, then a header name
# (HTTP_ + the name), of exactly max_param_length bytes is served; one
# byte longer is answered 431 with a log line naming the limit and the
# param.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack limits.lua max_param_length=1k

# chars N C: N times the letter C.
chars() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

http GET /params -H 'X-Request-Id: len-1' -H "X-Long: $(chars 1024 v)" > /dev/null
assert_status 200
assert_json .longest 1024

http GET /params -H 'X-Request-Id: len-2' -H "X-Long: $(chars 1025 v)" > /dev/null
assert_error 431 len-2
wait_log 'rid=len-2.*param HTTP_X_LONG of 1025 bytes is longer than max_param_length \(1024\); answering 431'

# Names: nginx sends header "N..." as param "HTTP_N...", 5 bytes longer.
http GET /params -H 'X-Request-Id: len-3' -H "$(chars 1019 n): v" > /dev/null
assert_status 200
assert_json .longest 1024

http GET /params -H 'X-Request-Id: len-4' -H "$(chars 1020 n): v" > /dev/null
assert_error 431 len-4
wait_log 'rid=len-4.*param name HTTP_N{27}\.\.\. of 1025 bytes is longer than max_param_length \(1024\); answering 431'

http GET /hello > /dev/null
assert_status 200
stop_fcgiserve
