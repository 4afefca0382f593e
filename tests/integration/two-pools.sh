#!/bin/bash
# Two pools in one config: each listens on its own socket and serves its
# own app.
. "$(dirname "$0")/lib.sh" || exit 99
requires jq "${CGI_FCGI:-cgi-fcgi}"
cat > "$TMP/fcgiserve.conf" <<CONF
[global]
log_level = debug

[pool api]
listen = $TMP/api.sock
app = $APPS/api.lua
workers = 1
allow_root = yes

[pool fn]
listen = $TMP/fn.sock
app = $APPS/function.lua
workers = 1
allow_root = yes
CONF
start_fcgiserve

FCGISERVE_LISTEN=$TMP/api.sock
fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/hello/api
assert_status 200
assert_json . '{"greeting":"hello api"}'

FCGISERVE_LISTEN=$TMP/fn.sock
fcgi_request REQUEST_METHOD=GET DOCUMENT_URI=/hello/api
assert_status 200
assert_json .app function

assert_log 'pool api: '
assert_log 'pool fn: '
stop_fcgiserve
