/*
 * A request's life in the worker (job.h).
 *
 *   admit --slot--> WAITING --spare--> RUNNING --answer read--> ANSWERED
 *     |               |  ^               |                        |
 *   queue/503         |  (children.c)    kill: timeout, abort,    |
 *     |               |                  overflow, peer gone      |
 *   QUEUED --slot-----+                  v                        |
 *                                      KILLED --------------------+
 *                                                                 v
 *                                        the child is reaped: job_finish
 *
 * A job holds a max_children slot from WAITING until its child is
 * reaped: an answer goes out as soon as it is read, the child's teardown
 * overlaps the trip back to nginx.  job_finish is the one teardown,
 * reached from every state; it writes the access log line.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include <event2/event.h>

#include "accesslog.h"
#include "buf.h"
#include "cgi.h"
#include "child.h"
#include "children.h"
#include "conn.h"
#include "job.h"
#include "log.h"
#include "response.h"
#include "slowlog.h"
#include "stats.h"
#include "status.h"

#define RID_MAX			64
#define PIPE_READ_CHUNK		65536
#define STREAM_HIGH_WATER	(256 * 1024)	/* queued for the peer: stop
						   reading the child's pipe */
#define SSE_COMMENT		":\n\n"	/* keeps an idle SSE stream up */

enum job_state {		/* in this order: a slot from WAITING on */
	JOB_NEW,		/* on no list yet */
	JOB_QUEUED,		/* no max_children slot yet */
	JOB_WAITING,		/* a slot; its child waits for a spare */
	JOB_RUNNING,		/* its child runs; its answer is read */
	JOB_ANSWERED,		/* answer sent; only the reaping is left */
	JOB_KILLED		/* child killed before it answered: why */
};

enum job_why {
	WHY_NONE,
	WHY_TIMEOUT,		/* request_timeout: 504 */
	WHY_ABORT,		/* the peer's FCGI_ABORT_REQUEST: no answer */
	WHY_OVERFLOW,		/* max_response_size, or no memory: 500 */
	WHY_GONE,		/* the peer closed the connection */
	WHY_DONE		/* its stream is over (a HEAD's): quietly */
};

struct job {
	TAILQ_ENTRY(job)	 entry;		/* js.queue or js.slots */
	enum job_state		 state;
	enum job_why		 why;		/* KILLED */
	struct conn		*conn;		/* NULL once answered or the
						   peer is gone */
	struct request		*req;
	struct child		 child;		/* children.c's handle */
	struct event		*ev_out;	/* the child's pipe */
	struct event		*ev_timeout;	/* request_timeout */
	struct event		*ev_slow;	/* slowlog_timeout, or NULL */
	struct event		*ev_idle;	/* stream: stream_idle_timeout */
	struct event		*ev_keep;	/* SSE stream: sse_keepalive */
	uint32_t		 frame_left;	/* stream: of the frame read */
	size_t			 frames;	/* stream: frames done (the
						   first is the CGI head) */
	size_t			 sent;		/* stream: bytes forwarded */
	int			 stream_status;	/* stream: its head's */
	unsigned		 streaming:1;	/* a stream's head came */
	unsigned		 sse:1;
	unsigned		 paused:1;	/* the peer does not read */
	unsigned		 detached:1;	/* the worker's own (a periodic
						   job's run): answers nobody */
	void			(*done)(void *, int status);	/* detached */
	void			*done_arg;
	uint64_t		 timeout_ms;	/* 0: request_timeout */
	struct buf		 out;		/* length prefix + answer */
	struct timespec		 t_start;	/* complete (CLOCK_MONOTONIC) */
	struct timespec		 t_run;		/* given a child (same clock) */
	struct timespec		 t_answer;	/* answered (CLOCK_REALTIME) */
	uint64_t		 dur_us;	/* t_start -> answer framed */
	int			 status;	/* answered; 0: not (yet) */
	size_t			 body_bytes;
	struct rusage		 ru;		/* the child's, once reaped */
	unsigned		 has_ru:1;
};

TAILQ_HEAD(jobq, job);

