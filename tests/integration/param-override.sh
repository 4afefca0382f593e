#!/bin/bash
# A site that overrides a stock param (the common pattern: "include
# scgi_params; scgi_param DOCUMENT_URI $uri;") makes nginx send that name
# twice.  fcgiserve takes the last value, the one the site's author wrote,
# over FastCGI and SCGI alike; it used to close every SCGI connection
# ("duplicate SCGI header DOCUMENT_URI": 502 for every request).
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
case $PROTOCOL in
fastcgi) d=fastcgi_param ;;
scgi)	d=scgi_param ;;
esac
NGINX_EXTRA_PARAMS="$d DOCUMENT_URI \$uri;
$d SERVER_NAME overridden.example;"
start_stack api.lua

http GET /env/a%20b > /dev/null
assert_status 200
assert_json .path '/env/a b'
assert_json .env.DOCUMENT_URI '/env/a b'
assert_json .env.SERVER_NAME overridden.example
http GET /hello/override > /dev/null
assert_status 200
assert_json .greeting 'hello override'
assert_no_log 'duplicate'
stop_fcgiserve
