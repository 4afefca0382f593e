#!/bin/bash
# A FastCGI record with a bad version byte, sent raw to a TCP listen
# socket: fcgiserve logs a line naming the peer and the fault, drops that
# connection only, and the next request through nginx works.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl jq
port=$(freeport)
write_conf api.lua listen=127.0.0.1:$port
start_fcgiserve
start_nginx "127.0.0.1:$port"

exec 3<> "/dev/tcp/127.0.0.1/$port" || fail "cannot connect to 127.0.0.1:$port"
# Our end's port, from the socket's inode in /proc/net/tcp.
ino=$(readlink "/proc/$$/fd/3")
ino=${ino#socket:[}
ino=${ino%]}
hex=$(awk -v ino="$ino" '$10 == ino { split($2, a, ":"); print a[2] }' /proc/net/tcp)
[ -n "$hex" ] || fail "cannot find our socket (inode $ino) in /proc/net/tcp"
peer="127.0.0.1:$((16#$hex))"

# BEGIN_REQUEST (type 1), id 1, 8 content bytes, role RESPONDER, but
# version 2 instead of 1.
printf '\x02\x01\x00\x01\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00' >&3
timeout 5 cat <&3 > "$TMP/reply" ||
    fail "fcgiserve did not close the connection within 5 s"
exec 3>&-
note "fcgiserve answered $(wc -c < "$TMP/reply") byte(s) before closing"

wait_log "${peer//./\\.}.*[Vv]ersion"

http GET /hello/after > /dev/null
assert_status 200
assert_json .greeting 'hello after'
stop_fcgiserve
