/*
 * FastCGI codec for the responder role: a resumable state machine per
 * connection (header -> content -> padding, like nginx's parser) that turns
 * bytes into request events, and the framing of responses into records.
 * Pure: no I/O, no globals.  Records may be split at any byte; PARAMS
 * content is gathered per request and decoded once the empty PARAMS record
 * ends the stream, STDIN content goes straight into req->body.
 *
 * Answers to cases the spec leaves open:
 * - Events fire when a record's content is complete; its padding is then
 *   skipped on the next call.  Faults visible in the header (version,
 *   type, length, the body limit and the params stream's wire bound)
 *   fire on the header, so oversized content is never buffered.
 * - Params limits (codec.h): the stream is buffered up to the most that
 *   params within the limits can take on the wire (max_params_size plus 8
 *   length bytes per param); beyond that, or when decoding finds one limit
 *   exceeded, the request is TOO_LARGE with status 431 and the params
 *   decoded so far.  Its remaining PARAMS and STDIN are then dropped, as
 *   for a body over max_body_size (413), and the connection goes on.
 * - Unknown types (0 or > FCGI_MAXTYPE), with any id, and the types only an
 *   application sends (END_REQUEST, STDOUT, STDERR, GET_VALUES_RESULT,
 *   UNKNOWN_TYPE) with id 0 are answered with FCGI_UNKNOWN_TYPE.  Those
 *   application-only types with a non-zero id mean the peer is confused:
 *   ERROR.  GET_VALUES with a non-zero id: ERROR.
 * - ABORT_REQUEST, PARAMS, STDIN and DATA for an inactive id (id 0
 *   included) are ignored, as the spec asks; ABORT_REQUEST content is
 *   ignored too.  DATA is ignored always (filter role only).
 * - After ABORT_REQUEST has been reported, every record for that id except
 *   BEGIN_REQUEST is ignored until fastcgi_request_done() frees the slot.
 *   An abort of a body being discarded whose request was already answered
 *   frees the slot silently: the caller has nothing left to abort.
 * - STDIN after the empty STDIN of a request still in flight: ERROR.
 * - A param name that is empty or holds a NUL: ERROR (names are C strings).
 * - GET_VALUES: each known name is answered once, in the order asked; the
 *   values sent with the names are ignored.
 * - fastcgi_request_done() on a request still being received frees it.
 * - Answered, discarding slots do not count against max_reqs and are
 *   reused first when a slot is needed, so a peer cannot grow the table
 *   past what max_reqs live requests need.
 * - Responses: STDOUT records carry at most 65528 bytes (the largest
 *   multiple of 8 under 65535), so only the last record needs padding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>		/* libfcgi: wire structs and constants */

#include "buf.h"
#include "codec.h"
#include "fastcgi.h"
#include "request.h"

#ifndef FCGI_VERSION_1
/* With -I src, <fastcgi.h> would find ours: src/ is an -iquote dir. */
#error "libfcgi's <fastcgi.h> is shadowed by src/fastcgi.h"
#endif

#define FASTCGI_STDOUT_CHUNK	(FCGI_MAX_LENGTH & ~7)
#define FASTCGI_PAD(n)		((8 - (n) % 8) % 8)

enum fastcgi_state {
	FASTCGI_ST_HEADER,		/* collecting the 8 header bytes */
	FASTCGI_ST_CONTENT,		/* content_left bytes to go */
	FASTCGI_ST_PADDING		/* padding_left bytes to skip */
};

enum fastcgi_sink {
	FASTCGI_SINK_SKIP,		/* content is dropped */
	FASTCGI_SINK_RECORD,		/* into p->record (BEGIN, GET_VALUES) */
	FASTCGI_SINK_PARAMS,		/* into slot->params */
	FASTCGI_SINK_BODY		/* into slot->req->body */
};

enum fastcgi_slot_state {
	FASTCGI_SLOT_FREE = 0,
	FASTCGI_SLOT_PARAMS,		/* receiving the params stream */
	FASTCGI_SLOT_STDIN,		/* params decoded, receiving the body */
	FASTCGI_SLOT_INFLIGHT,		/* handed out, awaiting request_done */
	FASTCGI_SLOT_DISCARD,		/* too large: dropping STDIN */
	FASTCGI_SLOT_SKIP_PARAMS	/* params too large: dropping PARAMS,
					   then DISCARD */
};

