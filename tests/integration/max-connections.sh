#!/bin/bash
# max_connections bounds the connections a worker holds open.  One worker,
# max_connections = 3:
#  1. Three silent peers take the three slots.  A fourth connection and
#     nginx's request are not accepted (they wait in the listen backlog;
#     the worker never holds more than 3), and the log says so.  A request
#     on a held connection is served.  When slots free up, the waiting
#     connections are accepted in turn and nginx's request is answered.
#  2. With read_timeout = 3 s, silent peers holding every slot delay
#     nginx's request only until read_timeout closes them: the bound on
#     how long slow clients can starve others.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
port=$(freeport)
write_conf api.lua "listen=127.0.0.1:$port" workers=1 max_connections=3 \
    read_timeout=60s
start_fcgiserve
start_nginx "127.0.0.1:$port"

worker() {
	ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' '
}

# conns: the client connections the worker holds.
conns() {
	tcp_conns "$WORKER"
}

assert_conns() {
	local want=$1
	wait_for 5 eval '[ "$(conns)" -eq "$want" ]' ||
	    fail "worker holds $(conns) connections, expected $1"
}

# request_on FD NAME: a whole request for /hello/NAME on fd FD, asking
# fcgiserve to close afterwards; its answer must come within 5 s.
request_on() {
	raw_get "/hello/$2" >&$1
	raw_read "$1" 5 "$TMP/raw.$1" || fail "no answer on fd $1 within 5 s"
	raw_answer "$TMP/raw.$1"
	assert_json . "{\"greeting\":\"hello $2\"}"
	eval "exec $1<&-"
}

WORKER=$(worker)
assert_match '^[0-9]+$' "$WORKER" "the one worker's pid"

# 1. Three silent peers fill the worker.
raw_connect 3
raw_connect 4
raw_connect 5
assert_conns 3
wait_log 'max_connections \(3\) reached; not accepting until one closes' 5
raw_connect 6		# completes in the kernel's backlog only
http_bg waiting GET /hello/waiting
sleep 1
pid_alive "${_bg[waiting]}" ||
    fail "nginx's request was answered while every slot was taken"
assert_eq 3 "$(conns)" "connections held with a fourth and nginx's waiting"

# A held connection is served; closing it lets fd 6 in (first in line).
request_on 3 held
assert_conns 3
sleep 0.5
pid_alive "${_bg[waiting]}" ||
    fail "nginx's request was answered before its turn"
# fd 6 has the slot now: it is served too.
request_on 6 late
# One more slot: nginx's request is accepted and answered.
http_wait waiting
assert_status 200
assert_json .greeting 'hello waiting'
[ "$(conns)" -le 3 ] || fail "worker holds $(conns) connections"
exec 4<&- 5<&-
for ((i = 0; i < 10; i++)); do
	http GET "/hello/n$i" > /dev/null
	assert_status 200
done
stop_fcgiserve

# 2. Same bound, read_timeout = 3 s: silent peers in every slot hold
# nginx's request back about 3 s, not longer.
write_conf api.lua "listen=127.0.0.1:$port" workers=1 max_connections=3 \
    read_timeout=3s
: > "$FCGISERVE_LOG"
start_fcgiserve
WORKER=$(worker)
# From before the peers connect: none of them can be closed by read_timeout
# earlier than 3 s after this, however long the set-up takes.
t0=$(now_ms)
raw_connect 3
raw_connect 4
raw_connect 5
assert_conns 3
http GET /hello/patient > /dev/null
elapsed=$(($(now_ms) - t0))
note "nginx's request was answered $elapsed ms after the silent peers connected"
assert_status 200
assert_json .greeting 'hello patient'
[ "$elapsed" -ge 2900 ] ||
    fail "answered after $elapsed ms: the silent peers did not hold every slot"
assert_eq 3 "$(count_log 'nothing received for read_timeout \(3000 ms\); closing')" \
    "silent peers closed by read_timeout"
exec 3<&- 4<&- 5<&-
stop_fcgiserve
