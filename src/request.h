/*
 * A request as the codecs hand it to the worker: the CGI params and the body,
 * independent of the wire protocol (FastCGI or SCGI).  Pure data, no I/O.
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
	struct request_param	*params;
	size_t			 nparams;
	size_t			 params_cap;
	char			*body;		/* NULL when empty */
	size_t			 body_len;
	size_t			 body_cap;
};

struct request	*request_new(uint16_t id);
void		 request_free(struct request *);
/* Copies name and value.  Returns 0, or -1 on allocation failure. */
int		 request_add_param(struct request *, const char *name,
		    size_t name_len, const char *value, size_t value_len);
/* Appends body bytes.  Returns 0, or -1 on allocation failure. */
int		 request_append_body(struct request *, const void *, size_t);
/*
 * The value of the last param called name, or NULL.  A front end sends a
 * name twice when a site overrides a stock param (nginx: "include
 * fastcgi_params; fastcgi_param DOCUMENT_URI $uri;"): the last is the one
 * the site's author meant.
 */
const char	*request_param(const struct request *, const char *name);
/*
 * Percent-decodes src[0..len) into dst (which must hold len + 1 bytes);
 * with plus_is_space, '+' becomes ' ' (query strings).  Invalid escapes are
 * kept literally.  Returns the decoded length; dst is NUL-terminated.
 */
size_t		 request_urldecode(char *dst, const char *src, size_t len,
		    int plus_is_space);

/*
 * One message carrying a request (and its id for the logs) to a child
 * forked before the request arrived (a spare).  request_pack appends it
 * to out.  request_unpack checks msg[0..len) and turns it, in place, into
 * *req whose params, body and *rid point into msg: no allocation, so a
 * child can use it without touching the heap it shares with the worker.
 * Returns 0, or -1 if the message is malformed.
 */
struct buf;
int		 request_pack(const struct request *, const char *rid,
		    struct buf *out);
int		 request_unpack(char *msg, size_t len, struct request *req,
		    const char **rid);
/* The length a packed message announces in its first 4 bytes. */
size_t		 request_packed_len(const char *msg);

/*
 * The request's path as the handler's req.path has it (nginx's decoded
 * DOCUMENT_URI first), into out; never empty.  Returns 0, or -1 (ENOMEM).
 */
int		 request_path(const struct request *, struct buf *out);
/* The raw query string: QUERY_STRING, or REQUEST_URI after '?', or "". */
const char	*request_query(const struct request *);

/*
 * What a codec reports after being fed bytes.  The worker drives both codecs
 * through this one shape, so the request lifecycle is written once.
 */
enum request_event_type {
	REQ_EV_NEED_MORE = 0,	/* everything fed was consumed; feed more */
	REQ_EV_REQUEST,		/* ev.req is complete; the caller owns it */
	REQ_EV_TOO_LARGE,	/* ev.req exceeded a limit: caller owns it
				   and answers ev.status; ev.errstr names
				   the limit.  The codec drops the rest of
				   that request's input */
	REQ_EV_ABORT,		/* peer aborted request ev.id */
	REQ_EV_REPLY,		/* send ev.reply[0..reply_len) to the peer
				   (management answers, unknown role ...) */
	REQ_EV_ERROR		/* malformed input: ev.errstr; close the
				   connection */
};

struct request_event {
	enum request_event_type	 type;
	uint16_t		 id;
	struct request		*req;
	const uint8_t		*reply;		/* valid until the next call */
	size_t			 reply_len;
	const char		*errstr;	/* static or parser-owned */
	int			 status;	/* TOO_LARGE: 413 (body) or 431
						   (params) */
};

/*
 * Bounds a codec enforces on what a peer sends.  Beyond any of the first
 * four a request is TOO_LARGE (413 for the body, 431 for the params), not
 * malformed: the connection survives where the protocol allows.  Set
 * every field (designated initializers): 0 means 0, not "no limit".
 */
struct codec_limits {
	size_t		max_body_size;	/* body bytes per request */
	size_t		max_params_size;/* names + values bytes per request */
	unsigned	max_conns;	/* FastCGI: reported as FCGI_MAX_CONNS */
	unsigned	max_reqs;	/* FastCGI: FCGI_MAX_REQS */
	size_t		max_params;	/* params per request */
	size_t		max_param_length;/* bytes of one name or one value */
};

/*
 * The most bytes a params block within the limits can take on the wire:
 * names and values plus per_param bytes of framing for each param (8 for
 * FastCGI's two 4-byte lengths, 2 for SCGI's NULs).  Saturates at
 * SIZE_MAX.  More than this is TOO_LARGE before a byte of it is kept.
 */
size_t		 request_params_wire_max(const struct codec_limits *,
		    size_t per_param);
/*
 * Checks one more param (name and value lengths) against the limits,
 * given the params accepted so far (*count, *total: names + values),
 * and counts it in.  Returns NULL, or the message for the log (in buf)
 * naming the limit, its value and the offending param's name.
 */
const char	*request_limit_param(const struct codec_limits *, size_t *count,
		    size_t *total, const char *name, size_t nlen,
		    size_t vlen, char *buf, size_t buflen);

/* Appends bytes to a response stream (the worker's output buffer). */
typedef int	request_emit_fn(void *arg, const void *data, size_t len);

/*
 * A wire protocol as the worker sees it: both codecs export one of these
 * (fastcgi_codec, scgi_codec), so there is one request pipeline.
 */
struct codec {
	const char		*name;
	void			*(*parser_new)(const struct codec_limits *);
	void			 (*parser_free)(void *);
	enum request_event_type	 (*parse)(void *, const uint8_t *, size_t,
				    size_t *, struct request_event *);
	void			 (*request_done)(void *, uint16_t id);
	int			 (*write_response)(uint16_t id, const void *,
				    size_t, request_emit_fn *, void *);
	/* A request has begun and its params are not all in yet (the
	   worker's header_timeout runs while this is true). */
	int			 (*head_pending)(const void *);
};

#endif