struct fastcgi_slot {
	uint16_t		 id;
	enum fastcgi_slot_state	 state;
	unsigned		 answered:1;	/* DISCARD, SKIP_PARAMS:
						   request_done seen */
	unsigned		 aborted:1;	/* ABORT reported: ignore it */
	struct request		*req;		/* PARAMS, STDIN: being built */
	struct buf		 params;	/* PARAMS: the raw stream */
};

struct fastcgi_parser {
	struct codec_limits	 limits;
	enum fastcgi_state	 state;
	uint8_t			 hdr[FCGI_HEADER_LEN];
	size_t			 hdr_len;	/* header bytes collected */
	uint8_t			 type;		/* current record ... */
	uint16_t		 id;
	size_t			 clen;
	size_t			 content_left;
	size_t			 padding_left;
	unsigned		 unknown:1;	/* ... gets FCGI_UNKNOWN_TYPE */
	enum fastcgi_sink	 sink;
	struct fastcgi_slot	*slot;		/* its request, if active */
	struct buf		 record;	/* SINK_RECORD content */
	struct buf		 reply;		/* REQ_EV_REPLY bytes */
	struct fastcgi_slot	*slots;
	size_t			 nslots;
	const char		*errstr;	/* once set, every call fails */
	char			 errbuf[160];	/* ... or a TOO_LARGE's message */
};

struct fastcgi_parser *
fastcgi_parser_new(const struct codec_limits *limits)
{
	struct fastcgi_parser	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->limits = *limits;
	p->state = FASTCGI_ST_HEADER;
	return p;
}

static void
fastcgi_slot_free(struct fastcgi_slot *slot)
{
	request_free(slot->req);
	buf_free(&slot->params);
	memset(slot, 0, sizeof(*slot));
}

void
fastcgi_parser_free(struct fastcgi_parser *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nslots; i++)
		fastcgi_slot_free(&p->slots[i]);
	free(p->slots);
	buf_free(&p->record);
	buf_free(&p->reply);
	free(p);
}

static struct fastcgi_slot *
fastcgi_slot_find(struct fastcgi_parser *p, uint16_t id)
{
	size_t	 i;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state != FASTCGI_SLOT_FREE &&
		    p->slots[i].id == id)
			return &p->slots[i];
	return NULL;
}

/* Rejected as too large: the rest of its input is dropped. */
static int
fastcgi_slot_discarding(const struct fastcgi_slot *slot)
{
	return slot->state == FASTCGI_SLOT_DISCARD ||
	    slot->state == FASTCGI_SLOT_SKIP_PARAMS;
}

static int
fastcgi_slot_active(const struct fastcgi_slot *slot)
{
	return slot->state != FASTCGI_SLOT_FREE &&
	    !(fastcgi_slot_discarding(slot) && slot->answered);
}

/* A cleared slot: a free one, else an answered discarding one, else new. */
static struct fastcgi_slot *
fastcgi_slot_alloc(struct fastcgi_parser *p)
{
	struct fastcgi_slot	*slots;
	size_t			 i, n;

	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].state == FASTCGI_SLOT_FREE)
			return &p->slots[i];
	for (i = 0; i < p->nslots; i++)
		if (!fastcgi_slot_active(&p->slots[i])) {
			fastcgi_slot_free(&p->slots[i]);
			return &p->slots[i];
		}
	n = p->nslots ? p->nslots * 2 : 4;
	if ((slots = realloc(p->slots, n * sizeof(*slots))) == NULL)
		return NULL;
	memset(slots + p->nslots, 0, (n - p->nslots) * sizeof(*slots));
	p->slots = slots;
	i = p->nslots;
	p->nslots = n;
	return &p->slots[i];
}

static size_t
fastcgi_nactive(const struct fastcgi_parser *p)
{
	size_t	 i, n = 0;

	for (i = 0; i < p->nslots; i++)
		if (fastcgi_slot_active(&p->slots[i]))
			n++;
	return n;
}

