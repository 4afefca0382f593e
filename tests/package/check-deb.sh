#!/bin/bash
# check-deb.sh -- the Debian package, end to end (make check-deb).
#
#  1. copies the distribution (make distdir) to a temp dir, so the source
#     tree stays clean, and builds it with dpkg-buildpackage -us -uc -b
#     (running make check unless DEB_BUILD_OPTIONS has nocheck);
#  2. lints the .deb and the .changes: no lintian error or warning;
#  3. installs the .deb with apt-get, with nginx;
#  4. runs the installed daemon the way fcgiserve.service does (systemd is
#     not PID 1 here: its ExecStartPre and ExecStart lines, under the
#     unit's capability bounding set and NoNewPrivileges, with the
#     RuntimeDirectory made by hand), and nginx as www-data with the
#     shipped snippets; GET /hello/world must answer the example app's JSON;
#     then logrotate, the SQLite example of fcgiserve-lua(7) writing to
#     /var/lib/fcgiserve, and the sysvinit script;
#  5. removes and purges the package and checks what is left.
#
# Needs root and apt (Debian 12).  Every process it starts is stopped by
# PID; whatever it added to the system is taken away again (build
# dependencies, nginx and lintian stay installed).  KEEP_TMP=1 keeps the
# temp dir.  Ends with "N passed, N failed".

set -euo pipefail

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MAKE:=make}"
export DEBIAN_FRONTEND=noninteractive
unset NGINX		# nginx reads it as inherited sockets

START=$(date +%s)
PASSED=0
FAILED=0

note() { printf '# %s\n' "$*" >&2; }
ok() { PASSED=$((PASSED + 1)); printf 'ok %d - %s\n' "$PASSED" "$*"; }
FAILURES=()		# every failed check, repeated at the end
# fail WHAT: a step the rest depends on failed; the test stops here.
fail() {
	FAILED=$((FAILED + 1))
	FAILURES+=("$*")
	printf 'FAIL: check-deb: %s\n' "$*" >&2
	exit 1
}
# check WHAT CMD...: CMD must succeed; a failure is counted and reported,
# and the test goes on, so one run shows every failing check.
check() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		FAILED=$((FAILED + 1))
		FAILURES+=("$what")
		printf 'FAIL: check-deb: %s\n' "$what" >&2
	fi
}

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and purges the package"
command -v apt-get > /dev/null || fail "apt-get not found (Debian only)"
if dpkg-query -W -f='${db:Status-Status}' fcgiserve 2> /dev/null |
    grep -qv '^not-installed$'; then
	fail "fcgiserve is installed on this machine; the test would purge it"
fi
[ ! -e /etc/fcgiserve ] || fail "/etc/fcgiserve exists; the test would delete it"

TMP=$(mktemp -d /tmp/check-deb.XXXXXX)
chmod 0755 "$TMP"	# nginx's and fcgiserve's workers read files here

PIDS=()			# processes started here, stopped in reverse order
INSTALLED=		# the package was installed by this test
MADE_POLICY=		# /usr/sbin/policy-rc.d was created by this test
MADE_RUNDIR=		# /run/fcgiserve was created by this test
HAD_USER=		# the fcgiserve user existed before
getent passwd fcgiserve > /dev/null && HAD_USER=1

