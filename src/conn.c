/*
 * The worker's connections (conn.h).
 *
 * A connection owns its bufferevent, its codec parser and its header
 * timer; its requests are jobs (job.c), which it only counts.  It ends in
 * one place, conn_release: its jobs are told (running children are
 * killed, the rest dropped), it leaves the list and stops reading and
 * writing; its memory is freed from a callback of its own, after the
 * callback chain that released it has returned.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "buf.h"
#include "conn.h"
#include "job.h"
#include "log.h"
#include "response.h"
#include "scgi.h"
#include "stats.h"

#define ACCEPT_BATCH		64
#define ACCEPT_RETRY_MS		100
#define OUT_HIGH_WATER		(4 * 1024 * 1024)	/* stop reading a peer
							   that does not read */
#define LINGER_TIMEOUT_S	5		/* per read while lingering */
#define LINGER_MAX_BYTES	(64 * 1024 * 1024)
#define FD_SLACK		16	/* logs, libevent, a fork's pipe */

struct conn {
	TAILQ_ENTRY(conn)	 entry;		/* cs.conns or cs.released */
	struct bufferevent	*bev;
	void			*parser;	/* the codec's */
	struct event		*ev_head;	/* header_timeout, armed while a
						   request's params arrive */
	char			 peer[INET6_ADDRSTRLEN + 16];
	int			 njobs;		/* its requests not answered */
	int			 nrequests;	/* received on it */
	size_t			 lingered;	/* bytes read away since */
	unsigned		 closing:1;	/* release once its jobs are
						   done and output is out */
	unsigned		 linger:1;	/* answered before its body was
						   read: drain it first */
	unsigned		 released:1;	/* gone; freed soon */
};

TAILQ_HEAD(connq, conn);

static struct {
	struct worker	*w;
	int		 listen_fd;
	struct connq	 conns;
	struct connq	 released;	/* freed by ev_free */
	int		 nconns;
	int		 max_conns;	/* max_connections, or fewer: the
					   descriptors there are */
	int		 accepting;	/* ev_accept is armed */
	struct event	*ev_accept;
	struct event	*ev_accept_retry;
	struct event	*ev_free;
	struct evbuffer	*stage;		/* an answer on its way out */
} cs = { .listen_fd = -1 };

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);

/* ---------------------------------------------------------------- release */

/*
 * The one end of a connection, idempotent.  Callers may go on touching
 * c until their callback returns; free_cb frees it afterwards.
 */
static void
conn_release(struct conn *c)
{
	if (c->released)
		return;
	c->released = 1;
	c->closing = 1;
	job_conn_gone(c, c->peer);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	evtimer_del(c->ev_head);
	TAILQ_REMOVE(&cs.conns, c, entry);
	TAILQ_INSERT_TAIL(&cs.released, c, entry);
	cs.nconns--;
	stats_conns(-1);
	event_active(cs.ev_free, EV_TIMEOUT, 0);
}

/* Frees the connections released so far. */
static void
free_released(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&cs.released)) != NULL) {
		TAILQ_REMOVE(&cs.released, c, entry);
		cs.w->codec->parser_free(c->parser);
		event_free(c->ev_head);
		bufferevent_free(c->bev);
		free(c);
	}
}

static void
free_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	free_released();
	if (!cs.accepting && cs.listen_fd != -1 && cs.nconns < cs.max_conns &&
	    !evtimer_pending(cs.ev_accept_retry, NULL)) {
		event_add(cs.ev_accept, NULL);
		cs.accepting = 1;
	}
	if (cs.w->stopping)
		event_active(cs.w->ev_check, EV_TIMEOUT, 0);
}

/* ---------------------------------------------------------------- output */

/*
 * What a connection may do next.  Idle (no request of it running), it
 * must send something within read_timeout; while its requests run it
 * may be silent.  A peer that lets our output pile up is not read from
 * until it catches up, so one client cannot grow a worker's memory.
 */