static enum request_event_type
fastcgi_fail(struct fastcgi_parser *p, struct request_event *ev,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum request_event_type
fastcgi_fail(struct fastcgi_parser *p, struct request_event *ev,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(p->errbuf, sizeof(p->errbuf), fmt, ap);
	va_end(ap);
	p->errstr = p->errbuf;
	ev->id = p->id;
	ev->errstr = p->errstr;
	return REQ_EV_ERROR;
}

static void
fastcgi_header_put(uint8_t *dst, uint8_t type, uint16_t id, size_t clen,
    size_t padding)
{
	FCGI_Header	 h;

	h.version = FCGI_VERSION_1;
	h.type = type;
	h.requestIdB1 = (unsigned char)(id >> 8);
	h.requestIdB0 = (unsigned char)id;
	h.contentLengthB1 = (unsigned char)(clen >> 8);
	h.contentLengthB0 = (unsigned char)clen;
	h.paddingLength = (unsigned char)padding;
	h.reserved = 0;
	memcpy(dst, &h, sizeof(h));
}

static void
fastcgi_end_request_put(uint8_t *dst, uint16_t id, uint8_t protocol_status)
{
	FCGI_EndRequestRecord	 r;

	memset(&r, 0, sizeof(r));
	fastcgi_header_put((uint8_t *)&r.header, FCGI_END_REQUEST, id,
	    sizeof(r.body), 0);
	r.body.protocolStatus = protocol_status;
	memcpy(dst, &r, sizeof(r));
}

static enum request_event_type
fastcgi_reply(struct fastcgi_parser *p, struct request_event *ev)
{
	ev->id = p->id;
	ev->reply = (const uint8_t *)p->reply.data;
	ev->reply_len = p->reply.len;
	return REQ_EV_REPLY;
}

static enum request_event_type
fastcgi_reply_end(struct fastcgi_parser *p, struct request_event *ev,
    uint8_t protocol_status)
{
	uint8_t	 rec[sizeof(FCGI_EndRequestRecord)];

	fastcgi_end_request_put(rec, p->id, protocol_status);
	if (buf_add(&p->reply, rec, sizeof(rec)) == -1)
		return fastcgi_fail(p, ev, "out of memory");
	return fastcgi_reply(p, ev);
}

static enum request_event_type
fastcgi_reply_unknown(struct fastcgi_parser *p, struct request_event *ev)
{
	FCGI_UnknownTypeRecord	 r;

	memset(&r, 0, sizeof(r));
	fastcgi_header_put((uint8_t *)&r.header, FCGI_UNKNOWN_TYPE,
	    FCGI_NULL_REQUEST_ID, sizeof(r.body), 0);
	r.body.type = p->type;
	if (buf_add(&p->reply, &r, sizeof(r)) == -1)
		return fastcgi_fail(p, ev, "out of memory");
	return fastcgi_reply(p, ev);
}

/* One length: 1 byte, or 4 with the high bit set.  -1 if truncated. */
static int
fastcgi_nv_len(const uint8_t **pos, const uint8_t *end, size_t *len)
{
	const uint8_t	*b = *pos;

	if (b == end)
		return -1;
	if (!(b[0] & 0x80)) {
		*len = b[0];
		*pos = b + 1;
		return 0;
	}
	if (end - b < 4)
		return -1;
	*len = (size_t)(b[0] & 0x7f) << 24 | (size_t)b[1] << 16 |
	    (size_t)b[2] << 8 | b[3];
	*pos = b + 4;
	return 0;
}

/*
 * Reads one name-value pair from [*pos, end).  Returns 1 and advances
 * *pos, 0 at the end, -1 when the pair is truncated.
 */
static int
fastcgi_nv_next(const uint8_t **pos, const uint8_t *end, const uint8_t **name,
    size_t *nlen, const uint8_t **value, size_t *vlen)
{
	const uint8_t	*b = *pos;

	if (b == end)
		return 0;
	if (fastcgi_nv_len(&b, end, nlen) == -1 ||
	    fastcgi_nv_len(&b, end, vlen) == -1)
		return -1;
	if (*nlen > (size_t)(end - b) || *vlen > (size_t)(end - b) - *nlen)
		return -1;
	*name = b;
	*value = b + *nlen;
	*pos = b + *nlen + *vlen;
	return 1;
}

static int
fastcgi_nv_put_len(struct buf *b, size_t len)
{
	uint8_t	 l[4];

	if (len < 0x80) {
		l[0] = (uint8_t)len;
		return buf_add(b, l, 1);
	}
	l[0] = (uint8_t)(len >> 24 | 0x80);
	l[1] = (uint8_t)(len >> 16);
	l[2] = (uint8_t)(len >> 8);
	l[3] = (uint8_t)len;
	return buf_add(b, l, 4);
}

static enum request_event_type
fastcgi_get_values(struct fastcgi_parser *p, struct request_event *ev)
{
	static const char	*names[] = {
		FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS
	};
	const uint8_t		*pos, *end, *name, *value;
	size_t			 nlen, vlen, i, clen;
	unsigned		 done = 0, v;
	char			 num[16];
	int			 r;
	uint8_t			 pad[8] = { 0 };

	pos = (const uint8_t *)(p->record.data ? p->record.data : "");
	end = pos + p->record.len;
	/* Room for the header, written once the content length is known. */
	if (buf_add(&p->reply, pad, FCGI_HEADER_LEN) == -1)
		goto nomem;
	while ((r = fastcgi_nv_next(&pos, end, &name, &nlen, &value,
	    &vlen)) == 1) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (nlen == strlen(names[i]) &&
			    memcmp(name, names[i], nlen) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]) ||
		    (done & (1U << i)))
			continue;
		done |= (1U << i);
		v = i == 0 ? p->limits.max_conns :
		    i == 1 ? p->limits.max_reqs : 1;
		snprintf(num, sizeof(num), "%u", v);
		if (fastcgi_nv_put_len(&p->reply, nlen) == -1 ||
		    fastcgi_nv_put_len(&p->reply, strlen(num)) == -1 ||
		    buf_add(&p->reply, names[i], nlen) == -1 ||
		    buf_adds(&p->reply, num) == -1)
			goto nomem;
	}
	if (r == -1)
		return fastcgi_fail(p, ev,
		    "truncated name-value pair in FCGI_GET_VALUES");
	clen = p->reply.len - FCGI_HEADER_LEN;
	if (buf_add(&p->reply, pad, FASTCGI_PAD(clen)) == -1)
		goto nomem;
	fastcgi_header_put((uint8_t *)p->reply.data, FCGI_GET_VALUES_RESULT,
	    FCGI_NULL_REQUEST_ID, clen, FASTCGI_PAD(clen));
	return fastcgi_reply(p, ev);
