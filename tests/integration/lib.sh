# lib.sh -- the one shared helper of the integration tests.
#
# Each test sources it first:
#     . "$(dirname "$0")/lib.sh" || exit 99
# and then starts a real fcgiserve and a real nginx on loopback, drives them
# with curl and asserts with jq.  Everything a test creates lives in $TMP,
# removed on exit; every process it starts is tracked by PID and stopped on
# exit (SIGTERM, then SIGKILL).  Exit 77 means SKIP (automake).
#
# The Makefile exports top_srcdir, top_builddir, FCGISERVE, FREEPORT,
# FCGICLIENT, NGINX_BIN and CGI_FCGI; run by hand from the source tree,
# the defaults below apply.  LIGHTTPD_BIN is found on PATH.  PROTOCOL=scgi
# runs a test over SCGI (see below).  KEEP_TMP=1 keeps the temp dir for a
# look after the test.

# The tests use bash (/dev/tcp, read -d, arrays); make check may start
# them with sh.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi

set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FCGISERVE:=$top_builddir/src/fcgiserve}"
: "${FREEPORT:=$top_builddir/tests/integration/freeport}"
: "${FCGICLIENT:=$top_builddir/tests/integration/fcgiclient}"
: "${NGINX_BIN=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)}"
: "${CGI_FCGI=$(command -v cgi-fcgi 2>/dev/null || true)}"
# nginx reads $NGINX as a list of inherited listening sockets (binary
# upgrade): never pass one down.
unset NGINX

# Sanitizer builds (configure --enable-sanitizers): every report, from the
# master, a worker or a request child, goes to stderr and so into
# $FCGISERVE_LOG, where wait_fcgiserve_stopped looks for it, whatever
# log_path the caller's ASAN_OPTIONS or UBSAN_OPTIONS name (the last
# setting of an option wins).  Request children leave with _exit, so
# LeakSanitizer never runs in them; their errors are reported when they
# happen, and the child then exits with status 1 (the worker answers 500).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=stderr"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=stderr:print_stacktrace=1"
# A test that provokes sanitizer reports on purpose sets this to 1 and
# asserts on the reports itself.
SANITIZER_REPORTS_EXPECTED=${SANITIZER_REPORTS_EXPECTED:-}

# PROTOCOL: what fcgiserve and its front ends speak, "fastcgi" (default) or
# "scgi".  write_conf sets the pool's protocol to it, start_nginx serves the
# matching shipped site (fcgiserve-site.conf or fcgiserve-scgi-site.conf)
# and start_lighttpd uses mod_fastcgi or mod_scgi.  "make check" runs each
# test that applies to both once per protocol (tests/integration/local.mk).
: "${PROTOCOL:=fastcgi}"
case $PROTOCOL in
fastcgi|scgi) ;;
*)	printf 'ERROR: PROTOCOL must be fastcgi or scgi, not "%s"\n' "$PROTOCOL" >&2
	exit 99 ;;
esac

