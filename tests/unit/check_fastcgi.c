/*
 * Unit tests for fastcgi.c: every record type, every byte split, malformed
 * input, limits, multiplexing and response framing.
 *
 * Streams are built with rec()/nv() below and fed through the codec tests'
 * driver (codec_run.c), which writes every event as one text line to a
 * log; tests compare logs, so a difference between two ways of splitting
 * the input shows as a diff.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>		/* libfcgi: wire structs and constants */

#include "buf.h"
#include "codec_run.h"
#include "fastcgi.h"
#include "request.h"

static const struct codec_limits	 limits = {
	.max_body_size = 1 << 20, .max_params_size = 65536, .max_conns = 16,
	.max_reqs = 8, .max_params = 1000, .max_param_length = 1 << 20
};

/* ---- building input ---- */

/* One record with any version byte; padding bytes are junk on purpose. */
static void
rec_v(struct buf *b, unsigned version, unsigned type, unsigned id,
    const void *content, size_t len, unsigned padding)
{
	uint8_t	 h[FCGI_HEADER_LEN], junk[255];

	ck_assert_uint_le(len, FCGI_MAX_LENGTH);
	h[0] = (uint8_t)version;
	h[1] = (uint8_t)type;
	h[2] = (uint8_t)(id >> 8);
	h[3] = (uint8_t)id;
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = (uint8_t)padding;
	h[7] = 0;
	memset(junk, 0xee, sizeof(junk));
	ck_assert_int_eq(buf_add(b, h, sizeof(h)), 0);
	ck_assert_int_eq(buf_add(b, content, len), 0);
	ck_assert_int_eq(buf_add(b, junk, padding), 0);
}

static void
rec(struct buf *b, unsigned type, unsigned id, const void *content,
    size_t len, unsigned padding)
{
	rec_v(b, FCGI_VERSION_1, type, id, content, len, padding);
}

static void
rec_s(struct buf *b, unsigned type, unsigned id, const char *s)
{
	rec(b, type, id, s, strlen(s), 0);
}

static void
rec_begin(struct buf *b, unsigned id, unsigned role, unsigned flags)
{
	FCGI_BeginRequestBody	 body;

	memset(&body, 0, sizeof(body));
	body.roleB1 = (unsigned char)(role >> 8);
	body.roleB0 = (unsigned char)role;
	body.flags = (unsigned char)flags;
	rec(b, FCGI_BEGIN_REQUEST, id, &body, sizeof(body), 0);
}

/* Splits data into records of at most max bytes (no empty record). */
static void
recs(struct buf *b, unsigned type, unsigned id, const void *data,
    size_t len, size_t max)
{
	const char	*d = data;
	size_t		 n;

	while (len > 0) {
		n = len < max ? len : max;
		rec(b, type, id, d, n, 0);
		d += n;
		len -= n;
	}
}

/* A name-value length; force4 uses the 4-byte form even when short. */
static void
nv_len(struct buf *b, size_t len, int force4)
{
	uint8_t	 l[4];

	if (len < 128 && !force4) {
		l[0] = (uint8_t)len;
		ck_assert_int_eq(buf_add(b, l, 1), 0);
		return;
	}
	l[0] = (uint8_t)(0x80 | len >> 24);
	l[1] = (uint8_t)(len >> 16);
	l[2] = (uint8_t)(len >> 8);
	l[3] = (uint8_t)len;
	ck_assert_int_eq(buf_add(b, l, 4), 0);
}

static void
nv_n(struct buf *b, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	nv_len(b, nlen, 0);
	nv_len(b, vlen, 0);
	ck_assert_int_eq(buf_add(b, name, nlen), 0);
	ck_assert_int_eq(buf_add(b, value, vlen), 0);
}

static void
nv(struct buf *b, const char *name, const char *value)
{
	nv_n(b, name, strlen(name), value, strlen(value));
}

/* BEGIN + one PARAMS record + empty PARAMS: a request ready for STDIN. */
static void
req_head(struct buf *b, unsigned id, const char *name, const char *value)
{
	struct buf	 p = BUF_INIT;

	rec_begin(b, id, FCGI_RESPONDER, 0);
	nv(&p, name, value);
	rec(b, FCGI_PARAMS, id, p.data, p.len, 0);
	rec(b, FCGI_PARAMS, id, NULL, 0, 0);
	buf_free(&p);
}

/* ---- feeding: codec_run.c over this codec ---- */

static void
run_init(struct codec_run *r, const struct codec_limits *l, int auto_done)
{
	codec_run_init(r, &fastcgi_codec, l, auto_done);
}

static char *
parse_log(const struct codec_limits *l, const struct buf *in, size_t chunk)
{
	return codec_run_parse_log(&fastcgi_codec, l, in, chunk);
}

static void
check_splits(const struct codec_limits *l, const struct buf *in,
    const char *expect)
{
	codec_run_check_splits(&fastcgi_codec, l, in, expect);
}

/* ---- streams and requests ---- */

START_TEST(test_stream_splits)
{
	struct buf	 in = BUF_INIT, p = BUF_INIT;

	/* Request 1: params straddle two records, body in two records. */
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	nv(&p, "REQUEST_METHOD", "POST");
	nv(&p, "SCRIPT_NAME", "/items");
	nv(&p, "QUERY_STRING", "a=1&b=%20");
	nv(&p, "CONTENT_LENGTH", "11");
	rec(&in, FCGI_PARAMS, 1, p.data, 30, 3);	/* mid SCRIPT_NAME */
	rec(&in, FCGI_PARAMS, 1, p.data + 30, p.len - 30, 0);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec_s(&in, FCGI_STDIN, 1, "hello ");
	rec(&in, FCGI_STDIN, 1, "world", 5, 3);
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	/* Request 2 reuses id 1, as nginx does on a kept connection. */
	buf_reset(&p);
	nv(&p, "REQUEST_METHOD", "GET");
	nv(&p, "EMPTY", "");
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	rec(&in, FCGI_PARAMS, 1, p.data, p.len, 7);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);

	check_splits(&limits, &in,
	    "REQUEST 1 keep=1 {REQUEST_METHOD=POST;SCRIPT_NAME=/items;"
	    "QUERY_STRING=a=1&b=%20;CONTENT_LENGTH=11} body=hello world\n"
	    "REQUEST 1 keep=0 {REQUEST_METHOD=GET;EMPTY=} body=\n");
	buf_free(&in);
	buf_free(&p);
}
END_TEST

START_TEST(test_padding)
{
	struct buf	 in = BUF_INIT, p = BUF_INIT;
	FCGI_BeginRequestBody	 body;
	char		 expect[4096];
	unsigned	 pad;

	memset(&body, 0, sizeof(body));
	body.roleB0 = FCGI_RESPONDER;
	expect[0] = '\0';
	for (pad = 0; pad < 9; pad++) {
		unsigned	 n = pad == 8 ? 255 : pad;

		buf_reset(&p);
		nv(&p, "PAD", "x");
		rec(&in, FCGI_BEGIN_REQUEST, 9, &body, sizeof(body), n);
		rec(&in, FCGI_PARAMS, 9, p.data, p.len, n);
		rec(&in, FCGI_PARAMS, 9, NULL, 0, n);
		rec(&in, FCGI_STDIN, 9, "ab", 2, n);
		rec(&in, FCGI_DATA, 9, "zz", 2, n);
		rec(&in, FCGI_STDIN, 9, NULL, 0, n);
		strcat(expect, "REQUEST 9 keep=0 {PAD=x} body=ab\n");
	}
	check_splits(&limits, &in, expect);
	buf_free(&in);
	buf_free(&p);
}
END_TEST