nomem:
	return fastcgi_fail(p, ev, "out of memory");
}

static enum request_event_type
fastcgi_begin_request(struct fastcgi_parser *p, struct request_event *ev)
{
	const FCGI_BeginRequestBody	*b;
	struct fastcgi_slot		*slot;
	unsigned			 role;

	b = (const FCGI_BeginRequestBody *)p->record.data;
	role = (unsigned)b->roleB1 << 8 | b->roleB0;
	if ((slot = fastcgi_slot_find(p, p->id)) != NULL) {
		if (fastcgi_slot_active(slot))
			return fastcgi_fail(p, ev, "duplicate request id %u",
			    p->id);
		fastcgi_slot_free(slot);
	}
	if (role != FCGI_RESPONDER)
		return fastcgi_reply_end(p, ev, FCGI_UNKNOWN_ROLE);
	if (fastcgi_nactive(p) >= p->limits.max_reqs)
		return fastcgi_reply_end(p, ev, FCGI_OVERLOADED);
	if ((slot = fastcgi_slot_alloc(p)) == NULL ||
	    (slot->req = request_new(p->id)) == NULL)
		return fastcgi_fail(p, ev, "out of memory");
	slot->id = p->id;
	slot->state = FASTCGI_SLOT_PARAMS;
	slot->req->keep_conn = (b->flags & FCGI_KEEP_CONN) != 0;
	return REQ_EV_NEED_MORE;
}

/*
 * Hands out the request with the params decoded so far, to be answered
 * 431; the message is in errbuf.  Its remaining input is dropped: the
 * rest of its PARAMS unless they ended, then its STDIN.
 */
static enum request_event_type
fastcgi_params_too_large(struct fastcgi_parser *p, struct fastcgi_slot *slot,
    int params_ended, struct request_event *ev)
{
	ev->id = p->id;
	ev->req = slot->req;
	ev->status = 431;
	ev->errstr = p->errbuf;
	slot->req = NULL;
	buf_free(&slot->params);
	slot->state = params_ended ? FASTCGI_SLOT_DISCARD :
	    FASTCGI_SLOT_SKIP_PARAMS;
	return REQ_EV_TOO_LARGE;
}

