#!/bin/bash
# sandbox = on: a handler that tries to escape gets a clean error, each
# refusal is logged once per request with its request id, and the next
# request works -- in a runner (the same one, reset_verify on) and in a
# spare.  Escapes: reading a file outside the allowed paths, writing
# outside sandbox_write, os.execute and io.popen, ptrace, process_vm_readv,
# userfaultfd and unshare from a C module, signalling the worker, and a
# TCP connection to a port not in sandbox_connect.  A shared dictionary
# still works.  With sandbox = off the same reads and programs work as
# before.  -t says what the kernel gives, and what it lacks (a kernel
# without Landlock, or without its network rules, played by the test-only
# FCGISERVE_TEST_LANDLOCK_ABI): sandbox = on starts anyway and says so,
# sandbox = required refuses.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
requires_fcgiserve
static=no
"$FCGISERVE" -V | grep -q 'static binary' && static=yes

mkdir -p "$TMP/app" "$TMP/secret" "$TMP/w"
echo "top secret" > "$TMP/secret/f"
APP=$TMP/app/sandbox.lua
{
	echo "SECRET = '$TMP/secret/f'"
	echo "APP = '$APP'"
	[ $static = yes ] ||
	    echo "package.cpath = '$top_builddir/tests/integration/?.so;' .. package.cpath"
	echo "local d = fcgiserve.shared.d"
	cat "$APPS/sandbox.lua"
} > "$APP"
# The shared dictionary's route goes in before the router is returned.
sed -i 's|^return r$|r:get("/incr", function() return { n = d:incr("n", 1, 0) } end)\nreturn r|' "$APP"

allowed=$(freeport)		# fcgiserve's own port: someone listens
denied=$(freeport)		# nobody does: "refused" without the sandbox

# ask PATH RID: GET with that request id; the body is the last answer.
ask() {
	http GET "$1" -H "X-Request-Id: $2" > /dev/null
	assert_status 200
}

# refusals RID ERE: the number of "sandbox: refused" lines of RID matching.
refusals() {
	grep -E "rid=$1: sandbox: refused $2" "$FCGISERVE_LOG" | wc -l
}

for mode in reset fork; do
	write_conf sandbox.lua app="$APP" listen=127.0.0.1:$allowed \
	    isolation=$mode reset_verify=yes max_children=1 sandbox=on \
	    "sandbox_write=$TMP/w" sandbox_connect=$allowed "shared_dict=d 1m"
	start_fcgiserve
	start_nginx 127.0.0.1:$allowed
	assert_log 'pool test: sandbox: no_new_privs, seccomp'
	! grep -q 'lacks Landlock (not in this kernel' "$FCGISERVE_LOG" ||
	    skip "no Landlock in this kernel: files are not confined here"
	ask /ok $mode-ok
	pid=$(jq .pid < "$TMP/last.body")

	ask /read $mode-read
	assert_json .ok false
	assert_json .err "$TMP/secret/f: Permission denied"
	assert_eq 1 "$(refusals $mode-read "reading $TMP/secret/f$")" \
	    "refusals logged for $mode-read"
	ask /read-twice $mode-twice
	assert_json .ok false
	assert_eq 1 "$(refusals $mode-twice "reading $TMP/secret/f$")" \
	    "refusals logged for $mode-twice (the same path three times)"

	ask "/write?path=$TMP/w/out" $mode-write
	assert_json .ok true
	assert_eq written "$(cat "$TMP/w/out")" "the file written in sandbox_write"
	ask "/write?path=$TMP/secret/out" $mode-write-out
	assert_json .ok false
	[ ! -e "$TMP/secret/out" ] || fail "$mode: a file was written outside sandbox_write"
	assert_eq 1 "$(refusals $mode-write-out "writing $TMP/secret/out$")" \
	    "refusals logged for $mode-write-out"
	ask /app $mode-app
	assert_json .ok true

	for f in exec popen; do
		ask /$f $mode-$f
		assert_json .ok false
		assert_match 'running programs is refused by the sandbox \(sandbox_exec = no\)' \
		    "$(jq -r .err < "$TMP/last.body")" "$mode: the error of $f"
	done
	assert_eq 1 "$(refusals $mode-exec 'os.execute')" "refusals of os.execute"
	assert_eq 1 "$(refusals $mode-popen 'io.popen')" "refusals of io.popen"

	ask /incr $mode-incr
	n=$(jq .n < "$TMP/last.body")
	ask /incr $mode-incr2
	assert_json .n $((n + 1))

	if [ $static = yes ]; then
		note "a static binary loads no C module: escapes from C and lua-socket not tried"
	else
		ask /escape $mode-escape
		assert_json '[.ptrace, .process_vm_readv, .userfaultfd, .unshare] | join(" ")' \
		    "EPERM EPERM EPERM EPERM"
		for call in ptrace process_vm_readv userfaultfd unshare; do
			assert_eq 1 "$(refusals $mode-escape "the system call $call$")" \
			    "refusals logged for $call"
		done
		if grep -q 'signal scoping' "$FCGISERVE_LOG"; then
			assert_json .signal_worker EPERM
		else
			note "no Landlock signal scoping here (ABI < 6)"
		fi
		if lua5.4 -e 'require "socket"' 2>/dev/null; then
			if grep -q 'TCP bind and connect' "$FCGISERVE_LOG"; then
				ask "/connect?port=$allowed" $mode-connect
				assert_json .ok true
				ask "/connect?port=$denied" $mode-connect-denied
				assert_json .ok false
				assert_match '[Pp]ermission denied' \
				    "$(jq -r .err < "$TMP/last.body")" "connect to port $denied"
			else
				note "no Landlock network rules here (ABI < 4)"
			fi
		else
			note "lua-socket not installed: connect not tried"
		fi
	fi

	ask /ok $mode-after
	assert_json .ok true
	if [ $mode = reset ] &&
	    grep -q 'isolation reset is not available here' "$FCGISERVE_LOG"; then
		note "isolation reset unavailable here: its run was a fork run"
	elif [ $mode = reset ]; then
		assert_eq "$pid" "$(jq .pid < "$TMP/last.body")" \
		    "the runner (reset, verified) that served every escape"
		assert_no_log 'pages differ'
	fi
	stop_fcgiserve
	stop_nginx
