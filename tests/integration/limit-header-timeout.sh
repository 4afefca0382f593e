#!/bin/bash
# header_timeout: the time from the first byte of a request until its
# params are complete, however steadily they trickle in.  With
# read_timeout 4s and header_timeout 6s, sent raw to a TCP listen socket:
# - a request trickled in over about 2.5 s is served;
# - a request trickled in a piece a second (never 4 s of silence, so
#   read_timeout never fires) is cut off: the connection is closed and
#   one log line names header_timeout;
# - an idle connection is left to read_timeout: header_timeout starts
#   with a request's first byte, not with the connection.
. "$(dirname "$0")/lib.sh" || exit 99
trap '' PIPE		# writes to a connection fcgiserve closed just fail
port=$(freeport)
write_conf limits.lua "listen=127.0.0.1:$port" read_timeout=4s header_timeout=6s
start_fcgiserve

# The request in 12 pieces (files piece.0 .. piece.11).
raw_get /hello REQUEST_ID=trickle-1 > "$TMP/request"
len=$(wc -c < "$TMP/request")
[ "$len" -ge 24 ] || fail "request of $len bytes is too short to trickle"
step=$(((len + 11) / 12))
for ((i = 0; i < 12; i++)); do
	tail -c +$((i * step + 1)) "$TMP/request" | head -c "$step" > "$TMP/piece.$i"
done

# The idle connection, from now on.
raw_connect 5

# In time: 12 pieces, 0.2 s apart.
raw_connect 3
for ((i = 0; i < 12; i++)); do
	cat "$TMP/piece.$i" >&3
	sleep 0.2
done
raw_read 3 10 "$TMP/answer" || fail "no answer within 10 s"
exec 3<&-
raw_answer "$TMP/answer"
assert_status 200
assert_no_log 'header_timeout'

# Too slow: a piece a second.  fcgiserve closes the connection after
# about 6 pieces; it must have done so by the last.
raw_connect 3
closed=
t0=$(now_ms)		# no piece sent yet: the timer cannot have started
for ((i = 0; i < 12; i++)); do
	if grep -q 'header_timeout' "$FCGISERVE_LOG"; then
		closed=$i
		break
	fi
	cat "$TMP/piece.$i" >&3 2>/dev/null || true
	sleep 1
done
elapsed=$(($(now_ms) - t0))
[ -n "$closed" ] || fail "a request trickling in for 12 s was not cut off"
note "cut off after $closed pieces, one a second, $elapsed ms after the first"
# A lower bound from the test's own clock, started before the first
# piece: however slow the machine, the cut cannot come before 6 s.
[ "$elapsed" -ge 5900 ] ||
    fail "cut off $elapsed ms after the first piece (header_timeout is 6s)"
raw_read 3 5 "$TMP/answer" || fail "the connection is still open after the log line"
exec 3<&-
[ ! -s "$TMP/answer" ] || fail "a cut-off request got an answer: $(tr -d '\0' < "$TMP/answer")"
wait_log 'request params not complete within header_timeout \(6000 ms\); closing'
assert_eq 1 "$(count_log 'header_timeout')" "header_timeout log lines"

# The idle connection (open for 14 s or more): closed by read_timeout,
# and by nothing else.
raw_read 5 10 "$TMP/idle" || fail "the idle connection was not closed"
exec 5<&-
assert_log 'nothing received for read_timeout \(4000 ms\); closing'
assert_eq 1 "$(count_log 'header_timeout')" "header_timeout log lines"
stop_fcgiserve
