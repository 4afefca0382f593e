/*
 * A worker: one libevent loop serving one pool.
 *
 * It accepts connections, feeds their bytes to the protocol codec, and
 * for each complete request forks a child from the preloaded app (or
 * queues the request, or answers 503).  It reads the child's answer from
 * a pipe, reaps it on SIGCHLD and frames the answer back to the peer.
 * The worker never runs handler code and never blocks.
 *
 * Ownership: a conn owns its parser and the jobs it has not answered yet;
 * a job owns its request, its child's pipe and timer.  When a connection
 * goes away its running children are killed and their jobs live on,
 * detached, until the child is reaped; queued jobs die with it.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/random.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "accesslog.h"
#include "buf.h"
#include "cgi.h"
#include "child.h"
#include "codec.h"
#include "ctl.h"
#include "fastcgi.h"
#include "log.h"
#include "lua_app.h"
#include "priv.h"
#include "request.h"
#include "response.h"
#include "scgi.h"
#include "slowlog.h"
#include "spare.h"
#include "stats.h"
#include "status.h"
#include "worker.h"

#define ACCEPT_BATCH		64
#define OUT_HIGH_WATER		(4 * 1024 * 1024)	/* stop reading a peer
							   that does not read */
#define ACCEPT_RETRY_MS		100
#define RID_MAX			64
#define PIPE_READ_CHUNK		65536
#define LINGER_TIMEOUT_S	5		/* per read while lingering */
#define LINGER_MAX_BYTES	(64 * 1024 * 1024)

struct job;
TAILQ_HEAD(jobq, job);

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct bufferevent	*bev;
	void			*parser;	/* w.codec's */
	struct jobq		 jobs;		/* accepted, not yet answered */
	char			 peer[INET6_ADDRSTRLEN + 16];
	unsigned		 closing:1;	/* free once jobs are done and
						   output is flushed */
	unsigned		 linger:1;	/* answered before its body was
						   read: drain it before closing */
	size_t			 lingered;	/* bytes read away since */
	struct event		*ev_head;	/* header_timeout, armed while a
						   request's params arrive */
	int			 nrequests;	/* received on this connection */
};

struct job {
	TAILQ_ENTRY(job)	 entry;		/* w.queue, w.waiting or
						   w.running */
	TAILQ_ENTRY(job)	 conn_entry;	/* conn->jobs */
	struct conn		*conn;		/* NULL once the peer is gone */
	struct request		*req;
	char			 rid[RID_MAX + 1];
	pid_t			 pid;		/* 0 while queued or waiting */
	int			 out_fd;	/* pipe from the child, or -1 */
	struct event		*ev_out;
	struct event		*ev_timeout;
	struct event		*ev_slow;	/* slowlog_timeout, or NULL */
	struct buf		 out;		/* length prefix + CGI response */
	struct timespec		 t_start;	/* complete (CLOCK_MONOTONIC) */
	struct timespec		 t_run;		/* given a child (same clock) */
	struct timespec		 t_answer;	/* answered (CLOCK_REALTIME) */
	uint64_t		 dur_us;	/* t_start -> answer written */
	int			 status;	/* answered; 0: not (yet) */
	size_t			 body_bytes;
	struct rusage		 ru;		/* the child's, once reaped */
	unsigned		 has_ru:1;
	unsigned		 timed_out:1;	/* killed by request_timeout */
	unsigned		 aborted:1;	/* killed on the peer's request */
	unsigned		 overflow:1;	/* answer exceeded the bound */
	unsigned		 reaped:1;	/* pid is gone: never kill it */
	unsigned		 answered:1;	/* sent; only the reap is left */
	unsigned		 waiting:1;	/* on w.waiting */
};

static struct {
	struct event_base	*base;
	const struct conf	*conf;
	const struct pool_conf	*pool;
	struct lua_app		*app;
	int			 listen_fd;
	pid_t			 pid;
	struct event		*ev_ctl;	/* the master's messages */
	struct event		*ev_accept;
	struct event		*ev_accept_retry;
	struct event		*ev_sig[3];
	struct event		*ev_chld;	/* SIGCHLD's signalfd */
	TAILQ_HEAD(, conn)	 conns;
	struct jobq		 queue;		/* waiting for a child slot */
	struct jobq		 waiting;	/* have a slot, wait for a spare */
	struct jobq		 running;	/* have a child */
	struct evbuffer		*stage;		/* an answer on its way to
						   conn_flush */
	int			 nconns;
	int			 nqueued;
	int			 nwaiting;
	int			 nrunning;
	int			 accepting;	/* ev_accept is armed */
	int			 stopping;
	const struct codec	*codec;		/* the pool's protocol */
	struct codec_limits	 limits;
	uint64_t		 rid_key;	/* random, per worker */
	uint64_t		 rid_seq;
} w;

static void	conn_free(struct conn *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	maybe_exit(void);

/* Request ids come from nginx or clients: keep them log- and JSON-safe. */
static int
rid_valid(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= RID_MAX)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._-:", s[i])))
			return 0;
	}
	return 1;
}

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void
rid_for(const struct request *req, char rid[RID_MAX + 1])
{
	const char	*v;

	if (rid_valid(v = request_param(req, "REQUEST_ID")) ||
	    rid_valid(v = request_param(req, "HTTP_X_REQUEST_ID"))) {
		snprintf(rid, RID_MAX + 1, "%s", v);
		return;
	}
	snprintf(rid, RID_MAX + 1, "%016llx%016llx",
	    (unsigned long long)w.rid_key,
	    (unsigned long long)splitmix64(w.rid_key + ++w.rid_seq));
}

