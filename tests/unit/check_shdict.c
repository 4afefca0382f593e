/*
 * Shared dictionaries (src/shdict.c): values of every type, add, replace,
 * incr, expiry, keys, LRU eviction that never fails for same-size items,
 * and what a process killed while it holds the lock leaves: a dictionary
 * that works, with every other item intact.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "shdict.h"

static struct shdict	*d;
static struct buf	 out = BUF_INIT;
static char		 why[256];

static void
setup(void)
{
	ck_assert_ptr_nonnull(d = shdict_create("test", SHDICT_MIN_SIZE));
}

static void
teardown(void)
{
	ck_assert_msg(shdict_check(d, why, sizeof(why)) == 0, "%s", why);
	shdict_destroy(d);
	buf_free(&out);
}

static int
set_str(const char *k, const char *v, size_t len, int64_t ttl)
{
	struct shdict_value	sv = { SHDICT_STRING, 0, 0, v, len };
	int			forcible;

	return shdict_set(d, k, strlen(k), &sv, ttl, SHDICT_SET, &forcible);
}

static int
set_int(const char *k, int64_t i, enum shdict_mode mode)
{
	struct shdict_value	sv = { SHDICT_INTEGER, i, 0, NULL, 0 };
	int			forcible;

	return shdict_set(d, k, strlen(k), &sv, 0, mode, &forcible);
}

static struct shdict_value
get(const char *k, int want)
{
	struct shdict_value	v;

	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(shdict_get(d, k, strlen(k), &v, &out), want);
	return v;
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

START_TEST(test_types)
{
	struct shdict_value	v, sv;
	char			bin[300];
	int			i, forcible;

	for (i = 0; i < (int)sizeof(bin); i++)
		bin[i] = (char)i;		/* NULs included */
	ck_assert_int_eq(set_str("bin", bin, sizeof(bin), 0), 0);
	v = get("bin", 1);
	ck_assert_int_eq(v.type, SHDICT_STRING);
	ck_assert_uint_eq(v.len, sizeof(bin));
	ck_assert_mem_eq(v.s, bin, sizeof(bin));
	ck_assert_int_eq(set_str("empty", "", 0, 0), 0);
	v = get("empty", 1);
	ck_assert_uint_eq(v.len, 0);
	ck_assert_int_eq(set_int("big", INT64_MAX, SHDICT_SET), 0);
	ck_assert(get("big", 1).i == INT64_MAX);
	sv.type = SHDICT_NUMBER;
	sv.d = 0.1;
	ck_assert_int_eq(shdict_set(d, "f", 1, &sv, 0, SHDICT_SET, &forcible),
	    0);
	v = get("f", 1);
	ck_assert_int_eq(v.type, SHDICT_NUMBER);
	ck_assert(v.d == 0.1);
	sv.type = SHDICT_BOOLEAN;
	sv.i = 0;
	ck_assert_int_eq(shdict_set(d, "no", 2, &sv, 0, SHDICT_SET, &forcible),
	    0);
	v = get("no", 1);
	ck_assert_int_eq(v.type, SHDICT_BOOLEAN);
	ck_assert_int_eq(v.i, 0);
	get("absent", 0);
	ck_assert_int_eq(shdict_delete(d, "bin", 3), 1);
	ck_assert_int_eq(shdict_delete(d, "bin", 3), 0);
	get("bin", 0);
}
END_TEST

