#!/bin/bash
# The command line: -V prints the version, -h the usage, both exit 0; an
# unknown option exits non-zero with the usage on stderr.
. "$(dirname "$0")/lib.sh" || exit 99
requires_fcgiserve

out=$("$FCGISERVE" -V 2>&1) || fail "-V exited $?: $out"
assert_match '[0-9]+\.[0-9]+\.[0-9]+' "$out" "-V output"

out=$("$FCGISERVE" -h 2>&1) || fail "-h exited $?: $out"
assert_match '-c' "$out" "-h output"
assert_match '-t' "$out" "-h output"

rc=0
"$FCGISERVE" -Z > "$TMP/out" 2> "$TMP/err" || rc=$?
[ "$rc" -ne 0 ] || fail "-Z (unknown option) exited 0"
assert_eq '' "$(cat "$TMP/out")" "stdout after a bad option"
assert_match '-c' "$(cat "$TMP/err")" "stderr after a bad option"