static struct {
	struct worker	*w;
	struct jobq	 queue;		/* QUEUED */
	struct jobq	 slots;		/* every other state */
	int		 nqueued;
	int		 nslots;
	int		 npaused;	/* streams waiting for their peer */
	uint64_t	 rid_key;	/* random, per worker */
	uint64_t	 rid_seq;
} js;

static void	job_finish(struct job *);

/* j->paused, counted in js.npaused. */
static void
set_paused(struct job *j, int on)
{
	if (j->paused != (unsigned)on)
		js.npaused += on ? 1 : -1;
	j->paused = on ? 1 : 0;
}
static void	stream_start(struct job *);
static void	stream_feed(struct job *);
static void	stream_stop(struct job *);
static void	timer_ms(struct event *, uint64_t);

#define JOB_OF(c)	((struct job *)(void *)((char *)(c) - \
			    offsetof(struct job, child)))

/* ---------------------------------------------------------------- ids */

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
	    (unsigned long long)js.rid_key,
	    (unsigned long long)splitmix64(js.rid_key + ++js.rid_seq));
}

/* ---------------------------------------------------------------- answers */

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

/* A HEAD answer's body is not sent (conn_answer), and not counted. */
static size_t
sent_len(const struct request *req, const void *data, size_t len)
{
	return request_is_head(req) ? response_head_len(data, len) : len;
}

/* One access log line about a request answered without a job. */
static void
access_note(const struct request *req, const struct timespec *t_start,
    const void *data, size_t len)
{
	struct accesslog_entry	e;

	if (!accesslog_enabled())
		return;
	memset(&e, 0, sizeof(e));
	e.req = req;
	response_summary(data, sent_len(req, data, len), &e.status,
	    &e.body_bytes);
	e.duration_us = since_us(t_start);
	clock_gettime(CLOCK_REALTIME, &e.time);
	accesslog_write(&e);
}

/*
 * Answers j with a complete CGI response of that status, and keeps what
 * the counters and the access log need of it.  j no longer needs its
 * connection afterwards.
 */
static void
job_answer(struct job *j, int status, const void *data, size_t len)
{
	struct conn	*c = j->conn;

	if (c == NULL && !j->detached)
		return;		/* the peer is gone: nobody to tell */
	j->status = status;
	j->body_bytes = sent_len(j->req, data, len) -
	    response_head_len(data, len);
	j->dur_us = since_us(&j->t_start);
	clock_gettime(CLOCK_REALTIME, &j->t_answer);
	if (c == NULL)
		return;		/* detached: its status is all */
	stats_status_class(j->status);
	stats_served();
	j->conn = NULL;
	conn_answer(c, j->req, data, len);
	conn_job_done(c);
}

static void
job_answer_error(struct job *j, int status, const char *message,
    const char *extra_headers)
{
	struct buf	b = BUF_INIT;

	if (response_error(&b, status, message, j->req->rid, extra_headers) == 0)
		job_answer(j, status, b.data, b.len);
	else
		log_msg(LOG_LVL_WARN, j->req->rid, "cannot build %d response",
		    status);
	buf_free(&b);
}

/* ---------------------------------------------------------------- life */

/* Whether a request can have a child now (max_children). */
static int
have_slot(void)
{
	return js.nslots < js.w->pool->max_children;
}

/* Moves j to state to, and to the list and counters of that state. */
static void
set_state(struct job *j, enum job_state to)
{
	if (j->state == JOB_QUEUED && to != JOB_QUEUED) {
		TAILQ_REMOVE(&js.queue, j, entry);
		js.nqueued--;
		stats_queued(-1);
	}
	if (to == JOB_QUEUED && j->state != JOB_QUEUED) {
		TAILQ_INSERT_TAIL(&js.queue, j, entry);
		js.nqueued++;
		stats_queued(1);
	}
	if (j->state < JOB_WAITING && to >= JOB_WAITING) {
		TAILQ_INSERT_TAIL(&js.slots, j, entry);
		js.nslots++;
	}
	if (to == JOB_RUNNING)
		stats_active(1);
	j->state = to;
}

static void
job_kill(struct job *j, enum job_why why)
{
	if (j->state == JOB_RUNNING) {
		j->state = JOB_KILLED;
		j->why = why;
	}
	children_kill(&j->child);
}