/* A codec's writer into an evbuffer (a bufferevent's output, say). */
static int
emit_evbuffer(void *arg, const void *data, size_t len)
{
	return evbuffer_add(arg, data, len);
}

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
	if (TAILQ_EMPTY(&c->jobs)) {
		tv.tv_sec = w.pool->read_timeout_ms / 1000;
		tv.tv_usec = (w.pool->read_timeout_ms % 1000) * 1000;
		bufferevent_set_timeouts(c->bev, &tv, NULL);
	} else
		bufferevent_set_timeouts(c->bev, NULL, NULL);
}

/*
 * Writes the output now instead of on the next loop iteration, which is
 * when a bufferevent would (one epoll round trip, ~35 us at c=1).  The
 * bufferevent keeps its output's front frozen between its own writes;
 * anything left is written by it as usual.  If all went out, the write
 * callback's work (which may free c) is done here.
 *
 * An answer framed into w.stage (conn_frame) goes first, and straight to
 * the socket if nothing is queued before it: handed to the bufferevent,
 * it would arm the write event (epoll_ctl) only for the next iteration to
 * disarm it (another), for an answer the socket takes at once.
 */
static void
conn_flush(struct conn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	int		 fd = bufferevent_getfd(c->bev);

	if (evbuffer_get_length(w.stage) > 0) {
		if (evbuffer_get_length(out) == 0)
			(void)evbuffer_write(w.stage, fd);
		if (evbuffer_get_length(w.stage) > 0)
			evbuffer_add_buffer(out, w.stage);
	}
	if (evbuffer_get_length(out) > 0) {
		evbuffer_unfreeze(out, 1);
		(void)evbuffer_write(out, fd);
		evbuffer_freeze(out, 1);
	}
	if (evbuffer_get_length(out) == 0)
		conn_write_cb(c->bev, c);
}

/* What of a complete answer goes out: for HEAD, no body (RFC 3875 4.3.2). */
static size_t
answer_len(const struct request *req, const void *data, size_t len)
{
	const char	*method = request_param(req, "REQUEST_METHOD");

	if (method != NULL && strcmp(method, "HEAD") == 0)
		return response_head_len(data, len);
	return len;
}

/*
 * Frames a complete answer into to, or the connection's output if NULL;
 * the request id is free again afterwards.  w.stage must be flushed
 * (conn_flush) before anything else is framed.
 */
static void
conn_frame(struct conn *c, const struct request *req, const void *data,
    size_t len, struct evbuffer *to)
{
	if (to == NULL)
		to = bufferevent_get_output(c->bev);
	len = answer_len(req, data, len);
	if (w.codec->write_response(req->id, data, len, emit_evbuffer, to) != 0)
		log_warnx("%s: cannot queue response", c->peer);
	w.codec->request_done(c->parser, req->id);
	if (!req->keep_conn || w.stopping)
		c->closing = 1;
}

static void
conn_respond(struct conn *c, const struct request *req, const void *data,
    size_t len)
{
	conn_frame(c, req, data, len, NULL);
}

static void
conn_respond_error(struct conn *c, const struct request *req, const char *rid,
    int status, const char *message, const char *extra_headers)
{
	struct buf	b = BUF_INIT;

	if (response_error(&b, status, message, rid, extra_headers) == 0)
		conn_respond(c, req, b.data, b.len);
	else
		log_msg(LOG_LVL_WARN, rid, "cannot build %d response", status);
	buf_free(&b);
}

static uint64_t
since_us(const struct timespec *t0)
{
	struct timespec	now;
	int64_t		us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)(now.tv_sec - t0->tv_sec) * 1000000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000;
	return us > 0 ? (uint64_t)us : 0;
}

/* One access log line about a request that ran no child. */
static void
access_note(const struct request *req, const struct timespec *t_start,
    const void *data, size_t len)
{
	struct accesslog_entry	e;

	if (!accesslog_enabled())
		return;
	memset(&e, 0, sizeof(e));
	e.req = req;
	response_summary(data, answer_len(req, data, len), &e.status,
	    &e.body_bytes);
	e.duration_us = since_us(t_start);
	clock_gettime(CLOCK_REALTIME, &e.time);
	accesslog_write(&e);
}

/*
 * Answers j, into to (conn_frame), and keeps what the counters and the
 * access log need of the answer.
 */
static void
job_frame(struct job *j, const void *data, size_t len, struct evbuffer *to)
{
	response_summary(data, answer_len(j->req, data, len), &j->status,
	    &j->body_bytes);
	j->dur_us = since_us(&j->t_start);
	clock_gettime(CLOCK_REALTIME, &j->t_answer);
	stats_status_class(j->status);
	stats_served();
	conn_frame(j->conn, j->req, data, len, to);
}

static void
job_respond(struct job *j, const void *data, size_t len)
{
	job_frame(j, data, len, NULL);
}

static void
job_respond_error(struct job *j, int status, const char *message,
    const char *extra_headers)
{
	struct buf	b = BUF_INIT;

	if (response_error(&b, status, message, j->rid, extra_headers) == 0)
		job_respond(j, b.data, b.len);
	else
		log_msg(LOG_LVL_WARN, j->rid, "cannot build %d response",
		    status);
	buf_free(&b);
}

