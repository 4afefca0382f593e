/*
 * The worker's connections: accepting (allowed_clients, max_connections
 * and a descriptor reserve), feeding the codec, the one writer of
 * answers, lingering close, and a deferred free: a connection released
 * inside a callback chain stays readable memory until that chain is over
 * (Redis's freeClientAsync), so no caller ever touches freed memory.
 */
#ifndef FCGISERVE_CONN_H
#define FCGISERVE_CONN_H

#include "codec.h"
#include "request.h"
#include "worker.h"

struct conn;

/* Accepts on listen_fd for w: 0, or -1 (errno set). */
int	conn_init(struct worker *w, int listen_fd);
/*
 * A complete answer to req, a CGI response (NULL, 0: none, the request
 * just ends), framed by the codec and written now if the socket takes it.
 * For HEAD only the head goes out.  c may be released by it (a last
 * answer on a closing connection), but stays valid memory until the
 * current event callback returns.
 */
void	conn_answer(struct conn *c, const struct request *req,
	    const void *data, size_t len);
/* The same, the one JSON error shape (response_error). */
void	conn_answer_error(struct conn *c, const struct request *req,
	    const char *rid, int status, const char *message,
	    const char *extra_headers);
/* One of c's jobs has ended (answered or dropped). */
void	conn_job_done(struct conn *c);
/*
 * A streamed answer to req: each part as it comes (flushed), then its
 * end, which completes the request as conn_answer does.
 */
void	conn_stream_part(struct conn *c, const struct request *req,
	    const void *data, size_t len);
void	conn_stream_end(struct conn *c, const struct request *req);
/* Bytes queued for the peer, not yet written: backpressure for streams. */
size_t	conn_output_len(const struct conn *c);
/* c's peer, for log lines: "127.0.0.1:4242", "unix:/run/x.sock". */
const char *conn_peer(const struct conn *c);
/* Stopping: no more accepting (the listen fd is closed). */
void	conn_stop_accepting(void);
/*
 * Stopping, no job left: closes idle connections (a peer sending a
 * request is not idle); returns how many are left.
 */
int	conn_drain(void);
/* The loop is over: frees every connection and what accepting held. */
void	conn_shutdown(void);

#endif
