/*
 * Every child process of a worker (children.h).
 *
 * Spares are forked by the zygote (zygote.c), in parallel with the
 * worker: the worker only asks for one when it takes one, and lists the
 * pid and pipes the zygote sends back.  While the zygote works, every
 * request gets a spare: one that finds none idle waits for the next, so
 * the worker never forks and never shares its pages with a child (each
 * write to a shared page would cost it a copy).  Where the zygote cannot
 * clone (clone3 missing, e.g. under valgrind) or keeps dying, the worker
 * forks spares itself, at its lowest event priority: libevent runs that
 * only in a loop iteration with nothing else to do, so a fork never sits
 * between a running request and its answer.  A request too large for a
 * spare's pipe, or with no spare to be had, gets a fork of its own.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
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
#include "children.h"
#include "deadline.h"
#include "log.h"
#include "slowlog.h"
#include "stats.h"
#include "wire.h"
#include "zygote.h"

#define PIPE_DEFAULT_SIZE	65536
#define ZYGOTE_RESTART_SEC	1	/* at most one zygote a second */
#define ZYGOTE_STALL_SEC	2	/* waited for a spare this long: kill it */

struct spare {				/* a spare, or a runner */
	TAILQ_ENTRY(spare)	 entry;
	pid_t			 pid;
	int			 req_fd;	/* we write the request */
	int			 out_fd;	/* it writes its answer */
	int			 done_fd;	/* runner: its reports */
	struct event		*ev_done;
	struct child		*c;		/* runner: the request it runs */
	unsigned		 gen;		/* ch.gen when it came */
};

TAILQ_HEAD(spareq, spare);
TAILQ_HEAD(childq, child);

static struct {
	struct event_base		*base;
	struct lua_app			*app;
	const struct children_ops	*ops;
	pid_t				 worker;
	int				 target;	/* spare_children */
	int				 runners;	/* isolation = reset */
	unsigned			 gen;		/* of the log files */
	int				 stopped;
	struct spareq			 spares;	/* idle */
	int				 nspares;
	struct spareq			 busy;		/* runners with a
							   request */
	struct spareq			 dying;		/* killed, not reaped:
							   their pids are not
							   reused yet */
	struct childq			 waiting;	/* for a spare */
	int				 nwaiting;
	struct childq			 running;	/* request children */
	struct buf			 packed;	/* reused per request */
	int				 chld_fd;	/* SIGCHLD's signalfd */
	struct event			*ev_chld;
	struct event			*ev_refill;	/* the worker forks */
	struct event			*ev_serve;	/* serve the waiting */
	struct event			*ev_stall;	/* no spare came */
} ch = { .chld_fd = -1 };

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

static const struct timeval	 stall = { ZYGOTE_STALL_SEC, 0 };

static void	fill(void);
static void	done_cb(evutil_socket_t, short, void *);

/* ---------------------------------------------------------------- spares */

static void
spare_free(struct spareq *q, struct spare *s)
{
	TAILQ_REMOVE(q, s, entry);
	if (q == &ch.spares)
		ch.nspares--;
	if (s->ev_done != NULL)
		event_free(s->ev_done);
	if (s->req_fd != -1)
		close(s->req_fd);
	if (s->out_fd != -1)
		close(s->out_fd);
	if (s->done_fd != -1)
		close(s->done_fd);
	free(s);
}

/* Moves s (idle) to the dying list, killed. */
static void
spare_kill(struct spare *s)
{
	(void)kill(-s->pid, SIGKILL);
	TAILQ_REMOVE(&ch.spares, s, entry);
	ch.nspares--;
	TAILQ_INSERT_TAIL(&ch.dying, s, entry);
}

/* A runner's pid, busy or idle: its entry, or NULL. */
static struct spare *
runner_find(struct spareq *q, pid_t pid)
{
	struct spare	*s;

	TAILQ_FOREACH(s, q, entry)
		if (s->pid == pid)
			break;
	return s;
}

static void
kill_idle(void)
{
	struct spare	*s;

	while ((s = TAILQ_FIRST(&ch.spares)) != NULL)
		spare_kill(s);
}

/*
 * Lists a new spare or runner (done_fd != -1), killed at once if
 * unwanted; the fds are ours now.
 */
