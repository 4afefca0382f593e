/*
 * A runner: a request child that serves requests one at a time and puts
 * itself back to its snapshot after each (child.h, docs/runners.md).
 *
 * Memory is snapshot.c's, the rest of the process's state procstate.c's.
 * Everything the runner needs across a reset lives where no reset
 * reaches: its own variables on its own stack (the handler runs on a
 * stack of its own, which is restored like the heap), the snapshot and
 * the process state in shared mappings of their own.  A runner in doubt
 * exits after its answer; the worker replaces it.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "child.h"
#include "fds.h"
#include "log.h"
#include "procstate.h"
#include "sandbox.h"
#include "snapshot.h"

#define REQUEST_STACK	(8UL << 20)	/* as a process's default */
#define RESET_MAX_PAGES	4096		/* 16 MiB written: replace it */

static int	max_requests = 1000;
static int	verify;

void
child_runner_setup(int max, int verify_each)
{
	max_requests = max;
	verify = verify_each;
}

/*
 * Set before the snapshot, so every reset puts the same values back:
 * what serve() needs, and where it leaves its result (the runner's own
 * stack, which no reset touches).
 */
static struct lua_app	*the_app;
static int		*the_result;

/*
 * One request, on the request stack: 1 answered, 0 the worker closed the
 * request pipe, -1 a bad message or a failed write.
 */
static void
serve(void)
{
	struct request	req;
	struct buf	msg = BUF_INIT;
	int		r;

	if ((r = child_read_request(&msg, &req)) == 1) {
		lua_app_child_init(the_app);	/* a seed of its own */
		r = child_answer(the_app, &req) == 0 ? 1 : -1;
	}
	*the_result = r;
}

static void
tv_sub(struct timeval *d, const struct timeval *a, const struct timeval *b)
{
	timersub(a, b, d);
}

/* The lowest descriptor free from FD_FIRST_FREE up. */
static int
first_free(void)
{
	int	fd = fcntl(FD_OUT, F_DUPFD, FD_FIRST_FREE);

	if (fd != -1)
		close(fd);
	return fd;
}

/* The /proc/self/maps line of the mapping that holds p, for a log line. */
static void
mapping_of(const void *p, char *line, size_t len)
{
	unsigned long	a, b;
	FILE		*f;

	snprintf(line, len, "?");
	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, (int)len, f) != NULL)
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 &&
		    (uintptr_t)p >= a && (uintptr_t)p < b) {
			line[strcspn(line, "\n")] = '\0';
			fclose(f);
			return;
		}
	fclose(f);
	snprintf(line, len, "?");
}

/* Puts memory and process state back: 0, or -1 with why (retire). */
static int
reset(struct snapshot *snap, struct procstate *ps, struct child_done *d,
    const char **why)
{
	void	*first = NULL;
	long	 pages;
	char	 line[256];

	/* Process state first: its system calls write (errno, at least). */
	if (procstate_restore(ps, why) == -1)
		return -1;
	if ((pages = snapshot_reset(snap, RESET_MAX_PAGES)) == -1) {
		*why = errno == E2BIG ? "the request wrote more than "
		    "16 MiB (replacing is cheaper than copying)" :
		    errno == EPERM ? "a mapping of its snapshot was removed "
		    "or changed" : strerror(errno);
		return -1;
	}
	d->pages = (uint32_t)pages;
	if (verify && (d->differ = (uint32_t)snapshot_verify(snap,
	    &first)) != 0) {
		mapping_of(first, line, sizeof(line));
		log_msg(LOG_LVL_ERROR, NULL, "reset_verify: runner %ld: %u pages "
		    "differ from the snapshot after a reset, the first at %p "
		    "in %s", (long)getpid(), d->differ, first, line);
	}
	return 0;
}

