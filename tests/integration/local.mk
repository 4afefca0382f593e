# Integration tests: real nginx (and lighttpd) + real fcgiserve + curl + jq
# over loopback.  Included by the top Makefile.am, at its end.  Each script
# is one behaviour; lib.sh is the shared helper they source; apps/ holds the
# Lua apps they serve.  They are distributed through dist_check_*.
#
# Each test is named once, in one of two lists:
# - INTEGRATION_BOTH_TESTS, behaviours that apply to both protocols: each
#   runs as it is, with PROTOCOL unset, i.e. FastCGI, and once more over
#   SCGI through a generated wrapper, NAME-scgi.sh (SCGI_INTEGRATION_TESTS
#   below);
# - INTEGRATION_ONCE_TESTS, tests that run once (why: above that list).

INTEGRATION_BOTH_TESTS = \
	tests/integration/abort.sh \
	tests/integration/access-log-combined.sh \
	tests/integration/access-log.sh \
	tests/integration/after.sh \
	tests/integration/app-function.sh \
	tests/integration/bad-json.sh \
	tests/integration/body-too-large.sh \
	tests/integration/child-exit.sh \
	tests/integration/child-fds.sh \
	tests/integration/client-abort.sh \
	tests/integration/configtest-good.sh \
	tests/integration/cors-headers.sh \
	tests/integration/cors-preflight.sh \
	tests/integration/error-log.sh \
	tests/integration/handler-error.sh \
	tests/integration/handler-spawn.sh \
	tests/integration/head-raw.sh \
	tests/integration/head.sh \
	tests/integration/header-injection.sh \
	tests/integration/isolation-random.sh \
	tests/integration/isolation-state.sh \
	tests/integration/json-encode-error.sh \
	tests/integration/large-request.sh \
	tests/integration/large-response.sh \
	tests/integration/lighttpd.sh \
	tests/integration/limit-body-size.sh \
	tests/integration/limit-connections.sh \
	tests/integration/limit-header-timeout.sh \
	tests/integration/limit-param-length.sh \
	tests/integration/limit-params-count.sh \
	tests/integration/limit-params-size.sh \
	tests/integration/limit-response-size.sh \
	tests/integration/listen-ipv6.sh \
	tests/integration/listen-mode.sh \
	tests/integration/log-reopen-privdrop.sh \
	tests/integration/log-reopen.sh \
	tests/integration/max-connections.sh \
	tests/integration/method-not-allowed.sh \
	tests/integration/nginx-413.sh \
	tests/integration/nginx-502.sh \
	tests/integration/nginx-configtest.sh \
	tests/integration/not-found.sh \
	tests/integration/overload-503.sh \
	tests/integration/parallel.sh \
	tests/integration/param-override.sh \
	tests/integration/queue.sh \
	tests/integration/read-timeout.sh \
	tests/integration/reload-bad.sh \
	tests/integration/reload-load.sh \
	tests/integration/reload-signals.sh \
	tests/integration/req-fields.sh \
	tests/integration/request-id.sh \
	tests/integration/response-flood.sh \
	tests/integration/return-nil.sh \
	tests/integration/return-raw.sh \
	tests/integration/return-status-headers.sh \
	tests/integration/return-table.sh \
	tests/integration/sigterm-inflight.sh \
	tests/integration/sigterm-timeout.sh \
	tests/integration/sigterm-twice.sh \
	tests/integration/slowlog.sh \
	tests/integration/status-counters.sh \
	tests/integration/status-workers.sh \
	tests/integration/status.sh \
	tests/integration/stream-client.sh \
	tests/integration/stream.sh \
	tests/integration/timeout-504.sh \
	tests/integration/worker-kill-load.sh \
	tests/integration/worker-respawn.sh

