#!/bin/bash
# A reload that cannot succeed changes nothing: with a syntax error or an
# unknown key in the configuration, a socket or error_log that cannot be
# opened, or a Lua syntax error in the app,
# the log names the file and line, the old app keeps answering through
# nginx and the old workers are still the ones running.  Once the errors
# are fixed, the next SIGHUP loads the new app.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl

app() {
	printf '%s\n' "$@" > "$TMP/app.lua.new"
	mv "$TMP/app.lua.new" "$TMP/app.lua"
}
app 'return function() return fcgiserve.response{ body = "v1" } end'
start_stack api.lua "app=$TMP/app.lua" workers=2
http GET /x > /dev/null
assert_body v1
workers=$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ' | sort | xargs)
assert_match '^[0-9]+ [0-9]+$' "$workers" "the two workers"
cp "$TMP/fcgiserve.conf" "$TMP/good.conf"

# hup_fails N WHAT: SIGHUP, then the Nth "reload failed" line; nothing
# else changed.
failures_logged() {
	[ "$(count_log 'reload failed')" -ge "$1" ]
}
hup_fails() {
	kill -HUP "$FCGISERVE_PID"
	wait_for 10 failures_logged "$1" ||
	    fail "$2: no 'reload failed' in the log"
	sleep 0.5	# let anything that would go wrong go wrong
	assert_log 'reload failed; still serving configuration #1, its workers untouched'
	http GET /x > /dev/null
	assert_status 200
	assert_body v1
	assert_eq "$workers" \
	    "$(ps -o pid= --ppid "$FCGISERVE_PID" | tr -d ' ' | sort | xargs)" \
	    "worker pids after the failed reload ($2)"
	assert_no_log 'configuration #2'
}

# A line that is not "key = value", after the last line of the good file.
line=$(($(wc -l < "$TMP/good.conf") + 1))
{ cat "$TMP/good.conf"; echo "this is not a setting"; } > "$TMP/fcgiserve.conf"
hup_fails 1 "config syntax error"
assert_log "fcgiserve\\.conf:$line: expected 'key = value', got 'this is not a setting'"

# An unknown key in the pool.
sed 's/^workers = 2$/wrokers = 3/' "$TMP/good.conf" > "$TMP/fcgiserve.conf"
hup_fails 2 "unknown key"
assert_log "fcgiserve\\.conf:[0-9]+: unknown key 'wrokers' in \\[pool test\\]"

# A second pool whose socket cannot be created.
{ cat "$TMP/good.conf"; printf '[pool two]\nlisten = %s\napp = %s\nallow_root = yes\n' \
    "$TMP/no/such/dir/two.sock" "$TMP/app.lua"; } > "$TMP/fcgiserve.conf"
hup_fails 3 "listen in a missing directory"
assert_log "pool two: listen on $TMP/no/such/dir/two\\.sock: No such file or directory"

# An error_log that cannot be opened: the log stays where it was.
sed "s|^\[global\]\$|[global]\nerror_log = $TMP/no/such/dir/error.log|" \
    "$TMP/good.conf" > "$TMP/fcgiserve.conf"
grep -q '^error_log = ' "$TMP/fcgiserve.conf" || fail "sed did not add error_log"
hup_fails 4 "error_log in a missing directory"
assert_log "error_log $TMP/no/such/dir/error\\.log: No such file or directory"

# The app with a Lua syntax error on line 2.
cp "$TMP/good.conf" "$TMP/fcgiserve.conf"
app 'return function()' '  return fcgiserve.response{ body = "v2" ' 'end'
hup_fails 5 "Lua syntax error"
assert_log "pool test: .*app\\.lua:3: .*expected"

# Fixed: the reload goes through.
app 'return function() return fcgiserve.response{ body = "v2" } end'
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #1 have all exited'
http GET /x > /dev/null
assert_body v2
stop_fcgiserve
