#!/bin/bash
# An app file may return a plain function instead of a router; "app" may
# be relative to the config file's directory.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
cp "$APPS/function.lua" "$TMP/"
start_stack function.lua app=function.lua

http DELETE /any/path > /dev/null
assert_status 200
assert_json . '{"app":"function","method":"DELETE","path":"/any/path"}'
stop_fcgiserve