TEST_NAME=${0##*/}
TEST_NAME=${TEST_NAME%.sh}
[ "$PROTOCOL" = fastcgi ] || TEST_NAME=$TEST_NAME-$PROTOCOL
[ "${SANDBOX:-off}" = off ] || TEST_NAME=$TEST_NAME-sandbox
APPS=$top_srcdir/tests/integration/apps

# ---------------------------------------------------------------- messages

# fail MESSAGE: the test fails.  The line is printed now and once more as
# the very last line of the test's output, after the logs _cleanup dumps,
# where the tail of a CI log shows it.  (A fail in a subshell is printed
# there once; the test then fails on the subshell's status.)
_fail_reason=
fail() {
	_fail_reason="FAIL: $TEST_NAME: $*"
	printf '%s\n' "$_fail_reason" >&2
	exit 1
}

skip() {
	printf 'SKIP: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 77
}

note() {
	printf '# %s\n' "$*" >&2
}

# requires CMD...: skip the test unless each command (a name on PATH or a
# path) is there.  An empty argument (configure found nothing) also skips.
requires() {
	local c
	for c in "$@"; do
		case $c in
		"")	skip "a required program was not found by configure" ;;
		*/*)	[ -x "$c" ] || skip "required program $c not found" ;;
		*)	command -v "$c" >/dev/null 2>&1 ||
			    skip "required program '$c' not found" ;;
		esac
	done
}

# requires_protocol NAME: skip unless the test runs with PROTOCOL=NAME (a
# test of something only one protocol has, e.g. FastCGI keep-alive).
requires_protocol() {
	[ "$PROTOCOL" = "$1" ] ||
	    skip "tests $1 only, and PROTOCOL is $PROTOCOL"
}

requires_fcgiserve() {
	# Not a skip: testing the daemon without the daemon is a failure.
	[ -x "$FCGISERVE" ] || fail "daemon $FCGISERVE not built"
}

# ---------------------------------------------------------------- temp dir

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fcgiserve-$TEST_NAME.XXXXXX")
# A unix socket path must fit sun_path (108 bytes).
if [ ${#TMP} -gt 80 ]; then
	rmdir "$TMP"
	TMP=$(mktemp -d "/tmp/fcgiserve-$TEST_NAME.XXXXXX")
fi
FCGISERVE_LOG=$TMP/fcgiserve.log
FCGISERVE_PID=
FCGISERVE_CONF=
NGINX_PID=
NGINX_PORT=
: > "$FCGISERVE_LOG"

# ---------------------------------------------------------------- processes

_pids=()		# every process this test started, in order
_leftovers=""		# what stop_fcgiserve found left running

_track() {
	_pids+=("$1")
}

_untrack() {
	local i
	for i in "${!_pids[@]}"; do
		[ "${_pids[$i]}" != "$1" ] || unset '_pids[i]'
	done
}

# pid_alive PID: true while PID runs (a zombie has finished running).
pid_alive() {
	local s
	read -r s 2>/dev/null < "/proc/$1/stat" || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# sole_worker: sets worker to the pid of the daemon's one worker; fails
# unless there is exactly one.
sole_worker() {
	worker=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ')
	assert_match '^[0-9]+$' "$worker" "the one worker's pid"
}

# zygote_of WORKER: the pid of the worker's zygote (none: nothing).
zygote_of() {
	ps -o pid=,comm= --ppid "$1" | awk '$2 == "zygote" { print $1 }'
}

# spares_of WORKER: the worker's children but its zygote, a pid a line.
spares_of() {
	ps -o pid=,comm= --ppid "$1" | awk '$2 != "zygote" { print $1 }'
}

# _descendants PID: every live process below PID, space-separated.
_descendants() {
	local root=$1 p s out="" cur
	local -A kids=()
	local -a queue
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		read -r s 2>/dev/null < "/proc/$p/stat" || continue
		s=${s##*) }		# "state ppid ..."; comm may hold spaces
		s=${s#* }
		kids[${s%% *}]+=" $p"
	done
	queue=("$root")
	while [ ${#queue[@]} -gt 0 ]; do
		cur=${queue[0]}
		queue=("${queue[@]:1}")
		for p in ${kids[$cur]:-}; do
			out+=" $p"
			queue+=("$p")
		done
	done
	echo $out
}

# _zombies PID...: those of the PIDs that are zombies now.
_zombies() {
	local p s out=""
	for p in "$@"; do
		read -r s 2>/dev/null < "/proc/$p/stat" || continue
		s=${s##*) }
		[ "${s%% *}" != Z ] || out+=" $p"
	done
	echo $out
}

# _pids_with_arg STRING: live processes with STRING in an argument.  Forked
# workers and request children keep the master's command line, and it holds
# this test's unique config path, so this finds them even after they were
# orphaned (their parent chain to the master is then gone).
_pids_with_arg() {
	local p a
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" != $$ ] && [ "$p" != "$BASHPID" ] || continue
		while IFS= read -r -d '' a; do
			case $a in
			*"$1"*) pid_alive "$p" && echo "$p"; break ;;
			esac
		done 2>/dev/null < "/proc/$p/cmdline" || true
	done
}

# _wait_exit PID SECONDS: wait for PID to finish running; false on timeout.
_wait_exit() {
	local i n=$(($2 * 10))
	for ((i = 0; i < n; i++)); do
		pid_alive "$1" || return 0
		sleep 0.1
	done
	! pid_alive "$1"
}

# _stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; reaps it.
_stop_pid() {
	kill -TERM "$1" 2>/dev/null || true
	if ! _wait_exit "$1" 5; then
		note "process $1 ignored SIGTERM for 5 s; SIGKILL"
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

_dump() {
	local f=$1 n=${2:-60}
	[ -s "$f" ] || return 0
	printf -- '--- %s (last %d lines)\n' "${f#"$TMP"/}" "$n" >&2
	tail -n "$n" "$f" >&2
}

_cleanup() {
	local rc=$? i p idx tree
	set +e
	# Last started first (nginx before the daemon it talks to); the
	# array has holes where _untrack removed entries.
	idx=("${!_pids[@]}")
	tree=""
	for i in "${idx[@]}"; do
		tree+=" $(_descendants "${_pids[$i]}")"
	done
	for ((i = ${#idx[@]} - 1; i >= 0; i--)); do
		_stop_pid "${_pids[${idx[$i]}]}"
	done
	# Whatever the daemon left behind (the test failed already, or will).
	for p in $tree $_leftovers $(_pids_with_arg "$TMP/"); do
		pid_alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		_dump "$FCGISERVE_LOG"
		_dump "$TMP/nginx/error.log" 20
		_dump "$TMP/nginx/stderr.log" 20
		_dump "$TMP/lighttpd/error.log" 20
		_dump "$TMP/lighttpd/stderr.log" 20
		if [ -f "$TMP/last.status" ]; then
			printf -- '--- last response: %s\n' \
			    "$(cat "$TMP/last.status")" >&2
			_dump "$TMP/last.headers" 30
			_dump "$TMP/last.body" 30
		fi
		[ -z "$_fail_reason" ] || printf -- '\n--- why\n%s\n' \
		    "$_fail_reason" >&2
	fi
	if [ -n "${KEEP_TMP:-}" ]; then
		note "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- waiting

# wait_for SECONDS CMD...: poll CMD every 0.1 s; false on timeout.
wait_for() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# wait_file PATH [SECONDS]: until PATH exists and is not empty.
wait_file() {
	wait_for "${2:-10}" test -s "$1" ||
	    fail "$1 did not appear within ${2:-10} s"
}

# tcp_listening PORT: a socket listens on PORT (read from /proc: connecting
# would itself show up in the daemon's log).
tcp_listening() {
	local hex
	hex=$(printf '%04X' "$1")
	grep -q ":$hex [0-9A-F]*:0000 0A " /proc/net/tcp /proc/net/tcp6 \
	    2>/dev/null
}

_listening() {
	case $1 in
	/*)	test -S "$1" ;;
	*:*)	tcp_listening "${1##*:}" ;;
	*)	fail "cannot tell whether '$1' listens" ;;
	esac
}

# tcp_conns PID: the TCP connections (any state but LISTEN) PID holds.
tcp_conns() {
	local f t n=0 inodes
	inodes=" $(awk '$4 != "0A" && $4 != "st" { print $10 }' \
	    /proc/net/tcp /proc/net/tcp6 2>/dev/null | tr '\n' ' ')"
	for f in /proc/"$1"/fd/*; do
		t=$(readlink "$f" 2>/dev/null) || continue
		case $t in socket:\[*\]) t=${t#socket:[}; t=${t%]} ;; *) continue ;; esac
		case $inodes in *" $t "*) n=$((n + 1)) ;; esac
	done
	echo "$n"
}

now_ms() {
	date +%s%3N
}

# freeport: a TCP port on 127.0.0.1 that was free a moment ago.
freeport() {
	if [ ! -x "$FREEPORT" ]; then
		# Run by hand without a build: make one.
		FREEPORT=$TMP/freeport
		${CC:-cc} -o "$FREEPORT" "$top_srcdir/tests/integration/freeport.c" ||
		    fail "cannot build freeport"
	fi
	"$FREEPORT" "$@"
}

# ---------------------------------------------------------------- fcgiserve

# write_conf APP [key=value...]: writes $TMP/fcgiserve.conf for one pool
# "test" serving apps/APP, listening on $TMP/fcgiserve.sock, speaking
# $PROTOCOL, log_level debug, allow_root = yes (the tests run as whoever
# runs them, root in CI: the pool has no user).
# key=value pairs replace the defaults or add keys; log_level, error_log and
# shutdown_timeout go to [global], the rest to the pool; key= drops a key.
# The default app path is absolute; give app=... to test other forms.
write_conf() {
	local app=$1 kv k
	shift
	local -A g=([log_level]=debug [shutdown_timeout]=5s)
	local -A p=([listen]="$TMP/fcgiserve.sock" [protocol]=$PROTOCOL
	    [app]="$APPS/$app" [workers]=1 [max_children]=8 [queue]=16
	    [request_timeout]=10s [allow_root]=yes)
	local -a porder=(listen protocol app workers max_children queue
	    request_timeout allow_root)
	# SANDBOX=on (the NAME-sandbox.sh wrappers): the pool confined, with
	# the test's temp dir its one writable place; programs allowed (the
	# test apps sleep with os.execute; sandbox.sh tests their refusal).
	if [ "${SANDBOX:-off}" = on ]; then
		p[sandbox]=on
		p[sandbox_write]=$TMP
		p[sandbox_exec]=yes
		porder+=(sandbox sandbox_write sandbox_exec)
	fi
	for kv in "$@"; do
		k=${kv%%=*}
		case $k in
		log_level|error_log|error_log_format|shutdown_timeout)
			g[$k]=${kv#*=} ;;
		*)	[ -n "${p[$k]+set}" ] || porder+=("$k")
			p[$k]=${kv#*=} ;;
		esac
	done
	{
		echo "; written by $TEST_NAME"
		echo "[global]"
		for k in log_level error_log error_log_format shutdown_timeout; do
			[ -z "${g[$k]:-}" ] || echo "$k = ${g[$k]}"
		done
		echo
		echo "[pool test]"
		for k in "${porder[@]}"; do
			[ -z "${p[$k]:-}" ] || echo "$k = ${p[$k]}"
		done
	} > "$TMP/fcgiserve.conf"
	FCGISERVE_LISTEN=${p[listen]}
}

# start_fcgiserve [CONF]: runs the daemon in the background (stderr to
# $FCGISERVE_LOG) and waits until every listen socket of CONF listens.
start_fcgiserve() {
	local conf=${1:-$TMP/fcgiserve.conf} l
	requires_fcgiserve
	[ -z "$FCGISERVE_PID" ] || fail "start_fcgiserve: already running"
	"$FCGISERVE" -c "$conf" < /dev/null >> "$FCGISERVE_LOG" 2>&1 &
	FCGISERVE_PID=$!
	FCGISERVE_CONF=$conf
	_track "$FCGISERVE_PID"
	for l in $(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*\([^;[:space:]]*\).*/\1/p' "$conf"); do
		local i
		for ((i = 0; i < 100; i++)); do
			_listening "$l" && break
			pid_alive "$FCGISERVE_PID" ||
			    fail "fcgiserve exited at start-up (see its log)"
			sleep 0.1
		done
		_listening "$l" || fail "fcgiserve does not listen on $l after 10 s"
	done
}

