/*
 * libFuzzer target: the SCGI parser (src/scgi.c) driven the way the worker
 * drives it, by the codec targets' feed loop (fuzz_feed.h).  Input:
 * FUZZ_CTL_LEN control bytes (fuzz.h), then the bytes a web server would
 * send on one connection.
 *
 * ctl[0] bits 0-3 pick small limits so every limit path is reachable
 * (fuzz_feed_limits).
 *
 * Checked besides what the feed loop checks: no ABORT nor REPLY, at most
 * one request per connection.  A request (and a TOO_LARGE, as far as its
 * params go: a 431 may have stopped anywhere) keeps the request.h
 * contract, the params limits and the SCGI rules: id 0, CONTENT_LENGTH
 * first and all digits, SCGI = "1", CONTENT_LENGTH again only with the
 * same value (other names may come twice: a site overriding a stock
 * param), exactly CONTENT_LENGTH body bytes within max_body_size.  The events must not
 * depend on the chunking: the stream is fed a second time whole and both
 * runs must hash the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "fuzz_feed.h"
#include "request.h"
#include "scgi.h"

struct run {
	struct fuzz_feed	 f;		/* first: the hooks' argument */
	int			 requests;	/* REQUEST + TOO_LARGE */
};

static void
got_request(struct fuzz_feed *f, const struct request_event *ev)
{
	struct run		*r = (struct run *)f;
	const struct request	*req = ev->req;
	const char		*cl;
	size_t			 i, clen = 0, enc = 0;
	int			 big = 0;

	fuzz_check_request(req);
	FUZZ_CHECK(ev->id == 0 && req->id == 0 && req->keep_conn == 0);
	FUZZ_CHECK(req->nparams <= f->limits.max_params);
	for (i = 0; i < req->nparams; i++) {
		FUZZ_CHECK(strlen(req->params[i].name) <=
		    f->limits.max_param_length);
		FUZZ_CHECK(req->params[i].value_len <=
		    f->limits.max_param_length);
		enc += strlen(req->params[i].name) + req->params[i].value_len;
	}
	FUZZ_CHECK(enc <= f->limits.max_params_size);
	if (ev->type == REQ_EV_TOO_LARGE) {
		FUZZ_CHECK(ev->status == 413 || ev->status == 431);
		FUZZ_CHECK(ev->errstr != NULL);
		f->hash = fuzz_hash_str(fuzz_hash_u64(f->hash, ev->status),
		    ev->errstr);
	}
	if (ev->type == REQ_EV_TOO_LARGE && ev->status == 431) {
		FUZZ_CHECK(req->body_len == 0);
		FUZZ_CHECK(strstr(ev->errstr, "max_param") != NULL);
		goto done;
	}
	FUZZ_CHECK(req->nparams >= 2);
	FUZZ_CHECK(strcmp(req->params[0].name, "CONTENT_LENGTH") == 0);
	cl = req->params[0].value;
	FUZZ_CHECK(*cl != '\0');
	for (; *cl != '\0'; cl++) {
		FUZZ_CHECK(*cl >= '0' && *cl <= '9');
		if (clen > (SIZE_MAX - 9) / 10)
			big = 1;
		else
			clen = clen * 10 + (size_t)(*cl - '0');
	}
	FUZZ_CHECK(request_param(req, "SCGI") != NULL &&
	    strcmp(request_param(req, "SCGI"), "1") == 0);
	for (i = 0; i < req->nparams; i++) {
		FUZZ_CHECK(req->params[i].name[0] != '\0');
		/* Strings in a NUL-separated block: no NUL inside. */
		FUZZ_CHECK(strlen(req->params[i].value) ==
		    req->params[i].value_len);
		if (strcmp(req->params[i].name, "CONTENT_LENGTH") == 0)
			FUZZ_CHECK(strcmp(req->params[i].value,
			    req->params[0].value) == 0);
	}
	if (ev->type == REQ_EV_TOO_LARGE)
		FUZZ_CHECK(big || clen > f->limits.max_body_size);
	else
		FUZZ_CHECK(!big && clen <= f->limits.max_body_size &&
		    req->body_len == clen);
done:
	f->hash = fuzz_hash_request(f->hash, req);
	FUZZ_CHECK(++r->requests == 1);
	request_free(ev->req);
	scgi_request_done(f->parser, 0);
}

/* SCGI has no aborts and no replies: NULL hooks. */
static const struct fuzz_feed_hooks	 hooks = {
	.request = got_request,
};

static uint64_t
run(const uint8_t *ctl, const uint8_t *data, size_t size, int chunked)
{
	struct run	 r;

	memset(&r, 0, sizeof(r));
	r.f.codec = &scgi_codec;
	r.f.hooks = &hooks;
	fuzz_feed_limits(ctl[0], &r.f.limits);
	return fuzz_feed_stream(&r.f, ctl, data, size, chunked);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < FUZZ_CTL_LEN)
		return 0;
	FUZZ_CHECK(run(data, data + FUZZ_CTL_LEN, size - FUZZ_CTL_LEN, 1) ==
	    run(data, data + FUZZ_CTL_LEN, size - FUZZ_CTL_LEN, 0));
	return 0;
}
