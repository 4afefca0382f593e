#!/bin/bash
# HEAD asked straight over FastCGI (libfcgi's cgi-fcgi) or SCGI, no nginx
# in between to drop a body: the status and headers a GET gets,
# Content-Length included, and no body at all (RFC 3875 4.3.2) -- for a
# handler's answer and for fcgiserve's own error answers alike.  (A front
# end that passes a body on, h2o for one, would corrupt the next response
# on a kept-alive HTTP connection.)
. "$(dirname "$0")/lib.sh" || exit 99
case $PROTOCOL in
fastcgi) requires "${CGI_FCGI:-cgi-fcgi}" ;;
esac
port=$(freeport)
write_conf api.lua "listen=127.0.0.1:$port"
start_fcgiserve

req() {	# req METHOD PATH
	local kv=(REQUEST_METHOD="$1" DOCUMENT_URI="$2" REQUEST_URI="$2"
	    SCRIPT_NAME="$2" SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1)
	case $PROTOCOL in
	fastcgi) fcgi_request "${kv[@]}" ;;
	scgi)	scgi_request "${kv[@]}" ;;
	esac
}
# body_bytes: the bytes after the blank line of the last raw answer.
body_bytes() {
	perl -0777 -ne '/\r\n\r\n/ or die "no blank line\n"; print length($'"'"')' \
	    "$TMP/last.raw"
}

for path in /hello/head /no/such/route; do
	req GET "$path"
	get_status=$(last_status)
	get_len=$(last_header Content-Length)
	assert_match '^[1-9][0-9]*$' "$get_len" "GET $path: Content-Length"
	assert_eq "$get_len" "$(body_bytes)" "GET $path: body bytes"

	req HEAD "$path"
	assert_status "$get_status"
	assert_header Content-Length "$get_len"
	assert_match '^application/json' "$(last_header Content-Type)" \
	    "HEAD $path: Content-Type"
	assert_eq 0 "$(body_bytes)" "HEAD $path: body bytes"
done
assert_eq 404 "$get_status" "status of the unknown route"
stop_fcgiserve