pid_alive() {
	local s
	read -r s 2> /dev/null < "/proc/$1/stat" || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# descendants PID: every live process below PID.
descendants() {
	local p s out=" $1 " more=1
	while [ -n "$more" ]; do
		more=
		for p in /proc/[0-9]*; do
			p=${p#/proc/}
			read -r s 2> /dev/null < "/proc/$p/stat" || continue
			s=${s##*) }
			s=${s#* }
			case $out in *" ${s%% *} "*) ;; *) continue ;; esac
			case $out in *" $p "*) continue ;; esac
			out+="$p "
			more=1
		done
	done
	out=${out# "$1" }
	echo $out
}

wait_gone() {	# wait_gone PID SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		pid_alive "$1" || return 0
		sleep 0.1
	done
	! pid_alive "$1"
}

# stop_pid PID: SIGTERM, then SIGKILL for it and its tree after 15 s.
stop_pid() {
	local tree
	pid_alive "$1" || { wait "$1" 2> /dev/null || true; return 0; }
	tree=$(descendants "$1")
	kill -TERM "$1" 2> /dev/null || true
	if ! wait_gone "$1" 15; then
		note "process $1 ignored SIGTERM; SIGKILL"
		kill -KILL "$1" $tree 2> /dev/null || true
	fi
	wait "$1" 2> /dev/null || true
}

cleanup() {
	local rc=$? i p
	set +e
	trap - EXIT
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		p=${PIDS[$i]}
		[ -n "$p" ] && stop_pid "$p"
	done
	if [ -s /run/fcgiserve.pid ] && [ -n "$INSTALLED" ]; then
		p=$(cat /run/fcgiserve.pid)
		[ "$(readlink "/proc/$p/exe" 2> /dev/null)" != /usr/sbin/fcgiserve ] ||
		    stop_pid "$p"
		rm -f /run/fcgiserve.pid
	fi
	if [ -n "$INSTALLED" ]; then
		apt-get purge -y -qq fcgiserve > "$TMP/cleanup-purge.log" 2>&1 ||
		    dpkg --purge fcgiserve > /dev/null 2>&1
	fi
	if [ -z "$HAD_USER" ] && getent passwd fcgiserve > /dev/null; then
		userdel fcgiserve 2> /dev/null
		getent group fcgiserve > /dev/null && groupdel fcgiserve 2> /dev/null
	fi
	[ -z "$MADE_POLICY" ] || rm -f /usr/sbin/policy-rc.d
	[ -z "$MADE_RUNDIR" ] || rm -rf /run/fcgiserve
	if [ "$rc" -ne 0 ]; then
		for f in build.log lintian.log install.log fcgiserve.stderr \
		    nginx/error.log notes.stderr; do
			[ -s "$TMP/$f" ] || continue
			printf -- '--- %s (last 40 lines)\n' "$f" >&2
			tail -n 40 "$TMP/$f" >&2
		done
		[ -s /var/log/fcgiserve/error.log ] &&
		    tail -n 20 /var/log/fcgiserve/error.log >&2
	fi
	if [ -n "${KEEP_TMP:-}" ]; then
		note "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	[ "$rc" -eq 0 ] || FAILED=$((FAILED > 0 ? FAILED : 1))
	[ "$FAILED" -eq 0 ] || rc=1
	echo "check-deb: $(($(date +%s) - START)) s"
	for f in "${FAILURES[@]}"; do
		printf 'FAIL: check-deb: %s\n' "$f"
	done
	echo "$PASSED passed, $FAILED failed"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------ build

note "apt-get update"
apt-get update -qq > "$TMP/apt-update.log" 2>&1 || fail "apt-get update"

SRC=$TMP/src
"$MAKE" -s -C "$top_builddir" distdir distdir="$SRC" > "$TMP/distdir.log" 2>&1 ||
    { cat "$TMP/distdir.log" >&2; fail "make distdir"; }
VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version)
UPSTREAM=${VERSION%-*}
ARCH=$(dpkg --print-architecture)
check "debian/changelog version $VERSION matches configure's ${PACKAGE_VERSION:-$UPSTREAM}" \
    test "$UPSTREAM" = "${PACKAGE_VERSION:-$UPSTREAM}"

note "installing the build dependencies and lintian"
apt-get build-dep -y -qq "$SRC" > "$TMP/build-dep.log" 2>&1 ||
    { cat "$TMP/build-dep.log" >&2; fail "apt-get build-dep"; }
apt-get install -y -qq --no-install-recommends lintian man-db logrotate \
    lua-sql-sqlite3 > "$TMP/tools.log" 2>&1 ||
    { cat "$TMP/tools.log" >&2; fail "installing lintian, man-db, logrotate"; }

note "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS:-}')"
t=$(date +%s)
(cd "$SRC" && dpkg-buildpackage -us -uc -b) > "$TMP/build.log" 2>&1 ||
    fail "dpkg-buildpackage (see build.log above)"
note "built in $(($(date +%s) - t)) s"
DEB=$TMP/fcgiserve_${VERSION}_${ARCH}.deb
CHANGES=$TMP/fcgiserve_${VERSION}_${ARCH}.changes
check "dpkg-buildpackage made $(basename "$DEB")" test -s "$DEB"
case " ${DEB_BUILD_OPTIONS:-} " in
*" nocheck "*) ;;
*)	check "the build ran make check, and it passed" \
	    grep -Eq '^# FAIL: +0$' "$TMP/build.log"
	check "make check ran tests during the build" \
	    grep -Eq '^# PASS: +[1-9]' "$TMP/build.log" ;;