START_TEST(test_long_lengths)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT, p = BUF_INIT;
	struct codec_run	 r;
	struct request_event	 ev;
	struct request		*req;
	char			*name, *big, *v128, *s;
	size_t			 used, i;

	l.max_params_size = 1 << 20;
	name = malloc(200);
	big = malloc(100000);
	v128 = malloc(128);
	memset(name, 'N', 200);
	name[199] = 'Z';
	for (i = 0; i < 100000; i++)
		big[i] = (char)('a' + i % 23);
	memset(v128, 'v', 128);

	nv_n(&p, "SMALL", 5, v128, 127);	/* 1-byte length, the most */
	nv_n(&p, "V128", 4, v128, 128);		/* first 4-byte length */
	nv_n(&p, name, 200, big, 100000);	/* both 4-byte, > 65535 */
	nv_len(&p, 3, 1);			/* 4-byte form of short ones */
	nv_len(&p, 2, 1);
	buf_add(&p, "ABCxy", 5);
	rec_begin(&in, 300, FCGI_RESPONDER, 0);
	recs(&in, FCGI_PARAMS, 300, p.data, p.len, FCGI_MAX_LENGTH);
	rec(&in, FCGI_PARAMS, 300, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 300, NULL, 0, 0);

	/* Exact contents, with the stream in 65535-byte records. */
	run_init(&r, &l, 1);
	ck_assert_int_eq(fastcgi_parse(r.parser, (uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	ck_assert_uint_eq(used, in.len);
	req = ev.req;
	ck_assert_uint_eq(ev.id, 300);
	ck_assert_uint_eq(req->nparams, 4);
	ck_assert_uint_eq(req->params[0].value_len, 127);
	ck_assert_uint_eq(req->params[1].value_len, 128);
	ck_assert_str_eq(req->params[1].name, "V128");
	ck_assert_uint_eq(strlen(req->params[2].name), 200);
	ck_assert_int_eq(memcmp(req->params[2].name, name, 200), 0);
	ck_assert_uint_eq(req->params[2].value_len, 100000);
	ck_assert_int_eq(memcmp(req->params[2].value, big, 100000), 0);
	ck_assert_str_eq(request_param(req, "ABC"), "xy");
	request_free(req);
	codec_run_free(&r);

	/* The same stream in 1000-byte records, fed in odd chunks. */
	buf_reset(&in);
	rec_begin(&in, 300, FCGI_RESPONDER, 0);
	recs(&in, FCGI_PARAMS, 300, p.data, p.len, 1000);
	rec(&in, FCGI_PARAMS, 300, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 300, NULL, 0, 0);
	s = parse_log(&l, &in, in.len);
	ck_assert_ptr_nonnull(strstr(s, "V128=<128#"));
	for (i = 1; i < 12; i += 5) {
		char	*t = parse_log(&l, &in, i);

		ck_assert_str_eq(t, s);
		free(t);
	}
	free(s);
	free(name);
	free(big);
	free(v128);
	buf_free(&in);
	buf_free(&p);
}
END_TEST

START_TEST(test_multiplex)
{
	struct buf	 in = BUF_INIT, p2 = BUF_INIT;

	nv(&p2, "WHO", "two");
	nv(&p2, "LONG_NAME_TO_SPLIT", "value");
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec_begin(&in, 2, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 2, p2.data, 10, 0);
	rec_begin(&in, 65535, FCGI_RESPONDER, 0);
	rec_s(&in, FCGI_PARAMS, 1, "\x03\x03WHOone");
	rec(&in, FCGI_PARAMS, 65535, NULL, 0, 0);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec_s(&in, FCGI_STDIN, 1, "body-one");
	rec(&in, FCGI_PARAMS, 2, p2.data + 10, p2.len - 10, 0);
	rec(&in, FCGI_PARAMS, 2, NULL, 0, 0);
	rec_s(&in, FCGI_STDIN, 2, "body-two");
	rec_s(&in, FCGI_STDIN, 65535, "max");
	rec(&in, FCGI_STDIN, 2, NULL, 0, 0);
	rec_s(&in, FCGI_STDIN, 1, "+more");
	rec(&in, FCGI_STDIN, 65535, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);

	check_splits(&limits, &in,
	    "REQUEST 2 keep=1 {WHO=two;LONG_NAME_TO_SPLIT=value} "
	    "body=body-two\n"
	    "REQUEST 65535 keep=0 {} body=max\n"
	    "REQUEST 1 keep=1 {WHO=one} body=body-one+more\n");
	buf_free(&in);
	buf_free(&p2);
}
END_TEST

/* Records for ids that are not active, and DATA, change nothing. */
START_TEST(test_ignored)
{
	struct buf	 in = BUF_INIT;

	rec_s(&in, FCGI_PARAMS, 4, "\x01\x01xy");
	rec_s(&in, FCGI_STDIN, 4, "body");
	rec(&in, FCGI_STDIN, 4, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 4, NULL, 0, 0);
	rec_s(&in, FCGI_DATA, 4, "data");
	rec_s(&in, FCGI_PARAMS, 0, "\x01\x01xy");
	rec(&in, FCGI_STDIN, 0, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 0, NULL, 0, 0);
	req_head(&in, 4, "A", "b");
	rec_s(&in, FCGI_DATA, 4, "filter data");
	rec(&in, FCGI_DATA, 4, NULL, 0, 0);
	rec_s(&in, FCGI_ABORT_REQUEST, 5, "junk");
	rec_s(&in, FCGI_STDIN, 4, "in");
	rec(&in, FCGI_STDIN, 4, NULL, 0, 0);
	/* Request 4 is done now: the rest of its records are ignored. */
	rec_s(&in, FCGI_STDIN, 4, "late");
	rec(&in, FCGI_STDIN, 4, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 4, NULL, 0, 0);
	check_splits(&limits, &in, "REQUEST 4 keep=0 {A=b} body=in\n");
	buf_free(&in);
}
END_TEST

/* ---- management records and replies ---- */

START_TEST(test_get_values)
{
	struct buf	 in = BUF_INIT, q = BUF_INIT, a = BUF_INIT;
	struct buf	 expect = BUF_INIT;
	size_t		 i;

	nv(&q, FCGI_MPXS_CONNS, "");
	nv(&q, "FCGI_UNKNOWN_NAME", "");
	nv(&q, FCGI_MAX_CONNS, "");
	nv(&q, FCGI_MAX_REQS, "ignored value");
	nv(&q, FCGI_MPXS_CONNS, "");
	rec(&in, FCGI_GET_VALUES, 0, q.data, q.len, 2);
	rec(&in, FCGI_GET_VALUES, 0, NULL, 0, 0);	/* nothing asked */

	/* Known names once each, in the order asked: 52 bytes + 4 pad. */
	nv(&a, FCGI_MPXS_CONNS, "1");
	nv(&a, FCGI_MAX_CONNS, "16");
	nv(&a, FCGI_MAX_REQS, "8");
	ck_assert_uint_eq(a.len, 52);
	buf_adds(&expect, "REPLY 0 01 0a 00 00 00 34 04 00");
	for (i = 0; i < a.len; i++)
		buf_printf(&expect, " %02x", (uint8_t)a.data[i]);
	buf_adds(&expect, " 00 00 00 00\n");
	buf_adds(&expect, "REPLY 0 01 0a 00 00 00 00 00 00\n");
	check_splits(&limits, &in, expect.data);
	buf_free(&in);
	buf_free(&q);
	buf_free(&a);
	buf_free(&expect);
}
END_TEST

START_TEST(test_unknown_type)
{
	struct buf	 in = BUF_INIT;

	rec(&in, 12, 0, "abc", 3, 5);
	rec(&in, 0, 0, NULL, 0, 0);
	rec_s(&in, 255, 7, "any id");
	rec(&in, FCGI_STDOUT, 0, "x", 1, 0);
	rec(&in, FCGI_STDERR, 0, NULL, 0, 0);
	rec(&in, FCGI_END_REQUEST, 0, NULL, 0, 0);
	rec(&in, FCGI_GET_VALUES_RESULT, 0, NULL, 0, 0);
	rec(&in, FCGI_UNKNOWN_TYPE, 0, "\x0c\0\0\0\0\0\0\0", 8, 0);
	req_head(&in, 1, "AFTER", "ok");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	check_splits(&limits, &in,
	    "REPLY 0 01 0b 00 00 00 08 00 00 0c 00 00 00 00 00 00 00\n"
	    "REPLY 0 01 0b 00 00 00 08 00 00 00 00 00 00 00 00 00 00\n"
	    "REPLY 7 01 0b 00 00 00 08 00 00 ff 00 00 00 00 00 00 00\n"
	    "REPLY 0 01 0b 00 00 00 08 00 00 06 00 00 00 00 00 00 00\n"
	    "REPLY 0 01 0b 00 00 00 08 00 00 07 00 00 00 00 00 00 00\n"
	    "REPLY 0 01 0b 00 00 00 08 00 00 03 00 00 00 00 00 00 00\n"
	    "REPLY 0 01 0b 00 00 00 08 00 00 0a 00 00 00 00 00 00 00\n"
	    "REPLY 0 01 0b 00 00 00 08 00 00 0b 00 00 00 00 00 00 00\n"
	    "REQUEST 1 keep=0 {AFTER=ok} body=\n");
	buf_free(&in);
}
END_TEST

START_TEST(test_unknown_role)
{
	struct buf	 in = BUF_INIT;

	rec_begin(&in, 3, FCGI_AUTHORIZER, FCGI_KEEP_CONN);
	rec_s(&in, FCGI_PARAMS, 3, "\x01\x01xy");	/* inactive: ignored */
	rec(&in, FCGI_PARAMS, 3, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 3, NULL, 0, 0);
	rec_begin(&in, 0x0102, FCGI_FILTER, 0);
	rec_begin(&in, 4, 0x1001, 0);
	req_head(&in, 3, "ROLE", "responder");
	rec(&in, FCGI_STDIN, 3, NULL, 0, 0);
	check_splits(&limits, &in,
	    "REPLY 3 01 03 00 03 00 08 00 00 00 00 00 00 03 00 00 00\n"
	    "REPLY 258 01 03 01 02 00 08 00 00 00 00 00 00 03 00 00 00\n"
	    "REPLY 4 01 03 00 04 00 08 00 00 00 00 00 00 03 00 00 00\n"
	    "REQUEST 3 keep=0 {ROLE=responder} body=\n");
	buf_free(&in);
}
END_TEST

START_TEST(test_overloaded)
{
	struct codec_limits	 l = limits;
	struct codec_run	 r;
	struct buf		 in = BUF_INIT;

	l.max_reqs = 2;
	run_init(&r, &l, 0);
	req_head(&in, 1, "N", "1");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);	/* in flight, not done */
	rec_begin(&in, 2, FCGI_RESPONDER, 0);	/* being received */
	rec_begin(&in, 3, FCGI_RESPONDER, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r),
	    "REQUEST 1 keep=0 {N=1} body=\n"
	    "REPLY 3 01 03 00 03 00 08 00 00 00 00 00 00 02 00 00 00\n");

	/* Request 1 answered: its slot serves id 3 now. */
	fastcgi_request_done(r.parser, 1);
	buf_reset(&r.log);
	buf_reset(&in);
	rec_begin(&in, 3, FCGI_RESPONDER, 0);
	rec_begin(&in, 5, FCGI_RESPONDER, 0);
	rec(&in, FCGI_PARAMS, 3, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 3, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r),
	    "REPLY 5 01 03 00 05 00 08 00 00 00 00 00 00 02 00 00 00\n"
	    "REQUEST 3 keep=0 {} body=\n");
	codec_run_free(&r);
	buf_free(&in);
}
END_TEST