# stop_fcgiserve [SECONDS]: SIGTERM to the master; asserts it exits with
# status 0 within SECONDS (default 10) and that no process of its tree is
# left running: neither one that was below it just before the signal, nor
# any other process still carrying its config path (a child forked later).
stop_fcgiserve() {
	sigterm_fcgiserve
	wait_fcgiserve_stopped "${1:-10}"
}

# The two halves of stop_fcgiserve, for tests that act in between.
_stop_tree=""

sigterm_fcgiserve() {
	local pid=$FCGISERVE_PID
	[ -n "$pid" ] || fail "sigterm_fcgiserve: fcgiserve is not running"
	pid_alive "$pid" || fail "fcgiserve [$pid] died before SIGTERM"
	_stop_tree=$(_descendants "$pid")
	kill -TERM "$pid"
}

wait_fcgiserve_stopped() {
	local pid=$FCGISERVE_PID bound=${1:-10} rc=0 p left=""
	if ! _wait_exit "$pid" "$bound"; then
		kill -KILL "$pid" 2>/dev/null || true
		fail "fcgiserve [$pid] still running ${bound} s after SIGTERM"
	fi
	wait "$pid" || rc=$?
	_untrack "$pid"
	FCGISERVE_PID=
	[ "$rc" -eq 0 ] ||
	    fail "fcgiserve exited with status $rc after SIGTERM, expected 0"
	# Orphans are reparented, not killed: give a dying one a moment.
	for p in $_stop_tree; do
		_wait_exit "$p" 2 || left+=" $p"
	done
	for p in $(_pids_with_arg "$FCGISERVE_CONF"); do
		case " $left " in *" $p "*) ;; *) left+=" $p" ;; esac
	done
	if [ -n "$left" ]; then
		_leftovers+=" $left"	# for _cleanup to kill
		ps -o pid,ppid,stat,args -p "${left# }" >&2 || true
		fail "processes left running after fcgiserve exited:$left"
	fi
	# Nor unreaped: under an init that does not reap (a container's),
	# a zombie left by a worker would stay for good.
	left=$(_zombies $_stop_tree)
	if [ -n "$left" ]; then
		ps -o pid,ppid,stat,args -p "$left" >&2 || true
		fail "processes left unreaped (zombies) after fcgiserve exited: $left"
	fi
	# Under --enable-sanitizers a report from any fcgiserve process (master,
	# worker or child) lands in its log: that is a failure, whatever the
	# answers were.  SANITIZER_REPORTS_EXPECTED=1 opts out.
	if [ "$SANITIZER_REPORTS_EXPECTED" != 1 ] &&
	    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
	    "$FCGISERVE_LOG" 2>/dev/null; then
		grep -E -A12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
		    "$FCGISERVE_LOG" | head -40 >&2
		fail "sanitizer report in the fcgiserve log"
	fi
}