done

# fcgiserve.http to a port sandbox_connect names (nginx's, known once it
# runs: it starts first), and to one it does not.
if [ $static = no ] && lua5.4 -e 'require "socket"' 2>/dev/null &&
    grep -q 'TCP bind and connect' "$FCGISERVE_LOG"; then
	write_conf sandbox.lua app="$APP" max_children=2
	start_nginx
	write_conf sandbox.lua app="$APP" max_children=2 sandbox=on \
	    sandbox_connect=$NGINX_PORT "shared_dict=d 1m"
	start_fcgiserve
	ask "/http?port=$NGINX_PORT" http-allowed
	assert_json '[.ok, .status] | join(" ")' "true 200"
	ask "/http?port=$denied" http-denied
	assert_json '[.ok, .err] | join(" ")' "false permission denied"
	assert_eq 1 "$(refusals http-denied "connecting to 127.0.0.1 port $denied$")" \
	    "refusals logged for http-denied"
	stop_fcgiserve
	stop_nginx
else
	note "fcgiserve.http through the sandbox not tried (static binary, no lua-socket or no Landlock network rules)"
fi

# Off: as before the sandbox existed.
before=$(wc -l < "$FCGISERVE_LOG")
start_stack sandbox.lua app="$APP" max_children=1 "shared_dict=d 1m"
ask /read off-read
assert_json .ok true
assert_json .value "top secret"
ask /exec off-exec
assert_json .ok true
l=$(tail -n +$((before + 1)) "$FCGISERVE_LOG" | grep -m1 ": sandbox") &&
    fail "sandbox = off, and the log says: $l"
stop_fcgiserve
stop_nginx

# What -t says, on this kernel and on ones with less.
write_conf sandbox.lua app="$APP" sandbox=on sandbox_connect=$allowed \
    "shared_dict=d 1m"
"$FCGISERVE" -t -c "$TMP/fcgiserve.conf" > "$TMP/t.out" 2>&1 ||
    fail "-t with sandbox = on: $(cat "$TMP/t.out")"
grep -q 'sandbox: no_new_privs, seccomp' "$TMP/t.out" ||
    fail "-t does not say what the sandbox holds: $(cat "$TMP/t.out")"
FCGISERVE_TEST_LANDLOCK_ABI=3 "$FCGISERVE" -t -c "$TMP/fcgiserve.conf" \
    > "$TMP/t.out" 2>&1 || fail "-t, ABI 3, sandbox = on: $(cat "$TMP/t.out")"
grep -q 'lacks Landlock network rules (ABI 4, Linux 6.7; this kernel has ABI 3): sandbox_connect is not enforced' \
    "$TMP/t.out" || fail "-t, ABI 3: $(cat "$TMP/t.out")"
FCGISERVE_TEST_LANDLOCK_ABI=0 "$FCGISERVE" -t -c "$TMP/fcgiserve.conf" \
    > "$TMP/t.out" 2>&1 || fail "-t, no Landlock, sandbox = on: $(cat "$TMP/t.out")"
grep -q 'lacks Landlock (not in this kernel' "$TMP/t.out" ||
    fail "-t, no Landlock: $(cat "$TMP/t.out")"
sed -i 's/^sandbox = on$/sandbox = required/' "$TMP/fcgiserve.conf"
rc=0
FCGISERVE_TEST_LANDLOCK_ABI=0 "$FCGISERVE" -t -c "$TMP/fcgiserve.conf" \
    > "$TMP/t.out" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "-t passed sandbox = required without Landlock"
grep -q 'sandbox = required, but this kernel lacks Landlock' "$TMP/t.out" ||
    fail "-t, required, no Landlock: $(cat "$TMP/t.out")"
