#!/bin/bash
# error_log_format = json: every line of the error log, from the master, a
# worker or a request child, is one JSON object with time, level, pid,
# pool and request id where they apply, and the message; fcgiserve.log's
# fields come as "fields"; Lua's warn(), a handler's traceback and a
# crash follow the same format.  Checked with jq, line by line.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua log_level=debug error_log_format=json
http GET '/logf?user=b%C3%B6b' -H 'X-Request-Id: ej-fields' > /dev/null
assert_status 200
http GET '/warn?msg=lua-said-so' -H 'X-Request-Id: ej-warn' > /dev/null
assert_status 200
http GET /explode -H 'X-Request-Id: ej-500' > /dev/null
assert_error 500 ej-500
http GET /crash -H 'X-Request-Id: ej-crash' > /dev/null
assert_status 500
wait_for 10 grep -q '"request_id":"ej-crash"' "$FCGISERVE_LOG" ||
    fail "no JSON line about the crash within 10 s"
stop_fcgiserve

# Every line is one JSON object with the keys every line has.
n=0
while IFS= read -r line; do
	n=$((n + 1))
	jq -e 'type == "object" and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$"))
	    and (.level | IN("error", "warn", "info", "debug"))
	    and (.pid | type == "number") and (.message | type == "string")' \
	    <<< "$line" > /dev/null 2>&1 ||
	    fail "line $n of the error log is not a JSON log line: $line"
done < "$FCGISERVE_LOG"
[ "$n" -ge 5 ] || fail "only $n lines in the error log"

# jqlog FILTER: the first line the filter selects, compact.
jqlog() {
	jq -c "select($1)" "$FCGISERVE_LOG" | head -n 1
}
f=$(jqlog '.request_id == "ej-fields"')
assert_match . "$f" "the fcgiserve.log line"
assert_eq 'info order placed test' "$(jq -r '[.level, .message, .pool] | join(" ")' <<< "$f")" "level, message, pool"
assert_eq '{"items":["tea","cake"],"note":"said \"hi\"\nand left","order":42,"paid":true,"user":"böb"}' \
    "$(jq -c -S .fields <<< "$f")" "fields"
w=$(jqlog '.request_id == "ej-warn"')
assert_match 'careful: lua-said-so' "$(jq -r .message <<< "$w")" "warn() line"
e=$(jqlog '.request_id == "ej-500" and .level == "error"')
assert_match 'stack traceback' "$(jq -r .message <<< "$e")" "traceback line"
c=$(jqlog '.request_id == "ej-crash"')
assert_match 'killed by signal 6' "$(jq -r .message <<< "$c")" "crash line"
assert_match . "$(jqlog '.message | test("worker ready")')" "a worker's line"
