#!/bin/bash
# child_open_files: a child cannot hold more files than the limit (RLIMIT
# applied after fork); below it, nothing changes.  A handler that fails
# for want of a descriptor gets the JSON 500, and the log line of its
# error names the limit; the worker serves on.
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

http GET '/files?n=100&strict=1' -H 'X-Request-Id: files-1' > /dev/null
assert_error 500 files-1
wait_log 'rid=files-1: .*Too many open files \[every file descriptor is in use: RLIMIT_NOFILE 16 \(child_open_files'
# A handler error with descriptors to spare does not blame the limit.
http GET /boom -H 'X-Request-Id: boom-1' > /dev/null
assert_error 500 boom-1
wait_log 'rid=boom-1: '
assert_no_log 'rid=boom-1: .*child_open_files'

http GET /hello/x > /dev/null
assert_status 200
stop_fcgiserve
