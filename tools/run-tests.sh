#!/bin/sh
# The whole test suite from a fresh clone: installs the dependencies,
# builds, runs `make check` (unit + integration through a real nginx) and
# `make distcheck`, then prints "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh tools/deps.sh || exit 1
sh tools/build.sh || exit 1

status=0
make -j2 check || status=1
# Show the logs of whatever failed, so CI output says why.
for log in $(find tests -name '*.log' ! -name test-suite.log); do
	if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
		echo "===== $log"; tail -n 60 "$log"
	fi
done
if [ "$status" -eq 0 ] && [ "${SKIP_DISTCHECK:-}" != 1 ]; then
	make -j2 distcheck >distcheck.out 2>&1 || { tail -n 80 distcheck.out; status=1; }
	[ "$status" -eq 0 ] && echo "make distcheck: ok"
fi

pass=$(cat $(find tests -name '*.trs') 2>/dev/null | grep -c '^:test-result: PASS')
fail=$(cat $(find tests -name '*.trs') 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
skip=$(cat $(find tests -name '*.trs') 2>/dev/null | grep -c '^:test-result: SKIP')
[ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
