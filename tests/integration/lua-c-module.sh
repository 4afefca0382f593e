#!/bin/bash
# Lua C modules: an app's require of a .so works in a normal build (the
# binary exports the Lua API, -E) and runs in every request child; a
# static build (--enable-static-binary) cannot load one and says so at
# load time, in fcgiserve -t as when starting.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
requires_fcgiserve
MOD=$top_builddir/tests/integration/testmod.so
[ -f "$MOD" ] || fail "$MOD is missing (built by make check)"

cat > "$TMP/cmod.lua" <<LUA
package.cpath = "$top_builddir/tests/integration/?.so"
local testmod = require "testmod"
return function(req)
	return { sum = testmod.add(2, 3), pid = testmod.pid() }
end
LUA

if "$FCGISERVE" -V | grep -q 'static binary'; then
	write_conf cmod.lua app="$TMP/cmod.lua"
	rc=0
	"$FCGISERVE" -t -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 || rc=$?
	out=$(cat "$TMP/out")
	assert_eq 1 "$rc" "exit status of -t with a C module (output: $out)"
	assert_match "error loading module 'testmod' from file '[^']*testmod\.so'" \
	    "$out" "-t output"
	assert_match 'linked statically .*cannot load C modules' "$out" "-t output"
	exit 0
fi

start_stack cmod.lua app="$TMP/cmod.lua"
http GET /a > "$TMP/a"
assert_status 200
assert_json .sum 5
http GET /b > "$TMP/b"
assert_status 200
sole_worker
for f in a b; do
	pid=$(jq .pid < "$TMP/$f")
	[ "$pid" != "$worker" ] || fail "request $f ran in the worker"
	[ "$pid" != "$(zygote_of "$worker")" ] || fail "request $f ran in the zygote"
done
stop_fcgiserve
