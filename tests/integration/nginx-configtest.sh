#!/bin/bash
# The shipped nginx files pass "nginx -t" as users install them: the maps at
# http level, the site in http {}, fcgiserve_params next to fastcgi_params
# (with PROTOCOL=scgi: the SCGI site, fcgiserve_scgi_params next to
# scgi_params).
. "$(dirname "$0")/lib.sh" || exit 99
requires "$NGINX_BIN"
read -r site params stock <<< "$(nginx_site_files)"

d=$TMP/etc
mkdir -p "$d/conf.d" "$d/sites-enabled" "$d/temp"
cp "$(_stock_params "$stock")" "$d/$stock"
cp "$top_srcdir/nginx/$params" "$d/"
cp "$top_srcdir/nginx/fcgiserve-cors.conf" "$d/conf.d/"
cp "$top_srcdir/nginx/$site" "$d/sites-enabled/fcgiserve"
cat > "$d/nginx.conf" <<CONF
pid $d/nginx.pid;
error_log $d/error.log;
events { }
http {
    access_log off;
    client_body_temp_path $d/temp/client_body;
    proxy_temp_path $d/temp/proxy;
    fastcgi_temp_path $d/temp/fastcgi;
    uwsgi_temp_path $d/temp/uwsgi;
    scgi_temp_path $d/temp/scgi;
    include conf.d/*.conf;
    include sites-enabled/*;
}
CONF
out=$("$NGINX_BIN" -t -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" 2>&1) ||
    fail "nginx -t failed: $out"
assert_match 'test is successful' "$out" "nginx -t output"

# Each file is needed: without the maps the site does not load.
rm "$d/conf.d/fcgiserve-cors.conf"
! "$NGINX_BIN" -t -q -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" 2>/dev/null ||
    fail "nginx -t passed without fcgiserve-cors.conf: the site no longer uses its maps"

# ... and without the params file either.
cp "$top_srcdir/nginx/fcgiserve-cors.conf" "$d/conf.d/"
rm "$d/$params"
! "$NGINX_BIN" -t -q -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" 2>/dev/null ||
    fail "nginx -t passed without $params: the site no longer includes it"

# The scale-out site (FastCGI over TCP to several hosts) in place of the
# FastCGI site.
if [ "$PROTOCOL" = fastcgi ]; then
	cp "$top_srcdir/nginx/$params" "$d/"
	cp "$top_srcdir/nginx/fcgiserve-upstream.conf" "$d/sites-enabled/fcgiserve"
	out=$("$NGINX_BIN" -t -e "$d/error.log" -p "$d/" -c "$d/nginx.conf" 2>&1) ||
	    fail "nginx -t failed for fcgiserve-upstream.conf: $out"
	assert_match 'test is successful' "$out" "nginx -t output (fcgiserve-upstream.conf)"
fi
