/*
 * CGI rules read off a request's params (cgi.h): the path, the query
 * string, percent-decoding, and the one place they are derived for a
 * request (cgi_derive).  Pure: no I/O.
 */
#include <stdlib.h>
#include <string.h>

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

/* QUERY_STRING, else the part of REQUEST_URI after '?', else "". */
static const char *
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

/*
 * nginx's DOCUMENT_URI is $uri, already decoded and normalised: the first
 * choice.  The rid and the path share one block: a request costs one
 * allocation here, whichever param the path comes from.
 */
int
cgi_derive(struct request *r, const char *rid)
{
	const char	*uri, *info = "";
	size_t		 ridlen = strlen(rid), len, infolen;
	char		*block, *path;
	int		 decode = 0;

	if ((uri = request_param(r, "DOCUMENT_URI")) == NULL || *uri == '\0') {
		if ((uri = request_param(r, "SCRIPT_NAME")) != NULL) {
			if ((info = request_param(r, "PATH_INFO")) == NULL)
				info = "";
		} else if ((uri = request_param(r, "REQUEST_URI")) != NULL)
			decode = 1;
		else
			uri = "";
	}
	len = decode ? strcspn(uri, "?") : strlen(uri);
	infolen = strlen(info);
	/* rid NUL, path NUL; "/" fits too (len + infolen + 1 >= 1). */
	if ((block = malloc(ridlen + 1 + len + infolen + 2)) == NULL)
		return -1;
	memcpy(block, rid, ridlen + 1);
	path = block + ridlen + 1;
	if (decode)
		len = cgi_urldecode(path, uri, len, 0);
	else {
		memcpy(path, uri, len);
		memcpy(path + len, info, infolen + 1);
		len += infolen;
	}
	if (len == 0) {
		memcpy(path, "/", 2);
		len = 1;
	}
	free(r->derived);
	r->derived = block;
	r->rid = block;
	r->path = path;
	r->path_len = len;
	r->query = cgi_query(r);
	return 0;
}
