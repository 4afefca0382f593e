/*
 * The feed loop the codec targets (fuzz_fastcgi.c, fuzz_scgi.c) share: a
 * codec, driven through its struct codec (request.h), is fed a stream in
 * the chunks the control bytes pick (fuzz.h) and acts on each event the
 * way the worker's read callback does.  The loop checks what every codec
 * promises and hashes every event; a target checks what its protocol
 * promises in its hooks.  Header-only, like fuzz.h.
 *
 * Checked on every call: the return value is ev.type, consumed <= len,
 * NEED_MORE consumed everything, no event without progress (a few in a
 * row at most), ERROR carries its text and no request, stays ERROR and
 * consumes nothing afterwards.
 */
#ifndef FCGISERVE_FUZZ_FEED_H
#define FCGISERVE_FUZZ_FEED_H

#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "codec.h"
#include "request.h"

struct fuzz_feed;

/* What a target adds; a NULL hook is an event its codec must not send. */
struct fuzz_feed_hooks {
	/* REQUEST or TOO_LARGE: check it, hash it, free ev->req, and call
	   request_done now or later. */
	void	(*request)(struct fuzz_feed *, const struct request_event *);
	/* ABORT of request ev->id (already hashed). */
	void	(*abort)(struct fuzz_feed *, const struct request_event *);
	/* REPLY: check its bytes (hashed by the loop). */
	void	(*reply)(struct fuzz_feed *, const struct request_event *);
	/* Before each chunk (the worker answers between reads); NULL: no. */
	void	(*between)(struct fuzz_feed *);
};

/*
 * One run over a stream.  A target with state of its own embeds this as
 * the first member of its struct, so its hooks can cast back to it.
 */
struct fuzz_feed {
	const struct codec		*codec;
	const struct fuzz_feed_hooks	*hooks;
	void				*parser;
	struct codec_limits		 limits;
	uint64_t			 hash;		/* of every event */
	int				 failed;	/* ERROR seen */
};

/*
 * The limits ctl[0] bits 0-3 pick, the same for both codecs, so every
 * limit path is reachable:
 *   bits 0-1 max_body_size    0, 16, 1000, 1m
 *   bits 2-3 the params limits, max_params_size / max_params /
 *            max_param_length: 64/2/64 (the count binds first),
 *            64/64/8 (the length), 4096/1000/4096 (the size),
 *            128k/128/32k (the worker's defaults)
 * max_conns is 16 and max_reqs 8; a target may set them otherwise.
 */
static void __attribute__((unused))
fuzz_feed_limits(uint8_t c, struct codec_limits *l)
{
	static const size_t	 body[] = { 0, 16, 1000, 1 << 20 };
	static const size_t	 params[][3] = { { 64, 2, 64 }, { 64, 64, 8 },
				     { 4096, 1000, 4096 },
				     { 128 * 1024, 128, 32 * 1024 } };

	l->max_body_size = body[c & 3];
	l->max_params_size = params[c >> 2 & 3][0];
	l->max_params = params[c >> 2 & 3][1];
	l->max_param_length = params[c >> 2 & 3][2];
	l->max_conns = 16;
	l->max_reqs = 8;
}

/* One chunk as the worker's read callback handles it. */
static void __attribute__((unused))
fuzz_feed_chunk(struct fuzz_feed *f, const uint8_t *d, size_t len)
{
	const struct fuzz_feed_hooks	*h = f->hooks;
	struct request_event		 ev;
	enum request_event_type		 t;
	size_t				 used;
	int				 stalls = 0;

	while (!f->failed) {
		memset(&ev, 0xa5, sizeof(ev));
		t = f->codec->parse(f->parser, d, len, &used, &ev);
		FUZZ_CHECK(t == ev.type);
		FUZZ_CHECK(used <= len);
		switch (t) {
		case REQ_EV_NEED_MORE:
			/* Not hashed: how often depends on the chunking. */
			FUZZ_CHECK(used == len);
			return;
		case REQ_EV_REQUEST:
		case REQ_EV_TOO_LARGE:
			h->request(f, &ev);
			break;
		case REQ_EV_ABORT:
			FUZZ_CHECK(h->abort != NULL);
			f->hash = fuzz_hash_u64(f->hash, ev.id);
			h->abort(f, &ev);
			break;
		case REQ_EV_REPLY:
			FUZZ_CHECK(h->reply != NULL);
			h->reply(f, &ev);
			f->hash = fuzz_hash(f->hash, ev.reply, ev.reply_len);
			break;
		case REQ_EV_ERROR:
			FUZZ_CHECK(ev.errstr != NULL && ev.req == NULL);
			f->hash = fuzz_hash_str(f->hash, ev.errstr);
			/* Sticky, and reads nothing more. */
			FUZZ_CHECK(f->codec->parse(f->parser, d, len, &used,
			    &ev) == REQ_EV_ERROR && used == 0 &&
			    ev.errstr != NULL);
			f->failed = 1;
			return;
		default:
			FUZZ_CHECK(!"unknown event type");
		}
		f->hash = fuzz_hash_u64(f->hash, t);
		/* Events are acted on as they happen: none can be pending. */
		stalls = used == 0 ? stalls + 1 : 0;
		FUZZ_CHECK(stalls < 4);
		d += used;
		len -= used;
	}
}

/*
 * Feeds data[0..size) to a new parser with f->limits, in the chunks ctl
 * picks (or whole), then frees the parser as a closing connection does,
 * with whatever requests are still in flight.  Returns the events' hash.
 */
static uint64_t __attribute__((unused))
fuzz_feed_stream(struct fuzz_feed *f, const uint8_t *ctl, const uint8_t *data,
    size_t size, int chunked)
{
	size_t	 off, n, i;

	f->hash = FUZZ_HASH_INIT;
	f->failed = 0;
	FUZZ_CHECK((f->parser = f->codec->parser_new(&f->limits)) != NULL);
	for (off = i = 0; off < size && !f->failed; off += n, i++) {
		n = chunked ? fuzz_chunk(ctl, i, size - off) : size - off;
		if (f->hooks->between != NULL)
			f->hooks->between(f);
		fuzz_feed_chunk(f, data + off, n);
	}
	f->codec->parser_free(f->parser);
	f->parser = NULL;
	return f->hash;
}

#endif