/* ---- aborts ---- */

START_TEST(test_abort_receiving)
{
	struct buf	 in = BUF_INIT;

	/* Aborted while its params are half sent, then while in STDIN. */
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	rec_s(&in, FCGI_PARAMS, 1, "\x01\x05Xpart");
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	rec_s(&in, FCGI_PARAMS, 1, "ial");		/* ignored now */
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);	/* ignored */
	req_head(&in, 1, "X", "2");
	rec_s(&in, FCGI_STDIN, 1, "some");
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);		/* ignored */
	req_head(&in, 1, "X", "3");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	check_splits(&limits, &in,
	    "ABORT 1\nABORT 1\nREQUEST 1 keep=0 {X=3} body=\n");
	buf_free(&in);
}
END_TEST

START_TEST(test_abort_in_flight)
{
	struct codec_run	 r;
	struct buf		 in = BUF_INIT;

	run_init(&r, &limits, 0);
	req_head(&in, 1, "X", "1");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);	/* reported once */
	rec_s(&in, FCGI_STDIN, 1, "late");		/* ignored */
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "REQUEST 1 keep=0 {X=1} body=\n"
	    "ABORT 1\n");

	/* The slot is held until the caller is done with the request. */
	buf_reset(&in);
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "REQUEST 1 keep=0 {X=1} body=\n"
	    "ABORT 1\nERROR duplicate request id 1\n");
	codec_run_free(&r);

	run_init(&r, &limits, 0);
	buf_reset(&in);
	req_head(&in, 1, "X", "1");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	req_head(&in, 1, "X", "2");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "REQUEST 1 keep=0 {X=1} body=\n"
	    "ABORT 1\nREQUEST 1 keep=0 {X=2} body=\n");
	codec_run_free(&r);
	buf_free(&in);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_body_limit)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;

	l.max_body_size = 10;
	req_head(&in, 1, "N", "exact");
	rec_s(&in, FCGI_STDIN, 1, "0123");
	rec_s(&in, FCGI_STDIN, 1, "456789");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	req_head(&in, 1, "N", "over");
	rec_s(&in, FCGI_STDIN, 1, "0123");
	rec(&in, FCGI_STDIN, 1, "4567890", 7, 1);	/* 11 bytes */
	rec_s(&in, FCGI_STDIN, 1, "more and more");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	req_head(&in, 1, "N", "next");
	rec_s(&in, FCGI_STDIN, 1, "ok");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	req_head(&in, 2, "N", "one record");
	rec_s(&in, FCGI_STDIN, 2, "01234567890123");
	rec(&in, FCGI_STDIN, 2, NULL, 0, 0);
	check_splits(&l, &in,
	    "REQUEST 1 keep=0 {N=exact} body=0123456789\n"
	    "TOO_LARGE 1 keep=0 {N=over} body="
	    " 413 request body larger than max_body_size (10 bytes)\n"
	    "REQUEST 1 keep=0 {N=next} body=ok\n"
	    "TOO_LARGE 2 keep=0 {N=one record} body="
	    " 413 request body larger than max_body_size (10 bytes)\n");
	buf_free(&in);
}
END_TEST

