# Leak tests (tests/leak/): a mixed load through nginx (load.sh, wrk with
# mix.lua, serving app.lua).  Not part of "make check": they take minutes
# and need wrk (and valgrind); CI runs both (tools/run-tests.sh).
#   make check-soak       100 000 requests: the master's and workers' RSS
#                         and descriptors flat (soak.sh)
#   make check-valgrind   1000 requests under valgrind memcheck: no memory
#                         errors anywhere, no leaks in master and workers
#                         (valgrind.sh)
# Each runs through the test harness (its log and .trs beside the script).

LEAK_SOAK_TESTS = tests/leak/soak.sh
LEAK_VALGRIND_TESTS = tests/leak/valgrind.sh

check-soak:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(LEAK_SOAK_TESTS)'
check-valgrind:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(LEAK_VALGRIND_TESTS)'
.PHONY: check-soak check-valgrind

EXTRA_DIST += \
	tests/leak/app.lua \
	tests/leak/load.sh \
	tests/leak/mix.lua \
	tests/leak/soak.sh \
	tests/leak/valgrind.sh
