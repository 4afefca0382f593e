#!/bin/bash
# fcgiserve.after: the client has the whole answer while the work after
# it still runs (it sleeps 3 s, then writes a file: the answer comes
# first, the file later); an error in it is logged, never sent.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack stream.lua
rm -f "$TMP/done"
http GET "/after?file=$TMP/done" > /dev/null
assert_status 200
assert_json .answered true
[ ! -e "$TMP/done" ] || fail "the work after the answer was done before it"
wait_file "$TMP/done"
assert_eq done "$(cat "$TMP/done")" "what the work after wrote"
wait_log 'after: .*stream.lua:[0-9]+: after went wrong'
stop_fcgiserve
