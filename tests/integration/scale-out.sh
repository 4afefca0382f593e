#!/bin/bash
# Scale-out across hosts, for real: three "hosts" on one machine, each a
# network namespace.  nginx runs in one with the shipped
# nginx/fcgiserve-upstream.conf (its two server lines pointed at the other
# two, timeouts shortened so the test ends quickly); fcgiserve runs in each
# of the other two, listening on its own address with allowed_clients =
# nginx's address.  They share one link: a bridge in nginx's namespace,
# a veth pair to each host.
#
#   nginx 10.200.0.1 (br0) ── veth ── host a 10.200.0.11:9000
#                          └─ veth ── host b 10.200.0.12:9000
#
# Under a steady stream of GETs (two clients, back to back, every answer
# logged with the host that gave it):
#  1. both hosts get traffic; a host other than nginx is refused by a;
#  2. host a is SIGKILLed (master and workers): no request fails (nginx
#     retries on b), b serves everything;
#  3. a is started again: it gets traffic again;
#  4. a's link goes down: no request fails (connect and read timeouts,
#     then b), b serves everything;
#  5. the link comes back: a gets traffic again.
# Every answer of the whole run is counted and must be a 200.
#
# Needs root (ip netns, veth, bridge); skips where they are not available.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
requires curl ip "$NGINX_BIN"
requires_fcgiserve
[ "$(id -u)" -eq 0 ] ||
    skip "needs root to create network namespaces (ip netns)"

NS_N=fcgiserve-$$-nginx
NS_A=fcgiserve-$$-a
NS_B=fcgiserve-$$-b
NGINX_ADDR=10.200.0.1
declare -A ADDR=([a]=10.200.0.11 [b]=10.200.0.12)
declare -A NS=([a]=$NS_A [b]=$NS_B)
declare -A MASTER=()
PORT=9000
HTTP_PORT=8080
FCGISERVE_LOG=$TMP/a/fcgiserve.log	# wait_log and the failure dump
mkdir -p "$TMP/a" "$TMP/b" "$TMP/nginx/temp"

# Every process left in the namespaces is one this test started: kill
# them, then remove the namespaces; lib.sh's cleanup (which dumps the logs
# on failure) runs after.
_ns_cleanup() {
	local ns p
	for ns in "$NS_N" "$NS_A" "$NS_B"; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
}
_on_exit() {
	local rc=$?
	set +e
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		_dump "$TMP/b/fcgiserve.log" 30
		[ ! -s "$TMP/load" ] || _dump "$TMP/load" 20
	fi
	_ns_cleanup
	(exit "$rc")
	_cleanup
}
trap _on_exit EXIT

# ---------------------------------------------------------------- network

ip netns add "$NS_N" 2>"$TMP/netns.err" ||
    skip "cannot create a network namespace: $(cat "$TMP/netns.err")"
ip netns add "$NS_A" && ip netns add "$NS_B" ||
    fail "cannot create the hosts' namespaces"
ip -n "$NS_N" link set lo up
ip -n "$NS_N" link add br0 type bridge 2>"$TMP/netns.err" ||
    skip "cannot create a bridge: $(cat "$TMP/netns.err")"
ip -n "$NS_N" addr add "$NGINX_ADDR/24" dev br0
ip -n "$NS_N" link set br0 up
for h in a b; do
	ip -n "$NS_N" link add "v$h" type veth peer name eth0 netns "${NS[$h]}" \
	    2>"$TMP/netns.err" ||
	    skip "cannot create a veth pair: $(cat "$TMP/netns.err")"
	ip -n "$NS_N" link set "v$h" master br0 up
	ip -n "${NS[$h]}" link set lo up
	ip -n "${NS[$h]}" addr add "${ADDR[$h]}/24" dev eth0
	ip -n "${NS[$h]}" link set eth0 up
done

# listening_in PID PORT: a socket of PID's namespace listens on PORT.
listening_in() {
	grep -q ":$(printf '%04X' "$2") [0-9A-F]*:0000 0A " \
	    "/proc/$1/net/tcp" 2>/dev/null
}

# ---------------------------------------------------------------- hosts

# start_host H: fcgiserve in H's namespace, TEST_HOST=H, on its address.
start_host() {
	local h=$1 pid
	cat > "$TMP/$h/fcgiserve.conf" <<-CONF
	; written by $TEST_NAME for host $h
	[global]
	log_level = debug
	shutdown_timeout = 5s

	[pool test]
	listen = ${ADDR[$h]}:$PORT
	allowed_clients = $NGINX_ADDR
	app = $APPS/host.lua
	workers = 2
	allow_root = yes
	CONF
	TEST_HOST=$h ip netns exec "${NS[$h]}" "$FCGISERVE" \
	    -c "$TMP/$h/fcgiserve.conf" < /dev/null >> "$TMP/$h/fcgiserve.log" 2>&1 &
	pid=$!
	_track "$pid"
	MASTER[$h]=$pid
	wait_for 10 listening_in "$pid" "$PORT" ||
	    fail "fcgiserve on host $h does not listen on ${ADDR[$h]}:$PORT"
}