/* TOO_LARGE answered before, or after, the rest of the body arrives. */
START_TEST(test_body_limit_done_order)
{
	struct codec_limits	 l = limits;
	struct codec_run	 r;
	struct buf		 in = BUF_INIT;

	l.max_body_size = 2;
	run_init(&r, &l, 0);
	req_head(&in, 1, "N", "a");
	rec_s(&in, FCGI_STDIN, 1, "abc");
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);		/* answered: 413 sent */
	buf_reset(&in);
	rec_s(&in, FCGI_STDIN, 1, "def");
	rec_s(&in, FCGI_ABORT_REQUEST, 1, "");	/* nothing left to abort */
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	req_head(&in, 1, "N", "b");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 1 keep=0 {N=a} body="
	    " 413 request body larger than max_body_size (2 bytes)\n"
	    "REQUEST 1 keep=0 {N=b} body=\n");
	codec_run_free(&r);

	/* Until the body ends, the answered request's id is still known. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	req_head(&in, 1, "N", "a");
	rec_s(&in, FCGI_STDIN, 1, "abc");
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	rec_s(&in, FCGI_STDIN, 1, "def");
	rec_s(&in, FCGI_PARAMS, 1, "\x01\x01xy");
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 1 keep=0 {N=a} body="
	    " 413 request body larger than max_body_size (2 bytes)\n"
	    "ERROR FCGI_PARAMS for request id 1 after the end of its params\n");
	codec_run_free(&r);

	/* A new BEGIN for the id frees an answered, discarding slot. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	req_head(&in, 1, "N", "a");
	rec_s(&in, FCGI_STDIN, 1, "abc");
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	req_head(&in, 1, "N", "b");
	rec_s(&in, FCGI_STDIN, 1, "ok");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 1 keep=0 {N=a} body="
	    " 413 request body larger than max_body_size (2 bytes)\n"
	    "REQUEST 1 keep=0 {N=b} body=ok\n");
	codec_run_free(&r);

	/* Body ends before the answer: the id stays busy until done. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	req_head(&in, 1, "N", "a");
	rec_s(&in, FCGI_STDIN, 1, "abc");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 1 keep=0 {N=a} body="
	    " 413 request body larger than max_body_size (2 bytes)\n"
	    "ABORT 1\nERROR duplicate request id 1\n");
	codec_run_free(&r);

	run_init(&r, &l, 0);
	buf_reset(&in);
	req_head(&in, 1, "N", "a");
	rec_s(&in, FCGI_STDIN, 1, "abc");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	req_head(&in, 1, "N", "b");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 1 keep=0 {N=a} body="
	    " 413 request body larger than max_body_size (2 bytes)\n"
	    "REQUEST 1 keep=0 {N=b} body=\n");
	codec_run_free(&r);
	buf_free(&in);
}
END_TEST

/*
 * A request with the given params (a NULL-terminated name, value list)
 * in one PARAMS record, then STDIN "body" and the empty STDIN.
 */
static void
req_params(struct buf *in, unsigned id, const char *const *nvs)
{
	struct buf	 p = BUF_INIT;

	rec_begin(in, id, FCGI_RESPONDER, FCGI_KEEP_CONN);
	for (; nvs[0] != NULL; nvs += 2)
		nv(&p, nvs[0], nvs[1]);
	rec(in, FCGI_PARAMS, id, p.data, p.len, 0);
	rec(in, FCGI_PARAMS, id, NULL, 0, 0);
	rec_s(in, FCGI_STDIN, id, "body");
	rec(in, FCGI_STDIN, id, NULL, 0, 0);
	buf_free(&p);
}

/* The request after a rejected one on the same connection still works. */
#define NEXT_OK		"REQUEST 1 keep=1 {N=next} body=body\n"
static const char *const next_ok[] = { "N", "next", NULL };

/*
 * Each params limit: a request exactly at it passes, one past it is
 * TOO_LARGE (431) with the params before the one over the limit, its
 * body is dropped, and the connection goes on.
 */
START_TEST(test_params_count)
{
	static const char *const three[] = { "A", "1", "B", "2", "C", "3",
	    NULL };
	static const char *const four[] = { "A", "1", "B", "2", "C", "3",
	    "D", "4", NULL };
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;

	l.max_params = 3;
	req_params(&in, 1, three);
	req_params(&in, 1, four);
	req_params(&in, 1, next_ok);
	check_splits(&l, &in,
	    "REQUEST 1 keep=1 {A=1;B=2;C=3} body=body\n"
	    "TOO_LARGE 1 keep=1 {A=1;B=2;C=3} body="
	    " 431 more than max_params (3) params\n" NEXT_OK);
	buf_free(&in);
}
END_TEST

START_TEST(test_params_size)
{
	/* Names and values count, the length bytes do not: 4 + 16 = 20. */
	static const char *const at[] = { "NAME", "0123456789abcdef", NULL };
	static const char *const over[] = { "NAME", "0123456789abcdefg",
	    NULL };
	/* The sum over params: 6 + 14 = 20, and 6 + 15. */
	static const char *const two_at[] = { "A", "12345",
	    "B", "0123456789abc", NULL };
	static const char *const two_over[] = { "A", "12345",
	    "B", "0123456789abcd", NULL };
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;

	l.max_params_size = 20;
	req_params(&in, 1, at);
	req_params(&in, 1, over);
	req_params(&in, 1, two_at);
	req_params(&in, 1, two_over);
	req_params(&in, 1, next_ok);
	check_splits(&l, &in,
	    "REQUEST 1 keep=1 {NAME=0123456789abcdef} body=body\n"
	    "TOO_LARGE 1 keep=1 {} body= 431 params longer than "
	    "max_params_size (20 bytes) at param NAME\n"
	    "REQUEST 1 keep=1 {A=12345;B=0123456789abc} body=body\n"
	    "TOO_LARGE 1 keep=1 {A=12345} body= 431 params longer than "
	    "max_params_size (20 bytes) at param B\n" NEXT_OK);
	buf_free(&in);
}
END_TEST