/*
 * The access log line of a job, written when it is freed: by then the
 * child, if any, is reaped and its rusage known.  A job never answered
 * lost its client: 499, as nginx logs it.
 */
static void
job_log(struct job *j)
{
	struct accesslog_entry	e;

	memset(&e, 0, sizeof(e));
	e.req = j->req;
	e.pid = j->pid;
	e.ru = j->has_ru ? &j->ru : NULL;
	if (j->status != 0) {
		e.status = j->status;
		e.body_bytes = j->body_bytes;
		e.duration_us = j->dur_us;
		e.time = j->t_answer;
	} else {
		e.status = 499;
		e.duration_us = since_us(&j->t_start);
		clock_gettime(CLOCK_REALTIME, &e.time);
	}
	accesslog_write(&e);
}

static void
job_close_pipe(struct job *j)
{
	if (j->ev_out != NULL) {
		event_free(j->ev_out);
		j->ev_out = NULL;
	}
	if (j->out_fd != -1) {
		close(j->out_fd);
		j->out_fd = -1;
	}
}

static void
job_free(struct job *j)
{
	if (accesslog_enabled())
		job_log(j);
	if (j->conn != NULL)
		TAILQ_REMOVE(&j->conn->jobs, j, conn_entry);
	job_close_pipe(j);
	if (j->ev_timeout != NULL)
		event_free(j->ev_timeout);
	if (j->ev_slow != NULL)
		event_free(j->ev_slow);
	buf_free(&j->out);
	request_free(j->req);
	free(j);
}

/*
 * Kills the child and whatever it started: the child leads its own
 * process group.  Never after the reap, when the pid may be reused.
 */
static void
job_kill(struct job *j)
{
	if (j->pid <= 0 || j->reaped)
		return;
	if (kill(-j->pid, SIGKILL) == -1)
		(void)kill(j->pid, SIGKILL);
}

/* The child's answer is complete only if its length prefix says so. */
static int
job_output_complete(const struct job *j)
{
	uint32_t	len;

	if (j->out.len < sizeof(len))
		return 0;
	memcpy(&len, j->out.data, sizeof(len));
	return j->out.len - sizeof(len) == len;
}

/*
 * Reads what the child has written so far, without blocking.  Once the
 * answer is complete the pipe is closed: the child writes nothing after
 * it, so neither a read that would find nothing more nor a wake-up for
 * the end of file is worth a system call.
 */
static void
job_drain(struct job *j)
{
	ssize_t	n;

	while (j->out_fd != -1) {
		if (buf_reserve(&j->out, PIPE_READ_CHUNK) == -1) {
			log_msg(LOG_LVL_ERROR, j->rid, "out of memory");
			j->overflow = 1;
			job_close_pipe(j);
			break;
		}
		n = read(j->out_fd, j->out.data + j->out.len, PIPE_READ_CHUNK);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				job_close_pipe(j);
			break;
		}
		if (n == 0) {
			job_close_pipe(j);
			break;
		}
		j->out.len += (size_t)n;
		if (j->out.len > w.pool->max_response_size + 4) {
			log_msg(LOG_LVL_WARN, j->rid, "response larger than "
			    "max_response_size (%zu bytes); killing child %ld",
			    w.pool->max_response_size, (long)j->pid);
			j->overflow = 1;
			job_kill(j);
			job_close_pipe(j);
			break;
		}
		if (job_output_complete(j)) {
			job_close_pipe(j);
			break;
		}
	}
}

/*
 * Sends a complete answer as soon as it is read, not when the child has
 * exited: the child's teardown then overlaps the trip back to nginx.  The
 * job stays (counted in max_children) until the child is reaped.
 */
static void
job_out_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;
	struct conn	*c = j->conn;

	(void)fd;
	(void)events;
	job_drain(j);
	if (c == NULL || j->answered || j->aborted || j->timed_out ||
	    j->overflow || !job_output_complete(j))
		return;
	job_frame(j, j->out.data + 4, j->out.len - 4, w.stage);
	TAILQ_REMOVE(&c->jobs, j, conn_entry);
	j->conn = NULL;
	j->answered = 1;
	buf_free(&j->out);
	conn_flush(c);		/* may free c */
	spare_refill();
}

static void
job_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	if (j->answered) {		/* answered, but will not exit */
		job_kill(j);
		return;
	}
	log_msg(LOG_LVL_WARN, j->rid, "request timed out after %llu ms; "
	    "killing child %ld", (unsigned long long)w.pool->request_timeout_ms,
	    (long)j->pid);
	j->timed_out = 1;
	job_kill(j);
}

/* Past slowlog_timeout: ask the child for its Lua stack (slowlog.c). */
static void
job_slow_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;
	uint64_t	 us = since_us(&j->t_run), ms = us / 1000;
	uint64_t	 want = (uint64_t)w.pool->slowlog_timeout_ms * 1000;
	struct timeval	 tv;

	(void)fd;
	(void)events;
	if (j->answered || j->reaped || j->timed_out || j->aborted)
		return;
	/*
	 * libevent measures the timer from the time it cached when the loop
	 * woke, a little before t_run: never ask early, wait out the rest.
	 */
	if (us < want) {
		tv.tv_sec = (want - us) / 1000000;
		tv.tv_usec = (want - us) % 1000000;
		evtimer_add(j->ev_slow, &tv);
		return;
	}
	stats_count(STATS_SLOW);
	log_msg(LOG_LVL_DEBUG, j->rid, "running for %llu ms "
	    "(slowlog_timeout); asking child %ld for its stack",
	    (unsigned long long)ms, (long)j->pid);
	if (slowlog_ask(j->pid, ms) == -1)
		log_msg(LOG_LVL_WARN, j->rid, "slow log: signal child %ld: %s",
		    (long)j->pid, strerror(errno));
}

