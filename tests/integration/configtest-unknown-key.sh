#!/bin/bash
# fcgiserve -t on a config with an unknown key exits 1 naming file:line.
. "$(dirname "$0")/lib.sh" || exit 99
write_conf api.lua no_such_key=1
requires_fcgiserve
conf=$TMP/fcgiserve.conf
line=$(grep -n '^no_such_key' "$conf" | cut -d: -f1)

rc=0
"$FCGISERVE" -t -c "$conf" > "$TMP/out" 2>&1 || rc=$?
out=$(cat "$TMP/out")
assert_eq 1 "$rc" "exit status of -t with an unknown key (output: $out)"
assert_match "$conf:$line: .*no_such_key" "$out" "-t output"
