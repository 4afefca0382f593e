/*
 * Unit tests for scgi.c: a request as nginx sends it, every byte split,
 * malformed input with its exact error, both limits at their edge, the
 * bytes after a request, and the response.
 *
 * Like check_fastcgi.c, input is fed through the codec tests' driver
 * (codec_run.c), which writes every event as one text line to a log;
 * tests compare logs, so a difference between two ways of splitting the
 * input shows as a diff.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec_run.h"
#include "request.h"
#include "scgi.h"

/* max_conns and max_reqs are unused by SCGI. */
static const struct codec_limits	 limits = {
	.max_body_size = 1 << 20, .max_params_size = 65536, .max_conns = 16,
	.max_reqs = 8, .max_params = 1000, .max_param_length = 1 << 20
};

/* ---- building input ---- */

static void
hdr_n(struct buf *h, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	ck_assert_int_eq(buf_add(h, name, nlen), 0);
	ck_assert_int_eq(buf_add(h, "", 1), 0);
	ck_assert_int_eq(buf_add(h, value, vlen), 0);
	ck_assert_int_eq(buf_add(h, "", 1), 0);
}

static void
hdr(struct buf *h, const char *name, const char *value)
{
	hdr_n(h, name, strlen(name), value, strlen(value));
}

/* The netstring "<len>:<headers><close>". */
static void
netstring(struct buf *b, const void *headers, size_t len, char close)
{
	ck_assert_int_eq(buf_printf(b, "%zu:", len), 0);
	ck_assert_int_eq(buf_add(b, headers, len), 0);
	ck_assert_int_eq(buf_add(b, &close, 1), 0);
}

/* A netstring around a string literal (which may hold NULs). */
#define NETSTRING_LIT(b, lit)	netstring((b), (lit), sizeof(lit) - 1, ',')

/*
 * A POST as nginx's scgi module sends it with the stock scgi_params:
 * CONTENT_LENGTH first, then the params in order (HTTPS is if_not_empty
 * and absent over plain HTTP), then the client's headers as HTTP_*.
 */
static const char	*nginx_body =
    "{\"name\":\"widget\",\"tags\":[\"a\",\"b\"],\"price\":12.5}";

static void
nginx_headers(struct buf *h, const char *method, const char *clen,
    const char *ctype)
{
	hdr(h, "CONTENT_LENGTH", clen);
	hdr(h, "REQUEST_METHOD", method);
	hdr(h, "REQUEST_URI", "/api/items?limit=10&q=a%20b");
	hdr(h, "QUERY_STRING", "limit=10&q=a%20b");
	hdr(h, "CONTENT_TYPE", ctype);
	hdr(h, "DOCUMENT_URI", "/api/items");
	hdr(h, "DOCUMENT_ROOT", "/usr/share/nginx/html");
	hdr(h, "SCGI", "1");
	hdr(h, "SERVER_PROTOCOL", "HTTP/1.1");
	hdr(h, "REQUEST_SCHEME", "http");
	hdr(h, "REMOTE_ADDR", "127.0.0.1");
	hdr(h, "REMOTE_PORT", "51234");
	hdr(h, "SERVER_PORT", "8080");
	hdr(h, "SERVER_NAME", "localhost");
	hdr(h, "HTTP_HOST", "localhost:8080");
	hdr(h, "HTTP_USER_AGENT", "curl/8.5.0");
	hdr(h, "HTTP_ACCEPT", "*/*");
	if (*ctype != '\0')
		hdr(h, "HTTP_CONTENT_TYPE", ctype);
	if (strcmp(clen, "0") != 0)
		hdr(h, "HTTP_CONTENT_LENGTH", clen);
	hdr(h, "HTTP_X_REQUEST_ID", "3f2a9c1d5e7b4a60");
}

static void
nginx_post(struct buf *in)
{
	struct buf	 h = BUF_INIT;
	char		 clen[32];

	snprintf(clen, sizeof(clen), "%zu", strlen(nginx_body));
	nginx_headers(&h, "POST", clen, "application/json");
	netstring(in, h.data, h.len, ',');
	ck_assert_int_eq(buf_adds(in, nginx_body), 0);
	buf_free(&h);
}

#define NGINX_COMMON \
    "REQUEST_URI=/api/items?limit=10&q=a%20b;" \
    "QUERY_STRING=limit=10&q=a%20b;"