/* Forks a child that inherits the request (no spare, or too big for one). */
static int
job_fork(struct job *j)
{
	int	pfd[2];
	pid_t	pid;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_msg(LOG_LVL_ERROR, j->rid, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = child_fork()) == 0)
		child_run(w.app, j->req, pfd[1], w.pid);
	close(pfd[1]);
	if (pid == -1) {
		log_msg(LOG_LVL_ERROR, j->rid, "fork: %s", strerror(errno));
		close(pfd[0]);
		return -1;
	}
	stats_count(STATS_FORKED);
	j->pid = pid;
	j->out_fd = pfd[0];
	(void)fcntl(j->out_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/*
 * Gives j a child: a spare, else a fork of its own.  0: it has one; 1: it
 * must wait for a spare (the zygote is forking one); -1: failed.
 */
static int
job_child(struct job *j)
{
	if (spare_take(j->req, &j->pid, &j->out_fd) == 0)
		return 0;
	if (errno == EAGAIN)
		return 1;
	return job_fork(j);
}

/* Whether a request can have a child now (max_children). */
static int
slot_free(void)
{
	return w.nrunning + w.nwaiting < w.pool->max_children;
}

/* j, with its child, runs: reads the answer, under its timers. */
static void
job_run(struct job *j)
{
	struct timeval	 tv;

	clock_gettime(CLOCK_MONOTONIC, &j->t_run);
	TAILQ_INSERT_TAIL(&w.running, j, entry);
	w.nrunning++;
	stats_active(1);
	j->ev_out = event_new(w.base, j->out_fd, EV_READ | EV_PERSIST,
	    job_out_cb, j);
	j->ev_timeout = evtimer_new(w.base, job_timeout_cb, j);
	if (j->ev_out == NULL || j->ev_timeout == NULL)
		fatalx("event_new");
	event_add(j->ev_out, NULL);
	tv.tv_sec = w.pool->request_timeout_ms / 1000;
	tv.tv_usec = (w.pool->request_timeout_ms % 1000) * 1000;
	evtimer_add(j->ev_timeout, &tv);
	if (w.pool->slowlog_timeout_ms > 0) {
		if ((j->ev_slow = evtimer_new(w.base, job_slow_cb, j)) == NULL)
			fatalx("event_new");
		tv.tv_sec = w.pool->slowlog_timeout_ms / 1000;
		tv.tv_usec = (w.pool->slowlog_timeout_ms % 1000) * 1000;
		evtimer_add(j->ev_slow, &tv);
	}
}

static void
job_fail(struct job *j)
{
	if (j->conn != NULL)
		job_respond_error(j, 503, "service unavailable",
		    "Retry-After: 1\r\n");
	job_free(j);
}

/* j takes a free slot: runs, or waits for its spare. */
static void
job_start(struct job *j)
{
	switch (job_child(j)) {
	case 0:
		job_run(j);
		break;
	case 1:
		stats_count(STATS_SPARE_WAITS);
		TAILQ_INSERT_TAIL(&w.waiting, j, entry);
		j->waiting = 1;
		spare_wait(++w.nwaiting);
		break;
	default:
		job_fail(j);
	}
}

static void
start_queued(void)
{
	struct job	*j;

	while (slot_free() && (j = TAILQ_FIRST(&w.queue)) != NULL) {
		TAILQ_REMOVE(&w.queue, j, entry);
		w.nqueued--;
		stats_queued(-1);
		job_start(j);
	}
}

/* Spares came for the requests waiting, or none will (spare_init). */
static void
spare_ready(void)
{
	struct job	*j;
	int		 rc;

	while ((j = TAILQ_FIRST(&w.waiting)) != NULL &&
	    (rc = job_child(j)) != 1) {
		TAILQ_REMOVE(&w.waiting, j, entry);
		j->waiting = 0;
		w.nwaiting--;
		if (rc == 0)
			job_run(j);
		else
			job_fail(j);
	}
	spare_wait(w.nwaiting);
}

/* Takes j, which has no child yet, off its list. */
static void
job_unqueue(struct job *j)
{
	if (j->waiting) {
		TAILQ_REMOVE(&w.waiting, j, entry);
		j->waiting = 0;
		spare_wait(--w.nwaiting);
	} else {
		TAILQ_REMOVE(&w.queue, j, entry);
		w.nqueued--;
		stats_queued(-1);
	}
}

static void
job_reaped(struct job *j, int status, const struct rusage *ru)
{
	struct conn	*c = j->conn;
	int		 answered = j->answered;

	j->reaped = 1;
	j->ru = *ru;
	j->has_ru = 1;
	job_drain(j);
	job_close_pipe(j);
	TAILQ_REMOVE(&w.running, j, entry);
	w.nrunning--;
	stats_active(-1);

	if (j->answered) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			log_msg(LOG_LVL_WARN, j->rid, "child %ld answered, then "
			    "%s %d", (long)j->pid, WIFSIGNALED(status) ?
			    "was killed by signal" : "exited with status",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
	} else if (c == NULL) {
		log_msg(LOG_LVL_DEBUG, j->rid, "child %ld reaped after the "
		    "peer went away", (long)j->pid);
	} else if (j->aborted) {
		conn_respond(c, j->req, NULL, 0);
	} else if (j->timed_out) {
		stats_count(STATS_TIMEOUTS);
		job_respond_error(j, 504, "request timed out", NULL);
	} else if (j->overflow) {
		job_respond_error(j, 500, "internal server error", NULL);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    job_output_complete(j)) {
		job_frame(j, j->out.data + 4, j->out.len - 4, w.stage);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
		log_msg(LOG_LVL_ERROR, j->rid, "child %ld exceeded "
		    "child_cpu_limit (%d s); answering 504", (long)j->pid,
		    w.pool->child_cpu_limit);
		stats_count(STATS_TIMEOUTS);
		job_respond_error(j, 504, "request timed out", NULL);
	} else {
		stats_count(STATS_CRASHES);
		if (WIFSIGNALED(status))
			log_msg(LOG_LVL_ERROR, j->rid, "child %ld killed by "
			    "signal %d (%s)", (long)j->pid, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
		else
			log_msg(LOG_LVL_ERROR, j->rid, "child %ld exited with "
			    "status %d without a complete response",
			    (long)j->pid, WEXITSTATUS(status));
		job_respond_error(j, 500, "internal server error", NULL);
	}
	job_free(j);
	/* The answer goes out now, not an iteration later; c may be freed. */
	if (!answered && c != NULL)
		conn_flush(c);
	start_queued();
	spare_refill();
	maybe_exit();
}

/*
 * A child's exit is seen first without reaping it (WNOWAIT): while its
 * zombie holds the pid, killing the process group safely takes down
 * anything the handler left running, so no process outlives its request.
 *
 * SIGCHLD, one per request, comes through a signalfd rather than
 * libevent's handler and socketpair: no signal frame, no rt_sigreturn, no
 * write, one read.  Exits that pend together are one signal: the read
 * drains it, the loop reaps them all.
 */
static void
sigchld_cb(evutil_socket_t fd, short events, void *arg)
{
	struct signalfd_siginfo	 info[8];
	struct job		*j;
	struct rusage		 ru;
	siginfo_t		 si;
	pid_t			 pid;
	int			 status;

	(void)events;
	(void)arg;
	if (read(fd, info, sizeof(info)) == -1 && errno != EAGAIN)
		log_warn("read the SIGCHLD signalfd");
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
		    (pid = si.si_pid) == 0)
			break;
		TAILQ_FOREACH(j, &w.running, entry)
			if (j->pid == pid)
				break;
		if (j != NULL)
			(void)kill(-pid, SIGKILL);
		/* wait4: the child's CPU time and peak RSS for the log. */
		if (wait4(pid, &status, 0, &ru) != pid)
			break;
		if (j != NULL)
			job_reaped(j, status, &ru);
		else
			(void)spare_reaped(pid, status);
	}
}