START_TEST(test_param_length)
{
	static const char *const value_at[] = { "V", "12345678", NULL };
	static const char *const value_over[] = { "V", "123456789", NULL };
	static const char *const name_at[] = { "ABCDEFGH", "", NULL };
	static const char *const name_over[] = { "X", "1", "ABCDEFGHI", "",
	    NULL };
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT, p = BUF_INIT;
	char			 name[40];

	l.max_param_length = 8;
	req_params(&in, 1, value_at);
	req_params(&in, 1, value_over);
	req_params(&in, 1, name_at);
	req_params(&in, 1, name_over);
	req_params(&in, 1, next_ok);
	check_splits(&l, &in,
	    "REQUEST 1 keep=1 {V=12345678} body=body\n"
	    "TOO_LARGE 1 keep=1 {} body= 431 param V of 9 bytes is longer "
	    "than max_param_length (8)\n"
	    "REQUEST 1 keep=1 {ABCDEFGH=} body=body\n"
	    "TOO_LARGE 1 keep=1 {X=1} body= 431 param name ABCDEFGHI of 9 "
	    "bytes is longer than max_param_length (8)\n" NEXT_OK);

	/* A name in the message is short and printable, whatever it was. */
	buf_reset(&in);
	memset(name, 'n', sizeof(name));
	name[0] = '\x1b';
	name[1] = '\x7f';
	nv_n(&p, name, sizeof(name), "v", 1);
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	rec(&in, FCGI_PARAMS, 1, p.data, p.len, 0);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	l.max_param_length = 39;
	check_splits(&l, &in, "TOO_LARGE 1 keep=0 {} body= 431 param name "
	    "??nnnnnnnnnnnnnnnnnnnnnnnnnnnnnn... of 40 bytes is longer than "
	    "max_param_length (39)\n");
	buf_free(&p);
	buf_free(&in);
}
END_TEST

/*
 * The stream is never buffered past what params within the limits take
 * on the wire: max_params_size + 8 x max_params bytes.  At that bound a
 * request passes; one byte more is TOO_LARGE on the record header, the
 * rest of the stream (in later records too) and the body are dropped.
 */
#define EXPECT_OVER \
    "TOO_LARGE 1 keep=1 {} body= 431 params longer than 36 bytes on the " \
    "wire (max_params_size 20 + 8 x max_params 2)\n"

START_TEST(test_params_wire)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT, p = BUF_INIT;

	l.max_params_size = 20;
	l.max_params = 2;
	/* Two params in the 4-byte length form: 2 x (8 + 10) = 36 bytes. */
	nv_len(&p, 1, 1);
	nv_len(&p, 9, 1);
	buf_adds(&p, "A123456789");
	nv_len(&p, 1, 1);
	nv_len(&p, 9, 1);
	buf_adds(&p, "B123456789");
	ck_assert_uint_eq(p.len, 36);
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, p.data, 20, 3);
	rec(&in, FCGI_PARAMS, 1, p.data + 20, 16, 0);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec_s(&in, FCGI_STDIN, 1, "body");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	req_params(&in, 1, next_ok);
	check_splits(&l, &in, "REQUEST 1 keep=1 {A=123456789;B=123456789} "
	    "body=body\n" NEXT_OK);

	/* 37 bytes: the second record trips it. */
	buf_reset(&in);
	buf_add(&p, "x", 1);
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, p.data, 20, 3);
	rec(&in, FCGI_PARAMS, 1, p.data + 20, 17, 0);
	rec(&in, FCGI_PARAMS, 1, p.data, 30, 0);	/* dropped */
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec_s(&in, FCGI_STDIN, 1, "body");		/* dropped */
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	req_params(&in, 1, next_ok);
	check_splits(&l, &in, EXPECT_OVER NEXT_OK);
	buf_free(&in);
	buf_free(&p);
}
END_TEST

/* A request rejected while its params arrive, answered or not. */
START_TEST(test_params_rejected_states)
{
	struct codec_limits	 l = limits;
	struct codec_run	 r;
	struct buf		 in = BUF_INIT, big = BUF_INIT;

	l.max_params_size = 20;
	l.max_params = 2;
	buf_add(&big, "0123456789012345678901234567890123456789", 37);

	/* Aborted before the answer: reported; after done, id 1 is free. */
	run_init(&r, &l, 0);
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, big.data, big.len, 0);
	rec(&in, FCGI_ABORT_REQUEST, 1, NULL, 0, 0);
	rec(&in, FCGI_PARAMS, 1, big.data, big.len, 0);	/* ignored */
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	req_params(&in, 1, next_ok);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), EXPECT_OVER "ABORT 1\n" NEXT_OK);
	codec_run_free(&r);

	/* Not answered yet: its id is still busy. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, big.data, big.len, 0);
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), EXPECT_OVER
	    "ERROR duplicate request id 1\n");
	codec_run_free(&r);

	/* Answered: a new BEGIN for the id starts over at once. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, big.data, big.len, 0);
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	req_params(&in, 1, next_ok);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), EXPECT_OVER NEXT_OK);
	codec_run_free(&r);

	/* Its body before the end of its params is still a fault. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, big.data, big.len, 0);
	rec_s(&in, FCGI_STDIN, 1, "body");
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), EXPECT_OVER "ERROR FCGI_STDIN for "
	    "request id 1 before the end of its params\n");
	codec_run_free(&r);

	/* Rejected by decoding: the body is dropped until its end. */
	run_init(&r, &l, 0);
	buf_reset(&in);
	req_params(&in, 1, (const char *const[]){ "A", "1", "B", "2", "C",
	    "3", NULL });
	codec_run_feed(&r, in.data, in.len);
	fastcgi_request_done(r.parser, 1);
	buf_reset(&in);
	req_params(&in, 1, next_ok);
	codec_run_feed(&r, in.data, in.len);
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 1 keep=1 {A=1;B=2} "
	    "body= 431 more than max_params (2) params\n" NEXT_OK);
	codec_run_free(&r);
	buf_free(&in);
	buf_free(&big);
}
END_TEST

/* head_pending after each byte of a stream fed one byte at a time. */
static char *
head_log(const struct codec_limits *l, const struct buf *in)
{
	struct codec_run	 r;
	char			*s;
	size_t			 i;

	s = malloc(in->len + 1);
	ck_assert_ptr_nonnull(s);
	run_init(&r, l, 1);
	for (i = 0; i < in->len; i++) {
		codec_run_feed(&r, in->data + i, 1);
		s[i] = fastcgi_head_pending(r.parser) ? '1' : '0';
		ck_assert_int_eq(fastcgi_codec.head_pending(r.parser),
		    s[i] == '1');
	}
	s[in->len] = '\0';
	codec_run_free(&r);
	return s;
}

/* "c" repeated n times, appended to b. */
static void
run_of(struct buf *b, char c, size_t n)
{
	while (n-- > 0)
		ck_assert_int_eq(buf_add(b, &c, 1), 0);
}