#define NGINX_SERVER \
    "DOCUMENT_URI=/api/items;DOCUMENT_ROOT=/usr/share/nginx/html;SCGI=1;" \
    "SERVER_PROTOCOL=HTTP/1.1;REQUEST_SCHEME=http;REMOTE_ADDR=127.0.0.1;" \
    "REMOTE_PORT=51234;SERVER_PORT=8080;SERVER_NAME=localhost;" \
    "HTTP_HOST=localhost:8080;HTTP_USER_AGENT=curl/8.5.0;HTTP_ACCEPT=*/*;"

static const char	*nginx_post_log =
    "REQUEST 0 keep=0 {CONTENT_LENGTH=47;REQUEST_METHOD=POST;"
    NGINX_COMMON "CONTENT_TYPE=application/json;" NGINX_SERVER
    "HTTP_CONTENT_TYPE=application/json;HTTP_CONTENT_LENGTH=47;"
    "HTTP_X_REQUEST_ID=3f2a9c1d5e7b4a60} body="
    "{\"name\":\"widget\",\"tags\":[\"a\",\"b\"],\"price\":12.5}\n";

/* ---- feeding: codec_run.c over this codec ---- */

/* SCGI has one request per connection: it is done once handed out. */
static void
run_init(struct codec_run *r, const struct codec_limits *l)
{
	codec_run_init(r, &scgi_codec, l, 1);
}

static void
check_splits(const struct codec_limits *l, const struct buf *in,
    const char *expect)
{
	codec_run_check_splits(&scgi_codec, l, in, expect);
}

static void
check_chunks(const struct codec_limits *l, const struct buf *in,
    const char *expect)
{
	codec_run_check_chunks(&scgi_codec, l, in, expect);
}

/* ---- requests ---- */

START_TEST(test_nginx_post)
{
	struct buf		 in = BUF_INIT;
	struct scgi_parser	*p;
	struct request_event	 ev;
	struct request		*req;
	size_t			 used;

	nginx_post(&in);
	check_splits(&limits, &in, nginx_post_log);

	/* The request itself, fed whole: everything consumed, exact data. */
	p = scgi_parser_new(&limits);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	ck_assert_uint_eq(used, in.len);
	req = ev.req;
	ck_assert_uint_eq(ev.id, 0);
	ck_assert_uint_eq(req->id, 0);
	ck_assert_uint_eq(req->keep_conn, 0);
	ck_assert_uint_eq(req->nparams, 20);
	ck_assert_str_eq(req->params[0].name, "CONTENT_LENGTH");
	ck_assert_str_eq(req->params[0].value, "47");
	ck_assert_str_eq(request_param(req, "SCGI"), "1");
	ck_assert_str_eq(request_param(req, "REQUEST_METHOD"), "POST");
	ck_assert_str_eq(request_param(req, "HTTP_X_REQUEST_ID"),
	    "3f2a9c1d5e7b4a60");
	ck_assert_uint_eq(req->body_len, strlen(nginx_body));
	ck_assert_int_eq(memcmp(req->body, nginx_body, req->body_len), 0);
	ck_assert_int_eq(req->body[req->body_len], '\0');
	request_free(req);
	scgi_parser_free(p);
	buf_free(&in);
}
END_TEST

/* CONTENT_LENGTH 0: the request is out on the ',' itself. */
START_TEST(test_get_no_body)
{
	struct buf		 in = BUF_INIT, h = BUF_INIT;
	struct scgi_parser	*p;
	struct request_event	 ev;
	size_t			 used;

	nginx_headers(&h, "GET", "0", "");
	netstring(&in, h.data, h.len, ',');
	check_splits(&limits, &in,
	    "REQUEST 0 keep=0 {CONTENT_LENGTH=0;REQUEST_METHOD=GET;"
	    NGINX_COMMON "CONTENT_TYPE=;" NGINX_SERVER
	    "HTTP_X_REQUEST_ID=3f2a9c1d5e7b4a60} body=\n");

	p = scgi_parser_new(&limits);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len - 1,
	    &used, &ev), REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, in.len - 1);
	ck_assert_ptr_null(ev.req);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)",", 1, &used, &ev),
	    REQ_EV_REQUEST);
	ck_assert_uint_eq(used, 1);
	ck_assert_ptr_null(ev.req->body);
	ck_assert_uint_eq(ev.req->body_len, 0);
	ck_assert_str_eq(request_param(ev.req, "CONTENT_TYPE"), "");
	request_free(ev.req);
	scgi_parser_free(p);
	buf_free(&in);
	buf_free(&h);
}
END_TEST

