/*
 * libFuzzer target: the SCGI parser (src/scgi.c) driven the way the worker
 * drives it.  Input: FUZZ_CTL_LEN control bytes (fuzz.h), then the bytes a
 * web server would send on one connection.
 *
 * ctl[0] picks small limits so every limit path is reachable:
 *   bits 0-1 max_body_size    0, 16, 1000, 1m
 *   bits 2-3 the params limits, max_params_size / max_params /
 *            max_param_length: 64/2/64 (the count binds first),
 *            64/64/8 (the length), 4096/1000/4096 (the size),
 *            128k/128/32k (the worker's defaults)
 *
 * Checked on every call: the return value is ev.type, consumed <= len,
 * NEED_MORE consumed everything, no event without progress, at most one
 * request per connection, ERROR stays ERROR and consumes nothing.  A
 * request (and a TOO_LARGE, as far as its params go: a 431 may have
 * stopped anywhere) keeps the request.h contract, the params limits and
 * the SCGI rules: id 0,
 * CONTENT_LENGTH first and all digits, SCGI = "1", a name sent twice
 * only with one CONTENT_LENGTH value (a site overriding a stock param),
 * exactly CONTENT_LENGTH body bytes within max_body_size.  The events
 * must not depend on the chunking: the stream is fed a second time whole
 * and both runs must hash the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "request.h"
#include "scgi.h"

struct run {
	struct scgi_parser	*p;
	struct codec_limits	 limits;
	uint64_t		 hash;		/* of every event */
	int			 requests;	/* REQUEST + TOO_LARGE */
	int			 failed;
};

static void
got_request(struct run *r, const struct request_event *ev)
{
	const struct request	*req = ev->req;
	const char		*cl;
	size_t			 i, clen = 0, enc = 0;
	int			 big = 0;

	fuzz_check_request(req);
	FUZZ_CHECK(ev->id == 0 && req->id == 0 && req->keep_conn == 0);
	FUZZ_CHECK(req->nparams <= r->limits.max_params);
	for (i = 0; i < req->nparams; i++) {
		FUZZ_CHECK(strlen(req->params[i].name) <=
		    r->limits.max_param_length);
		FUZZ_CHECK(req->params[i].value_len <=
		    r->limits.max_param_length);
		enc += strlen(req->params[i].name) + req->params[i].value_len;
	}
	FUZZ_CHECK(enc <= r->limits.max_params_size);
	if (ev->type == REQ_EV_TOO_LARGE) {
		FUZZ_CHECK(ev->status == 413 || ev->status == 431);
		FUZZ_CHECK(ev->errstr != NULL);
		r->hash = fuzz_hash_str(fuzz_hash_u64(r->hash, ev->status),
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
		FUZZ_CHECK(big || clen > r->limits.max_body_size);
	else
		FUZZ_CHECK(!big && clen <= r->limits.max_body_size &&
		    req->body_len == clen);
done:
	r->hash = fuzz_hash_request(r->hash, req);
	FUZZ_CHECK(++r->requests == 1);
	request_free(ev->req);
	scgi_request_done(r->p, 0);
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
		t = scgi_parse(r->p, d, len, &used, &ev);
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
		case REQ_EV_ERROR:
			FUZZ_CHECK(ev.errstr != NULL && ev.req == NULL);
			r->hash = fuzz_hash_str(r->hash, ev.errstr);
			FUZZ_CHECK(scgi_parse(r->p, d, len, &used, &ev) ==
			    REQ_EV_ERROR && used == 0 && ev.errstr != NULL);
			r->failed = 1;
			return;
		default:
			FUZZ_CHECK(!"unexpected event type");
		}
		r->hash = fuzz_hash_u64(r->hash, t);
		stalls = used == 0 ? stalls + 1 : 0;
		FUZZ_CHECK(stalls < 4);
		d += used;
		len -= used;
	}
}

static uint64_t
run(const uint8_t *ctl, const uint8_t *data, size_t size, int chunked)
{
	static const size_t	 body[] = { 0, 16, 1000, 1 << 20 };
	static const size_t	 params[][3] = { { 64, 2, 64 }, { 64, 64, 8 },
				     { 4096, 1000, 4096 },
				     { 128 * 1024, 128, 32 * 1024 } };
	struct run		 r;
	size_t			 off, n, i;

	memset(&r, 0, sizeof(r));
	r.hash = FUZZ_HASH_INIT;
	r.limits.max_body_size = body[ctl[0] & 3];
	r.limits.max_params_size = params[ctl[0] >> 2 & 3][0];
	r.limits.max_params = params[ctl[0] >> 2 & 3][1];
	r.limits.max_param_length = params[ctl[0] >> 2 & 3][2];
	r.limits.max_conns = 16;
	r.limits.max_reqs = 8;
	FUZZ_CHECK((r.p = scgi_parser_new(&r.limits)) != NULL);
	for (off = i = 0; off < size && !r.failed; off += n, i++) {
		n = chunked ? fuzz_chunk(ctl, i, size - off) : size - off;
		feed(&r, data + off, n);
	}
	scgi_parser_free(r.p);
	return r.hash;
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