static void
conn_arm(struct conn *c)
{
	struct timeval	tv;

	if (c->closing)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    OUT_HIGH_WATER)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
	if (c->njobs == 0) {
		tv.tv_sec = cs.w->pool->read_timeout_ms / 1000;
		tv.tv_usec = (cs.w->pool->read_timeout_ms % 1000) * 1000;
		bufferevent_set_timeouts(c->bev, &tv, NULL);
	} else
		bufferevent_set_timeouts(c->bev, NULL, NULL);
}

/*
 * Writes the output now instead of on the next loop iteration, which is
 * when a bufferevent would (one epoll round trip, ~35 us at c=1).  The
 * bufferevent keeps its output's front frozen between its own writes;
 * anything left is written by it as usual.  If all went out, the write
 * callback's work is done here.
 *
 * The answer framed into cs.stage goes first, and straight to the socket
 * if nothing is queued before it: handed to the bufferevent, it would
 * arm the write event (epoll_ctl) only for the next iteration to disarm
 * it (another), for an answer the socket takes at once.
 */
static void
conn_flush(struct conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	int		 fd = bufferevent_getfd(c->bev);

	if (evbuffer_get_length(cs.stage) > 0) {
		if (evbuffer_get_length(out) == 0)
			(void)evbuffer_write(cs.stage, fd);
		if (evbuffer_get_length(cs.stage) > 0)
			evbuffer_add_buffer(out, cs.stage);
	}
	if (evbuffer_get_length(out) > 0) {
		evbuffer_unfreeze(out, 1);
		(void)evbuffer_write(out, fd);
		evbuffer_freeze(out, 1);
	}
	if (evbuffer_get_length(out) == 0)
		conn_write_cb(c->bev, c);
}

/* A codec's writer into an evbuffer. */
static int
emit_evbuffer(void *arg, const void *data, size_t len)
{
	return evbuffer_add(arg, data, len);
}

void
conn_answer(struct conn *c, const struct request *req, const void *data,
    size_t len)
{
	if (c->released)
		return;
	if (data != NULL && request_is_head(req))
		len = response_head_len(data, len);
	if (cs.w->codec->write_response(req->id, data, len, emit_evbuffer,
	    cs.stage) != 0)
		log_warnx("%s: cannot queue response", c->peer);
	cs.w->codec->request_done(c->parser, req->id);
	if (!req->keep_conn || cs.w->stopping)
		c->closing = 1;
	conn_flush(c);
}

void
conn_stream_part(struct conn *c, const struct request *req, const void *data,
    size_t len)
{
	if (c->released || len == 0)
		return;
	if (cs.w->codec->write_chunk(req->id, data, len, emit_evbuffer,
	    cs.stage) != 0)
		log_warnx("%s: cannot queue a part of a stream", c->peer);
	conn_flush(c);
}

void
conn_stream_end(struct conn *c, const struct request *req)
{
	if (c->released)
		return;
	if (cs.w->codec->write_end(req->id, emit_evbuffer, cs.stage) != 0)
		log_warnx("%s: cannot queue the end of a stream", c->peer);
	cs.w->codec->request_done(c->parser, req->id);
	/* SCGI ends a response by closing; FastCGI by END_REQUEST. */
	if (!req->keep_conn || cs.w->stopping || cs.w->codec == &scgi_codec)
		c->closing = 1;
	conn_flush(c);
}

size_t
conn_output_len(const struct conn *c)
{
	if (c->released)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    evbuffer_get_length(cs.stage);
}

void
conn_answer_error(struct conn *c, const struct request *req, const char *rid,
    int status, const char *message, const char *extra_headers)
{
	struct buf	b = BUF_INIT;

	if (response_error(&b, status, message, rid, extra_headers) == 0)
		conn_answer(c, req, b.data, b.len);
	else
		log_msg(LOG_LVL_WARN, rid, "cannot build %d response", status);
	buf_free(&b);
}

void
conn_job_done(struct conn *c)
{
	c->njobs--;
	if (c->released)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_write_cb(c->bev, c);
}

const char *
conn_peer(const struct conn *c)
{
	return c->peer;
}

/* ---------------------------------------------------------------- linger */

static void
conn_linger_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	c->lingered += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->lingered > LINGER_MAX_BYTES)
		conn_release(c);
}