/* The smallest valid request, and a netstring length of one digit. */
START_TEST(test_minimal)
{
	struct buf	 in = BUF_INIT;

	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "3\0SCGI\0" "1\0");
	buf_adds(&in, "abc");
	ck_assert_str_eq(in.data, "24:CONTENT_LENGTH");
	check_splits(&limits, &in,
	    "REQUEST 0 keep=0 {CONTENT_LENGTH=3;SCGI=1} body=abc\n");
	buf_reset(&in);
	/* A leading zero is fine in CONTENT_LENGTH (only digits asked). */
	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "007\0SCGI\0" "1\0A\0\0");
	buf_adds(&in, "1234567");
	check_splits(&limits, &in,
	    "REQUEST 0 keep=0 {CONTENT_LENGTH=007;SCGI=1;A=} body=1234567\n");
	buf_free(&in);
}
END_TEST

/* One request per connection: whatever follows it is consumed unread. */
START_TEST(test_trailing_ignored)
{
	struct buf		 in = BUF_INIT;
	struct scgi_parser	*p;
	struct request_event	 ev;
	size_t			 used, req_len;

	nginx_post(&in);
	req_len = in.len;
	buf_adds(&in, "garbage, not a netstring\0\xff");
	nginx_post(&in);		/* a second request is ignored too */
	check_splits(&limits, &in, nginx_post_log);

	/* The event stops the call at the end of the body. */
	p = scgi_parser_new(&limits);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	ck_assert_uint_eq(used, req_len);
	request_free(ev.req);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data + req_len,
	    in.len - req_len, &used, &ev), REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, in.len - req_len);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)"x", 1, &used, &ev),
	    REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, 1);
	ck_assert_int_eq(scgi_parse(p, NULL, 0, &used, &ev), REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, 0);
	scgi_parser_free(p);
	buf_free(&in);
}
END_TEST

/* Every non-NUL byte survives in names and values; empty values too. */
START_TEST(test_values)
{
	struct buf		 in = BUF_INIT, h = BUF_INIT;
	struct scgi_parser	*p;
	struct request_event	 ev;
	const struct request	*req;
	char			 bin[255], body[5] = { 0, 1, '\r', '\n', -1 };
	size_t			 used, i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i + 1);
	hdr(&h, "CONTENT_LENGTH", "5");
	hdr(&h, "SCGI", "1");
	hdr_n(&h, "HTTP_X_BINARY", 13, bin, sizeof(bin));
	hdr(&h, "HTTP_X_EMPTY", "");
	hdr(&h, "HTTP_X_EQ", "a=b=c; d");
	hdr_n(&h, "\xc3\xa9\x7f", 3, "\xff", 1);
	hdr(&h, "LAST", "");
	netstring(&in, h.data, h.len, ',');
	buf_add(&in, body, sizeof(body));
	check_splits(&limits, &in,
	    "REQUEST 0 keep=0 {CONTENT_LENGTH=5;SCGI=1;"
	    "HTTP_X_BINARY=<255#6622da47>;HTTP_X_EMPTY=;HTTP_X_EQ=a=b=c; d;"
	    "\xc3\xa9\x7f=<1#7a0b824e>;LAST=} body=<5#e649de36>\n");

	p = scgi_parser_new(&limits);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	req = ev.req;
	ck_assert_uint_eq(req->nparams, 7);
	ck_assert_uint_eq(req->params[2].value_len, sizeof(bin));
	ck_assert_int_eq(memcmp(req->params[2].value, bin, sizeof(bin)), 0);
	ck_assert_uint_eq(req->params[3].value_len, 0);
	ck_assert_str_eq(req->params[3].value, "");
	ck_assert_str_eq(req->params[5].name, "\xc3\xa9\x7f");
	ck_assert_uint_eq(req->body_len, sizeof(body));
	ck_assert_int_eq(memcmp(req->body, body, sizeof(body)), 0);
	request_free(ev.req);
	scgi_parser_free(p);
	buf_free(&in);
	buf_free(&h);
}
END_TEST

/* Partial state of every kind is freed with the parser (valgrind). */
START_TEST(test_free_partial)
{
	struct buf		 in = BUF_INIT;
	struct codec_run	 r;
	size_t			 cut[] = { 0, 1, 2, 3, 50, 0, 0, 0 };
	size_t			 i, hlen;

	nginx_post(&in);
	hlen = (size_t)strtoul(in.data, NULL, 10);
	cut[5] = in.len - strlen(nginx_body) - 1;	/* before ',' */
	cut[6] = in.len - strlen(nginx_body);		/* no body yet */
	cut[7] = in.len - 1;				/* body but 1 */
	ck_assert_uint_gt(hlen, 100);
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		run_init(&r, &limits);
		codec_run_feed(&r, in.data, cut[i]);
		ck_assert_str_eq(codec_run_log(&r), "");
		codec_run_free(&r);
	}
	scgi_parser_free(NULL);
	buf_free(&in);
}
END_TEST