# ---------------------------------------------------------------- nginx

# _stock_params NAME: the path of nginx's stock NAME (fastcgi_params,
# scgi_params), the file the shipped site includes first.
_stock_params() {
	local d
	for d in /etc/nginx \
	    "$(dirname "$("$NGINX_BIN" -V 2>&1 | sed -n 's/.*--conf-path=\([^ ]*\).*/\1/p')" 2>/dev/null)"; do
		[ -f "$d/$1" ] && { echo "$d/$1"; return; }
	done
	skip "nginx's stock $1 not found"
}

_fastcgi_params() {
	_stock_params fastcgi_params
}

# nginx_site_files: for $PROTOCOL, the shipped site file, the shipped
# params file and nginx's stock params file it is included after.
nginx_site_files() {
	case $PROTOCOL in
	fastcgi) echo fcgiserve-site.conf fcgiserve_params fastcgi_params ;;
	scgi)	echo fcgiserve-scgi-site.conf fcgiserve_scgi_params scgi_params ;;
	esac
}

# start_nginx [UPSTREAM]: nginx in the foreground of a background job,
# serving the SHIPPED nginx/*.conf files for $PROTOCOL (copied into
# $TMP/nginx with the upstream address and the listen port substituted) on
# 127.0.0.1:$NGINX_PORT.  UPSTREAM is an nginx server address, default
# unix:$TMP/fcgiserve.sock.  NGINX_EXTRA_PARAMS, if set, are lines (e.g.
# "fastcgi_param NAME value;") added after each include of the params.
# NGINX_WORKER_CONNECTIONS (default 256) is nginx's worker_connections: a
# client and its upstream connection count two.
start_nginx() {
	local upstream=${1:-unix:$TMP/fcgiserve.sock} d=$TMP/nginx try
	local src=$top_srcdir/nginx site params stock
	read -r site params stock <<< "$(nginx_site_files)"
	requires "$NGINX_BIN"
	mkdir -p "$d/temp"
	cp "$(_stock_params "$stock")" "$d/$stock"
	cp "$src/$params" "$src/fcgiserve-cors.conf" "$d/"
	for try in 1 2 3; do
		NGINX_PORT=$(freeport)
		sed -e "s|server unix:/run/fcgiserve/fcgiserve.sock;|server $upstream;|" \
		    -e "s|^\([[:space:]]*\)listen 80;|\1listen 127.0.0.1:$NGINX_PORT;|" \
		    -e '/^[[:space:]]*listen \[::\]:80;/d' \
		    "$src/$site" > "$d/$site"
		# NGINX_EXTRA_PARAMS: lines a site adds after the params
		# files, in every location that passes requests on.
		if [ -n "${NGINX_EXTRA_PARAMS:-}" ]; then
			printf '%s\n' "$NGINX_EXTRA_PARAMS" > "$d/extra-params"
			sed -i "/^[[:space:]]*include $params;/r $d/extra-params" \
			    "$d/$site"
			grep -Fq "$NGINX_EXTRA_PARAMS" "$d/$site" ||
			    fail "nginx/$site has no 'include $params;' to add params after"
		fi
		grep -Fq "server $upstream;" "$d/$site" &&
		grep -Fq "listen 127.0.0.1:$NGINX_PORT;" "$d/$site" &&
		! grep -Eq '^[[:space:]]*listen (\[::\]:)?80;' "$d/$site" ||
		    fail "nginx/$site no longer has the upstream/listen lines the tests substitute"
		{
			echo "daemon off;"
			echo "worker_processes 1;"
			echo "pid $d/nginx.pid;"
			echo "error_log $d/error.log info;"
			# nginx drops its workers to nobody when started as
			# root; they could not reach the socket in $TMP.
			[ "$(id -u)" -ne 0 ] || echo "user root root;"
			echo "events { worker_connections ${NGINX_WORKER_CONNECTIONS:-256}; }"
			echo "http {"
			echo "    access_log off;"
			echo "    client_body_temp_path $d/temp/client_body;"
			echo "    proxy_temp_path $d/temp/proxy;"
			echo "    fastcgi_temp_path $d/temp/fastcgi;"
			echo "    uwsgi_temp_path $d/temp/uwsgi;"
			echo "    scgi_temp_path $d/temp/scgi;"
			echo "    include $d/fcgiserve-cors.conf;"
			echo "    include $d/$site;"
			echo "}"
		} > "$d/nginx.conf"
		"$NGINX_BIN" -t -q -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" \
		    > "$d/configtest.log" 2>&1 ||
		    { cat "$d/configtest.log" >&2; fail "nginx -t rejects the shipped configuration"; }
		"$NGINX_BIN" -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" \
		    < /dev/null >> "$d/stderr.log" 2>&1 &
		NGINX_PID=$!
		_track "$NGINX_PID"
		_front_end_up nginx "$NGINX_PID" "$NGINX_PORT" \
		    "$d/error.log" "$d/stderr.log" && return 0
		_untrack "$NGINX_PID"
		note "port $NGINX_PORT was taken; trying another"
	done
	fail "nginx could not find a free port"
}

