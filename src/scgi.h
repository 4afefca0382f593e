/*
 * SCGI codec: bytes in -> request events out, response -> bytes.
 * Pure: no sockets, no libevent, no globals.  The same event shape as the
 * FastCGI codec (codec.h), so the worker drives both alike.
 *
 * SCGI (python.ca/scgi/protocol.txt): one request per connection, a
 * netstring of NUL-separated header names and values (CONTENT_LENGTH
 * first, SCGI = "1" required), then exactly CONTENT_LENGTH body bytes.
 * The answer is the raw CGI response; the server closes the connection.
 */
#ifndef FCGISERVE_SCGI_H
#define FCGISERVE_SCGI_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

struct scgi_parser;

/* limits: max_body_size (beyond -> TOO_LARGE 413), max_params_size,
   max_params and max_param_length (beyond -> TOO_LARGE 431); the rest is
   unused. */
struct scgi_parser	*scgi_parser_new(const struct codec_limits *);
void			 scgi_parser_free(struct scgi_parser *);
/*
 * As fastcgi_parse: consumes up to len bytes, stops at the first event,
 * sets *consumed.  Requests have id 0 and keep_conn 0.  Bytes after the
 * body of the one request are consumed and ignored.
 */
enum request_event_type	 scgi_parse(struct scgi_parser *, const uint8_t *buf,
			    size_t len, size_t *consumed,
			    struct request_event *ev);
/* 1 from the first byte of the netstring until its ',', else 0. */
int			 scgi_head_pending(const struct scgi_parser *);
/* Nothing to free per request; kept for the codec interface. */
void			 scgi_request_done(struct scgi_parser *, uint16_t id);
/* The response is the CGI response itself: one emit of data[0..len). */
int			 scgi_write_response(uint16_t id, const void *data,
			    size_t len, codec_emit_fn *emit, void *arg);
/* A stream: each part as it is; its end is the connection's close. */
int			 scgi_write_end(uint16_t id, codec_emit_fn *emit,
			    void *arg);

/* The functions above as the worker's codec interface. */
extern const struct codec	 scgi_codec;

#endif
