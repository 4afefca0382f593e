#!/bin/bash
# `fcgiserve request`: one request through an app without a server, in a
# forked child as a worker runs it, printed as curl -i prints it; exit 0
# for 2xx/3xx, 1 otherwise, 2 for bad arguments.  With -c the pool's app,
# limits and request_timeout apply.
. "$(dirname "$0")/lib.sh" || exit 99
requires jq
requires_fcgiserve
API=$APPS/api.lua

# req NAME ARGS...: runs it; NAME.out (stdout), NAME.err, NAME.rc.
req() {
	local name=$1 rc=0
	shift
	"$FCGISERVE" request "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" ||
	    rc=$?
	echo "$rc" > "$TMP/$name.rc"
}
status_line() { head -n 1 "$TMP/$1.out" | tr -d '\r'; }
header() { tr -d '\r' < "$TMP/$1.out" | sed -n "s/^$2: //p"; }
body() { tr -d '\r' < "$TMP/$1.out" | sed '1,/^$/d'; }
rc() { cat "$TMP/$1.rc"; }

req get "$API" GET '/hello/world?x=1'
assert_eq 0 "$(rc get)" "exit status of a 200"
assert_eq 'HTTP/1.1 200 OK' "$(status_line get)" "status line"
assert_match '^application/json' "$(header get Content-Type)" "Content-Type"
assert_eq '{"greeting":"hello world"}' "$(body get)" "body"
assert_eq "$(header get Content-Length)" "$(body get | wc -c | tr -d ' ')" "Content-Length"

req post "$API" POST /items -H 'Content-Type: application/json' -d '{"name":"tea"}'
assert_eq 0 "$(rc post)" "exit status of a 201"
assert_eq 'HTTP/1.1 201 Created' "$(status_line post)" "status line"
assert_eq /items/1 "$(header post Location)" "Location"
assert_eq tea "$(body post | jq -r .name)" "name echoed"

echo '{"name":"from a file"}' > "$TMP/body.json"
req file "$API" POST /items -d "@$TMP/body.json"
assert_eq 'from a file' "$(body file | jq -r .name)" "-d @file"

req e422 "$API" POST /items -d '{}' -H 'X-Request-Id: cli-422'
assert_eq 1 "$(rc e422)" "exit status of a 422"
assert_eq 'HTTP/1.1 422 Unprocessable Content' "$(status_line e422)" "status line"
assert_eq '{"error":{"message":"name is required","request_id":"cli-422","status":422}}' \
    "$(body e422 | jq -c -S .)" "the error shape, with the request id given"

req e400 "$API" POST /items -d '{not json'
assert_eq 1 "$(rc e400)" "exit status of a 400"
assert_eq 400 "$(body e400 | jq .error.status)" "invalid JSON"

req head "$API" HEAD /hello/x
assert_eq 0 "$(rc head)" "exit status of a HEAD"
assert_match '^[1-9][0-9]*$' "$(header head Content-Length)" "HEAD Content-Length"
assert_eq '' "$(body head)" "HEAD body"

req crash "$API" GET /crash
assert_eq 1 "$(rc crash)" "exit status of a crash"
assert_eq 500 "$(body crash | jq .error.status)" "a crash is a 500"
assert_match 'killed by signal 6' "$(cat "$TMP/crash.err")" "the crash logged"

# With -c: the pool's app and request_timeout; -p chooses among pools.
write_conf api.lua request_timeout=1s
req conf -c "$TMP/fcgiserve.conf" GET /hello/conf
assert_eq 0 "$(rc conf)" "exit status with -c"
assert_eq '{"greeting":"hello conf"}' "$(body conf)" "body with -c"
req spin -c "$TMP/fcgiserve.conf" -p test GET /spin
assert_eq 1 "$(rc spin)" "exit status of a request past request_timeout"
assert_eq 'HTTP/1.1 504 Gateway Timeout' "$(status_line spin)" "request_timeout"
{ cat "$TMP/fcgiserve.conf"; printf '\n[pool other]\nlisten = %s\napp = %s\nallow_root = yes\n' \
    "$TMP/other.sock" "$API"; } > "$TMP/two.conf"
req two -c "$TMP/two.conf" GET /hello/x
assert_eq 2 "$(rc two)" "two pools and no -p"
assert_match 'choose one with -p' "$(cat "$TMP/two.err")" "message"
req two -c "$TMP/two.conf" -p other GET /hello/x
assert_eq 0 "$(rc two)" "-p other"

# Bad arguments: the usage, exit 2.
req bad "$API" GET
assert_eq 2 "$(rc bad)" "a missing PATH"
assert_match 'usage: fcgiserve request' "$(cat "$TMP/bad.err")" "usage"
req badh "$API" GET / -H 'no colon'
assert_eq 2 "$(rc badh)" "a header without a colon"

# A stream: printed whole, once its body has ended.
req stream "$APPS/stream.lua" GET '/chunks?n=2&s=0'
assert_eq 0 "$(rc stream)" "exit status of a stream"
assert_eq 'HTTP/1.1 200 OK' "$(status_line stream)" "a stream's status line"
assert_match 'chunk 1.chunk 2' "$(tr '\n' '.' < "$TMP/stream.out")" "a stream's body"

# -t: the app loaded, no request run; a broken app names file and line.
req loadok -t "$API"
assert_eq 0 "$(rc loadok)" "-t of an app that loads"
assert_eq '' "$(cat "$TMP/loadok.out")" "-t prints nothing"
req loadbad -t "$APPS/syntax-error.lua"
assert_eq 1 "$(rc loadbad)" "-t of an app that does not load"
assert_match 'syntax-error\.lua:[0-9]+:' "$(cat "$TMP/loadbad.err")" "-t names file and line"
req loadconf -t -c "$TMP/two.conf" -p other
assert_eq 0 "$(rc loadconf)" "-t with -c and -p"
req loadargs -t "$API" GET /
assert_eq 2 "$(rc loadargs)" "-t takes no METHOD PATH"