static void
job_close_pipe(struct job *j)
{
	if (j->ev_out != NULL) {
		event_free(j->ev_out);
		j->ev_out = NULL;
	}
	if (j->child.out_fd != -1) {
		if (!j->child.lent)
			close(j->child.out_fd);
		j->child.out_fd = -1;
	}
}

/* The child's answer is complete only if its head says so. */
static int
job_output_complete(const struct job *j)
{
	struct child_head	head;

	if (j->out.len < sizeof(head))
		return 0;
	memcpy(&head, j->out.data, sizeof(head));
	return j->out.len - sizeof(head) == head.len;
}

/* The complete answer the child sent, with its status. */
static void
job_answer_child(struct job *j)
{
	struct child_head	head;

	memcpy(&head, j->out.data, sizeof(head));
	job_answer(j, (int)head.status, j->out.data + sizeof(head),
	    j->out.len - sizeof(head));
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

	while (j->child.out_fd != -1 && !j->paused) {
		if (buf_reserve(&j->out, PIPE_READ_CHUNK) == -1) {
			log_msg(LOG_LVL_ERROR, j->req->rid, "out of memory");
			job_kill(j, WHY_OVERFLOW);
			job_close_pipe(j);
			break;
		}
		n = read(j->child.out_fd, j->out.data + j->out.len,
		    PIPE_READ_CHUNK);
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
		if (!j->streaming && j->out.len >= sizeof(struct child_head) &&
		    ((struct child_head *)(void *)j->out.data)->len ==
		    CHILD_STREAM)
			stream_start(j);
		if (j->streaming) {
			stream_feed(j);
			continue;
		}
		if (j->out.len > js.w->pool->max_response_size +
		    sizeof(struct child_head)) {
			log_msg(LOG_LVL_WARN, j->req->rid, "response larger than "
			    "max_response_size (%zu bytes); killing child %ld",
			    js.w->pool->max_response_size, (long)j->child.pid);
			job_kill(j, WHY_OVERFLOW);
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
 * job stays (holding its slot) until the child is reaped.
 */
static void
job_out_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	job_drain(j);
	if (j->streaming || j->state != JOB_RUNNING ||
	    (j->conn == NULL && !j->detached) || !job_output_complete(j))
		return;
	j->state = JOB_ANSWERED;
	job_answer_child(j);
	buf_free(&j->out);
	/* What it still does (fcgiserve.after) has after_timeout. */
	timer_ms(j->ev_timeout, js.w->pool->after_timeout_ms);
	children_refill();	/* after the answer: it is out first */
}

/* Past one of the child's time limits (key, ms): logged, and killed. */
static void
timed_out(struct job *j, const char *what, const char *key, uint64_t ms)
{
	log_msg(LOG_LVL_WARN, j->req->rid, "%s %llu ms (%s); killing child %ld",
	    what, (unsigned long long)ms, key, (long)j->child.pid);
	job_kill(j, WHY_TIMEOUT);
}

static void
job_timeout_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	if (j->state == JOB_RUNNING && j->streaming)
		timed_out(j, "stream ran for", "stream_timeout",
		    js.w->pool->stream_timeout_ms);
	else if (j->state == JOB_RUNNING)
		timed_out(j, "request timed out after", j->timeout_ms > 0 ?
		    "the job's timeout" : "request_timeout", j->req->timeout_ms);
	else if (j->state == JOB_ANSWERED)
		timed_out(j, "after: still running after", "after_timeout",
		    js.w->pool->after_timeout_ms);
	else
		job_kill(j, WHY_TIMEOUT);
}

static void
timer_ms(struct event *ev, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* Past slowlog_timeout: ask the child for its Lua stack (slowlog.c). */
static void
job_slow_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;
	uint64_t	 us = since_us(&j->t_run);
	uint64_t	 want = js.w->pool->slowlog_timeout_ms * 1000;
	struct timeval	 tv;

	(void)fd;
	(void)events;
	if (j->state != JOB_RUNNING)
		return;
	/*
	 * libevent measures the timer from the time it cached when the loop
	 * woke, a little before t_run: never ask early, wait out the rest.
	 */
	if (us < want) {
		tv.tv_sec = (time_t)((want - us) / 1000000);
		tv.tv_usec = (suseconds_t)((want - us) % 1000000);
		evtimer_add(j->ev_slow, &tv);
		return;
	}
	stats_count(STATS_SLOW);
	log_msg(LOG_LVL_DEBUG, j->req->rid, "running for %llu ms "
	    "(slowlog_timeout); asking child %ld for its stack",
	    (unsigned long long)(us / 1000), (long)j->child.pid);
	if (slowlog_ask(j->child.pid, us / 1000) == -1)
		log_msg(LOG_LVL_WARN, j->req->rid, "slow log: signal child %ld: %s",
		    (long)j->child.pid, strerror(errno));
}

/*
 * j's child runs: read its answer, under its timers.  Without its events
 * (no memory) it cannot be served: 503 now, the child killed and reaped.
 */
static void
job_run(struct job *j)
{
	const struct pool_conf	*p = js.w->pool;

	clock_gettime(CLOCK_MONOTONIC, &j->t_run);
	set_state(j, JOB_RUNNING);
	if ((j->ev_out = event_new(js.w->base, j->child.out_fd,
	    EV_READ | EV_PERSIST, job_out_cb, j)) == NULL ||
	    event_add(j->ev_out, NULL) == -1 ||
	    (j->ev_timeout = evtimer_new(js.w->base, job_timeout_cb,
	    j)) == NULL ||
	    (p->slowlog_timeout_ms > 0 && (j->ev_slow =
	    evtimer_new(js.w->base, job_slow_cb, j)) == NULL)) {
		log_msg(LOG_LVL_ERROR, j->req->rid, "cannot watch child %ld (out "
		    "of memory); answering 503", (long)j->child.pid);
		job_close_pipe(j);
		j->state = JOB_ANSWERED;
		job_answer_error(j, 503, "service unavailable",
		    "Retry-After: 1\r\n");
		children_kill(&j->child);
		return;
	}
	timer_ms(j->ev_timeout, j->req->timeout_ms);	/* job_start's */
	if (j->ev_slow != NULL)
		timer_ms(j->ev_slow, p->slowlog_timeout_ms);
}

/* No child to be had: 503, the job ends. */
static void
job_fail(struct job *j)
{
	job_answer_error(j, 503, "service unavailable", "Retry-After: 1\r\n");
	job_finish(j);
}

/* j takes a free slot: runs, or waits for its spare. */
static void
job_start(struct job *j)
{
	const struct pool_conf	*p = js.w->pool;

	/* The timers job_run and stream_start set, for the child. */
	j->req->timeout_ms = j->timeout_ms > 0 ? j->timeout_ms :
	    p->request_timeout_ms;
	j->req->after_ms = p->after_timeout_ms;
	j->req->stream_ms = p->stream_timeout_ms > 0 ? p->stream_timeout_ms :
	    REQUEST_NO_LIMIT;
	j->req->idle_ms = p->stream_idle_timeout_ms;
	j->child.req = j->req;
	set_state(j, JOB_WAITING);
	switch (children_take(&j->child)) {
	case 0:
		job_run(j);
		break;
	case 1:
		break;		/* children.c calls back */
	default:
		job_fail(j);
	}
}

static void
start_queued(void)
{
	struct job	*j;

	while (have_slot() && (j = TAILQ_FIRST(&js.queue)) != NULL)
		job_start(j);
}

/*
 * The access log line of a job, written when it ends: by then the child,
 * if any, is reaped and its rusage known.  A job never answered lost its
 * client: 499, as nginx logs it.
 */
static void
job_log(struct job *j)
{
	struct accesslog_entry	e;

	memset(&e, 0, sizeof(e));
	e.req = j->req;
	e.pid = j->child.pid;
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

/*
 * The one teardown, from any state: off its list (or the spare queue),
 * its pipe, timers and buffers, its access log line, its connection told.
 * A job with a live child is never ended: the reaping does it.  job_end
 * leaves the queue alone (for callers walking the lists); job_finish then
 * gives the slot freed to the next queued request.
 */
static void
job_end(struct job *j)
{
	struct conn	*c = j->conn;

	if (j->state == JOB_WAITING)
		children_cancel(&j->child);
	if (j->state == JOB_QUEUED)
		set_state(j, JOB_NEW);
	else if (j->state >= JOB_WAITING) {
		TAILQ_REMOVE(&js.slots, j, entry);
		js.nslots--;
	}
	if (accesslog_enabled())
		job_log(j);
	job_close_pipe(j);
	set_paused(j, 0);
	if (j->ev_timeout != NULL)
		event_free(j->ev_timeout);
	if (j->ev_slow != NULL)
		event_free(j->ev_slow);
	stream_stop(j);
	buf_free(&j->out);
	if (j->done != NULL)
		j->done(j->done_arg, j->status != 0 ? j->status : 500);
	request_free(j->req);
	free(j);
	if (c != NULL)
		conn_job_done(c);
	if (js.w->stopping)
		event_active(js.w->ev_check, EV_TIMEOUT, 0);
}

static void
job_finish(struct job *j)
{
	job_end(j);
	start_queued();		/* its slot is free */
}

/* ---------------------------------------------------------------- streams */

static void
stream_idle_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	if (j->state != JOB_RUNNING)
		return;
	timed_out(j, "stream wrote nothing for", "stream_idle_timeout",
	    js.w->pool->stream_idle_timeout_ms);
}

/* An SSE stream idle for sse_keepalive: a comment, between events. */
static void
stream_keep_cb(evutil_socket_t fd, short events, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)events;
	if (j->state != JOB_RUNNING || j->conn == NULL)
		return;
	if (j->frame_left == 0 && !j->paused)
		conn_stream_part(j->conn, j->req, SSE_COMMENT,
		    sizeof(SSE_COMMENT) - 1);
	timer_ms(j->ev_keep, js.w->pool->sse_keepalive_ms);
}

