/*
 * The process state besides memory, recorded and put back (procstate.h).
 *
 * Order at restore: processes first (a child could otherwise act on what
 * is being restored), descriptors, dispositions, timers, directory,
 * umask, limits, pending signals, and the mask last.  Costs measured on
 * the project's VM (docs/runners.md): close_range 0.4 us, reading
 * /proc/self/status 2.7-3.2 us, the timers 0.45 us, fchdir 0.13 us,
 * umask 0.08 us, the limits 2-3 us.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fds.h"
#include "procstate.h"

#define REAP_ROUNDS	100	/* of kill-and-reap before giving up */
#define KEEP_MAX	64	/* descriptors of the process's own */

struct fdinfo {
	int		 open;
	dev_t		 dev;
	ino_t		 ino;
	mode_t		 mode;
	int		 flags;		/* F_GETFL */
};

struct procstate {
	int			 keep_below;
	struct fdinfo		 fds[KEEP_MAX];	/* [0, keep_below) */
	int			 task_fd;	/* /proc/self/task: threads */
	int			 status_fd;	/* /proc/self/status */
	int			 cwd_fd;	/* O_PATH */
	int			 limits_fd;	/* /proc/self/limits */
	int			 own[4];	/* the four above, sorted */
	pid_t			 pid;
	char			 limits[4096];	/* its text, captured */
	ssize_t			 limits_len;
	struct sigaction	 sa[NSIG];
	uint64_t		 ign, cgt;	/* SigIgn, SigCgt */
	sigset_t		 mask;
	mode_t			 umask;
	struct rlimit		 rl[RLIM_NLIMITS];
	char			 why[64];
};

static int
fdinfo_get(int fd, struct fdinfo *fi)
{
	struct stat	st;

	memset(fi, 0, sizeof(*fi));
	if (fstat(fd, &st) == -1)
		return -1;
	fi->open = 1;
	fi->dev = st.st_dev;
	fi->ino = st.st_ino;
	fi->mode = st.st_mode;
	fi->flags = fd < FD_FIRST_FREE ? fcntl(fd, F_GETFL) : 0;
	return 0;
}

/* SigIgn and SigCgt from /proc/self/status: 0, or -1. */
static int
sig_masks(int fd, uint64_t *ign, uint64_t *cgt)
{
	char		 buf[4096], *p;
	ssize_t		 n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nSigIgn:\t")) == NULL)
		return -1;
	*ign = strtoull(p + 9, NULL, 16);
	if ((p = strstr(buf, "\nSigCgt:\t")) == NULL)
		return -1;
	*cgt = strtoull(p + 9, NULL, 16);
	return 0;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* open(2), the descriptor moved to keep_below or above: fd, or -1. */
static int
open_above(const char *path, int flags, int keep_below)
{
	int	fd, high;

	if ((fd = open(path, flags | O_CLOEXEC)) == -1 || fd >= keep_below)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, keep_below);
	close(fd);
	return high;
}

