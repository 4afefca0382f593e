/*
 * A fake child source for the process core's unit tests (check_children,
 * check_job): child.c's process bodies replaced at link time, so the real
 * children.c, zygote.c and job.c fork, hand over, read and reap real
 * processes, through the real pipes and sockets, without Lua.
 *
 * A child does what its request's ACTION param says:
 *   answer  (or none) a 200 whose body is "pid N"
 *   crash   exits 3 without an answer
 *   hang    waits to be killed
 *   flood   writes a head announcing 1 MiB, and the MiB
 *   slow    answers after 300 ms
 *   retire  (a runner) answers, then exits instead of reporting
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cgi.h"
#include "child.h"
#include "fakechild.h"
#include "fds.h"
#include "request.h"
#include "wire.h"

pid_t
child_fork(void)
{
	sigset_t	all, old;
	pid_t		pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == 0) {
		(void)setpgid(0, 0);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		return 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid > 0)
		(void)setpgid(pid, pid);
	return pid;
}

void
child_set_limits(size_t memory, int cpu_seconds, int open_files)
{
	(void)memory;
	(void)cpu_seconds;
	(void)open_files;
}

static void
write_all(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		s += n;
		len -= (size_t)n;
	}
}

/* Does what req's ACTION says; returns after an answer. */
static void
answer(const struct request *req, int outfd)
{
	const char		*a = request_param(req, "ACTION");
	struct child_head	 head;
	char			 body[64], resp[256];
	static char		 mib[1 << 20];
	struct timespec		 slow = { 0, 300 * 1000 * 1000 };
	sigset_t		 none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (a != NULL && strcmp(a, "crash") == 0)
		_exit(3);
	if (a != NULL && strcmp(a, "hang") == 0)
		for (;;)
			pause();
	if (a != NULL && strcmp(a, "flood") == 0) {
		head.len = sizeof(mib);
		head.status = 200;
		write_all(outfd, &head, sizeof(head));
		write_all(outfd, mib, sizeof(mib));
		_exit(0);
	}
	if (a != NULL && strcmp(a, "slow") == 0)
		nanosleep(&slow, NULL);
	snprintf(body, sizeof(body), "pid %ld", (long)getpid());
	head.len = (uint32_t)snprintf(resp, sizeof(resp), "Status: 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	head.status = 200;
	write_all(outfd, &head, sizeof(head));
	write_all(outfd, resp, head.len);
}

static void __attribute__((noreturn))
act(const struct request *req, int outfd)
{
	answer(req, outfd);
	_exit(0);
}

void
child_run(struct lua_app *app, const struct request *req, int outfd,
    pid_t parent)
{
	int	want[FD_NSLOTS] = { outfd, -1, -1, -1 };

	(void)app;
	(void)parent;
	if (fds_layout(want) == -1)	/* as child_prepare: nothing else */
		_exit(1);
	act(req, FD_OUT);
}

/* One packed request from FD_REQ: 1, or 0 at end of file. */
static int
read_request(struct request *req)
{
	char		*msg;
	size_t		 len, got = 0;
	ssize_t		 n;
	char		 lenbuf[4];

	while (got < 4) {
		if ((n = read(FD_REQ, lenbuf + got, 4 - got)) <= 0)
			_exit(n == 0 && got == 0 ? 0 : 1);
		got += (size_t)n;
	}
	len = wire_packed_len(lenbuf);
	if (len < 4 || (msg = malloc(len)) == NULL)
		_exit(1);
	memcpy(msg, lenbuf, 4);
	while (got < len) {
		if ((n = read(FD_REQ, msg + got, len - got)) <= 0)
			_exit(1);
		got += (size_t)n;
	}
	if (wire_unpack(msg, len, req) == -1)
		_exit(1);
	return 1;
}

void
child_spare(struct lua_app *app, int reqfd, int outfd, pid_t parent)
{
	struct request	 req;
	int		 want[FD_NSLOTS] = { outfd, reqfd, -1, -1 };

	(void)app;
	(void)parent;
	/* As child_prepare: without the zygote's copy of our request pipe's
	   other end, the end of file that retires an idle spare can come. */
	if (fds_layout(want) == -1)
		_exit(1);
	(void)read_request(&req);
	act(&req, FD_OUT);
}

/* A runner: answers one request after another, each followed by a
   report; "retire" answers and exits, as a runner in doubt does. */
void
child_runner(struct lua_app *app, int reqfd, int outfd, int donefd,
    pid_t parent)
{
	struct request		 req;
	struct child_done	 done;
	const char		*a;
	int			 want[FD_NSLOTS] = { outfd, reqfd, -1, donefd };

	(void)app;
	(void)parent;
	if (fds_layout(want) == -1)
		_exit(1);
	for (;;) {
		(void)read_request(&req);
		answer(&req, FD_OUT);
		a = request_param(&req, "ACTION");
		if (a != NULL && strcmp(a, "retire") == 0)
			_exit(0);
		memset(&done, 0, sizeof(done));
		done.pages = 1;
		write_all(FD_DONE, &done, sizeof(done));
	}
}

void
child_runner_setup(int max_requests, int verify)
{
	(void)max_requests;
	(void)verify;
}

int
child_runner_probe(char *err, size_t errlen)
{
	snprintf(err, errlen, "a fake child");
	return -1;
}

struct request *
fake_request(const char *action)
{
	struct request	*r = request_new(1);

	if (r == NULL)
		abort();
	(void)request_add_param(r, "REQUEST_METHOD", 14, "GET", 3);
	(void)request_add_param(r, "DOCUMENT_URI", 12, "/t", 2);
	if (action != NULL)
		(void)request_add_param(r, "ACTION", 6, action,
		    strlen(action));
	if (cgi_derive(r, "test") == -1)
		abort();
	return r;
}

int
fake_run_until(struct event_base *base, int (*done)(void *), void *arg,
    int ms)
{
	struct timeval	tick = { 0, 10 * 1000 };
	int		i;

	for (i = 0; i < ms / 10; i++) {
		if (done(arg))
			return 1;
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	return done(arg);
}

int
fake_no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}
