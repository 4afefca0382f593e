# libFuzzer targets: make fuzz (see tests/fuzz/README)
#
# make fuzz builds tests/fuzz/fuzz_* with clang (ASan + UBSan + libFuzzer)
# into the build tree and runs each for FUZZ_SECONDS (default 60) on a
# temporary copy of its seed corpus; it fails if any target finds a crash.
#   make fuzz FUZZ_SECONDS=20        CI: FUZZ_SECONDS=20 sh tests/fuzz/run
# Not part of "make check": it needs clang and takes minutes.  Include this
# fragment after the "EXTRA_DIST =" line.
#
# The corpus list below is generated; after adding seeds, regenerate it with
#   (cd $(top_srcdir) && LC_ALL=C find tests/fuzz/corpus -type f | sort)

fuzz:
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	FUZZ_SECONDS='$(FUZZ_SECONDS)' \
	FUZZ_DEP_CFLAGS='$(JANSSON_CFLAGS) $(LUA_CFLAGS) $(FCGI_CFLAGS)' \
	FUZZ_DEP_LIBS='$(JANSSON_LIBS) $(LUA_LIBS)' \
	sh '$(abs_top_srcdir)/tests/fuzz/run'

# Only what tests/fuzz/run builds: in an in-tree build this directory also
# holds the sources.
fuzz-clean:
	-rm -rf tests/fuzz/obj tests/fuzz/logs tests/fuzz/artifacts
	-rm -f tests/fuzz/fuzz_fastcgi tests/fuzz/fuzz_fastcgi_params \
	    tests/fuzz/fuzz_scgi tests/fuzz/fuzz_conf tests/fuzz/fuzz_json \
	    tests/fuzz/fuzz_query
clean-local: fuzz-clean

.PHONY: fuzz fuzz-clean

