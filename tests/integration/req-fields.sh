#!/bin/bash
# req as nginx's fastcgi_params fill it: path is the decoded $uri, query
# decodes and groups repeated names, headers are lower-case, body is raw.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET '/echo/a%20b/c?x=1&x=2&y=hello+w%C3%B6rld&z=' -H 'X-Test: yes' > /dev/null
assert_status 200
assert_json .method GET
assert_json .path '/echo/a b/c'
assert_json .query '{"x":["1","2"],"y":"hello wörld","z":""}'
assert_json .test_header yes
assert_json .remote_addr 127.0.0.1
assert_json '.body' null

http POST /echo -H 'Content-Type: text/plain' --data-binary 'line1
line2' > /dev/null
assert_json .method POST
assert_json .body 'line1
line2'

# httpoxy: a client's Proxy header never reaches the app as HTTP_PROXY
# ("*_param HTTP_PROXY ''" in fcgiserve_params / fcgiserve_scgi_params;
# nginx 1.22 then sends neither it nor the header).  SCGI refuses a param
# sent twice, so the 200 also shows nginx does not send both.
http GET /env/proxy -H 'Proxy: http://evil.example:3128' > /dev/null
assert_status 200
assert_json '.env.HTTP_PROXY // ""' ''
assert_json '.path' /env/proxy

# A chunked upload: nginx buffers it and sends its length.
http POST /echo -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' \
    --data-binary '{"chunked":true}' > /dev/null
assert_status 200
assert_json .body '{"chunked":true}'
stop_fcgiserve
