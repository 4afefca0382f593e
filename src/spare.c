/*
 * Spare children.  Each is forked from the template, runs child_spare()
 * (all its set-up done) and blocks reading a pipe.  Taking one costs a
 * write of the packed request instead of a fork.  The replacement is
 * forked once the answer is queued (spare_refill), at the worker's lowest
 * event priority: libevent runs it only in a loop iteration with nothing
 * else to do, so the answer is written to the socket first, and a fork
 * never sits between a running request and its answer.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "log.h"
#include "spare.h"
#include "stats.h"

#define PIPE_DEFAULT_SIZE	65536

struct spare {
	TAILQ_ENTRY(spare)	 entry;
	pid_t			 pid;
	int			 req_fd;	/* we write the request */
	int			 out_fd;	/* it writes its answer */
};

TAILQ_HEAD(spareq, spare);
static struct spareq		 spares = TAILQ_HEAD_INITIALIZER(spares);
/* Killed, not reaped yet: listed so their pids are never killed reused. */
static struct spareq		 dying = TAILQ_HEAD_INITIALIZER(dying);
static int			 nspares, target, stopped;
static struct lua_app		*app;
static struct event		*ev_refill;
static struct buf		 packed;	/* reused for every request */

static void
spare_free(struct spareq *q, struct spare *s)
{
	TAILQ_REMOVE(q, s, entry);
	if (q == &spares)
		nspares--;
	if (s->req_fd != -1)
		close(s->req_fd);
	if (s->out_fd != -1)
		close(s->out_fd);
	free(s);
}

/* Kills every idle spare; they stay on the dying list until reaped. */
static void
kill_idle(void)
{
	struct spare	*s;

	while ((s = TAILQ_FIRST(&spares)) != NULL) {
		(void)kill(-s->pid, SIGKILL);
		TAILQ_REMOVE(&spares, s, entry);
		nspares--;
		TAILQ_INSERT_TAIL(&dying, s, entry);
	}
}

static int
spare_fork(void)
{
	struct spare	*s;
	int		 req[2], out[2];
	pid_t		 pid, parent = getpid();

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if (pipe2(req, O_CLOEXEC) == -1) {
		free(s);
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(req[0]);
		close(req[1]);
		free(s);
		return -1;
	}
	if ((pid = child_fork()) == 0)
		child_spare(app, req[0], out[1], parent);
	close(req[0]);
	close(out[1]);
	if (pid == -1) {
		close(req[1]);
		close(out[0]);
		free(s);
		return -1;
	}
	stats_count(STATS_FORKED);
	s->pid = pid;
	s->req_fd = req[1];
	s->out_fd = out[0];
	(void)fcntl(s->req_fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
	TAILQ_INSERT_TAIL(&spares, s, entry);
	nspares++;
	return 0;
}

static void
refill_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (stopped || nspares >= target)
		return;
	if (spare_fork() == -1) {
		log_warn("fork a spare child");
		return;
	}
	/* One per idle iteration: a burst of requests comes first. */
	if (nspares < target)
		event_active(ev_refill, EV_TIMEOUT, 0);
}

void
spare_init(struct event_base *base, struct lua_app *a, int n)
{
	app = a;
	target = n;
	if (target <= 0)
		return;
	if ((ev_refill = event_new(base, -1, 0, refill_cb, NULL)) == NULL ||
	    event_priority_set(ev_refill, event_base_get_npriorities(base) - 1))
		fatalx("spare: event_new");
	event_active(ev_refill, EV_TIMEOUT, 0);
}

int
spare_take(const struct request *req, const char *rid, pid_t *pid,
    int *out_fd)
{
	struct spare	*s;
	ssize_t		 n;
	int		 rc = -1;

	if ((s = TAILQ_FIRST(&spares)) == NULL)
		return -1;
	buf_reset(&packed);
	if (request_pack(req, rid, &packed) == -1)
		goto refill;
	/* A fresh pipe takes the whole message in one write, or nothing. */
	if (packed.len > PIPE_DEFAULT_SIZE &&
	    fcntl(s->req_fd, F_SETPIPE_SZ, (int)packed.len) < (int)packed.len)
		goto refill;
	if ((n = write(s->req_fd, packed.data, packed.len)) != (ssize_t)packed.len) {
		/* Cannot happen with room for it; never leave a half message. */
		log_warnx("spare %ld: short write of a request (%zd of %zu)",
		    (long)s->pid, n, packed.len);
		(void)kill(-s->pid, SIGKILL);
		TAILQ_REMOVE(&spares, s, entry);
		nspares--;
		TAILQ_INSERT_TAIL(&dying, s, entry);
		goto refill;
	}
	*pid = s->pid;
	*out_fd = s->out_fd;
	s->out_fd = -1;
	spare_free(&spares, s);
	rc = 0;
refill:
	if (packed.cap > 4 * PIPE_DEFAULT_SIZE)
		buf_free(&packed);	/* do not keep a huge body around */
	return rc;
}

void
spare_refill(void)
{
	if (!stopped && nspares < target)
		event_active(ev_refill, EV_TIMEOUT, 0);
}

int
spare_reaped(pid_t pid, int status)
{
	struct spare	*s;

	TAILQ_FOREACH(s, &dying, entry)
		if (s->pid == pid) {
			spare_free(&dying, s);
			return 1;
		}
	TAILQ_FOREACH(s, &spares, entry)
		if (s->pid == pid)
			break;
	if (s == NULL)
		return 0;
	log_msg(LOG_LVL_WARN, NULL, "idle spare child %ld %s %d",
	    (long)pid, WIFSIGNALED(status) ? "killed by signal" :
	    "exited with status", WIFSIGNALED(status) ? WTERMSIG(status) :
	    WEXITSTATUS(status));
	spare_free(&spares, s);
	if (!stopped && nspares < target)
		event_active(ev_refill, EV_TIMEOUT, 0);
	return 1;
}

void
spare_stop(void)
{
	stopped = 1;
	kill_idle();
}

void
spare_renew(void)
{
	kill_idle();
	if (!stopped && target > 0)
		event_active(ev_refill, EV_TIMEOUT, 0);
}
