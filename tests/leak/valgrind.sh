#!/bin/bash
# valgrind memcheck of fcgiserve over a mixed run (make check-valgrind; CI
# runs it): the load of tests/leak/load.sh, VALGRIND_REQUESTS (1000) of
# them with 2 timeouts and 5 client aborts, through both nginx fronts, and
# then a graceful stop.  valgrind follows the forks (workers, spares,
# request children: each its own log, vg.PID); programs a handler execs
# (sh for os.execute) run natively.  Asserts:
#   - no process reports a memory error: invalid read or write, use of an
#     uninitialised value, bad free, overlapping copy, bad syscall argument;
#   - the master and every worker end with nothing "definitely lost", and
#     a worker keeps no per-request memory to the end: what it holds at
#     exit is its few globals (the parsed config, the spare machinery's
#     event and buffer: 11 to 13 blocks measured), not a number growing
#     with the requests.
# Leaks are not counted in request children and the master's throwaway
# app-test process: they leave with _exit holding the template's memory,
# which their arena allocator (arena.c) drops on purpose.  No suppressions.
. "$(dirname "$0")/../integration/lib.sh" || exit 99
requires curl jq wrk valgrind

N=${VALGRIND_REQUESTS:-1000}
TIMEOUTS=2
ABORTS=5
WORKERS=2
MAX_BLOCKS_AT_EXIT=32

REAL_FCGISERVE=$FCGISERVE
requires_fcgiserve
file -L "$REAL_FCGISERVE" 2>/dev/null | grep -q 'ELF' ||
    skip "$REAL_FCGISERVE is not an ELF binary"
if grep -aqE '__(asan|ubsan)_' "$REAL_FCGISERVE"; then
	skip "a sanitizer build: valgrind cannot run ASan binaries"
fi
# lib.sh starts "$FCGISERVE -c CONF": run that under valgrind.
mkdir -p "$TMP/vg"
FCGISERVE=$TMP/fcgiserve-valgrind
cat > "$FCGISERVE" <<VG
#!/bin/sh
exec valgrind --tool=memcheck --trace-children=no \\
    --child-silent-after-fork=no --log-file='$TMP/vg/vg.%p' \\
    --leak-check=full --show-leak-kinds=definite \\
    --errors-for-leak-kinds=none --num-callers=30 \\
    '$REAL_FCGISERVE' "\$@"
VG
chmod +x "$FCGISERVE"

# Timeouts past request_timeout; everything else far inside it, even at
# valgrind's pace.
write_conf x app="$top_srcdir/tests/leak/app.lua" log_level=warn \
    workers=$WORKERS max_children=8 queue=256 request_timeout=5s \
    max_body_size=8k shutdown_timeout=30s
start_fcgiserve
master=$FCGISERVE_PID
wait_for 60 eval '[ "$(ps -o pid= --ppid "$master" | wc -l)" -eq $WORKERS ]' ||
    fail "$WORKERS workers did not start under valgrind within 60 s"
workers=$(ps -o pid= --ppid "$master" | tr -d ' ' | sort -n | tr '\n' ' ')
workers=${workers% }

. "$top_srcdir/tests/leak/load.sh" || exit 99

start=$(date +%s)
phase "$N" $TIMEOUTS $ABORTS
note "$answered_total requests under valgrind in $(( $(date +%s) - start )) s"
[ "$answered_total" -ge $((N - 8)) ] ||
    fail "only $answered_total of $N requests answered"
now=$(ps -o pid= --ppid "$master" | tr -d ' ' | sort -n | tr '\n' ' ')
assert_eq "$workers" "${now% }" "the workers after the run"
stop_fcgiserve 120

# ---------------------------------------------------------------- the logs

# vg_field FILE REGEX: the number after REGEX in a summary line (commas
# dropped), or empty.
vg_field() {
	sed -n "s/^==[0-9]*== *$2 *\([0-9,]*\).*/\1/p" "$1" | tr -d , | tail -n 1
}

logs=("$TMP"/vg/vg.*)
[ -e "${logs[0]}" ] || fail "valgrind wrote no logs"
ERRORS='^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination|Argument .* of function)'
children=0 bad=() shown=0
for f in "${logs[@]}"; do
	pid=${f##*.}
	case " $master $workers " in
	*" $pid "*) role=$([ "$pid" = "$master" ] && echo master || echo worker) ;;
	*)	role=child; children=$((children + 1)) ;;
	esac
	errors=$(vg_field "$f" 'ERROR SUMMARY:')
	before=${#bad[@]}
	if [ -z "$errors" ]; then
		# A child SIGKILLed (timeout, abort, /kill) writes no summary;
		# what it wrote before still counts.
		[ $role = child ] || bad+=("$role $pid wrote no summary")
		! grep -qE "$ERRORS" "$f" || bad+=("$role $pid: memory errors")
	elif [ "$errors" -ne 0 ]; then
		# A forked child's count includes what its worker had before.
		bad+=("$role $pid: $errors memory errors")
	fi
	if [ $role != child ]; then
		lost=$(vg_field "$f" 'definitely lost:')
		blocks=$(sed -n 's/^==[0-9]*== *in use at exit: [0-9,]* bytes in \([0-9,]*\) blocks.*/\1/p' "$f" | tr -d ,)
		note "$role $pid: ${errors:-?} errors, definitely lost ${lost:-?} bytes, in use at exit ${blocks:-?} blocks"
		[ "$lost" = 0 ] || bad+=("$role $pid: ${lost:-?} bytes definitely lost")
		[ $role != worker ] || [ "${blocks:-999999}" -le $MAX_BLOCKS_AT_EXIT ] ||
		    bad+=("worker $pid holds ${blocks:-?} blocks at exit (bound $MAX_BLOCKS_AT_EXIT)")
	fi
	# The first few logs with findings, for the test's log.
	if [ ${#bad[@]} -gt "$before" ] && [ $shown -lt 4 ]; then
		shown=$((shown + 1))
		printf -- '--- %s (%s)\n' "${f#"$TMP"/}" $role >&2
		grep -v '^==[0-9]*== *$' "$f" | sed -n '5,60p' >&2
	fi
done
note "$children request children, spares and app-test processes checked for errors"
[ "$children" -ge $((N / 2)) ] ||
    fail "valgrind followed only $children child processes for $N requests"
if [ ${#bad[@]} -gt 0 ]; then
	fail "memcheck: ${#bad[@]} findings: $(printf '%s; ' "${bad[@]:0:8}")"
fi
