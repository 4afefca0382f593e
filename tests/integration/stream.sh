#!/bin/bash
# fcgiserve.stream through nginx: each part reaches the client when the
# handler writes it, not when it ends (three parts, a second apart: the
# first arrives well before the last: nginx does not buffer it, as the
# X-Accel-Buffering: no every stream carries tells it); the handler's
# headers come first; 20 MiB arrive whole; an error after the head
# ends the stream (logged, the status stays); a HEAD gets the head; a
# stream past stream_timeout is ended and logged.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
start_stack stream.lua stream_timeout=4s

# Each line with the time it arrived, as curl hands it over unbuffered.
curl -sN "http://127.0.0.1:$NGINX_PORT/chunks?n=3&s=1" |
    while IFS= read -r line; do echo "$(now_ms) $line"; done > "$TMP/times"
assert_eq "chunk 1 chunk 2 chunk 3" "$(cut -d' ' -f2- "$TMP/times" | xargs)" \
    "the parts"
first=$(sed -n 1p "$TMP/times" | cut -d' ' -f1)
last=$(sed -n 3p "$TMP/times" | cut -d' ' -f1)
[ $((last - first)) -ge 1500 ] ||
    fail "the first part came $((last - first)) ms before the last: held back"

http GET '/chunks?n=2&s=0' > /dev/null
assert_status 200
assert_header X-Stream yes
assert_eq "$(printf 'chunk 1\nchunk 2')" "$(cat "$TMP/last.body")" "body"

size=$(curl -s "http://127.0.0.1:$NGINX_PORT/flood?mb=20" | wc -c)
assert_eq $((20 * 1024 * 1024)) "$size" "bytes of a 20 MiB stream"

http GET /broken > /dev/null
assert_status 200
assert_eq before "$(cat "$TMP/last.body")" "what the broken stream sent"
wait_log 'stream ended early: .*stream.lua:[0-9]+: the body failed'

http HEAD '/chunks?n=3&s=1' --head > /dev/null
assert_status 200
assert_header X-Stream yes

http GET /forever > /dev/null
assert_status 200
assert_match '^tick' "$(cat "$TMP/last.body")" "a stream cut by stream_timeout"
wait_log 'stream ran for 4000 ms \(stream_timeout\); killing child'
stop_fcgiserve
