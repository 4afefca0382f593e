#!/bin/bash
# child_open_files: a child cannot hold more files than the limit (RLIMIT
# applied after fork); below it, nothing changes.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua child_open_files=16

http GET '/files?n=3' > /dev/null
assert_status 200
assert_json .opened 3

http GET '/files?n=100' > /dev/null
assert_status 200
opened=$(jq -r .opened < "$TMP/last.body")
[ "$opened" -ge 1 ] && [ "$opened" -lt 16 ] ||
    fail "opened $opened files with child_open_files=16"
assert_json '.error | test("Too many open files")' true
stop_fcgiserve
