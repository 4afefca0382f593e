#!/bin/bash
# Started as root, a pool that would run as root (no user, or user = root)
# is a configuration error naming the file and line, unless allow_root =
# yes; at start, with -t and on a reload (which then keeps the old
# workers).  A pool with an unprivileged user needs nothing.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
[ "$(id -u)" -eq 0 ] || skip "needs root"
id nobody > /dev/null 2>&1 || skip "no user 'nobody'"
requires_fcgiserve

msg='fcgiserve\.conf:[0-9]+: \[pool test\] would run as root: set user \(and group\), or allow_root = yes'

check_t() {	# check_t STATUS WHAT key=value...
	local want=$1 what=$2 rc=0
	shift 2
	write_conf api.lua "$@"
	"$FCGISERVE" -t -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 || rc=$?
	assert_eq "$want" "$rc" "-t exit status, $what (output: $(cat "$TMP/out"))"
	if [ "$want" -ne 0 ]; then
		assert_match "$msg" "$(cat "$TMP/out")" "-t output, $what"
	fi
}
check_t 1 "no user" allow_root=
check_t 1 "user = root" allow_root= user=root
check_t 1 "user = root, allow_root = no" allow_root=no user=root
check_t 1 "group only" allow_root= group=nogroup
check_t 0 "allow_root = yes" allow_root=yes
check_t 0 "user = root, allow_root = yes" allow_root=yes user=root
check_t 0 "user = nobody" allow_root= user=nobody

# Starting: exit 1, nothing left listening.
write_conf api.lua allow_root=
rc=0
timeout 10 "$FCGISERVE" -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 || rc=$?
assert_eq 1 "$rc" "exit status of a start as root without allow_root"
assert_match "$msg" "$(cat "$TMP/out")" "start-up output"
[ ! -e "$FCGISERVE_LISTEN" ] || fail "a socket was left behind"

# Reloading into it: refused, the old workers serve on.
start_stack api.lua allow_root=yes
worker=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')
write_conf api.lua allow_root=
kill -HUP "$FCGISERVE_PID"
wait_log 'reload failed; still serving configuration #1'
assert_log "$msg"
http GET /hello/still > /dev/null
assert_json .greeting 'hello still'
assert_eq "$worker" "$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')" \
    "worker after the refused reload"
stop_fcgiserve
