#!/bin/bash
# SIGHUP under continuous load through nginx: the app file is changed to
# answer differently and the master reloads.  Every response is counted:
# none may fail (no 5xx, no connection error), both answers are seen, and
# every request begun after the old workers have exited gets the new one;
# a slow request in flight at the reload is answered by the old app.  The
# old workers are gone and the socket is the same one.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl

LOOPS=4		# parallel clients
BATCH=20	# requests per curl run (one keep-alive connection)

# A raw body, so "body code exit" is one line per request.
app() {
	cat > "$TMP/app.lua.new" <<-LUA
	return function(req)
	  if req.path == "/slow" then
	    local f = io.open("$TMP/slow.started", "w"); f:write("1"); f:close()
	    os.execute("sleep 1.5")
	  end
	  return fcgiserve.response{ status = 200, body = "$1" }
	end
	LUA
	mv "$TMP/app.lua.new" "$TMP/app.lua"
}
app v1
start_stack api.lua "app=$TMP/app.lua" workers=2
http GET /x > /dev/null
assert_body v1
old_workers=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ' | sort)
assert_match '^[0-9]+.[0-9]+$' "$(echo $old_workers)" "the two workers"
old_inode=$(stat -c %i "$FCGISERVE_LISTEN")

# client N: batches of requests until $TMP/stop exists; a batch started
# after $TMP/after exists is marked so its answers can be checked apart.
client() {
	local n=$1 i urls=() mark
	for ((i = 0; i < BATCH; i++)); do
		urls+=("http://127.0.0.1:$NGINX_PORT/c$n/$i")
	done
	while [ ! -e "$TMP/stop" ]; do
		mark=during
		[ ! -e "$TMP/after" ] || mark=after
		curl -sS --max-time 10 -w " %{http_code} %{exitcode} $mark\n" \
		    "${urls[@]}" 2>> "$TMP/client$n.err" || true
	done > "$TMP/client$n.out"
}
clients=()
for ((n = 0; n < LOOPS; n++)); do
	client "$n" &
	clients+=("$!")
	_track "$!"
done

# answers [MARK]: how many the clients have logged so far (with MARK).
answers() {
	cat "$TMP"/client*.out 2>/dev/null | grep -c -- "${1:-}" || true
}
# Load first: counted, not timed (a busy machine only takes longer).
wait_for 60 eval '[ "$(answers)" -ge 200 ]' ||
    fail "only $(answers) answers within 60 s: no real load"
# In flight on an old worker across the reload: it must finish there.
http_bg slow GET /slow
wait_file "$TMP/slow.started" 20	# in its handler, on an old worker
app v2
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: configuration #2 loaded' 20
wait_log 'reload: the workers of configuration #1 have all exited' 30
touch "$TMP/after"
wait_for 60 eval '[ "$(answers " after$")" -ge 20 ]' ||
    fail "only $(answers " after$") answers after the reload within 60 s"
touch "$TMP/stop"
for pid in "${clients[@]}"; do
	wait "$pid" || true
	_untrack "$pid"
done

http_wait slow
assert_status 200
assert_body v1

cat "$TMP"/client*.out > "$TMP/all"
total=$(wc -l < "$TMP/all")
bad=$(grep -cvE '^v[12] 200 0 (during|after)$' "$TMP/all" || true)
v1=$(grep -c '^v1 ' "$TMP/all" || true)
v2=$(grep -c '^v2 ' "$TMP/all" || true)
late_v1=$(grep -c '^v1 .* after$' "$TMP/all" || true)
after=$(grep -c ' after$' "$TMP/all" || true)
note "$total responses: $v1 v1, $v2 v2 ($after after the reload), $bad bad"
if [ "$bad" -ne 0 ]; then
	grep -vE '^v[12] 200 0 (during|after)$' "$TMP/all" | sort | uniq -c |
	    head >&2
	cat "$TMP"/client*.err | head >&2
	fail "$bad of $total responses failed during the reload"
fi
[ "$total" -ge 200 ] || fail "only $total responses: no real load"
[ "$v1" -gt 0 ] || fail "no answer from the old app"
[ "$after" -gt 0 ] || fail "no request after the reload completed"
assert_eq 0 "$late_v1" "old answers after the old workers exited"

for pid in $old_workers; do
	! pid_alive "$pid" || fail "old worker $pid still running"
done
new_workers=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ' | sort)
assert_match '^[0-9]+.[0-9]+$' "$(echo $new_workers)" "two new workers"
for pid in $new_workers; do
	case " $(echo $old_workers) " in
	*" $pid "*) fail "worker $pid was not replaced" ;;
	esac
done
assert_eq "$old_inode" "$(stat -c %i "$FCGISERVE_LISTEN")" \
    "inode of the socket (it must be kept, not bound again)"
assert_log "listening on $FCGISERVE_LISTEN .*socket kept"
http GET /x > /dev/null
assert_body v2
stop_fcgiserve
