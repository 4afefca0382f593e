/*
 * Unit tests for ctl.c: the master <-> worker channel, its messages and
 * the descriptors they carry in slots.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

static int	sv[2];

static void
setup(void)
{
	ck_assert_int_eq(ctl_pair(sv), 0);
}

static void
teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

/* The same open file: a descriptor passed is a duplicate, not a copy. */
static void
assert_same_file(int a, int b)
{
	struct stat	sa, sb;

	ck_assert_int_eq(fstat(a, &sa), 0);
	ck_assert_int_eq(fstat(b, &sb), 0);
	ck_assert_uint_eq(sa.st_dev, sb.st_dev);
	ck_assert_uint_eq(sa.st_ino, sb.st_ino);
}

START_TEST(test_flags)
{
	ck_assert_int_ne(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_ne(fcntl(sv[1], F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_ne(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);
}
END_TEST

START_TEST(test_no_fds)
{
	struct ctl_msg	m;

	ck_assert_int_eq(ctl_recv(sv[0], &m), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(ctl_send(sv[1], CTL_SPARE, -2147483647 - 1, NULL, 0),
	    0);
	ck_assert_int_eq(ctl_recv(sv[0], &m), 1);
	ck_assert_uint_eq(m.type, CTL_SPARE);
	ck_assert_int_eq(m.arg, -2147483647 - 1);
	ck_assert_uint_eq(m.slots, 0);
	ck_assert_int_eq(m.nfds, 0);
	ck_assert_int_eq(ctl_recv(sv[0], &m), -1);
	ck_assert_int_eq(errno, EAGAIN);
}
END_TEST

/* Slots 0 and 2 filled, 1 and 3 empty: each fd comes back in its slot. */
START_TEST(test_slots)
{
	struct ctl_msg	 m;
	int		 a[2], b[2], fds[4] = { -1, -1, -1, -1 }, got[4];

	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	fds[0] = a[1];
	fds[2] = b[1];
	ck_assert_int_eq(ctl_send(sv[0], CTL_REOPEN, 0, fds, 4), 0);
	ck_assert_int_eq(ctl_recv(sv[1], &m), 1);
	ck_assert_uint_eq(m.type, CTL_REOPEN);
	ck_assert_uint_eq(m.slots, 0x5);
	ck_assert_int_eq(m.nfds, 2);
	ctl_unpack(&m, got, 4);
	ck_assert_int_eq(got[1], -1);
	ck_assert_int_eq(got[3], -1);
	assert_same_file(got[0], a[1]);
	assert_same_file(got[2], b[1]);
	ck_assert_int_ne(got[0], a[1]);		/* a new descriptor */
	ck_assert_int_ne(fcntl(got[0], F_GETFD) & FD_CLOEXEC, 0);
	/* Written through the passed one, read from the original pipe. */
	ck_assert_int_eq(write(got[2], "x", 1), 1);
	{
		char	c;

		ck_assert_int_eq(read(b[0], &c, 1), 1);
		ck_assert_int_eq(c, 'x');
	}
	close(got[0]);
	close(got[2]);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}
END_TEST

/* Fewer slots wanted than sent: the extra descriptors are closed. */
START_TEST(test_unpack_closes_extras)
{
	struct ctl_msg	 m;
	int		 p[2], fds[2], got;

	ck_assert_int_eq(pipe(p), 0);
	fds[0] = p[1];
	fds[1] = p[1];
	ck_assert_int_eq(ctl_send(sv[0], CTL_REOPEN, 0, fds, 2), 0);
	close(p[1]);
	ck_assert_int_eq(ctl_recv(sv[1], &m), 1);
	ck_assert_int_eq(m.nfds, 2);
	ctl_unpack(&m, &got, 1);
	ck_assert_int_eq(m.nfds, 0);
	close(got);
	/* Every write end is closed now: the read end sees end of file. */
	{
		char	c;

		ck_assert_int_eq(read(p[0], &c, 1), 0);
	}
	close(p[0]);
}
END_TEST

START_TEST(test_too_many)
{
	int	fds[CTL_MAXFDS + 1];

	memset(fds, 0xff, sizeof(fds));
	ck_assert_int_eq(ctl_send(sv[0], CTL_REOPEN, 0, fds, CTL_MAXFDS + 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Something that is not a message of ours is dropped whole. */
START_TEST(test_garbage)
{
	struct ctl_msg	m;

	ck_assert_int_eq(write(sv[1], "xyz", 3), 3);
	ck_assert_int_eq(ctl_recv(sv[0], &m), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_int_eq(m.nfds, 0);
	ck_assert_int_eq(ctl_send(sv[1], CTL_READY, 0, NULL, 0), 0);
	ck_assert_int_eq(ctl_recv(sv[0], &m), 1);
	ck_assert_uint_eq(m.type, CTL_READY);
}
END_TEST

START_TEST(test_eof)
{
	struct ctl_msg	m;

	close(sv[1]);
	sv[1] = open("/dev/null", O_RDONLY);	/* for teardown */
	ck_assert_int_eq(ctl_recv(sv[0], &m), 0);
	ck_assert_int_eq(ctl_send(sv[0], CTL_READY, 0, NULL, 0), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite	*s = suite_create("ctl");
	TCase	*tc;

	tc = tcase_create("channel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_no_fds);
	tcase_add_test(tc, test_slots);
	tcase_add_test(tc, test_unpack_closes_extras);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_eof);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ctl_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
