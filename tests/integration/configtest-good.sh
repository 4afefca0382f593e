#!/bin/bash
# fcgiserve -t on a good config exits 0, and neither starts serving nor
# touches the socket path (a live daemon may be using it).
. "$(dirname "$0")/lib.sh" || exit 99
write_conf api.lua
requires_fcgiserve

rc=0
"$FCGISERVE" -t -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 || rc=$?
assert_eq 0 "$rc" "exit status of -t on a good config (output: $(cat "$TMP/out"))"
[ ! -e "$FCGISERVE_LISTEN" ] || fail "-t created $FCGISERVE_LISTEN"
left=$(_pids_with_arg "$TMP/fcgiserve.conf")
[ -z "$left" ] || fail "-t left processes: $left"