esac
check "fcgiserve is linked dynamically with Lua, jansson and libevent" \
    bash -c "dpkg-deb -f '$DEB' Depends | grep -q liblua5.4 &&
	dpkg-deb -f '$DEB' Depends | grep -q libjansson &&
	dpkg-deb -f '$DEB' Depends | grep -q libevent"

note "lintian"
lintian --fail-on error,warning --display-info --tag-display-limit 0 \
    "$DEB" "$CHANGES" > "$TMP/lintian.log" 2>&1 ||
    { cat "$TMP/lintian.log" >&2; fail "lintian reports errors or warnings"; }
ok "lintian: no error, no warning"
# Whatever lintian still says (info tags) is shown, minus its root notice.
grep -v '^running with root privileges' "$TMP/lintian.log" | sed 's/^/#   /' >&2 || true

# ------------------------------------------------------------ install

# Keep maintainer scripts from starting services (Docker images have this
# file already); the test starts the daemon itself.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	MADE_POLICY=1
fi
want=$DEB
[ -x /usr/sbin/nginx ] || want="$want nginx"
note "apt-get install $want"
INSTALLED=1
apt-get install -y -qq $want > "$TMP/install.log" 2>&1 ||
    fail "apt-get install $want"
check "fcgiserve $VERSION is installed" test "$(dpkg-query -W -f='${Version}' fcgiserve)" = "$VERSION"
check "/usr/sbin/fcgiserve -V says $UPSTREAM" \
    test "$(/usr/sbin/fcgiserve -V)" = "fcgiserve $UPSTREAM"

conffiles=$(dpkg-query -W -f='${Conffiles}\n' fcgiserve)
for f in /etc/fcgiserve/fcgiserve.conf /etc/fcgiserve/apps/example.lua \
    /etc/logrotate.d/fcgiserve /etc/init.d/fcgiserve; do
	check "conffile $f" grep -q "^ $f " <<< "$conffiles"
done
check "conffile /etc/fcgiserve/apps/notes-pg.lua (the PostgreSQL example)" \
    grep -q "^ /etc/fcgiserve/apps/notes-pg.lua " <<< "$conffiles"
CONF=/etc/fcgiserve/fcgiserve.conf
check "the config's pool listens on /run/fcgiserve/fcgiserve.sock" \
    grep -qx 'listen = /run/fcgiserve/fcgiserve.sock' "$CONF"
check "the config's pool serves /etc/fcgiserve/apps/example.lua" \
    grep -qx 'app = /etc/fcgiserve/apps/example.lua' "$CONF"
check "the config's pool runs as fcgiserve:www-data" \
    bash -c "grep -qx 'user = fcgiserve' $CONF && grep -qx 'group = www-data' $CONF"
check "the config's pool has the sandbox on, writing to /var/lib/fcgiserve" \
    bash -c "grep -qx 'sandbox = on' $CONF && grep -qx 'sandbox_write = /var/lib/fcgiserve' $CONF"
for f in /lib/systemd/system/fcgiserve.service \
    /usr/share/fcgiserve/nginx/fcgiserve-site.conf \
    /usr/share/fcgiserve/nginx/fcgiserve-cors.conf \
    /usr/share/fcgiserve/nginx/fcgiserve_params \
    /usr/share/fcgiserve/nginx/fcgiserve-upstream.conf \
    /usr/share/doc/fcgiserve/README.Debian \
    /usr/share/lua/5.4/fcgiserve/test.lua \
    /usr/share/doc/fcgiserve/copyright; do
	check "installs $f" test -f "$f"
done
check "system user fcgiserve" bash -c \
    'u=$(id -u fcgiserve) && [ "$u" -lt 1000 ] && [ "$(id -gn fcgiserve)" = fcgiserve ]'
check "/var/lib/fcgiserve is fcgiserve:fcgiserve 750" \
    test "$(stat -c '%U:%G %a' /var/lib/fcgiserve)" = "fcgiserve:fcgiserve 750"