/*
 * From the first byte of a request to the end of its params, and only
 * then: not while its body arrives, nor between requests.
 */
START_TEST(test_head_pending)
{
	struct codec_limits	 l = limits;
	struct fastcgi_parser	*p;
	struct buf		 in = BUF_INIT, want = BUF_INIT, pp = BUF_INIT;
	char			*s;
	size_t			 head;

	p = fastcgi_parser_new(&l);
	ck_assert_int_eq(fastcgi_head_pending(p), 0);
	fastcgi_parser_free(p);

	/* BEGIN, PARAMS (padded), empty PARAMS: pending up to its last
	   byte.  STDIN and its end: not pending.  Twice. */
	nv(&pp, "A", "b");
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, pp.data, pp.len, 4);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	head = in.len;
	rec_s(&in, FCGI_STDIN, 1, "body");
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	run_of(&want, '1', head - 1);
	run_of(&want, '0', in.len - head + 1);
	buf_add(&in, in.data, in.len);
	buf_add(&want, want.data, want.len);
	/* A management record counts too; an ABORT for nothing does not. */
	rec(&in, FCGI_GET_VALUES, 0, NULL, 0, 0);
	run_of(&want, '1', 7);
	run_of(&want, '0', 1);
	rec(&in, FCGI_ABORT_REQUEST, 9, NULL, 0, 0);
	run_of(&want, '1', 1);		/* before its type is known */
	run_of(&want, '0', 7);
	buf_add(&want, "", 1);
	s = head_log(&l, &in);
	ck_assert_str_eq(s, want.data);
	free(s);

	/* Rejected while its params arrive: pending until they end. */
	buf_reset(&in);
	buf_reset(&want);
	l.max_params_size = 1;
	l.max_params = 1;
	rec_begin(&in, 1, FCGI_RESPONDER, FCGI_KEEP_CONN);
	rec(&in, FCGI_PARAMS, 1, "0123456789", 10, 0);
	rec(&in, FCGI_PARAMS, 1, "0123456789", 10, 0);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	head = in.len;
	rec_s(&in, FCGI_STDIN, 1, "body");
	run_of(&want, '1', head - 1);
	run_of(&want, '0', in.len - head + 1);
	buf_add(&want, "", 1);
	s = head_log(&l, &in);
	ck_assert_str_eq(s, want.data);
	free(s);

	/* A malformed stream is not pending: the connection is closed. */
	p = fastcgi_parser_new(&l);
	{
		struct request_event	 ev;
		size_t			 used;

		ck_assert_int_eq(fastcgi_parse(p, (const uint8_t *)"\2\1\0\1",
		    4, &used, &ev), REQ_EV_NEED_MORE);
		ck_assert_int_eq(fastcgi_head_pending(p), 1);
		ck_assert_int_eq(fastcgi_parse(p, (const uint8_t *)
		    "\0\10\0\0", 4, &used, &ev), REQ_EV_ERROR);
		ck_assert_int_eq(fastcgi_head_pending(p), 0);
	}
	fastcgi_parser_free(p);
	buf_free(&in);
	buf_free(&want);
	buf_free(&pp);
}
END_TEST

/* ---- malformed input ---- */

static void
bad_version(struct buf *b)
{
	rec_v(b, 2, FCGI_BEGIN_REQUEST, 1, "\0\1\0\0\0\0\0\0", 8, 0);
}

static void
bad_version0(struct buf *b)
{
	req_head(b, 1, "A", "b");
	rec_v(b, 0, FCGI_STDIN, 1, NULL, 0, 0);
}

static void
begin_len(struct buf *b)
{
	rec(b, FCGI_BEGIN_REQUEST, 1, "\0\1\0\0\0\0\0", 7, 0);
}

static void
begin_id0(struct buf *b)
{
	rec_begin(b, 0, FCGI_RESPONDER, 0);
}

static void
duplicate(struct buf *b)
{
	rec_begin(b, 1, FCGI_RESPONDER, 0);
	rec_begin(b, 1, FCGI_RESPONDER, 0);
}

static void
duplicate_in_flight(struct buf *b)
{
	req_head(b, 7, "A", "b");
	rec(b, FCGI_STDIN, 7, NULL, 0, 0);
	rec_begin(b, 7, FCGI_AUTHORIZER, 0);
}

static void
params_pairs(struct buf *b, const char *raw, size_t len)
{
	rec_begin(b, 1, FCGI_RESPONDER, 0);
	rec(b, FCGI_PARAMS, 1, raw, len, 0);
	rec(b, FCGI_PARAMS, 1, NULL, 0, 0);
}

static void
truncated_value(struct buf *b)
{
	params_pairs(b, "\x01\x01xy\x05\x01" "abc", 7);
}

static void
truncated_value_only(struct buf *b)
{
	params_pairs(b, "\x01\x05Xab", 5);
}

static void
truncated_len(struct buf *b)
{
	params_pairs(b, "\x01\x01xy\x80\x00", 6);
}

static void
truncated_huge(struct buf *b)
{
	params_pairs(b, "\xff\xff\xff\xff\x01" "abc", 8);
}

static void
truncated_vlen(struct buf *b)
{
	params_pairs(b, "\x01", 1);
}

static void
empty_name(struct buf *b)
{
	params_pairs(b, "\x00\x01v", 3);
}

static void
nul_in_name(struct buf *b)
{
	params_pairs(b, "\x03\x01" "a\0bv", 6);
}

static void
params_after_end(struct buf *b)
{
	req_head(b, 1, "A", "b");
	rec_s(b, FCGI_PARAMS, 1, "\x01\x01xy");
}

static void
params_after_body(struct buf *b)
{
	req_head(b, 1, "A", "b");
	rec(b, FCGI_STDIN, 1, NULL, 0, 0);
	rec(b, FCGI_PARAMS, 1, NULL, 0, 0);
}

static void
params_while_discarding(struct buf *b)
{
	req_head(b, 1, "A", "b");
	rec_s(b, FCGI_STDIN, 1, "0123456789abcdefg");	/* > 16 */
	rec_s(b, FCGI_PARAMS, 1, "\x01\x01xy");
}

static void
stdin_before_params_end(struct buf *b)
{
	rec_begin(b, 1, FCGI_RESPONDER, 0);
	rec_s(b, FCGI_PARAMS, 1, "\x01\x01xy");
	rec_s(b, FCGI_STDIN, 1, "body");
}

static void
stdin_after_end(struct buf *b)
{
	req_head(b, 1, "A", "b");
	rec(b, FCGI_STDIN, 1, NULL, 0, 0);
	rec_s(b, FCGI_STDIN, 1, "x");
}

static void
stdout_from_peer(struct buf *b)
{
	rec_s(b, FCGI_STDOUT, 1, "x");
}

static void
stderr_from_peer(struct buf *b)
{
	req_head(b, 2, "A", "b");
	rec(b, FCGI_STDERR, 2, NULL, 0, 0);
}

static void
end_request_from_peer(struct buf *b)
{
	rec(b, FCGI_END_REQUEST, 3, "\0\0\0\0\0\0\0\0", 8, 0);
}

