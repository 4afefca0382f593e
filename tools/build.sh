#!/bin/sh
# Configures and builds fcgiserve in the source tree (idempotent).
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --sysconfdir=/etc --localstatedir=/var --runstatedir=/run
make -j"$(nproc)"