static int
codec_emit(void *arg, const void *data, size_t len)
{
	return buf_add(arg, data, len);
}

/* The codec table routes to the functions above. */
START_TEST(test_codec)
{
	struct buf		 in = BUF_INIT, out = BUF_INIT;
	struct request_event	 ev;
	void			*p;
	size_t			 used;

	ck_assert_str_eq(scgi_codec.name, "SCGI");
	nginx_post(&in);
	p = scgi_codec.parser_new(&limits);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_codec.parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	ck_assert_uint_eq(used, in.len);
	ck_assert_str_eq(ev.req->body, nginx_body);
	scgi_codec.request_done(p, ev.req->id);
	request_free(ev.req);
	ck_assert_int_eq(scgi_codec.write_response(0, "Status: 200 OK\r\n\r\n",
	    18, codec_emit, &out), 0);
	ck_assert_str_eq(out.data, "Status: 200 OK\r\n\r\n");
	scgi_codec.parser_free(p);
	buf_free(&in);
	buf_free(&out);
}
END_TEST

/* ---- limits ---- */

/* A header block of exactly len bytes: CONTENT_LENGTH, SCGI, padding. */
static void
sized_request(struct buf *in, size_t len, const char *clen,
    const char *body)
{
	struct buf	 h = BUF_INIT;
	size_t		 fill;
	char		*v;

	hdr(&h, "CONTENT_LENGTH", clen);
	hdr(&h, "SCGI", "1");
	ck_assert_uint_ge(len, h.len + 5);
	fill = len - h.len - 5;		/* "PAD\0" ... "\0" */
	v = malloc(fill + 1);
	ck_assert_ptr_nonnull(v);
	memset(v, 'p', fill);
	hdr_n(&h, "PAD", 3, v, fill);
	ck_assert_uint_eq(h.len, len);
	netstring(in, h.data, h.len, ',');
	buf_adds(in, body);
	free(v);
	buf_free(&h);
}

/*
 * The header block is never buffered past what params within the limits
 * take: max_params_size + 2 NULs x max_params.  A 100-byte block of 3
 * params (94 bytes of names and values) passes at that bound; one byte
 * less and the length itself is TOO_LARGE (431), without params.
 */
START_TEST(test_header_limit)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;

	sized_request(&in, 100, "2", "ok");
	ck_assert_str_eq(in.data, "100:CONTENT_LENGTH");
	l.max_params_size = 94;
	l.max_params = 3;
	check_splits(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=2;SCGI=1;"
	    "PAD="
	    "pppppppppppppppppppppppppppppppppppppppp"
	    "ppppppppppppppppppppppppppppppp} body=ok\n");
	l.max_params_size = 93;
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {} body= 431 SCGI headers "
	    "longer than 99 bytes (max_params_size 93 + 2 x max_params 3)\n");
	buf_reset(&in);

	/* A large block, exactly at its limit and one byte over. */
	sized_request(&in, 65536, "0", "");
	l.max_params_size = 65530;
	check_chunks(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=0;SCGI=1;"
	    "PAD=<65507#38540187>} body=\n");
	l.max_params_size = 65529;
	check_chunks(&l, &in, "TOO_LARGE 0 keep=0 {} body= 431 SCGI headers "
	    "longer than 65535 bytes (max_params_size 65529 + 2 x max_params "
	    "3)\n");
	buf_free(&in);
}
END_TEST

#define PAD71	"pppppppppppppppppppppppppppppppppppppppp" \
		"ppppppppppppppppppppppppppppppp"