/* The empty PARAMS record ended the stream: decode it into the request. */
static enum request_event_type
fastcgi_params_end(struct fastcgi_parser *p, struct request_event *ev)
{
	struct fastcgi_slot	*slot = p->slot;
	const uint8_t		*pos, *end, *name, *value;
	size_t			 nlen, vlen, count = 0, total = 0;
	int			 r;

	pos = (const uint8_t *)(slot->params.data ? slot->params.data : "");
	end = pos + slot->params.len;
	while ((r = fastcgi_nv_next(&pos, end, &name, &nlen, &value,
	    &vlen)) == 1) {
		if (nlen == 0)
			return fastcgi_fail(p, ev,
			    "empty param name in FCGI_PARAMS (request id %u)",
			    p->id);
		if (memchr(name, '\0', nlen) != NULL)
			return fastcgi_fail(p, ev,
			    "NUL in param name in FCGI_PARAMS (request id %u)",
			    p->id);
		if (codec_limit_param(&p->limits, &count, &total,
		    (const char *)name, nlen, vlen, p->errbuf,
		    sizeof(p->errbuf)) != NULL)
			return fastcgi_params_too_large(p, slot, 1, ev);
		if (request_add_param(slot->req, (const char *)name, nlen,
		    (const char *)value, vlen) == -1)
			return fastcgi_fail(p, ev, "out of memory");
	}
	if (r == -1)
		return fastcgi_fail(p, ev,
		    "truncated name-value pair in FCGI_PARAMS (request id %u)",
		    p->id);
	buf_free(&slot->params);
	slot->state = FASTCGI_SLOT_STDIN;
	return REQ_EV_NEED_MORE;
}

/* The empty STDIN record: hand the request out or end the discarding. */
static enum request_event_type
fastcgi_stdin_end(struct fastcgi_parser *p, struct request_event *ev)
{
	struct fastcgi_slot	*slot = p->slot;

	if (slot->state == FASTCGI_SLOT_DISCARD) {
		if (slot->answered)
			fastcgi_slot_free(slot);
		else
			slot->state = FASTCGI_SLOT_INFLIGHT;
		return REQ_EV_NEED_MORE;
	}
	ev->id = p->id;
	ev->req = slot->req;
	slot->req = NULL;
	slot->state = FASTCGI_SLOT_INFLIGHT;
	return REQ_EV_REQUEST;
}

static enum request_event_type
fastcgi_abort(struct fastcgi_parser *p, struct request_event *ev)
{
	struct fastcgi_slot	*slot;

	if ((slot = fastcgi_slot_find(p, p->id)) == NULL || slot->aborted)
		return REQ_EV_NEED_MORE;
	switch (slot->state) {
	case FASTCGI_SLOT_PARAMS:
	case FASTCGI_SLOT_STDIN:
		fastcgi_slot_free(slot);
		break;
	case FASTCGI_SLOT_DISCARD:
	case FASTCGI_SLOT_SKIP_PARAMS:
		if (slot->answered) {
			fastcgi_slot_free(slot);
			return REQ_EV_NEED_MORE;
		}
		slot->aborted = 1;
		break;
	default:
		slot->aborted = 1;
		break;
	}
	ev->id = p->id;
	return REQ_EV_ABORT;
}

static const char *
fastcgi_type_name(uint8_t type)
{
	switch (type) {
	case FCGI_END_REQUEST:
		return "FCGI_END_REQUEST";
	case FCGI_STDOUT:
		return "FCGI_STDOUT";
	case FCGI_STDERR:
		return "FCGI_STDERR";
	case FCGI_GET_VALUES_RESULT:
		return "FCGI_GET_VALUES_RESULT";
	default:
		return "FCGI_UNKNOWN_TYPE";
	}
}

