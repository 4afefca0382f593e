#!/bin/bash
# The request id: a sane client X-Request-Id is kept end to end (response
# header, req.request_id, error bodies, fcgiserve's log); without one, or
# with an unsafe one, nginx's $request_id is used, the same everywhere.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua

http GET /echo -H 'X-Request-Id: client.id_42-A' > /dev/null
assert_status 200
assert_header X-Request-Id client.id_42-A
assert_json .request_id client.id_42-A

http GET /nope -H 'X-Request-Id: client.id_43-B' > /dev/null
assert_error 404 client.id_43-B
assert_header X-Request-Id client.id_43-B

http GET /explode -H 'X-Request-Id: client.id_44-C' > /dev/null
assert_error 500 client.id_44-C
wait_log 'rid=client\.id_44-C: '

# None sent: nginx makes one (32 hex digits) and fcgiserve uses it.
http GET /echo > /dev/null
rid=$(last_header X-Request-Id)
assert_match '^[0-9a-f]{32}$' "$rid" "generated X-Request-Id"
assert_json .request_id "$rid"

# Unsafe ones (a space, a quote, 65 characters) are replaced.
for bad in 'two words' 'q"uote' "$(head -c 65 /dev/zero | tr '\0' x)"; do
	http GET /echo -H "X-Request-Id: $bad" > /dev/null
	rid=$(last_header X-Request-Id)
	assert_match '^[0-9a-f]{32}$' "$rid" "X-Request-Id for unsafe '$bad'"
	assert_json .request_id "$rid"
done
stop_fcgiserve