# Run once, as:
# - FastCGI only: cgi-fcgi*.sh, keepalive.sh, malformed-record.sh,
#   fcgi-abort-request.sh, scale-out.sh (FastCGI records, libfcgi's client,
#   keep-alive, the FastCGI upstream site; they skip themselves under
#   PROTOCOL=scgi), limit-requests-per-connection.sh (keep-alive);
# - they choose their protocols themselves: two-pools.sh, two-protocols.sh,
#   scgi-connections.sh;
# - no pool runs: cli.sh, cli-request.sh, configtest-lua-syntax.sh,
#   configtest-unknown-key.sh, configtest-log-files.sh;
# - identity, sockets and peers, not the protocol: allow-root.sh,
#   nonroot-identity.sh, listen-owner.sh, allowed-clients.sh;
# - they reach a second socket with cgi-fcgi: reload-listen.sh,
#   reload-pools.sh;
# - request children, the zygote and the worker's memory, whatever
#   brought the request: child-*-limit.sh, child-open-files.sh, spare-*.sh,
#   slowlog-zygote.sh, template-hugepages.sh, sanitizer-child.sh,
#   lua-c-module.sh, isolation-process.sh, reset-verify.sh, shared-dict*.sh,
#   stream-many.sh (100 streams: once is enough), sse.sh (the SSE format
#   is the handler's, whatever the protocol), every.sh (no request);
# - no pool runs, requests go through `fcgiserve request`:
#   lua-test-module.sh;
# - the error log's format, whatever the protocol: error-log-json.sh;
# - it edits files and waits for reloads; the protocol plays no part:
#   reload-on-change.sh;
# - it needs PostgreSQL, started by the test, and the app is what it
#   tests, not the protocol: notes-pg.sh;
# - the sandbox confines the request process, whatever the protocol:
#   sandbox.sh;
# - outgoing HTTP from a handler, whatever brought the request (and ~30 s
#   of waiting on a dripping peer): http-client.sh.
INTEGRATION_ONCE_TESTS = \
	tests/integration/allow-root.sh \
	tests/integration/allowed-clients.sh \
	tests/integration/cgi-fcgi-bad-request-id.sh \
	tests/integration/cgi-fcgi-fallbacks.sh \
	tests/integration/cgi-fcgi.sh \
	tests/integration/child-cpu-limit.sh \
	tests/integration/child-memory-limit.sh \
	tests/integration/child-open-files.sh \
	tests/integration/cli.sh \
	tests/integration/cli-request.sh \
	tests/integration/configtest-log-files.sh \
	tests/integration/configtest-lua-syntax.sh \
	tests/integration/configtest-unknown-key.sh \
	tests/integration/error-log-json.sh \
	tests/integration/every.sh \
	tests/integration/fcgi-abort-request.sh \
	tests/integration/http-client.sh \
	tests/integration/isolation-process.sh \
	tests/integration/keepalive.sh \
	tests/integration/limit-requests-per-connection.sh \
	tests/integration/listen-owner.sh \
	tests/integration/lua-c-module.sh \
	tests/integration/lua-test-module.sh \
	tests/integration/malformed-record.sh \
	tests/integration/notes-pg.sh \
	tests/integration/nonroot-identity.sh \
	tests/integration/reload-listen.sh \
	tests/integration/reload-on-change.sh \
	tests/integration/reload-pools.sh \
	tests/integration/reset-verify.sh \
	tests/integration/sandbox.sh \
	tests/integration/sanitizer-child.sh \
	tests/integration/scale-out.sh \
	tests/integration/scgi-connections.sh \
	tests/integration/shared-dict-incr.sh \
	tests/integration/shared-dict-kill.sh \
	tests/integration/shared-dict.sh \
	tests/integration/slowlog-zygote.sh \
	tests/integration/spare-surplus.sh \
	tests/integration/spare-wait.sh \
	tests/integration/spare-zygote.sh \
	tests/integration/sse.sh \
	tests/integration/stream-many.sh \
	tests/integration/template-hugepages.sh \
	tests/integration/two-pools.sh \
	tests/integration/two-protocols.sh

INTEGRATION_TESTS = $(INTEGRATION_BOTH_TESTS) $(INTEGRATION_ONCE_TESTS)

dist_check_SCRIPTS = $(INTEGRATION_TESTS)

# The Lua C module lua-c-module.sh requires: a shared object, which
# automake has no primary for without libtool, so a rule of its own.
check_DATA = tests/integration/testmod.so tests/integration/probemod.so
tests/integration/testmod.so: tests/integration/testmod.c
	$(AM_V_CC)$(MKDIR_P) tests/integration && $(CC) $(CPPFLAGS) $(CFLAGS) \
	    $(WARN_CFLAGS) $(LUA_CFLAGS) -shared -fPIC -o $@ \
	    $(srcdir)/tests/integration/testmod.c
tests/integration/probemod.so: tests/integration/probemod.c
	$(AM_V_CC)$(MKDIR_P) tests/integration && $(CC) $(CPPFLAGS) $(CFLAGS) \
	    $(WARN_CFLAGS) $(LUA_CFLAGS) -shared -fPIC -pthread -o $@ \
	    $(srcdir)/tests/integration/probemod.c