static int
spare_add(pid_t pid, int req_fd, int out_fd, int done_fd, int unwanted)
{
	struct spare	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)kill(-pid, SIGKILL);
		close(req_fd);
		close(out_fd);
		if (done_fd != -1)
			close(done_fd);
		return -1;
	}
	stats_count(STATS_FORKED);
	s->pid = pid;
	s->req_fd = req_fd;
	s->out_fd = out_fd;
	s->done_fd = done_fd;
	s->gen = ch.gen;
	if (done_fd != -1 && ((s->ev_done = event_new(ch.base, done_fd,
	    EV_READ | EV_PERSIST, done_cb, s)) == NULL ||
	    event_add(s->ev_done, NULL) == -1))
		unwanted = 1;	/* without its reports: never used */
	TAILQ_INSERT_TAIL(&ch.spares, s, entry);
	ch.nspares++;
	if (ch.stopped || unwanted)
		spare_kill(s);
	return 0;
}

static void
close_pair(int p[2])
{
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
}

/* The worker forks a spare or runner itself (no zygote). */
static int
spare_fork(void)
{
	int	 req[2] = { -1, -1 }, out[2] = { -1, -1 };
	int	 done[2] = { -1, -1 };
	pid_t	 pid;

	if (pipe2(req, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    (ch.runners && pipe2(done, O_CLOEXEC) == -1)) {
		close_pair(req);
		close_pair(out);
		return -1;
	}
	if ((pid = child_fork()) == 0) {
		if (ch.runners)
			child_runner(ch.app, req[0], out[1], done[1],
			    ch.worker);
		child_spare(ch.app, req[0], out[1], ch.worker);
	}
	close(req[0]);
	close(out[1]);
	if (done[1] != -1)
		close(done[1]);
	if (pid == -1) {
		close(req[1]);
		close(out[0]);
		if (done[0] != -1)
			close(done[0]);
		return -1;
	}
	(void)fcntl(req[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	if (done[0] != -1)
		(void)fcntl(done[0], F_SETFL, O_NONBLOCK);
	return spare_add(pid, req[1], out[0], done[0], 0);
}

static void
refill_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (ch.stopped || ch.nspares >= ch.target)
		return;
	if (spare_fork() == -1) {
		log_warn("fork a spare child");
		return;
	}
	/* One per idle iteration: a burst of requests comes first. */
	if (ch.nspares < ch.target)
		event_active(ch.ev_refill, EV_TIMEOUT, 0);
}

/*
 * Hands c's request to an idle spare: 0 (c runs), -1 with errno: EAGAIN
 * none is idle, EMSGSIZE the request does not fit the spare's pipe in
 * one write, others on errors.
 */
static int
spare_take(struct child *c)
{
	struct spare	*s;
	ssize_t		 n;
	int		 rc = -1;

	if ((s = TAILQ_FIRST(&ch.spares)) == NULL) {
		errno = EAGAIN;
		return -1;
	}
	buf_reset(&ch.packed);
	if (wire_pack(c->req, &ch.packed) == -1)
		goto done;
	/* A fresh pipe takes the whole message in one write, or nothing. */
	if (ch.packed.len > PIPE_DEFAULT_SIZE && fcntl(s->req_fd,
	    F_SETPIPE_SZ, (int)ch.packed.len) < (int)ch.packed.len) {
		errno = EMSGSIZE;
		goto done;
	}
	n = write(s->req_fd, ch.packed.data, ch.packed.len);
	if (n != (ssize_t)ch.packed.len) {
		/* Cannot happen with room for it; never leave a half message. */
		log_warnx("spare %ld: short write of a request (%zd of %zu)",
		    (long)s->pid, n, ch.packed.len);
		spare_kill(s);
		errno = EIO;
		goto done;
	}
	c->pid = s->pid;
	c->out_fd = s->out_fd;
	if (s->done_fd != -1) {
		/* A runner: lent to c until it reports, then idle again. */
		c->lent = 1;
		s->c = c;
		TAILQ_REMOVE(&ch.spares, s, entry);
		ch.nspares--;
		TAILQ_INSERT_TAIL(&ch.busy, s, entry);
	} else {
		s->out_fd = -1;
		spare_free(&ch.spares, s);
	}
	rc = 0;
done:
	if (ch.packed.cap > 4 * PIPE_DEFAULT_SIZE) {
		int	saved = errno;

		buf_free(&ch.packed);	/* do not keep a huge body around */
		errno = saved;
	}
	return rc;
}

/* ---------------------------------------------------------------- zygote */

/* Stops talking to the zygote; its pid stays known until it is reaped. */
static void
zygote_hangup(void)
{
	if (zy.fd == -1)
		return;
	if (zy.ev != NULL)
		event_free(zy.ev);
	close(zy.fd);
	zy.fd = -1;
	zy.ev = NULL;
	zy.pending = zy.stale = 0;
	if (ch.nwaiting > 0)
		event_active(ch.ev_serve, EV_TIMEOUT, 0);	/* to fork */
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
	int	rc, req_fd, out_fd, done_fd;

	(void)fd;
	(void)events;
	(void)arg;
	while ((rc = zygote_recv(zy.fd, &pid, &req_fd, &out_fd, &done_fd)) ==
	    1) {
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
		(void)spare_add(pid, req_fd, out_fd, done_fd, zy.stale > 0 ||
		    (ch.nwaiting == 0 && ch.nspares >= ch.target));
		if (zy.stale > 0)
			zy.stale--;
		if (ch.nwaiting > 0 && ch.nspares > 0) {
			event_active(ch.ev_serve, EV_TIMEOUT, 0);
			evtimer_add(ch.ev_stall, &stall);	/* it works */
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
	if (zy.disabled || ch.stopped)
		return -1;
	if (now - zy.started < ZYGOTE_RESTART_SEC) {
		if (!evtimer_pending(zy.ev_retry, NULL))
			evtimer_add(zy.ev_retry, &retry);
		return -1;
	}
	zy.started = now;
	zy.killed = 0;
	if ((zy.pid = zygote_start(ch.app, ch.runners, &zy.fd)) == -1) {
		log_warn("fork the spare zygote");
		return -1;
	}
	if ((zy.ev = event_new(ch.base, zy.fd, EV_READ | EV_PERSIST,
	    zygote_cb, NULL)) == NULL || event_add(zy.ev, NULL) == -1) {
		log_warnx("spare zygote: event_new");
		zygote_kill();
		return -1;
	}
	return 0;
}

static void
retry_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
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
	if (ch.nwaiting == 0 || zy.pid == -1)
		return;
	log_msg(LOG_LVL_WARN, NULL, "spare zygote %ld sent no spare in %d s "
	    "while %d requests waited; killing it", (long)zy.pid,
	    ZYGOTE_STALL_SEC, ch.nwaiting);
	zygote_kill();		/* the waiters fork, then */
}

/*
 * Asks for the spares missing, from the zygote or else from the worker:
 * one for each request waiting, and target more.
 */
static void
fill(void)
{
	if (ch.stopped || ch.target <= 0 ||
	    ch.nspares + zy.pending >= ch.target + ch.nwaiting)
		return;
	if (zy.pid != -1 && zy.fd == -1)
		return;		/* it is dying: its reaping fills */
	if (zygote_ensure() == -1) {
		event_active(ch.ev_refill, EV_TIMEOUT, 0);
		return;
	}
	while (ch.nspares + zy.pending < ch.target + ch.nwaiting &&
	    zygote_ask(zy.fd) == 0)
		zy.pending++;
}

/* ---------------------------------------------------------------- taking */

/* Forks a child that inherits the request (no spare, or too big for one). */
static int
fork_one(struct child *c)
{
	int	pfd[2];
	pid_t	pid;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_msg(LOG_LVL_ERROR, c->req->rid, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = child_fork()) == 0)
		child_run(ch.app, c->req, pfd[1], ch.worker);
	close(pfd[1]);
	if (pid == -1) {
		log_msg(LOG_LVL_ERROR, c->req->rid, "fork: %s", strerror(errno));
		close(pfd[0]);
		return -1;
	}
	stats_count(STATS_FORKED);
	c->pid = pid;
	c->out_fd = pfd[0];
	(void)fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/*
 * A spare, else a fork: 0, 1 (wait: the zygote works), -1.  The child is
 * told when the worker's timer will kill it: stamped now, a little before
 * job.c starts that timer, so the child's deadline is never the later.
 */
static int
give(struct child *c)
{
	c->req->deadline_ns = deadline_stamp(c->req->timeout_ms);
	if (spare_take(c) == 0)
		return 0;
	if (errno == EAGAIN && !ch.stopped && zy.fd != -1)
		return 1;
	return fork_one(c);
}

static void
set_waiting(struct child *c, int on)
{
	if (on && !c->waiting) {
		TAILQ_INSERT_TAIL(&ch.waiting, c, entry);
		if (ch.nwaiting++ == 0)
			evtimer_add(ch.ev_stall, &stall);
	} else if (!on && c->waiting) {
		TAILQ_REMOVE(&ch.waiting, c, entry);
		if (--ch.nwaiting == 0)
			evtimer_del(ch.ev_stall);
	}
	c->waiting = on;
}

int
children_take(struct child *c)
{
	int	rc;

	c->pid = 0;
	c->out_fd = -1;
	c->reaped = 0;
	c->lent = 0;
	c->waiting = 0;
	/* A spare taken is replaced once the answer is out (children_refill):
	   asking the zygote now would wake it before the answer is sent. */
	if ((rc = give(c)) == 0)
		TAILQ_INSERT_TAIL(&ch.running, c, entry);
	else if (rc == 1) {
		stats_count(STATS_SPARE_WAITS);
		set_waiting(c, 1);
		fill();
	}
	return rc;
}

/* Spares came for the requests waiting, or none will: serve them. */
static void
serve_cb(evutil_socket_t fd, short events, void *arg)
{
	struct child	*c;
	int		 rc;

	(void)fd;
	(void)events;
	(void)arg;
	while ((c = TAILQ_FIRST(&ch.waiting)) != NULL && (rc = give(c)) != 1) {
		set_waiting(c, 0);
		if (rc == 0) {
			TAILQ_INSERT_TAIL(&ch.running, c, entry);
			ch.ops->started(c);
		} else
			ch.ops->failed(c);
	}
	fill();
}

void
children_cancel(struct child *c)
{
	set_waiting(c, 0);
	fill();		/* asks fewer: none; extras are killed on arrival */
}

void
children_kill(struct child *c)
{
	if (c->pid <= 0 || c->reaped)
		return;
	if (kill(-c->pid, SIGKILL) == -1)
		(void)kill(c->pid, SIGKILL);
}

int
children_waiting(void)
{
	return ch.nwaiting;
}

void
children_refill(void)
{
	fill();
}

/* ---------------------------------------------------------------- runners */

/*
 * A runner reports: it has put itself back after its request, which is
 * done.  Idle again, it serves the next request waiting, if any; a
 * runner forked before the last SIGUSR1 (old log files), or one of a
 * stopping worker, is killed instead.  End of file: it is dying, and
 * its reaping follows.
 */
static void
done_cb(evutil_socket_t fd, short events, void *arg)
{
	struct spare		*s = arg;
	struct child		*c = s->c;
	struct child_done	 d;
	struct rusage		 ru;
	ssize_t			 n;

	(void)events;
	while ((n = read(fd, &d, sizeof(d))) == -1 && errno == EINTR)
		;
	if (n == -1 && errno == EAGAIN)
		return;
	if (n != (ssize_t)sizeof(d) || c == NULL) {
		/* A pipe never splits so small a write: this is a death. */
		event_del(s->ev_done);
		return;
	}
	s->c = NULL;
	TAILQ_REMOVE(&ch.busy, s, entry);
	/* First in line: its pages and caches are the warmest. */
	TAILQ_INSERT_HEAD(&ch.spares, s, entry);
	ch.nspares++;
	TAILQ_REMOVE(&ch.running, c, entry);
	c->reaped = 1;		/* the pid is no longer c's to kill */
	stats_count(STATS_RESETS);
	stats_add(STATS_RESET_PAGES, d.pages);
	if (d.differ != 0)
		stats_count(STATS_RESET_DIFFERS);
	memset(&ru, 0, sizeof(ru));
	ru.ru_utime = d.utime;
	ru.ru_stime = d.stime;
	ru.ru_maxrss = d.maxrss;
	if (ch.stopped || s->gen != ch.gen)
		spare_kill(s);
	ch.ops->exited(c, 0, &ru);
	if (ch.nwaiting > 0)
		event_active(ch.ev_serve, EV_TIMEOUT, 0);
}

/* ---------------------------------------------------------------- reaping */

/* The zygote or a spare was reaped: 1, or 0 when pid is neither. */
static int
reaped_helper(pid_t pid, int status)
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
		(void)zygote_ensure();	/* or at the next fill */
		fill();
		return 1;
	}
	TAILQ_FOREACH(s, &ch.dying, entry)
		if (s->pid == pid) {
			spare_free(&ch.dying, s);
			return 1;
		}
	TAILQ_FOREACH(s, &ch.spares, entry)
		if (s->pid == pid)
			break;
	if (s == NULL)
		return 0;
	log_msg(LOG_LVL_WARN, NULL, "idle spare child %ld %s %d",
	    (long)pid, WIFSIGNALED(status) ? "killed by signal" :
	    "exited with status", WIFSIGNALED(status) ? WTERMSIG(status) :
	    WEXITSTATUS(status));
	spare_free(&ch.spares, s);
	fill();
	return 1;
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
	struct child		*c;
	struct spare		*s;
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
		TAILQ_FOREACH(c, &ch.running, entry)
			if (c->pid == pid)
				break;
		if (c != NULL)
			(void)kill(-pid, SIGKILL);
		/* wait4: the child's CPU time and peak RSS for the log. */
		if (wait4(pid, &status, 0, &ru) != pid)
			break;
		if (c != NULL) {
			TAILQ_REMOVE(&ch.running, c, entry);
			c->reaped = 1;
			ch.ops->exited(c, status, &ru);
			/* A runner that died with its request, or retired. */
			if ((s = runner_find(&ch.busy, pid)) != NULL)
				spare_free(&ch.busy, s);
			fill();
		} else
			(void)reaped_helper(pid, status);
	}
}

