/*
 * libFuzzer target: CGI percent-decoding (src/cgi.c) and the spare wire
 * format (src/wire.c).
 *
 * cgi_urldecode, both with and without plus_is_space, against a
 * decoder written here from its contract (valid %XX escapes decoded,
 * anything else kept, '+' -> ' ' for query strings), into a separate
 * buffer and in place.
 *
 * cgi_derive / wire_pack / wire_unpack: a request is built from the
 * input read as "RID\nQUERY[\nBODY]" (QUERY split at '&' and the first
 * '=', both sides percent-decoded as lua_req.c does, names cut at a NUL
 * as C strings are), derived with RID, packed, and unpacked from an
 * aligned copy: unpack must succeed and give back every field, the
 * derived ones included.  The raw input is unpacked too
 * (from an aligned copy of exactly its length): it must never crash, and
 * whatever it accepts must keep the request.h contract inside the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cgi.h"
#include "fuzz.h"
#include "request.h"
#include "wire.h"

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t
ref_urldecode(uint8_t *dst, const uint8_t *src, size_t len, int plus)
{
	size_t	 i = 0, o = 0;

	while (i < len) {
		if (src[i] == '%' && len - i >= 3 && hexval(src[i + 1]) >= 0 &&
		    hexval(src[i + 2]) >= 0) {
			dst[o++] = (uint8_t)(hexval(src[i + 1]) << 4 |
			    hexval(src[i + 2]));
			i += 3;
		} else {
			dst[o++] = src[i] == '+' && plus ? ' ' : src[i];
			i++;
		}
	}
	return o;
}

static void
urldecode(const uint8_t *data, size_t size)
{
	uint8_t	*want, *dst;
	size_t	 n, wn;
	int	 plus;

	FUZZ_CHECK((want = malloc(size + 1)) != NULL);
	FUZZ_CHECK((dst = malloc(size + 1)) != NULL);
	for (plus = 0; plus <= 1; plus++) {
		wn = ref_urldecode(want, data, size, plus);
		n = cgi_urldecode((char *)dst, (const char *)data, size,
		    plus);
		FUZZ_CHECK(n == wn && dst[n] == '\0');
		FUZZ_CHECK(memcmp(dst, want, n) == 0);
		/* In place, as a caller may do. */
		memcpy(dst, data, size);
		n = cgi_urldecode((char *)dst, (const char *)dst, size,
		    plus);
		FUZZ_CHECK(n == wn && dst[n] == '\0');
		FUZZ_CHECK(memcmp(dst, want, n) == 0);
	}
	free(want);
	free(dst);
}

/* A param from src[0..len): "name[=value]", both percent-decoded. */
static void
add_pair(struct request *req, const uint8_t *src, size_t len)
{
	const uint8_t	*eq;
	char		*name, *value;
	size_t		 nlen, vlen;

	eq = memchr(src, '=', len);
	FUZZ_CHECK((name = malloc(len + 1)) != NULL);
	FUZZ_CHECK((value = malloc(len + 1)) != NULL);
	(void)cgi_urldecode(name, (const char *)src,
	    eq != NULL ? (size_t)(eq - src) : len, 1);
	nlen = strlen(name);
	vlen = cgi_urldecode(value, eq != NULL ? (const char *)eq + 1 : "",
	    eq != NULL ? (size_t)(src + len - eq - 1) : 0, 1);
	FUZZ_CHECK(request_add_param(req, name, nlen, value, vlen) == 0);
	free(name);
	free(value);
}

static struct request *
build(const uint8_t *data, size_t size, char **rid)
{
	struct request	*req;
	const uint8_t	*nl, *q, *qend, *amp, *end = data + size;
	size_t		 n;

	FUZZ_CHECK((req = request_new((uint16_t)(size * 2654435761u))) !=
	    NULL);
	req->keep_conn = size & 1;
	nl = memchr(data, '\n', size);
	n = nl != NULL ? (size_t)(nl - data) : size;
	FUZZ_CHECK((*rid = malloc(n + 1)) != NULL);
	memcpy(*rid, data, n);
	(*rid)[n] = '\0';
	if (nl == NULL)
		return req;
	q = nl + 1;
	qend = memchr(q, '\n', (size_t)(end - q));
	if (qend == NULL)
		qend = end;
	while (q < qend) {
		amp = memchr(q, '&', (size_t)(qend - q));
		if (amp == NULL)
			amp = qend;
		add_pair(req, q, (size_t)(amp - q));
		q = amp + 1;
	}
	if (qend < end)
		FUZZ_CHECK(request_append_body(req, qend + 1,
		    (size_t)(end - qend - 1)) == 0);
	return req;
}

