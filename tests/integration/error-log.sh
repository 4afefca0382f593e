#!/bin/bash
# The error log: every line, from the master, a worker or a request child,
# is "TIME LEVEL [PID] pool NAME: rid=ID: message" (pool and rid where
# they apply); a child's lines carry its own pid and the request id; and
# log_level drops what is less severe.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (error|warn|info|debug) \[[0-9]+\] (pool test: )?(rid=[A-Za-z0-9._:-]+: )?[^ ]'

# every_line_formatted: no line of the log breaks the format.
every_line_formatted() {
	local bad
	bad=$(grep -Ev -- "$LINE" "$FCGISERVE_LOG" | head -5)
	[ -z "$bad" ] || fail "error log lines not in the format: $bad"
}

start_stack api.lua log_level=debug
http GET /hello/x -H 'X-Request-Id: el-ok' > /dev/null
assert_status 200
http GET /explode -H 'X-Request-Id: el-500' > /dev/null
assert_error 500 el-500
http GET '/log?level=warn&msg=from%20the%20handler' -H 'X-Request-Id: el-lua' > /dev/null
assert_status 200
http GET '/warn?msg=lua-said-so' -H 'X-Request-Id: el-warn' > /dev/null
assert_status 200
http GET /crash -H 'X-Request-Id: el-crash' > /dev/null
assert_status 500
wait_log 'rid=el-crash: child [0-9]+ killed by signal 6'
wait_log 'rid=el-lua: from the handler'
stop_fcgiserve
every_line_formatted

master=$(grep -Eo 'info \[[0-9]+\] pool test: listening on' "$FCGISERVE_LOG" | tr -dc 0-9)
worker=$(grep -Eo 'debug \[[0-9]+\] pool test: worker ready' "$FCGISERVE_LOG" | tr -dc 0-9)
assert_match '^[0-9]+$' "$master" "master pid"
assert_match '^[0-9]+$' "$worker" "worker pid"
# The handler's error and fcgiserve.log come from the child: its pid, the
# pool, the request id, the level asked for.
line=$(grep 'rid=el-500: ' "$FCGISERVE_LOG" | grep secret-detail | head -1)
assert_match "^[^ ]+ error \\[([0-9]+)\\] pool test: rid=el-500: .*secret-detail-kaboom" "$line" "handler error line"
child=$(echo "$line" | sed 's/^[^[]*\[\([0-9]*\)\].*/\1/')
[ "$child" != "$worker" ] && [ "$child" != "$master" ] ||
    fail "the handler's error is logged with pid $child, not the child's"
line=$(grep 'rid=el-lua: ' "$FCGISERVE_LOG" | head -1)
assert_match "^[^ ]+ warn \\[[0-9]+\\] pool test: rid=el-lua: from the handler\$" "$line" "fcgiserve.log line"
# Lua's warn() too.
assert_log "^[^ ]+ warn \\[[0-9]+\\] pool test: rid=el-warn: Lua warning: careful: lua-said-so\$"
# The worker's lines about a request carry its id too.
assert_log "error \\[$worker\\] pool test: rid=el-crash: child [0-9]+ killed by signal 6"
# Master lines have no pool prefix of their own unless about a pool.
assert_log "info \\[$master\\] received signal 15"
assert_log "debug \\[$worker\\] pool test: rid=el-ok: |debug \\[$worker\\] pool test: accepted"

# log_level = warn: no info, no debug, from any process.
: > "$FCGISERVE_LOG"
write_conf api.lua log_level=warn
start_fcgiserve
http GET /hello/x > /dev/null
http GET '/log?level=info&msg=quiet-info' -H 'X-Request-Id: el-info' > /dev/null
http GET '/log?level=warn&msg=loud-warn' -H 'X-Request-Id: el-warn' > /dev/null
http GET /explode -H 'X-Request-Id: el-500b' > /dev/null
wait_log 'rid=el-warn: loud-warn'
wait_log 'error .*rid=el-500b: '
stop_fcgiserve
every_line_formatted
assert_no_log ' (info|debug) \['
assert_no_log 'quiet-info'

# log_level = error: the handler's warn is dropped too.
: > "$FCGISERVE_LOG"
write_conf api.lua log_level=error
start_fcgiserve
http GET '/log?level=warn&msg=loud-warn' -H 'X-Request-Id: el-warn2' > /dev/null
http GET /explode -H 'X-Request-Id: el-500c' > /dev/null
wait_log 'error .*rid=el-500c: '
stop_fcgiserve
every_line_formatted
assert_no_log ' (warn|info|debug) \['
assert_no_log 'el-warn2'
