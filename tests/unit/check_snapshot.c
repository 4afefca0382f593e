/*
 * Unit tests for snapshot.c on mappings made here: a reset copies back
 * exactly the pages written since the last one (never the union of every
 * write), pages never touched included, writes by the kernel included;
 * it refuses past its bound and when a range was replaced; after it the
 * memory equals the snapshot.  Skipped (77) where the kernel cannot
 * (Linux < 6.7, or userfaultfd refused), saying why.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"

#define NPAGES	64

static size_t		 pg;
static char		*m;
static struct snapshot	*s;
static char		 err[256];

static void
setup(void)
{
	size_t	i;

	pg = (size_t)sysconf(_SC_PAGESIZE);
	m = mmap(NULL, NPAGES * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	for (i = 0; i < NPAGES * pg; i++)
		m[i] = (char)(i * 7 + i / pg);
}

static void
teardown(void)
{
	snapshot_free(s);
	s = NULL;
	munmap(m, NPAGES * pg);
}

static void
take(size_t first, size_t npages)
{
	struct snapshot_range	r = { m + first * pg, npages * pg };

	s = snapshot_new(&r, 1, err, sizeof(err));
	ck_assert_msg(s != NULL, "snapshot_new: %s", err);
}

/* Exactly the pages written, and the memory equals the snapshot after. */
START_TEST(test_exact)
{
	char	was;

	take(0, NPAGES);
	was = m[3 * pg];
	m[3 * pg] ^= 1;
	m[10 * pg + 100] ^= 1;
	memset(m + 11 * pg, 0, pg);
	m[40 * pg + pg - 1] ^= 1;
	ck_assert_uint_eq(snapshot_verify(s, NULL), 4);
	ck_assert_int_eq(snapshot_reset(s, NPAGES), 4);
	ck_assert_uint_eq(snapshot_verify(s, NULL), 0);
	ck_assert_int_eq(m[3 * pg], was);
	ck_assert_int_eq(snapshot_reset(s, NPAGES), 0);
}
END_TEST

/* What a reset copies follows this round's writes, not all rounds'. */
START_TEST(test_not_the_union)
{
	int	round;

	take(0, NPAGES);
	m[1 * pg] ^= 1;
	m[2 * pg] ^= 1;
	m[3 * pg] ^= 1;
	ck_assert_int_eq(snapshot_reset(s, NPAGES), 3);
	for (round = 0; round < 100; round++) {
		m[(size_t)(7 + round % 50) * pg] ^= 1;
		ck_assert_int_eq(snapshot_reset(s, NPAGES), 1);
	}
	ck_assert_uint_eq(snapshot_verify(s, NULL), 0);
}
END_TEST

/* Pages never touched before the snapshot are tracked too. */
START_TEST(test_unpopulated)
{
	char	*u = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0);
	struct snapshot_range	r = { u, 8 * pg };
	struct snapshot		*t;

	ck_assert_ptr_ne(u, MAP_FAILED);
	t = snapshot_new(&r, 1, err, sizeof(err));
	ck_assert_msg(t != NULL, "snapshot_new: %s", err);
	u[2 * pg] = 1;
	u[7 * pg + 5] = 1;
	ck_assert_int_eq(snapshot_reset(t, 8), 2);
	ck_assert_int_eq(u[2 * pg], 0);
	ck_assert_int_eq(u[7 * pg + 5], 0);
	snapshot_free(t);
	munmap(u, 8 * pg);
}
END_TEST

/* A write by the kernel (read(2) into the page) is a write. */
START_TEST(test_kernel_write)
{
	int	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	take(0, NPAGES);
	ck_assert_int_eq(read(fd, m + 20 * pg, 16), 16);
	close(fd);
	ck_assert_int_eq(snapshot_reset(s, NPAGES), 1);
	ck_assert_uint_eq(snapshot_verify(s, NULL), 0);
}
END_TEST

/* More than the bound: E2BIG, and the process is to be discarded. */
START_TEST(test_bound)
{
	size_t	i;

	take(0, NPAGES);
	for (i = 0; i < 10; i++)
		m[i * 3 * pg] ^= 1;
	errno = 0;
	ck_assert_int_eq(snapshot_reset(s, 5), -1);
	ck_assert_int_eq(errno, E2BIG);
}
END_TEST