static void
get_values_result_with_id(struct buf *b)
{
	rec(b, FCGI_GET_VALUES_RESULT, 4, NULL, 0, 0);
}

static void
unknown_type_with_id(struct buf *b)
{
	rec(b, FCGI_UNKNOWN_TYPE, 5, "\x0c\0\0\0\0\0\0\0", 8, 0);
}

static void
get_values_with_id(struct buf *b)
{
	rec(b, FCGI_GET_VALUES, 3, "\x0d\x00" FCGI_MAX_REQS, 15, 0);
}

static void
get_values_truncated(struct buf *b)
{
	rec(b, FCGI_GET_VALUES, 0, "\x0e\x00" "FCGI_MAX", 10, 0);
}

static const struct {
	void		(*build)(struct buf *);
	const char	*errstr;
} bad[] = {
	{ bad_version, "unsupported FastCGI version 2" },
	{ bad_version0, "unsupported FastCGI version 0" },
	{ begin_len, "FCGI_BEGIN_REQUEST with content length 7 "
	    "(request id 1)" },
	{ begin_id0, "FCGI_BEGIN_REQUEST with request id 0" },
	{ duplicate, "duplicate request id 1" },
	{ duplicate_in_flight, "duplicate request id 7" },
	{ truncated_value, "truncated name-value pair in FCGI_PARAMS "
	    "(request id 1)" },
	{ truncated_value_only, "truncated name-value pair in FCGI_PARAMS "
	    "(request id 1)" },
	{ truncated_len, "truncated name-value pair in FCGI_PARAMS "
	    "(request id 1)" },
	{ truncated_huge, "truncated name-value pair in FCGI_PARAMS "
	    "(request id 1)" },
	{ truncated_vlen, "truncated name-value pair in FCGI_PARAMS "
	    "(request id 1)" },
	{ empty_name, "empty param name in FCGI_PARAMS (request id 1)" },
	{ nul_in_name, "NUL in param name in FCGI_PARAMS (request id 1)" },
	{ params_after_end, "FCGI_PARAMS for request id 1 after the end of "
	    "its params" },
	{ params_after_body, "FCGI_PARAMS for request id 1 after the end of "
	    "its params" },
	{ params_while_discarding, "FCGI_PARAMS for request id 1 after the "
	    "end of its params" },
	{ stdin_before_params_end, "FCGI_STDIN for request id 1 before the "
	    "end of its params" },
	{ stdin_after_end, "FCGI_STDIN for request id 1 after the end of "
	    "its body" },
	{ stdout_from_peer, "unexpected FCGI_STDOUT record from the web "
	    "server (request id 1)" },
	{ stderr_from_peer, "unexpected FCGI_STDERR record from the web "
	    "server (request id 2)" },
	{ end_request_from_peer, "unexpected FCGI_END_REQUEST record from "
	    "the web server (request id 3)" },
	{ get_values_result_with_id, "unexpected FCGI_GET_VALUES_RESULT "
	    "record from the web server (request id 4)" },
	{ unknown_type_with_id, "unexpected FCGI_UNKNOWN_TYPE record from "
	    "the web server (request id 5)" },
	{ get_values_with_id, "FCGI_GET_VALUES with request id 3" },
	{ get_values_truncated, "truncated name-value pair in "
	    "FCGI_GET_VALUES" },
};

/*
 * Each malformed stream ends in exactly one ERROR with its text, fed whole
 * or byte by byte, and the parser keeps failing afterwards.
 */
START_TEST(test_malformed)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;
	struct codec_run	 r;
	const char		*last;
	char			 want[128];
	size_t			 chunk;

	l.max_body_size = 16;
	snprintf(want, sizeof(want), "ERROR %s\n", bad[_i].errstr);
	bad[_i].build(&in);
	for (chunk = 1; chunk <= in.len;
	    chunk = chunk == 1 ? in.len : chunk + 1) {
		run_init(&r, &l, 0);
		codec_run_feed_chunks(&r, &in, chunk);
		ck_assert(r.failed);
		last = strstr(codec_run_log(&r), "ERROR ");
		ck_assert_ptr_nonnull(last);
		ck_assert_str_eq(last, want);	/* the last line, and once */
		codec_run_check_stuck(&r, bad[_i].errstr);
		codec_run_free(&r);
	}
	buf_free(&in);
}
END_TEST

/* Partial state of every kind is freed with the parser (valgrind). */
START_TEST(test_free_partial)
{
	struct codec_limits	 l = limits;
	struct codec_run	 r;
	struct buf		 in = BUF_INIT;

	l.max_body_size = 4;
	run_init(&r, &l, 0);
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	rec_s(&in, FCGI_PARAMS, 1, "\x01\x01xy");
	req_head(&in, 2, "A", "b");
	rec_s(&in, FCGI_STDIN, 2, "abc");
	req_head(&in, 3, "A", "b");
	rec_s(&in, FCGI_STDIN, 3, "too large");
	req_head(&in, 4, "A", "b");
	rec(&in, FCGI_STDIN, 4, NULL, 0, 0);
	rec(&in, FCGI_GET_VALUES, 0, "\x0e\x00" FCGI_MAX_CONNS, 16, 0);
	codec_run_feed(&r, in.data, in.len);
	codec_run_feed(&r, in.data, 13);		/* half a record */
	ck_assert_str_eq(codec_run_log(&r), "TOO_LARGE 3 keep=0 {A=b} body="
	    " 413 request body larger than max_body_size (4 bytes)\n"
	    "REQUEST 4 keep=0 {A=b} body=\n"
	    "REPLY 0 01 0a 00 00 00 12 06 00 0e 02 46 43 47 49 5f 4d 41 58"
	    " 5f 43 4f 4e 4e 53 31 36 00 00 00 00 00 00\n");
	codec_run_free(&r);
	buf_free(&in);
}
END_TEST

/* ---- responses ---- */

struct sink {
	struct buf	 out;
	size_t		 calls;
	size_t		 fail_at;	/* 1-based call that fails; 0: none */
	size_t		 sizes[16];
};

static int
sink_emit(void *arg, const void *data, size_t len)
{
	struct sink	*s = arg;

	if (s->calls < 16)
		s->sizes[s->calls] = len;
	if (++s->calls == s->fail_at)
		return 7;
	ck_assert_int_eq(buf_add(&s->out, data, len), 0);
	return 0;
}

