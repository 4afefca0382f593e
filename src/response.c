/*
 * CGI-style responses and the one JSON error shape.  Shared by the child
 * (handler results) and the worker (503, 504, 500 after a crash, 413).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "response.h"

static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" },			{ 201, "Created" },
	{ 202, "Accepted" },		{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },		{ 205, "Reset Content" },
	{ 206, "Partial Content" },	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },	{ 302, "Found" },
	{ 303, "See Other" },		{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },		{ 401, "Unauthorized" },
	{ 402, "Payment Required" },	{ 403, "Forbidden" },
	{ 404, "Not Found" },		{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },	{ 408, "Request Timeout" },
	{ 409, "Conflict" },		{ 410, "Gone" },
	{ 411, "Length Required" },	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },	{ 418, "I'm a teapot" },
	{ 421, "Misdirected Request" },	{ 422, "Unprocessable Content" },
	{ 423, "Locked" },		{ 424, "Failed Dependency" },
	{ 425, "Too Early" },		{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 451, "Unavailable For Legal Reasons" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" },		{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },	{ 505, "HTTP Version Not Supported" },
	{ 507, "Insufficient Storage" }, { 508, "Loop Detected" },
	{ 511, "Network Authentication Required" },
};

const char *
response_reason(int status)
{
	size_t	i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

int
response_status_valid(long long status)
{
	return status >= 200 && status <= 599;
}

int
response_status(struct buf *b, int status)
{
	return buf_printf(b, "Status: %d %s\r\n", status,
	    response_reason(status));
}

/* RFC 9110 token characters. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int
response_header(struct buf *b, const char *name, const char *value,
    size_t value_len)
{
	size_t	i;

	if (name[0] == '\0')
		return -2;
	for (i = 0; name[i] != '\0'; i++)
		if (!is_tchar((unsigned char)name[i]))
			return -2;
	/* CR, LF or NUL would let a handler inject headers or a body. */
	for (i = 0; i < value_len; i++)
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			return -2;
	if (buf_adds(b, name) == -1 || buf_add(b, ": ", 2) == -1 ||
	    buf_add(b, value, value_len) == -1 || buf_add(b, "\r\n", 2) == -1)
		return -1;
	return 0;
}

int
response_finish(struct buf *b, const char *content_type, const void *body,
    size_t body_len)
{
	if (body == NULL)		/* 204, 304: no body, no length */
		return buf_add(b, "\r\n", 2);
	if (content_type != NULL && body_len > 0 &&
	    buf_printf(b, "Content-Type: %s\r\n", content_type) == -1)
		return -1;
	if (buf_printf(b, "Content-Length: %zu\r\n\r\n", body_len) == -1)
		return -1;
	return buf_add(b, body, body_len);
}

static int
dump_to_buf(const char *data, size_t len, void *arg)
{
	return buf_add(arg, data, len);
}

int
response_error(struct buf *b, int status, const char *message,
    const char *request_id, const char *extra_headers)
{
	struct buf	 text = BUF_INIT;
	json_t		*j;
	int		 rc = -1;

	j = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", status,
	    "message", message, "request_id", request_id ? request_id : "");
	if (j == NULL)
		return -1;
	if (json_dump_callback(j, dump_to_buf, &text, JSON_COMPACT) == 0 &&
	    response_status(b, status) == 0 &&
	    (extra_headers == NULL || buf_adds(b, extra_headers) == 0) &&
	    response_finish(b, "application/json", text.data, text.len) == 0)
		rc = 0;
	json_decref(j);
	buf_free(&text);
	return rc;
}

void
response_summary(const char *data, size_t len, int *status, size_t *body_len)
{
	const char	*end;
	size_t		 i;

	*status = 200;
	*body_len = 0;
	if (len >= 8 && memcmp(data, "Status: ", 8) == 0) {
		*status = 0;
		for (i = 8; i < 11 && i < len && data[i] >= '0' &&
		    data[i] <= '9'; i++)
			*status = *status * 10 + (data[i] - '0');
		if (i != 11 || (i < len && data[i] != ' ' && data[i] != '\r'))
			*status = 0;
	}
	if ((end = memmem(data, len, "\r\n\r\n", 4)) != NULL)
		*body_len = len - (size_t)(end + 4 - data);
}

size_t
response_head_len(const char *data, size_t len)
{
	const char	*end;

	if ((end = memmem(data, len, "\r\n\r\n", 4)) == NULL)
		return len;
	return (size_t)(end + 4 - data);
}
