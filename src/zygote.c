/*
 * The zygote: forks spares for its worker (see zygote.h).
 *
 * It is forked from the worker right after the app is loaded, so it holds
 * the same template, and from then on does nothing but wait for
 * CTL_SPARE_ASK and clone.  Its signals stay blocked (it is killed with
 * SIGKILL, and dies with the worker by PR_SET_PDEATHSIG); each spare
 * resets its own in child_prepare.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "ctl.h"
#include "fds.h"
#include "log.h"
#include "sandbox.h"
#include "slowlog.h"
#include "zygote.h"

static char	comm[16];	/* the worker's process name, for spares */
static void	*robust_head;	/* glibc's list of robust mutexes held */
static size_t	 robust_len;
static pid_t	*tid_cache;	/* glibc's copy of the thread id */
static int	runners;	/* it forks runners, not spares */

/*
 * A copy of the zygote whose parent is the zygote's parent, the worker,
 * which it signals with SIGCHLD on exit as the zygote would.  clone3
 * takes its arguments in a struct, the same on every architecture.
 * Returns as fork does.
 *
 * glibc's fork() also puts the child's thread id where glibc keeps it
 * and registers its list of robust mutexes again; a raw clone must do
 * both, or a robust mutex (a shared dictionary's) locked by a spare
 * would carry the zygote's id, and the kernel would not release it when
 * the spare is killed.  The kernel writes the id (CLONE_CHILD_SETTID at
 * the address glibc gave set_tid_address, from PR_GET_TID_ADDRESS).
 */
static pid_t
clone_sibling(void)
{
	struct clone_args	args;
	pid_t			pid;

	if (tid_cache == NULL) {
		errno = ENOSYS;
		return -1;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PARENT | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	args.child_tid = (uintptr_t)tid_cache;
	if ((pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args))) == 0 &&
	    robust_head != NULL)
		(void)syscall(SYS_set_robust_list, robust_head, robust_len);
	return pid;
}

