#!/bin/bash
# A reload that changes listen opens the new address, and once the old
# workers are told to stop, closes the old one: unix socket -> TCP (nginx
# is pointed at the TCP address from the start), then TCP -> another unix
# socket.  Each removed unix socket file is gone; the TCP port is closed.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq "${CGI_FCGI:-cgi-fcgi}"
requires_protocol fastcgi	# cgi-fcgi checks the unix sockets

port=$(freeport)
write_conf api.lua "listen=$TMP/a.sock"
start_fcgiserve
start_nginx "127.0.0.1:$port"
fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/hello/a
assert_status 200
assert_json .greeting 'hello a'
http GET /hello/tcp --max-time 5 > /dev/null
assert_status 502		# nothing on the TCP port yet

write_conf api.lua "listen=127.0.0.1:$port"
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #1 have all exited'
http GET /hello/tcp > /dev/null
assert_status 200
assert_json .greeting 'hello tcp'
[ ! -e "$TMP/a.sock" ] || fail "$TMP/a.sock still there after the reload"
assert_log "closed $TMP/a\\.sock: no pool listens there any more"
assert_log "listening on 127\\.0\\.0\\.1:$port \\(fastcgi, 1 workers\\)"

write_conf api.lua "listen=$TMP/b.sock"
kill -HUP "$FCGISERVE_PID"
wait_log 'reload: the workers of configuration #2 have all exited'
! tcp_listening "$port" || fail "port $port still listening after the reload"
assert_log "closed 127\\.0\\.0\\.1:$port: no pool listens there any more"
http GET /hello/tcp --max-time 5 > /dev/null
assert_status 502
fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/hello/b
assert_status 200
assert_json .greeting 'hello b'
stop_fcgiserve
[ ! -e "$TMP/b.sock" ] || fail "$TMP/b.sock left after the stop"