struct procstate *
procstate_new(void)
{
	struct procstate	*ps;

	/* A mapping of its own: outside the memory a reset puts back. */
	ps = mmap(NULL, sizeof(*ps), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (ps == MAP_FAILED)
		return NULL;
	ps->task_fd = ps->status_fd = ps->cwd_fd = ps->limits_fd = -1;
	return ps;
}

int
procstate_capture(struct procstate *ps, int keep_below)
{
	int	fd, sig, r;

	if (keep_below > KEEP_MAX || ps->task_fd != -1) {
		errno = EINVAL;
		return -1;
	}
	ps->keep_below = keep_below;
	ps->task_fd = ps->status_fd = ps->cwd_fd = -1;
	for (fd = 0; fd < keep_below; fd++)
		(void)fdinfo_get(fd, &ps->fds[fd]);
	/* Above keep_below: a hole below it is the process's, kept empty. */
	if ((ps->task_fd = open_above("/proc/self/task", O_RDONLY |
	    O_DIRECTORY, keep_below)) == -1 ||
	    (ps->status_fd = open_above("/proc/self/status", O_RDONLY,
	    keep_below)) == -1 ||
	    (ps->cwd_fd = open_above(".", O_PATH | O_DIRECTORY,
	    keep_below)) == -1 ||
	    (ps->limits_fd = open_above("/proc/self/limits", O_RDONLY,
	    keep_below)) == -1)
		return -1;
	ps->own[0] = ps->task_fd;
	ps->own[1] = ps->status_fd;
	ps->own[2] = ps->cwd_fd;
	ps->own[3] = ps->limits_fd;
	qsort(ps->own, 4, sizeof(int), cmp_int);
	ps->pid = getpid();
	if ((ps->limits_len = pread(ps->limits_fd, ps->limits,
	    sizeof(ps->limits), 0)) <= 0 ||
	    ps->limits_len == (ssize_t)sizeof(ps->limits)) {
		errno = EIO;
		return -1;
	}
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, NULL, &ps->sa[sig]);
	if (sig_masks(ps->status_fd, &ps->ign, &ps->cgt) == -1) {
		errno = EIO;
		return -1;
	}
	(void)sigprocmask(SIG_SETMASK, NULL, &ps->mask);
	ps->umask = umask(022);
	(void)umask(ps->umask);
	for (r = 0; r < RLIM_NLIMITS; r++)
		(void)getrlimit(r, &ps->rl[r]);
	/* Orphans of what a request starts come to us, to be reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		return -1;
	return 0;
}

static int	failed(struct procstate *, const char **, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Says why ps cannot be restored: -1. */
static int
failed(struct procstate *ps, const char **why, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ps->why, sizeof(ps->why), fmt, ap);
	va_end(ap);
	*why = ps->why;
	return -1;
}

/* Kills and reaps every child of pid: 0, or -1 when some would not go. */
static int
reap_children(pid_t self)
{
	char	 path[64], list[4096], *p, *end;
	long	 pid;
	pid_t	 r;
	ssize_t	 n;
	int	 fd, round, killed;

	for (round = 0; round < REAP_ROUNDS; round++) {
		while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (r == -1 && errno == ECHILD)
			return 0;
		if (round == 0)
			snprintf(path, sizeof(path),
			    "/proc/self/task/%ld/children", (long)self);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		n = read(fd, list, sizeof(list) - 1);
		close(fd);
		list[n > 0 ? n : 0] = '\0';
		/* A pid cut by the buffer's end (no space after it) waits
		   for the next round: never kill a truncated number. */
		killed = 0;
		for (p = list; (pid = strtol(p, &end, 10)) > 0 && *end == ' ';
		    p = end) {
			(void)kill(-(pid_t)pid, SIGKILL);
			killed += kill((pid_t)pid, SIGKILL) == 0;
		}
		if (killed > 0)
			(void)waitpid(-1, NULL, 0);	/* one of them dies */
		else
			(void)usleep(1000);	/* reparenting in flight */
	}
	return -1;
}

/* Closes every descriptor from ps->keep_below up, but ps's own. */
static void
close_request_fds(const struct procstate *ps)
{
	int	from = ps->keep_below, i;

	for (i = 0; i < 4; i++) {
		if (ps->own[i] > from)
			fds_close_range(from, ps->own[i] - 1);
		if (ps->own[i] >= from)
			from = ps->own[i] + 1;
	}
	fds_close_from(from);
}

static int
restore_fds(struct procstate *ps, const char **why)
{
	struct fdinfo	now;
	int		fd;

	close_request_fds(ps);
	for (fd = 0; fd < ps->keep_below; fd++) {
		if (fdinfo_get(fd, &now) == -1) {
			if (ps->fds[fd].open)
				return failed(ps, why, "descriptor %d closed",
				    fd);
			continue;
		}
		if (!ps->fds[fd].open) {
			close(fd);	/* opened into a hole of ours */
			continue;
		}
		if (now.dev != ps->fds[fd].dev || now.ino != ps->fds[fd].ino ||
		    now.mode != ps->fds[fd].mode)
			return failed(ps, why, "descriptor %d replaced", fd);
		/* Flags matter for the pipes and the log, not for the
		   process's own /proc and userfaultfd descriptors. */
		if (fd < FD_FIRST_FREE && now.flags != ps->fds[fd].flags &&
		    fcntl(fd, F_SETFL, ps->fds[fd].flags) == -1)
			return failed(ps, why, "descriptor %d flags", fd);
	}
	return 0;
}