# _front_end_up NAME PID PORT LOG...: waits until the front end NAME (pid
# PID) listens on 127.0.0.1:PORT.  If it exits first, at once: false when
# its LOGs say PORT was taken (the caller tries another), else the test
# fails with the end of its LOGs.  Fails if it does not listen within
# 10 s.
_front_end_up() {
	local name=$1 pid=$2 port=$3 i rc=0
	shift 3
	for ((i = 0; i < 100; i++)); do
		tcp_listening "$port" && return 0
		pid_alive "$pid" || break
		sleep 0.1
	done
	tcp_listening "$port" && return 0
	if pid_alive "$pid"; then
		_stop_pid "$pid"
		fail "$name does not listen on 127.0.0.1:$port after 10 s"
	fi
	wait "$pid" || rc=$?
	! grep -q ":$port.*Address already in use" "$@" 2>/dev/null || return 1
	fail "$name exited at start-up (status $rc): $(cat "$@" 2>/dev/null |
	    grep -Ev '\[(notice|info)\]' | tail -n 5)"
}

# stop_nginx: SIGTERM, then SIGKILL after 5 s; start_nginx may follow.
stop_nginx() {
	[ -n "$NGINX_PID" ] || fail "stop_nginx: nginx is not running"
	_stop_pid "$NGINX_PID"
	_untrack "$NGINX_PID"
	NGINX_PID=
	NGINX_PORT=
}

# start_stack APP [key=value...]: write_conf, start_fcgiserve, start_nginx.
start_stack() {
	write_conf "$@"
	start_fcgiserve
	start_nginx
}

# ---------------------------------------------------------------- lighttpd

LIGHTTPD_PID=
LIGHTTPD_PORT=
: "${LIGHTTPD_BIN=$(command -v lighttpd 2>/dev/null || echo /usr/sbin/lighttpd)}"

