#!/bin/bash
# Each request runs in a fresh fork of the template: a global, an upvalue,
# a package.loaded module and a standard library table changed by one
# request are back to the template's state in the next.  One worker, so
# every request forks from the same template.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack isolation.lua workers=1

for i in 1 2 3 4 5; do
	http GET /bump > /dev/null
	assert_status 200
	assert_json . '{"global":1,"leaked":false,"module":1,"upvalue":1}'
done
stop_fcgiserve
