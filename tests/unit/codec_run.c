/*
 * The codec unit tests' driver: see codec_run.h.  The checks every event
 * must pass, whatever the codec, are here; what a test expects of a stream
 * is in its log.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec_run.h"
#include "codec.h"
#include "request.h"

static uint32_t
fnv1a(const void *data, size_t len)
{
	const uint8_t	*d = data;
	uint32_t	 h = 2166136261u;

	while (len-- > 0)
		h = (h ^ *d++) * 16777619u;
	return h;
}

/* Short printable bytes as they are, anything else as <length#hash>. */
static void
log_bytes(struct buf *log, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && len <= CODEC_RUN_TEXT_MAX; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			break;
	if (i == len && len <= CODEC_RUN_TEXT_MAX)
		ck_assert_int_eq(buf_add(log, s, len), 0);
	else
		ck_assert_int_eq(buf_printf(log, "<%zu#%08x>", len,
		    fnv1a(s, len)), 0);
}

static void
log_request(struct buf *log, const struct request *req)
{
	size_t	 i;

	buf_printf(log, " %u keep=%u {", req->id, req->keep_conn);
	for (i = 0; i < req->nparams; i++) {
		buf_printf(log, "%s%s=", i ? ";" : "", req->params[i].name);
		log_bytes(log, req->params[i].value, req->params[i].value_len);
	}
	buf_printf(log, "} body=");
	if (req->body == NULL)
		ck_assert_uint_eq(req->body_len, 0);
	log_bytes(log, req->body, req->body_len);
}

static void
log_event(struct buf *log, const struct request_event *ev)
{
	size_t	 i;

	switch (ev->type) {
	case REQ_EV_NEED_MORE:
		return;
	case REQ_EV_REQUEST:
	case REQ_EV_TOO_LARGE:
		ck_assert_ptr_nonnull(ev->req);
		ck_assert_uint_eq(ev->req->id, ev->id);
		buf_adds(log, ev->type == REQ_EV_REQUEST ? "REQUEST" :
		    "TOO_LARGE");
		log_request(log, ev->req);
		if (ev->type == REQ_EV_TOO_LARGE) {
			ck_assert_ptr_nonnull(ev->errstr);
			buf_printf(log, " %d %s", ev->status, ev->errstr);
		}
		break;
	case REQ_EV_ABORT:
		buf_printf(log, "ABORT %u", ev->id);
		break;
	case REQ_EV_REPLY:
		buf_printf(log, "REPLY %u", ev->id);
		for (i = 0; i < ev->reply_len; i++)
			buf_printf(log, " %02x", ev->reply[i]);
		break;
	case REQ_EV_ERROR:
		ck_assert_ptr_nonnull(ev->errstr);
		ck_assert_ptr_null(ev->req);
		buf_printf(log, "ERROR %s", ev->errstr);
		break;
	default:
		buf_printf(log, "UNKNOWN EVENT %d", (int)ev->type);
		break;
	}
	buf_adds(log, "\n");
}

void
codec_run_init(struct codec_run *r, const struct codec *codec,
    const struct codec_limits *l, int auto_done)
{
	memset(r, 0, sizeof(*r));
	r->codec = codec;
	r->parser = codec->parser_new(l);
	ck_assert_ptr_nonnull(r->parser);
	r->auto_done = auto_done;
}

void
codec_run_free(struct codec_run *r)
{
	r->codec->parser_free(r->parser);
	buf_free(&r->log);
}

const char *
codec_run_log(const struct codec_run *r)
{
	return r->log.data ? r->log.data : "";
}

