#!/bin/bash
# fcgiserve.http from a handler, against a second nginx on loopback (the
# peer): plain HTTP (method, body, a header each way), TLS with a
# certificate made here (verified with cafile=; refused without it, or
# for a host name it does not carry), a refused port, redirects followed,
# not followed on request, limited, a body of several MiB intact,
# body_max, and the time rule: a peer that drips its answer ends the call
# with "timeout" at the call's own timeout, or before the worker's
# request_timeout / after_timeout / `fcgiserve request`'s, and the
# handler still answers.  A missing lua-socket or lua-sec is named.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq openssl sha256sum
requires_fcgiserve
if "$FCGISERVE" -V | grep -q 'static binary'; then
	# Lua C modules cannot load into a static binary: the error must
	# still name the package.
	start_stack http.lua
	http GET /fetch -G --data-urlencode "url=http://127.0.0.1:1/" > /dev/null
	assert_status 200
	assert_match 'Debian package lua-socket' "$(jq -r .err < "$TMP/last.body")" \
	    "the error of a static binary"
	skip "a static binary cannot load lua-socket (its error says so)"
fi
for p in lua-socket lua-sec; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
	    skip "$p not installed (apt-get install $p)"
done

# ---------------------------------------------------------------- the peer

P=$TMP/peer
mkdir -p "$P/www" "$P/temp"
# A CA and a leaf for localhost and 127.0.0.1 that it signed.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=fcgiserve test CA' \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -keyout "$P/ca.key" -out "$P/ca.crt" > "$P/openssl.log" 2>&1 ||
    fail "openssl: CA: $(tail -n 3 "$P/openssl.log")"
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
    -keyout "$P/leaf.key" -out "$P/leaf.csr" >> "$P/openssl.log" 2>&1 ||
    fail "openssl: leaf request: $(tail -n 3 "$P/openssl.log")"
printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' > "$P/leaf.ext"
openssl x509 -req -days 2 -in "$P/leaf.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
    -CAcreateserial -extfile "$P/leaf.ext" -out "$P/leaf.crt" >> "$P/openssl.log" 2>&1 ||
    fail "openssl: leaf: $(tail -n 3 "$P/openssl.log")"
printf 'hello from the peer\n' > "$P/www/plain"
head -c $((5 * 1024 * 1024 + 123)) /dev/urandom > "$P/www/large"
head -c $((256 * 1024)) /dev/urandom > "$P/www/drip"

