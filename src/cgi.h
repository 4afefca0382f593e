/*
 * CGI rules read off a request's params: which param gives the path and
 * the query string, and percent-decoding.  Pure: no I/O.
 */
#ifndef FCGISERVE_CGI_H
#define FCGISERVE_CGI_H

#include <stddef.h>

#include "request.h"

/*
 * Percent-decodes src[0..len) into dst (which must hold len + 1 bytes);
 * with plus_is_space, '+' becomes ' ' (query strings).  Invalid escapes are
 * kept literally.  Returns the decoded length; dst is NUL-terminated.
 */
size_t	cgi_urldecode(char *dst, const char *src, size_t len,
	    int plus_is_space);
/*
 * Fills in what every reader of a complete request wants, once: rid (the
 * worker's choice, copied), the path as the handler's req.path has it
 * (DOCUMENT_URI, else SCRIPT_NAME .. PATH_INFO, else REQUEST_URI before
 * '?' percent-decoded; "/" when all are missing or empty) and the raw
 * query string (QUERY_STRING, else REQUEST_URI after '?', else "").  One
 * allocation, freed with the request; calling it again replaces it.
 * Returns 0, or -1 (ENOMEM) leaving req as it was.
 */
int	cgi_derive(struct request *req, const char *rid);

#endif
