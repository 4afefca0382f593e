/*
 * The zygote: forks spares for its worker (see zygote.h).
 *
 * It is forked from the worker right after the app is loaded, so it holds
 * the same template, and from then on does nothing but wait for 'F' and
 * clone.  Its signals stay blocked (it is killed with SIGKILL, and dies
 * with the worker by PR_SET_PDEATHSIG); each spare resets its own in
 * child_prepare.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "slowlog.h"
#include "zygote.h"

#define ZYGOTE_FD	3
#define ZYGOTE_SLOW_FD	4	/* the pool's slow log file, if any */

static char	comm[16];	/* the worker's process name, for spares */

struct zygote_msg {
	pid_t	pid;
	int	error;
};

/*
 * A copy of the zygote whose parent is the zygote's parent, the worker,
 * which it signals with SIGCHLD on exit as the zygote would.
 * clone3 takes its arguments in a struct, the same on every
 * architecture.  Returns as fork does.
 */
static pid_t
clone_sibling(void)
{
	struct clone_args	args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PARENT;	/* exit_signal: the zygote's own, SIGCHLD */
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int
send_fds(int fd, const void *data, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	while (sendmsg(fd, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Receives one message of len bytes and up to 2 fds: bytes, 0 or -1. */
static ssize_t
recv_fds(int fd, void *data, size_t len, int *fds, int *nfds)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cm;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*c;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) == -1)
		if (errno != EINTR)
			return -1;
	*nfds = 0;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			*nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			if (*nfds > 2)
				*nfds = 2;	/* cannot be: we never send more */
			memcpy(fds, CMSG_DATA(c), (size_t)*nfds * sizeof(int));
		}
	return n;
}

/* Forks one spare and tells the worker about it. */
static void
zygote_fork(struct lua_app *app, pid_t worker)
{
	struct zygote_msg	m = { -1, 0 };
	int			req[2], out[2], fds[2];

	if (pipe2(req, O_CLOEXEC) == -1) {
		m.error = errno;
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		m.error = errno;
		close(req[0]);
		close(req[1]);
		goto fail;
	}
	if ((m.pid = clone_sibling()) == 0) {
		(void)prctl(PR_SET_NAME, comm);
		child_spare(app, req[0], out[1], worker);
	}
	m.error = errno;
	close(req[0]);
	close(out[1]);
	fds[0] = req[1];
	fds[1] = out[0];
	if (send_fds(ZYGOTE_FD, &m, sizeof(m), fds, m.pid == -1 ? 0 : 2) == -1)
		_exit(0);	/* the worker is gone */
	close(req[1]);
	close(out[0]);
	return;
fail:
	if (send_fds(ZYGOTE_FD, &m, sizeof(m), NULL, 0) == -1)
		_exit(0);
}

static void __attribute__((noreturn))
zygote_main(struct lua_app *app, int fd, pid_t worker)
{
	char	cmd;
	int	fds[2], nfds, i;
	ssize_t	n;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != worker)
		_exit(1);
	/* "zygote" in ps(1) and top(1); its spares go back to the name. */
	(void)prctl(PR_GET_NAME, comm);
	(void)prctl(PR_SET_NAME, "zygote");
	if (fd != ZYGOTE_FD && dup3(fd, ZYGOTE_FD, O_CLOEXEC) == -1)
		_exit(1);
	/* Spares keep the slow log open: it must survive the closing. */
	if (slowlog_fd() != -1) {
		if (dup3(slowlog_fd(), ZYGOTE_SLOW_FD, O_CLOEXEC) == -1)
			_exit(1);
		slowlog_set_fd(ZYGOTE_SLOW_FD);
	}
	child_close_from(slowlog_fd() != -1 ? ZYGOTE_SLOW_FD + 1 :
	    ZYGOTE_FD + 1);
	for (;;) {
		if ((n = recv_fds(ZYGOTE_FD, &cmd, 1, fds, &nfds)) <= 0)
			_exit(0);
		if (cmd == 'F')
			zygote_fork(app, worker);
		else if (cmd == 'L' && nfds >= 1) {
			(void)dup2(fds[0], STDERR_FILENO);
			if (nfds == 2 && slowlog_fd() == ZYGOTE_SLOW_FD)
				(void)dup3(fds[1], ZYGOTE_SLOW_FD, O_CLOEXEC);
		}
		for (i = 0; i < nfds; i++)
			close(fds[i]);
	}
}

pid_t
zygote_start(struct lua_app *app, int *fd)
{
	int	sv[2];
	pid_t	pid, worker = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = child_fork()) == 0)
		zygote_main(app, sv[1], worker);
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		return -1;
	}
	(void)fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*fd = sv[0];
	return pid;
}

int
zygote_ask(int fd)
{
	return send(fd, "F", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 0 : -1;
}

int
zygote_send_log(int fd, int logfd, int slowfd)
{
	int	fds[2] = { logfd, slowfd };

	return send_fds(fd, "L", 1, fds, slowfd != -1 ? 2 : 1);
}

int
zygote_recv(int fd, pid_t *pid, int *req_fd, int *out_fd)
{
	struct zygote_msg	m;
	int			fds[2], nfds, i;
	ssize_t			n;

	if ((n = recv_fds(fd, &m, sizeof(m), fds, &nfds)) == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return -1;
	if (n != sizeof(m) || (m.pid > 0 && nfds != 2)) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		errno = EPROTO;
		return -1;
	}
	*pid = m.pid;
	if (m.pid == -1) {
		errno = m.error;
		return 1;
	}
	*req_fd = fds[0];
	*out_fd = fds[1];
	(void)fcntl(*req_fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(*out_fd, F_SETFL, O_NONBLOCK);
	return 1;
}
