#!/bin/bash
# allowed_clients on a TCP listen: a peer not in the list is closed and
# logged (nginx answers 502); one in the list is served.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
port=$(freeport)
write_conf api.lua "listen=127.0.0.1:$port" "allowed_clients=127.0.0.2, ::1"
start_fcgiserve
start_nginx "127.0.0.1:$port"

http GET /hello/x > /dev/null
assert_status 502
wait_log '127\.0\.0\.1:[0-9]+: not in allowed_clients; connection closed'
assert_no_log 'accepted connection from 127'
stop_fcgiserve

write_conf api.lua "listen=127.0.0.1:$port" "allowed_clients=127.0.0.2,127.0.0.1"
start_fcgiserve
http GET /hello/x > /dev/null
assert_status 200
assert_json .greeting 'hello x'
stop_fcgiserve