START_TEST(test_add_replace_incr)
{
	struct shdict_value	by = { SHDICT_INTEGER, 5, 0, NULL, 0 }, init, v;
	int			forcible;

	ck_assert_int_eq(set_int("a", 1, SHDICT_ADD), 0);
	ck_assert_int_eq(set_int("a", 2, SHDICT_ADD), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(set_int("b", 2, SHDICT_REPLACE), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(set_int("a", 3, SHDICT_REPLACE), 0);
	ck_assert(get("a", 1).i == 3);
	ck_assert_int_eq(shdict_incr(d, "a", 1, &by, NULL, 0, &v, &forcible),
	    0);
	ck_assert(v.type == SHDICT_INTEGER && v.i == 8);
	ck_assert_int_eq(shdict_incr(d, "n", 1, &by, NULL, 0, &v, &forcible),
	    -1);
	ck_assert_int_eq(errno, ENOENT);
	init.type = SHDICT_INTEGER;
	init.i = 100;
	ck_assert_int_eq(shdict_incr(d, "n", 1, &by, &init, 0, &v, &forcible),
	    0);
	ck_assert(v.i == 105);
	by.type = SHDICT_NUMBER;
	by.d = 0.5;
	ck_assert_int_eq(shdict_incr(d, "n", 1, &by, NULL, 0, &v, &forcible),
	    0);
	ck_assert(v.type == SHDICT_NUMBER && v.d == 105.5);
	ck_assert(get("n", 1).d == 105.5);
	ck_assert_int_eq(set_str("s", "x", 1, 0), 0);
	ck_assert_int_eq(shdict_incr(d, "s", 1, &by, NULL, 0, &v, &forcible),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(set_int("max", INT64_MAX, SHDICT_SET), 0);
	by.type = SHDICT_INTEGER;
	by.i = 1;
	ck_assert_int_eq(shdict_incr(d, "max", 3, &by, NULL, 0, &v,
	    &forcible), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert(get("max", 1).i == INT64_MAX);
}
END_TEST

START_TEST(test_expiry)
{
	int64_t	ttl;

	ck_assert_int_eq(set_str("t", "v", 1, 30), 0);
	ck_assert_int_eq(set_str("forever", "v", 1, 0), 0);
	ck_assert_int_eq(shdict_ttl(d, "t", 1, &ttl), 1);
	ck_assert(ttl > 0 && ttl <= 30);
	ck_assert_int_eq(shdict_ttl(d, "forever", 7, &ttl), 1);
	ck_assert(ttl == 0);
	ck_assert_int_eq(shdict_expire(d, "forever", 7, 30), 1);
	sleep_ms(60);
	get("t", 0);
	get("forever", 0);
	ck_assert_int_eq(shdict_ttl(d, "t", 1, &ttl), 0);
	/* add over an expired item works */
	ck_assert_int_eq(set_str("e", "v", 1, 10), 0);
	sleep_ms(30);
	ck_assert_int_eq(set_int("e", 1, SHDICT_ADD), 0);
}
END_TEST

START_TEST(test_keys_and_flush)
{
	size_t		at = 0;
	uint32_t	len;
	long		n;
	char		k[16];
	int		i;

	for (i = 0; i < 5; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(set_int(k, i, SHDICT_SET), 0);
	}
	get("k1", 1);				/* most recently used */
	ck_assert_int_eq(n = shdict_keys(d, 0, &out), 5);
	memcpy(&len, out.data, 4);
	ck_assert_uint_eq(len, 2);
	ck_assert_mem_eq(out.data + 4, "k1", 2);
	ck_assert_int_eq(shdict_keys(d, 2, &out), 2);
	for (i = 0, at = 0; i < 2; i++) {
		memcpy(&len, out.data + at, 4);
		at += 4 + len;
	}
	ck_assert_uint_eq(at, out.len);
	shdict_flush_all(d);
	ck_assert_int_eq(shdict_keys(d, 0, &out), 0);
	get("k1", 0);
}
END_TEST

/*
 * Full of same-size items: every set succeeds, evicting the least
 * recently used; an item used meanwhile survives; mixed sizes first do
 * not make later stores fail either.
 */
START_TEST(test_eviction)
{
	struct shdict_stats	 st;
	struct shdict_value	 sv;
	char			 k[32], v[200];
	int			 i, forcible, evicted = 0;

	memset(v, 'v', sizeof(v));
	for (i = 0; i < 3000; i++) {		/* mixed sizes */
		snprintf(k, sizeof(k), "mixed-%d", i);
		ck_assert_int_eq(set_str(k, v, (size_t)(i * 37) % 200, 0), 0);
	}
	sv.type = SHDICT_STRING;
	sv.s = v;
	sv.len = 100;
	for (i = 0; i < 20000; i++) {
		snprintf(k, sizeof(k), "same-%d", i);
		ck_assert_msg(shdict_set(d, k, strlen(k), &sv, 0, SHDICT_SET,
		    &forcible) == 0, "set %d failed: %s", i, strerror(errno));
		evicted += forcible;
		if (i % 10 == 0)
			get("same-0", 1);	/* kept in use: stays */
	}
	ck_assert_int_gt(evicted, 0);
	get("same-0", 1);
	get("same-1", 0);			/* the oldest went */
	get("same-19999", 1);
	shdict_stats(d, &st);
	ck_assert_uint_gt(st.evictions, 0);
	ck_assert_uint_le(st.used, st.capacity);
	/* Larger than the whole dictionary: E2BIG, nothing lost. */
	ck_assert_int_eq(set_str("huge", v, SHDICT_MIN_SIZE, 0), -1);
	ck_assert_int_eq(errno, E2BIG);
	get("same-19999", 1);
}
END_TEST

/*
 * A process that dies at each step of a set, holding the lock: the next
 * caller does not hang, the dictionary is rebuilt, every other item is
 * intact, and it works on.
 */
START_TEST(test_killed_holder)
{
	struct shdict_stats	st;
	struct shdict_value	x;
	pid_t			pid;
	int			step, status, i;
	char			k[16];

	for (i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "keep-%d", i);
		ck_assert_int_eq(set_int(k, i, SHDICT_SET), 0);
	}
	ck_assert_int_eq(set_int("victim", 1, SHDICT_SET), 0);
	for (step = 1; step <= 5; step++) {
		if ((pid = fork()) == 0) {
			shdict_test_die_at(step);
			(void)set_int("victim", 100 + step, SHDICT_SET);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 9);
		ck_assert_msg(shdict_check(d, why, sizeof(why)) == 0,
		    "after a death at step %d: %s", step, why);
		for (i = 0; i < 100; i++) {
			snprintf(k, sizeof(k), "keep-%d", i);
			ck_assert(get(k, 1).i == i);
		}
		/* The victim: old value, new one, or gone; never garbage. */
		if (shdict_get(d, "victim", 6, &x, &out) == 1)
			ck_assert(x.i == 1 || x.i == 100 + step);
		ck_assert_int_eq(set_int("victim", 1, SHDICT_SET), 0);
	}
	shdict_stats(d, &st);
	ck_assert_uint_eq(st.repairs, 5);
}
END_TEST

/* Four processes, 5000 increments each: exactly 20000. */
START_TEST(test_incr_exact)
{
	struct shdict_value	by = { SHDICT_INTEGER, 1, 0, NULL, 0 };
	struct shdict_value	init = { SHDICT_INTEGER, 0, 0, NULL, 0 }, v;
	pid_t			pids[4];
	int			i, n, status, forcible;

	for (i = 0; i < 4; i++)
		if ((pids[i] = fork()) == 0) {
			for (n = 0; n < 5000; n++)
				if (shdict_incr(d, "c", 1, &by, &init, 0, &v,
				    &forcible) == -1)
					_exit(1);
			_exit(0);
		}
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert(get("c", 1).i == 20000);
}
END_TEST

/*
 * Writers SIGKILLed at random moments while an incrementer runs: no
 * deadlock, a consistent dictionary, and the count is exactly the number
 * of increments that returned success.
 */
START_TEST(test_kill_storm)
{
	struct shdict_value	by = { SHDICT_INTEGER, 1, 0, NULL, 0 };
	struct shdict_value	init = { SHDICT_INTEGER, 0, 0, NULL, 0 }, v;
	struct shdict_stats	st;
	char			k[32], val[150];
	pid_t			w, inc;
	int			round, n, status, forcible, p[2];
	long			done = 0, got;

	memset(val, 'w', sizeof(val));
	ck_assert_int_eq(pipe(p), 0);
	if ((inc = fork()) == 0) {
		close(p[0]);
		for (n = 0; n < 20000; n++) {
			if (shdict_incr(d, "count", 5, &by, &init, 0, &v,
			    &forcible) == -1)
				_exit(1);
			done++;
		}
		(void)write(p[1], &done, sizeof(done));
		_exit(0);
	}
	close(p[1]);
	srandom(7);
	for (round = 0; round < 40; round++) {
		if ((w = fork()) == 0) {
			for (n = 0;; n++) {
				snprintf(k, sizeof(k), "w-%d", n % 50);
				(void)set_str(k, val, (size_t)(n % 150), 0);
			}
		}
		sleep_ms(1 + random() % 5);
		ck_assert_int_eq(kill(w, SIGKILL), 0);
		ck_assert_int_eq(waitpid(w, &status, 0), w);
	}
	ck_assert_int_eq(waitpid(inc, &status, 0), inc);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(read(p[0], &got, sizeof(got)), sizeof(got));
	close(p[0]);
	ck_assert_int_eq(got, 20000);
	ck_assert(get("count", 1).i == 20000);
	shdict_stats(d, &st);
	fprintf(stderr, "# kill storm: %d writers killed, %llu inside the "
	    "lock (rebuilds)\n", round, (unsigned long long)st.repairs);
}
END_TEST

static Suite *
shdict_suite(void)
{
	Suite	*s = suite_create("shdict");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_add_replace_incr);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_keys_and_flush);
	tcase_add_test(tc, test_eviction);
	tcase_add_test(tc, test_killed_holder);
	tcase_add_test(tc, test_incr_exact);
	tcase_add_test(tc, test_kill_storm);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(shdict_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
