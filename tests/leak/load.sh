# load.sh -- the load both leak tests send (soak.sh, valgrind.sh), sourced
# after tests/integration/lib.sh and after fcgiserve started serving
# $top_srcdir/tests/leak/app.lua.
#
# Two nginx front ends: start_nginx's (the shipped site: upstream keepalive
# + fastcgi_keep_conn, many requests per FastCGI connection) and a copy
# without either (a connection per request).  wrk (tests/leak/mix.lua)
# sends the mixed kinds through both; curl sends requests that time out
# (/spin, past the pool's request_timeout: 504) and requests the client
# abandons after 0.2 s (/sleep: nginx closes the upstream connection, the
# worker kills the child).

# ---------------------------------------------------------------- fronts

# The second nginx: start_nginx's configuration (the shipped site) on
# another port, without upstream keepalive and fastcgi_keep_conn.
NOKEEP_PID=
NOKEEP_PORT=
start_nokeep() {
	local d=$TMP/nginx-nokeep
	rm -rf "$d"
	mkdir -p "$d/temp"
	NOKEEP_PORT=$(freeport)
	sed -e "s|$TMP/nginx/|$d/|g" "$TMP/nginx/nginx.conf" > "$d/nginx.conf"
	cp "$TMP/nginx"/*params* "$TMP/nginx/fcgiserve-cors.conf" "$d/"
	sed -e '/^[[:space:]]*keepalive [0-9]*;/d' \
	    -e '/^[[:space:]]*keepalive_timeout [0-9a-z]*;/d' \
	    -e '/^[[:space:]]*fastcgi_keep_conn on;/d' \
	    -e "s|listen 127.0.0.1:$NGINX_PORT;|listen 127.0.0.1:$NOKEEP_PORT;|" \
	    "$TMP/nginx/fcgiserve-site.conf" > "$d/fcgiserve-site.conf"
	! sed 's/#.*//' "$d/fcgiserve-site.conf" | grep -Eq 'keepalive|keep_conn' ||
	    fail "the shipped site's keep-alive lines changed: update soak.sh"
	"$NGINX_BIN" -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" \
	    < /dev/null >> "$d/stderr.log" 2>&1 &
	NOKEEP_PID=$!
	_track "$NOKEEP_PID"
	wait_for 10 tcp_listening "$NOKEEP_PORT" ||
	    fail "the second nginx did not listen on $NOKEEP_PORT"
}

start_fronts() {
	start_nginx
	start_nokeep
}

stop_fronts() {
	stop_nginx
	_stop_pid "$NOKEEP_PID"
	_untrack "$NOKEEP_PID"
	NOKEEP_PID=
}

# ---------------------------------------------------------------- load

# slow_requests N_TIMEOUTS N_ABORTS: one after the other, through the
# keep-alive front end; each answer's status is appended to $TMP/slow.
slow_requests() {
	local i code
	for ((i = 0; i < $1; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
		    "http://127.0.0.1:$NGINX_PORT/spin") || code=curl-failed
		echo "timeout $code" >> "$TMP/slow"
	done
	for ((i = 0; i < $2; i++)); do
		# curl gives up after 0.2 s (exit 28, status 000).
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 0.2 \
		    "http://127.0.0.1:$NGINX_PORT/sleep?s=2") || true
		echo "abort $code" >> "$TMP/slow"
	done
}

# run_wrk NAME PORT LIMIT [CONNECTIONS]: in the background, one thread
# with CONNECTIONS (4) connections; its output in $TMP/NAME.out.
declare -A wrk_pid=()
run_wrk() {
	mkdir -p "$TMP/$1.done"
	rm -f "$TMP/$1.done"/*
	wrk -t1 -c"${4:-4}" -d1h --timeout 10s -s "$top_srcdir/tests/leak/mix.lua" \
	    "http://127.0.0.1:$2" -- "$3" "$TMP/$1.done" 1 > "$TMP/$1.out" 2>&1 &
	wrk_pid[$1]=$!
	wrk_conns[$1]=${4:-4}
	_track "$!"
}
declare -A wrk_conns=()

# wait_wrk NAME: until its one thread has its share, then SIGINT (wrk
# prints its summary and done()'s lines); checks them.
wait_wrk() {
	local pid=${wrk_pid[$1]} s e g
	wait_for 900 test -e "$TMP/$1.done/done.1" ||
	    fail "wrk $1 did not finish within 900 s: $(cat "$TMP/$1.out")"
	kill -INT "$pid"
	wait "$pid" || fail "wrk $1 failed: $(cat "$TMP/$1.out")"
	_untrack "$pid"
	! grep -q 'Socket errors' "$TMP/$1.out" ||
	    fail "wrk $1: $(grep 'Socket errors' "$TMP/$1.out")"
	grep -q '^sent ' "$TMP/$1.out" || fail "wrk $1 printed no counts"
	while read -r _ s _ e _ g; do
		# Sent last, still in flight at the stop: at most one per
		# connection.
		[ "$g" -le "$e" ] && [ $((e - g)) -le "${wrk_conns[$1]}" ] ||
		    fail "wrk $1: status $s: expected $e answers, got $g"
	done < <(grep '^status ' "$TMP/$1.out")
	read -r _ _ _ answered < <(grep '^sent ' "$TMP/$1.out")
	answered_total=$((answered_total + answered))
}

# phase N TIMEOUTS ABORTS [BURST]: N requests in all with both fronts
# started for them and stopped after (so every connection to fcgiserve is
# closed at the end): TIMEOUTS and ABORTS through slow_requests, the rest
# through wrk (mix.lua), half to each front.  BURST of those first, 32 at
# a time, of the kinds that need the most memory in a worker (see
# soak.sh).  Adds the answers to answered_total.
answered_total=0
phase() {
	local n=$1 t=$2 a=$3 burst=${4:-}
	local w=$((n - t - a)) pid
	: > "$TMP/slow"
	start_fronts
	if [ -n "$burst" ]; then
		MIX_ONLY=big,echo,toolarge run_wrk burst "$NGINX_PORT" "$burst" 32
		wait_wrk burst
		w=$((w - burst))
	fi
	slow_requests "$t" "$a" &
	pid=$!
	_track "$pid"
	run_wrk keep "$NGINX_PORT" $((w / 2))
	run_wrk nokeep "$NOKEEP_PORT" $((w - w / 2))
	wait_wrk keep
	wait_wrk nokeep
	wait "$pid"
	_untrack "$pid"
	answered_total=$((answered_total + $(wc -l < "$TMP/slow")))
	[ "$(grep -c '^timeout 504$' "$TMP/slow")" -eq "$t" ] ||
	    fail "timeouts: expected $t 504s, got: $(grep '^timeout' "$TMP/slow" | sort | uniq -c)"
	[ "$(grep -c '^abort 000$' "$TMP/slow")" -eq "$a" ] ||
	    fail "aborts: expected $a abandoned requests, got: $(grep '^abort' "$TMP/slow" | sort | uniq -c)"
	stop_fronts
}

