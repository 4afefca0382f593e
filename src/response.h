/*
 * CGI-style responses ("Status: 200 OK\r\nHeader: v\r\n\r\nbody") as both
 * the child and the worker produce them, and the one JSON error shape:
 *   {"error":{"status":404,"message":"not found","request_id":"..."}}
 * The bytes are the same for FastCGI and SCGI; only framing differs.
 */
#ifndef FCGISERVE_RESPONSE_H
#define FCGISERVE_RESPONSE_H

#include <stddef.h>

#include "buf.h"

/* "Not Found" for 404; "Unknown" for codes without a standard phrase. */
const char	*response_reason(int status);
/* Valid HTTP status for a handler to return: 200..599. */
int		 response_status_valid(long long status);
/* Appends "Status: <code> <reason>\r\n". */
int		 response_status(struct buf *, int status);
/*
 * Appends "name: value\r\n" after checking that name is an HTTP token and
 * value holds no CR, LF or NUL.  Returns 0, -1 on ENOMEM, -2 if invalid.
 */
int		 response_header(struct buf *, const char *name,
		    const char *value, size_t value_len);
/*
 * Appends Content-Type (when there is a body and content_type is set),
 * Content-Length, the blank line and the body.  body == NULL means "no
 * body at all" (204, 304): only the blank line is appended.
 */
int		 response_finish(struct buf *, const char *content_type,
		    const void *body, size_t body_len);
/*
 * A complete JSON error response.  extra_headers is NULL or preformatted
 * "Name: value\r\n" lines (e.g. "Allow: GET, POST\r\n").
 */
int		 response_error(struct buf *, int status, const char *message,
		    const char *request_id, const char *extra_headers);
/*
 * What the access log and the counters need of a complete response (ours
 * or a child's): the status of its leading "Status:" line (200 without
 * one, 0 if malformed) and the length of the body after the blank line.
 */
void		 response_summary(const char *data, size_t len, int *status,
		    size_t *body_len);
/*
 * The length of a complete response's status line and headers, blank line
 * included: what a HEAD request is sent (RFC 3875 4.3.2: no body, the
 * headers a GET would have, Content-Length too).
 */
size_t		 response_head_len(const char *data, size_t len);

#endif