/* Within the wire bound, decoding finds each limit exactly. */
START_TEST(test_params_limits)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;

	/* The same 100-byte block: 94 bytes of names and values. */
	sized_request(&in, 100, "2", "ok");
	l.max_params_size = 94;
	check_splits(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=2;SCGI=1;"
	    "PAD=" PAD71 "} body=ok\n");
	l.max_params_size = 93;
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {CONTENT_LENGTH=2;SCGI=1} "
	    "body= 431 params longer than max_params_size (93 bytes) at "
	    "param PAD\n");

	/* 3 params, CONTENT_LENGTH and SCGI included. */
	l = limits;
	l.max_params = 3;
	check_splits(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=2;SCGI=1;"
	    "PAD=" PAD71 "} body=ok\n");
	l.max_params = 2;
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {CONTENT_LENGTH=2;SCGI=1} "
	    "body= 431 more than max_params (2) params\n");

	/* One value, then one name. */
	l = limits;
	l.max_param_length = 71;
	check_splits(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=2;SCGI=1;"
	    "PAD=" PAD71 "} body=ok\n");
	l.max_param_length = 70;
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {CONTENT_LENGTH=2;SCGI=1} "
	    "body= 431 param PAD of 71 bytes is longer than max_param_length "
	    "(70)\n");
	buf_reset(&in);
	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "0\0SCGI\0" "1\0"
	    "ABCDEFGHIJKLMNO\0v\0");
	l.max_param_length = 15;
	check_splits(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=0;SCGI=1;"
	    "ABCDEFGHIJKLMNO=v} body=\n");
	l.max_param_length = 14;
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {CONTENT_LENGTH=0;SCGI=1} "
	    "body= 431 param name ABCDEFGHIJKLMNO of 15 bytes is longer than "
	    "max_param_length (14)\n");

	/* Form faults before the limit are still faults. */
	buf_reset(&in);
	NETSTRING_LIT(&in, "SCGI\0" "1\0CONTENT_LENGTH\0" "0\0");
	l = limits;
	l.max_params = 1;
	check_splits(&l, &in, "ERROR first SCGI header is not "
	    "CONTENT_LENGTH\n");
	buf_free(&in);
}
END_TEST

/* The length digits alone trip the bound: nothing of the block is read. */
START_TEST(test_header_limit_early)
{
	struct codec_limits	 l = limits;
	struct scgi_parser	*p;
	struct request_event	 ev;
	size_t			 used;
	char			 num[64], want[160];

	l.max_params_size = 98;
	l.max_params = 1;
	p = scgi_parser_new(&l);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)"100", 3, &used, &ev),
	    REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)"0:xxxx", 6, &used,
	    &ev), REQ_EV_TOO_LARGE);
	ck_assert_uint_eq(used, 1);
	ck_assert_int_eq(ev.status, 431);
	ck_assert_str_eq(ev.errstr, "SCGI headers longer than 100 bytes "
	    "(max_params_size 98 + 2 x max_params 1)");
	ck_assert_uint_eq(ev.req->nparams, 0);
	request_free(ev.req);
	/* The rest is consumed and ignored. */
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)":xxxx", 5, &used,
	    &ev), REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, 5);
	scgi_parser_free(p);

	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)"101", 3, &used, &ev),
	    REQ_EV_TOO_LARGE);
	ck_assert_uint_eq(used, 3);
	request_free(ev.req);
	scgi_parser_free(p);

	/* With no limit to speak of, SIZE_MAX itself passes, one more not. */
	l.max_params_size = SIZE_MAX;
	l.max_params = 0;
	snprintf(num, sizeof(num), "%zu", (size_t)SIZE_MAX);
	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)num, strlen(num),
	    &used, &ev), REQ_EV_NEED_MORE);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)":ab", 3, &used, &ev),
	    REQ_EV_NEED_MORE);
	scgi_parser_free(p);

	snprintf(want, sizeof(want), "SCGI headers longer than %zu bytes "
	    "(max_params_size %zu + 2 x max_params 0)", (size_t)SIZE_MAX,
	    (size_t)SIZE_MAX);
	num[strlen(num) - 1]++;			/* ...615 -> ...616 */
	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)num, strlen(num),
	    &used, &ev), REQ_EV_TOO_LARGE);
	ck_assert_uint_eq(used, strlen(num));
	ck_assert_str_eq(ev.errstr, want);
	request_free(ev.req);
	scgi_parser_free(p);

	/* The bound saturates: max_params_size + 2 x max_params > SIZE_MAX. */
	l.max_params_size = SIZE_MAX - 1;
	l.max_params = 1;
	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)
	    "99999999999999999999999999999999:", 33, &used, &ev),
	    REQ_EV_TOO_LARGE);
	ck_assert_uint_eq(used, strlen(num));	/* the first digit too many */
	request_free(ev.req);
	scgi_parser_free(p);

	/* Huge lengths with the usual limits: 431, not malformed. */
	l = limits;
	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)"1000000:", 8, &used,
	    &ev), REQ_EV_TOO_LARGE);
	ck_assert_uint_eq(used, 6);
	ck_assert_str_eq(ev.errstr, "SCGI headers longer than 67536 bytes "
	    "(max_params_size 65536 + 2 x max_params 1000)");
	request_free(ev.req);
	scgi_parser_free(p);
}
END_TEST