PLAIN=$(freeport)
TLS=$(freeport)
while [ "$TLS" = "$PLAIN" ]; do TLS=$(freeport); done
REFUSED=$(freeport)	# nobody listens there
{
	echo "daemon off;"
	echo "worker_processes 1;"
	echo "pid $P/nginx.pid;"
	echo "error_log $P/error.log info;"
	[ "$(id -u)" -ne 0 ] || echo "user root root;"
	echo "events { worker_connections 64; }"
	cat <<-CONF
	http {
	    access_log off;
	    client_body_temp_path $P/temp/client_body;
	    proxy_temp_path $P/temp/proxy;
	    fastcgi_temp_path $P/temp/fastcgi;
	    uwsgi_temp_path $P/temp/uwsgi;
	    scgi_temp_path $P/temp/scgi;
	    default_type application/octet-stream;
	    root $P/www;
	    server {
	        listen 127.0.0.1:$PLAIN;
	        location = /plain { add_header X-Echo "got \$http_x_test"; }
	        location = /post {
	            return 200 "\$request_method \$content_length \$http_x_test";
	        }
	        location = /redirect { return 302 /plain; }
	        location = /loop { return 302 /loop; }
	        location = /drip { limit_rate 1k; }
	    }
	    server {
	        listen 127.0.0.1:$TLS ssl;
	        listen 127.0.0.2:$TLS ssl;
	        ssl_certificate $P/leaf.crt;
	        ssl_certificate_key $P/leaf.key;
	        location = /down { return 302 http://127.0.0.1:$PLAIN/plain; }
	    }
	}
	CONF
} > "$P/nginx.conf"
"$NGINX_BIN" -e "$P/error.log" -p "$P/" -c "$P/nginx.conf" \
    < /dev/null > "$P/stderr.log" 2>&1 &
PEER_PID=$!
_track "$PEER_PID"
_front_end_up "peer nginx" "$PEER_PID" "$PLAIN" "$P/error.log" "$P/stderr.log" ||
    fail "the peer's port $PLAIN was taken"
for ((i = 0; i < 100; i++)); do
	tcp_listening "$TLS" && break
	sleep 0.1
done
tcp_listening "$TLS" || fail "the peer does not listen on $TLS: $(tail -n 3 "$P/error.log")"

# ---------------------------------------------------------------- the stack

start_stack http.lua request_timeout=5s after_timeout=3s

# fetch URL [name=value...]: /fetch with these query parameters.
fetch() {
	local u=$1 a=()
	shift
	for kv in "$@"; do a+=(--data-urlencode "$kv"); done
	http GET /fetch -G --data-urlencode "url=$u" "${a[@]}" > /dev/null
	assert_status 200
}
H=http://127.0.0.1:$PLAIN
S=https://127.0.0.1:$TLS

fetch "$H/plain" header=abc
assert_json '[.status, .len, .err, .echo, .upper]' '[200,20,null,"got abc",false]'
fetch "$H/post" method=POST body=12345 header=x
assert_json '[.status, .len]' '[200,8]'	# "POST 5 x"
http GET /raw -G --data-urlencode "url=$H/post" --data-urlencode method=PUT \
    --data-urlencode body=abc --data-urlencode header=h1 > /dev/null
assert_body 'PUT 3 h1'

# TLS: verified against the test's CA; refused with the system's (the
# default), and for a name the certificate does not carry; verify=no
# takes any certificate.
fetch "$S/plain" "cafile=$P/ca.crt"
assert_json '[.status, .len, .err]' '[200,20,null]'
fetch "https://localhost:$TLS/plain" "cafile=$P/ca.crt"
assert_json '[.status, .err]' '[200,null]'
fetch "$S/plain"
assert_json .status null
assert_match '^tls: .*certificate verify failed' "$(jq -r .err < "$TMP/last.body")" "an unknown CA refused"
fetch "https://127.0.0.2:$TLS/plain" "cafile=$P/ca.crt"
assert_json '[.status, .err]' '[null,"tls: the certificate does not name 127.0.0.2"]'
fetch "https://127.0.0.2:$TLS/plain" verify=no
assert_json '[.status, .err]' '[200,null]'

# A refused port.
fetch "http://127.0.0.1:$REFUSED/"
assert_json '[.status, .err]' '[null,"connection refused"]'

# Redirects: followed for GET; not on request; never from https to http;
# at most 5.
fetch "$H/redirect"
assert_json '[.status, .len, .url]' "[200,20,\"$H/plain\"]"
fetch "$H/redirect" redirect=no
assert_json '[.status, .location]' "[302,\"$H/plain\"]"
fetch "$S/down" "cafile=$P/ca.crt"
assert_json '[.status, .location]' "[302,\"$H/plain\"]"
fetch "$H/loop"
assert_json '[.status, .err]' '[null,"more than 5 redirects"]'

# A large body, intact; body_max.
http GET /raw -G --data-urlencode "url=$H/large" > /dev/null
assert_status 200
assert_eq "$(sha256sum < "$P/www/large")" "$(sha256sum < "$TMP/last.body")" "the large body's sha256"
fetch "$H/large" body_max=1000000
assert_json '[.status, .err]' '[null,"response body over body_max (1000000 bytes)"]'

# A bad argument raises.
http GET /bad > /dev/null
assert_json .raised true
assert_match 'url must be a string without spaces' "$(jq -r .err < "$TMP/last.body")" "the message"

# Time.  The peer drips 256 KiB at 1 KiB/s: every read gets a little, so
# only a limit over the whole call ends it.  timeout=1 ends it early.
fetch "$H/drip" timeout=1
assert_json '[.status, .err]' '[null,"timeout"]'
# No timeout given (30 s by default): it ends before request_timeout (5 s)
# and the handler still answers (not a 504), having waited most of it.
fetch "$H/drip"
assert_json '[.status, .err, .seconds >= 3]' '[null,"timeout",true]'
assert_no_log 'request timed out'
# fcgiserve.after has after_timeout (3 s) from the answer.
http GET /after -G --data-urlencode "url=$H/drip" > /dev/null
assert_status 200
wait_log 'after-http: timeout' 15
assert_no_log 'after: still running'

# `fcgiserve request` with the pool's request_timeout (5 s).
rc=0
"$FCGISERVE" request -c "$FCGISERVE_CONF" GET "/fetch?url=$H/drip" \
    > "$TMP/cli.out" 2> "$TMP/cli.err" || rc=$?
assert_eq 0 "$rc" "fcgiserve request's exit status ($(cat "$TMP/cli.err"))"
assert_eq '[null,"timeout"]' "$(tr -d '\r' < "$TMP/cli.out" | sed '1,/^$/d' |
    jq -c '[.status, .err]')" "fcgiserve request: the call's error"

# A missing package is named: lua-socket, then lua-sec.
sock_dir=$(dpkg -L lua-socket | sed -n 's|/socket/core\.so$||p' | grep /5.4 | head -n 1)
[ -n "$sock_dir" ] || fail "lua-socket's C modules not found"
mkdir -p "$TMP/cpath"
ln -s "$sock_dir/socket" "$sock_dir/mime" "$TMP/cpath/"
LUA_CPATH_5_4="$TMP/nothing/?.so" "$FCGISERVE" request "$APPS/http.lua" GET \
    "/fetch?url=$H/plain" > "$TMP/nosock.out" 2>&1 || true
assert_match '"err":"fcgiserve.http: cannot load socket \(Debian package lua-socket\)' \
    "$(cat "$TMP/nosock.out")" "lua-socket missing"
LUA_CPATH_5_4="$TMP/cpath/?.so" "$FCGISERVE" request "$APPS/http.lua" GET \
    "/fetch?url=$S/plain" > "$TMP/nosec.out" 2>&1 || true
assert_match '"err":"fcgiserve.http: cannot load ssl \(Debian package lua-sec\)' \
    "$(cat "$TMP/nosec.out")" "lua-sec missing"
LUA_CPATH_5_4="$TMP/cpath/?.so" "$FCGISERVE" request "$APPS/http.lua" GET \
    "/fetch?url=$H/plain" > "$TMP/plainonly.out" 2>&1 || true
assert_match '"status":200' "$(cat "$TMP/plainonly.out")" "plain HTTP without lua-sec"

stop_fcgiserve
