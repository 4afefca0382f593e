/*
 * A request child: everything between fork() and _exit().
 *
 * The child is a copy-on-write image of the worker with the app already
 * loaded.  It must never return into the worker's event loop, must not
 * hold the worker's sockets, and leaves with _exit() so no atexit handler
 * or stdio buffer of the worker runs twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "buf.h"
#include "child.h"
#include "deadline.h"
#include "fds.h"
#include "log.h"
#include "sandbox.h"
#include "slowlog.h"
#include "wire.h"

#define CHILD_ANSWER_RESERVE	(64 * 1024)
#define CHILD_DEATH_SIG	SIGTERM		/* sent by the kernel when the
					   worker dies */

/*
 * The worker died: kill the whole process group, this child and whatever
 * its handler started (a SIGKILL to the child alone would leave those
 * running, reparented to init).  Async-signal-safe: kill, _exit.
 */
static void
orphaned(int sig)
{
	(void)sig;
	(void)kill(0, SIGKILL);
	_exit(1);
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static size_t	limit_memory;
static int	limit_cpu, limit_files;

void
child_set_limits(size_t memory, int cpu_seconds, int open_files)
{
	limit_memory = memory;
	limit_cpu = cpu_seconds;
	limit_files = open_files;
}

static void
apply_limits(void)
{
	struct rlimit	rl;

	if (limit_memory > 0) {
		rl.rlim_cur = rl.rlim_max = limit_memory;
		if (setrlimit(RLIMIT_AS, &rl) == -1)
			_exit(1);
	}
	if (limit_cpu > 0) {
		/* SIGXCPU at the limit, SIGKILL a second later. */
		rl.rlim_cur = (rlim_t)limit_cpu;
		rl.rlim_max = (rlim_t)limit_cpu + 1;
		if (setrlimit(RLIMIT_CPU, &rl) == -1)
			_exit(1);
	}
	if (limit_files > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)limit_files;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			_exit(1);
	}
}

pid_t
child_fork(void)
{
	sigset_t	all, old;
	pid_t		pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == 0)
		return 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid > 0)
		(void)setpgid(pid, pid);	/* the child does too: no race */
	return pid;
}

/*
 * Everything a child does before it can take a request: die with the
 * worker, reset signals, lead its own process group, keep only fds 0-2,
 * outfd, reqfd and donefd (if any) and the slow log in their places
 * (fds.h), allocate from fresh pages and reseed.  For a spare or a
 * runner all of this happens before the request exists.
 */
void
child_prepare(struct lua_app *app, int outfd, int reqfd, int donefd,
    pid_t parent)
{
	static const int	 sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT,
				    SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM };
	struct sigaction	 sa;
	sigset_t		 none;
	size_t			 i;
	int			 fd, want[FD_NSLOTS];

	/*
	 * Its own process group, so programs a handler starts die with it
	 * when the worker kills the group (timeout, abort, reap).
	 */
	(void)setpgid(0, 0);

	/* The worker's handlers would write into its signal pipe. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);

	/*
	 * The worker's death (SIGKILL included) must take its children
	 * along, and the programs they started.  Signals are still blocked
	 * here, so the handler is in place before the first can arrive.
	 */
	sa.sa_handler = orphaned;
	(void)sigaction(CHILD_DEATH_SIG, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, CHILD_DEATH_SIG);
	if (getppid() != parent)
		_exit(1);
	/* Before unblocking: a slow log request must never kill it. */
	slowlog_child_init(lua_app_state(app), slowlog_fd() != -1 ?
	    FD_SLOWLOG : -1);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	log_child_init();
	/* Close-on-exec, so os.execute()'d programs cannot hold them. */
	want[0] = outfd;
	want[1] = reqfd;
	want[2] = slowlog_fd();
	want[3] = donefd;
	want[4] = sandbox_fd();
	if (fds_layout(want) == -1)
		_exit(1);
	if (want[4] != -1)
		sandbox_renumber(FD_SANDBOX);
	/* print() in a handler goes to the error log, not the master's stdout;
	   io.read() sees end of file, not the master's stdin. */
	(void)dup2(STDERR_FILENO, STDOUT_FILENO);
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1 &&
	    fd != STDIN_FILENO) {
		(void)dup2(fd, STDIN_FILENO);
		(void)close(fd);
	}
	apply_limits();
	lua_app_child_alloc(app);
	lua_app_child_init(app);
}

