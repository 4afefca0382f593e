#!/bin/bash
# A unix socket's owner and group: listen_owner and listen_group, applied
# by the master (root) after bind; without them, the pool's user and that
# user's group.  nginx reaches the socket either way; a reload that changes
# them applies them to the kept socket.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
[ "$(id -u)" -eq 0 ] || skip "needs root (chown of the socket)"
id nobody > /dev/null 2>&1 || skip "no user 'nobody'"
id daemon > /dev/null 2>&1 || skip "no user 'daemon'"
nogroup=$(id -gn nobody)

owner() {
	stat -c '%U:%G %a' "$FCGISERVE_LISTEN"
}

# The pool's user and its group.
start_stack api.lua user=nobody listen_mode=0660
assert_eq "nobody:$nogroup 660" "$(owner)" "socket of a pool with user = nobody"
http GET /hello/owner > /dev/null
assert_json .greeting 'hello owner'

# listen_owner and listen_group, on a reload: same socket, new owner.
inode=$(stat -c %i "$FCGISERVE_LISTEN")
write_conf api.lua user=nobody listen_owner=daemon listen_group=daemon \
    listen_mode=0640
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #1 have all exited'
assert_eq "daemon:daemon 640" "$(owner)" "socket after the reload"
assert_eq "$inode" "$(stat -c %i "$FCGISERVE_LISTEN")" "socket inode"
http GET /hello/again > /dev/null
assert_json .greeting 'hello again'
stop_fcgiserve

# At start, and without user: root keeps the pool, the socket goes to them.
write_conf api.lua listen_owner=nobody "listen_group=$nogroup"
start_fcgiserve
assert_eq "nobody:$nogroup 660" "$(owner)" "socket with listen_owner only"
stop_fcgiserve
