/*
 * The spare wire format (wire.h): a request packed into one message for a
 * pipe, and unpacked in place by the child.  Pure: no I/O.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "request.h"
#include "wire.h"

/*
 * A packed request: this header, the param table (offsets from the start
 * of the message in place of pointers), what cgi_derive gave the request
 * (rid, path, query), the params' text and the body, each string
 * NUL-terminated.  Worker and child are the same binary, so native
 * layout and byte order are fine.
 */
struct wire_packed {
	uint32_t	len;		/* the whole message; first:
					   wire_packed_len reads it */
	uint32_t	nparams;
	uint32_t	rid_off;
	uint32_t	path_off;
	uint32_t	path_len;
	uint32_t	query_off;
	uint32_t	body_off;
	uint32_t	body_len;
	uint16_t	id;
	uint8_t		keep_conn;
	uint8_t		job;
	uint8_t		pad[4];		/* the times after it are aligned */
	uint64_t	deadline_ns;	/* request.h: the child's times */
	uint64_t	after_ms;
	uint64_t	stream_ms;
	uint64_t	idle_ms;
};
_Static_assert(sizeof(struct wire_packed) % _Alignof(struct request_param) ==
    0, "the param table after the header must be aligned");

/*
 * The derived strings travel with the request rather than being derived
 * again in the child: unpacking must not allocate (wire.h), and the
 * worker has them already.
 */
int
wire_pack(const struct request *req, struct buf *out)
{
	struct wire_packed	 h;
	struct request_param	 p;
	size_t			 len, off, ridlen, querylen, i;

	if (req->rid == NULL || req->path == NULL || req->query == NULL) {
		errno = EINVAL;			/* not derived */
		return -1;
	}
	ridlen = strlen(req->rid);
	querylen = strlen(req->query);
	len = sizeof(h) + req->nparams * sizeof(p) + ridlen + 1 +
	    req->path_len + 1 + querylen + 1;
	for (i = 0; i < req->nparams; i++)
		len += strlen(req->params[i].name) + 1 +
		    req->params[i].value_len + 1;
	len += req->body_len + 1;
	if (len > UINT32_MAX || buf_reserve(out, len) == -1) {
		errno = ENOMEM;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.len = (uint32_t)len;
	h.deadline_ns = req->deadline_ns;
	h.after_ms = req->after_ms;
	h.stream_ms = req->stream_ms;
	h.idle_ms = req->idle_ms;
	h.nparams = (uint32_t)req->nparams;
	h.id = req->id;
	h.keep_conn = req->keep_conn;
	h.job = req->job;
	off = sizeof(h) + req->nparams * sizeof(p);
	h.rid_off = (uint32_t)off;
	off += ridlen + 1;
	h.path_off = (uint32_t)off;
	h.path_len = (uint32_t)req->path_len;
	off += req->path_len + 1;
	h.query_off = (uint32_t)off;
	off += querylen + 1;
	h.body_off = (uint32_t)(len - req->body_len - 1);
	h.body_len = (uint32_t)req->body_len;
	/* The table: offsets where pointers will be. */
	buf_add(out, &h, sizeof(h));
	for (i = 0; i < req->nparams; i++) {
		memset(&p, 0, sizeof(p));
		p.name = (char *)(uintptr_t)off;
		off += strlen(req->params[i].name) + 1;
		p.value = (char *)(uintptr_t)off;
		p.value_len = req->params[i].value_len;
		off += p.value_len + 1;
		buf_add(out, &p, sizeof(p));
	}
	buf_add(out, req->rid, ridlen + 1);
	buf_add(out, req->path, req->path_len);
	buf_add(out, "", 1);
	buf_add(out, req->query, querylen + 1);
	for (i = 0; i < req->nparams; i++) {
		buf_add(out, req->params[i].name,
		    strlen(req->params[i].name) + 1);
		buf_add(out, req->params[i].value, req->params[i].value_len);
		buf_add(out, "", 1);
	}
	if (req->body_len > 0)
		buf_add(out, req->body, req->body_len);
	buf_add(out, "", 1);
	return 0;
}

size_t
wire_packed_len(const char *msg)
{
	uint32_t	len;

	memcpy(&len, msg, sizeof(len));
	return len;
}

/*
 * A NUL-terminated string of n bytes at off, inside msg[0..len) and after
 * the table (strings: its end), which unpacking rewrites: a string there
 * would lose the NUL it was checked for.
 */
static int
wire_string_at(const char *msg, size_t len, size_t strings, size_t off,
    size_t n)
{
	return off >= strings && off < len && n < len - off &&
	    msg[off + n] == '\0';
}

/* The same for a string whose length is not given. */
static int
wire_cstring_at(const char *msg, size_t len, size_t strings, size_t off)
{
	return off >= strings && off < len &&
	    strnlen(msg + off, len - off) < len - off;
}

int
wire_unpack(char *msg, size_t len, struct request *req)
{
	struct wire_packed	 h;
	struct request_param	*params;
	size_t			 i, strings;

	if (len < sizeof(h) || ((uintptr_t)msg & (sizeof(void *) - 1)) != 0)
		return -1;
	memcpy(&h, msg, sizeof(h));
	if (h.len != len || h.nparams > (len - sizeof(h)) / sizeof(*params))
		return -1;
	/* Strings come after the table, which is rewritten below. */
	strings = sizeof(h) + h.nparams * sizeof(*params);
	params = (struct request_param *)(msg + sizeof(h));
	for (i = 0; i < h.nparams; i++) {
		if (!wire_cstring_at(msg, len, strings,
		    (uintptr_t)params[i].name) ||
		    !wire_string_at(msg, len, strings,
		    (uintptr_t)params[i].value, params[i].value_len))
			return -1;
		params[i].name = msg + (uintptr_t)params[i].name;
		params[i].value = msg + (uintptr_t)params[i].value;
	}
	if (!wire_cstring_at(msg, len, strings, h.rid_off) ||
	    !wire_string_at(msg, len, strings, h.path_off, h.path_len) ||
	    !wire_cstring_at(msg, len, strings, h.query_off) ||
	    !wire_string_at(msg, len, strings, h.body_off, h.body_len))
		return -1;
	memset(req, 0, sizeof(*req));
	req->id = h.id;
	req->keep_conn = h.keep_conn != 0;
	req->job = h.job;
	req->params = params;
	req->nparams = req->params_cap = h.nparams;
	req->body = h.body_len > 0 ? msg + h.body_off : NULL;
	req->body_len = h.body_len;
	req->rid = msg + h.rid_off;
	req->path = msg + h.path_off;
	req->path_len = h.path_len;
	req->query = msg + h.query_off;
	req->deadline_ns = h.deadline_ns;
	req->after_ms = h.after_ms;
	req->stream_ms = h.stream_ms;
	req->idle_ms = h.idle_ms;
	return 0;
}
