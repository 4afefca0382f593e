#!/bin/bash
# max_connections at its boundary, raw to a TCP listen socket: a worker
# with max_connections = 3 accepts three connections; a fourth is not
# accepted (one log line names the limit) and its request waits, neither
# refused nor answered, until one of the three closes; then it is
# accepted and answered.
. "$(dirname "$0")/lib.sh" || exit 99
port=$(freeport)
write_conf limits.lua "listen=127.0.0.1:$port" workers=1 max_connections=3 read_timeout=60s
start_fcgiserve

accepted() {
	[ "$(count_log 'accepted connection')" -eq "$1" ]
}

raw_connect 3
raw_connect 4
raw_connect 5
wait_for 10 accepted 3 ||
    fail "3 connections: $(count_log 'accepted connection') accepted"

raw_get /hello > "$TMP/request"
raw_connect 6
cat "$TMP/request" >&6
wait_log 'max_connections \(3\) reached; not accepting until one closes'
if raw_read 6 2 "$TMP/answer"; then
	fail "connection 4 of 3 was closed or answered: '$(tr -d '\0' < "$TMP/answer")'"
fi
[ ! -s "$TMP/answer" ] || fail "connection 4 of 3 got an answer"
assert_eq 3 "$(count_log 'accepted connection')" "accepted connections"

exec 3<&-
raw_read 6 10 "$TMP/answer" ||
    fail "connection 4 not answered within 10 s of connection 1 closing"
raw_answer "$TMP/answer"
assert_status 200
assert_eq 4 "$(count_log 'accepted connection')" "accepted connections"
exec 4<&- 5<&- 6<&-
stop_fcgiserve