void
codec_run_feed(struct codec_run *r, const void *data, size_t len)
{
	struct request_event	 ev;
	enum request_event_type	 t;
	const uint8_t		*d = data;
	size_t			 used;

	while (!r->failed) {
		memset(&ev, 0xa5, sizeof(ev));
		used = (size_t)-1;
		t = r->codec->parse(r->parser, d, len, &used, &ev);
		ck_assert_int_eq(t, ev.type);
		ck_assert_uint_le(used, len);
		log_event(&r->log, &ev);
		if (ev.type == REQ_EV_REQUEST || ev.type == REQ_EV_TOO_LARGE) {
			request_free(ev.req);
			if (r->auto_done)
				r->codec->request_done(r->parser, ev.id);
		} else if (ev.type == REQ_EV_ABORT && r->auto_done)
			r->codec->request_done(r->parser, ev.id);
		else if (ev.type == REQ_EV_ERROR)
			r->failed = 1;
		else if (ev.type == REQ_EV_NEED_MORE) {
			ck_assert_uint_eq(used, len);
			break;
		}
		d += used;
		len -= used;
	}
}

void
codec_run_feed_chunks(struct codec_run *r, const struct buf *in,
    size_t chunk)
{
	size_t	 off, n;

	for (off = 0; off < in->len; off += n) {
		n = in->len - off < chunk ? in->len - off : chunk;
		codec_run_feed(r, in->data + off, n);
	}
}

char *
codec_run_parse_log(const struct codec *codec, const struct codec_limits *l,
    const struct buf *in, size_t chunk)
{
	struct codec_run	 r;
	char			*s;

	codec_run_init(&r, codec, l, 1);
	codec_run_feed_chunks(&r, in, chunk);
	s = strdup(codec_run_log(&r));
	ck_assert_ptr_nonnull(s);
	codec_run_free(&r);
	return s;
}

void
codec_run_check_splits(const struct codec *codec,
    const struct codec_limits *l, const struct buf *in, const char *expect)
{
	struct codec_run	 r;
	char			*s;
	size_t			 k;

	s = codec_run_parse_log(codec, l, in, in->len);
	ck_assert_str_eq(s, expect);
	free(s);
	s = codec_run_parse_log(codec, l, in, 1);
	ck_assert_str_eq(s, expect);
	free(s);
	for (k = 1; k < in->len; k++) {
		codec_run_init(&r, codec, l, 1);
		codec_run_feed(&r, in->data, k);
		codec_run_feed(&r, in->data + k, in->len - k);
		if (strcmp(codec_run_log(&r), expect) != 0)
			ck_abort_msg("split at %zu gave:\n%s", k,
			    codec_run_log(&r));
		codec_run_free(&r);
	}
}

void
codec_run_check_chunks(const struct codec *codec,
    const struct codec_limits *l, const struct buf *in, const char *expect)
{
	static const size_t	 sizes[] = { 0, 1, 2, 7, 1000, 4096 };
	char			*s;
	size_t			 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		s = codec_run_parse_log(codec, l, in,
		    sizes[i] ? sizes[i] : in->len);
		if (strcmp(s, expect) != 0)
			ck_abort_msg("chunks of %zu gave:\n%s", sizes[i], s);
		free(s);
	}
}

void
codec_run_check_stuck(struct codec_run *r, const char *errstr)
{
	/* Bytes a stream may begin with, in FastCGI and in SCGI. */
	static const char *const more[] = { "\1", "1" };
	struct request_event	 ev;
	size_t			 used, i;

	ck_assert(r->failed);
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		ck_assert_int_eq(r->codec->parse(r->parser,
		    (const uint8_t *)more[i], 1, &used, &ev), REQ_EV_ERROR);
		ck_assert_int_eq(ev.type, REQ_EV_ERROR);
		ck_assert_uint_eq(used, 0);
		ck_assert_ptr_null(ev.req);
		ck_assert_str_eq(ev.errstr, errstr);
	}
	ck_assert_int_eq(r->codec->parse(r->parser, NULL, 0, &used, &ev),
	    REQ_EV_ERROR);
	ck_assert_uint_eq(used, 0);
	ck_assert_str_eq(ev.errstr, errstr);
}
