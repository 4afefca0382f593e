#!/bin/bash
# FCGI_ABORT_REQUEST (what a front end sends when its client goes away and
# it keeps the connection): the running child and the program its handler
# started are killed within 2 s, no answer is written for the request (an
# empty STDOUT and END_REQUEST only), and the same connection goes on to
# serve the next request.  nginx never sends this record, so fcgiclient
# writes it on a TCP connection the test holds.
. "$(dirname "$0")/lib.sh" || exit 99
requires_protocol fastcgi
port=$(freeport)
write_conf api.lua "listen=127.0.0.1:$port" request_timeout=60s
start_fcgiserve

raw_connect 3
fcgiclient -i 1 -k REQUEST_METHOD=GET DOCUMENT_URI=/sleep \
    QUERY_STRING="s=30&pidfile=$TMP/sleep.pid" REQUEST_ID=fcgi-abort-1 >&3
wait_file "$TMP/sleep.pid"
pid=$(cat "$TMP/sleep.pid")
wait_for 5 eval '[ -n "$(_descendants "$pid")" ]' ||
    fail "the handler of child $pid started no program"
below=$(_descendants "$pid")

fcgiclient -a -i 1 >&3		# FCGI_ABORT_REQUEST for request 1
for p in $pid $below; do
	_wait_exit "$p" 2 ||
	    fail "process $p ($(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)) still runs 2 s after FCGI_ABORT_REQUEST"
done
# The empty STDOUT that ends the stream, then END_REQUEST: 24 bytes.
timeout 5 head -c 24 <&3 > "$TMP/abort.reply" ||
    fail "no END_REQUEST within 5 s of the abort ($(wc -c < "$TMP/abort.reply") bytes)"
assert_eq "STDOUT 1 0
END_REQUEST 1 8 0 REQUEST_COMPLETE" \
    "$(fcgiclient -d -o records < "$TMP/abort.reply" 2>/dev/null)" \
    "records answering the aborted request"
wait_log 'rid=fcgi-abort-1: aborted by 127\.0\.0\.1:[0-9]+'
assert_no_log 'rid=fcgi-abort-1: .*(timed out|killed by signal|without a complete)'

# The connection is still good: one more request (without FCGI_KEEP_CONN,
# so fcgiserve closes after answering and cat sees the end), answered
# whole: its STDOUT, then END_REQUEST.
fcgiclient -i 2 REQUEST_METHOD=GET DOCUMENT_URI=/hello/again >&3
raw_read 3 5 "$TMP/again.reply" ||
    fail "no answer to the next request on the same connection within 5 s"
exec 3<&-
raw_answer "$TMP/again.reply"
assert_status 200
assert_json . '{"greeting":"hello again"}'
stop_fcgiserve
