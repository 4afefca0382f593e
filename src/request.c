/*
 * The request container the codecs fill and the worker and child read:
 * CGI params and the body.  Pure data, no I/O.
 *
 * Each param's name and value share one allocation (name first, then
 * value), so a request with N params costs N + 2 allocations; only
 * request_free() releases them.  The body keeps one spare byte so it is
 * always NUL-terminated, which lets callers hand it to text APIs safely.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"

#define REQUEST_PARAMS_MIN	32	/* nginx's fastcgi_params sends ~20 */
#define REQUEST_BODY_MIN	1024
#define REQUEST_NAME_SHOWN	32	/* name bytes in a limit message */

struct request *
request_new(uint16_t id)
{
	struct request	*req;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->id = id;
	return req;
}

void
request_free(struct request *req)
{
	size_t	 i;

	if (req == NULL)
		return;
	for (i = 0; i < req->nparams; i++)
		free(req->params[i].name);	/* and the value with it */
	free(req->params);
	free(req->body);
	free(req);
}

int
request_add_param(struct request *req, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	struct request_param	*params, *p;
	size_t			 cap;
	char			*block;

	if (name_len > SIZE_MAX / 2 - 1 || value_len > SIZE_MAX / 2 - 1) {
		errno = ENOMEM;
		return -1;
	}
	if (req->nparams == req->params_cap) {
		cap = req->params_cap ? req->params_cap * 2 :
		    REQUEST_PARAMS_MIN;
		if (cap > SIZE_MAX / sizeof(*params)) {
			errno = ENOMEM;
			return -1;
		}
		params = realloc(req->params, cap * sizeof(*params));
		if (params == NULL)
			return -1;
		req->params = params;
		req->params_cap = cap;
	}
	if ((block = malloc(name_len + 1 + value_len + 1)) == NULL)
		return -1;
	p = &req->params[req->nparams++];
	p->name = block;
	p->value = block + name_len + 1;
	p->value_len = value_len;
	if (name_len > 0)
		memcpy(p->name, name, name_len);
	p->name[name_len] = '\0';
	if (value_len > 0)
		memcpy(p->value, value, value_len);
	p->value[value_len] = '\0';
	return 0;
}