/* status_path and ping_path: answered here, no child, not counted. */
static int
dispatch_status(struct conn *c, struct request *req, const char *rid,
    const struct timespec *t_start)
{
	struct buf	b = BUF_INIT;

	if (!status_answer(w.pool, req, &b))
		return 0;
	if (b.len > 0)
		conn_respond(c, req, b.data, b.len);
	else
		log_msg(LOG_LVL_WARN, rid, "cannot build the status answer");
	access_note(req, t_start, b.data, b.len);
	buf_free(&b);
	request_free(req);
	return 1;
}

static void
dispatch(struct conn *c, struct request *req)
{
	struct timespec	 t_start;
	struct job	*j;
	char		 rid[RID_MAX + 1];

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	rid_for(req, rid);
	if (cgi_derive(req, rid) == 0 && dispatch_status(c, req, rid, &t_start))
		return;
	stats_count(STATS_ACCEPTED);
	/* Not derived (no path) or no job: out of memory either way. */
	if (req->path == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		log_msg(LOG_LVL_ERROR, rid, "out of memory; answering 503");
		conn_respond_error(c, req, rid, 503, "service unavailable",
		    "Retry-After: 1\r\n");
		request_free(req);
		return;
	}
	j->req = req;
	j->out_fd = -1;
	j->conn = c;
	j->t_start = t_start;
	memcpy(j->rid, rid, sizeof(j->rid));
	TAILQ_INSERT_TAIL(&c->jobs, j, conn_entry);
	if (slot_free())
		job_start(j);
	else if (w.nqueued < w.pool->queue) {
		TAILQ_INSERT_TAIL(&w.queue, j, entry);
		w.nqueued++;
		stats_queued(1);
	} else {
		log_msg(LOG_LVL_WARN, j->rid, "%d children busy and %d "
		    "requests queued; answering 503", w.nrunning, w.nqueued);
		stats_count(STATS_QUEUE_FULL);
		job_respond_error(j, 503, "service unavailable",
		    "Retry-After: 1\r\n");
		job_free(j);
	}
}

static void
conn_abort(struct conn *c, uint16_t id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &c->jobs, conn_entry)
		if (j->req->id == id)
			break;
	if (j == NULL) {
		/* Aborted while still arriving: the parser dropped it. */
		log_msg(LOG_LVL_INFO, NULL, "%s: request %u aborted before it "
		    "was complete", c->peer, id);
		(void)w.codec->write_response(id, NULL, 0, emit_evbuffer,
		    bufferevent_get_output(c->bev));
		return;
	}
	log_msg(LOG_LVL_INFO, j->rid, "aborted by %s", c->peer);
	if (j->pid != 0) {
		j->aborted = 1;
		job_kill(j);
		return;
	}
	job_unqueue(j);
	conn_respond(c, j->req, NULL, 0);
	job_free(j);
	start_queued();		/* it may have held a slot */
}