/*
 * The child's head says a stream follows (child.h): its own timers
 * replace request_timeout, and what follows the head is frames.
 */
static void
stream_start(struct job *j)
{
	struct child_head	head;
	const struct pool_conf	*p = js.w->pool;

	memcpy(&head, j->out.data, sizeof(head));
	j->streaming = 1;
	j->sse = (head.status & CHILD_SSE) != 0;
	j->stream_status = CHILD_STATUS(head.status);
	memmove(j->out.data, j->out.data + sizeof(head),
	    j->out.len - sizeof(head));
	j->out.len -= sizeof(head);
	stats_streams(1);
	if (p->stream_timeout_ms > 0)
		timer_ms(j->ev_timeout, p->stream_timeout_ms);
	else
		evtimer_del(j->ev_timeout);
	if ((j->ev_idle = evtimer_new(js.w->base, stream_idle_cb, j)) != NULL)
		timer_ms(j->ev_idle, p->stream_idle_timeout_ms);
	if (j->sse && p->sse_keepalive_ms > 0 &&
	    (j->ev_keep = evtimer_new(js.w->base, stream_keep_cb, j)) != NULL)
		timer_ms(j->ev_keep, p->sse_keepalive_ms);
}

/* The stream's timers and count, once it is over (idempotent). */
static void
stream_stop(struct job *j)
{
	if (j->ev_idle != NULL) {
		event_free(j->ev_idle);
		j->ev_idle = NULL;
	}
	if (j->ev_keep != NULL) {
		event_free(j->ev_keep);
		j->ev_keep = NULL;
	}
	if (j->streaming) {
		j->streaming = 0;
		stats_streams(-1);
	}
}