START_TEST(test_response_small)
{
	static const uint8_t	 expect[] = {
		1, FCGI_STDOUT, 0x01, 0x02, 0, 20, 4, 0,
		'S', 't', 'a', 't', 'u', 's', ':', ' ', '2', '0', '0', ' ',
		'O', 'K', '\r', '\n', '\r', '\n', 'h', 'i',
		0, 0, 0, 0,
		1, FCGI_STDOUT, 0x01, 0x02, 0, 0, 0, 0,
		1, FCGI_END_REQUEST, 0x01, 0x02, 0, 8, 0, 0,
		0, 0, 0, 0, FCGI_REQUEST_COMPLETE, 0, 0, 0
	};
	static const uint8_t	 empty[] = {
		1, FCGI_STDOUT, 0, 9, 0, 0, 0, 0,
		1, FCGI_END_REQUEST, 0, 9, 0, 8, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0
	};
	struct sink	 s;
	const char	*body = "Status: 200 OK\r\n\r\nhi";

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(fastcgi_write_response(0x0102, body, strlen(body),
	    sink_emit, &s), 0);
	ck_assert_uint_eq(s.out.len, sizeof(expect));
	ck_assert_int_eq(memcmp(s.out.data, expect, sizeof(expect)), 0);
	ck_assert_uint_eq(s.calls, 3);
	ck_assert_uint_eq(s.sizes[0], 8);
	ck_assert_uint_eq(s.sizes[1], 20);
	ck_assert_uint_eq(s.sizes[2], 28);
	buf_free(&s.out);

	/* An 8-byte multiple needs no padding. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(fastcgi_write_response(9, "12345678", 8, sink_emit,
	    &s), 0);
	ck_assert_uint_eq(s.out.len, 8 + 8 + 24);
	ck_assert_int_eq(s.out.data[6], 0);
	ck_assert_int_eq(memcmp(s.out.data + 16, empty, sizeof(empty)), 0);
	buf_free(&s.out);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(fastcgi_write_response(9, NULL, 0, sink_emit, &s), 0);
	ck_assert_uint_eq(s.calls, 1);
	ck_assert_uint_eq(s.out.len, sizeof(empty));
	ck_assert_int_eq(memcmp(s.out.data, empty, sizeof(empty)), 0);
	buf_free(&s.out);
}
END_TEST

START_TEST(test_response_large)
{
	struct sink	 s;
	struct buf	 data = BUF_INIT;
	const uint8_t	*o;
	size_t		 off, clen, pad, nrec = 0, got = 0, i;
	size_t		 sizes[8];

	for (i = 0; i < 200 * 1024; i++)
		buf_add(&data, &"0123456789abcdefghijklmnopqrstu"[i % 31], 1);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(fastcgi_write_response(1, data.data, data.len,
	    sink_emit, &s), 0);

	/* Walk the records by their headers. */
	o = (const uint8_t *)s.out.data;
	for (off = 0; off < s.out.len; off += FCGI_HEADER_LEN + clen + pad) {
		ck_assert_uint_le(off + FCGI_HEADER_LEN, s.out.len);
		ck_assert_uint_eq(o[off], FCGI_VERSION_1);
		ck_assert_uint_eq(o[off + 2] << 8 | o[off + 3], 1);
		clen = (size_t)o[off + 4] << 8 | o[off + 5];
		pad = o[off + 6];
		ck_assert_uint_eq((clen + pad) % 8, 0);
		ck_assert_uint_lt(pad, 8);
		if (o[off + 1] != FCGI_STDOUT || clen == 0)
			break;
		ck_assert_uint_lt(nrec, 8);
		sizes[nrec++] = clen;
		ck_assert_int_eq(memcmp(o + off + 8, data.data + got, clen), 0);
		got += clen;
	}
	ck_assert_uint_eq(got, 200 * 1024);
	ck_assert_uint_eq(nrec, 4);
	ck_assert_uint_eq(sizes[0], 65528);
	ck_assert_uint_eq(sizes[1], 65528);
	ck_assert_uint_eq(sizes[2], 65528);
	ck_assert_uint_eq(sizes[3], 200 * 1024 - 3 * 65528);
	/* The empty STDOUT, then END_REQUEST, then nothing. */
	ck_assert_uint_eq(o[off + 1], FCGI_STDOUT);
	ck_assert_uint_eq(clen, 0);
	off += FCGI_HEADER_LEN;
	ck_assert_uint_eq(s.out.len - off, sizeof(FCGI_EndRequestRecord));
	ck_assert_uint_eq(o[off + 1], FCGI_END_REQUEST);
	ck_assert_uint_eq(o[off + 5], 8);
	ck_assert_uint_eq(o[off + 8 + 4], FCGI_REQUEST_COMPLETE);
	ck_assert_uint_eq(s.calls, 2 * 4 + 1);
	buf_free(&s.out);

	/* An odd size: one record with padding. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(fastcgi_write_response(1, data.data, 65535,
	    sink_emit, &s), 0);
	ck_assert_uint_eq(s.calls, 5);
	ck_assert_uint_eq(s.sizes[1], 65528);
	ck_assert_uint_eq(s.sizes[2], 8);		/* header only */
	ck_assert_uint_eq(s.sizes[3], 7);
	ck_assert_uint_eq(s.sizes[4], 1 + 8 + 16);	/* pad + tail */
	buf_free(&s.out);

	/* emit's error is returned and nothing more is emitted. */
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	ck_assert_int_eq(fastcgi_write_response(1, data.data, data.len,
	    sink_emit, &s), 7);
	ck_assert_uint_eq(s.calls, 2);
	buf_free(&s.out);
	buf_free(&data);
}
END_TEST

/*
 * A request with no params and an empty GET_VALUES: the decoders must not
 * do arithmetic on the NULL data of a buffer that never grew (clang's
 * UBSan: "applying zero offset to null pointer").  Found by fuzz_fastcgi.
 */
START_TEST(test_empty_streams)
{
	struct buf	 in = BUF_INIT;

	/* GET_VALUES first: nothing has grown the record buffer yet. */
	rec(&in, FCGI_GET_VALUES, 0, NULL, 0, 0);
	rec_begin(&in, 1, FCGI_RESPONDER, 0);
	rec(&in, FCGI_PARAMS, 1, NULL, 0, 0);
	rec(&in, FCGI_STDIN, 1, NULL, 0, 0);
	check_splits(&limits, &in, "REPLY 0 01 0a 00 00 00 00 00 00\n"
	    "REQUEST 1 keep=0 {} body=\n");
	buf_free(&in);
}
END_TEST

static Suite *
fastcgi_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("fastcgi");
	tc = tcase_create("stream");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_stream_splits);
	tcase_add_test(tc, test_empty_streams);
	tcase_add_test(tc, test_padding);
	tcase_add_test(tc, test_long_lengths);
	tcase_add_test(tc, test_multiplex);
	tcase_add_test(tc, test_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("management");
	tcase_add_test(tc, test_get_values);
	tcase_add_test(tc, test_unknown_type);
	tcase_add_test(tc, test_unknown_role);
	tcase_add_test(tc, test_overloaded);
	suite_add_tcase(s, tc);

	tc = tcase_create("abort");
	tcase_add_test(tc, test_abort_receiving);
	tcase_add_test(tc, test_abort_in_flight);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_body_limit);
	tcase_add_test(tc, test_body_limit_done_order);
	tcase_add_test(tc, test_params_count);
	tcase_add_test(tc, test_params_size);
	tcase_add_test(tc, test_param_length);
	tcase_add_test(tc, test_params_wire);
	tcase_add_test(tc, test_params_rejected_states);
	tcase_add_test(tc, test_head_pending);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0,
	    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_free_partial);
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_test(tc, test_response_small);
	tcase_add_test(tc, test_response_large);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(fastcgi_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