/* Forks one spare or runner and hands it to the worker. */
static void
zygote_fork(struct lua_app *app, pid_t worker)
{
	struct pollfd	pfd = { FD_CTL, POLLOUT, 0 };
	pid_t		pid = -1;
	int32_t		arg;
	int		req[2] = { -1, -1 }, out[2] = { -1, -1 };
	int		done[2] = { -1, -1 }, fds[3], i;

	if (pipe2(req, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
	    (!runners || pipe2(done, O_CLOEXEC) == 0) &&
	    (pid = clone_sibling()) == 0) {
		(void)prctl(PR_SET_NAME, comm);
		if (runners)
			child_runner(app, req[0], out[1], done[1], worker);
		child_spare(app, req[0], out[1], worker);
	}
	arg = pid == -1 ? -errno : pid;
	fds[0] = req[1];
	fds[1] = out[0];
	fds[2] = done[0];
	while (ctl_send(FD_CTL, CTL_SPARE, arg, fds, pid == -1 ? 0 : 3) ==
	    -1) {
		if (errno != EAGAIN)
			_exit(0);	/* the worker is gone */
		(void)poll(&pfd, 1, -1);
	}
	for (i = 0; i < 2; i++) {
		if (req[i] != -1)
			close(req[i]);
		if (out[i] != -1)
			close(out[i]);
		if (done[i] != -1)
			close(done[i]);
	}
}

/* The worker's reopened error log and slow log, for later spares. */
static void
zygote_reopen(struct ctl_msg *m)
{
	int	fds[LOG_NFILES];

	ctl_unpack(m, fds, LOG_NFILES);
	if (fds[LOG_FILE_SLOW] != -1 && slowlog_fd() == FD_SLOWLOG)
		(void)dup3(fds[LOG_FILE_SLOW], FD_SLOWLOG, O_CLOEXEC);
	log_files_install(fds);		/* the error log as fd 2; closes all */
}

static void __attribute__((noreturn))
zygote_main(struct lua_app *app, int fd, pid_t worker)
{
	struct pollfd	pfd = { FD_CTL, POLLIN, 0 };
	struct ctl_msg	m;
	int		r, want[FD_NSLOTS];

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != worker)
		_exit(1);
	if (syscall(SYS_get_robust_list, 0, &robust_head, &robust_len) == -1)
		robust_head = NULL;
	/* Without it (no CONFIG_CHECKPOINT_RESTORE) the worker forks. */
	if (prctl(PR_GET_TID_ADDRESS, &tid_cache) == -1 ||
	    tid_cache == NULL || *tid_cache != (pid_t)syscall(SYS_gettid))
		tid_cache = NULL;
	/* "zygote" in ps(1) and top(1); its spares go back to the name. */
	(void)prctl(PR_GET_NAME, comm);
	(void)prctl(PR_SET_NAME, "zygote");
	want[0] = fd;
	want[1] = -1;
	want[2] = slowlog_fd();
	want[3] = -1;
	want[4] = sandbox_fd();
	if (fds_layout(want) == -1)
		_exit(1);
	if (want[4] != -1)
		sandbox_renumber(FD_SANDBOX);
	/* Its spares find the slow log here (the old number is closed). */
	if (want[2] != -1)
		slowlog_renumber(FD_SLOWLOG);
	for (;;) {
		if ((r = ctl_recv(FD_CTL, &m)) == -1 && errno == EAGAIN) {
			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (r == 0 || (r == -1 && errno != EPROTO && errno != EINTR))
			_exit(0);	/* the worker is gone */
		if (r == -1)
			continue;
		if (m.type == CTL_SPARE_ASK)
			zygote_fork(app, worker);
		else if (m.type == CTL_REOPEN)
			zygote_reopen(&m);
		ctl_unpack(&m, NULL, 0);	/* closes what is left */
	}
}

pid_t
zygote_start(struct lua_app *app, int runner, int *fd)
{
	int	sv[2];
	pid_t	pid, worker = getpid();

	if (ctl_pair(sv) == -1)
		return -1;
	if ((pid = child_fork()) == 0) {
		runners = runner;
		zygote_main(app, sv[1], worker);
	}
	close(sv[1]);
	if (pid == -1) {
		close(sv[0]);
		return -1;
	}
	*fd = sv[0];
	return pid;
}

int
zygote_ask(int fd)
{
	return ctl_send(fd, CTL_SPARE_ASK, 0, NULL, 0);
}

int
zygote_send_log(int fd, int logfd, int slowfd)
{
	int	fds[LOG_NFILES] = { -1 };

	fds[LOG_FILE_ERROR] = logfd;
	fds[LOG_FILE_SLOW] = slowfd;
	fds[LOG_FILE_ACCESS] = -1;
	return ctl_send(fd, CTL_REOPEN, 0, fds, LOG_NFILES);
}

int
zygote_recv(int fd, pid_t *pid, int *req_fd, int *out_fd,
    int *done_fd)
{
	struct ctl_msg	m;
	int		fds[3], r, i;

	while ((r = ctl_recv(fd, &m)) == -1 && errno == EPROTO)
		;	/* not one of ours: dropped whole */
	if (r == -1)
		return errno == EAGAIN ? 0 : -1;
	if (r == 0)
		return -1;
	ctl_unpack(&m, fds, 3);
	if (m.type != CTL_SPARE || (m.arg > 0 && (fds[0] == -1 ||
	    fds[1] == -1))) {
		for (i = 0; i < 3; i++)
			if (fds[i] != -1)
				close(fds[i]);
		errno = EPROTO;
		return -1;
	}
	if (m.arg <= 0) {
		*pid = -1;
		errno = -m.arg;
		return 1;
	}
	*pid = m.arg;
	*req_fd = fds[0];
	*out_fd = fds[1];
	*done_fd = fds[2];
	(void)fcntl(*req_fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(*out_fd, F_SETFL, O_NONBLOCK);
	if (*done_fd != -1)
		(void)fcntl(*done_fd, F_SETFL, O_NONBLOCK);
	return 1;
}