EXTRA_DIST += \
	tests/fuzz/README \
	tests/fuzz/run \
	tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_feed.h \
	tests/fuzz/fuzz_fastcgi.c \
	tests/fuzz/fuzz_fastcgi_params.c \
	tests/fuzz/fuzz_scgi.c \
	tests/fuzz/fuzz_conf.c \
	tests/fuzz/fuzz_json.c \
	tests/fuzz/fuzz_query.c \
	tests/fuzz/conf.dict \
	tests/fuzz/json.dict \
	tests/fuzz/scgi.dict \
	tests/fuzz/corpus/conf/bad-00-key-a-outside-any-section-start-with-global \
	tests/fuzz/corpus/conf/bad-03-unknown-section-pools-a-expected-global-or \
	tests/fuzz/corpus/conf/bad-04-unknown-section-expected-global-or-pool \
	tests/fuzz/corpus/conf/bad-05-unknown-key-foo-in-pool-a \
	tests/fuzz/corpus/conf/bad-07-unknown-key-listen-in-global-it-belongs-in-a \
	tests/fuzz/corpus/conf/bad-10-unknown-key-work-ers-in-pool-a \
	tests/fuzz/corpus/conf/bad-101-listen-expected-an-absolute-unix-socket-path \
	tests/fuzz/corpus/conf/bad-102-listen-expected-an-absolute-unix-socket-path \
	tests/fuzz/corpus/conf/bad-103-listen-expected-an-absolute-unix-socket-path \
	tests/fuzz/corpus/conf/bad-106-listen-expected-an-absolute-unix-socket-path \
	tests/fuzz/corpus/conf/bad-107-listen-expected-a-port-from-1-to-65535-got \
	tests/fuzz/corpus/conf/bad-108-listen-expected-a-port-from-1-to-65535-got \
	tests/fuzz/corpus/conf/bad-109-listen-expected-a-port-from-1-to-65535 \
	tests/fuzz/corpus/conf/bad-112-log-level-expected-error-warn-info-or-debug \
	tests/fuzz/corpus/conf/bad-114-error-log-expected-stderr-syslog-or-an \
	tests/fuzz/corpus/conf/bad-115-shutdown-timeout-expected-a-duration-from-0 \
	tests/fuzz/corpus/conf/bad-116-shutdown-timeout-expected-a-duration-from-0 \
	tests/fuzz/corpus/conf/bad-117-shutdown-timeout-expected-a-duration-from-0 \
	tests/fuzz/corpus/conf/bad-12-duplicate-key-log-level-in-global-first-set \
	tests/fuzz/corpus/conf/bad-13-duplicate-global-section-first-on-line \
	tests/fuzz/corpus/conf/bad-14-duplicate-pool-name-a-first-on-line-1 \
	tests/fuzz/corpus/conf/bad-15-listen-run-a-sock-is-already-used-by-pool-a \
	tests/fuzz/corpus/conf/bad-16-listen-127-0-0-1-9000-is-already-used-by-pool \
	tests/fuzz/corpus/conf/bad-17-listen-0-0-0-0-9000-is-already-used-by-pool-a \
	tests/fuzz/corpus/conf/bad-18-listen-1-9000-is-already-used-by-pool-a-line \
	tests/fuzz/corpus/conf/bad-19-expected-key-value-got-max-children \
	tests/fuzz/corpus/conf/bad-20-missing-key-before \
	tests/fuzz/corpus/conf/bad-22-no-pool-section \
	tests/fuzz/corpus/conf/bad-23-no-pool-section \
	tests/fuzz/corpus/conf/bad-24-pool-api-has-no-listen \
	tests/fuzz/corpus/conf/bad-25-pool-api-has-no-listen \
	tests/fuzz/corpus/conf/bad-27-pool-api-has-no-app \
	tests/fuzz/corpus/conf/bad-28-pool-api-has-no-app \
	tests/fuzz/corpus/conf/bad-29-a-pool-needs-a-name-pool-name \
	tests/fuzz/corpus/conf/bad-30-a-pool-needs-a-name-pool-name \
	tests/fuzz/corpus/conf/bad-31-invalid-pool-name-a-b-use-1-to-64-of-a-z-a-z \
	tests/fuzz/corpus/conf/bad-34-unterminated-section-header-expected \
	tests/fuzz/corpus/conf/bad-35-unexpected-text-after-section-header-x \
	tests/fuzz/corpus/conf/bad-36-unterminated-quoted-value \
	tests/fuzz/corpus/conf/bad-37-unexpected-text-after-quoted-value-x \
	tests/fuzz/corpus/conf/bad-38-max-children-expected-an-integer-from-1-to \
	tests/fuzz/corpus/conf/bad-44-max-children-expected-an-integer-from-1-to \
	tests/fuzz/corpus/conf/bad-46-max-children-expected-an-integer-from-1-to \
	tests/fuzz/corpus/conf/bad-47-workers-expected-an-integer-from-1-to-256-got \
	tests/fuzz/corpus/conf/bad-48-workers-expected-an-integer-from-1-to-256-got \
	tests/fuzz/corpus/conf/bad-49-queue-expected-an-integer-from-0-to-65535-got \
	tests/fuzz/corpus/conf/bad-50-queue-expected-an-integer-from-0-to-65535-got \
	tests/fuzz/corpus/conf/bad-58-workers-expected-an-integer-from-1-to-256 \
	tests/fuzz/corpus/conf/bad-60-listen-mode-expected-an-octal-mode-from-0-to \
	tests/fuzz/corpus/conf/bad-61-listen-mode-expected-an-octal-mode-from-0-to \
	tests/fuzz/corpus/conf/bad-64-listen-mode-expected-an-octal-mode-from-0-to \
	tests/fuzz/corpus/conf/bad-67-protocol-expected-fastcgi-or-scgi-got \
	tests/fuzz/corpus/conf/bad-73-request-timeout-expected-a-duration-from-1ms \
	tests/fuzz/corpus/conf/bad-74-request-timeout-expected-a-duration-from-1ms \
	tests/fuzz/corpus/conf/bad-75-max-body-size-expected-a-size-from-0-to-1g-e \
	tests/fuzz/corpus/conf/bad-77-max-body-size-expected-a-size-from-0-to-1g-e \
	tests/fuzz/corpus/conf/bad-79-max-body-size-expected-a-size-from-0-to-1g-e \
	tests/fuzz/corpus/conf/bad-80-max-response-size-expected-a-size-from-1k-to \
	tests/fuzz/corpus/conf/bad-82-read-timeout-expected-a-duration-from-1ms-to \
	tests/fuzz/corpus/conf/bad-85-allowed-clients-expected-ipv4-or-ipv6 \
	tests/fuzz/corpus/conf/bad-86-allowed-clients-expected-ipv4-or-ipv6 \
	tests/fuzz/corpus/conf/bad-87-allowed-clients-expected-ipv4-or-ipv6 \
	tests/fuzz/corpus/conf/bad-88-allowed-clients-expected-ipv4-or-ipv6 \
	tests/fuzz/corpus/conf/bad-90-read-timeout-expected-a-duration-from-1ms-to \
	tests/fuzz/corpus/conf/bad-91-user-expected-a-user-name-made-of-a-z-a-z-0-9 \
	tests/fuzz/corpus/conf/bad-93-user-expected-a-user-name-made-of-a-z-a-z-0-9 \
	tests/fuzz/corpus/conf/bad-95-group-expected-a-group-name-made-of-a-z-a-z-0 \
	tests/fuzz/corpus/conf/bad-96-group-expected-a-group-name-made-of-a-z-a-z-0 \
	tests/fuzz/corpus/conf/bad-97-app-expected-the-path-of-a-lua-file-got \
	tests/fuzz/corpus/conf/every-key \
	tests/fuzz/corpus/conf/minimal \
	tests/fuzz/corpus/conf/shipped \
	tests/fuzz/corpus/conf/two-pools-tcp-ipv6 \
	tests/fuzz/corpus/fastcgi/abort-receiving-and-in-flight \
	tests/fuzz/corpus/fastcgi/bad-00-unsupported-fastcgi-version-2 \
	tests/fuzz/corpus/fastcgi/bad-01-unsupported-fastcgi-version-0 \
	tests/fuzz/corpus/fastcgi/bad-02-fcgi-begin-request-with-content-length-7 \
	tests/fuzz/corpus/fastcgi/bad-03-fcgi-begin-request-with-request-id-0 \
	tests/fuzz/corpus/fastcgi/bad-04-duplicate-request-id-1 \
	tests/fuzz/corpus/fastcgi/bad-05-duplicate-request-id-7 \
	tests/fuzz/corpus/fastcgi/bad-06-truncated-name-value-pair-in-fcgi-params \
	tests/fuzz/corpus/fastcgi/bad-07-truncated-name-value-pair-in-fcgi-params \
	tests/fuzz/corpus/fastcgi/bad-08-truncated-name-value-pair-in-fcgi-params \
	tests/fuzz/corpus/fastcgi/bad-09-truncated-name-value-pair-in-fcgi-params \
	tests/fuzz/corpus/fastcgi/bad-10-truncated-name-value-pair-in-fcgi-params \
	tests/fuzz/corpus/fastcgi/bad-11-empty-param-name-in-fcgi-params-request-id \
	tests/fuzz/corpus/fastcgi/bad-12-nul-in-param-name-in-fcgi-params-request-id \
	tests/fuzz/corpus/fastcgi/bad-13-fcgi-params-for-request-id-1-after-the-end-of \
	tests/fuzz/corpus/fastcgi/bad-14-fcgi-params-for-request-id-1-after-the-end-of \
	tests/fuzz/corpus/fastcgi/bad-15-fcgi-params-for-request-id-1-after-the-end-of \
	tests/fuzz/corpus/fastcgi/bad-16-fcgi-stdin-for-request-id-1-before-the-end-of \
	tests/fuzz/corpus/fastcgi/bad-17-fcgi-stdin-for-request-id-1-after-the-end-of \
	tests/fuzz/corpus/fastcgi/bad-18-unexpected-fcgi-stdout-record-from-the-web \
	tests/fuzz/corpus/fastcgi/bad-19-unexpected-fcgi-stderr-record-from-the-web \
	tests/fuzz/corpus/fastcgi/bad-20-unexpected-fcgi-end-request-record-from-the \
	tests/fuzz/corpus/fastcgi/bad-21-unexpected-fcgi-get-values-result-record-from \
	tests/fuzz/corpus/fastcgi/bad-22-unexpected-fcgi-unknown-type-record-from-the \
	tests/fuzz/corpus/fastcgi/bad-23-fcgi-get-values-with-request-id-3 \
	tests/fuzz/corpus/fastcgi/bad-24-truncated-name-value-pair-in-fcgi-get \
	tests/fuzz/corpus/fastcgi/discard-then-reuse-id \
	tests/fuzz/corpus/fastcgi/empty-params-id-65535 \
	tests/fuzz/corpus/fastcgi/get-values \
	tests/fuzz/corpus/fastcgi/long-lengths-padding \
	tests/fuzz/corpus/fastcgi/multiplexed \
	tests/fuzz/corpus/fastcgi/nginx-keepalive-body-too-large \
	tests/fuzz/corpus/fastcgi/nginx-keepalive-get-post-put-delete \
	tests/fuzz/corpus/fastcgi/nginx-keepalive-params-too-large \
	tests/fuzz/corpus/fastcgi/nginx-keepalive-split-answer-next-chunk \
	tests/fuzz/corpus/fastcgi/overloaded \
	tests/fuzz/corpus/fastcgi/params-limits \
	tests/fuzz/corpus/fastcgi/unknown-role-and-type \
	tests/fuzz/corpus/fastcgi_params/bad-00 \
	tests/fuzz/corpus/fastcgi_params/bad-01 \
	tests/fuzz/corpus/fastcgi_params/bad-02 \
	tests/fuzz/corpus/fastcgi_params/bad-03 \
	tests/fuzz/corpus/fastcgi_params/bad-04 \
	tests/fuzz/corpus/fastcgi_params/bad-05 \
	tests/fuzz/corpus/fastcgi_params/bad-06 \
	tests/fuzz/corpus/fastcgi_params/empty \
	tests/fuzz/corpus/fastcgi_params/four-byte-lengths \
	tests/fuzz/corpus/fastcgi_params/get-values-names \
	tests/fuzz/corpus/fastcgi_params/nginx-get \
	tests/fuzz/corpus/json/doc-00 \
	tests/fuzz/corpus/json/doc-01 \
	tests/fuzz/corpus/json/doc-02 \
	tests/fuzz/corpus/json/doc-03 \
	tests/fuzz/corpus/json/doc-04 \
	tests/fuzz/corpus/json/doc-05 \
	tests/fuzz/corpus/json/doc-06 \
	tests/fuzz/corpus/json/doc-07 \
	tests/fuzz/corpus/json/doc-08 \
	tests/fuzz/corpus/json/doc-09 \
	tests/fuzz/corpus/query/packed-request \
	tests/fuzz/corpus/query/text-00 \
	tests/fuzz/corpus/query/text-01 \
	tests/fuzz/corpus/query/text-02 \
	tests/fuzz/corpus/query/text-03 \
	tests/fuzz/corpus/scgi/bad-04-bad-scgi-netstring-length \
	tests/fuzz/corpus/scgi/bad-05-empty-scgi-netstring-length \
	tests/fuzz/corpus/scgi/bad-07-leading-zero-in-the-scgi-netstring \
	tests/fuzz/corpus/scgi/bad-12-scgi-header-longer-than-65536-bytes \
	tests/fuzz/corpus/scgi/bad-13-scgi-header-longer-than-65536-bytes \
	tests/fuzz/corpus/scgi/bad-15-empty-scgi-headers \
	tests/fuzz/corpus/scgi/bad-16-missing-after-the-scgi-headers \
	tests/fuzz/corpus/scgi/bad-21-scgi-headers-do-not-end-in-nul \
	tests/fuzz/corpus/scgi/bad-24-odd-number-of-strings-in-the-scgi \
	tests/fuzz/corpus/scgi/bad-25-empty-scgi-header-name \
	tests/fuzz/corpus/scgi/bad-28-first-scgi-header-is-not-content-length \
	tests/fuzz/corpus/scgi/bad-32-invalid-scgi-content-length \
	tests/fuzz/corpus/scgi/bad-33-invalid-scgi-content-length \
	tests/fuzz/corpus/scgi/bad-41-duplicate-scgi-header-a \
	tests/fuzz/corpus/scgi/bad-42-duplicate-scgi-header-content-length \
	tests/fuzz/corpus/scgi/bad-43-duplicate-scgi-header-scgi \
	tests/fuzz/corpus/scgi/bad-44-duplicate-scgi-header-b \
	tests/fuzz/corpus/scgi/bad-45-duplicate-scgi-header-x \
	tests/fuzz/corpus/scgi/bad-46-missing-scgi-header \
	tests/fuzz/corpus/scgi/bad-49-scgi-header-is-not-1 \
	tests/fuzz/corpus/scgi/huge-content-length \
	tests/fuzz/corpus/scgi/minimal-trailing-bytes \
	tests/fuzz/corpus/scgi/nginx-delete \
	tests/fuzz/corpus/scgi/nginx-get \
	tests/fuzz/corpus/scgi/nginx-post \
	tests/fuzz/corpus/scgi/nginx-post-header-limit \
	tests/fuzz/corpus/scgi/nginx-post-split \
	tests/fuzz/corpus/scgi/nginx-post-too-large \
	tests/fuzz/corpus/scgi/nginx-put-3k \
	tests/fuzz/corpus/scgi/params-limits
