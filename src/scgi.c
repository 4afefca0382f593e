/*
 * SCGI codec: a resumable state machine per connection (netstring length
 * -> headers -> ',' -> body -> done) that turns bytes into request events,
 * and the response, which SCGI passes through untouched.  Pure: no I/O,
 * no globals.  Input may be split at any byte; the headers are gathered
 * (at most what params within the limits take: max_params_size plus two
 * NULs per param) and decoded once the netstring's ',' arrives, the body
 * goes straight into req->body.
 *
 * Answers to cases the spec leaves open:
 * - The netstring length is one or more ASCII digits without a leading
 *   zero ("0" alone is well formed; its empty header block then lacks
 *   CONTENT_LENGTH).  It is checked against that bound digit by digit, so
 *   an oversized or absurdly long length is TOO_LARGE (431, a request
 *   without params) on the digit that shows it and nothing of it is
 *   buffered.
 * - Decoding checks each header against the params limits after the
 *   checks of its form; the first one exceeded makes the request
 *   TOO_LARGE (431) with the headers decoded so far.
 * - The ',' is checked before the headers are decoded.
 * - CONTENT_LENGTH is one or more ASCII digits; leading zeros are allowed
 *   (the spec asks only for digits).  A value too big for size_t is still
 *   well formed: it saturates and gets TOO_LARGE like any value above
 *   max_body_size.
 * - SCGI must be exactly "1"; empty values are allowed elsewhere (the 2008
 *   spec's value ::= notnull*).
 * - Duplicates are found by sorting the names, so a header block full of
 *   tiny headers costs O(n log n), not O(n^2).
 * - Once the request (or TOO_LARGE) is out, every later byte is consumed
 *   and ignored: SCGI has one request per connection.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "request.h"
#include "scgi.h"

#define SCGI_CONTENT_LENGTH	"CONTENT_LENGTH"

enum scgi_state {
	SCGI_ST_LENGTH,			/* netstring length digits, then ':' */
	SCGI_ST_HEADERS,		/* left header bytes to gather */
	SCGI_ST_COMMA,			/* the netstring's closing ',' */
	SCGI_ST_BODY,			/* left body bytes to go */
	SCGI_ST_DONE			/* request handed out: ignore the rest */
};

struct scgi_parser {
	struct codec_limits	 limits;
	enum scgi_state		 state;
	size_t			 ndigits;	/* LENGTH: digits seen ... */
	size_t			 nslen;		/* ... and their value */
	size_t			 left;		/* HEADERS, BODY: bytes to go */
	struct buf		 headers;	/* the netstring's content */
	struct request		*req;		/* BODY: being received */
	const char		*errstr;	/* once set, every call fails */
	char			 errbuf[160];	/* ... or a TOO_LARGE's message */
};

struct scgi_parser *
scgi_parser_new(const struct codec_limits *limits)
{
	struct scgi_parser	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->limits = *limits;
	p->state = SCGI_ST_LENGTH;
	return p;
}

void
scgi_parser_free(struct scgi_parser *p)
{
	if (p == NULL)
		return;
	buf_free(&p->headers);
	request_free(p->req);
	free(p);
}

