#!/bin/sh
# The whole test suite from a fresh clone: installs the dependencies,
# builds, runs `make check` (unit + integration through a real nginx),
# `make distcheck` (the suite again, from the tarball, under ASan+UBSan),
# every libFuzzer target for FUZZ_SECONDS (30) and, as root, `make check-deb` (build, lintian, install, serve, purge the
# Debian package), then prints "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh tools/deps.sh || exit 1
sh tools/build.sh || exit 1

status=0 dist=
make -j2 check || status=1
# Show the logs of whatever failed, so CI output says why.
trs=$(find tests man -name '*.trs')
for log in $(find tests man -name '*.log' ! -name test-suite.log); do
	if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
		echo "===== $log"; tail -n 60 "$log"
	fi
done
if [ "$status" -eq 0 ] && [ "${SKIP_DISTCHECK:-}" != 1 ]; then
	if make -j2 distcheck >distcheck.out 2>&1; then
		dist=ok; echo "make distcheck: ok"
	else
		tail -n 80 distcheck.out; status=1
	fi
fi

# Every libFuzzer target for a short bounded time (tests/fuzz; 77 = no clang).
fuzz=
if [ "$status" -eq 0 ] && [ "${SKIP_FUZZ:-}" != 1 ]; then
	FUZZ_SECONDS=${FUZZ_SECONDS:-30} sh tests/fuzz/run >fuzz.out 2>&1
	case $? in
	0)	fuzz=ok; tail -n 8 fuzz.out ;;
	77)	echo "fuzz: skipped (no clang/libFuzzer)" ;;
	*)	tail -n 60 fuzz.out; status=1 ;;
	esac
fi

deb=
if [ "$status" -eq 0 ] && [ "$(id -u)" -eq 0 ] && [ "${SKIP_DEB:-}" != 1 ]; then
	if make check-deb >check-deb.out 2>&1; then
		deb=ok; echo "make check-deb: ok"
	else
		deb=failed; tail -n 80 check-deb.out; status=1
	fi
fi

pass=$(cat $trs 2>/dev/null | grep -c '^:test-result: PASS')
fail=$(cat $trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
skip=$(cat $trs 2>/dev/null | grep -c '^:test-result: SKIP')
# distcheck, the fuzz run and check-deb count as one test each.
[ "$dist" = ok ] && pass=$((pass + 1))
[ "$fuzz" = ok ] && pass=$((pass + 1))
[ "$deb" = ok ] && pass=$((pass + 1))
[ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
