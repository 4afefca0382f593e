/*
 * libFuzzer target: the FastCGI stream parser (src/fastcgi.c) driven the
 * way the worker drives it.  Input: FUZZ_CTL_LEN control bytes (fuzz.h),
 * then the byte stream a web server would send.
 *
 * ctl[0] picks small limits so every limit path is reachable:
 *   bits 0-1 max_body_size    0, 16, 1000, 1m
 *   bits 2-3 the params limits, max_params_size / max_params /
 *            max_param_length: 64/2/64 (the count binds first),
 *            64/64/8 (the length), 4096/1000/4096 (the size),
 *            128k/128/32k (the worker's defaults)
 *   bits 4-5 max_reqs         1, 2, 8, 64
 *   bits 6-7 when the "worker" answers (calls fastcgi_request_done):
 *     0 at once; 1 before the next chunk; 2 only after an ABORT of it
 *     (before the next chunk); 3 never (the parser is freed with them).
 *
 * Checked on every call: the return value is ev.type, consumed <= len,
 * NEED_MORE consumed everything, no event without progress, requests keep
 * the request.h contract, replies are whole well-formed records, ERROR
 * stays ERROR and consumes nothing.  Every request's body framed with
 * fastcgi_write_response() must read back as the same bytes.  With
 * answers at once the events must not depend on the chunking: the stream
 * is fed a second time whole and both runs must hash the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>		/* libfcgi: wire structs and constants */

#include "buf.h"
#include "fastcgi.h"
#include "fuzz.h"
#include "request.h"

#define PENDING_MAX	64

struct run {
	struct fastcgi_parser	*p;
	struct codec_limits	 limits;
	int			 policy;
	uint16_t		 pending[PENDING_MAX];	/* unanswered ids */
	uint8_t			 aborted[PENDING_MAX];
	size_t			 npending;
	uint64_t		 hash;			/* of every event */
	int			 failed;
};

static void
limits_from(uint8_t c, struct codec_limits *l, int *policy)
{
	static const size_t	 body[] = { 0, 16, 1000, 1 << 20 };
	static const size_t	 params[][3] = { { 64, 2, 64 }, { 64, 64, 8 },
				     { 4096, 1000, 4096 },
				     { 128 * 1024, 128, 32 * 1024 } };
	static const unsigned	 reqs[] = { 1, 2, 8, 64 };

	l->max_body_size = body[c & 3];
	l->max_params_size = params[c >> 2 & 3][0];
	l->max_params = params[c >> 2 & 3][1];
	l->max_param_length = params[c >> 2 & 3][2];
	l->max_reqs = reqs[c >> 4 & 3];
	l->max_conns = 16;
	*policy = c >> 6 & 3;
}

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
check_reply(const struct request_event *ev)
{
	const uint8_t	*d = ev->reply, *end = ev->reply + ev->reply_len;
	size_t		 clen;

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
	fastcgi_request_done(r->p, r->pending[i]);
	r->npending--;
	r->pending[i] = r->pending[r->npending];
	r->aborted[i] = r->aborted[r->npending];
}

/* The worker answers between reads: before the next chunk. */
static void
answer_due(struct run *r)
{
	size_t	 i = 0;

	while (i < r->npending)
		if (r->policy == 1 || (r->policy == 2 && r->aborted[i]))
			answer(r, i);
		else
			i++;
}