check "/var/log/fcgiserve/error.log is fcgiserve:adm 640" \
    test "$(stat -c '%U:%G %a' /var/log/fcgiserve/error.log)" = "fcgiserve:adm 640"
check "man -w fcgiserve finds the installed page" \
    test "$(man -w fcgiserve)" = /usr/share/man/man8/fcgiserve.8.gz
check "man -w fcgiserve.conf finds section 5" \
    test "$(man -w 5 fcgiserve.conf)" = /usr/share/man/man5/fcgiserve.conf.5.gz
check "man -w fcgiserve-lua finds section 7" \
    test "$(man -w 7 fcgiserve-lua)" = /usr/share/man/man7/fcgiserve-lua.7.gz
# What the page promises: every signal its SIGNALS section documents in
# the source (.It Dv SIGHUP ...) is in the installed page's SIGNALS section.
MAN_SIGNALS=$(awk '/^\.Sh SIGNALS/ { s = 1; next } /^\.Sh/ { s = 0 }
    s && /^\.It Dv / { for (i = 3; i <= NF; i++) if ($i ~ /^SIG/) print $i }' \
    "$top_srcdir/man/fcgiserve.8")
MANPAGER=cat MANWIDTH=80 man fcgiserve 2> /dev/null |
    sed -n '/^SIGNALS/,/^[A-Z]/p' > "$TMP/man-signals.txt" || true
check "fcgiserve.8's source documents signals" test -n "$MAN_SIGNALS"
for sig in $MAN_SIGNALS; do
	check "man fcgiserve: SIGNALS documents $sig" \
	    grep -qw "$sig" "$TMP/man-signals.txt"
done
if command -v systemd-analyze > /dev/null; then
	check "systemd-analyze verify fcgiserve.service" \
	    systemd-analyze verify --man=no /lib/systemd/system/fcgiserve.service
fi

# ------------------------------------------------------------ run (systemd unit)

UNIT=/lib/systemd/system/fcgiserve.service
unit_key() { sed -n "s/^$1=//p" "$UNIT"; }
PRE=$(unit_key ExecStartPre)
START_CMD=$(unit_key ExecStart)
[ -n "$PRE" ] && [ -n "$START_CMD" ] || fail "no ExecStartPre/ExecStart in $UNIT"
# The unit's CapabilityBoundingSet and NoNewPrivileges, through setpriv.
SANDBOX=()
if command -v setpriv > /dev/null; then
	caps=$(unit_key CapabilityBoundingSet | tr 'A-Z ' 'a-z\n' |
	    sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd,)
	SANDBOX=(setpriv --bounding-set "-all,$caps")
	[ "$(unit_key NoNewPrivileges)" != yes ] || SANDBOX+=(--no-new-privs)
fi
UMASK=$(unit_key UMask)

if [ ! -d /run/fcgiserve ]; then
	MADE_RUNDIR=1
fi
install -d -m "$(unit_key RuntimeDirectoryMode)" /run/fcgiserve	# RuntimeDirectory=
[ ! -e /run/fcgiserve/fcgiserve.sock ] ||
    fail "/run/fcgiserve/fcgiserve.sock exists: is another fcgiserve running?"

check "ExecStartPre: $PRE" "${SANDBOX[@]}" $PRE
( umask "${UMASK:-0022}"; exec "${SANDBOX[@]}" $START_CMD ) \
    < /dev/null >> "$TMP/fcgiserve.stderr" 2>&1 &
FCGI_PID=$!
PIDS+=("$FCGI_PID")
note "started $START_CMD as pid $FCGI_PID"
for ((i = 0; i < 100; i++)); do
	[ -S /run/fcgiserve/fcgiserve.sock ] && break
	pid_alive "$FCGI_PID" || fail "fcgiserve exited at start-up"
	sleep 0.1
done
check "the daemon listens on /run/fcgiserve/fcgiserve.sock" \
    test -S /run/fcgiserve/fcgiserve.sock
check "the socket is fcgiserve:www-data 660" \
    test "$(stat -c '%U:%G %a' /run/fcgiserve/fcgiserve.sock)" = "fcgiserve:www-data 660"
sleep 0.3
workers=$(ps -o uid=,gid= --ppid "$FCGI_PID" | sort -u)
check "the workers run as fcgiserve:www-data" \
    test "$(echo $workers)" = "$(id -u fcgiserve) $(getent group www-data | cut -d: -f3)"
check "the daemon logs to /var/log/fcgiserve/error.log" \
    grep -q 'listening on /run/fcgiserve/fcgiserve.sock' /var/log/fcgiserve/error.log
for ((i = 0; i < 50; i++)); do
	grep -q 'pool example: sandbox: no_new_privs, seccomp' \
	    /var/log/fcgiserve/error.log && break
	sleep 0.1
done
check "the example pool's workers are in the sandbox (the log says what it holds)" \
    grep -q 'pool example: sandbox: no_new_privs, seccomp' /var/log/fcgiserve/error.log

# ------------------------------------------------------------ nginx

N=$TMP/nginx
mkdir -p "$N/temp"
# As README.Debian says: fcgiserve_params next to fastcgi_params, the
# http-level maps and the site included in http {}.
ln -s /etc/nginx/fastcgi_params "$N/fastcgi_params"
ln -s /usr/share/fcgiserve/nginx/fcgiserve_params "$N/fcgiserve_params"
ln -s /usr/share/fcgiserve/nginx/fcgiserve-cors.conf "$N/fcgiserve-cors.conf"

port_free() {
	! grep -q ":$(printf '%04X' "$1") [0-9A-F]*:0000 0A " /proc/net/tcp /proc/net/tcp6
}
NGINX_PID=
for try in 1 2 3 4 5; do
	PORT=$((20000 + RANDOM % 40000))
	port_free "$PORT" || continue
	sed -e "s|^\([[:space:]]*\)listen 80;|\1listen 127.0.0.1:$PORT;|" \
	    -e '/^[[:space:]]*listen \[::\]:80;/d' \
	    /usr/share/fcgiserve/nginx/fcgiserve-site.conf > "$N/fcgiserve-site.conf"
	grep -q "listen 127.0.0.1:$PORT;" "$N/fcgiserve-site.conf" ||
	    fail "fcgiserve-site.conf has no 'listen 80;' line to substitute"
	cat > "$N/nginx.conf" <<-EOF
	user www-data;
	daemon off;
	worker_processes 1;
	pid $N/nginx.pid;
	error_log $N/error.log info;
	events { worker_connections 64; }
	http {
	    access_log off;
	    client_body_temp_path $N/temp/body;
	    fastcgi_temp_path $N/temp/fastcgi;
	    proxy_temp_path $N/temp/proxy;
	    scgi_temp_path $N/temp/scgi;
	    uwsgi_temp_path $N/temp/uwsgi;
	    include fcgiserve-cors.conf;
	    include fcgiserve-site.conf;
	}
	EOF
	nginx -t -q -e "$N/error.log" -p "$N/" -c "$N/nginx.conf" > "$N/configtest.log" 2>&1 ||
	    { cat "$N/configtest.log" >&2; fail "nginx -t rejects the shipped snippets"; }
	nginx -e "$N/error.log" -p "$N/" -c "$N/nginx.conf" < /dev/null > "$N/stderr.log" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	for ((i = 0; i < 50; i++)); do
		port_free "$PORT" || break
		pid_alive "$NGINX_PID" || break
		sleep 0.1
	done
	! port_free "$PORT" && break
	stop_pid "$NGINX_PID"
	NGINX_PID=
done
[ -n "$NGINX_PID" ] || fail "nginx did not start"
ok "nginx (user www-data) runs the shipped site on 127.0.0.1:$PORT"

URL=http://127.0.0.1:$PORT
get() {	# get PATH [curl args]: body to $TMP/body, headers to $TMP/headers
	local path=$1
	shift
	curl -sS --max-time 10 -D "$TMP/headers" -o "$TMP/body" \
	    -w '%{http_code}' "$@" "$URL$path"
}
header() { tr -d '\r' < "$TMP/headers" | sed -n "s/^$1: //Ip"; }

check "GET /hello/world answers 200" test "$(get /hello/world)" = 200
check "GET /hello/world answers {\"greeting\":\"hello world\"}" \
    test "$(jq -c . "$TMP/body")" = '{"greeting":"hello world"}'
check "... as application/json" test "$(header Content-Type)" = application/json
RID=$(header X-Request-Id)
check "... with an X-Request-Id" test -n "$RID"
check "GET /items/9 answers 404" test "$(get /items/9)" = 404
check "... in the error shape, with the request id" \
    test "$(jq -cS . "$TMP/body")" = "{\"error\":{\"message\":\"no such item\",\"request_id\":\"$(header X-Request-Id)\",\"status\":404}}"
check "POST /items answers 201" test "$(get /items -X POST \
    -H 'Content-Type: application/json' -d '{"name":"pen","price":1.5}')" = 201
check "... with Location /items/2" test "$(header Location)" = /items/2
if command -v cgi-fcgi > /dev/null; then
	# The example of fcgiserve(8), without nginx.
	out=$(env -i REQUEST_METHOD=GET DOCUMENT_URI=/hello/world QUERY_STRING= \
	    cgi-fcgi -bind -connect /run/fcgiserve/fcgiserve.sock | tr -d '\r' | tail -n 1)
	check "fcgiserve(8)'s cgi-fcgi example answers" \
	    test "$out" = '{"greeting":"hello world"}'
fi

# ------------------------------------------------------------ logrotate

LOG=/var/log/fcgiserve/error.log
logrotate -f -s "$TMP/logrotate.state" /etc/logrotate.d/fcgiserve > "$TMP/logrotate.log" 2>&1 ||
    { cat "$TMP/logrotate.log" >&2; fail "logrotate -f /etc/logrotate.d/fcgiserve"; }
check "logrotate moved the log to error.log.1" test -s "$LOG.1"
check "logrotate created a new error.log, fcgiserve:adm 640" \
    test "$(stat -c '%U:%G %a' "$LOG")" = "fcgiserve:adm 640"
# What postrotate does under systemd: systemctl kill --kill-who=main -s USR1.
kill -USR1 "$FCGI_PID"
for ((i = 0; i < 50; i++)); do
	get /items -X POST -H 'Content-Type: application/json' \
	    -d '{"name":"after-rotate"}' > /dev/null
	grep -q 'created item 2: after-rotate' "$LOG" && break
	sleep 0.1
done
check "after SIGUSR1 the workers (as fcgiserve) write to the new error.log" \
    grep -q 'created item 2: after-rotate' "$LOG"

# ------------------------------------------------------------ SQLite example

# The SQLite example of fcgiserve-lua(7), as installed, in a second
# daemon under the package's user: it must be able to write its database
# to /var/lib/fcgiserve.
zcat /usr/share/man/man7/fcgiserve-lua.7.gz |
    sed -n '/^Notes kept in SQLite/,/^\.Ed/p' | sed -e '/^\./d' -e '1,/^inside/d' \
    -e 's/\\e/\\/g' > "$TMP/notes.lua"
check "fcgiserve-lua(7) has the SQLite example" grep -q 'luasql.sqlite3' "$TMP/notes.lua"
cat > "$TMP/notes.conf" <<EOF
[global]
error_log = stderr
[pool notes]
listen = $TMP/notes.sock
app = $TMP/notes.lua
workers = 1
user = fcgiserve
group = www-data
sandbox = on
sandbox_write = /var/lib/fcgiserve
EOF
chmod 0644 "$TMP/notes.lua" "$TMP/notes.conf"
rm -f /var/lib/fcgiserve/notes.db
( umask "${UMASK:-0022}"; exec "${SANDBOX[@]}" /usr/sbin/fcgiserve -c "$TMP/notes.conf" ) \
    < /dev/null > "$TMP/notes.stderr" 2>&1 &
NOTES_PID=$!
PIDS+=("$NOTES_PID")
for ((i = 0; i < 100; i++)); do
	[ -S "$TMP/notes.sock" ] && break
	pid_alive "$NOTES_PID" || fail "the SQLite example's daemon exited"
	sleep 0.1
done
notes() {	# notes METHOD [BODY]: the body of the answer
	local body=${2:-}
	env -i REQUEST_METHOD="$1" DOCUMENT_URI=/notes QUERY_STRING= \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
	    cgi-fcgi -bind -connect "$TMP/notes.sock" <<< "$body" |
	    tr -d '\r' | sed '1,/^$/d'
}
if command -v cgi-fcgi > /dev/null; then
	check "SQLite example: POST /notes" \
	    test "$(notes POST '{"text":"it'"'"'s kept"}' | jq -cS .)" = '{"id":1,"text":"it'"'"'s kept"}'
	check "SQLite example: GET /notes" \
	    test "$(notes GET | jq -cS .)" = '{"notes":[{"id":1,"text":"it'"'"'s kept"}]}'
	check "SQLite example: the database is fcgiserve's, in /var/lib/fcgiserve" \
	    test "$(stat -c %U /var/lib/fcgiserve/notes.db)" = fcgiserve
	check "SQLite example: served with the sandbox on" \
	    grep -q 'pool notes: sandbox: no_new_privs, seccomp' "$TMP/notes.stderr"
fi
stop_pid "$NOTES_PID"

# ------------------------------------------------------------ graceful stop

tree=$(descendants "$FCGI_PID")
kill -TERM "$FCGI_PID"
wait_gone "$FCGI_PID" 15 || fail "fcgiserve still runs 15 s after SIGTERM"
rc=0
wait "$FCGI_PID" || rc=$?
check "SIGTERM: the daemon exits 0" test "$rc" -eq 0
left=
for p in $tree; do
	wait_gone "$p" 2 || left+=" $p"
done
check "SIGTERM: no worker or child is left" test -z "$left"
check "SIGTERM: the socket is removed" test ! -e /run/fcgiserve/fcgiserve.sock

# ------------------------------------------------------------ sysvinit

check "/etc/init.d/fcgiserve start" /etc/init.d/fcgiserve start
for ((i = 0; i < 100; i++)); do
	[ -S /run/fcgiserve/fcgiserve.sock ] && break
	sleep 0.1
done
INIT_PID=$(cat /run/fcgiserve.pid 2> /dev/null || true)
check "init script: the pid file names the daemon" \
    test "$(readlink "/proc/$INIT_PID/exe" 2> /dev/null)" = /usr/sbin/fcgiserve
PIDS+=("$INIT_PID")
check "init script: GET /hello/world through nginx" test "$(get /hello/world)" = 200
check "/etc/init.d/fcgiserve status" bash -c '/etc/init.d/fcgiserve status > /dev/null'
check "/etc/init.d/fcgiserve rotate" /etc/init.d/fcgiserve rotate
check "/etc/init.d/fcgiserve stop" bash -c '/etc/init.d/fcgiserve stop > /dev/null'
check "init script: the daemon is gone" wait_gone "$INIT_PID" 5
check "/etc/init.d/fcgiserve status says stopped" bash -c \
    '/etc/init.d/fcgiserve status > /dev/null; [ $? -eq 3 ]'

stop_pid "$NGINX_PID"

# ------------------------------------------------------------ remove, purge

apt-get remove -y -qq fcgiserve > "$TMP/remove.log" 2>&1 || fail "apt-get remove fcgiserve"
check "remove: /usr/sbin/fcgiserve is gone" test ! -e /usr/sbin/fcgiserve
check "remove: the configuration stays" test -f "$CONF"
check "remove: the data stays" test -f /var/lib/fcgiserve/notes.db

apt-get purge -y -qq fcgiserve > "$TMP/purge.log" 2>&1 || fail "apt-get purge fcgiserve"
INSTALLED=
check "purge: dpkg forgets fcgiserve" bash -c \
    "! dpkg-query -W -f='\${db:Status-Status}' fcgiserve 2> /dev/null | grep -qv '^not-installed\$'"
for f in /etc/fcgiserve /var/lib/fcgiserve /var/log/fcgiserve \
    /etc/logrotate.d/fcgiserve /etc/init.d/fcgiserve \
    /lib/systemd/system/fcgiserve.service \
    /etc/systemd/system/multi-user.target.wants/fcgiserve.service \
    /usr/share/fcgiserve /usr/share/man/man8/fcgiserve.8.gz; do
	check "purge: $f is gone" test ! -e "$f"
done
check "purge: no rc.d links are left" bash -c '! ls /etc/rc?.d/*fcgiserve > /dev/null 2>&1'
check "purge: the fcgiserve user is kept (Debian practice)" getent passwd fcgiserve
