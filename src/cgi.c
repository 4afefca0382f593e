/*
 * CGI rules read off a request's params (cgi.h): the path, the query
 * string, percent-decoding.  Pure: no I/O.
 */
#include <string.h>

#include "buf.h"
#include "cgi.h"
#include "request.h"

static int
cgi_hexval(char c)
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
cgi_urldecode(char *dst, const char *src, size_t len, int plus_is_space)
{
	size_t	 i, o;
	int	 hi, lo;

	for (i = o = 0; i < len; i++) {
		if (src[i] == '%' && i + 2 < len &&
		    (hi = cgi_hexval(src[i + 1])) != -1 &&
		    (lo = cgi_hexval(src[i + 2])) != -1) {
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
cgi_path(const struct request *r, struct buf *out)
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
		out->len = cgi_urldecode(out->data, uri, len, 0);
	}
	if (out->len == 0 && buf_adds(out, "/") == -1)
		return -1;
	return 0;
}

/* QUERY_STRING, else the part of REQUEST_URI after '?', else "". */
const char *
cgi_query(const struct request *r)
{
	const char	*qs, *uri;

	if ((qs = request_param(r, "QUERY_STRING")) != NULL)
		return qs;
	if ((uri = request_param(r, "REQUEST_URI")) != NULL &&
	    (qs = strchr(uri, '?')) != NULL)
		return qs + 1;
	return "";
}