/* ---------------------------------------------------------------- life */

int
children_init(struct event_base *base, struct lua_app *app, int target,
    int runners, const struct children_ops *ops)
{
	sigset_t	chld;

	/* From scratch (a unit test may run several lives in one process). */
	memset(&ch, 0, sizeof(ch));
	memset(&zy, 0, sizeof(zy));
	ch.chld_fd = zy.fd = -1;
	zy.pid = -1;
	ch.base = base;
	ch.app = app;
	ch.ops = ops;
	ch.worker = getpid();
	ch.target = target;
	ch.runners = runners;
	TAILQ_INIT(&ch.spares);
	TAILQ_INIT(&ch.busy);
	TAILQ_INIT(&ch.dying);
	TAILQ_INIT(&ch.waiting);
	TAILQ_INIT(&ch.running);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if ((ch.chld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1)
		return -1;
	if ((ch.ev_chld = event_new(base, ch.chld_fd, EV_READ | EV_PERSIST,
	    sigchld_cb, NULL)) == NULL || event_add(ch.ev_chld, NULL) == -1 ||
	    (ch.ev_refill = event_new(base, -1, 0, refill_cb, NULL)) == NULL ||
	    event_priority_set(ch.ev_refill,
	    event_base_get_npriorities(base) - 1) == -1 ||
	    (ch.ev_serve = event_new(base, -1, 0, serve_cb, NULL)) == NULL ||
	    event_priority_set(ch.ev_serve, 0) == -1 ||
	    (ch.ev_stall = evtimer_new(base, stall_cb, NULL)) == NULL ||
	    (zy.ev_retry = evtimer_new(base, retry_cb, NULL)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	zy.started = time(NULL) - ZYGOTE_RESTART_SEC;
	fill();
	return 0;
}

void
children_renew(void)
{
	ch.gen++;	/* busy runners go once they are done */
	kill_idle();
	/* Its later spares must log to the files the worker has reopened;
	   those it forks before it reads this still have the old ones. */
	zy.stale = zy.pending;
	if (zy.fd != -1 &&
	    zygote_send_log(zy.fd, STDERR_FILENO, slowlog_fd()) == -1)
		zygote_kill();
	fill();
}

void
children_stop(void)
{
	ch.stopped = 1;
	zygote_kill();
	if (zy.ev_retry != NULL)
		evtimer_del(zy.ev_retry);
	kill_idle();
}

/*
 * Request children are done when the loop ends (it ends only when none
 * runs); the zygote and idle spares are killed here; a spare the zygote
 * cloned but never announced exits at the end of file on its request
 * pipe, whose other ends died with the zygote and our socket.
 */
void
children_reap_all(void)
{
	struct spare	*s;

	children_stop();
	while (waitpid(-1, NULL, 0) != -1 || errno == EINTR)
		;
	while ((s = TAILQ_FIRST(&ch.dying)) != NULL)
		spare_free(&ch.dying, s);
	while ((s = TAILQ_FIRST(&ch.busy)) != NULL)
		spare_free(&ch.busy, s);
	if (ch.ev_chld != NULL) {
		event_free(ch.ev_chld);
		event_free(ch.ev_refill);
		event_free(ch.ev_serve);
		event_free(ch.ev_stall);
		event_free(zy.ev_retry);
	}
	if (ch.chld_fd != -1)
		close(ch.chld_fd);
	buf_free(&ch.packed);
}
