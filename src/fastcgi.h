/*
 * FastCGI codec: bytes in -> request events out, response -> records.
 * Pure: no sockets, no libevent, no globals.  Protocol constants and wire
 * structs are libfcgi's <fastcgi.h>.
 */
#ifndef FCGISERVE_FASTCGI_H
#define FCGISERVE_FASTCGI_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"


struct fastcgi_parser;

struct fastcgi_parser	*fastcgi_parser_new(const struct codec_limits *);
void			 fastcgi_parser_free(struct fastcgi_parser *);

/*
 * Consumes up to len bytes and stops at the first event.  *consumed is set
 * to the bytes used (the caller drops them and calls again with the rest,
 * or with more input after REQ_EV_NEED_MORE).  Records may be split at any
 * byte.  Returns ev->type.
 */
enum request_event_type	 fastcgi_parse(struct fastcgi_parser *,
			    const uint8_t *buf, size_t len, size_t *consumed,
			    struct request_event *ev);
/*
 * Tells the parser that request id is finished (answered), so its slot is
 * free and later records with that id (e.g. the rest of a rejected body)
 * are ignored as the spec asks.
 */
void			 fastcgi_request_done(struct fastcgi_parser *, uint16_t id);
/*
 * 1 while a request has begun and its params are not complete (for the
 * worker's header_timeout), else 0.
 */
int			 fastcgi_head_pending(const struct fastcgi_parser *);

/*
 * Frames a complete response for request id: STDOUT records carrying
 * data[0..len), the empty STDOUT record, and END_REQUEST with
 * FCGI_REQUEST_COMPLETE and app status 0.  Returns 0 or the first non-zero
 * return of emit.
 */
int			 fastcgi_write_response(uint16_t id, const void *data,
			    size_t len, codec_emit_fn *emit, void *arg);
/*
 * A response in parts (a stream): STDOUT records for data[0..len) now
 * (nothing for len 0) ...
 */
int			 fastcgi_write_chunk(uint16_t id, const void *data,
			    size_t len, codec_emit_fn *emit, void *arg);
/* ... and its end: the empty STDOUT record and END_REQUEST. */
int			 fastcgi_write_end(uint16_t id, codec_emit_fn *emit,
			    void *arg);

/* The functions above as the worker's codec interface. */
extern const struct codec	 fastcgi_codec;

#endif
