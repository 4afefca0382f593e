#!/bin/sh
# The whole test suite from a fresh clone: installs the dependencies,
# builds, runs `make check` (unit + integration through a real nginx), then
# these stages, each only while everything before it passed:
#   make distcheck               the suite again, from the tarball, built by
#                                gcc with ASan+UBSan
#   make check-clang-sanitizers  the suite again, built by clang with ASan,
#                                UBSan and clang's extra checks
#   make check-static-binary     the suite again, against the daemon built
#                                with --enable-static-binary
#   make check-soak              100 000 mixed requests through nginx: RSS
#                                and descriptors of master and workers flat
#   make check-valgrind          a mixed run under valgrind memcheck
#   tests/fuzz/run               every libFuzzer target for FUZZ_SECONDS (30)
#   make check-deb               (as root) build, lintian, install, serve and
#                                purge the Debian package
# and prints "N passed, N failed, N skipped": every test of `make check`,
# check-soak and check-valgrind by its result, each other stage as one
# test.  SKIP_DISTCHECK=1, SKIP_CLANG_SANITIZERS=1, SKIP_STATIC_BINARY=1,
# SKIP_SOAK=1, SKIP_VALGRIND=1, SKIP_FUZZ=1 and SKIP_DEB=1 leave a stage
# out.
set -u
cd "$(dirname "$0")/.."
sh tools/deps.sh || exit 1
sh tools/build.sh || exit 1

status=0 pass=0 fail=0 skip=0

# Why each failing test failed, collected as the stages run and printed
# once more at the very end, just before the totals, where the tail of a CI
# log shows it.
WHY=$(mktemp "${TMPDIR:-/tmp}/run-tests-why.XXXXXX")
trap 'rm -f "$WHY"' EXIT

# why NAME FILE: NAME failed; the lines of FILE that say what failed
# ("FAIL: ...", "fuzz: FAIL: ...", a fuzz target's failed check, a
# sanitizer's report), each with the line before it, the last few of
# them, or else FILE's last lines, go to the final report.
why() {
	local pat='(^|: )(FAIL|ERROR)[: ]|check failed|runtime error|Sanitizer'
	{
		echo "--- $1"
		if grep -qE "$pat" "$2" 2>/dev/null; then
			grep -B1 -E "$pat" "$2" | tail -n 16
		else
			tail -n 6 "$2" 2>/dev/null
		fi
	} >> "$WHY"
}

# show_failures DIR...: the end of the log of every test that failed
# there, so CI output says why; each also goes to the final report.
show_failures() {
	for log in $(find "$@" -name '*.log' ! -name test-suite.log 2>/dev/null); do
		if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
			echo "===== $log"; tail -n 60 "$log"
			why "$log" "$log"
		fi
	done
}

# stage NAME OUT TRS CMD...: runs CMD with its output in OUT unless a stage
# before failed or SKIP_<NAME>=1, and prints its time.  Counted by the
# result in TRS (a test run through the harness), or, with TRS "-", as one
# test (exit 77: skipped).
stage() {
	name=$1 out=$2 trs=$3
	shift 3
	var=SKIP_$(echo "$name" | tr 'a-z-' 'A-Z_')
	[ "$status" -eq 0 ] || return 0
	eval "[ \"\${$var:-}\" != 1 ]" || { echo "$name: left out ($var=1)"; return 0; }
	[ "$trs" = - ] || rm -f "$trs"
	t0=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	case $rc in
	0)	echo "$name: ok ($secs s)" ;;
	77)	echo "$name: skipped ($secs s)"; tail -n 3 "$out" ;;
	*)	status=1; echo "$name: FAILED ($secs s)"; tail -n 80 "$out"
		why "stage $name ($out)" "$out" ;;
	esac
	if [ "$trs" != - ] && [ -f "$trs" ]; then
		count_trs "$trs"
		sed -n '/^# /p' "${trs%.trs}.log"	# the test's measurements
	else
		case $rc in
		0)	pass=$((pass + 1)) ;;
		77)	skip=$((skip + 1)) ;;
		*)	fail=$((fail + 1)) ;;
		esac
	fi
}

# count_trs FILE...: adds the results of these .trs files to the totals.
count_trs() {
	[ $# -gt 0 ] || return 0
	pass=$((pass + $(cat "$@" | grep -c '^:test-result: PASS')))
	fail=$((fail + $(cat "$@" | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')))
	skip=$((skip + $(cat "$@" | grep -c '^:test-result: SKIP')))
}

t0=$(date +%s)
make -j2 check || status=1
echo "make check: $(($(date +%s) - t0)) s"
show_failures tests man
count_trs $(find tests man -name '*.trs' ! -path 'tests/leak/*')
[ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1

stage distcheck distcheck.out - make -j2 distcheck
# A failed distcheck leaves its build tree, test logs and all.
[ "$status" -eq 0 ] || show_failures fcgiserve-*/_build
stage clang-sanitizers clang-sanitizers.out - make -j2 check-clang-sanitizers
[ "$status" -eq 0 ] || show_failures clang-sanitizers/build/tests \
    clang-sanitizers/build/man
stage static-binary static-binary.out - make -j2 check-static-binary
[ "$status" -eq 0 ] || show_failures static-binary/build/tests \
    static-binary/build/man
stage soak check-soak.out tests/leak/soak.trs make check-soak
stage valgrind check-valgrind.out tests/leak/valgrind.trs make check-valgrind
[ "$status" -eq 0 ] || show_failures tests/leak

# Every libFuzzer target for a short bounded time (tests/fuzz; 77 = no clang).
FUZZ_SECONDS=${FUZZ_SECONDS:-30}; export FUZZ_SECONDS
stage fuzz fuzz.out - sh tests/fuzz/run
[ "$(id -u)" -ne 0 ] || stage deb check-deb.out - make check-deb

if [ -s "$WHY" ]; then
	echo "===== what failed, and why"
	cat "$WHY"
fi
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