/* A request over a limit (the codec's message names it): 413 or 431. */
static void
conn_too_large(struct conn *c, const struct request_event *ev)
{
	struct timespec	 t_start;
	struct buf	 b = BUF_INIT;
	char		 rid[RID_MAX + 1];

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	rid_for(ev->req, rid);
	(void)cgi_derive(ev->req, rid);	/* else no access log line (ENOMEM) */
	log_msg(LOG_LVL_WARN, rid, "%s: %s; answering %d", c->peer,
	    ev->errstr, ev->status);
	stats_count(STATS_ACCEPTED);
	if (response_error(&b, ev->status, ev->status == 413 ?
	    "request body too large" : "request header fields too large",
	    rid, NULL) == 0) {
		stats_status_class(ev->status);
		stats_served();
		conn_respond(c, ev->req, b.data, b.len);
		access_note(ev->req, &t_start, b.data, b.len);
	} else
		log_msg(LOG_LVL_WARN, rid, "cannot build %d response",
		    ev->status);
	buf_free(&b);
	/* If we close, the rest of the request must not turn into an RST. */
	c->linger = 1;
	request_free(ev->req);
}

/*
 * After max_requests_per_connection requests the connection reads no
 * more: it closes once their answers are out, and the peer reconnects
 * (nginx does, with its keepalive upstreams).  A request that did not
 * ask to keep the connection closes it anyway: nothing to log.
 */
static void
conn_count_request(struct conn *c, int keep_conn)
{
	int	max = w.pool->max_requests_per_connection;

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
	    (unsigned long long)w.pool->header_timeout_ms);
	conn_free(c);
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

	if (c->closing || !w.codec->head_pending(c->parser)) {
		evtimer_del(c->ev_head);
		return;
	}
	if (!progress && evtimer_pending(c->ev_head, NULL))
		return;
	tv.tv_sec = w.pool->header_timeout_ms / 1000;
	tv.tv_usec = (w.pool->header_timeout_ms % 1000) * 1000;
	evtimer_add(c->ev_head, &tv);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_iovec	 v;
	struct request_event	 ev;
	size_t			 used;
	int			 progress = 0, keep;

	while (!c->closing && evbuffer_peek(in, -1, NULL, &v, 1) > 0) {
		memset(&ev, 0, sizeof(ev));
		w.codec->parse(c->parser, v.iov_base, v.iov_len, &used, &ev);
		evbuffer_drain(in, used);
		switch (ev.type) {
		case REQ_EV_NEED_MORE:
			break;
		case REQ_EV_REQUEST:
			keep = ev.req->keep_conn;
			dispatch(c, ev.req);
			conn_count_request(c, keep);
			progress = 1;
			break;
		case REQ_EV_TOO_LARGE:
			keep = ev.req->keep_conn;
			conn_too_large(c, &ev);
			conn_count_request(c, keep);
			progress = 1;
			break;
		case REQ_EV_ABORT:
			conn_abort(c, ev.id);
			break;
		case REQ_EV_REPLY:
			bufferevent_write(bev, ev.reply, ev.reply_len);
			break;
		case REQ_EV_ERROR:
			log_msg(LOG_LVL_WARN, NULL, "%s: malformed %s "
			    "input: %s; closing connection", c->peer, w.codec->name,
			    ev.errstr);
			conn_free(c);
			return;
		}
	}
	if (c->closing)
		evbuffer_drain(in, evbuffer_get_length(in));
	else
		conn_arm(c);
	conn_head_timer(c, progress);
}

static void
conn_linger_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	c->lingered += evbuffer_get_length(in);
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->lingered > LINGER_MAX_BYTES)
		conn_free(c);
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
	if (!c->closing) {
		conn_arm(c);
		return;
	}
	if (!TAILQ_EMPTY(&c->jobs))
		return;
	if (c->linger)
		conn_linger(c);
	else
		conn_free(c);
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
		    (unsigned long long)w.pool->read_timeout_ms);
	if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		if (!TAILQ_EMPTY(&c->jobs))
			log_msg(LOG_LVL_INFO, NULL, "%s: peer closed the "
			    "connection with requests in flight; dropping "
			    "them", c->peer);
		conn_free(c);
	}
}

static void
accept_resume(void)
{
	if (!w.accepting && !w.stopping && w.nconns < w.pool->max_connections &&
	    !evtimer_pending(w.ev_accept_retry, NULL)) {
		event_add(w.ev_accept, NULL);
		w.accepting = 1;
	}
}

static void
accept_pause(void)
{
	if (w.accepting) {
		event_del(w.ev_accept);
		w.accepting = 0;
	}
}

/* Frees a connection that has no jobs left. */
static void
conn_destroy(struct conn *c)
{
	w.codec->parser_free(c->parser);
	if (c->ev_head != NULL)
		event_free(c->ev_head);
	bufferevent_free(c->bev);
	TAILQ_REMOVE(&w.conns, c, entry);
	w.nconns--;
	stats_conns(-1);
	free(c);
}

/*
 * Called once per connection, as the last thing of a callback.  Running
 * children are killed (their jobs stay until reaped, detached), queued
 * jobs are dropped.
 */
