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
 * of the message in place of pointers), the request id, the params' text
 * and the body, each string NUL-terminated.  Worker and child are the
 * same binary, so native layout and byte order are fine.
 */
struct wire_packed {
	uint32_t	len;		/* the whole message */
	uint32_t	nparams;
	uint32_t	rid_off;
	uint32_t	body_off;
	uint32_t	body_len;
	uint16_t	id;
	uint8_t		keep_conn;
	uint8_t		pad;
};

int
wire_pack(const struct request *req, const char *rid, struct buf *out)
{
	struct wire_packed	 h;
	struct request_param	 p;
	size_t			 len, off, ridlen, i;

	ridlen = strlen(rid);
	len = sizeof(h) + req->nparams * sizeof(p) + ridlen + 1;
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
	h.nparams = (uint32_t)req->nparams;
	h.id = req->id;
	h.keep_conn = req->keep_conn;
	off = sizeof(h) + req->nparams * sizeof(p);
	h.rid_off = (uint32_t)off;
	h.body_off = (uint32_t)(len - req->body_len - 1);
	h.body_len = (uint32_t)req->body_len;
	off += ridlen + 1;
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
	buf_add(out, rid, ridlen + 1);
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

/* A NUL-terminated string of n bytes at off, inside msg[0..len). */
static int
wire_string_at(const char *msg, size_t len, size_t off, size_t n)
{
	return off < len && n < len - off && msg[off + n] == '\0';
}

int
wire_unpack(char *msg, size_t len, struct request *req, const char **rid)
{
	struct wire_packed	 h;
	struct request_param	*params;
	size_t			 i, off, n, strings;

	if (len < sizeof(h) || ((uintptr_t)msg & (sizeof(void *) - 1)) != 0)
		return -1;
	memcpy(&h, msg, sizeof(h));
	if (h.len != len || h.nparams > (len - sizeof(h)) / sizeof(*params))
		return -1;
	/* Strings come after the table, which is rewritten below. */
	strings = sizeof(h) + h.nparams * sizeof(*params);
	params = (struct request_param *)(msg + sizeof(h));
	for (i = 0; i < h.nparams; i++) {
		off = (uintptr_t)params[i].name;
		if (off < strings || off >= len ||
		    (n = strnlen(msg + off, len - off)) == len - off)
			return -1;
		params[i].name = msg + off;
		off = (uintptr_t)params[i].value;
		if (off < strings ||
		    !wire_string_at(msg, len, off, params[i].value_len))
			return -1;
		params[i].value = msg + off;
	}
	if (h.rid_off < strings || h.body_off < strings ||
	    h.rid_off >= len || strnlen(msg + h.rid_off, len - h.rid_off) ==
	    len - h.rid_off ||
	    !wire_string_at(msg, len, h.body_off, h.body_len))
		return -1;
	memset(req, 0, sizeof(*req));
	req->id = h.id;
	req->keep_conn = h.keep_conn != 0;
	req->params = params;
	req->nparams = req->params_cap = h.nparams;
	req->body = h.body_len > 0 ? msg + h.body_off : NULL;
	req->body_len = h.body_len;
	*rid = msg + h.rid_off;
	return 0;
}
