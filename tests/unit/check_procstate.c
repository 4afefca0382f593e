/*
 * Unit tests for procstate.c: what a request may change besides memory
 * is put back -- processes it started (a daemon escaping its group too),
 * descriptors it opened, a descriptor's flags, signal dispositions,
 * pending signals and the mask, alarm and interval timers, the working
 * directory, umask, soft limits -- and what cannot be (a second thread,
 * a descriptor replaced, a hard limit lowered) is reported.  Each test
 * runs in a process of its own (check's fork mode).
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procstate.h"

static struct procstate	*ps;
static const char	*why;

/* The lowest free descriptor: everything below it is the process's. */
static int
watermark(void)
{
	int	fd = fcntl(0, F_DUPFD, 0);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

static void
capture(void)
{
	ck_assert_ptr_nonnull(ps = procstate_new());
	ck_assert_int_eq(procstate_capture(ps, watermark()), 0);
}

static int
restore(void)
{
	sigset_t	all, old;
	int		rc;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);	/* as a runner does */
	if ((rc = procstate_restore(ps, &why)) == 0)
		procstate_restore_mask(ps);
	return rc;
}

static void
on_usr1(int sig)
{
	(void)sig;
}

START_TEST(test_processes)
{
	pid_t	child, daemon_pid;
	int	pfd[2];

	capture();
	ck_assert_int_eq(pipe(pfd), 0);
	if ((child = fork()) == 0) {
		/* A daemon: its own session, its parent gone. */
		if (fork() == 0) {
			setsid();
			daemon_pid = getpid();
			(void)!write(pfd[1], &daemon_pid, sizeof(daemon_pid));
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(pfd[0], &daemon_pid, sizeof(daemon_pid)),
	    sizeof(daemon_pid));
	ck_assert_int_eq(restore(), 0);
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	ck_assert_int_eq(kill(child, 0), -1);
	ck_assert_int_eq(kill(daemon_pid, 0), -1);
}
END_TEST

START_TEST(test_descriptors)
{
	int	a, b, fl = fcntl(0, F_GETFL);

	capture();
	a = open("/dev/null", O_RDONLY);
	b = open("/dev/zero", O_RDONLY);
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(fcntl(0, F_SETFL, fl | O_NONBLOCK), 0);
	ck_assert_int_eq(restore(), 0);
	ck_assert_int_eq(fcntl(a, F_GETFD), -1);
	ck_assert_int_eq(fcntl(b, F_GETFD), -1);
	ck_assert_int_eq(fcntl(0, F_GETFL), fl);
}
END_TEST

START_TEST(test_descriptor_replaced)
{
	int	mine = open("/dev/null", O_RDONLY), other;

	ck_assert_int_ge(mine, 0);
	capture();		/* mine is below the watermark: the process's */
	other = open("/dev/zero", O_RDONLY);
	ck_assert_int_eq(dup2(other, mine), mine);
	ck_assert_int_eq(restore(), -1);
	ck_assert_ptr_nonnull(strstr(why, "replaced"));
}
END_TEST

/*
 * A hole below the watermark (a closed slot of the process's layout):
 * procstate's own descriptors do not land in it, so restores keep working
 * and the hole stays empty.
 */
START_TEST(test_hole_below)
{
	int	a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
	int	round;

	ck_assert_int_ge(b, 0);
	close(a);			/* a is a hole; b is the process's */
	ck_assert_ptr_nonnull(ps = procstate_new());
	ck_assert_int_eq(procstate_capture(ps, b + 1), 0);
	for (round = 0; round < 3; round++) {
		ck_assert_msg(restore() == 0, "round %d: %s", round, why);
		ck_assert_int_eq(fcntl(a, F_GETFD), -1);
		ck_assert_int_ge(fcntl(b, F_GETFD), 0);
	}
}
END_TEST

START_TEST(test_signals_and_timers)
{
	struct sigaction	sa;
	struct itimerval	it = { { 1, 0 }, { 100, 0 } }, now;
	sigset_t		set, mask0, pending;

	sigprocmask(SIG_SETMASK, NULL, &mask0);
	capture();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGHUP);				/* pending, blocked */
	alarm(100);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
	ck_assert_int_eq(restore(), 0);
	sigaction(SIGUSR1, NULL, &sa);
	ck_assert_ptr_eq(sa.sa_handler, SIG_DFL);
	sigaction(SIGUSR2, NULL, &sa);
	ck_assert_ptr_eq(sa.sa_handler, SIG_DFL);
	getitimer(ITIMER_REAL, &now);
	ck_assert_int_eq(now.it_value.tv_sec + now.it_value.tv_usec, 0);
	getitimer(ITIMER_VIRTUAL, &now);
	ck_assert_int_eq(now.it_value.tv_sec + now.it_value.tv_usec, 0);
	sigpending(&pending);
	ck_assert(!sigismember(&pending, SIGHUP));
	sigprocmask(SIG_SETMASK, NULL, &set);
	ck_assert(!sigismember(&set, SIGHUP));	/* the mask as captured */
	ck_assert_int_eq(sigismember(&set, SIGUSR1),
	    sigismember(&mask0, SIGUSR1));
}
END_TEST

START_TEST(test_cwd_umask_limits)
{
	struct stat	before, after;
	struct rlimit	rl, lowered;
	mode_t		um = umask(0);

	umask(um);
	ck_assert_int_eq(stat(".", &before), 0);
	getrlimit(RLIMIT_NOFILE, &rl);
	capture();
	ck_assert_int_eq(chdir("/"), 0);
	umask(077);
	lowered = rl;
	lowered.rlim_cur = 64;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lowered), 0);
	ck_assert_int_eq(restore(), 0);
	ck_assert_int_eq(stat(".", &after), 0);
	ck_assert(before.st_ino == after.st_ino && before.st_dev == after.st_dev);
	ck_assert_uint_eq(umask(0), um);
	getrlimit(RLIMIT_NOFILE, &lowered);
	ck_assert(lowered.rlim_cur == rl.rlim_cur);
}
END_TEST

START_TEST(test_hard_limit)
{
	struct rlimit	rl;

	getrlimit(RLIMIT_CORE, &rl);
	if (rl.rlim_max == 0)
		rl.rlim_max = rl.rlim_cur = 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_CORE, &rl), 0);
	capture();
	rl.rlim_max = rl.rlim_cur = 0;
	ck_assert_int_eq(setrlimit(RLIMIT_CORE, &rl), 0);
	ck_assert_int_eq(restore(), -1);
	ck_assert_ptr_nonnull(strstr(why, "hard limit"));
}
END_TEST

static void *
sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

START_TEST(test_thread)
{
	pthread_t	t;

	capture();
	ck_assert_int_eq(pthread_create(&t, NULL, sleeper, NULL), 0);
	ck_assert_int_eq(restore(), -1);
	ck_assert_str_eq(why, "2 threads");
}
END_TEST

static Suite *
procstate_suite(void)
{
	Suite	*s = suite_create("procstate");
	TCase	*tc = tcase_create("restore");

	tcase_add_test(tc, test_processes);
	tcase_add_test(tc, test_descriptors);
	tcase_add_test(tc, test_descriptor_replaced);
	tcase_add_test(tc, test_hole_below);
	tcase_add_test(tc, test_signals_and_timers);
	tcase_add_test(tc, test_cwd_umask_limits);
	tcase_add_test(tc, test_hard_limit);
	tcase_add_test(tc, test_thread);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(procstate_suite());
	int	 failed;

	/* Each test changes its process for good: never run them in one. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
