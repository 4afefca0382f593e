/*
 * libFuzzer target: the FastCGI name-value pair decoder (src/fastcgi.c),
 * reached the way a web server reaches it.  The input is the content of a
 * params stream: it goes out as a valid BEGIN_REQUEST, the input in
 * PARAMS records of at most 65535 bytes, the empty PARAMS and the empty
 * STDIN.  The same bytes are also sent as the content of a GET_VALUES
 * record (when they fit in one).
 *
 * A small decoder written from the spec here is the reference: the
 * parser must hand out exactly the pairs it finds (REQUEST), or fail
 * (ERROR) exactly when it finds a truncated pair, an empty name or a NUL
 * in a name.  GET_VALUES must be answered (REPLY) exactly when the pairs
 * are whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>		/* libfcgi: wire structs and constants */

#include "buf.h"
#include "fastcgi.h"
#include "fuzz.h"
#include "request.h"

#define ID	0x1234

enum ref_result { REF_OK, REF_TRUNCATED, REF_BAD_NAME };

struct ref_pair {
	const uint8_t	*name, *value;
	size_t		 nlen, vlen;
};

static int
ref_len(const uint8_t *d, size_t size, size_t *off, size_t *len)
{
	if (*off >= size)
		return -1;
	if (d[*off] < 0x80) {
		*len = d[(*off)++];
		return 0;
	}
	if (size - *off < 4)
		return -1;
	*len = ((size_t)d[*off] & 0x7f) << 24 | (size_t)d[*off + 1] << 16 |
	    (size_t)d[*off + 2] << 8 | d[*off + 3];
	*off += 4;
	return 0;
}

/*
 * The pairs of d[0..size), into *pairs (caller frees) when REF_OK.  Names
 * are checked in order with truncation, as a streaming decoder sees them.
 */
static enum ref_result
ref_decode(const uint8_t *d, size_t size, struct ref_pair **pairs, size_t *n)
{
	struct ref_pair	*v;
	size_t		 off = 0, nlen, vlen;

	*n = 0;
	*pairs = NULL;
	/* Each pair takes at least 2 bytes. */
	FUZZ_CHECK((v = calloc(size / 2 + 1, sizeof(*v))) != NULL);
	while (off < size) {
		if (ref_len(d, size, &off, &nlen) == -1 ||
		    ref_len(d, size, &off, &vlen) == -1 ||
		    nlen > size - off || vlen > size - off - nlen) {
			free(v);
			return REF_TRUNCATED;
		}
		if (nlen == 0 || memchr(d + off, '\0', nlen) != NULL) {
			free(v);
			return REF_BAD_NAME;
		}
		v[*n].name = d + off;
		v[*n].nlen = nlen;
		v[*n].value = d + off + nlen;
		v[*n].vlen = vlen;
		(*n)++;
		off += nlen + vlen;
	}
	*pairs = v;
	return REF_OK;
}

/* GET_VALUES checks the lengths only: names may be anything there. */
static int
ref_whole(const uint8_t *d, size_t size)
{
	size_t	 off = 0, nlen, vlen;

	while (off < size)
		if (ref_len(d, size, &off, &nlen) == -1 ||
		    ref_len(d, size, &off, &vlen) == -1 ||
		    nlen > size - off || vlen > size - off - nlen)
			return 0;
		else
			off += nlen + vlen;
	return 1;
}

static void
header(struct buf *b, unsigned type, unsigned id, size_t clen)
{
	uint8_t	 h[FCGI_HEADER_LEN];

	h[0] = FCGI_VERSION_1;
	h[1] = (uint8_t)type;
	h[2] = (uint8_t)(id >> 8);
	h[3] = (uint8_t)id;
	h[4] = (uint8_t)(clen >> 8);
	h[5] = (uint8_t)clen;
	h[6] = 0;
	h[7] = 0;
	FUZZ_CHECK(buf_add(b, h, sizeof(h)) == 0);
}

/* Every event until NEED_MORE or ERROR; returns the last one's type. */
static enum request_event_type
parse_all(struct fastcgi_parser *p, const struct buf *in,
    struct request **req, struct buf *reply, const char **errstr)
{
	struct request_event	 ev;
	const uint8_t		*d = (const uint8_t *)in->data;
	size_t			 len = in->len, used;

	for (;;) {
		fastcgi_parse(p, d, len, &used, &ev);
		FUZZ_CHECK(used <= len);
		switch (ev.type) {
		case REQ_EV_REQUEST:
			FUZZ_CHECK(*req == NULL);
			*req = ev.req;
			break;
		case REQ_EV_REPLY:
			FUZZ_CHECK(buf_add(reply, ev.reply, ev.reply_len) == 0);
			break;
		case REQ_EV_ERROR:
			FUZZ_CHECK(ev.errstr != NULL);
			*errstr = ev.errstr;
			return ev.type;
		case REQ_EV_NEED_MORE:
			FUZZ_CHECK(used == len);
			return ev.type;
		default:
			FUZZ_CHECK(!"unexpected event");
		}
		d += used;
		len -= used;
	}
}