void
child_runner(struct lua_app *app, int reqfd, int outfd, int donefd,
    pid_t parent)
{
	struct snapshot		*snap;
	struct procstate	*ps;
	struct child_done	 done;
	struct rusage		 ru, last;
	ucontext_t		 main_ctx, req_ctx, start_ctx;
	sigset_t		 all;
	const char		*why = NULL;
	char			 err[256], *stack;
	int			 result = 0;
	volatile int		 served = 0;

	child_prepare(app, outfd, reqfd, donefd, parent);
	/* A huge page written once would be a huge page to copy back. */
	(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	stack = mmap(NULL, REQUEST_STACK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (stack == MAP_FAILED || mprotect(stack, (size_t)getpagesize(),
	    PROT_NONE) == -1 || (ps = procstate_new()) == NULL) {
		log_warn("runner: set-up");
		_exit(1);
	}
	the_app = app;
	the_result = &result;
	/* The allocator's first region, in the snapshot: not a mapping
	   made (and removed) by every request. */
	arena_free(arena_malloc(1));
	/*
	 * Confined after the snapshot is taken (it needs userfaultfd, which
	 * the filter refuses) and before the process state is, so that the
	 * ruleset's descriptor is closed by then.  What sandbox_enter writes
	 * to memory (the closed descriptor's number) is put back by the first
	 * reset, harmlessly: nothing reads it again.
	 */
	if ((snap = snapshot_self(err, sizeof(err))) == NULL ||
	    sandbox_enter() == -1 ||
	    procstate_capture(ps, first_free()) == -1) {
		/* The worker probed this: only a fault gets here. */
		log_msg(LOG_LVL_ERROR, NULL, "runner %ld: snapshot: %s",
		    (long)getpid(), snap == NULL ? err : strerror(errno));
		_exit(1);
	}
	(void)getrusage(RUSAGE_SELF, &last);
	sigfillset(&all);
	if (getcontext(&start_ctx) == -1)
		_exit(1);
	for (;;) {
		req_ctx = start_ctx;
		req_ctx.uc_stack.ss_sp = stack;
		req_ctx.uc_stack.ss_size = REQUEST_STACK;
		req_ctx.uc_link = &main_ctx;
		makecontext(&req_ctx, serve, 0);
		if (swapcontext(&main_ctx, &req_ctx) == -1)
			_exit(1);
		if (result != 1)
			_exit(result == 0 ? 0 : 1);
		served++;
		(void)sigprocmask(SIG_SETMASK, &all, NULL);
		memset(&done, 0, sizeof(done));
		if (reset(snap, ps, &done, &why) == -1) {
			log_msg(LOG_LVL_INFO, NULL, "runner %ld retires after %d "
			    "requests: %s", (long)getpid(), served, why);
			_exit(0);
		}
		procstate_restore_mask(ps);
		if (served >= max_requests)
			_exit(0);	/* runner_max_requests */
		(void)getrusage(RUSAGE_SELF, &ru);
		tv_sub(&done.utime, &ru.ru_utime, &last.ru_utime);
		tv_sub(&done.stime, &ru.ru_stime, &last.ru_stime);
		done.maxrss = ru.ru_maxrss;
		last = ru;
		if (write(FD_DONE, &done, sizeof(done)) != sizeof(done))
			_exit(0);	/* the worker is gone */
	}
}

static volatile int	probe_static = 7;

/* In the probe's child: 0, or -1 with why in err. */
static int
probe_self(char *err, size_t errlen)
{
	struct snapshot	*snap;
	char		*p;
	long		 pages;

	if ((snap = snapshot_self(err, errlen)) == NULL)
		return -1;
	probe_static = 8;
	if ((p = malloc(1 << 20)) != NULL)	/* the heap, or a mapping */
		memset(p, 1, 1 << 20);
	if ((pages = snapshot_reset(snap, RESET_MAX_PAGES)) < 1) {
		snprintf(err, errlen, "reset: %s", pages == -1 ?
		    strerror(errno) : "no page written found");
		return -1;
	}
	if (probe_static != 7 || snapshot_verify(snap, NULL) != 0) {
		snprintf(err, errlen, "reset: memory differs from the "
		    "snapshot");
		return -1;
	}
	return 0;
}

int
child_runner_probe(char *err, size_t errlen)
{
	int	pfd[2], status;
	ssize_t	n;
	pid_t	pid;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		if (probe_self(err, errlen) == 0)
			_exit(0);
		n = write(pfd[1], err, strlen(err));
		_exit(n == -1 ? 2 : 1);
	}
	close(pfd[1]);
	if (pid == -1) {
		close(pfd[0]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	n = read(pfd[0], err, errlen - 1);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n > 0)
		err[n] = '\0';
	else
		snprintf(err, errlen, "the probe %s %d", WIFSIGNALED(status) ?
		    "was killed by signal" : "exited with status",
		    WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
	return -1;
}