# kill_host H: SIGKILL to H's master and workers at once (the request
# children die with their worker).
kill_host() {
	local h=$1 pid=${MASTER[$1]} p
	local pids="$pid $(ps -o pid= --ppid "$pid" | tr '\n' ' ')"
	note "host $h: kill -KILL $pids"
	kill -KILL $pids
	wait "$pid" 2>/dev/null || true
	_untrack "$pid"
	MASTER[$h]=
	for p in $pids; do
		_wait_exit "$p" 5 || fail "process $p of host $h survived SIGKILL"
	done
}

# stop_host H: SIGTERM; the master exits 0 and nothing is left in H's
# namespace.
stop_host() {
	local h=$1 pid=${MASTER[$1]} rc=0
	kill -TERM "$pid"
	_wait_exit "$pid" 10 || fail "fcgiserve on host $h still runs 10 s after SIGTERM"
	wait "$pid" || rc=$?
	_untrack "$pid"
	MASTER[$h]=
	assert_eq 0 "$rc" "exit status of fcgiserve on host $h"
	wait_for 10 eval '[ -z "$(ip netns pids "${NS[$h]}")" ]' ||
	    fail "processes left in host $h's namespace: $(ip netns pids "${NS[$h]}" | tr '\n' ' ')"
}

start_host a
start_host b

# ---------------------------------------------------------------- nginx

# The shipped site with the test's addresses and shorter timeouts; each
# substituted line must be there, or the test no longer tests the file.
src=$top_srcdir/nginx
d=$TMP/nginx
cp "$(_stock_params fastcgi_params)" "$src/fcgiserve_params" \
    "$src/fcgiserve-cors.conf" "$d/"
sed -e "s|^\( *\)server 10.0.0.11:9000 max_fails=3 fail_timeout=10s;|\1server ${ADDR[a]}:$PORT max_fails=3 fail_timeout=3s;|" \
    -e "s|^\( *\)server 10.0.0.12:9000 max_fails=3 fail_timeout=10s;|\1server ${ADDR[b]}:$PORT max_fails=3 fail_timeout=3s;|" \
    -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$HTTP_PORT;|" \
    -e '/^ *listen \[::\]:80;/d' \
    -e 's|^\( *\)fastcgi_connect_timeout 2s;|\1fastcgi_connect_timeout 1s;|' \
    -e 's|^\( *\)fastcgi_read_timeout 60s;|\1fastcgi_read_timeout 3s;|' \
    "$src/fcgiserve-upstream.conf" > "$d/site.conf"
for l in "server ${ADDR[a]}:$PORT max_fails=3 fail_timeout=3s;" \
    "server ${ADDR[b]}:$PORT max_fails=3 fail_timeout=3s;" \
    "listen 127.0.0.1:$HTTP_PORT;" "fastcgi_connect_timeout 1s;" \
    "fastcgi_read_timeout 3s;" "fastcgi_next_upstream error timeout;" \
    "fastcgi_keep_conn on;" "keepalive 32;"; do
	grep -Fq "$l" "$d/site.conf" ||
	    fail "nginx/fcgiserve-upstream.conf no longer has the line the test needs: $l"
done
! grep -Eq '^[[:space:]]*(server 10\.0\.0\.|listen (\[::\]:)?80;)' "$d/site.conf" ||
    fail "nginx/fcgiserve-upstream.conf has server or listen lines the test does not replace"
cat > "$d/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log info;
user root root;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $d/temp/client_body;
    proxy_temp_path $d/temp/proxy;
    fastcgi_temp_path $d/temp/fastcgi;
    uwsgi_temp_path $d/temp/uwsgi;
    scgi_temp_path $d/temp/scgi;
    include $d/fcgiserve-cors.conf;
    include $d/site.conf;
}
CONF
"$NGINX_BIN" -t -q -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" \
    > "$d/configtest.log" 2>&1 ||
    { cat "$d/configtest.log" >&2; fail "nginx -t rejects the scale-out site"; }
ip netns exec "$NS_N" "$NGINX_BIN" -e "$d/error.log" -p "$d/" \
    -c "$d/nginx.conf" < /dev/null >> "$d/stderr.log" 2>&1 &
NGINX_PID=$!
_track "$NGINX_PID"
wait_for 10 listening_in "$NGINX_PID" "$HTTP_PORT" || fail "nginx did not start"

