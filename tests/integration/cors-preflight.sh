#!/bin/bash
# A CORS preflight is answered by nginx (204 and the CORS headers) and
# never reaches fcgiserve.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack api.lua

http OPTIONS /items -H 'Origin: https://app.example.com' \
    -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: content-type' \
    -H 'X-Request-Id: preflight-1' > /dev/null
assert_status 204
assert_header Access-Control-Allow-Origin https://app.example.com
assert_match '(^|, )POST(,|$)' "$(last_header Access-Control-Allow-Methods)" "Allow-Methods"
assert_match '(^|, )Content-Type(,|$)' "$(last_header Access-Control-Allow-Headers)" "Allow-Headers"
assert_match '^[1-9][0-9]*$' "$(last_header Access-Control-Max-Age)" "Max-Age"
assert_header Vary Origin
assert_header X-Request-Id preflight-1
assert_body ''

# fcgiserve saw nothing: no connection (log_level is debug) and no request.
# The next request reaches it, which shows the log would have told.
assert_no_log 'accepted connection'
assert_no_log 'rid=preflight-1'
http GET /hello/x -H 'Origin: https://app.example.com' > /dev/null
assert_status 200
wait_log 'accepted connection'

# A plain OPTIONS (not a preflight) goes to the app like any method.
http OPTIONS /only-post > /dev/null
assert_status 405
stop_fcgiserve