/*
 * Closing while the peer is still sending (a 413 before the body ended)
 * would make the kernel answer the unread bytes with an RST, which can
 * destroy the response in flight.  Half-close and read the rest away
 * first, bounded in time and bytes (nginx's lingering close).
 */
static void
conn_linger(struct conn *c)
{
	struct timeval	tv = { LINGER_TIMEOUT_S, 0 };

	c->linger = 0;
	(void)shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_setcb(c->bev, conn_linger_read_cb, NULL, conn_event_cb, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (c->released)
		return;
	job_conn_writable(c);	/* streams waiting for it to drain */
	if (c->released)
		return;
	if (!c->closing) {
		conn_arm(c);
		return;
	}
	if (c->njobs > 0)
		return;
	if (c->linger)
		conn_linger(c);
	else
		conn_release(c);
}

static void
conn_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (events & BEV_EVENT_ERROR)
		log_msg(LOG_LVL_DEBUG, NULL, "%s: %s", c->peer,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	if (events & BEV_EVENT_TIMEOUT)
		log_msg(LOG_LVL_INFO, NULL, "%s: nothing received for "
		    "read_timeout (%llu ms); closing", c->peer,
		    (unsigned long long)cs.w->pool->read_timeout_ms);
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		if (c->njobs > 0)
			log_msg(LOG_LVL_INFO, NULL, "%s: peer closed the "
			    "connection with requests in flight; dropping "
			    "them", c->peer);
		conn_release(c);
	}
}

/* ---------------------------------------------------------------- input */

/*
 * After max_requests_per_connection requests the connection reads no
 * more: it closes once their answers are out, and the peer reconnects
 * (nginx does, with its keepalive upstreams).  A request that did not
 * ask to keep the connection closes it anyway: nothing to log.
 */
static void
conn_count_request(struct conn *c, int keep_conn)
{
	int	max = cs.w->pool->max_requests_per_connection;

	if (++c->nrequests < max || max == 0 || c->closing || !keep_conn)
		return;
	log_msg(LOG_LVL_INFO, NULL, "%s: max_requests_per_connection (%d) "
	    "reached; closing the connection once answered", c->peer, max);
	c->closing = 1;
}

static void
conn_head_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)events;
	log_msg(LOG_LVL_WARN, NULL, "%s: request params not complete within "
	    "header_timeout (%llu ms); closing", c->peer,
	    (unsigned long long)cs.w->pool->header_timeout_ms);
	conn_release(c);
}

/*
 * header_timeout runs from the first byte of a request until its params
 * are complete, however steadily they trickle in (read_timeout only sees
 * silence): a peer cannot hold a connection by sending a request slowly.
 * A read that completed a request (progress) restarts it for the next
 * one, which may have begun in the same read.
 */
static void
conn_head_timer(struct conn *c, int progress)
{
	struct timeval	tv;

	if (c->closing || !cs.w->codec->head_pending(c->parser)) {
		evtimer_del(c->ev_head);
		return;
	}
	if (!progress && evtimer_pending(c->ev_head, NULL))
		return;
	tv.tv_sec = cs.w->pool->header_timeout_ms / 1000;
	tv.tv_usec = (cs.w->pool->header_timeout_ms % 1000) * 1000;
	evtimer_add(c->ev_head, &tv);
}

