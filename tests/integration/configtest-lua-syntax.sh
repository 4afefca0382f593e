#!/bin/bash
# fcgiserve -t on an app with a Lua syntax error exits 1 and prints the
# Lua file:line of the error.
. "$(dirname "$0")/lib.sh" || exit 99
write_conf syntax-error.lua
requires_fcgiserve

rc=0
"$FCGISERVE" -t -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 || rc=$?
out=$(cat "$TMP/out")
assert_eq 1 "$rc" "exit status of -t with a broken app (output: $out)"
assert_match 'syntax-error\.lua:6: ' "$out" "-t output"