# start_lighttpd [OPTION...]: lighttpd (a second, independent front end:
# mod_fastcgi or mod_scgi by $PROTOCOL) in the foreground of a background
# job on 127.0.0.1:$LIGHTTPD_PORT, passing every path to the daemon at
# $FCGISERVE_LISTEN.  Each OPTION is one more '"key" => value' of the
# backend, e.g. '"fix-root-scriptname" => "enable"'.  Its config, error log
# and empty document root are in $TMP/lighttpd.  Skips when lighttpd is not
# installed (Debian package lighttpd).  As root it stays root: it only
# binds a loopback port above 1024 and reaches the socket in $TMP.
start_lighttpd() {
	local d=$TMP/lighttpd mod key backend opt try
	[ -x "$LIGHTTPD_BIN" ] ||
	    skip "lighttpd not installed (apt-get install lighttpd)"
	[ -z "$LIGHTTPD_PID" ] || fail "start_lighttpd: already running"
	case $PROTOCOL in
	fastcgi) mod=mod_fastcgi key=fastcgi.server ;;
	scgi)	mod=mod_scgi key=scgi.server ;;
	esac
	case $FCGISERVE_LISTEN in
	/*)	backend="\"socket\" => \"$FCGISERVE_LISTEN\"" ;;
	*)	local host=${FCGISERVE_LISTEN%:*}
		host=${host#[}
		host=${host%]}
		backend="\"host\" => \"$host\", \"port\" => ${FCGISERVE_LISTEN##*:}" ;;
	esac
	# Without it lighttpd would look for the path as a file in its
	# document root and answer 404 itself.
	backend+=', "check-local" => "disable"'
	for opt in "$@"; do
		backend+=", $opt"
	done
	mkdir -p "$d/docroot"
	: > "$d/error.log"
	for try in 1 2 3; do
		LIGHTTPD_PORT=$(freeport)
		cat > "$d/lighttpd.conf" <<-CONF
		server.document-root = "$d/docroot"
		server.bind = "127.0.0.1"
		server.port = $LIGHTTPD_PORT
		server.errorlog = "$d/error.log"
		server.modules += ( "$mod" )
		$key = ( "/" => (( $backend )) )
		CONF
		"$LIGHTTPD_BIN" -tt -f "$d/lighttpd.conf" > "$d/configtest.log" 2>&1 ||
		    { cat "$d/configtest.log" >&2; fail "lighttpd -tt rejects $d/lighttpd.conf"; }
		"$LIGHTTPD_BIN" -D -f "$d/lighttpd.conf" < /dev/null \
		    >> "$d/stderr.log" 2>&1 &
		LIGHTTPD_PID=$!
		_track "$LIGHTTPD_PID"
		_front_end_up lighttpd "$LIGHTTPD_PID" "$LIGHTTPD_PORT" \
		    "$d/error.log" "$d/stderr.log" && return 0
		_untrack "$LIGHTTPD_PID"
		LIGHTTPD_PID=
		note "port $LIGHTTPD_PORT was taken; trying another"
	done
	fail "lighttpd could not find a free port"
}

# stop_lighttpd: SIGTERM, then SIGKILL after 5 s.
stop_lighttpd() {
	[ -n "$LIGHTTPD_PID" ] || fail "stop_lighttpd: lighttpd is not running"
	_stop_pid "$LIGHTTPD_PID"
	_untrack "$LIGHTTPD_PID"
	LIGHTTPD_PID=
	LIGHTTPD_PORT=
}

# ---------------------------------------------------------------- HTTP

# _curl PREFIX METHOD PATH [curl args]: one request through nginx (or, when
# HTTP_PORT is set, e.g. "HTTP_PORT=$LIGHTTPD_PORT http GET /x", through the
# front end on that port); writes PREFIX.status, PREFIX.headers,
# PREFIX.body, PREFIX.err.
_curl() {
	local prefix=$1 method=$2 path=$3 code port=${HTTP_PORT:-$NGINX_PORT}
	shift 3
	[ -n "$port" ] || fail "nginx is not running"
	code=$(curl -sS --max-time 20 -X "$method" -D "$prefix.headers" \
	    -o "$prefix.body" -w '%{http_code}' "$@" \
	    "http://127.0.0.1:$port$path" 2> "$prefix.err") ||
	    fail "curl $method $path failed: $(cat "$prefix.err")"
	echo "$code" > "$prefix.status"
}

# http METHOD PATH [curl args]: prints the body; status, headers and body
# are kept for last_status, last_header and the assert_* helpers.
http() {
	_curl "$TMP/last" "$@"
	cat "$TMP/last.body"
}

declare -A _bg=()

# http_bg NAME METHOD PATH [curl args]: the same, in the background.
http_bg() {
	local name=$1
	shift
	_curl "$TMP/bg-$name" "$@" &
	_bg[$name]=$!
	_track "$!"
}

# http_wait NAME: waits for http_bg NAME; its answer becomes the last one.
http_wait() {
	local name=$1 pid=${_bg[$1]} rc=0 f
	wait "$pid" || rc=$?
	_untrack "$pid"
	[ "$rc" -eq 0 ] || fail "background request $name failed"
	for f in status headers body; do
		cp "$TMP/bg-$name.$f" "$TMP/last.$f"
	done
}

# fcgi_request NAME=VALUE...: one request straight to the daemon's socket
# through libfcgi's cgi-fcgi (an independent FastCGI client), with exactly
# these params; its answer becomes the last one, like http's.
fcgi_request() {
	local cgi=${CGI_FCGI:-cgi-fcgi} raw=$TMP/last.raw
	requires "$cgi"
	cgi=$(command -v "$cgi")	# env -i clears PATH
	timeout 10 env -i "$@" "$cgi" -bind -connect "$FCGISERVE_LISTEN" \
	    < /dev/null > "$raw" 2> "$TMP/last.err" || true
	_cgi_response cgi-fcgi "$raw"
}

# _cgi_response CLIENT RAW: splits the CGI response RAW (Status and other
# headers, a blank line, the body) into the last.* files.
_cgi_response() {
	local raw=$2
	tr -d '\r' < "$raw" | sed '/^$/q' > "$TMP/last.headers"
	tr -d '\r' < "$raw" | sed '1,/^$/d' > "$TMP/last.body"
	sed -n 's/^Status: \([0-9]*\).*/\1/p' "$TMP/last.headers" \
	    > "$TMP/last.status"
	[ -s "$TMP/last.status" ] ||
	    fail "$1: no Status line in '$(cat "$raw")' ($(cat "$TMP/last.err" 2>/dev/null))"
}

