#!/bin/sh
# Installs the dependencies, builds fcgiserve and serves conf/apps/example.lua
# through nginx on http://localhost:${PORT:-8080}/ using the shipped nginx/
# configuration.  Runs in the foreground; Ctrl-C stops both servers.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
port=${PORT:-8080}
sh tools/deps.sh
sh tools/build.sh

run=$(mktemp -d /tmp/fcgiserve-example.XXXXXX)
fcgi_pid= nginx_pid=
cleanup() {
	trap - EXIT INT TERM
	[ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null
	[ -n "$fcgi_pid" ] && kill -TERM "$fcgi_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT INT TERM

cat >"$run/fcgiserve.conf" <<CONF
[global]
log_level = info

[pool example]
listen = $run/fcgiserve.sock
listen_mode = 0600
app = $top/conf/apps/example.lua
workers = 2
; A development server: it runs as whoever starts it, root included.
allow_root = yes
CONF

mkdir -p "$run/nginx"
sed "s|unix:/run/fcgiserve/fcgiserve.sock|unix:$run/fcgiserve.sock|;
     s|listen 80;|listen 127.0.0.1:$port;|; /listen \[::\]:80;/d" \
    nginx/fcgiserve-site.conf >"$run/nginx/site.conf"
cp nginx/fcgiserve_params "$run/nginx/"
user=
[ "$(id -u)" -eq 0 ] && user="user root root;"
cat >"$run/nginx/nginx.conf" <<CONF
$user
daemon off;
worker_processes 1;
pid $run/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $run/nginx/body;
    fastcgi_temp_path $run/nginx/fastcgi;
    proxy_temp_path $run/nginx/proxy;
    scgi_temp_path $run/nginx/scgi;
    uwsgi_temp_path $run/nginx/uwsgi;
    include $top/nginx/fcgiserve-cors.conf;
    include $run/nginx/site.conf;
}
CONF
# fastcgi_params is included by name: give nginx's prefix a copy.
cp /etc/nginx/fastcgi_params "$run/nginx/"

./src/fcgiserve -c "$run/fcgiserve.conf" &
fcgi_pid=$!
nginx -p "$run/nginx" -c "$run/nginx/nginx.conf" &
nginx_pid=$!
sleep 1
echo
echo "fcgiserve is serving $top/conf/apps/example.lua through nginx:"
echo "  curl -i http://localhost:$port/hello/world"
echo "Ctrl-C stops it."
wait "$fcgi_pid"