static void
params_stream(const uint8_t *data, size_t size)
{
	static const struct codec_limits	 l = {
		.max_body_size = 1 << 20, .max_params_size = 1 << 24,
		.max_conns = 16, .max_reqs = 8, .max_params = SIZE_MAX,
		.max_param_length = SIZE_MAX
	};
	static const uint8_t	 begin[] = { 0, FCGI_RESPONDER, FCGI_KEEP_CONN,
				     0, 0, 0, 0, 0 };
	struct fastcgi_parser	*p;
	struct request		*req = NULL;
	struct ref_pair		*pairs;
	struct buf		 in = BUF_INIT, reply = BUF_INIT;
	enum request_event_type	 t;
	enum ref_result		 ref;
	const char		*errstr = NULL;
	size_t			 off, n, i;

	header(&in, FCGI_BEGIN_REQUEST, ID, sizeof(begin));
	FUZZ_CHECK(buf_add(&in, begin, sizeof(begin)) == 0);
	for (off = 0; off < size; off += n) {
		n = size - off < FCGI_MAX_LENGTH ? size - off : FCGI_MAX_LENGTH;
		header(&in, FCGI_PARAMS, ID, n);
		FUZZ_CHECK(buf_add(&in, data + off, n) == 0);
	}
	header(&in, FCGI_PARAMS, ID, 0);
	header(&in, FCGI_STDIN, ID, 0);

	FUZZ_CHECK((p = fastcgi_parser_new(&l)) != NULL);
	t = parse_all(p, &in, &req, &reply, &errstr);
	FUZZ_CHECK(reply.len == 0);
	ref = ref_decode(data, size, &pairs, &n);
	if (ref != REF_OK) {
		FUZZ_CHECK(t == REQ_EV_ERROR && req == NULL);
		FUZZ_CHECK(strstr(errstr, ref == REF_TRUNCATED ?
		    "truncated name-value pair" : "param name") != NULL);
		goto out;
	}
	FUZZ_CHECK(t == REQ_EV_NEED_MORE && req != NULL);
	fuzz_check_request(req);
	FUZZ_CHECK(req->id == ID && req->keep_conn == 1);
	FUZZ_CHECK(req->body == NULL && req->nparams == n);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(strlen(req->params[i].name) == pairs[i].nlen);
		FUZZ_CHECK(memcmp(req->params[i].name, pairs[i].name,
		    pairs[i].nlen) == 0);
		FUZZ_CHECK(req->params[i].value_len == pairs[i].vlen);
		FUZZ_CHECK(pairs[i].vlen == 0 || memcmp(req->params[i].value,
		    pairs[i].value, pairs[i].vlen) == 0);
	}
	fastcgi_request_done(p, ID);
out:
	free(pairs);
	request_free(req);
	fastcgi_parser_free(p);
	buf_free(&in);
	buf_free(&reply);
}

static void
get_values(const uint8_t *data, size_t size)
{
	static const struct codec_limits	 l = {
		.max_body_size = 1 << 20, .max_params_size = 1 << 16,
		.max_conns = 16, .max_reqs = 8, .max_params = SIZE_MAX,
		.max_param_length = SIZE_MAX
	};
	struct fastcgi_parser	*p;
	struct request		*req = NULL;
	struct buf		 in = BUF_INIT, reply = BUF_INIT;
	enum request_event_type	 t;
	const char		*errstr = NULL;
	const uint8_t		*r;

	if (size > FCGI_MAX_LENGTH)
		return;
	header(&in, FCGI_GET_VALUES, FCGI_NULL_REQUEST_ID, size);
	FUZZ_CHECK(buf_add(&in, data, size) == 0);
	FUZZ_CHECK((p = fastcgi_parser_new(&l)) != NULL);
	t = parse_all(p, &in, &req, &reply, &errstr);
	FUZZ_CHECK(req == NULL);
	if (ref_whole(data, size)) {
		FUZZ_CHECK(t == REQ_EV_NEED_MORE);
		FUZZ_CHECK(reply.len >= FCGI_HEADER_LEN);
		r = (const uint8_t *)reply.data;
		FUZZ_CHECK(r[1] == FCGI_GET_VALUES_RESULT);
		FUZZ_CHECK(reply.len == FCGI_HEADER_LEN +
		    ((size_t)r[4] << 8 | r[5]) + r[6]);
		/* At most the three names we know, each once. */
		FUZZ_CHECK(reply.len <= FCGI_HEADER_LEN + 80);
	} else
		FUZZ_CHECK(t == REQ_EV_ERROR && reply.len == 0);
	fastcgi_parser_free(p);
	buf_free(&in);
	buf_free(&reply);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	params_stream(data, size);
	get_values(data, size);
	return 0;
}
