#!/bin/bash
# The command line: -V (--version) prints the version, -h (--help) the
# usage, naming the request command and where the development and sandbox
# settings are documented, all exit 0; an unknown option exits non-zero
# with the usage on stderr.
. "$(dirname "$0")/lib.sh" || exit 99
requires_fcgiserve

out=$("$FCGISERVE" -V 2>&1) || fail "-V exited $?: $out"
assert_match '[0-9]+\.[0-9]+\.[0-9]+' "$out" "-V output"

out=$("$FCGISERVE" -h 2>&1) || fail "-h exited $?: $out"
assert_match '-c' "$out" "-h output"
assert_match '-t' "$out" "-h output"
help=$("$FCGISERVE" --help 2>/dev/null) || fail "--help exited $?"
assert_eq "$out" "$help" "--help, the same as -h"
for w in 'fcgiserve request' reload_on_change sandbox fcgiserve.test \
    fcgiserve.http 'fcgiserve.conf\(5\)' 'fcgiserve-lua\(7\)'; do
	assert_match "$w" "$help" "--help names $w"
done
assert_eq "$("$FCGISERVE" -V)" "$("$FCGISERVE" --version)" "--version"

rc=0
"$FCGISERVE" -Z > "$TMP/out" 2> "$TMP/err" || rc=$?
[ "$rc" -ne 0 ] || fail "-Z (unknown option) exited 0"
assert_eq '' "$(cat "$TMP/out")" "stdout after a bad option"
assert_match '-c' "$(cat "$TMP/err")" "stderr after a bad option"