# scgi_request [-d BODY] NAME=VALUE...: one SCGI request from fcgiclient
# (below) straight to the daemon's listen address $FCGISERVE_LISTEN:
# CONTENT_LENGTH first and SCGI=1, as the protocol wants, then exactly
# these params and BODY.  Its answer becomes the last one, like http's.
scgi_request() {
	local body=() raw=$TMP/last.raw
	if [ "${1:-}" = -d ]; then
		body=(-b "$2")
		shift 2
	fi
	fcgiclient -p scgi -c "$FCGISERVE_LISTEN" -t 10 ${body[@]+"${body[@]}"} \
	    "$@" > "$raw" 2> "$TMP/last.err" ||
	    fail "scgi_request: no complete answer: $(cat "$TMP/last.err") '$(cat "$raw")'"
	_cgi_response scgi_request "$raw"
}

# ---------------------------------------------------------------- raw requests

# For what nginx never sends (a request trickling in, pipelined requests,
# FCGI_ABORT_REQUEST, a bad version byte, half a record, idle
# connections), tests/integration/fcgiclient.c, whose usage is at its
# top, encodes FastCGI and SCGI requests and decodes answers.  A test
# either lets it connect, send and print the answer (-c), or writes its
# bytes itself on a connection it holds (raw_connect), when the timing
# is the point.

# fcgiclient ARG...: the client; run by hand without a build, made here.
fcgiclient() {
	if [ ! -x "$FCGICLIENT" ]; then
		FCGICLIENT=$TMP/fcgiclient
		# shellcheck disable=SC2046
		${CC:-cc} -o "$FCGICLIENT" $(pkg-config --cflags fcgi 2>/dev/null) \
		    "$top_srcdir/tests/integration/fcgiclient.c" ||
		    fail "cannot build fcgiclient"
	fi
	"$FCGICLIENT" "$@"
}

# client_status RC MESSAGE: judges the status RC of "fcgiclient -c": 124
# (the answer did not end within -t) fails with MESSAGE, 2 and 3 (its own
# usage and I/O errors) fail too; 0 and 1 (a request left unanswered) are
# the test's to judge.
client_status() {
	case $1 in
	0|1)	;;
	124)	fail "$2" ;;
	*)	fail "fcgiclient failed (status $1; its message is above)" ;;
	esac
}

# raw_request [OPTION...] NAME=VALUE...: the bytes of one complete request
# in $PROTOCOL, with exactly these params, on stdout.  The OPTIONs are
# fcgiclient's: -k, -i ID, -b BODY, -x BYTES ...
raw_request() {
	fcgiclient -p "$PROTOCOL" "$@"
}

# raw_get PATH [OPTION...] [NAME=VALUE...]: raw_request for GET PATH
# (DOCUMENT_URI, with REQUEST_METHOD and REQUEST_URI as nginx sends them).
raw_get() {
	local path=$1
	shift
	raw_request "$@" REQUEST_METHOD=GET "DOCUMENT_URI=$path" \
	    "REQUEST_URI=$path" SERVER_PROTOCOL=HTTP/1.1
}