/* A range replaced (MAP_FIXED over part of it): EPERM. */
START_TEST(test_replaced)
{
	void	*p;

	take(0, NPAGES);
	p = mmap(m + 8 * pg, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ck_assert_ptr_eq(p, m + 8 * pg);
	errno = 0;
	ck_assert_int_eq(snapshot_reset(s, NPAGES), -1);
	ck_assert_int_eq(errno, EPERM);
}
END_TEST

/* A range unmapped, in part: EPERM, not a reset that skips the hole. */
START_TEST(test_unmapped)
{
	take(0, NPAGES);
	m[2 * pg] ^= 1;
	ck_assert_int_eq(munmap(m + 60 * pg, 4 * pg), 0);
	errno = 0;
	ck_assert_int_eq(snapshot_reset(s, NPAGES), -1);
	ck_assert_int_eq(errno, EPERM);
	/* teardown unmaps the whole range: the hole is fine for munmap */
}
END_TEST

/* Two ranges with an unregistered page between: only theirs count. */
START_TEST(test_two_ranges)
{
	struct snapshot_range	r[2] = {
		{ m, 10 * pg }, { m + 11 * pg, 20 * pg }
	};
	char			 gap = m[10 * pg];

	s = snapshot_new(r, 2, err, sizeof(err));
	ck_assert_msg(s != NULL, "snapshot_new: %s", err);
	m[0] ^= 1;
	m[10 * pg] ^= 1;	/* not in the snapshot: left as written */
	m[12 * pg] ^= 1;
	m[30 * pg] ^= 1;
	ck_assert_int_eq(snapshot_reset(s, NPAGES), 3);
	ck_assert_uint_eq(snapshot_verify(s, NULL), 0);
	ck_assert_int_eq(m[10 * pg], (char)(gap ^ 1));
}
END_TEST

#ifndef SNAPSHOT_UNDER_ASAN
/* What the whole-process test changes: a global, the heap. */
static int	 counter = 41;
static char	 table[3 * 4096] = "template";
static void	*volatile sink;		/* keeps the compiler's hands off */

/* Whether [p, p + len) is mapped at all. */
static int
mapped(void *p, size_t len)
{
	return msync(p, len, MS_ASYNC) == 0;
}

/*
 * Mappings: one made after the snapshot is gone after a reset, a large
 * one too; one of the snapshot's unmapped makes the reset fail (EPERM).
 * 0, or the number of the check that failed (from 10).
 */
static int
mappings(struct snapshot *self)
{
	char	*a, *b;

	a = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, 1 << 24, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return 10;
	memset(a, 1, 8 * pg);
	b[0] = 1;
	if (snapshot_reset(self, 1000) < 0)
		return 11;
	if (snapshot_verify(self, NULL) != 0)
		return 13;	/* before msync: a failed one writes errno */
	if (mapped(a, 8 * pg) || mapped(b, 1 << 24))
		return 12;		/* a request's mapping is left */
	/* One of the snapshot's, unmapped: never a silent reset. */
	if (munmap((void *)(((uintptr_t)table + pg - 1) & ~(pg - 1)), pg) ==
	    -1)
		return 14;
	errno = 0;
	if (snapshot_reset(self, 1000) != -1 || errno != EPERM)
		return 15;
	return 0;
}

/*
 * In a process of its own (its memory, check's included, is rolled back):
 * two "requests" each change globals, allocate (growing the break) and
 * write; after each reset everything is as in the snapshot, and the
 * second request's allocations land where the first one's did; then
 * mappings (above).  Exits 0, or the number of the check that failed.
 */
static int
whole_process(void)
{
	struct snapshot	*self;
	char		 why[256];
	void		*first[2], *brk0 = sbrk(0);
	long		 n;
	int		 round, i;

	if ((self = snapshot_self(why, sizeof(why))) == NULL)
		return 1;
	for (round = 0; round < 2; round++) {
		counter += 1 + round;
		snprintf(table + 4096, 64, "request %d", round);
		for (i = 0; i < 3000; i++) {
			sink = malloc(2000);	/* leaked on purpose */
			if (i == 0)
				first[round] = sink;
		}
		memset(first[round], round, 2000);
		if (sbrk(0) == brk0)
			return 2;		/* the break did not grow */
		if ((n = snapshot_reset(self, 1000)) <= 0)
			return 3;
		if (counter != 41 || table[4096] != '\0' ||
		    strcmp(table, "template") != 0)
			return 4;
		if (sbrk(0) != brk0)
			return 5;
		if (snapshot_verify(self, NULL) != 0)
			return 6;
	}
	if (first[0] != first[1])
		return 7;		/* the heap was not as before */
	return mappings(self);
}

START_TEST(test_whole_process)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0)
		_exit(whole_process());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "whole-process reset: check %d failed", WIFEXITED(status) ?
	    WEXITSTATUS(status) : -1);
}
END_TEST
#endif

static Suite *
snapshot_suite(void)
{
	Suite	*su = suite_create("snapshot");
	TCase	*tc = tcase_create("reset");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exact);
	tcase_add_test(tc, test_not_the_union);
	tcase_add_test(tc, test_unpopulated);
	tcase_add_test(tc, test_kernel_write);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_replaced);
	tcase_add_test(tc, test_unmapped);
	tcase_add_test(tc, test_two_ranges);
#ifndef SNAPSHOT_UNDER_ASAN
	tcase_add_test(tc, test_whole_process);
#endif
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner	*sr;
	char	 why[256];
	int	 failed;

	if (snapshot_probe(why, sizeof(why)) == -1) {
		printf("SKIP: snapshot: this kernel cannot: %s\n", why);
		return 77;
	}
	sr = srunner_create(snapshot_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
