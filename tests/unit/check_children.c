/*
 * Unit tests for children.c, the owner of every child process, against
 * the fake child source (fakechild.c) and the real zygote: taking a child
 * at once or after a wait, answers read from the pipes, the reaping of
 * every kind of child, a cancelled wait, a stalled zygote, and a
 * shutdown that leaves no zombie.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "child.h"
#include "children.h"
#include "fakechild.h"

#define N	6

struct taker {
	struct child	 c;
	struct request	*req;
	int		 started, failed, exited, status;
};

static struct event_base	*base;
static struct taker		 t[N];

static struct taker *
taker_of(struct child *c)
{
	return (struct taker *)(void *)c;	/* c is the first member */
}

static void
on_started(struct child *c)
{
	taker_of(c)->started++;
}

static void
on_failed(struct child *c)
{
	taker_of(c)->failed++;
}

static void
on_exited(struct child *c, int status, const struct rusage *ru)
{
	(void)ru;
	taker_of(c)->exited++;
	taker_of(c)->status = status;
}

static const struct children_ops	ops = {
	on_started, on_failed, on_exited
};

static void
setup_mode(int spares, int runners)
{
	sigset_t	chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	memset(t, 0, sizeof(t));
	ck_assert_ptr_nonnull(base = event_base_new());
	ck_assert_int_eq(event_base_priority_init(base, 3), 0);
	ck_assert_int_eq(children_init(base, NULL, spares, runners, &ops), 0);
}

static void
setup_with(int spares)
{
	setup_mode(spares, 0);
}

static void
take(int i, const char *action, int want)
{
	t[i].req = fake_request(action);
	t[i].c.req = t[i].req;
	if (want == -2)		/* now or later */
		ck_assert_int_ge(children_take(&t[i].c), 0);
	else
		ck_assert_int_eq(children_take(&t[i].c), want);
}

static int
started(void *arg)
{
	return ((struct taker *)arg)->started > 0;
}

static int
exited(void *arg)
{
	return ((struct taker *)arg)->exited > 0;
}

static int
all_exited(void *arg)
{
	int	i, n = *(int *)arg;

	for (i = 0; i < n; i++)
		if (!t[i].exited)
			return 0;
	return 1;
}

/* Reads the whole answer of a child that has one. */
static void
assert_answered(int i)
{
	char			 buf[512];
	struct child_head	 head;
	size_t			 got = 0;
	ssize_t			 n;
	char			 want[32];

	(void)fcntl(t[i].c.out_fd, F_SETFL, 0);
	while (got < sizeof(buf) && (n = read(t[i].c.out_fd, buf + got,
	    sizeof(buf) - got)) > 0) {
		got += (size_t)n;
		if (got >= sizeof(head)) {
			memcpy(&head, buf, sizeof(head));
			if (got - sizeof(head) == head.len)
				break;	/* a runner's pipe stays open */
		}
	}
	ck_assert_uint_ge(got, sizeof(head));
	memcpy(&head, buf, sizeof(head));
	ck_assert_uint_eq(head.status, 200);
	ck_assert_uint_eq(got - sizeof(head), head.len);
	(void)fcntl(t[i].c.out_fd, F_SETFL, O_NONBLOCK);
	snprintf(want, sizeof(want), "pid %ld", (long)t[i].c.pid);
	ck_assert_msg(memmem(buf, got, want, strlen(want)) != NULL,
	    "answer of child %d is not from pid %ld", i, (long)t[i].c.pid);
	if (!t[i].c.lent)
		close(t[i].c.out_fd);
}

static void
teardown(void)
{
	int	i;

	children_reap_all();
	ck_assert_msg(fake_no_children(), "a child is left after reap_all");
	for (i = 0; i < N; i++)
		request_free(t[i].req);
	event_base_free(base);
}

/* No spares: each take forks a child at once; each answers and is reaped. */
START_TEST(test_fork_each)
{
	int	i, n = 3;

	setup_with(0);
	for (i = 0; i < n; i++)
		take(i, "answer", 0);
	ck_assert_int_eq(children_waiting(), 0);
	ck_assert(fake_run_until(base, all_exited, &n, 5000));
	for (i = 0; i < n; i++) {
		ck_assert(WIFEXITED(t[i].status) && WEXITSTATUS(t[i].status) == 0);
		ck_assert_int_eq(t[i].started + t[i].failed, 0);
		ck_assert(t[i].c.reaped);
		assert_answered(i);
	}
	teardown();
}
END_TEST

/*
 * Spares from the zygote: more takers than spares wait, each gets a spare
 * later (started), and every answer comes from its own process.
 */
START_TEST(test_spares_and_waiting)
{
	int	i, n = N, waited = 0;

	setup_with(2);
	for (i = 0; i < n; i++) {
		t[i].req = fake_request("answer");
		t[i].c.req = t[i].req;
		ck_assert_int_ge(children_take(&t[i].c), 0);
		waited += t[i].c.waiting;
	}
	ck_assert_int_eq(children_waiting(), waited);
	ck_assert_int_gt(waited, 0);	/* the zygote had no time to fork */
	ck_assert(fake_run_until(base, all_exited, &n, 10000));
	ck_assert_int_eq(children_waiting(), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(t[i].failed, 0);
		ck_assert_int_le(t[i].started, 1);
		ck_assert(WIFEXITED(t[i].status) && WEXITSTATUS(t[i].status) == 0);
		assert_answered(i);
	}
	teardown();
}
END_TEST