CLEANFILES += tests/integration/testmod.so tests/integration/probemod.so
EXTRA_DIST += tests/integration/testmod.c tests/integration/probemod.c \
	tests/integration/sse_client.py
dist_check_DATA = \
	tests/integration/lib.sh \
	tests/integration/metrics-check.awk \
	tests/integration/lua-test-module_spec.lua \
	tests/integration/apps/api.lua \
	tests/integration/apps/every.lua \
	tests/integration/apps/bigarray.lua \
	tests/integration/apps/fault.lua \
	tests/integration/apps/function.lua \
	tests/integration/apps/host.lua \
	tests/integration/apps/http.lua \
	tests/integration/apps/isolation.lua \
	tests/integration/apps/limits.lua \
	tests/integration/apps/probe.lua \
	tests/integration/apps/sandbox.lua \
	tests/integration/apps/shared.lua \
	tests/integration/apps/stream.lua \
	tests/integration/apps/syntax-error.lua

# The same behaviours over SCGI: tests/integration/NAME-scgi.sh is a
# generated one-line wrapper that runs tests/integration/NAME.sh with
# PROTOCOL=scgi (lib.sh then writes "protocol = scgi" into the pool and
# serves nginx/fcgiserve-scgi-site.conf; lighttpd.sh uses mod_scgi).  Each
# run has its own name, log and result.  The names come from the list by a
# suffix substitution, the only kind portable make has (automake also turns
# a %-pattern substitution in TESTS into the bare list, silently).
SCGI_INTEGRATION_TESTS = $(INTEGRATION_BOTH_TESTS:.sh=-scgi.sh)

TESTS += $(SCGI_INTEGRATION_TESTS)
CLEANFILES += $(SCGI_INTEGRATION_TESTS)

# Behaviours that must hold with the sandbox on (sandbox = on in the pool,
# the test's temp dir its one writable place, programs allowed: lib.sh's
# SANDBOX=on): tests/integration/NAME-sandbox.sh runs NAME.sh so, made
# like the SCGI wrappers.  What the sandbox refuses is sandbox.sh's.
SANDBOX_INTEGRATION_TESTS = \
	tests/integration/after-sandbox.sh \
	tests/integration/child-fds-sandbox.sh \
	tests/integration/handler-error-sandbox.sh \
	tests/integration/handler-spawn-sandbox.sh \
	tests/integration/http-client-sandbox.sh \
	tests/integration/isolation-process-sandbox.sh \
	tests/integration/isolation-state-sandbox.sh \
	tests/integration/lua-c-module-sandbox.sh \
	tests/integration/notes-pg-sandbox.sh \
	tests/integration/parallel-sandbox.sh \
	tests/integration/reset-verify-sandbox.sh \
	tests/integration/shared-dict-sandbox.sh \
	tests/integration/slowlog-sandbox.sh \
	tests/integration/stream-sandbox.sh

TESTS += $(SANDBOX_INTEGRATION_TESTS)
CLEANFILES += $(SANDBOX_INTEGRATION_TESTS)

# One explicit rule for both kinds of wrapper (no %-pattern rule: portable
# make): the suffix says which variable it sets.  The wrapper names its test
# by absolute path, so it works in a VPATH build (distcheck) and when run
# by hand.
$(SCGI_INTEGRATION_TESTS) $(SANDBOX_INTEGRATION_TESTS): Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/integration && \
	case '$@' in \
	*-scgi.sh) set -- -scgi 'PROTOCOL=scgi; export PROTOCOL' 'over SCGI' ;; \
	*) set -- -sandbox 'SANDBOX=on; export SANDBOX' 'with the sandbox on' ;; \
	esac && \
	t=`echo '$@' | sed "s|.*/||; s|$$1\.sh$$|.sh|"` && \
	{ echo '#!/bin/sh'; \
	  echo "# Generated by make (tests/integration/local.mk): $$t $$3."; \
	  echo "$$2; exec /bin/sh '$(abs_top_srcdir)/tests/integration/$$t' \"\$$@\""; \
	} > $@-t && chmod +x $@-t && mv -f $@-t $@

# The SCGI site for nginx, installed with the FastCGI one (nginx/).
dist_nginx_DATA += nginx/fcgiserve-scgi-site.conf nginx/fcgiserve_scgi_params

# How to put each front end (nginx, lighttpd, Apache) before fcgiserve.
EXTRA_DIST += docs/frontends.md docs/runners.md
