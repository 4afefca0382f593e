#!/bin/bash
# Started as a user other than root, fcgiserve cannot change identity, so
# a user, group, listen_owner or listen_group it could not switch or chown
# to is a configuration error naming the file and line, not a silent
# ignore; its own user and group are fine.  Run as root, the test runs the
# daemon as nobody (setpriv); run as anyone else, as that user.
. "$(dirname "$0")/lib.sh" || exit 99
requires_fcgiserve
if [ "$(id -u)" -eq 0 ]; then
	requires setpriv
	id nobody > /dev/null 2>&1 || skip "no user 'nobody'"
	as=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
	chmod 0755 "$TMP"
else
	as=(env)
fi
me=$("${as[@]}" id -un)
mygroup=$("${as[@]}" id -gn)
[ "$me" != root ] || fail "not running as a user other than root"
rootgroup=$(getent group 0 | cut -d: -f1)

ident='user/group can only be changed when started as root'
sock='listen_owner/listen_group: only root can give the socket to another user or to a group it is not in'

check_t() {	# check_t STATUS MESSAGE WHAT key=value...
	local want=$1 msg=$2 what=$3 rc=0
	shift 3
	write_conf api.lua "$@"
	"${as[@]}" "$FCGISERVE" -t -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 ||
	    rc=$?
	assert_eq "$want" "$rc" "-t as $me, $what (output: $(cat "$TMP/out"))"
	[ "$want" -eq 0 ] ||
	    assert_match "fcgiserve\\.conf:[0-9]+: \\[pool test\\] $msg" \
	    "$(cat "$TMP/out")" "-t output as $me, $what"
}
check_t 0 '' "no user"
check_t 0 '' "its own user and group" "user=$me" "group=$mygroup"
check_t 0 '' "its own socket owner and group" "listen_owner=$me" \
    "listen_group=$mygroup"
check_t 1 "$ident" "user = root" user=root
check_t 1 "$ident" "group = $rootgroup" "group=$rootgroup"
check_t 1 "$sock" "listen_owner = root" listen_owner=root
check_t 1 "$sock" "listen_group = $rootgroup" "listen_group=$rootgroup"

# Not only -t: the daemon refuses to start.
write_conf api.lua user=root
rc=0
timeout 10 "${as[@]}" "$FCGISERVE" -c "$TMP/fcgiserve.conf" > "$TMP/out" 2>&1 ||
    rc=$?
assert_eq 1 "$rc" "exit status of a start as $me with user = root"
assert_match "$ident" "$(cat "$TMP/out")" "start-up output"