/*
 * Ends the stream for the peer (FastCGI END_REQUEST; SCGI closes):
 * after the end frame, or early (the child died or was killed) once a
 * byte of it went out.  The access log gets its status and bytes.
 */
static void
stream_end(struct job *j)
{
	struct conn	*c = j->conn;

	stream_stop(j);
	if (c == NULL)
		return;
	j->conn = NULL;
	j->status = j->stream_status;	/* answered: the access log says */
	j->body_bytes = j->frames > 0 ? j->sent : 0;
	j->dur_us = since_us(&j->t_start);
	clock_gettime(CLOCK_REALTIME, &j->t_answer);
	stats_status_class(j->status);
	stats_served();
	conn_stream_end(c, j->req);
	conn_job_done(c);
}

/* Forwards len bytes of the frame being read. */
static void
stream_forward(struct job *j, const char *data, size_t len)
{
	if (j->conn == NULL)
		return;		/* nobody to send it to: read away */
	conn_stream_part(j->conn, j->req, data, len);
	if (j->frames > 0)
		j->sent += len;
}

/*
 * Frames in j->out, forwarded as they come (a frame need not be whole:
 * the peer gets what there is).  At the end frame the request is
 * answered; the child may still run fcgiserve.after.  A peer that does
 * not read makes the worker stop reading the child (which then blocks in
 * its write): memory stays bounded per stream.
 */