/* From the first byte of the netstring to its ',', and only then. */
START_TEST(test_head_pending)
{
	struct codec_limits	 l = limits;
	struct scgi_parser	*p;
	struct request_event	 ev;
	struct buf		 in = BUF_INIT;
	char			 got[512], want[512];
	size_t			 i, used, head;

	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "4\0SCGI\0" "1\0");
	head = in.len;
	buf_adds(&in, "bodyjunk");
	ck_assert_uint_lt(in.len, sizeof(got));
	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_head_pending(p), 0);
	for (i = 0; i < in.len; i++) {
		memset(&ev, 0, sizeof(ev));
		scgi_parse(p, (const uint8_t *)in.data + i, 1, &used, &ev);
		if (ev.type == REQ_EV_REQUEST)
			request_free(ev.req);
		got[i] = scgi_head_pending(p) ? '1' : '0';
		ck_assert_int_eq(scgi_codec.head_pending(p), got[i] == '1');
		want[i] = i + 1 < head ? '1' : '0';
	}
	got[i] = want[i] = '\0';
	ck_assert_str_eq(got, want);
	scgi_parser_free(p);

	/* A malformed stream is not pending: the connection is closed. */
	p = scgi_parser_new(&l);
	scgi_parse(p, (const uint8_t *)"12", 2, &used, &ev);
	ck_assert_int_eq(scgi_head_pending(p), 1);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)"x", 1, &used, &ev),
	    REQ_EV_ERROR);
	ck_assert_int_eq(scgi_head_pending(p), 0);
	scgi_parser_free(p);
	buf_free(&in);
}
END_TEST

START_TEST(test_body_limit)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;
	struct scgi_parser	*p;
	struct request_event	 ev;
	size_t			 used, head;

	nginx_post(&in);
	head = in.len - strlen(nginx_body);
	buf_adds(&in, "trailing junk that is ignored as well");
	l.max_body_size = strlen(nginx_body);
	check_splits(&l, &in, nginx_post_log);

	/* max + 1: TOO_LARGE on the ',', params only, the rest ignored. */
	l.max_body_size = strlen(nginx_body) - 1;
	check_splits(&l, &in,
	    "TOO_LARGE 0 keep=0 {CONTENT_LENGTH=47;REQUEST_METHOD=POST;"
	    NGINX_COMMON "CONTENT_TYPE=application/json;" NGINX_SERVER
	    "HTTP_CONTENT_TYPE=application/json;HTTP_CONTENT_LENGTH=47;"
	    "HTTP_X_REQUEST_ID=3f2a9c1d5e7b4a60} body="
	    " 413 request body larger than max_body_size (46 bytes)\n");

	p = scgi_parser_new(&l);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_TOO_LARGE);
	ck_assert_int_eq(ev.status, 413);
	ck_assert_uint_eq(used, head);
	ck_assert_uint_eq(ev.req->nparams, 20);
	ck_assert_ptr_null(ev.req->body);
	request_free(ev.req);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data + head,
	    in.len - head, &used, &ev), REQ_EV_NEED_MORE);
	ck_assert_uint_eq(used, in.len - head);
	scgi_parser_free(p);

	/* No body allowed at all: 0 passes, 1 does not. */
	l.max_body_size = 0;
	buf_reset(&in);
	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "0\0SCGI\0" "1\0");
	check_splits(&l, &in, "REQUEST 0 keep=0 {CONTENT_LENGTH=0;SCGI=1} "
	    "body=\n");
	buf_reset(&in);
	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "1\0SCGI\0" "1\0");
	buf_adds(&in, "x");
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {CONTENT_LENGTH=1;SCGI=1} "
	    "body= 413 request body larger than max_body_size (0 bytes)\n");

	/* Beyond size_t is still a number: too large, not malformed. */
	l.max_body_size = SIZE_MAX - 1;
	buf_reset(&in);
	NETSTRING_LIT(&in, "CONTENT_LENGTH\0" "123456789012345678901234567890\0"
	    "SCGI\0" "1\0");
	check_splits(&l, &in, "TOO_LARGE 0 keep=0 {CONTENT_LENGTH="
	    "123456789012345678901234567890;SCGI=1} body= 413 request body "
	    "larger than max_body_size (18446744073709551614 bytes)\n");
	buf_free(&in);
}
END_TEST

/* ---- malformed input ---- */

