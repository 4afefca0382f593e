#!/bin/bash
# slowlog_timeout: a handler still running after it gets its Lua stack
# written to the slow log (request id, method, path, elapsed time, the
# names of the nested functions it is in), and carries on to a normal
# answer.  A fast request writes nothing.  Without "slowlog" the entry is
# one warn line in the error log.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua slowlog_timeout=300ms "slowlog=$TMP/slow.log" \
    status_path=/st request_timeout=60s
SLOW=$TMP/slow.log

http GET /hello/fast -H 'X-Request-Id: fast-1' > /dev/null
assert_status 200

# Busy in Lua in slow_outer -> slow_middle (-> slow_leaf) until released:
# the hook runs as soon as the signal arrives; the request then goes on.
http_bg slow GET "/slow?release=$TMP/go1" -H 'X-Request-Id: slow-1'
wait_for 15 grep -q 'rid=slow-1' "$SLOW" ||
    fail "no slow log entry within 15 s: $(cat "$SLOW" 2>/dev/null)"
touch "$TMP/go1"
http_wait slow
assert_status 200
assert_json .slow true

head=$(grep 'rid=slow-1' "$SLOW")
assert_match '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z pool test pid [0-9]+ rid=slow-1: GET /slow running for [0-9]+ ms$' \
    "$head" "slow log header"
ms=${head##*running for }
ms=${ms% ms}
[ "$ms" -ge 300 ] || fail "elapsed $ms ms, expected at least slowlog_timeout (300 ms)"
grep -q '^stack traceback:$' "$SLOW" || fail "no traceback: $(cat "$SLOW")"
grep -Eq "in (local|upvalue|function) 'slow_middle'" "$SLOW" ||
    fail "slow_middle is not in the stack: $(cat "$SLOW")"
grep -Eq "in (local|upvalue|function) 'slow_outer'" "$SLOW" ||
    fail "slow_outer is not in the stack: $(cat "$SLOW")"
grep -q 'api.lua:[0-9]*:' "$SLOW" || fail "no file:line in the stack: $(cat "$SLOW")"
! grep -q 'fast-1' "$SLOW" || fail "a fast request has a slow log entry"
assert_eq 1 "$(grep -c 'running for' "$SLOW")" "slow log entries"
# The entry ends with a blank line, as PHP-FPM's do.
assert_eq '' "$(tail -n1 "$SLOW")" "last line of the slow log"

http GET /st > /dev/null
assert_json .slow_requests 1

# The pid in the entry is the child's, not the worker's.
worker=$(grep -o '\[[0-9]*\] pool test: worker ready' "$FCGISERVE_LOG" | head -1 | tr -dc 0-9)
assert_no_match "pid $worker rid" "$head" "slow log pid"

# logrotate: after SIGUSR1 the next entry (from a spare the zygote forked
# before the signal or after) lands in the new file, none in the old.
mv "$SLOW" "$SLOW.1"
kill -USR1 "$FCGISERVE_PID"
wait_for 5 test -e "$SLOW" || fail "slow log not reopened after SIGUSR1"
http_bg slow3 GET "/slow?release=$TMP/go3" -H 'X-Request-Id: slow-3'
wait_for 15 grep -q 'rid=slow-3' "$SLOW" ||
    fail "no entry in the reopened slow log: $(cat "$SLOW" 2>/dev/null)"
touch "$TMP/go3"
http_wait slow3
assert_status 200
! grep -q 'rid=slow-3' "$SLOW.1" || fail "an entry went to the rotated slow log"
stop_fcgiserve

# Default: the error log, one warn line with the stack.
write_conf api.lua slowlog_timeout=300ms log_level=warn request_timeout=60s
start_fcgiserve
http_bg slow2 GET "/slow?release=$TMP/go2" -H 'X-Request-Id: slow-2'
wait_log "warn \\[[0-9]+\\] pool test: rid=slow-2: slow request: GET /slow running for [0-9]+ ms; stack traceback: [^ |].*'slow_middle' \\| .*'slow_outer'" 15
touch "$TMP/go2"
http_wait slow2
assert_status 200
stop_fcgiserve