/* Dispositions: those the snapshot catches are set again (a handler may
   have been swapped for another), others where the masks differ. */
static int
restore_signals(struct procstate *ps, const char **why)
{
	uint64_t	ign, cgt, bit;
	int		sig;

	if (sig_masks(ps->status_fd, &ign, &cgt) == -1)
		return failed(ps, why, "signal state unreadable (%d)", errno);
	for (sig = 1; sig < NSIG && sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		bit = 1ULL << (sig - 1);
		if ((ps->cgt & bit) || ((ign ^ ps->ign) & bit) ||
		    ((cgt ^ ps->cgt) & bit))
			(void)sigaction(sig, &ps->sa[sig], NULL);
	}
	return 0;
}

static void
drain_pending(void)
{
	struct timespec	zero = { 0, 0 };
	sigset_t	pending, all;

	sigfillset(&all);
	while (sigpending(&pending) == 0 && !sigisemptyset(&pending))
		if (sigtimedwait(&all, NULL, &zero) == -1)
			break;
}

/*
 * One read of /proc/self/limits says whether any limit changed; only then
 * is each one looked at.
 */
static int
restore_limits(struct procstate *ps, const char **why)
{
	struct rlimit	now;
	char		text[sizeof(ps->limits)];
	ssize_t		n;
	int		r;

	n = pread(ps->limits_fd, text, sizeof(text), 0);
	if (n == ps->limits_len && memcmp(text, ps->limits, (size_t)n) == 0)
		return 0;
	for (r = 0; r < RLIM_NLIMITS; r++) {
		if (getrlimit(r, &now) == -1)
			continue;
		if (now.rlim_max < ps->rl[r].rlim_max)
			return failed(ps, why, "hard limit %d lowered", r);
		if (now.rlim_cur != ps->rl[r].rlim_cur ||
		    now.rlim_max != ps->rl[r].rlim_max)
			(void)setrlimit(r, &ps->rl[r]);
	}
	return 0;
}

int
procstate_restore(struct procstate *ps, const char **why)
{
	static const struct itimerval	off;
	struct stat			st;

	*why = NULL;
	if (reap_children(ps->pid) == -1)
		return failed(ps, why, "children would not go (%d)", errno);
	if (fstat(ps->task_fd, &st) == -1)
		return failed(ps, why, "thread count unreadable (%d)", errno);
	if (st.st_nlink != 3)
		return failed(ps, why, "%d threads", (int)st.st_nlink - 2);
	if (restore_fds(ps, why) == -1 || restore_signals(ps, why) == -1)
		return -1;
	(void)setitimer(ITIMER_REAL, &off, NULL);
	(void)setitimer(ITIMER_VIRTUAL, &off, NULL);
	(void)setitimer(ITIMER_PROF, &off, NULL);
	if (fchdir(ps->cwd_fd) == -1)
		return failed(ps, why, "working directory gone (%d)", errno);
	(void)umask(ps->umask);
	if (restore_limits(ps, why) == -1)
		return -1;
	drain_pending();
	return 0;
}

void
procstate_restore_mask(const struct procstate *ps)
{
	(void)sigprocmask(SIG_SETMASK, &ps->mask, NULL);
}

void
procstate_free(struct procstate *ps)
{
	if (ps == NULL)
		return;
	if (ps->task_fd != -1)
		close(ps->task_fd);
	if (ps->status_fd != -1)
		close(ps->status_fd);
	if (ps->cwd_fd != -1)
		close(ps->cwd_fd);
	if (ps->limits_fd != -1)
		close(ps->limits_fd);
	munmap(ps, sizeof(*ps));
}
