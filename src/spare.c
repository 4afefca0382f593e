/*
 * Spare children.  Each is a copy of the template that has run
 * child_spare() (all its set-up done) and blocks reading a pipe.  Taking
 * one costs a write of the packed request instead of a fork.
 *
 * Spares are forked by the zygote (zygote.c), in parallel with the
 * worker: the worker only asks for one when it takes one, and adds the pid
 * and pipes the zygote sends back.  While the zygote works, every request
 * gets a spare: one that finds none idle waits for the next (spare_wait),
 * so the worker never forks and never shares its pages with a child (each
 * write to a shared page would cost it a copy).  Where the zygote cannot clone
 * (clone3 missing, e.g. under valgrind) or keeps dying, the worker forks
 * spares itself, at its lowest event priority: libevent runs that only in
 * a loop iteration with nothing else to do, so a fork never sits between
 * a running request and its answer.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "log.h"
#include "slowlog.h"
#include "spare.h"
#include "stats.h"
#include "wire.h"
#include "zygote.h"

#define PIPE_DEFAULT_SIZE	65536
#define ZYGOTE_RESTART_SEC	1	/* at most one zygote a second */
#define ZYGOTE_STALL_SEC	2	/* waited for a spare this long: kill it */

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
static int			 nwaiting;	/* requests waiting for a spare */
static struct lua_app		*app;
static struct event_base	*base;
static struct event		*ev_refill;
static struct event		*ev_ready;	/* runs ready() */
static void			(*ready)(void);	/* the worker's: spares came,
						   or will not */
static struct event		*ev_stall;	/* no spare came for waiters */
static struct buf		 packed;	/* reused for every request */
static const struct timeval	 stall = { ZYGOTE_STALL_SEC, 0 };

static struct {
	pid_t			 pid;		/* -1: none */
	int			 fd;
	int			 pending;	/* asked for, not received */
	int			 stale;		/* of those, forked before the
						   last SIGUSR1: old logs */
	int			 disabled;	/* cannot clone: never again */
	int			 killed;	/* by us: reaped quietly */
	time_t			 started;
	struct event		*ev;
	struct event		*ev_retry;	/* a restart held back */
} zy = { -1, -1, 0, 0, 0, 0, 0, NULL, NULL };

static void	fill(void);

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

/* Moves s to the dying list, killed. */
static void
spare_kill(struct spare *s)
{
	(void)kill(-s->pid, SIGKILL);
	TAILQ_REMOVE(&spares, s, entry);
	nspares--;
	TAILQ_INSERT_TAIL(&dying, s, entry);
}

/* Kills every idle spare; they stay on the dying list until reaped. */
static void
kill_idle(void)
{
	struct spare	*s;

	while ((s = TAILQ_FIRST(&spares)) != NULL)
		spare_kill(s);
}

/* Lists a new spare, killed at once if unwanted; the fds are ours now. */
static int
spare_add(pid_t pid, int req_fd, int out_fd, int unwanted)
{
	struct spare	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)kill(-pid, SIGKILL);
		close(req_fd);
		close(out_fd);
		return -1;
	}
	stats_count(STATS_FORKED);
	s->pid = pid;
	s->req_fd = req_fd;
	s->out_fd = out_fd;
	TAILQ_INSERT_TAIL(&spares, s, entry);
	nspares++;
	if (stopped || unwanted)
		spare_kill(s);
	return 0;
}