static enum request_event_type
scgi_fail(struct scgi_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum request_event_type
scgi_fail(struct scgi_parser *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(p->errbuf, sizeof(p->errbuf), fmt, ap);
	va_end(ap);
	p->errstr = p->errbuf;
	return REQ_EV_ERROR;
}

static int
scgi_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* The request to answer 431, with the headers decoded so far. */
static enum request_event_type
scgi_too_large(struct scgi_parser *p, struct request *req,
    struct request_event *ev)
{
	buf_free(&p->headers);
	p->state = SCGI_ST_DONE;
	ev->req = req;
	ev->status = 431;
	ev->errstr = p->errbuf;
	return REQ_EV_TOO_LARGE;
}

/* One byte of "<digits>:"; the limit is checked before the value grows. */
static enum request_event_type
scgi_length_byte(struct scgi_parser *p, char c, struct request_event *ev)
{
	struct request	*req;
	size_t		 max, d;

	if (c == ':') {
		if (p->ndigits == 0)
			return scgi_fail(p, "empty SCGI netstring length");
		p->left = p->nslen;
		p->state = p->left ? SCGI_ST_HEADERS : SCGI_ST_COMMA;
		return REQ_EV_NEED_MORE;
	}
	if (!scgi_isdigit(c))
		return scgi_fail(p, p->ndigits == 0 ?
		    "bad SCGI netstring length" :
		    "missing ':' after the SCGI netstring length");
	if (p->ndigits == 1 && p->nslen == 0)
		return scgi_fail(p, "leading zero in the SCGI netstring length");
	d = (size_t)(c - '0');
	max = codec_params_wire_max(&p->limits, 2);
	if (p->nslen > max / 10 || d > max - p->nslen * 10) {
		if ((req = request_new(0)) == NULL)
			return scgi_fail(p, "out of memory");
		snprintf(p->errbuf, sizeof(p->errbuf), "SCGI headers longer "
		    "than %zu bytes (max_params_size %zu + 2 x max_params %zu)",
		    max, p->limits.max_params_size, p->limits.max_params);
		return scgi_too_large(p, req, ev);
	}
	p->nslen = p->nslen * 10 + d;
	p->ndigits++;
	return REQ_EV_NEED_MORE;
}

/* Saturates at SIZE_MAX: a huge but well-formed length is too large. */
static int
scgi_content_length(const char *s, size_t len, size_t *out)
{
	size_t	 v = 0, d, i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (!scgi_isdigit(s[i]))
			return -1;
		d = (size_t)(s[i] - '0');
		v = v > (SIZE_MAX - d) / 10 ? SIZE_MAX : v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * The header block as strings: NUL-terminated, paired, names non-empty,
 * within the params limits (else TOO_LARGE, the message in errbuf).
 */
static enum request_event_type
scgi_headers_decode(struct scgi_parser *p, struct request *req)
{
	const char	*pos = p->headers.data, *end, *name, *value;
	size_t		 nlen, vlen, nstrings = 0, count = 0, total = 0;

	if (p->headers.len == 0)
		return scgi_fail(p, "empty SCGI headers");
	end = pos + p->headers.len;
	if (end[-1] != '\0')
		return scgi_fail(p, "SCGI headers do not end in NUL");
	for (name = pos; name < end; name += strlen(name) + 1)
		nstrings++;
	if (nstrings % 2 != 0)
		return scgi_fail(p, "odd number of strings in the SCGI "
		    "headers");
	while (pos < end) {
		name = pos;
		nlen = strlen(name);
		value = name + nlen + 1;
		vlen = strlen(value);
		pos = value + vlen + 1;
		if (nlen == 0)
			return scgi_fail(p, "empty SCGI header name");
		if (req->nparams == 0 &&
		    strcmp(name, SCGI_CONTENT_LENGTH) != 0)
			return scgi_fail(p, "first SCGI header is not "
			    SCGI_CONTENT_LENGTH);
		if (codec_limit_param(&p->limits, &count, &total, name,
		    nlen, vlen, p->errbuf, sizeof(p->errbuf)) != NULL)
			return REQ_EV_TOO_LARGE;
		if (request_add_param(req, name, nlen, value, vlen) == -1)
			return scgi_fail(p, "out of memory");
	}
	return REQ_EV_NEED_MORE;
}

/*
 * A header sent twice is a site overriding a stock param (nginx: "include
 * scgi_params; scgi_param DOCUMENT_URI $uri;"): the last value counts
 * (request_param).  Not for the body's length: two different
 * CONTENT_LENGTH values leave the request's end in doubt.
 */
static enum request_event_type
scgi_content_lengths(struct scgi_parser *p, const struct request *req)
{
	const struct request_param	*first = &req->params[0], *q;
	size_t				 i;

	for (i = 1; i < req->nparams; i++) {
		q = &req->params[i];
		if (strcmp(q->name, SCGI_CONTENT_LENGTH) == 0 &&
		    (q->value_len != first->value_len ||
		    memcmp(q->value, first->value, q->value_len) != 0))
			return scgi_fail(p, "conflicting SCGI "
			    SCGI_CONTENT_LENGTH " values");
	}
	return REQ_EV_NEED_MORE;
}

/* The netstring is complete: decode and check it, then await the body. */
static enum request_event_type
scgi_headers_end(struct scgi_parser *p, struct request_event *ev)
{
	struct request		*req;
	const char		*scgi;
	size_t			 clen;
	enum request_event_type	 t;

	if ((req = request_new(0)) == NULL)
		return scgi_fail(p, "out of memory");
	if ((t = scgi_headers_decode(p, req)) == REQ_EV_TOO_LARGE)
		return scgi_too_large(p, req, ev);
	if (t != REQ_EV_NEED_MORE ||
	    (t = scgi_content_lengths(p, req)) != REQ_EV_NEED_MORE)
		goto fail;
	if (scgi_content_length(req->params[0].value,
	    req->params[0].value_len, &clen) == -1) {
		t = scgi_fail(p, "invalid SCGI " SCGI_CONTENT_LENGTH);
		goto fail;
	}
	if ((scgi = request_param(req, "SCGI")) == NULL) {
		t = scgi_fail(p, "missing SCGI header");
		goto fail;
	}
	if (strcmp(scgi, "1") != 0) {
		t = scgi_fail(p, "SCGI header is not 1");
		goto fail;
	}
	buf_free(&p->headers);
	if (clen > p->limits.max_body_size) {
		p->state = SCGI_ST_DONE;
		snprintf(p->errbuf, sizeof(p->errbuf), "request body larger "
		    "than max_body_size (%zu bytes)", p->limits.max_body_size);
		ev->req = req;
		ev->status = 413;
		ev->errstr = p->errbuf;
		return REQ_EV_TOO_LARGE;
	}
	p->req = req;
	p->left = clen;
	p->state = SCGI_ST_BODY;
	return REQ_EV_NEED_MORE;
fail:
	request_free(req);
	return t;
}

enum request_event_type
scgi_parse(struct scgi_parser *p, const uint8_t *buf, size_t len,
    size_t *consumed, struct request_event *ev)
{
	enum request_event_type	 t = REQ_EV_NEED_MORE;
	size_t			 off = 0, n;

	memset(ev, 0, sizeof(*ev));
	if (p->errstr != NULL) {
		t = REQ_EV_ERROR;
		goto out;
	}
	for (;;) {
		/* A complete body is handed out before asking for more. */
		if (p->state == SCGI_ST_BODY && p->left == 0) {
			ev->req = p->req;
			p->req = NULL;
			p->state = SCGI_ST_DONE;
			t = REQ_EV_REQUEST;
			goto out;
		}
		if (off == len)
			break;
		switch (p->state) {
		case SCGI_ST_LENGTH:
			t = scgi_length_byte(p, (char)buf[off++], ev);
			break;
		case SCGI_ST_HEADERS:
			n = p->left < len - off ? p->left : len - off;
			if (buf_add(&p->headers, buf + off, n) == -1) {
				t = scgi_fail(p, "out of memory");
				break;
			}
			p->left -= n;
			off += n;
			if (p->left == 0)
				p->state = SCGI_ST_COMMA;
			break;
		case SCGI_ST_COMMA:
			if (buf[off++] != ',')
				t = scgi_fail(p, "missing ',' after the SCGI "
				    "headers");
			else
				t = scgi_headers_end(p, ev);
			break;
		case SCGI_ST_BODY:
			n = p->left < len - off ? p->left : len - off;
			if (request_append_body(p->req, buf + off, n) == -1) {
				t = scgi_fail(p, "out of memory");
				break;
			}
			p->left -= n;
			off += n;
			break;
		case SCGI_ST_DONE:
			off = len;
			break;
		}
		if (t != REQ_EV_NEED_MORE)
			goto out;
	}
out:
	*consumed = off;
	if (t == REQ_EV_ERROR)
		ev->errstr = p->errstr;
	ev->type = t;
	return t;
}

int
scgi_head_pending(const struct scgi_parser *p)
{
	if (p->errstr != NULL)
		return 0;
	return (p->state == SCGI_ST_LENGTH && p->ndigits > 0) ||
	    p->state == SCGI_ST_HEADERS || p->state == SCGI_ST_COMMA;
}

void
scgi_request_done(struct scgi_parser *p, uint16_t id)
{
	(void)p;
	(void)id;
}

int
scgi_write_response(uint16_t id, const void *data, size_t len,
    codec_emit_fn *emit, void *arg)
{
	(void)id;
	if (len == 0)
		return 0;
	return emit(arg, data, len);
}

int
scgi_write_end(uint16_t id, codec_emit_fn *emit, void *arg)
{
	(void)id;
	(void)emit;
	(void)arg;
	return 0;
}

static void *
codec_new(const struct codec_limits *limits)
{
	return scgi_parser_new(limits);
}

static void
codec_free(void *p)
{
	scgi_parser_free(p);
}

static enum request_event_type
codec_parse(void *p, const uint8_t *buf, size_t len, size_t *consumed,
    struct request_event *ev)
{
	return scgi_parse(p, buf, len, consumed, ev);
}

static void
codec_done(void *p, uint16_t id)
{
	scgi_request_done(p, id);
}

static int
codec_head_pending(const void *p)
{
	return scgi_head_pending(p);
}

const struct codec scgi_codec = {
	"SCGI", codec_new, codec_free, codec_parse, codec_done,
	scgi_write_response, scgi_write_response, scgi_write_end,
	codec_head_pending
};