/* One event from the codec; 0 to go on, -1 when c is released. */
static int
conn_event(struct conn *c, struct request_event *ev, int *progress)
{
	switch (ev->type) {
	case REQ_EV_NEED_MORE:
		break;
	case REQ_EV_REQUEST:
		/* Counted first: an answer given at once (ping, 503) must
		   find the connection closing if this was its last. */
		conn_count_request(c, ev->req->keep_conn);
		c->njobs++;		/* until conn_job_done */
		job_admit(c, ev->req);
		*progress = 1;
		break;
	case REQ_EV_TOO_LARGE:
		conn_count_request(c, ev->req->keep_conn);
		/* If we close, the rest of the request must not turn into
		   an RST: read it away first. */
		c->linger = 1;
		job_refuse(c, ev);
		*progress = 1;
		break;
	case REQ_EV_ABORT:
		if (job_abort(c, ev->id) == -1) {
			/* Aborted while still arriving: the codec dropped it. */
			log_msg(LOG_LVL_INFO, NULL, "%s: request %u aborted "
			    "before it was complete", c->peer, ev->id);
			(void)cs.w->codec->write_response(ev->id, NULL, 0,
			    emit_evbuffer, bufferevent_get_output(c->bev));
		}
		break;
	case REQ_EV_REPLY:
		bufferevent_write(c->bev, ev->reply, ev->reply_len);
		break;
	case REQ_EV_ERROR:
		log_msg(LOG_LVL_WARN, NULL, "%s: malformed %s input: %s; "
		    "closing connection", c->peer, cs.w->codec->name,
		    ev->errstr);
		conn_release(c);
		break;
	}
	return c->released ? -1 : 0;
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v;
	struct request_event	 ev;
	size_t			 used;
	int			 progress = 0;

	while (!c->closing && evbuffer_peek(in, -1, NULL, &v, 1) > 0) {
		memset(&ev, 0, sizeof(ev));
		cs.w->codec->parse(c->parser, v.iov_base, v.iov_len, &used,
		    &ev);
		evbuffer_drain(in, used);
		if (conn_event(c, &ev, &progress) == -1)
			return;
	}
	if (c->closing)
		evbuffer_drain(in, evbuffer_get_length(in));
	else
		conn_arm(c);
	conn_head_timer(c, progress);
}

/* ---------------------------------------------------------------- accept */

static void
peer_name(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(out, len, "%s:%u", addr, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		snprintf(out, len, "[%s]:%u", addr, ntohs(sin6->sin6_port));
	} else
		snprintf(out, len, "unix:%s", cs.w->pool->listen);
}

/* allowed_clients (TCP only; unset lets everyone in). */
static int
client_allowed(const struct sockaddr_storage *ss)
{
	const struct pool_conf	*p = cs.w->pool;
	const void		*addr;
	size_t			 len;
	int			 i;

	if (p->nallowed == 0)
		return 1;
	if (ss->ss_family == AF_INET) {
		addr = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
		len = 4;
	} else if (ss->ss_family == AF_INET6) {
		addr = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
		len = 16;
	} else
		return 1;
	for (i = 0; i < p->nallowed; i++)
		if (p->allowed[i].family == ss->ss_family &&
		    memcmp(p->allowed[i].addr, addr, len) == 0)
			return 1;
	return 0;
}

/* A new connection on fd; on failure fd is closed and a line logged. */
static void
conn_new(int fd, const struct sockaddr_storage *ss)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	if ((c->parser = cs.w->codec->parser_new(&cs.w->limits)) == NULL)
		goto fail;
	if ((c->ev_head = evtimer_new(cs.w->base, conn_head_timeout_cb,
	    c)) == NULL)
		goto fail;
	if ((c->bev = bufferevent_socket_new(cs.w->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto fail;
	peer_name(ss, c->peer, sizeof(c->peer));
	TAILQ_INSERT_TAIL(&cs.conns, c, entry);
	cs.nconns++;
	stats_conns(1);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	conn_arm(c);
	log_debug("accepted connection from %s", c->peer);
	return;
fail:
	log_warnx("cannot allocate a connection");
	if (c != NULL) {
		if (c->parser != NULL)
			cs.w->codec->parser_free(c->parser);
		if (c->ev_head != NULL)
			event_free(c->ev_head);
		free(c);
	}
	close(fd);
}

static void
accept_pause(void)
{
	if (cs.accepting) {
		event_del(cs.ev_accept);
		cs.accepting = 0;
	}
}

static void
accept_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (!cs.accepting && cs.listen_fd != -1 && cs.nconns < cs.max_conns) {
		event_add(cs.ev_accept, NULL);
		cs.accepting = 1;
	}
}

/*
 * Drains the listen queue into our own bounded queue, so overload is
 * answered with a 503 rather than nginx's 502 from a full backlog.
 * Running out of descriptors pauses accepting for a moment.
 */
static void
accept_cb(evutil_socket_t lfd, short events, void *arg)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { 0, ACCEPT_RETRY_MS * 1000 };
	char			 peer[INET6_ADDRSTRLEN + 16];
	socklen_t		 slen;
	int			 i, fd;

	(void)events;
	(void)arg;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (cs.nconns >= cs.max_conns) {
			log_msg(LOG_LVL_WARN, NULL, "max_connections (%d) "
			    "reached; not accepting until one closes",
			    cs.nconns);
			accept_pause();
			return;
		}
		slen = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &slen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_warn("accept");
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				accept_pause();
				evtimer_add(cs.ev_accept_retry, &tv);
			}
			return;
		}
		if (!client_allowed(&ss)) {
			peer_name(&ss, peer, sizeof(peer));
			log_msg(LOG_LVL_WARN, NULL, "%s: not in allowed_clients; "
			    "connection closed", peer);
			close(fd);
			continue;
		}
		conn_new(fd, &ss);
	}
}

