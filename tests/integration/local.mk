# Integration tests: real nginx (and lighttpd) + real fcgiserve + curl + jq
# over loopback.  Included by the top Makefile.am, at its end.  Each script
# is one behaviour; lib.sh is the shared helper they source; apps/ holds the
# Lua apps they serve.  They are distributed through dist_check_*.
#
# Each runs with PROTOCOL unset, i.e. FastCGI.  Those that apply to both
# protocols run a second time over SCGI: SCGI_INTEGRATION_TESTS below.

INTEGRATION_TESTS = \
	tests/integration/abort.sh \
	tests/integration/allowed-clients.sh \
	tests/integration/app-function.sh \
	tests/integration/bad-json.sh \
	tests/integration/body-too-large.sh \
	tests/integration/cgi-fcgi-bad-request-id.sh \
	tests/integration/cgi-fcgi-fallbacks.sh \
	tests/integration/child-cpu-limit.sh \
	tests/integration/child-memory-limit.sh \
	tests/integration/child-open-files.sh \
	tests/integration/cgi-fcgi.sh \
	tests/integration/child-exit.sh \
	tests/integration/cli.sh \
	tests/integration/client-abort.sh \
	tests/integration/configtest-good.sh \
	tests/integration/configtest-lua-syntax.sh \
	tests/integration/configtest-unknown-key.sh \
	tests/integration/cors-headers.sh \
	tests/integration/cors-preflight.sh \
	tests/integration/handler-error.sh \
	tests/integration/handler-spawn.sh \
	tests/integration/head.sh \
	tests/integration/header-injection.sh \
	tests/integration/isolation-random.sh \
	tests/integration/isolation-state.sh \
	tests/integration/json-encode-error.sh \
	tests/integration/keepalive.sh \
	tests/integration/large-request.sh \
	tests/integration/large-response.sh \
	tests/integration/lighttpd.sh \
	tests/integration/listen-ipv6.sh \
	tests/integration/listen-mode.sh \
	tests/integration/log-reopen.sh \
	tests/integration/malformed-record.sh \
	tests/integration/method-not-allowed.sh \
	tests/integration/nginx-413.sh \
	tests/integration/nginx-502.sh \
	tests/integration/nginx-configtest.sh \
	tests/integration/not-found.sh \
	tests/integration/overload-503.sh \
	tests/integration/parallel.sh \
	tests/integration/queue.sh \
	tests/integration/req-fields.sh \
	tests/integration/request-id.sh \
	tests/integration/return-nil.sh \
	tests/integration/return-raw.sh \
	tests/integration/return-status-headers.sh \
	tests/integration/return-table.sh \
	tests/integration/sanitizer-child.sh \
	tests/integration/scgi-connections.sh \
	tests/integration/sigterm-inflight.sh \
	tests/integration/sigterm-timeout.sh \
	tests/integration/timeout-504.sh \
	tests/integration/two-pools.sh \
	tests/integration/two-protocols.sh \
	tests/integration/worker-respawn.sh

dist_check_SCRIPTS = $(INTEGRATION_TESTS)
dist_check_DATA = \
	tests/integration/lib.sh \
	tests/integration/apps/api.lua \
	tests/integration/apps/fault.lua \
	tests/integration/apps/function.lua \
	tests/integration/apps/isolation.lua \
	tests/integration/apps/syntax-error.lua

# The same behaviours over SCGI: tests/integration/scgi/NAME.sh is a
# generated one-line wrapper that runs tests/integration/NAME.sh with
# PROTOCOL=scgi (lib.sh then writes "protocol = scgi" into the pool and
# serves nginx/fcgiserve-scgi-site.conf; lighttpd.sh uses mod_scgi).  Each
# run has its own name, log and result.  Left out, as FastCGI-only or not
# about the protocol: cgi-fcgi*.sh, keepalive.sh, malformed-record.sh
# (FastCGI records, libfcgi's client, keep-alive; they skip themselves
# under PROTOCOL=scgi), two-pools.sh, two-protocols.sh and
# scgi-connections.sh (they choose their protocols themselves), cli.sh,
# configtest-lua-syntax.sh and configtest-unknown-key.sh (no pool runs).
SCGI_INTEGRATION_TESTS = \
	tests/integration/scgi/abort.sh \
	tests/integration/scgi/app-function.sh \
	tests/integration/scgi/bad-json.sh \
	tests/integration/scgi/body-too-large.sh \
	tests/integration/scgi/child-exit.sh \
	tests/integration/scgi/client-abort.sh \
	tests/integration/scgi/configtest-good.sh \
	tests/integration/scgi/cors-headers.sh \
	tests/integration/scgi/cors-preflight.sh \
	tests/integration/scgi/handler-error.sh \
	tests/integration/scgi/handler-spawn.sh \
	tests/integration/scgi/head.sh \
	tests/integration/scgi/header-injection.sh \
	tests/integration/scgi/isolation-random.sh \
	tests/integration/scgi/isolation-state.sh \
	tests/integration/scgi/json-encode-error.sh \
	tests/integration/scgi/large-request.sh \
	tests/integration/scgi/large-response.sh \
	tests/integration/scgi/lighttpd.sh \
	tests/integration/scgi/listen-ipv6.sh \
	tests/integration/scgi/listen-mode.sh \
	tests/integration/scgi/log-reopen.sh \
	tests/integration/scgi/method-not-allowed.sh \
	tests/integration/scgi/nginx-413.sh \
	tests/integration/scgi/nginx-502.sh \
	tests/integration/scgi/nginx-configtest.sh \
	tests/integration/scgi/not-found.sh \
	tests/integration/scgi/overload-503.sh \
	tests/integration/scgi/parallel.sh \
	tests/integration/scgi/queue.sh \
	tests/integration/scgi/req-fields.sh \
	tests/integration/scgi/request-id.sh \
	tests/integration/scgi/return-nil.sh \
	tests/integration/scgi/return-raw.sh \
	tests/integration/scgi/return-status-headers.sh \
	tests/integration/scgi/return-table.sh \
	tests/integration/scgi/sigterm-inflight.sh \
	tests/integration/scgi/sigterm-timeout.sh \
	tests/integration/scgi/timeout-504.sh \
	tests/integration/scgi/worker-respawn.sh

TESTS += $(SCGI_INTEGRATION_TESTS)
CLEANFILES += $(SCGI_INTEGRATION_TESTS)

# One explicit rule for all wrappers (no %-pattern rule: portable make).
# The wrapper names its test by absolute path, so it works in a VPATH build
# (distcheck) and when run by hand.
$(SCGI_INTEGRATION_TESTS): Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/integration/scgi && \
	t=`echo '$@' | sed 's|.*/||'` && \
	{ echo '#!/bin/sh'; \
	  echo "# Generated by make (tests/integration/local.mk): $$t over SCGI."; \
	  echo "PROTOCOL=scgi; export PROTOCOL; exec /bin/sh '$(abs_top_srcdir)/tests/integration/$$t' \"\$$@\""; \
	} > $@-t && chmod +x $@-t && mv -f $@-t $@

# The SCGI site for nginx, installed with the FastCGI one (nginx/).
dist_nginx_DATA += nginx/fcgiserve-scgi-site.conf nginx/fcgiserve_scgi_params

# How to put each front end (nginx, lighttpd, Apache) before fcgiserve.
EXTRA_DIST += docs/frontends.md