static const struct {
	const char	*data;
	size_t		 len;
	int		 wrap;		/* data is the block of a netstring */
	char		 close;		/* wrap: the byte after the block */
	const char	*errstr;
} bad[] = {
#define W(s)		s, sizeof(s) - 1, 0, 0
#define H(s)		s, sizeof(s) - 1, 1, ','
#define HC(s, c)	s, sizeof(s) - 1, 1, c
#define OK		"CONTENT_LENGTH\0" "0\0SCGI\0" "1\0"
	{ W("GET / HTTP/1.1\r\n\r\n"), "bad SCGI netstring length" },
	{ W("-5:"), "bad SCGI netstring length" },
	{ W("+5:"), "bad SCGI netstring length" },
	{ W(" 5:"), "bad SCGI netstring length" },
	{ W("\0"), "bad SCGI netstring length" },
	{ W(":0,"), "empty SCGI netstring length" },
	{ W("01:x,"), "leading zero in the SCGI netstring length" },
	{ W("00:"), "leading zero in the SCGI netstring length" },
	{ W("12x"), "missing ':' after the SCGI netstring length" },
	{ W("12,"), "missing ':' after the SCGI netstring length" },
	{ W("1 2:"), "missing ':' after the SCGI netstring length" },
	{ W("0x18:"), "missing ':' after the SCGI netstring length" },
	{ W("0:,"), "empty SCGI headers" },
	{ W("0:x"), "missing ',' after the SCGI headers" },
	{ HC(OK, ';'), "missing ',' after the SCGI headers" },
	{ HC(OK, '\0'), "missing ',' after the SCGI headers" },
	{ W("3:abc"), "missing ',' after the SCGI headers" },
	{ H("CONTENT_LENGTH\0" "0\0SCGI\0" "1"),
	    "SCGI headers do not end in NUL" },
	{ H("abc"), "SCGI headers do not end in NUL" },
	{ H("CONTENT_LENGTH\0" "0\0SCGI\0"),
	    "odd number of strings in the SCGI headers" },
	{ H("CONTENT_LENGTH\0"), "odd number of strings in the SCGI headers" },
	{ H("\0"), "odd number of strings in the SCGI headers" },
	{ H("\0\0"), "empty SCGI header name" },
	{ H("\0" "0\0SCGI\0" "1\0"), "empty SCGI header name" },
	{ H(OK "\0x\0"), "empty SCGI header name" },
	{ H("SCGI\0" "1\0CONTENT_LENGTH\0" "0\0"),
	    "first SCGI header is not CONTENT_LENGTH" },
	{ H("content_length\0" "0\0SCGI\0" "1\0"),
	    "first SCGI header is not CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH \0" "0\0SCGI\0" "1\0"),
	    "first SCGI header is not CONTENT_LENGTH" },
	{ H("HTTP_CONTENT_LENGTH\0" "0\0SCGI\0" "1\0"),
	    "first SCGI header is not CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0\0SCGI\0" "1\0"), "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0-1\0SCGI\0" "1\0"), "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0+1\0SCGI\0" "1\0"), "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0 1\0SCGI\0" "1\0"), "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0" "1 \0SCGI\0" "1\0"),
	    "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0" "1x\0SCGI\0" "1\0"),
	    "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0" "0x10\0SCGI\0" "1\0"),
	    "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0" "1.5\0SCGI\0" "1\0"),
	    "invalid SCGI CONTENT_LENGTH" },
	{ H("CONTENT_LENGTH\0\xd9\xa1\0SCGI\0" "1\0"),
	    "invalid SCGI CONTENT_LENGTH" },
	{ H(OK "CONTENT_LENGTH\0" "1\0"),
	    "conflicting SCGI CONTENT_LENGTH values" },
	{ H("CONTENT_LENGTH\0" "0\0A\0x\0CONTENT_LENGTH\0" "00\0SCGI\0" "1\0"),
	    "conflicting SCGI CONTENT_LENGTH values" },
	{ H(OK "SCGI\0" "2\0"), "SCGI header is not 1" },
	{ H("CONTENT_LENGTH\0" "0\0"), "missing SCGI header" },
	{ H("CONTENT_LENGTH\0" "0\0scgi\0" "1\0"), "missing SCGI header" },
	{ H("CONTENT_LENGTH\0" "0\0SCGI\0" "2\0"), "SCGI header is not 1" },
	{ H("CONTENT_LENGTH\0" "0\0SCGI\0\0"), "SCGI header is not 1" },
	{ H("CONTENT_LENGTH\0" "0\0SCGI\0" "01\0"), "SCGI header is not 1" },
	{ H("CONTENT_LENGTH\0" "0\0SCGI\0" "1 \0"), "SCGI header is not 1" },
#undef W
#undef H
#undef HC
#undef OK
};

/*
 * Each malformed stream ends in exactly one ERROR with its text, fed in
 * chunks of every size, and the parser keeps failing afterwards.
 */