static void
stream_feed(struct job *j)
{
	size_t		at = 0, n;
	uint32_t	len;

	while (at < j->out.len && j->streaming) {
		if (j->frame_left == 0) {
			if (j->out.len - at < sizeof(len))
				break;
			memcpy(&len, j->out.data + at, sizeof(len));
			at += sizeof(len);
			if (len == 0) {		/* the end */
				j->state = JOB_ANSWERED;
				stream_end(j);
				timer_ms(j->ev_timeout,
				    js.w->pool->after_timeout_ms);
				break;
			}
			j->frame_left = len;
		}
		n = j->out.len - at < j->frame_left ? j->out.len - at :
		    j->frame_left;
		stream_forward(j, j->out.data + at, n);
		at += n;
		j->frame_left -= (uint32_t)n;
		if (j->frame_left > 0)
			continue;
		if (j->frames++ == 0 && request_is_head(j->req)) {
			/* HEAD: the head is all; the body is not wanted. */
			j->state = JOB_KILLED;
			j->why = WHY_DONE;
			stream_end(j);
			children_kill(&j->child);
			break;
		}
	}
	memmove(j->out.data, j->out.data + at, j->out.len - at);
	j->out.len -= at;
	if (!j->streaming)
		return;
	if (j->ev_idle != NULL)
		timer_ms(j->ev_idle, js.w->pool->stream_idle_timeout_ms);
	if (j->conn != NULL && conn_output_len(j->conn) > STREAM_HIGH_WATER &&
	    j->ev_out != NULL) {
		set_paused(j, 1);
		event_del(j->ev_out);
	}
}

void
job_conn_writable(struct conn *c)
{
	struct job	*j;

	if (js.npaused == 0)
		return;		/* the common case: no stream waits */
	TAILQ_FOREACH(j, &js.slots, entry)
		if (j->conn == c && j->paused) {
			set_paused(j, 0);
			if (j->ev_out != NULL)
				event_add(j->ev_out, NULL);
		}
}

/* ---------------------------------------------------------------- children */

static void
child_started(struct child *c)
{
	job_run(JOB_OF(c));
}

static void
child_failed(struct child *c)
{
	job_fail(JOB_OF(c));
}