/* A frame of a streamed answer to FD_OUT: 0, or -1. */
static int
frame_write(const char *data, size_t len)
{
	struct iovec	iov[2];
	uint32_t	n = (uint32_t)len;
	size_t		left;
	ssize_t		w;
	int		i = 0;

	if (len > UINT32_MAX - 1)
		return -1;
	iov[0].iov_base = &n;
	iov[0].iov_len = sizeof(n);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	left = sizeof(n) + len;
	while (left > 0) {
		if ((w = writev(FD_OUT, iov + i, 2 - i)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		left -= (size_t)w;
		while (i < 2 && (size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			i++;
		}
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* A streamed answer on its way: whether its head is out, and its times. */
struct stream_state {
	const struct request	*req;
	int			 started;
	uint64_t		 end;	/* stream_timeout's deadline; 0 none */
};

static int
sink_begin(void *arg, int status, int sse, const char *head, size_t len)
{
	struct stream_state	*st = arg;
	struct child_head	 h;

	/* From the head on, the worker's stream timers replace the
	   handler's: the same here (deadline.h). */
	st->started = 1;
	st->end = deadline_phase(st->req->stream_ms);
	deadline_within(st->end, st->req->idle_ms);
	h.len = CHILD_STREAM;
	h.status = (uint32_t)status | (sse ? CHILD_SSE : 0);
	if (write_all(FD_OUT, (const char *)&h, sizeof(h)) == -1)
		return -1;
	return frame_write(head, len);
}

static int
sink_write(void *arg, const char *data, size_t len)
{
	struct stream_state	*st = arg;

	deadline_within(st->end, st->req->idle_ms);
	return frame_write(data, len);
}

int
child_answer(struct lua_app *app, const struct request *req)
{
	struct buf		out = BUF_INIT;
	struct child_head	head;
	struct lua_sink		sink;
	struct stream_state	st;
	int			rc;

	memset(&head, 0, sizeof(head));
	/* Most answers fit: no copy as it grows (only pages written cost). */
	if (buf_reserve(&out, CHILD_ANSWER_RESERVE) == -1 ||
	    buf_add(&out, &head, sizeof(head)) == -1)
		return -1;
	sink.begin = sink_begin;
	sink.write = sink_write;
	memset(&st, 0, sizeof(st));
	st.req = req;
	sink.arg = &st;
	deadline_set(req->deadline_ns);
	slowlog_child_request(req);
	head.status = (uint32_t)lua_app_handle(app, req, &out, &sink);
	slowlog_child_request(NULL);
	sandbox_report(req->rid);	/* logged before the client has it */
	if (st.started)
		rc = 0;			/* streamed: its frames are out */
	else if (out.len - sizeof(head) > UINT32_MAX)
		rc = -1;
	else {
		head.len = (uint32_t)(out.len - sizeof(head));
		memcpy(out.data, &head, sizeof(head));
		rc = write_all(FD_OUT, out.data, out.len);
	}
	buf_free(&out);
	if (rc == 0) {
		/* The answer is out; after_timeout runs from here. */
		(void)deadline_phase(req->after_ms);
		lua_app_after(app, req);
	}
	sandbox_report(req->rid);	/* what after() met */
	return rc;
}

void
child_run(struct lua_app *app, const struct request *req, int outfd,
    pid_t parent)
{
	child_prepare(app, outfd, -1, -1, parent);
	if (sandbox_enter() == -1)
		_exit(1);
	_exit(child_answer(app, req) == -1);
}

/* Reads exactly len bytes; 0 at a clean end of file before any. */
static ssize_t
read_full(int fd, char *p, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		if ((n = read(fd, p + got, len - got)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
child_read_request(struct buf *msg, struct request *req)
{
	size_t	len;
	ssize_t	n;

	if (buf_reserve(msg, 4) == -1 ||
	    (n = read_full(FD_REQ, msg->data, 4)) == 0)
		return 0;
	if (n == -1 || (len = wire_packed_len(msg->data)) < 4 ||
	    buf_reserve(msg, len) == -1 ||
	    read_full(FD_REQ, msg->data + 4, len - 4) != (ssize_t)(len - 4) ||
	    wire_unpack(msg->data, len, req) == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "request child: bad request "
		    "message");
		return -1;
	}
	return 1;
}

void
child_spare(struct lua_app *app, int reqfd, int outfd, pid_t parent)
{
	struct request	 req;
	struct buf	 msg = BUF_INIT;
	int		 r;

	child_prepare(app, outfd, reqfd, -1, parent);
	if (sandbox_enter() == -1)
		_exit(1);
	/* Idle until the worker hands over a request, or retires us. */
	if ((r = child_read_request(&msg, &req)) != 1)
		_exit(r == 0 ? 0 : 1);
	(void)close(FD_REQ);
	_exit(child_answer(app, &req) == -1);
}
