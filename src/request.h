/*
 * A request as the codecs hand it to the worker: the CGI params and the body,
 * independent of the wire protocol (FastCGI or SCGI), and what the worker
 * derives from them once it is complete (cgi_derive).  Pure data, no I/O.
 */
#ifndef FCGISERVE_REQUEST_H
#define FCGISERVE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

struct request_param {
	char		*name;		/* NUL-terminated */
	char		*value;		/* NUL-terminated (may hold NULs) */
	size_t		 value_len;
};

struct request {
	uint16_t		 id;		/* FastCGI request id; 0 for SCGI */
	unsigned		 keep_conn:1;	/* FCGI_KEEP_CONN was set */
	uint8_t			 job;		/* 0; or a periodic job's number
						   (fcgiserve.every), made by
						   the worker, never a peer */
	struct request_param	*params;
	size_t			 nparams;
	size_t			 params_cap;
	char			*body;		/* NULL when empty */
	size_t			 body_len;
	size_t			 body_cap;
	/* Derived once complete (cgi.h), read by the worker, the logs and
	   the child alike; NULL until then. */
	const char		*rid;		/* request id, for every log */
	const char		*path;		/* req.path: decoded, not "" */
	size_t			 path_len;	/* may hold a decoded %00 */
	const char		*query;		/* raw query string, or "" */
	char			*derived;	/* holds rid and path; NULL if
						   they point elsewhere */
	/* The times the worker gives the child that runs it (job.c's
	   timers), told to the child so that what a handler waits for
	   (fcgiserve.http) ends first (deadline.h).  Durations in ms:
	   REQUEST_NO_LIMIT none; 0 the deadline before stays. */
	uint64_t		 timeout_ms;	/* the handler's */
	uint64_t		 deadline_ns;	/* now + timeout_ms as a child
						   takes it (CLOCK_MONOTONIC);
						   0: none */
	uint64_t		 after_ms;	/* from the answer: after */
	uint64_t		 stream_ms;	/* from a stream's head */
	uint64_t		 idle_ms;	/* a stream, between writes */
};

#define REQUEST_NO_LIMIT	UINT64_MAX

struct request	*request_new(uint16_t id);
void		 request_free(struct request *);
/* Copies name and value.  Returns 0, or -1 on allocation failure. */
int		 request_add_param(struct request *, const char *name,
		    size_t name_len, const char *value, size_t value_len);
/* Whether req asks HEAD: its answer goes out without a body (RFC 3875). */
int		 request_is_head(const struct request *);
/* Appends body bytes.  Returns 0, or -1 on allocation failure. */
int		 request_append_body(struct request *, const void *, size_t);
/*
 * The value of the last param called name, or NULL.  A front end sends a
 * name twice when a site overrides a stock param (nginx: "include
 * fastcgi_params; fastcgi_param DOCUMENT_URI $uri;"): the last is the one
 * the site's author meant.
 */
const char	*request_param(const struct request *, const char *name);

#endif
