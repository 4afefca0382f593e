/*
 * libFuzzer target: the FastCGI stream parser (src/fastcgi.c) driven the
 * way the worker drives it, by the codec targets' feed loop (fuzz_feed.h).
 * Input: FUZZ_CTL_LEN control bytes (fuzz.h), then the byte stream a web
 * server would send.
 *
 * ctl[0] picks small limits so every limit path is reachable:
 *   bits 0-3 max_body_size and the params limits (fuzz_feed_limits)
 *   bits 4-5 max_reqs         1, 2, 8, 64
 *   bits 6-7 when the "worker" answers (calls fastcgi_request_done):
 *     0 at once; 1 before the next chunk; 2 only after an ABORT of it
 *     (before the next chunk); 3 never (the parser is freed with them).
 *
 * Checked besides what the feed loop checks: requests keep the request.h
 * contract and the limits, replies are whole well-formed records.  Every
 * request's body framed with fastcgi_write_response() must read back as
 * the same bytes.  With answers at once the events must not depend on the
 * chunking: the stream is fed a second time whole and both runs must hash
 * the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>		/* libfcgi: wire structs and constants */

#include "buf.h"
#include "fastcgi.h"
#include "fuzz.h"
#include "fuzz_feed.h"
#include "request.h"

#define PENDING_MAX	64

struct run {
	struct fuzz_feed	 f;			/* first: the hooks'
							   argument */
	int			 policy;
	uint16_t		 pending[PENDING_MAX];	/* unanswered ids */
	uint8_t			 aborted[PENDING_MAX];
	size_t			 npending;
};

/* Reads back what fastcgi_write_response() framed: STDOUT* + END. */
static void
check_response(uint16_t id, const struct buf *out, const struct request *req)
{
	const uint8_t	*d = (const uint8_t *)out->data, *end;
	size_t		 clen, got = 0;
	int		 ended = 0;

	FUZZ_CHECK(d != NULL);
	end = d + out->len;
	while (d < end) {
		FUZZ_CHECK(!ended);
		FUZZ_CHECK(end - d >= FCGI_HEADER_LEN);
		FUZZ_CHECK(d[0] == FCGI_VERSION_1);
		FUZZ_CHECK((d[2] << 8 | d[3]) == id);
		clen = (size_t)d[4] << 8 | d[5];
		FUZZ_CHECK((size_t)(end - d) >= FCGI_HEADER_LEN + clen + d[6]);
		if (d[1] == FCGI_STDOUT) {
			if (clen == 0)
				FUZZ_CHECK(got == req->body_len);
			FUZZ_CHECK(got + clen <= req->body_len);
			FUZZ_CHECK(clen == 0 || memcmp(d + FCGI_HEADER_LEN,
			    req->body + got, clen) == 0);
			got += clen;
		} else {
			FUZZ_CHECK(d[1] == FCGI_END_REQUEST);
			FUZZ_CHECK(clen == sizeof(FCGI_EndRequestBody));
			FUZZ_CHECK(d[FCGI_HEADER_LEN + 4] ==
			    FCGI_REQUEST_COMPLETE);
			ended = 1;
		}
		d += FCGI_HEADER_LEN + clen + d[6];
	}
	FUZZ_CHECK(ended);
	FUZZ_CHECK(got == req->body_len);
}

/* A REPLY is one or more whole records for the web server. */
static void
got_reply(struct fuzz_feed *f, const struct request_event *ev)
{
	const uint8_t	*d = ev->reply, *end = ev->reply + ev->reply_len;
	size_t		 clen;

	(void)f;
	FUZZ_CHECK(ev->reply != NULL && ev->reply_len > 0);
	while (d < end) {
		FUZZ_CHECK(end - d >= FCGI_HEADER_LEN);
		FUZZ_CHECK(d[0] == FCGI_VERSION_1);
		FUZZ_CHECK(d[1] == FCGI_END_REQUEST ||
		    d[1] == FCGI_UNKNOWN_TYPE ||
		    d[1] == FCGI_GET_VALUES_RESULT);
		clen = (size_t)d[4] << 8 | d[5];
		FUZZ_CHECK((size_t)(end - d) >= FCGI_HEADER_LEN + clen + d[6]);
		d += FCGI_HEADER_LEN + clen + d[6];
	}
}