# raw_connect FD: opens a TCP connection to $FCGISERVE_LISTEN on FD.
raw_connect() {
	local host=${FCGISERVE_LISTEN%:*} port=${FCGISERVE_LISTEN##*:}
	case $FCGISERVE_LISTEN in
	/*)	fail "raw_connect needs a TCP listen address, not $FCGISERVE_LISTEN" ;;
	esac
	host=${host#[}
	host=${host%]}
	eval "exec $1<> /dev/tcp/$host/$port" ||
	    fail "cannot connect to $FCGISERVE_LISTEN"
}

# raw_read FD SECONDS OUT: everything FD sends until it closes, into OUT;
# false if it did not close within SECONDS.  A reset counts as a close.
raw_read() {
	local rc=0
	timeout "$2" cat <&"$1" > "$3" 2>/dev/null || rc=$?
	[ "$rc" -ne 124 ]
}

# raw_answer FILE: the answer in FILE (as raw_read got it), decoded for
# $PROTOCOL, becomes the last one, like http's; it must be whole (every
# FastCGI request in it ended by END_REQUEST, FCGI_REQUEST_COMPLETE).
raw_answer() {
	fcgiclient -p "$PROTOCOL" -d < "$1" > "$TMP/last.raw" 2> "$TMP/last.err" ||
	    fail "incomplete answer in ${1#"$TMP"/}: $(cat "$TMP/last.err")"
	_cgi_response fcgiclient "$TMP/last.raw"
}

last_status() {
	cat "$TMP/last.status"
}

last_body() {
	cat "$TMP/last.body"
}

# last_header NAME: the values of header NAME (any case), joined by ", ".
last_header() {
	tr -d '\r' < "$TMP/last.headers" | awk -v n="$1" '
	    BEGIN { n = tolower(n) }
	    { i = index($0, ":") }
	    i > 0 && tolower(substr($0, 1, i - 1)) == n {
		v = substr($0, i + 1); sub(/^[ \t]+/, "", v)
		out = out (out == "" ? "" : ", ") v
	    }
	    END { printf "%s", out }'
}

# ---------------------------------------------------------------- asserts

# assert_eq EXPECTED GOT [WHAT]
assert_eq() {
	[ "$1" = "$2" ] ||
	    fail "${3:-value}: expected '$1', got '$2'"
}

# assert_match ERE GOT [WHAT]
assert_match() {
	[[ $2 =~ $1 ]] ||
	    fail "${3:-value}: expected a match for /$1/, got '$2'"
}

assert_no_match() {
	! [[ $2 =~ $1 ]] ||
	    fail "${3:-value}: expected no match for /$1/, got '$2'"
}

assert_status() {
	assert_eq "$1" "$(last_status)" "HTTP status"
}

assert_header() {
	assert_eq "$2" "$(last_header "$1")" "header $1"
}

assert_no_header() {
	local v
	v=$(last_header "$1")
	[ -z "$v" ] || fail "header $1: expected none, got '$v'"
}

assert_body() {
	assert_eq "$1" "$(last_body)" "body"
}

# assert_json FILTER EXPECTED: jq -r -c FILTER over the last body (strings
# print raw, objects and arrays compact with sorted keys).
assert_json() {
	local got
	got=$(jq -r -c -S "$1" < "$TMP/last.body" 2>&1) ||
	    fail "body is not JSON ($got): '$(last_body)'"
	assert_eq "$2" "$got" "jq '$1'"
}

# The error shape every failure has.
assert_error() {
	local status=$1 rid=${2:-}
	assert_status "$status"
	assert_json '.error.status' "$status"
	assert_json '.error.message | type' string
	assert_json '.error.request_id | type' string
	assert_json 'keys' '["error"]'
	[ -z "$rid" ] || assert_json '.error.request_id' "$rid"
}

# ---------------------------------------------------------------- the log

count_log() {
	grep -Ec -- "$1" "$FCGISERVE_LOG" || true
}

assert_log() {
	grep -Eq -- "$1" "$FCGISERVE_LOG" ||
	    fail "fcgiserve log: expected a line matching /$1/, found none"
}

assert_no_log() {
	local l
	if l=$(grep -E -m1 -- "$1" "$FCGISERVE_LOG"); then
		fail "fcgiserve log: expected no line matching /$1/, got '$l'"
	fi
}

# wait_log ERE [SECONDS]: until the log has a matching line.
wait_log() {
	wait_for "${2:-10}" grep -Eq -- "$1" "$FCGISERVE_LOG" ||
	    fail "fcgiserve log: no line matching /$1/ within ${2:-10} s"
}

# ---------------------------------------------------------------- metrics

# assert_metrics FORMAT [FILE]: FILE (default: the last body) is valid
# OpenMetrics (FORMAT openmetrics) or Prometheus text (prometheus), as
# metrics-check.awk reads the two specifications, and ends with a newline.
assert_metrics() {
	local format=$1 f=${2:-$TMP/last.body} out
	[ -s "$f" ] || fail "$format exposition: empty"
	[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
	    fail "$format exposition: does not end with a newline"
	out=$(awk -v format="$format" \
	    -f "$top_srcdir/tests/integration/metrics-check.awk" "$f" 2>&1) ||
	    fail "$format exposition is malformed:"$'\n'"$out"
}

# metric NAME [LABELS]: the value of sample NAME{pool="test"LABELS} in the
# last body (an exposition); LABELS is e.g. ',class="2xx"'.
metric() {
	awk -v key="$1{pool=\"test\"${2:-}}" '$1 == key { print $2; n++ }
	    END { exit n == 1 ? 0 : 1 }' "$TMP/last.body" ||
	    fail "no single sample $1{pool=\"test\"${2:-}} in the exposition"
}