/* PARAMS and STDIN headers: find the request and choose where content goes. */
static enum request_event_type
fastcgi_stream_record(struct fastcgi_parser *p, struct request_event *ev)
{
	struct fastcgi_slot	*slot;
	struct request		*req;

	size_t			 wire;

	if ((slot = fastcgi_slot_find(p, p->id)) == NULL || slot->aborted)
		return REQ_EV_NEED_MORE;
	p->slot = slot;
	if (p->type == FCGI_PARAMS) {
		if (slot->state == FASTCGI_SLOT_SKIP_PARAMS)
			return REQ_EV_NEED_MORE;
		if (slot->state != FASTCGI_SLOT_PARAMS)
			return fastcgi_fail(p, ev, "FCGI_PARAMS for request id "
			    "%u after the end of its params", p->id);
		wire = codec_params_wire_max(&p->limits, 8);
		if (p->clen > wire - slot->params.len) {
			snprintf(p->errbuf, sizeof(p->errbuf), "params longer "
			    "than %zu bytes on the wire (max_params_size %zu "
			    "+ 8 x max_params %zu)", wire,
			    p->limits.max_params_size, p->limits.max_params);
			return fastcgi_params_too_large(p, slot, 0, ev);
		}
		p->sink = FASTCGI_SINK_PARAMS;
		return REQ_EV_NEED_MORE;
	}
	switch (slot->state) {
	case FASTCGI_SLOT_PARAMS:
	case FASTCGI_SLOT_SKIP_PARAMS:
		return fastcgi_fail(p, ev, "FCGI_STDIN for request id %u "
		    "before the end of its params", p->id);
	case FASTCGI_SLOT_INFLIGHT:
		return fastcgi_fail(p, ev, "FCGI_STDIN for request id %u "
		    "after the end of its body", p->id);
	case FASTCGI_SLOT_DISCARD:
		return REQ_EV_NEED_MORE;
	default:
		break;
	}
	req = slot->req;
	if (p->clen > p->limits.max_body_size - req->body_len) {
		free(req->body);
		req->body = NULL;
		req->body_len = req->body_cap = 0;
		slot->req = NULL;
		slot->state = FASTCGI_SLOT_DISCARD;
		snprintf(p->errbuf, sizeof(p->errbuf), "request body larger "
		    "than max_body_size (%zu bytes)", p->limits.max_body_size);
		ev->id = p->id;
		ev->req = req;
		ev->status = 413;
		ev->errstr = p->errbuf;
		return REQ_EV_TOO_LARGE;
	}
	p->sink = FASTCGI_SINK_BODY;
	return REQ_EV_NEED_MORE;
}

/* A complete header: validate it and set up the content's sink. */
static enum request_event_type
fastcgi_record_begin(struct fastcgi_parser *p, struct request_event *ev)
{
	FCGI_Header	 h;

	memcpy(&h, p->hdr, sizeof(h));
	p->type = h.type;
	p->id = (uint16_t)(h.requestIdB1 << 8 | h.requestIdB0);
	p->clen = (size_t)h.contentLengthB1 << 8 | h.contentLengthB0;
	p->content_left = p->clen;
	p->padding_left = h.paddingLength;
	p->state = FASTCGI_ST_CONTENT;
	p->sink = FASTCGI_SINK_SKIP;
	p->slot = NULL;
	p->unknown = 0;
	if (h.version != FCGI_VERSION_1)
		return fastcgi_fail(p, ev, "unsupported FastCGI version %u",
		    h.version);

	switch (p->type) {
	case FCGI_BEGIN_REQUEST:
		if (p->id == FCGI_NULL_REQUEST_ID)
			return fastcgi_fail(p, ev,
			    "FCGI_BEGIN_REQUEST with request id 0");
		if (p->clen != sizeof(FCGI_BeginRequestBody))
			return fastcgi_fail(p, ev, "FCGI_BEGIN_REQUEST with "
			    "content length %zu (request id %u)", p->clen,
			    p->id);
		buf_reset(&p->record);
		p->sink = FASTCGI_SINK_RECORD;
		break;
	case FCGI_ABORT_REQUEST:
	case FCGI_DATA:
		break;
	case FCGI_PARAMS:
	case FCGI_STDIN:
		return fastcgi_stream_record(p, ev);
	case FCGI_GET_VALUES:
		if (p->id != FCGI_NULL_REQUEST_ID)
			return fastcgi_fail(p, ev,
			    "FCGI_GET_VALUES with request id %u", p->id);
		buf_reset(&p->record);
		p->sink = FASTCGI_SINK_RECORD;
		break;
	case FCGI_END_REQUEST:
	case FCGI_STDOUT:
	case FCGI_STDERR:
	case FCGI_GET_VALUES_RESULT:
	case FCGI_UNKNOWN_TYPE:
		if (p->id != FCGI_NULL_REQUEST_ID)
			return fastcgi_fail(p, ev, "unexpected %s record from "
			    "the web server (request id %u)",
			    fastcgi_type_name(p->type), p->id);
		p->unknown = 1;
		break;
	default:
		p->unknown = 1;
		break;
	}
	return REQ_EV_NEED_MORE;
}

