#!/bin/bash
# CORS headers on ordinary answers: the allowed origins get
# Access-Control-Allow-Origin (errors too), others get none; Vary: Origin
# always.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

for origin in https://app.example.com http://localhost:5173 http://localhost; do
	http GET /hello/x -H "Origin: $origin" > /dev/null
	assert_status 200
	assert_header Access-Control-Allow-Origin "$origin"
	assert_header Access-Control-Expose-Headers X-Request-Id
	assert_header Vary Origin
	assert_no_header Access-Control-Allow-Methods
done

http GET /nope -H 'Origin: https://app.example.com' > /dev/null
assert_status 404
assert_header Access-Control-Allow-Origin https://app.example.com

for origin in https://evil.example.com https://app.example.com.evil.net \
    http://localhost.evil.net https://localhost:5173 null; do
	http GET /hello/x -H "Origin: $origin" > /dev/null
	assert_status 200
	assert_no_header Access-Control-Allow-Origin
	assert_no_header Access-Control-Expose-Headers
	assert_header Vary Origin
done

http GET /hello/x > /dev/null
assert_no_header Access-Control-Allow-Origin
assert_no_header Access-Control-Allow-Credentials
stop_fcgiserve
