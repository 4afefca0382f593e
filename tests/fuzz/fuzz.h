/*
 * What the libFuzzer targets in tests/fuzz share: a check that aborts (so
 * libFuzzer keeps the input as a crash), a byte-stream hash for comparing
 * two runs, the chunking of a codec's input and the checks every request
 * a codec hands out must pass.  Header-only: each target is one program.
 */
#ifndef FCGISERVE_FUZZ_H
#define FCGISERVE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"

/* Not assert(): it must hold in every build, NDEBUG or not. */
#define FUZZ_CHECK(c)	do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* A codec_emit_fn appending to a struct buf. */
static int __attribute__((unused))
fuzz_emit(void *arg, const void *data, size_t len)
{
	return buf_add(arg, data, len);
}

/* FNV-1a over a run's events, so two ways of feeding compare cheaply. */
static uint64_t __attribute__((unused))
fuzz_hash(uint64_t h, const void *data, size_t len)
{
	const uint8_t	*d = data;

	while (len-- > 0)
		h = (h ^ *d++) * 0x100000001b3ULL;
	return h;
}

#define FUZZ_HASH_INIT	0xcbf29ce484222325ULL

static uint64_t __attribute__((unused))
fuzz_hash_u64(uint64_t h, uint64_t v)
{
	return fuzz_hash(h, &v, sizeof(v));
}

static uint64_t __attribute__((unused))
fuzz_hash_str(uint64_t h, const char *s)
{
	return fuzz_hash(fuzz_hash_u64(h, strlen(s)), s, strlen(s));
}

/*
 * Codec inputs start with FUZZ_CTL_LEN control bytes: ctl[0] picks the
 * limits (each target its own way), ctl[1..3] the chunk sizes the stream
 * is fed in, in turn: n bytes, or all the rest for 0.  So a seed can be
 * fed whole (0 0 0), byte by byte (1 1 1) or split anywhere.
 */
#define FUZZ_CTL_LEN	4

static size_t __attribute__((unused))
fuzz_chunk(const uint8_t *ctl, size_t i, size_t left)
{
	size_t	 n = ctl[1 + i % 3];

	return n == 0 || n > left ? left : n;
}

/*
 * What the request contract (request.h) promises to whoever gets one.
 * Every byte promised is read, so ASan flags a short allocation here.
 */
static void __attribute__((unused))
fuzz_check_request(const struct request *req)
{
	volatile uint64_t	 sink;
	size_t			 i;

	FUZZ_CHECK(req != NULL);
	FUZZ_CHECK(req->nparams == 0 || req->params != NULL);
	for (i = 0; i < req->nparams; i++) {
		FUZZ_CHECK(req->params[i].name != NULL);
		FUZZ_CHECK(req->params[i].value != NULL);
		sink = fuzz_hash_str(0, req->params[i].name);
		sink = fuzz_hash(0, req->params[i].value,
		    req->params[i].value_len + 1);
		FUZZ_CHECK(req->params[i].value[req->params[i].value_len] ==
		    '\0');
	}
	/* "NULL when empty" */
	FUZZ_CHECK((req->body == NULL) == (req->body_len == 0));
	if (req->body != NULL) {
		sink = fuzz_hash(0, req->body, req->body_len + 1);
		FUZZ_CHECK(req->body[req->body_len] == '\0');
	}
	(void)sink;
}

/* A request's content into a run's hash. */
static uint64_t __attribute__((unused))
fuzz_hash_request(uint64_t h, const struct request *req)
{
	size_t	 i;

	h = fuzz_hash_u64(h, req->id);
	h = fuzz_hash_u64(h, req->keep_conn);
	h = fuzz_hash_u64(h, req->nparams);
	for (i = 0; i < req->nparams; i++) {
		h = fuzz_hash_str(h, req->params[i].name);
		h = fuzz_hash_u64(h, req->params[i].value_len);
		h = fuzz_hash(h, req->params[i].value,
		    req->params[i].value_len);
	}
	h = fuzz_hash_u64(h, req->body_len);
	return fuzz_hash(h, req->body, req->body_len);
}

#endif