static void
round_trip(const uint8_t *data, size_t size)
{
	struct request	*req, got;
	struct buf	 out = BUF_INIT;
	char		*rid, *msg;
	size_t		 i;

	req = build(data, size, &rid);
	fuzz_check_request(req);
	FUZZ_CHECK(cgi_derive(req, rid) == 0);
	FUZZ_CHECK(req->path_len > 0 && req->path[req->path_len] == '\0');
	FUZZ_CHECK(wire_pack(req, &out) == 0);
	FUZZ_CHECK(out.len >= 4 && wire_packed_len(out.data) == out.len);
	FUZZ_CHECK((msg = malloc(out.len)) != NULL);
	memcpy(msg, out.data, out.len);
	FUZZ_CHECK(wire_unpack(msg, out.len, &got) == 0);
	fuzz_check_request(&got);
	FUZZ_CHECK(strcmp(got.rid, rid) == 0);
	FUZZ_CHECK(got.path_len == req->path_len &&
	    memcmp(got.path, req->path, got.path_len + 1) == 0);
	FUZZ_CHECK(strcmp(got.query, req->query) == 0);
	FUZZ_CHECK(got.id == req->id && got.keep_conn == req->keep_conn);
	FUZZ_CHECK(got.nparams == req->nparams);
	for (i = 0; i < got.nparams; i++) {
		FUZZ_CHECK(strcmp(got.params[i].name,
		    req->params[i].name) == 0);
		FUZZ_CHECK(got.params[i].value_len ==
		    req->params[i].value_len);
		FUZZ_CHECK(memcmp(got.params[i].value, req->params[i].value,
		    got.params[i].value_len) == 0);
	}
	FUZZ_CHECK(got.body_len == req->body_len);
	FUZZ_CHECK(got.body_len == 0 ||
	    memcmp(got.body, req->body, got.body_len) == 0);
	free(msg);
	buf_free(&out);
	free(rid);
	request_free(req);
}

/* p[0..n] (the NUL included) inside msg[0..len). */
static int
inside(const char *msg, size_t len, const char *p, size_t n)
{
	return p >= msg && p < msg + len && n < (size_t)(msg + len - p);
}

static void
unpack_raw(const uint8_t *data, size_t size)
{
	struct request	 req;
	char		*msg;
	size_t		 i;

	/* malloc's alignment is what wire_unpack asks for. */
	FUZZ_CHECK((msg = malloc(size ? size : 1)) != NULL);
	memcpy(msg, data, size);
	if (wire_unpack(msg, size, &req) == 0) {
		FUZZ_CHECK(inside(msg, size, req.rid, strnlen(req.rid,
		    (size_t)(msg + size - req.rid))));
		FUZZ_CHECK(inside(msg, size, req.path, req.path_len));
		FUZZ_CHECK(inside(msg, size, req.query, strnlen(req.query,
		    (size_t)(msg + size - req.query))));
		for (i = 0; i < req.nparams; i++) {
			FUZZ_CHECK(inside(msg, size, req.params[i].name,
			    strnlen(req.params[i].name,
			    (size_t)(msg + size - req.params[i].name))));
			FUZZ_CHECK(inside(msg, size, req.params[i].value,
			    req.params[i].value_len));
		}
		if (req.body != NULL)
			FUZZ_CHECK(inside(msg, size, req.body, req.body_len));
		fuzz_check_request(&req);
	}
	free(msg);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	urldecode(data, size);
	round_trip(data, size);
	unpack_raw(data, size);
	return 0;
}