/* A record's content is complete: act on it. */
static enum request_event_type
fastcgi_record_end(struct fastcgi_parser *p, struct request_event *ev)
{
	if (p->unknown)
		return fastcgi_reply_unknown(p, ev);
	switch (p->type) {
	case FCGI_BEGIN_REQUEST:
		return fastcgi_begin_request(p, ev);
	case FCGI_ABORT_REQUEST:
		return fastcgi_abort(p, ev);
	case FCGI_GET_VALUES:
		return fastcgi_get_values(p, ev);
	case FCGI_PARAMS:
		if (p->clen == 0 && p->sink == FASTCGI_SINK_PARAMS)
			return fastcgi_params_end(p, ev);
		if (p->clen == 0 && p->slot != NULL &&
		    p->slot->state == FASTCGI_SLOT_SKIP_PARAMS)
			p->slot->state = FASTCGI_SLOT_DISCARD;
		break;
	case FCGI_STDIN:
		if (p->clen == 0 && p->slot != NULL)
			return fastcgi_stdin_end(p, ev);
		break;
	default:
		break;
	}
	return REQ_EV_NEED_MORE;
}

static int
fastcgi_content(struct fastcgi_parser *p, const uint8_t *data, size_t len)
{
	switch (p->sink) {
	case FASTCGI_SINK_RECORD:
		return buf_add(&p->record, data, len);
	case FASTCGI_SINK_PARAMS:
		return buf_add(&p->slot->params, data, len);
	case FASTCGI_SINK_BODY:
		return request_append_body(p->slot->req, data, len);
	default:
		return 0;
	}
}

enum request_event_type
fastcgi_parse(struct fastcgi_parser *p, const uint8_t *buf, size_t len,
    size_t *consumed, struct request_event *ev)
{
	enum request_event_type	 t = REQ_EV_NEED_MORE;
	size_t			 off = 0, n;

	memset(ev, 0, sizeof(*ev));
	buf_reset(&p->reply);
	if (p->errstr != NULL) {
		ev->errstr = p->errstr;
		t = REQ_EV_ERROR;
		goto out;
	}
	for (;;) {
		/* Act on a finished record before asking for more bytes. */
		if (p->state == FASTCGI_ST_CONTENT && p->content_left == 0) {
			p->state = p->padding_left ? FASTCGI_ST_PADDING :
			    FASTCGI_ST_HEADER;
			if ((t = fastcgi_record_end(p, ev)) != REQ_EV_NEED_MORE)
				goto out;
			continue;
		}
		if (off == len)
			break;
		switch (p->state) {
		case FASTCGI_ST_HEADER:
			n = FCGI_HEADER_LEN - p->hdr_len;
			n = n < len - off ? n : len - off;
			memcpy(p->hdr + p->hdr_len, buf + off, n);
			p->hdr_len += n;
			off += n;
			if (p->hdr_len < FCGI_HEADER_LEN)
				break;
			p->hdr_len = 0;
			t = fastcgi_record_begin(p, ev);
			if (t != REQ_EV_NEED_MORE)
				goto out;
			break;
		case FASTCGI_ST_CONTENT:
			n = p->content_left < len - off ? p->content_left :
			    len - off;
			if (fastcgi_content(p, buf + off, n) == -1) {
				t = fastcgi_fail(p, ev, "out of memory");
				goto out;
			}
			p->content_left -= n;
			off += n;
			break;
		case FASTCGI_ST_PADDING:
			n = p->padding_left < len - off ? p->padding_left :
			    len - off;
			p->padding_left -= n;
			off += n;
			if (p->padding_left == 0)
				p->state = FASTCGI_ST_HEADER;
			break;
		}
	}
out:
	*consumed = off;
	ev->type = t;
	return t;
}

void
fastcgi_request_done(struct fastcgi_parser *p, uint16_t id)
{
	struct fastcgi_slot	*slot;

	if ((slot = fastcgi_slot_find(p, id)) == NULL)
		return;
	if (fastcgi_slot_discarding(slot) && !slot->aborted)
		slot->answered = 1;
	else
		fastcgi_slot_free(slot);
}

/*
 * A request has begun and its params are not complete: a slot receiving
 * params, or a record under way that is not part of a body (a partial
 * header counts unless a body is being received; its type, the second
 * byte, decides as soon as it is there).
 */