static void
conn_free(struct conn *c)
{
	struct job	*j;

	while ((j = TAILQ_FIRST(&c->jobs)) != NULL) {
		TAILQ_REMOVE(&c->jobs, j, conn_entry);
		j->conn = NULL;
		/* One line per request lost, with its id (unless said). */
		if (j->pid != 0 && !j->aborted && !j->timed_out && !j->overflow)
			log_msg(LOG_LVL_INFO, j->rid, "connection from %s closed "
			    "before the answer; killing child %ld", c->peer,
			    (long)j->pid);
		else if (j->pid == 0)
			log_msg(LOG_LVL_INFO, j->rid, "connection from %s closed "
			    "before the answer; dropped from the queue", c->peer);
		if (j->pid != 0) {
			job_kill(j);
		} else {
			job_unqueue(j);
			job_free(j);
		}
	}
	conn_destroy(c);
	accept_resume();
	start_queued();		/* its requests may have held slots */
	maybe_exit();
}

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
		snprintf(out, len, "unix:%s", w.pool->listen);
}

static void
conn_new(int fd, const struct sockaddr_storage *ss)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->parser = w.codec->parser_new(&w.limits)) == NULL ||
	    (c->ev_head = evtimer_new(w.base, conn_head_timeout_cb,
	    c)) == NULL ||
	    (c->bev = bufferevent_socket_new(w.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("cannot allocate a connection");
		if (c != NULL) {
			w.codec->parser_free(c->parser);
			if (c->ev_head != NULL)
				event_free(c->ev_head);
		}
		free(c);
		close(fd);
		return;
	}
	TAILQ_INIT(&c->jobs);
	peer_name(ss, c->peer, sizeof(c->peer));
	TAILQ_INSERT_TAIL(&w.conns, c, entry);
	w.nconns++;
	stats_conns(1);
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	conn_arm(c);
	log_debug("accepted connection from %s", c->peer);
}

/* allowed_clients (TCP only; unset lets everyone in). */
static int
client_allowed(const struct sockaddr_storage *ss)
{
	const void	*addr;
	size_t		 len;
	int		 i;

	if (w.pool->nallowed == 0)
		return 1;
	if (ss->ss_family == AF_INET) {
		addr = &((const struct sockaddr_in *)(const void *)ss)->sin_addr;
		len = 4;
	} else if (ss->ss_family == AF_INET6) {
		addr = &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr;
		len = 16;
	} else
		return 1;
	for (i = 0; i < w.pool->nallowed; i++)
		if (w.pool->allowed[i].family == ss->ss_family &&
		    memcmp(w.pool->allowed[i].addr, addr, len) == 0)
			return 1;
	return 0;
}

static void
accept_retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	accept_resume();
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
	socklen_t		 slen;
	int			 i, fd;

	(void)events;
	(void)arg;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (w.nconns >= w.pool->max_connections) {
			log_msg(LOG_LVL_WARN, NULL, "max_connections (%d) "
			    "reached; not accepting until one closes",
			    w.nconns);
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
				evtimer_add(w.ev_accept_retry, &tv);
			}
			return;
		}
		if (!client_allowed(&ss)) {
			char	peer[INET6_ADDRSTRLEN + 16];

			peer_name(&ss, peer, sizeof(peer));
			log_msg(LOG_LVL_WARN, NULL, "%s: not in allowed_clients; "
			    "connection closed", peer);
			close(fd);
			continue;
		}
		conn_new(fd, &ss);
	}
}

/*
 * The last thing a worker does: reap every child, so none is left a
 * zombie under an init that does not reap.  Request children are done
 * when the loop ends; the zygote and idle spares are killed here; a spare
 * the zygote cloned but never announced exits at the end of file on its
 * request pipe, whose other ends died with the zygote and our socket.
 */
static void
reap_all(void)
{
	spare_stop();
	while (waitpid(-1, NULL, 0) != -1 || errno == EINTR)
		;
}

static void
maybe_exit(void)
{
	struct conn	*c, *next;

	if (!w.stopping || w.nrunning > 0 || w.nwaiting > 0 || w.nqueued > 0)
		return;
	/*
	 * Idle connections go now; the others once their output is out.  A
	 * peer that connected but has not sent a whole request yet (an SCGI
	 * connection carries exactly one) is not idle: its request is on the
	 * way, and closing now would fail it.  It closes once answered, or at
	 * read_timeout.
	 */
	for (c = TAILQ_FIRST(&w.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->nrequests == 0 || w.codec->head_pending(c->parser))
			continue;
		c->closing = 1;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
		    TAILQ_EMPTY(&c->jobs))
			conn_destroy(c);
	}
	if (TAILQ_EMPTY(&w.conns))
		event_base_loopexit(w.base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	if (w.stopping)
		return;
	log_debug("received signal %d; finishing %d running and %d queued "
	    "requests", (int)sig, w.nrunning, w.nqueued);
	w.stopping = 1;
	stats_stopping();
	spare_stop();
	accept_pause();
	close(w.listen_fd);
	w.listen_fd = -1;
	maybe_exit();
}

/*
 * Messages from the master.  CTL_REOPEN brings the log files it reopened
 * (as root: this worker may not be allowed to open them): the error log
 * and the pool's access and slow logs.  Idle spares hold the old ones, so
 * they are replaced.
 */