START_TEST(test_malformed)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT;
	struct codec_run	 r;
	char			 want[256];
	size_t			 chunk;

	l.max_body_size = 16;
	snprintf(want, sizeof(want), "ERROR %s\n", bad[_i].errstr);
	if (bad[_i].wrap)
		netstring(&in, bad[_i].data, bad[_i].len, bad[_i].close);
	else
		ck_assert_int_eq(buf_add(&in, bad[_i].data, bad[_i].len), 0);
	/* Bytes that would make a valid request complete are never read. */
	buf_add(&in, "0123456789abcdef", 16);
	for (chunk = 1; chunk <= in.len; chunk++) {
		run_init(&r, &l);
		codec_run_feed_chunks(&r, &in, chunk);
		ck_assert(r.failed);
		if (strcmp(codec_run_log(&r), want) != 0)
			ck_abort_msg("chunk %zu gave:\n%s", chunk,
			    codec_run_log(&r));
		codec_run_check_stuck(&r, bad[_i].errstr);
		codec_run_free(&r);
	}
	buf_free(&in);
}
END_TEST

/* Header blocks full of tiny distinct names stay cheap (sorted check). */
START_TEST(test_many_headers)
{
	struct codec_limits	 l = limits;
	struct buf		 in = BUF_INIT, h = BUF_INIT;
	struct scgi_parser	*p;
	struct request_event	 ev;
	char			 name[8];
	size_t			 used, i;

	l.max_params_size = 1 << 20;
	l.max_params = 200000;
	hdr(&h, "CONTENT_LENGTH", "0");
	hdr(&h, "SCGI", "1");
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "%05zx", i);
		hdr(&h, name, "");
	}
	netstring(&in, h.data, h.len, ',');
	p = scgi_parser_new(&l);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	ck_assert_uint_eq(ev.req->nparams, 100002);
	ck_assert_str_eq(ev.req->params[100001].name, "1869f");
	request_free(ev.req);
	scgi_parser_free(p);

	/* The same with the last name repeating the first: its last value
	   counts (a site's override), the sorted check is gone. */
	buf_reset(&in);
	hdr(&h, "00000", "again");
	netstring(&in, h.data, h.len, ',');
	p = scgi_parser_new(&l);
	ck_assert_int_eq(scgi_parse(p, (const uint8_t *)in.data, in.len,
	    &used, &ev), REQ_EV_REQUEST);
	ck_assert_str_eq(request_param(ev.req, "00000"), "again");
	request_free(ev.req);
	scgi_parser_free(p);
	buf_free(&in);
	buf_free(&h);
}
END_TEST

/* ---- responses ---- */

struct sink {
	struct buf	 out;
	size_t		 calls;
	int		 rc;		/* what emit returns */
};

static int
sink_emit(void *arg, const void *data, size_t len)
{
	struct sink	*s = arg;

	s->calls++;
	ck_assert_int_eq(buf_add(&s->out, data, len), 0);
	return s->rc;
}

START_TEST(test_response)
{
	static const char	 resp[] = "Status: 201 Created\r\n"
	    "Content-Type: application/json\r\n\r\n{\"id\":7}\0tail";
	struct sink		 s;

	/* The CGI response itself, untouched, in one emit; id unused. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(scgi_write_response(0, resp, sizeof(resp), sink_emit,
	    &s), 0);
	ck_assert_uint_eq(s.calls, 1);
	ck_assert_uint_eq(s.out.len, sizeof(resp));
	ck_assert_int_eq(memcmp(s.out.data, resp, sizeof(resp)), 0);
	ck_assert_int_eq(scgi_write_response(513, "x", 1, sink_emit, &s), 0);
	ck_assert_uint_eq(s.calls, 2);
	ck_assert_int_eq(memcmp(s.out.data + sizeof(resp), "x", 2), 0);
	buf_free(&s.out);

	/* Empty: nothing emitted at all. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(scgi_write_response(0, NULL, 0, sink_emit, &s), 0);
	ck_assert_int_eq(scgi_write_response(0, resp, 0, sink_emit, &s), 0);
	ck_assert_uint_eq(s.calls, 0);

	/* emit's error comes back as is. */
	s.rc = -1;
	ck_assert_int_eq(scgi_write_response(0, resp, 5, sink_emit, &s), -1);
	ck_assert_uint_eq(s.calls, 1);
	buf_free(&s.out);
}
END_TEST

static Suite *
scgi_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("scgi");
	tc = tcase_create("request");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nginx_post);
	tcase_add_test(tc, test_get_no_body);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_trailing_ignored);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_free_partial);
	tcase_add_test(tc, test_codec);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_header_limit);
	tcase_add_test(tc, test_header_limit_early);
	tcase_add_test(tc, test_params_limits);
	tcase_add_test(tc, test_head_pending);
	tcase_add_test(tc, test_body_limit);
	tcase_add_test(tc, test_many_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0,
	    sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("response");
	tcase_add_test(tc, test_response);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(scgi_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
