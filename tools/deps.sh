#!/bin/sh
# Installs what fcgiserve needs to build, test and serve on Debian 12.
# Used by tools/serve-example.sh and tools/run-tests.sh.
set -eu
# iproute2: ip netns, veth and bridge for tests/integration/scale-out.sh.
# wrk and valgrind: the leak tests (make check-soak, make check-valgrind).
# python3: the independent SSE client of tests/integration/sse.sh.
# lua-socket, lua-sec: fcgiserve.http (recommended by the package);
# openssl: the CA and certificate tests/integration/http-client.sh makes.
# lighttpd: the tests' second front end (mod_fastcgi, mod_scgi), started on
# its own loopback port; if its packaged service fails to start because
# nginx holds port 80, its postinst says so and carries on.
PKGS="build-essential autoconf automake pkg-config
      libevent-dev libjansson-dev liblua5.4-dev libfcgi-dev check
      nginx-light curl jq libfcgi-bin lua5.4 procps lighttpd iproute2
      clang-14 libclang-rt-14-dev wrk valgrind python3
      lua-socket lua-sec openssl"
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
