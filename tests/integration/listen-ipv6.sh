#!/bin/bash
# A pool can listen on [::1]:PORT.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null || skip "no IPv6 loopback"
port=$(freeport)
write_conf api.lua "listen=[::1]:$port"
start_fcgiserve
start_nginx "[::1]:$port"

http GET /hello/six > /dev/null
assert_status 200
assert_json .greeting 'hello six'
stop_fcgiserve