# ---------------------------------------------------------------- load

# Two clients in nginx's namespace, each sending GET / back to back and
# logging "start_ms end_ms status host" per answer.
loaders=()
for c in 1 2; do
	ip netns exec "$NS_N" bash -c '
		while [ ! -e "$1/stop" ]; do
			rm -f "$1/body.$2"
			s=$(date +%s%3N)
			code=$(curl -s --max-time 30 -o "$1/body.$2" \
			    -w "%{http_code}" "http://127.0.0.1:$3/") || code=000
			e=$(date +%s%3N)
			body=$(cat "$1/body.$2" 2>/dev/null) || body=
			host=${body#*\"host\":\"}
			host=${host%%\"*}
			echo "$s $e $code ${host:-none}"
		done >> "$1/load.$2"' load "$TMP" "$c" "$HTTP_PORT" &
	_track "$!"
	loaders+=("$!")
done

# served H SINCE_MS: answers by host H to requests started after SINCE_MS.
served() {
	cat "$TMP"/load.* 2>/dev/null |
	    awk -v h="$1" -v t="$2" '$1 > t && $3 == 200 && $4 == h' | wc -l
}

# wait_served H SINCE_MS N SECONDS: until H has given N such answers.
wait_served() {
	local h=$1 since=$2 n=$3
	wait_for "$4" eval '[ "$(served "$h" "$since")" -ge "$n" ]' ||
	    fail "host $h gave $(served "$h" "$since") answers (of requests started since $since) within $4 s, expected $n"
}

# failures: every answer that was not a 200 so far.
failures() {
	cat "$TMP"/load.* 2>/dev/null | awk '$3 != 200'
}

assert_no_failures() {
	local f
	f=$(failures)
	[ -z "$f" ] || fail "$1: requests failed: $(head -n 5 <<< "$f")"
}

# 1. Both hosts serve.  Anyone but nginx is refused (b connects to a).
t0=$(now_ms)
wait_served a "$t0" 5 60
wait_served b "$t0" 5 60
ip netns exec "$NS_B" bash -c \
    "exec 3<> /dev/tcp/${ADDR[a]}/$PORT && timeout 5 cat <&3 > /dev/null" ||
    fail "host b could not connect to host a, or a did not close"
wait_log "${ADDR[b]//./\\.}:[0-9]+: not in allowed_clients; connection closed"
assert_no_failures "both hosts up"
note "1. both hosts up: a $(served a "$t0"), b $(served b "$t0") answers"

# 2. Host a is killed.
kill_host a
t_kill=$(now_ms)	# once every process of a is gone: a request begun
			# while kill_host looked them up could still be a's
wait_served b "$t_kill" 20 60
sleep 1
assert_eq 0 "$(served a "$t_kill")" "answers from the killed host a"
assert_no_failures "host a killed"
grep -q 'Connection refused\|prematurely closed\|reset by peer' "$d/error.log" ||
    fail "nginx's log shows no failed attempt on host a: did the test kill it?"
note "2. a killed: b gave $(served b "$t_kill") answers, none failed"

# 3. Host a is back.
start_host a
t_back=$(now_ms)
wait_served a "$t_back" 5 60
assert_no_failures "host a restarted"
note "3. a restarted: a $(served a "$t_back"), b $(served b "$t_back") answers"

# 4. Host a's link goes down.  Requests on nginx's kept connections to a
# wait fastcgi_read_timeout (3 s), new connections fastcgi_connect_timeout
# (1 s); then they go to b.  6 s covers both, twice over.
ip -n "$NS_A" link set eth0 down
t_down=$(now_ms)
sleep 6
wait_served b "$t_down" 20 60
assert_eq 0 "$(served a "$t_down")" "answers from host a with its link down"
assert_no_failures "host a's link down"
grep -q 'timed out' "$d/error.log" ||
    fail "nginx's log shows no timed-out attempt on host a: was its link down?"
note "4. a's link down: b gave $(served b "$t_down") answers, none failed"

# 5. The link comes back.
ip -n "$NS_A" link set eth0 up
t_up=$(now_ms)
wait_served a "$t_up" 5 60
note "5. a's link up: a $(served a "$t_up"), b $(served b "$t_up") answers"

touch "$TMP/stop"
for p in "${loaders[@]}"; do
	wait "$p" || true
	_untrack "$p"
done
cat "$TMP"/load.* > "$TMP/load"
assert_no_failures "the whole run"
note "$(wc -l < "$TMP/load") requests in all, every one answered 200: a $(served a 0), b $(served b 0)"

_stop_pid "$NGINX_PID"
_untrack "$NGINX_PID"
stop_host a
stop_host b