/* A cancelled wait gets no callback; the others are served. */
START_TEST(test_cancel)
{
	int	n = 1;

	setup_with(1);
	take(0, "slow", 1);		/* nothing idle yet: waits */
	take(1, "answer", 1);
	children_cancel(&t[1].c);
	ck_assert_int_eq(children_waiting(), 1);
	ck_assert(fake_run_until(base, all_exited, &n, 10000));
	ck_assert_int_eq(t[1].started + t[1].failed + t[1].exited, 0);
	assert_answered(0);
	teardown();
}
END_TEST

/* Crashes and kills are reaped and reported with their status. */
START_TEST(test_crash_and_kill)
{
	setup_with(0);
	take(0, "crash", 0);
	take(1, "hang", 0);
	ck_assert(fake_run_until(base, exited, &t[0], 5000));
	ck_assert(WIFEXITED(t[0].status) && WEXITSTATUS(t[0].status) == 3);
	ck_assert_int_eq(t[1].exited, 0);
	children_kill(&t[1].c);
	ck_assert(fake_run_until(base, exited, &t[1], 5000));
	ck_assert(WIFSIGNALED(t[1].status) && WTERMSIG(t[1].status) == SIGKILL);
	children_kill(&t[1].c);		/* reaped: a no-op, never a reused pid */
	close(t[0].c.out_fd);
	close(t[1].c.out_fd);
	teardown();
}
END_TEST

/*
 * Runners: one request after another goes to the same process, each
 * reported done (status 0) without an exit; one that retires or crashes
 * is reaped and replaced; its successor serves the next.
 */
START_TEST(test_runners)
{
	pid_t	first;
	int	i;

	setup_mode(1, 1);
	for (i = 0; i < 4; i++) {
		take(i, i == 2 ? "retire" : "answer", -2);
		if (t[i].c.waiting)
			ck_assert(fake_run_until(base, started, &t[i], 5000));
		ck_assert(t[i].c.lent);
		assert_answered(i);	/* a job reads it before the end */
		ck_assert(fake_run_until(base, exited, &t[i], 5000));
		ck_assert(WIFEXITED(t[i].status) &&
		    WEXITSTATUS(t[i].status) == 0);
		ck_assert(t[i].c.reaped);
	}
	first = t[0].c.pid;
	ck_assert_int_eq(t[1].c.pid, first);	/* the same runner */
	ck_assert_int_eq(t[2].c.pid, first);	/* which then retired */
	ck_assert_int_ne(t[3].c.pid, first);
	children_kill(&t[3].c);		/* done: a no-op, the runner lives */
	take(4, "crash", -2);
	if (t[4].c.waiting)
		ck_assert(fake_run_until(base, started, &t[4], 5000));
	ck_assert(fake_run_until(base, exited, &t[4], 5000));
	ck_assert(WIFEXITED(t[4].status) && WEXITSTATUS(t[4].status) == 3);
	ck_assert_int_eq(t[4].c.pid, t[3].c.pid);
	take(5, "answer", -2);
	if (t[5].c.waiting)
		ck_assert(fake_run_until(base, started, &t[5], 5000));
	assert_answered(5);
	ck_assert(fake_run_until(base, exited, &t[5], 5000));
	ck_assert_int_ne(t[5].c.pid, t[4].c.pid);
	teardown();
}
END_TEST

/* Our child named "zygote" (once it has taken the name), or -1. */
static pid_t
find_zygote(void)
{
	char	path[64], list[4096], comm[32], *p, *end;
	FILE	*f;
	long	pid;
	int	i;
	size_t	n;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
	    (long)getpid());
	for (i = 0; i < 500; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return -1;
		n = fread(list, 1, sizeof(list) - 1, f);
		fclose(f);
		list[n] = '\0';
		for (p = list; (pid = strtol(p, &end, 10)) > 0; p = end) {
			char	cpath[64];

			snprintf(cpath, sizeof(cpath), "/proc/%ld/comm", pid);
			if ((f = fopen(cpath, "r")) == NULL)
				continue;
			if (fgets(comm, sizeof(comm), f) != NULL &&
			    strcmp(comm, "zygote\n") == 0) {
				fclose(f);
				return (pid_t)pid;
			}
			fclose(f);
		}
		usleep(10000);
	}
	return -1;
}

/*
 * A zygote that sends nothing while a request waits (stopped) is killed
 * after 2 s; the waiting request is then forked by the worker.
 */
START_TEST(test_stalled_zygote)
{
	struct timeval	settle = { 0, 200 * 1000 };
	pid_t		z;
	int		i, n = 2, waited = 0;

	setup_with(1);
	z = find_zygote();
	ck_assert_int_gt(z, 0);
	ck_assert_int_eq(kill(z, SIGSTOP), 0);
	/* A spare it sent before it stopped arrives now: at most one. */
	event_base_loopexit(base, &settle);
	event_base_dispatch(base);
	for (i = 0; i < n; i++) {
		t[i].req = fake_request("answer");
		t[i].c.req = t[i].req;
		ck_assert_int_ge(children_take(&t[i].c), 0);
		waited += t[i].c.waiting;
	}
	ck_assert_int_ge(waited, 1);
	ck_assert(fake_run_until(base, all_exited, &n, 10000));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(t[i].failed, 0);
		assert_answered(i);
	}
	ck_assert_msg(kill(z, 0) == -1, "the stalled zygote %ld lives",
	    (long)z);
	teardown();
}
END_TEST

static Suite *
children_suite(void)
{
	Suite	*s = suite_create("children");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_fork_each);
	tcase_add_test(tc, test_spares_and_waiting);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_crash_and_kill);
	tcase_add_test(tc, test_stalled_zygote);
	tcase_add_test(tc, test_runners);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(children_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