/* The worker forks a spare itself (no zygote). */
static int
spare_fork(void)
{
	int	 req[2], out[2];
	pid_t	 pid, parent = getpid();

	if (pipe2(req, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	if ((pid = child_fork()) == 0)
		child_spare(app, req[0], out[1], parent);
	close(req[0]);
	close(out[1]);
	if (pid == -1) {
		close(req[1]);
		close(out[0]);
		return -1;
	}
	(void)fcntl(req[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	return spare_add(pid, req[1], out[0], 0);
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

/* Stops talking to the zygote; its pid stays known until it is reaped. */
static void
zygote_hangup(void)
{
	if (zy.fd == -1)
		return;
	event_free(zy.ev);
	close(zy.fd);
	zy.fd = -1;
	zy.ev = NULL;
	zy.pending = zy.stale = 0;
	if (nwaiting > 0)
		event_active(ev_ready, EV_TIMEOUT, 0);	/* to fork, then */
}

/* Kills the zygote, quietly; the spares it sent stay. */
static void
zygote_kill(void)
{
	if (zy.pid == -1)
		return;
	(void)kill(zy.pid, SIGKILL);
	zy.killed = 1;
	zygote_hangup();
}

static void
zygote_cb(evutil_socket_t fd, short events, void *arg)
{
	pid_t	pid;
	int	rc, req_fd, out_fd;

	(void)fd;
	(void)events;
	(void)arg;
	while ((rc = zygote_recv(zy.fd, &pid, &req_fd, &out_fd)) == 1) {
		zy.pending--;
		if (pid == -1) {
			/* No clone3 (old kernel, valgrind): never again. */
			zy.disabled = errno == ENOSYS || errno == EPERM ||
			    errno == EINVAL;
			log_msg(zy.disabled ? LOG_LVL_INFO : LOG_LVL_WARN, NULL,
			    "spare zygote cannot fork (%s); the worker forks "
			    "spares itself%s", strerror(errno), zy.disabled ?
			    "" : " for now");
			zygote_kill();
			break;
		}
		/* As child_fork does; the spare does too: no race. */
		(void)setpgid(pid, pid);
		/*
		 * Stale (old logs), or asked for by a request whose client
		 * left while it was forked: beyond target it would only sit
		 * idle, holding memory.
		 */
		(void)spare_add(pid, req_fd, out_fd, zy.stale > 0 ||
		    (nwaiting == 0 && nspares >= target));
		if (zy.stale > 0)
			zy.stale--;
		if (nwaiting > 0 && nspares > 0) {
			event_active(ev_ready, EV_TIMEOUT, 0);
			evtimer_add(ev_stall, &stall);	/* it works: again */
		}
	}
	if (rc == -1)
		zygote_hangup();	/* it died: reaped and logged soon */
	fill();
}

/* The zygote, started if there is none: 0, or -1 when there cannot be. */
static int
zygote_ensure(void)
{
	static const struct timeval	retry = { ZYGOTE_RESTART_SEC, 0 };
	time_t				now = time(NULL);

	if (zy.pid != -1)
		return zy.fd != -1 ? 0 : -1;
	if (zy.disabled)
		return -1;
	if (now - zy.started < ZYGOTE_RESTART_SEC) {
		if (!evtimer_pending(zy.ev_retry, NULL))
			evtimer_add(zy.ev_retry, &retry);
		return -1;
	}
	zy.started = now;
	zy.killed = 0;
	if ((zy.pid = zygote_start(app, &zy.fd)) == -1) {
		log_warn("fork the spare zygote");
		return -1;
	}
	if ((zy.ev = event_new(base, zy.fd, EV_READ | EV_PERSIST, zygote_cb,
	    NULL)) == NULL || event_add(zy.ev, NULL) == -1)
		fatalx("spare: event_new");
	return 0;
}

static void
retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (!stopped)
		(void)zygote_ensure();
	fill();
}

/* Requests waited ZYGOTE_STALL_SEC and the zygote sent nothing. */
static void
stall_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (nwaiting == 0 || zy.pid == -1)
		return;
	log_msg(LOG_LVL_WARN, NULL, "spare zygote %ld sent no spare in %d s "
	    "while %d requests waited; killing it", (long)zy.pid,
	    ZYGOTE_STALL_SEC, nwaiting);
	zygote_kill();		/* the waiters fork, then */
}

/*
 * Asks for the spares missing, from the zygote or else from the worker:
 * one for each request waiting, and target more.
 */
static void
fill(void)
{
	if (stopped || nspares + zy.pending >= target + nwaiting)
		return;
	if (zy.pid != -1 && zy.fd == -1)
		return;		/* it is dying: its reaping fills */
	if (zygote_ensure() == -1) {
		event_active(ev_refill, EV_TIMEOUT, 0);
		return;
	}
	while (nspares + zy.pending < target + nwaiting &&
	    zygote_ask(zy.fd) == 0)
		zy.pending++;
}

static void
ready_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (nwaiting > 0)
		ready();
}

void
spare_init(struct event_base *b, struct lua_app *a, int n,
    void (*r)(void))
{
	base = b;
	app = a;
	target = n;
	ready = r;
	if (target <= 0)
		return;
	if ((ev_refill = event_new(base, -1, 0, refill_cb, NULL)) == NULL ||
	    event_priority_set(ev_refill, event_base_get_npriorities(base) - 1) ||
	    (ev_ready = event_new(base, -1, 0, ready_cb, NULL)) ==
	    NULL || event_priority_set(ev_ready, 0) ||
	    (ev_stall = evtimer_new(base, stall_cb, NULL)) == NULL ||
	    (zy.ev_retry = evtimer_new(base, retry_cb, NULL)) == NULL)
		fatalx("spare: event_new");
	zy.started = time(NULL) - ZYGOTE_RESTART_SEC;
	fill();
}

int
spare_take(const struct request *req, pid_t *pid, int *out_fd)
{
	struct spare	*s;
	ssize_t		 n;
	int		 rc = -1;

	if ((s = TAILQ_FIRST(&spares)) == NULL) {
		/* One comes if the zygote works and is asked (spare_wait). */
		errno = !stopped && zy.fd != -1 ? EAGAIN : ENOENT;
		return -1;
	}
	buf_reset(&packed);
	if (wire_pack(req, &packed) == -1)
		goto refill;
	/* A fresh pipe takes the whole message in one write, or nothing. */
	if (packed.len > PIPE_DEFAULT_SIZE &&
	    fcntl(s->req_fd, F_SETPIPE_SZ, (int)packed.len) < (int)packed.len) {
		errno = EMSGSIZE;
		goto refill;
	}
	if ((n = write(s->req_fd, packed.data, packed.len)) != (ssize_t)packed.len) {
		/* Cannot happen with room for it; never leave a half message. */
		log_warnx("spare %ld: short write of a request (%zd of %zu)",
		    (long)s->pid, n, packed.len);
		spare_kill(s);
		errno = EIO;
		goto refill;
	}
	*pid = s->pid;
	*out_fd = s->out_fd;
	s->out_fd = -1;
	spare_free(&spares, s);
	rc = 0;
refill:
	if (packed.cap > 4 * PIPE_DEFAULT_SIZE) {
		int	saved = errno;

		buf_free(&packed);	/* do not keep a huge body around */
		errno = saved;
	}
	return rc;
}

void
spare_refill(void)
{
	fill();
}

void
spare_wait(int n)
{
	if (target <= 0)
		return;
	if (n > 0 && nwaiting == 0)
		evtimer_add(ev_stall, &stall);
	else if (n == 0)
		evtimer_del(ev_stall);
	nwaiting = n;
	fill();
}

int
spare_reaped(pid_t pid, int status)
{
	struct spare	*s;

	if (pid == zy.pid) {
		if (!zy.killed)
			log_msg(LOG_LVL_WARN, NULL, "spare zygote %ld %s %d",
			    (long)pid, WIFSIGNALED(status) ? "killed by "
			    "signal" : "exited with status", WIFSIGNALED(status)
			    ? WTERMSIG(status) : WEXITSTATUS(status));
		zygote_hangup();
		zy.pid = -1;
		if (!stopped)
			(void)zygote_ensure();	/* or at the next fill */
		fill();
		return 1;
	}
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
	fill();
	return 1;
}

void
spare_stop(void)
{
	stopped = 1;
	zygote_kill();
	if (zy.ev_retry != NULL)
		evtimer_del(zy.ev_retry);
	kill_idle();
}

void
spare_renew(void)
{
	kill_idle();
	/* Its later spares must log to the files the worker has reopened;
	   those it forks before it reads this still have the old ones. */
	zy.stale = zy.pending;
	if (zy.fd != -1 &&
	    zygote_send_log(zy.fd, STDERR_FILENO, slowlog_fd()) == -1)
		zygote_kill();
	fill();
}