static void
ctl_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ctl_msg	 m;
	int		 fds[LOG_NFILES], r;

	(void)events;
	(void)arg;
	for (;;) {
		if ((r = ctl_recv(fd, &m)) == -1 && errno == EPROTO)
			continue;	/* not one of ours: dropped whole */
		if (r != 1)
			break;
		if (m.type != CTL_REOPEN) {
			ctl_unpack(&m, NULL, 0);	/* closes its fds */
			continue;
		}
		ctl_unpack(&m, fds, LOG_NFILES);
		if (fds[LOG_FILE_ACCESS] != -1) {
			accesslog_set_fd(fds[LOG_FILE_ACCESS]);
			fds[LOG_FILE_ACCESS] = -1;
		}
		if (fds[LOG_FILE_SLOW] != -1) {
			slowlog_set_fd(fds[LOG_FILE_SLOW]);
			fds[LOG_FILE_SLOW] = -1;
		}
		log_files_install(fds);
		log_debug("log files reopened");
		spare_renew();
	}
	if (r == 0) {
		/* The master is gone; its death signal is on the way. */
		event_del(w.ev_ctl);
	}
}

static void
libevent_log_cb(int severity, const char *msg)
{
	log_msg(severity >= EVENT_LOG_ERR ? LOG_LVL_ERROR :
	    severity == EVENT_LOG_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, NULL,
	    "libevent: %s", msg);
}

void
worker_main(const struct conf *conf, const struct pool_conf *pool,
    int listen_fd, int ctl_fd, pid_t master)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGQUIT };
	char			 err[2048];
	sigset_t		 chld;
	size_t			 i;
	int			 chld_fd;

	memset(&w, 0, sizeof(w));
	w.conf = conf;
	w.pool = pool;
	w.listen_fd = listen_fd;
	w.pid = getpid();
	TAILQ_INIT(&w.conns);
	TAILQ_INIT(&w.queue);
	TAILQ_INIT(&w.waiting);
	TAILQ_INIT(&w.running);
	w.codec = pool->protocol == CONF_PROTO_SCGI ? &scgi_codec :
	    &fastcgi_codec;
	w.limits.max_body_size = pool->max_body_size;
	w.limits.max_params_size = pool->max_params_size;
	w.limits.max_params = (size_t)pool->max_params;
	w.limits.max_param_length = pool->max_param_length;
	w.limits.max_conns = (unsigned)(pool->workers * pool->max_connections);
	w.limits.max_reqs = (unsigned)(pool->workers * pool->max_children);
	if (getrandom(&w.rid_key, sizeof(w.rid_key), 0) !=
	    (ssize_t)sizeof(w.rid_key))
		w.rid_key = splitmix64((uint64_t)w.pid ^ (uint64_t)time(NULL));

	(void)stats_worker_attach(pool->name);
	/* As root, before the drop, like the error log (nginx does so). */
	if (accesslog_open(pool) == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "access_log %s: %s",
		    pool->access_log, strerror(errno));
		exit(1);
	}
	if (slowlog_open(pool) == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "slowlog %s: %s", pool->slowlog,
		    strerror(errno));
		exit(1);
	}
	priv_drop(pool);
	child_set_limits(pool->child_memory_limit, pool->child_cpu_limit,
	    pool->child_open_files);
	/* After the drop: a credential change clears the death signal. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		exit(1);
	/* Both are the master's business; it tells workers what to do. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	event_set_log_callback(libevent_log_cb);
	if ((w.app = lua_app_load(pool->app, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERROR, NULL, "%s", err);
		exit(3);
	}
	/* Priority 2, below everything else, is for forking spares. */
	if ((w.base = event_base_new()) == NULL ||
	    (w.stage = evbuffer_new()) == NULL ||
	    event_base_priority_init(w.base, 3) == -1)
		fatalx("event_base_new");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		w.ev_sig[i] = evsignal_new(w.base, sigs[i], signal_cb, NULL);
		if (w.ev_sig[i] == NULL || event_add(w.ev_sig[i], NULL) == -1)
			fatalx("evsignal_new");
	}
	/* Blocked from here on (children unblock it: child_prepare). */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if ((chld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	w.ev_chld = event_new(w.base, chld_fd, EV_READ | EV_PERSIST,
	    sigchld_cb, NULL);
	if (w.ev_chld == NULL || event_add(w.ev_chld, NULL) == -1)
		fatalx("event_new");
	w.ev_accept = event_new(w.base, listen_fd, EV_READ | EV_PERSIST,
	    accept_cb, NULL);
	w.ev_accept_retry = evtimer_new(w.base, accept_retry_cb, NULL);
	w.ev_ctl = event_new(w.base, ctl_fd, EV_READ | EV_PERSIST, ctl_cb,
	    NULL);
	if (w.ev_accept == NULL || w.ev_accept_retry == NULL ||
	    w.ev_ctl == NULL || event_add(w.ev_ctl, NULL) == -1)
		fatalx("event_new");
	accept_resume();
	spare_init(w.base, w.app, pool->spare_children, spare_ready);
	sigprocmask(SIG_SETMASK, &chld, NULL);

	log_debug("worker ready");
	/* A reload waits for this before it stops the old workers. */
	if (ctl_send(ctl_fd, CTL_READY, 0, NULL, 0) == -1)
		log_warn("telling the master this worker is ready");
	event_base_dispatch(w.base);
	reap_all();

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_free(w.ev_sig[i]);
	event_free(w.ev_chld);
	close(chld_fd);
	event_free(w.ev_accept);
	event_free(w.ev_accept_retry);
	event_free(w.ev_ctl);
	evbuffer_free(w.stage);
	event_base_free(w.base);
	lua_app_free(w.app);
	exit(0);
}
