/*
 * What the worker needs of a wire protocol: the events a codec reports,
 * the limits it enforces on a peer, and the vtable both codecs export
 * (fastcgi_codec, scgi_codec), so there is one request pipeline.  Pure
 * declarations and the two limit helpers the codecs share; no I/O.
 */
#ifndef FCGISERVE_CODEC_H
#define FCGISERVE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

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
size_t		 codec_params_wire_max(const struct codec_limits *,
		    size_t per_param);
/*
 * Checks one more param (name and value lengths) against the limits,
 * given the params accepted so far (*count, *total: names + values),
 * and counts it in.  Returns NULL, or the message for the log (in buf)
 * naming the limit, its value and the offending param's name.
 */
const char	*codec_limit_param(const struct codec_limits *, size_t *count,
		    size_t *total, const char *name, size_t nlen,
		    size_t vlen, char *buf, size_t buflen);

/* Appends bytes to a response stream (the worker's output buffer). */
typedef int	codec_emit_fn(void *arg, const void *data, size_t len);

/* A wire protocol as the worker sees it. */
struct codec {
	const char		*name;
	void			*(*parser_new)(const struct codec_limits *);
	void			 (*parser_free)(void *);
	enum request_event_type	 (*parse)(void *, const uint8_t *, size_t,
				    size_t *, struct request_event *);
	void			 (*request_done)(void *, uint16_t id);
	int			 (*write_response)(uint16_t id, const void *,
				    size_t, codec_emit_fn *, void *);
	/* A streamed response: parts as they come, then its end (after
	   which the connection closes where the protocol says so). */
	int			 (*write_chunk)(uint16_t id, const void *,
				    size_t, codec_emit_fn *, void *);
	int			 (*write_end)(uint16_t id, codec_emit_fn *,
				    void *);
	/* A request has begun and its params are not all in yet (the
	   worker's header_timeout runs while this is true). */
	int			 (*head_pending)(const void *);
};

#endif