/* Doubles the capacity so a body fed in many small records costs O(n). */
int
request_append_body(struct request *req, const void *data, size_t len)
{
	size_t	 need, cap;
	char	*body;

	if (len == 0)
		return 0;
	if (len > SIZE_MAX - req->body_len - 1) {
		errno = ENOMEM;
		return -1;
	}
	need = req->body_len + len + 1;
	if (need > req->body_cap) {
		cap = req->body_cap ? req->body_cap : REQUEST_BODY_MIN;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if ((body = realloc(req->body, cap)) == NULL)
			return -1;
		req->body = body;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

const char *
request_param(const struct request *req, const char *name)
{
	size_t	 i;

	/* The last: a site's "fastcgi_param NAME v;" after the stock file's. */
	for (i = req->nparams; i > 0; i--)
		if (strcmp(req->params[i - 1].name, name) == 0)
			return req->params[i - 1].value;
	return NULL;
}

size_t
request_params_wire_max(const struct codec_limits *l, size_t per_param)
{
	if (per_param > 0 &&
	    l->max_params > (SIZE_MAX - l->max_params_size) / per_param)
		return SIZE_MAX;
	return l->max_params_size + l->max_params * per_param;
}

/* A peer's param name made safe for a log line: short and printable. */
static const char *
request_shown(char dst[REQUEST_NAME_SHOWN + 4], const char *name,
    size_t nlen)
{
	size_t	 i;

	for (i = 0; i < nlen && i < REQUEST_NAME_SHOWN; i++)
		dst[i] = name[i] >= 0x20 && name[i] <= 0x7e ? name[i] : '?';
	if (i < nlen) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

/*
 * The count comes first, so a flood of params is reported as such; the
 * total is checked without overflow whatever the lengths.
 */
const char *
request_limit_param(const struct codec_limits *l, size_t *count,
    size_t *total, const char *name, size_t nlen, size_t vlen, char *buf,
    size_t buflen)
{
	char	 shown[REQUEST_NAME_SHOWN + 4];

	if (*count >= l->max_params)
		snprintf(buf, buflen, "more than max_params (%zu) params",
		    l->max_params);
	else if (nlen > l->max_param_length)
		snprintf(buf, buflen, "param name %s of %zu bytes is longer "
		    "than max_param_length (%zu)", request_shown(shown, name,
		    nlen), nlen, l->max_param_length);
	else if (vlen > l->max_param_length)
		snprintf(buf, buflen, "param %s of %zu bytes is longer than "
		    "max_param_length (%zu)", request_shown(shown, name, nlen),
		    vlen, l->max_param_length);
	else if (*total > l->max_params_size ||
	    nlen > l->max_params_size - *total ||
	    vlen > l->max_params_size - *total - nlen)
		snprintf(buf, buflen, "params longer than max_params_size "
		    "(%zu bytes) at param %s", l->max_params_size,
		    request_shown(shown, name, nlen));
	else {
		(*count)++;
		*total += nlen + vlen;
		return NULL;
	}
	return buf;
}

static int
request_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* dst may equal src: the write position never passes the read position. */
size_t
request_urldecode(char *dst, const char *src, size_t len, int plus_is_space)
{
	size_t	 i, o;
	int	 hi, lo;

	for (i = o = 0; i < len; i++) {
		if (src[i] == '%' && i + 2 < len &&
		    (hi = request_hexval(src[i + 1])) != -1 &&
		    (lo = request_hexval(src[i + 2])) != -1) {
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (src[i] == '+' && plus_is_space)
			dst[o++] = ' ';
		else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
	return o;
}

/*
 * The request's path as req.path has it (lua_req.c): DOCUMENT_URI, else
 * SCRIPT_NAME .. PATH_INFO, else REQUEST_URI before '?', percent-decoded;
 * "/" when all are missing or empty.  For the worker (status and ping
 * paths, the access log), which never builds a Lua req.
 */
int
request_path(const struct request *r, struct buf *out)
{
	const char	*uri, *info;
	size_t		 len;

	buf_reset(out);
	if ((uri = request_param(r, "DOCUMENT_URI")) != NULL && *uri != '\0') {
		if (buf_adds(out, uri) == -1)
			return -1;
	} else if ((uri = request_param(r, "SCRIPT_NAME")) != NULL) {
		info = request_param(r, "PATH_INFO");
		if (buf_adds(out, uri) == -1 ||
		    buf_adds(out, info != NULL ? info : "") == -1)
			return -1;
	} else if ((uri = request_param(r, "REQUEST_URI")) != NULL) {
		len = strcspn(uri, "?");
		if (buf_reserve(out, len + 1) == -1)
			return -1;
		out->len = request_urldecode(out->data, uri, len, 0);
	}
	if (out->len == 0 && buf_adds(out, "/") == -1)
		return -1;
	return 0;
}

/* QUERY_STRING, else the part of REQUEST_URI after '?', else "". */
const char *
request_query(const struct request *r)
{
	const char	*qs, *uri;

	if ((qs = request_param(r, "QUERY_STRING")) != NULL)
		return qs;
	if ((uri = request_param(r, "REQUEST_URI")) != NULL &&
	    (qs = strchr(uri, '?')) != NULL)
		return qs + 1;
	return "";
}

/*
 * A packed request: this header, the param table (offsets from the start
 * of the message in place of pointers), the request id, the params' text
 * and the body, each string NUL-terminated.  Worker and child are the
 * same binary, so native layout and byte order are fine.
 */
struct request_packed {
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
request_pack(const struct request *req, const char *rid, struct buf *out)
{
	struct request_packed	 h;
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
request_packed_len(const char *msg)
{
	uint32_t	len;

	memcpy(&len, msg, sizeof(len));
	return len;
}

/* A NUL-terminated string of n bytes at off, inside msg[0..len). */
static int
string_at(const char *msg, size_t len, size_t off, size_t n)
{
	return off < len && n < len - off && msg[off + n] == '\0';
}

int
request_unpack(char *msg, size_t len, struct request *req, const char **rid)
{
	struct request_packed	 h;
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
		    !string_at(msg, len, off, params[i].value_len))
			return -1;
		params[i].value = msg + off;
	}
	if (h.rid_off < strings || h.body_off < strings ||
	    h.rid_off >= len || strnlen(msg + h.rid_off, len - h.rid_off) ==
	    len - h.rid_off || !string_at(msg, len, h.body_off, h.body_len))
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
