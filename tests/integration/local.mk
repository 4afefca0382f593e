# Integration tests: real nginx + real fcgiserve + curl + jq over loopback.
# Included by the top Makefile.am.  Each script is one behaviour; lib.sh is
# the shared helper they source; apps/ holds the Lua apps they serve.
# They are distributed through dist_check_*, not "EXTRA_DIST +=", so this
# fragment works wherever Makefile.am includes it (automake refuses "+="
# before the "EXTRA_DIST =" that follows the include).

INTEGRATION_TESTS = \
	tests/integration/abort.sh \
	tests/integration/app-function.sh \
	tests/integration/bad-json.sh \
	tests/integration/body-too-large.sh \
	tests/integration/cgi-fcgi-bad-request-id.sh \
	tests/integration/cgi-fcgi-fallbacks.sh \
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
	tests/integration/sigterm-inflight.sh \
	tests/integration/sigterm-timeout.sh \
	tests/integration/timeout-504.sh \
	tests/integration/two-pools.sh \
	tests/integration/worker-respawn.sh

dist_check_SCRIPTS = $(INTEGRATION_TESTS)
dist_check_DATA = \
	tests/integration/lib.sh \
	tests/integration/apps/api.lua \
	tests/integration/apps/function.lua \
	tests/integration/apps/isolation.lua \
	tests/integration/apps/syntax-error.lua
