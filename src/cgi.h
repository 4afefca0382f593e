/*
 * CGI rules read off a request's params: which param gives the path and
 * the query string, and percent-decoding.  Pure: no I/O.
 */
#ifndef FCGISERVE_CGI_H
#define FCGISERVE_CGI_H

#include <stddef.h>

#include "buf.h"
#include "request.h"

/*
 * Percent-decodes src[0..len) into dst (which must hold len + 1 bytes);
 * with plus_is_space, '+' becomes ' ' (query strings).  Invalid escapes are
 * kept literally.  Returns the decoded length; dst is NUL-terminated.
 */
size_t		 cgi_urldecode(char *dst, const char *src, size_t len,
		    int plus_is_space);
/*
 * The request's path as the handler's req.path has it (nginx's decoded
 * DOCUMENT_URI first), into out; never empty.  Returns 0, or -1 (ENOMEM).
 */
int		 cgi_path(const struct request *, struct buf *out);
/* The raw query string: QUERY_STRING, or REQUEST_URI after '?', or "". */
const char	*cgi_query(const struct request *);

#endif
