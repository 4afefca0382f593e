#!/bin/bash
# max_params_size through nginx: a request whose param names and values
# add up to exactly max_params_size bytes is served, one byte more is
# answered 431 with a log line naming the limit and the param that went
# over.  A request far over it is refused from its length on the wire,
# before its params are read, with 431 too.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack limits.lua max_params_size=4k

# pad N: N bytes for a header value.
pad() {
	head -c "$1" /dev/zero | tr '\0' p
}

# The same headers each time, the last one padded: request ids of one
# length (they reach the app as HTTP_X_REQUEST_ID and REQUEST_ID).
http GET /params -H 'X-Request-Id: size-0' -H 'X-Pad: p' > /dev/null
assert_status 200
n=$((4096 - $(jq .size "$TMP/last.body") + 1))
[ "$n" -gt 1000 ] || fail "a plain request has $(jq .size "$TMP/last.body") bytes of params"

http GET /params -H 'X-Request-Id: size-1' -H "X-Pad: $(pad "$n")" > /dev/null
assert_status 200
assert_json .size 4096

http GET /params -H 'X-Request-Id: size-2' -H "X-Pad: $(pad $((n + 1)))" > /dev/null
assert_error 431 size-2
wait_log 'rid=size-2.*params longer than max_params_size \(4096 bytes\) at param HTTP_X_PAD; answering 431'

# Twice the limit: more than the params could take on the wire.
http GET /params -H 'X-Request-Id: size-3' -H "X-Pad: $(pad 4000)" \
    -H "X-Pad-2: $(pad 4000)" > /dev/null
assert_error 431
case $PROTOCOL in
fastcgi) wait_log 'params longer than [0-9]+ bytes on the wire \(max_params_size 4096 \+ 8 x max_params 128\); answering 431' ;;
scgi)	wait_log 'SCGI headers longer than [0-9]+ bytes \(max_params_size 4096 \+ 2 x max_params 128\); answering 431' ;;
esac

http GET /hello > /dev/null
assert_status 200
stop_fcgiserve
