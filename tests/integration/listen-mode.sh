#!/bin/bash
# listen_mode sets the unix socket's permissions.
. "$(dirname "$0")/lib.sh" || exit 99
write_conf api.lua listen_mode=0600
start_fcgiserve
assert_eq 600 "$(stat -c %a "$FCGISERVE_LISTEN")" "socket mode"
stop_fcgiserve
[ ! -e "$FCGISERVE_LISTEN" ] || note "socket file left after exit (harmless)"