/* Descriptors open now (/proc/self/fd), or a guess without /proc. */
static int
fds_open(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 32;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * How many connections the descriptors allow (OpenBSD slowcgi's
 * accept_reserve, worked out once): each needs its own, and a worker
 * must keep room for every child's answer pipe (max_children) and every
 * spare's two, beyond what is open already.  A max_connections above it
 * would turn overload into EMFILE and failed forks; it is lowered, once,
 * with a warning.
 */
static int
conn_limit(void)
{
	const struct pool_conf	*p = cs.w->pool;
	struct rlimit		 rl;
	long			 room;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return p->max_connections;
	room = (long)rl.rlim_cur - fds_open() - p->max_children -
	    2L * (p->spare_children + 1) - FD_SLACK;
	if (room >= p->max_connections)
		return p->max_connections;
	if (room < 1)
		room = 1;
	log_msg(LOG_LVL_WARN, NULL, "max_connections %d lowered to %ld: "
	    "RLIMIT_NOFILE is %llu and each child and spare needs pipes",
	    p->max_connections, room, (unsigned long long)rl.rlim_cur);
	return (int)room;
}

int
conn_init(struct worker *w, int listen_fd)
{
	cs.w = w;
	cs.listen_fd = listen_fd;
	TAILQ_INIT(&cs.conns);
	TAILQ_INIT(&cs.released);
	cs.max_conns = conn_limit();
	if ((cs.stage = evbuffer_new()) == NULL ||
	    (cs.ev_accept = event_new(w->base, listen_fd, EV_READ | EV_PERSIST,
	    accept_cb, NULL)) == NULL ||
	    (cs.ev_accept_retry = evtimer_new(w->base, accept_retry_cb,
	    NULL)) == NULL ||
	    (cs.ev_free = event_new(w->base, -1, 0, free_cb, NULL)) == NULL ||
	    event_priority_set(cs.ev_free, 0) == -1 ||
	    event_add(cs.ev_accept, NULL) == -1) {
		errno = ENOMEM;
		return -1;
	}
	cs.accepting = 1;
	return 0;
}

void
conn_stop_accepting(void)
{
	accept_pause();
	if (cs.listen_fd != -1) {
		close(cs.listen_fd);
		cs.listen_fd = -1;
	}
}

/*
 * Idle connections go now; the others once their output is out.  A peer
 * that connected but has not sent a whole request yet (an SCGI connection
 * carries exactly one) is not idle: its request is on the way, and
 * closing now would fail it.  It closes once answered, or at read_timeout.
 */
int
conn_drain(void)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&cs.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->nrequests == 0 || cs.w->codec->head_pending(c->parser))
			continue;
		c->closing = 1;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
		    c->njobs == 0)
			conn_release(c);
	}
	return cs.nconns;
}

void
conn_shutdown(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&cs.conns)) != NULL)
		conn_release(c);
	free_released();
	conn_stop_accepting();
	event_free(cs.ev_accept);
	event_free(cs.ev_accept_retry);
	event_free(cs.ev_free);
	evbuffer_free(cs.stage);
}
