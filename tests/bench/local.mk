# The side-by-side benchmark: fcgiserve, PHP-FPM and fcgiwrap behind one
# nginx, driven by wrk (tests/bench/run; results in tests/bench/RESULTS.md).
# Not part of "make check": speed is measured here, never asserted there.
#   make bench                   full run (~20 min)
#   make bench QUICK=1           smoke run (~1 min)
# Every knob of tests/bench/run (ROUNDS, DURATION, ...) passes through the
# environment.  Include this fragment after the "EXTRA_DIST =" line.

EXTRA_DIST += \
	tests/bench/run \
	tests/bench/forkfloor.c \
	tests/bench/calibrate.c \
	tests/bench/seccompcost.c \
	tests/bench/apps/hello.lua \
	tests/bench/apps/big.lua \
	tests/bench/php/hello.php \
	tests/bench/php/cpu.php \
	tests/bench/php/big.php \
	tests/bench/php/echo.php \
	tests/bench/cgi/hello.sh \
	tests/bench/cgi/cpu.sh \
	tests/bench/cgi/big.sh \
	tests/bench/cgi/echo.sh \
	tests/bench/RESULTS.md \
	tests/bench/RESULTS-static-binary.md \
	tests/bench/RESULTS-isolation.md \
	tests/bench/RESULTS-sandbox.md

bench: src/fcgiserve src/libfcgiserve.a
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	FCGISERVE='$(abs_top_builddir)/src/fcgiserve' \
	LIBFCGISERVE='$(abs_top_builddir)/src/libfcgiserve.a' \
	CC='$(CC)' FORKFLOOR_FLAGS='$(SANITIZER_CFLAGS)' \
	FORKFLOOR_LIBS='$(PROG_LDFLAGS) $(DEP_LDFLAGS) $(STATIC_OBJ) $(PROG_LIBS)' \
	BENCH_COMMAND='make bench' \
	bash '$(abs_top_srcdir)/tests/bench/run'

.PHONY: bench

# A PostgreSQL connection per request, direct and through PgBouncer
# (tests/bench/pg; results in tests/bench/RESULTS-pg.md).
#   make bench-pg                full run (~3 min)
#   make bench-pg QUICK=1        smoke run (~1 min)
EXTRA_DIST += tests/bench/pg tests/bench/RESULTS-pg.md
bench-pg: src/fcgiserve
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	FCGISERVE='$(abs_top_builddir)/src/fcgiserve' CC='$(CC)' \
	bash '$(abs_top_srcdir)/tests/bench/pg'

.PHONY: bench-pg