static void
answer(struct run *r, size_t i)
{
	fastcgi_request_done(r->f.parser, r->pending[i]);
	r->npending--;
	r->pending[i] = r->pending[r->npending];
	r->aborted[i] = r->aborted[r->npending];
}

/* The worker answers between reads: before the next chunk. */
static void
answer_due(struct fuzz_feed *f)
{
	struct run	*r = (struct run *)f;
	size_t		 i = 0;

	while (i < r->npending)
		if (r->policy == 1 || (r->policy == 2 && r->aborted[i]))
			answer(r, i);
		else
			i++;
}

static void
got_request(struct fuzz_feed *f, const struct request_event *ev)
{
	struct run	*r = (struct run *)f;
	struct buf	 out = BUF_INIT;
	size_t		 i, enc = 0;

	fuzz_check_request(ev->req);
	FUZZ_CHECK(ev->id != 0 && ev->req->id == ev->id);
	FUZZ_CHECK(ev->req->nparams <= f->limits.max_params);
	for (i = 0; i < ev->req->nparams; i++) {
		FUZZ_CHECK(ev->req->params[i].name[0] != '\0');
		FUZZ_CHECK(strlen(ev->req->params[i].name) <=
		    f->limits.max_param_length);
		FUZZ_CHECK(ev->req->params[i].value_len <=
		    f->limits.max_param_length);
		enc += strlen(ev->req->params[i].name) +
		    ev->req->params[i].value_len;
	}
	FUZZ_CHECK(enc <= f->limits.max_params_size);
	if (ev->type == REQ_EV_TOO_LARGE) {
		FUZZ_CHECK(ev->req->body_len == 0);
		FUZZ_CHECK(ev->status == 413 || ev->status == 431);
		FUZZ_CHECK(ev->errstr != NULL && strstr(ev->errstr,
		    ev->status == 413 ? "max_body_size" : "max_param") !=
		    NULL);
		f->hash = fuzz_hash_str(fuzz_hash_u64(f->hash, ev->status),
		    ev->errstr);
	} else {
		FUZZ_CHECK(ev->req->body_len <= f->limits.max_body_size);
		FUZZ_CHECK(fastcgi_write_response(ev->id, ev->req->body,
		    ev->req->body_len, fuzz_emit, &out) == 0);
		check_response(ev->id, &out, ev->req);
		buf_free(&out);
	}
	f->hash = fuzz_hash_request(f->hash, ev->req);
	request_free(ev->req);

	if (r->policy == 0) {
		fastcgi_request_done(f->parser, ev->id);
		return;
	}
	if (r->npending == PENDING_MAX)
		answer(r, 0);
	r->pending[r->npending] = ev->id;
	r->aborted[r->npending++] = 0;
}

static void
got_abort(struct fuzz_feed *f, const struct request_event *ev)
{
	struct run	*r = (struct run *)f;
	size_t		 i;

	FUZZ_CHECK(ev->id != 0);
	for (i = 0; i < r->npending; i++)
		if (r->pending[i] == ev->id)
			r->aborted[i] = 1;
}

static const struct fuzz_feed_hooks	 hooks = {
	.request = got_request,
	.abort = got_abort,
	.reply = got_reply,
	.between = answer_due,
};

static uint64_t
run(const uint8_t *ctl, const uint8_t *data, size_t size, int chunked)
{
	static const unsigned	 reqs[] = { 1, 2, 8, 64 };
	struct run		 r;

	memset(&r, 0, sizeof(r));
	r.f.codec = &fastcgi_codec;
	r.f.hooks = &hooks;
	fuzz_feed_limits(ctl[0], &r.f.limits);
	r.f.limits.max_reqs = reqs[ctl[0] >> 4 & 3];
	r.policy = ctl[0] >> 6 & 3;
	/* The connection closes with requests in flight: all freed. */
	return fuzz_feed_stream(&r.f, ctl, data, size, chunked);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t	 chunked;

	if (size < FUZZ_CTL_LEN)
		return 0;
	chunked = run(data, data + FUZZ_CTL_LEN, size - FUZZ_CTL_LEN, 1);
	if ((data[0] >> 6) == 0)
		FUZZ_CHECK(run(data, data + FUZZ_CTL_LEN, size - FUZZ_CTL_LEN,
		    0) == chunked);
	return 0;
}