/* The child is reaped: what it left decides the answer, if one is due. */
static void
child_exited(struct child *ch, int status, const struct rusage *ru)
{
	struct job	*j = JOB_OF(ch);
	int		 sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int		 code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	j->ru = *ru;
	j->has_ru = 1;
	set_paused(j, 0);	/* read all it wrote */
	job_drain(j);
	job_close_pipe(j);
	stats_active(-1);
	if (j->streaming && j->frames + j->frame_left > 0) {
		/* Its head is out: the status cannot change now. */
		if (j->state == JOB_RUNNING)
			log_msg(LOG_LVL_ERROR, j->req->rid, "stream ended "
			    "early: child %ld %s %d", (long)ch->pid, sig ?
			    "killed by signal" : "exited with status",
			    sig ? sig : code);
		stream_end(j);
	} else if (j->state == JOB_KILLED && j->why == WHY_DONE) {
		/* a HEAD's stream, ended on purpose */
	} else if (j->state == JOB_ANSWERED) {
		if (code != 0)
			log_msg(LOG_LVL_WARN, j->req->rid, "child %ld answered, then "
			    "%s %d", (long)ch->pid, sig ? "was killed by "
			    "signal" : "exited with status", sig ? sig : code);
	} else if (j->conn == NULL && !j->detached) {
		log_msg(LOG_LVL_DEBUG, j->req->rid, "child %ld reaped after the "
		    "peer went away", (long)ch->pid);
	} else if (j->state == JOB_KILLED && j->why == WHY_ABORT) {
		conn_answer(j->conn, j->req, NULL, 0);
	} else if (j->state == JOB_KILLED && j->why == WHY_TIMEOUT) {
		stats_count(STATS_TIMEOUTS);
		job_answer_error(j, 504, "request timed out", NULL);
	} else if (j->state == JOB_KILLED) {
		job_answer_error(j, 500, "internal server error", NULL);
	} else if (code == 0 && job_output_complete(j)) {
		job_answer_child(j);
	} else if (sig == SIGXCPU) {
		log_msg(LOG_LVL_ERROR, j->req->rid, "child %ld exceeded "
		    "child_cpu_limit (%d s); answering 504", (long)ch->pid,
		    js.w->pool->child_cpu_limit);
		stats_count(STATS_TIMEOUTS);
		job_answer_error(j, 504, "request timed out", NULL);
	} else {
		stats_count(STATS_CRASHES);
		if (sig)
			log_msg(LOG_LVL_ERROR, j->req->rid, "child %ld killed by "
			    "signal %d (%s)", (long)ch->pid, sig,
			    strsignal(sig));
		else
			log_msg(LOG_LVL_ERROR, j->req->rid, "child %ld exited with "
			    "status %d without a complete response",
			    (long)ch->pid, code);
		job_answer_error(j, 500, "internal server error", NULL);
	}
	job_finish(j);
	children_refill();
}

static const struct children_ops	ops = {
	child_started, child_failed, child_exited
};

/* ---------------------------------------------------------------- api */

/* status_path and ping_path: answered here, no child, not counted. */
static int
admit_status(struct conn *c, struct request *req,
    const struct timespec *t_start)
{
	struct buf	b = BUF_INIT;

	if (!status_answer(js.w->pool, req, &b))
		return 0;
	if (b.len > 0)
		conn_answer(c, req, b.data, b.len);
	else
		log_msg(LOG_LVL_WARN, req->rid, "cannot build the status "
		    "answer");
	access_note(req, t_start, b.data, b.len);
	buf_free(&b);
	request_free(req);
	conn_job_done(c);
	return 1;
}

void
job_admit(struct conn *c, struct request *req)
{
	struct timespec	 t_start;
	struct job	*j = NULL;
	char		 rid[RID_MAX + 1];

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	rid_for(req, rid);
	if (cgi_derive(req, rid) == 0 && admit_status(c, req, &t_start))
		return;
	stats_count(STATS_ACCEPTED);
	/* Not derived (no path) or no job: out of memory either way. */
	if (req->path == NULL || (j = calloc(1, sizeof(*j))) == NULL) {
		log_msg(LOG_LVL_ERROR, rid, "out of memory; answering 503");
		conn_answer_error(c, req, rid, 503, "service unavailable",
		    "Retry-After: 1\r\n");
		request_free(req);
		conn_job_done(c);
		return;
	}
	j->req = req;
	j->child.out_fd = -1;
	j->conn = c;
	j->t_start = t_start;
	if (have_slot())
		job_start(j);
	else if (js.nqueued < js.w->pool->queue)
		set_state(j, JOB_QUEUED);
	else {
		log_msg(LOG_LVL_WARN, req->rid, "%d children busy and %d "
		    "requests queued; answering 503", js.nslots, js.nqueued);
		stats_count(STATS_QUEUE_FULL);
		job_answer_error(j, 503, "service unavailable",
		    "Retry-After: 1\r\n");
		job_finish(j);
	}
}

