#!/bin/bash
# Reloads that add a pool, change a pool's workers, rename a pool (same
# listen: the socket is kept and nginx never notices), remove a pool, and
# change the global log_level and error_log.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq "${CGI_FCGI:-cgi-fcgi}"
requires_protocol fastcgi	# cgi-fcgi reaches the second pool

conf() {	# conf GLOBALS POOL... (each "name listen app workers")
	local g=$1 name listen app workers
	shift
	{
		printf '[global]\nshutdown_timeout = 5s\n%b\n' "$g"
		for p in "$@"; do
			read -r name listen app workers <<< "$p"
			printf '[pool %s]\nlisten = %s\napp = %s\nworkers = %s\n' \
			    "$name" "$listen" "$APPS/$app" "$workers"
			printf 'allow_root = yes\n\n'
		done
	} > "$TMP/fcgiserve.conf"
}
nworkers() {
	ps -o pid= --ppid "$FCGISERVE_PID" | wc -l
}

conf 'log_level = debug' "a $TMP/a.sock api.lua 1"
start_fcgiserve
start_nginx "unix:$TMP/a.sock"
http GET /hello/one > /dev/null
assert_json .greeting 'hello one'
assert_eq 1 "$(nworkers)" "workers"

# Add pool b; pool a goes to 2 workers.
conf 'log_level = debug' "a $TMP/a.sock api.lua 2" "b $TMP/b.sock function.lua 1"
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #1 have all exited'
wait_for 5 test -S "$TMP/b.sock" || fail "pool b has no socket"
http GET /hello/two > /dev/null
assert_json .greeting 'hello two'
FCGISERVE_LISTEN=$TMP/b.sock
fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/b
assert_status 200
assert_json .app function
assert_eq 3 "$(nworkers)" "workers of a (2) and b (1)"

# Rename a to c (same socket, 3 workers), drop b, log elsewhere at info.
conf "log_level = info\nerror_log = $TMP/new.log" "c $TMP/a.sock api.lua 3"
kill -HUP "$FCGISERVE_PID"
wait_for 10 grep -q 'reload: the workers of configuration #2 have all exited' \
    "$TMP/new.log" 2> /dev/null || fail "the reload did not complete in new.log"
[ ! -e "$TMP/b.sock" ] || fail "pool b's socket is still there"
grep -q "pool c: listening on $TMP/a.sock (fastcgi, socket kept, 3 workers)" \
    "$TMP/new.log" || fail "pool c did not keep pool a's socket"
http GET /explode -H 'X-Request-Id: in-new-log' > /dev/null
assert_status 500
assert_eq 3 "$(nworkers)" "workers of c"
wait_for 5 grep -q 'pool c: rid=in-new-log' "$TMP/new.log" ||
    fail "pool c's worker does not log to the new error_log"
! grep -q ' debug ' "$TMP/new.log" || fail "debug lines at log_level = info"
assert_no_log 'rid=in-new-log'
stop_fcgiserve
grep -q 'stopped' "$TMP/new.log" || fail "'stopped' not in the new error_log"