static void
got_request(struct run *r, const struct request_event *ev)
{
	struct buf	 out = BUF_INIT;
	size_t		 i, enc = 0;

	fuzz_check_request(ev->req);
	FUZZ_CHECK(ev->id != 0 && ev->req->id == ev->id);
	FUZZ_CHECK(ev->req->nparams <= r->limits.max_params);
	for (i = 0; i < ev->req->nparams; i++) {
		FUZZ_CHECK(ev->req->params[i].name[0] != '\0');
		FUZZ_CHECK(strlen(ev->req->params[i].name) <=
		    r->limits.max_param_length);
		FUZZ_CHECK(ev->req->params[i].value_len <=
		    r->limits.max_param_length);
		enc += strlen(ev->req->params[i].name) +
		    ev->req->params[i].value_len;
	}
	FUZZ_CHECK(enc <= r->limits.max_params_size);
	if (ev->type == REQ_EV_TOO_LARGE) {
		FUZZ_CHECK(ev->req->body_len == 0);
		FUZZ_CHECK(ev->status == 413 || ev->status == 431);
		FUZZ_CHECK(ev->errstr != NULL && strstr(ev->errstr,
		    ev->status == 413 ? "max_body_size" : "max_param") !=
		    NULL);
		r->hash = fuzz_hash_str(fuzz_hash_u64(r->hash, ev->status),
		    ev->errstr);
	} else {
		FUZZ_CHECK(ev->req->body_len <= r->limits.max_body_size);
		FUZZ_CHECK(fastcgi_write_response(ev->id, ev->req->body,
		    ev->req->body_len, fuzz_emit, &out) == 0);
		check_response(ev->id, &out, ev->req);
		buf_free(&out);
	}
	r->hash = fuzz_hash_request(r->hash, ev->req);
	request_free(ev->req);

	if (r->policy == 0) {
		fastcgi_request_done(r->p, ev->id);
		return;
	}
	if (r->npending == PENDING_MAX)
		answer(r, 0);
	r->pending[r->npending] = ev->id;
	r->aborted[r->npending++] = 0;
}

static void
got_abort(struct run *r, uint16_t id)
{
	size_t	 i;

	FUZZ_CHECK(id != 0);
	for (i = 0; i < r->npending; i++)
		if (r->pending[i] == id)
			r->aborted[i] = 1;
}

/* One chunk as the worker's read callback handles it. */
static void
feed(struct run *r, const uint8_t *d, size_t len)
{
	struct request_event	 ev;
	enum request_event_type	 t;
	size_t			 used;
	int			 stalls = 0;

	while (!r->failed) {
		memset(&ev, 0xa5, sizeof(ev));
		t = fastcgi_parse(r->p, d, len, &used, &ev);
		FUZZ_CHECK(t == ev.type);
		FUZZ_CHECK(used <= len);
		switch (t) {
		case REQ_EV_NEED_MORE:
			/* Not hashed: how often depends on the chunking. */
			FUZZ_CHECK(used == len);
			return;
		case REQ_EV_REQUEST:
		case REQ_EV_TOO_LARGE:
			got_request(r, &ev);
			break;
		case REQ_EV_ABORT:
			r->hash = fuzz_hash_u64(r->hash, ev.id);
			got_abort(r, ev.id);
			break;
		case REQ_EV_REPLY:
			check_reply(&ev);
			r->hash = fuzz_hash(r->hash, ev.reply, ev.reply_len);
			break;
		case REQ_EV_ERROR:
			FUZZ_CHECK(ev.errstr != NULL);
			r->hash = fuzz_hash_str(r->hash, ev.errstr);
			/* Sticky, and reads nothing more. */
			FUZZ_CHECK(fastcgi_parse(r->p, d, len, &used, &ev) ==
			    REQ_EV_ERROR && used == 0 && ev.errstr != NULL);
			r->failed = 1;
			return;
		default:
			FUZZ_CHECK(!"unknown event type");
		}
		r->hash = fuzz_hash_u64(r->hash, t);
		/* Events are acted on as they happen: none can be pending. */
		stalls = used == 0 ? stalls + 1 : 0;
		FUZZ_CHECK(stalls < 4);
		d += used;
		len -= used;
	}
}

static uint64_t
run(const uint8_t *ctl, const uint8_t *data, size_t size, int chunked)
{
	struct run	 r;
	size_t		 off, n, i;

	memset(&r, 0, sizeof(r));
	r.hash = FUZZ_HASH_INIT;
	limits_from(ctl[0], &r.limits, &r.policy);
	FUZZ_CHECK((r.p = fastcgi_parser_new(&r.limits)) != NULL);
	for (off = i = 0; off < size && !r.failed; off += n, i++) {
		n = chunked ? fuzz_chunk(ctl, i, size - off) : size - off;
		answer_due(&r);
		feed(&r, data + off, n);
	}
	/* The connection closes with requests in flight: all freed. */
	fastcgi_parser_free(r.p);
	return r.hash;
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