void
job_refuse(struct conn *c, const struct request_event *ev)
{
	struct timespec	 t_start;
	struct buf	 b = BUF_INIT;
	char		 rid[RID_MAX + 1];

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	rid_for(ev->req, rid);
	(void)cgi_derive(ev->req, rid);	/* else no access log line (ENOMEM) */
	log_msg(LOG_LVL_WARN, rid, "%s: %s; answering %d", conn_peer(c),
	    ev->errstr, ev->status);
	stats_count(STATS_ACCEPTED);
	if (response_error(&b, ev->status, ev->status == 413 ?
	    "request body too large" : "request header fields too large",
	    rid, NULL) == 0) {
		stats_status_class(ev->status);
		stats_served();
		conn_answer(c, ev->req, b.data, b.len);
		access_note(ev->req, &t_start, b.data, b.len);
	} else
		log_msg(LOG_LVL_WARN, rid, "cannot build %d response",
		    ev->status);
	buf_free(&b);
	request_free(ev->req);
}

int
job_abort(struct conn *c, uint16_t id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &js.slots, entry)
		if (j->conn == c && j->req->id == id)
			break;
	if (j == NULL)
		TAILQ_FOREACH(j, &js.queue, entry)
			if (j->conn == c && j->req->id == id)
				break;
	if (j == NULL)
		return -1;
	log_msg(LOG_LVL_INFO, j->req->rid, "aborted by %s", conn_peer(c));
	if (j->state == JOB_RUNNING || j->state == JOB_KILLED) {
		/* The peer asked: it gets no answer, whatever else killed
		   the child (a timeout's 504 is not wanted any more). */
		if (j->state == JOB_KILLED)
			j->why = WHY_ABORT;
		job_kill(j, WHY_ABORT);		/* ended when reaped */
		return 0;
	}
	conn_answer(c, j->req, NULL, 0);
	job_finish(j);
	return 0;
}

void
job_conn_gone(struct conn *c, const char *peer)
{
	struct job	*j, *next;
	int		 q;

	for (q = 0; q < 2; q++)
		for (j = TAILQ_FIRST(q ? &js.queue : &js.slots); j != NULL;
		    j = next) {
			next = TAILQ_NEXT(j, entry);
			if (j->conn != c)
				continue;
			j->conn = NULL;
			/* One line per request lost, with its id. */
			if (j->state == JOB_RUNNING) {
				log_msg(LOG_LVL_INFO, j->req->rid, "connection from "
				    "%s closed before the answer; killing "
				    "child %ld", peer, (long)j->child.pid);
				job_kill(j, WHY_GONE);
			} else if (j->state >= JOB_ANSWERED) {
				/* said already (timeout, abort, overflow), or
				   answered: its child's reaping ends it */
			} else {
				log_msg(LOG_LVL_INFO, j->req->rid, "connection from "
				    "%s closed before the answer; dropped from "
				    "the queue", peer);
				job_end(j);
			}
		}
	start_queued();		/* their slots are free */
}

void
job_run_detached(struct request *req, uint64_t timeout_ms,
    void (*done)(void *, int status), void *arg)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_msg(LOG_LVL_ERROR, req->rid, "out of memory");
		request_free(req);
		done(arg, 503);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &j->t_start);
	j->req = req;
	j->child.out_fd = -1;
	j->detached = 1;
	j->done = done;
	j->done_arg = arg;
	j->timeout_ms = timeout_ms;
	if (have_slot())
		job_start(j);
	else if (js.nqueued < js.w->pool->queue)
		set_state(j, JOB_QUEUED);
	else {
		log_msg(LOG_LVL_WARN, req->rid, "%d children busy and %d "
		    "requests queued; not run now", js.nslots, js.nqueued);
		j->status = 503;
		job_finish(j);
	}
}

int
job_count(void)
{
	return js.nslots + js.nqueued;
}

int
job_init(struct worker *w)
{
	memset(&js, 0, sizeof(js));
	js.w = w;
	TAILQ_INIT(&js.queue);
	TAILQ_INIT(&js.slots);
	if (getrandom(&js.rid_key, sizeof(js.rid_key), 0) !=
	    (ssize_t)sizeof(js.rid_key))
		js.rid_key = splitmix64((uint64_t)getpid() ^
		    (uint64_t)time(NULL));
	return children_init(w->base, w->app, w->pool->spare_children,
	    w->runners, &ops);
}