int
fastcgi_head_pending(const struct fastcgi_parser *p)
{
	size_t	 i;
	int	 body = 0;
	uint8_t	 type;

	for (i = 0; i < p->nslots; i++) {
		if (p->slots[i].aborted)
			continue;
		if (p->slots[i].state == FASTCGI_SLOT_PARAMS ||
		    p->slots[i].state == FASTCGI_SLOT_SKIP_PARAMS)
			return 1;
		if (p->slots[i].state == FASTCGI_SLOT_STDIN ||
		    p->slots[i].state == FASTCGI_SLOT_DISCARD)
			body = 1;
	}
	if (p->errstr != NULL)
		return 0;
	if (p->state != FASTCGI_ST_HEADER)
		type = p->type;
	else if (p->hdr_len >= 2)
		type = p->hdr[1];
	else
		return p->hdr_len > 0 && !body;
	return type != FCGI_STDIN && type != FCGI_DATA &&
	    type != FCGI_ABORT_REQUEST;
}

#define FASTCGI_TAIL_MAX	(7 + 2 * FCGI_HEADER_LEN + \
				    sizeof(FCGI_EndRequestBody))

/*
 * STDOUT records for data: header, then data straight from the caller's
 * buffer, then the padding together with the next header, so a small
 * response costs three emit() calls and no copy of the data.  The last
 * record's padding is left in out[0 .. *o) for the caller to send.
 */
static int
stdout_records(uint16_t id, const uint8_t *d, size_t len, uint8_t *out,
    size_t *o, codec_emit_fn *emit, void *arg)
{
	size_t	n;
	int	rc;

	while (len > 0) {
		n = len < FASTCGI_STDOUT_CHUNK ? len : FASTCGI_STDOUT_CHUNK;
		fastcgi_header_put(out + *o, FCGI_STDOUT, id, n,
		    FASTCGI_PAD(n));
		*o += FCGI_HEADER_LEN;
		if ((rc = emit(arg, out, *o)) != 0 ||
		    (rc = emit(arg, d, n)) != 0)
			return rc;
		*o = FASTCGI_PAD(n);
		memset(out, 0, *o);
		d += n;
		len -= n;
	}
	return 0;
}

/* The end of the stream after out[0 .. o) (a padding): one emit(). */
static int
stdout_end(uint16_t id, uint8_t *out, size_t o, codec_emit_fn *emit,
    void *arg)
{
	fastcgi_header_put(out + o, FCGI_STDOUT, id, 0, 0);
	o += FCGI_HEADER_LEN;
	fastcgi_end_request_put(out + o, id, FCGI_REQUEST_COMPLETE);
	o += sizeof(FCGI_EndRequestRecord);
	return emit(arg, out, o);
}

int
fastcgi_write_response(uint16_t id, const void *data, size_t len,
    codec_emit_fn *emit, void *arg)
{
	uint8_t	out[FASTCGI_TAIL_MAX];
	size_t	o = 0;
	int	rc;

	if ((rc = stdout_records(id, data, len, out, &o, emit, arg)) != 0)
		return rc;
	return stdout_end(id, out, o, emit, arg);
}

int
fastcgi_write_chunk(uint16_t id, const void *data, size_t len,
    codec_emit_fn *emit, void *arg)
{
	uint8_t	out[FASTCGI_TAIL_MAX];
	size_t	o = 0;
	int	rc;

	if ((rc = stdout_records(id, data, len, out, &o, emit, arg)) != 0 ||
	    o == 0)
		return rc;
	return emit(arg, out, o);
}

int
fastcgi_write_end(uint16_t id, codec_emit_fn *emit, void *arg)
{
	uint8_t	out[FASTCGI_TAIL_MAX];

	return stdout_end(id, out, 0, emit, arg);
}

static void *
codec_new(const struct codec_limits *limits)
{
	return fastcgi_parser_new(limits);
}

static void
codec_free(void *p)
{
	fastcgi_parser_free(p);
}

static enum request_event_type
codec_parse(void *p, const uint8_t *buf, size_t len, size_t *consumed,
    struct request_event *ev)
{
	return fastcgi_parse(p, buf, len, consumed, ev);
}

static void
codec_done(void *p, uint16_t id)
{
	fastcgi_request_done(p, id);
}

static int
codec_head_pending(const void *p)
{
	return fastcgi_head_pending(p);
}

const struct codec fastcgi_codec = {
	"FastCGI", codec_new, codec_free, codec_parse, codec_done,
	fastcgi_write_response, fastcgi_write_chunk, fastcgi_write_end,
	codec_head_pending
};
