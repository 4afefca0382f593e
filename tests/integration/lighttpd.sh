#!/bin/bash
# lighttpd as a second, independent front end (mod_fastcgi; mod_scgi with
# PROTOCOL=scgi) in front of the same daemon as nginx: the same requests get
# the same status and JSON through both, errors and request ids included.
#
# What lighttpd 1.4.69 (Debian 12) sends, and how fcgiserve copes:
# - No DOCUMENT_URI.  With the prefix "/" it splits the path itself:
#   /env/a/b arrives as SCRIPT_NAME=/env PATH_INFO=/a/b (with
#   "fix-root-scriptname" => "enable": SCRIPT_NAME="" PATH_INFO=/env/a/b),
#   both percent-decoded, plus REQUEST_URI and SCRIPT_FILENAME /
#   PATH_TRANSLATED under its document root.  fcgiserve's fallback,
#   SCRIPT_NAME .. PATH_INFO, gives the whole path either way; mounted
#   under a prefix ("/api" => ...) req.path keeps the prefix, as with nginx.
# - "check-local" => "disable" is needed, or lighttpd looks for the path as
#   a file in its document root and answers 404 itself.
# - No request id param: the client's X-Request-Id arrives as
#   HTTP_X_REQUEST_ID, unfiltered; fcgiserve keeps a sane one and replaces
#   an unsafe one with its own, and generates one when there is none.
# - FastCGI: no FCGI_KEEP_CONN; lighttpd connects once per request (so
#   does SCGI, by the protocol).  fcgiserve closes after the answer.
# - Request bodies are buffered whole (server.stream-request-body = 0): a
#   chunked upload arrives de-chunked with CONTENT_LENGTH.  A body with a
#   Content-Length header also arrives as HTTP_CONTENT_LENGTH
#   (req.headers["content-length"]); harmless.
# - The Status header becomes the status line (reason phrase kept);
#   lighttpd adds Date, Server and, to some 200 answers, Accept-Ranges.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua
start_lighttpd

# same METHOD PATH [curl args]: through nginx, then lighttpd; the same
# status and the same JSON (keys sorted).  The lighttpd answer is the last.
same() {
	local st
	http "$@" > /dev/null
	st=$(last_status)
	jq -S -c . "$TMP/last.body" > "$TMP/nginx.json" ||
	    fail "nginx's answer to $1 $2 is not JSON: $(last_body)"
	HTTP_PORT=$LIGHTTPD_PORT http "$@" > /dev/null
	assert_eq "$st" "$(last_status)" "status through lighttpd vs nginx for $1 $2"
	assert_match '^application/json' "$(last_header Content-Type)" "Content-Type"
	assert_eq "$(cat "$TMP/nginx.json")" "$(jq -S -c . "$TMP/last.body")" \
	    "JSON through lighttpd vs nginx for $1 $2"
}

same GET '/echo/a%20b/c?x=1&x=2&y=hello+w%C3%B6rld&z=' \
    -H 'X-Request-Id: lt-1' -H 'X-Test: yes'
assert_status 200
assert_json .path '/echo/a b/c'
assert_json .request_id lt-1

same POST /items -H 'Content-Type: application/json' -H 'X-Request-Id: lt-2' \
    --data-binary '{"name":"pen"}'
assert_status 201
assert_header Location /items/1
assert_json . '{"name":"pen"}'

same POST /echo -H 'Content-Type: application/json' -H 'X-Request-Id: lt-3' \
    --data-binary '{"a":[1,2]}'
assert_json .body '{"a":[1,2]}'

# Both normalise the path alike: slashes merged, %2F decoded.
same GET '/echo//a%2Fb%C3%A9' -H 'X-Request-Id: lt-7'
assert_json .path '/echo/a/bé'

same GET /nope -H 'X-Request-Id: lt-4'
assert_error 404 lt-4
same POST /items -H 'Content-Type: application/json' -H 'X-Request-Id: lt-5' \
    --data-binary '{bad'
assert_error 400 lt-5
same GET /only-post -H 'X-Request-Id: lt-6'
assert_error 405 lt-6
assert_header Allow POST

# A chunked upload.
HTTP_PORT=$LIGHTTPD_PORT http POST /echo -H 'Transfer-Encoding: chunked' \
    -H 'Content-Type: application/json' --data-binary '{"name":"pen"}' > /dev/null
assert_status 200
assert_json .body '{"name":"pen"}'

# 204 and a raw body pass through.
HTTP_PORT=$LIGHTTPD_PORT http GET /empty > /dev/null
assert_status 204
assert_body ''
HTTP_PORT=$LIGHTTPD_PORT http GET /raw > /dev/null
assert_status 200
assert_header X-Raw yes
assert_body 'plain text'

# Request ids: none sent, an unsafe one.
HTTP_PORT=$LIGHTTPD_PORT http GET /nope > /dev/null
assert_error 404
assert_match '^[A-Za-z0-9._-]{8,64}$' "$(jq -r .error.request_id "$TMP/last.body")" "generated request id"
HTTP_PORT=$LIGHTTPD_PORT http GET /echo -H 'X-Request-Id: two words' > /dev/null
assert_match '^[A-Za-z0-9._-]{8,64}$' "$(jq -r .request_id "$TMP/last.body")" "request id for an unsafe X-Request-Id"

# The params behind req.path, as recorded above.
HTTP_PORT=$LIGHTTPD_PORT http GET '/env/a/b?q=1' > /dev/null
assert_json .path /env/a/b
assert_json '.env.DOCUMENT_URI' null
assert_json '.env.SCRIPT_NAME + .env.PATH_INFO' /env/a/b
assert_json '.env.QUERY_STRING' q=1
note "lighttpd: SCRIPT_NAME=$(jq -r .env.SCRIPT_NAME "$TMP/last.body") PATH_INFO=$(jq -r .env.PATH_INFO "$TMP/last.body")"

# Connections: 10 sequential requests.
before=$(count_log 'accepted connection')
for ((i = 0; i < 10; i++)); do
	HTTP_PORT=$LIGHTTPD_PORT http GET /hello/x > /dev/null
	assert_status 200
done
n=$(( $(count_log 'accepted connection') - before ))
note "lighttpd ($PROTOCOL): $n connection(s) for 10 requests"
[ "$PROTOCOL" = fastcgi ] || assert_eq 10 "$n" "SCGI connections for 10 requests"

# "fix-root-scriptname": the whole path in PATH_INFO; the same req.path.
stop_lighttpd
start_lighttpd '"fix-root-scriptname" => "enable"'
HTTP_PORT=$LIGHTTPD_PORT http GET '/env/a/b?q=1' > /dev/null
assert_json .path /env/a/b
assert_json '.env.SCRIPT_NAME' ''
assert_json '.env.PATH_INFO' /env/a/b
HTTP_PORT=$LIGHTTPD_PORT http GET '/hello/fixed' > /dev/null
assert_json . '{"greeting":"hello fixed"}'
stop_fcgiserve
