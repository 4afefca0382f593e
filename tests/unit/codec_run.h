/*
 * The codec unit tests' driver (check_fastcgi.c, check_scgi.c): feeds a
 * codec byte chunks through its struct codec (request.h), acting on each
 * event as the worker does, and writes every event as one line of text to
 * a log.  Tests compare logs, so a difference between two ways of
 * splitting the input shows as a diff.
 *
 * The lines:
 *   REQUEST ID keep=K {NAME=VALUE;...} body=BODY
 *   TOO_LARGE ID keep=K {NAME=VALUE;...} body=BODY STATUS ERRSTR
 *   ABORT ID
 *   REPLY ID xx xx ...		(the reply's bytes in hex)
 *   ERROR ERRSTR
 * Values and bodies of up to CODEC_RUN_TEXT_MAX printable bytes appear as
 * they are, anything else as <length#hash> (FNV-1a, 8 hex digits).
 */
#ifndef FCGISERVE_CODEC_RUN_H
#define FCGISERVE_CODEC_RUN_H

#include <stddef.h>

#include "buf.h"
#include "codec.h"
#include "request.h"

#define CODEC_RUN_TEXT_MAX	80

struct codec_run {
	const struct codec	*codec;
	void			*parser;	/* the codec's own */
	struct buf		 log;		/* a line per event */
	int			 auto_done;	/* request_done after each
						   request and abort */
	int			 failed;	/* ERROR seen: stop feeding */
};

void		 codec_run_init(struct codec_run *, const struct codec *,
		    const struct codec_limits *, int auto_done);
void		 codec_run_free(struct codec_run *);
/* The log so far ("" before the first event). */
const char	*codec_run_log(const struct codec_run *);
/* Feeds one chunk the way the worker does: parse until all is consumed. */
void		 codec_run_feed(struct codec_run *, const void *, size_t);
/* The whole of in, in chunks of the given size. */
void		 codec_run_feed_chunks(struct codec_run *, const struct buf *in,
		    size_t chunk);
/* The log of in fed in chunks of the given size (auto_done); free() it. */
char		*codec_run_parse_log(const struct codec *,
		    const struct codec_limits *, const struct buf *in,
		    size_t chunk);
/*
 * Feeds in whole, split into two at every position, and one byte at a
 * time; every way must log expect.  Quadratic: for small streams.
 */
void		 codec_run_check_splits(const struct codec *,
		    const struct codec_limits *, const struct buf *in,
		    const char *expect);
/* For big streams: whole, byte by byte and in chunks of a few sizes. */
void		 codec_run_check_chunks(const struct codec *,
		    const struct codec_limits *, const struct buf *in,
		    const char *expect);
/*
 * After ERROR errstr: every later call fails the same way, reading
 * nothing, with more input or none.
 */
void		 codec_run_check_stuck(struct codec_run *, const char *errstr);

#endif
