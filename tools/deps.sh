#!/bin/sh
# Installs what fcgiserve needs to build, test and serve on Debian 12.
# Used by tools/serve-example.sh and tools/run-tests.sh.
set -eu
# iproute2: ip netns, veth and bridge for tests/integration/scale-out.sh.
# wrk and valgrind: the leak tests (make check-soak, make check-valgrind).
# python3: the independent SSE client of tests/integration/sse.sh.
# lua-busted: runs the example app's suite and the Lua test module's own
# (tests/integration/lua-test-module.sh); it brings lua-dkjson, the JSON
# library of lua/fcgiserve/test.lua.
# lua-socket, lua-sec: fcgiserve.http (recommended by the package);
# openssl: the CA and certificate tests/integration/http-client.sh makes.
# lighttpd: the tests' second front end (mod_fastcgi, mod_scgi), started on
# its own loopback port; if its packaged service fails to start because
# nginx holds port 80, its postinst says so and carries on.
# postgresql, lua-sql-postgres: tests/integration/notes-pg.sh runs the
# PostgreSQL example app (conf/apps/notes-pg.lua) against a PostgreSQL it
# starts in a temp dir; pgbouncer: tests/bench/pg, the same app through
# PgBouncer.  Their packaged services are not used.
PKGS="build-essential autoconf automake pkg-config
      libevent-dev libjansson-dev liblua5.4-dev libfcgi-dev check
      nginx-light curl jq libfcgi-bin lua5.4 procps lighttpd iproute2
      clang-14 libclang-rt-14-dev wrk valgrind python3 lua-busted
      postgresql lua-sql-postgres pgbouncer lua-socket lua-sec openssl"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
