/*
 * Unit tests for job.c, a request's life, with real children (the fake
 * child source, fakechild.c) and a fake connection: conn.c's functions
 * are replaced at link time by ones that record what the job did.  Every
 * path ends in exactly one conn_job_done and, unless the peer is gone,
 * exactly one answer: a child's, 503 (queue full), 504 (timeout), 500
 * (crash, overflow) or none (abort); the queue starts as slots free; and
 * no child is left unreaped.
 */
#include <sys/types.h>
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "children.h"
#include "conf.h"
#include "conn.h"
#include "fakechild.h"
#include "job.h"
#include "response.h"
#include "worker.h"

/* The fake connection: what job.c told it. */
struct conn {
	int		 answers;	/* conn_answer calls */
	int		 empty;		/* of those, with no response */
	int		 done;		/* conn_job_done calls */
	int		 status;	/* of the last answer */
	struct buf	 body;		/* the last answer */
};

void
conn_answer(struct conn *c, const struct request *req, const void *data,
    size_t len)
{
	(void)req;
	c->answers++;
	if (data == NULL) {
		c->empty++;
		return;
	}
	response_summary(data, len, &c->status, &(size_t){ 0 });
	buf_reset(&c->body);
	(void)buf_add(&c->body, data, len);
}

void
conn_answer_error(struct conn *c, const struct request *req, const char *rid,
    int status, const char *message, const char *extra_headers)
{
	struct buf	b = BUF_INIT;

	ck_assert_int_eq(response_error(&b, status, message, rid,
	    extra_headers), 0);
	conn_answer(c, req, b.data, b.len);
	buf_free(&b);
}

void
conn_job_done(struct conn *c)
{
	c->done++;
}

const char *
conn_peer(const struct conn *c)
{
	(void)c;
	return "test-peer";
}

/* Streams: the fake children never stream; counted if they did. */
void
conn_stream_part(struct conn *c, const struct request *req,
    const void *data, size_t len)
{
	(void)req;
	(void)buf_add(&c->body, data, len);
}

void
conn_stream_end(struct conn *c, const struct request *req)
{
	(void)req;
	c->answers++;
}

size_t
conn_output_len(const struct conn *c)
{
	(void)c;
	return 0;
}

#define NCONN	4

static struct worker		 w;
static struct pool_conf		 pool;
static struct conn		 conns[NCONN];

static void
check_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
}

/* request_timeout is 500 ms, or 60 s where a kill must come from the
   test's own action, not from the timeout. */
static void
setup_pool(int max_children, int queue, int spares)
{
	sigset_t	chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	memset(conns, 0, sizeof(conns));
	memset(&pool, 0, sizeof(pool));
	pool.name = "test";
	pool.max_children = max_children;
	pool.queue = queue;
	pool.spare_children = spares;
	pool.request_timeout_ms = 500;
	pool.max_response_size = 64 * 1024;
	memset(&w, 0, sizeof(w));
	w.pool = &pool;
	ck_assert_ptr_nonnull(w.base = event_base_new());
	ck_assert_int_eq(event_base_priority_init(w.base, 3), 0);
	ck_assert_ptr_nonnull(w.ev_check = event_new(w.base, -1, 0, check_cb,
	    NULL));
	ck_assert_int_eq(job_init(&w), 0);
}

static int
all_done(void *arg)
{
	int	i, n = *(int *)arg;

	for (i = 0; i < n; i++)
		if (conns[i].done == 0)
			return 0;
	return job_count() == 0;
}

static void
run_all(int n)
{
	ck_assert_msg(fake_run_until(w.base, all_done, &n, 10000),
	    "jobs not done: %d left", job_count());
}

static void
teardown(void)
{
	int	i;

	ck_assert_int_eq(job_count(), 0);
	children_reap_all();
	ck_assert_msg(fake_no_children(), "a child is left");
	for (i = 0; i < NCONN; i++) {
		ck_assert_int_le(conns[i].done, 1);
		buf_free(&conns[i].body);
	}
	event_free(w.ev_check);
	event_base_free(w.base);
}

/* A child's answer goes to its connection, with its status, once. */
START_TEST(test_answer)
{
	setup_pool(4, 4, 0);
	job_admit(&conns[0], fake_request("answer"));
	job_admit(&conns[1], fake_request(NULL));
	run_all(2);
	ck_assert_int_eq(conns[0].answers, 1);
	ck_assert_int_eq(conns[0].status, 200);
	ck_assert_ptr_nonnull(strstr(conns[0].body.data, "pid "));
	ck_assert_int_eq(conns[1].answers, 1);
	teardown();
}
END_TEST

/* One slot, one queue place: the third request is answered 503 at once,
   the second runs when the first is done. */
START_TEST(test_queue_and_503)
{
	setup_pool(1, 1, 0);
	job_admit(&conns[0], fake_request("slow"));
	job_admit(&conns[1], fake_request("answer"));
	job_admit(&conns[2], fake_request("answer"));
	ck_assert_int_eq(conns[2].answers, 1);
	ck_assert_int_eq(conns[2].status, 503);
	ck_assert_int_eq(conns[2].done, 1);
	ck_assert_int_eq(conns[1].answers, 0);
	ck_assert_int_eq(job_count(), 2);
	run_all(2);
	ck_assert_int_eq(conns[0].status, 200);
	ck_assert_int_eq(conns[1].status, 200);
	teardown();
}
END_TEST

/* A child that never answers: 504 after request_timeout, and reaped. */
START_TEST(test_timeout)
{
	setup_pool(2, 2, 0);
	job_admit(&conns[0], fake_request("hang"));
	run_all(1);
	ck_assert_int_eq(conns[0].answers, 1);
	ck_assert_int_eq(conns[0].status, 504);
	teardown();
}
END_TEST

/* A crash and an answer over max_response_size: 500 each. */
START_TEST(test_crash_and_overflow)
{
	setup_pool(2, 2, 0);
	job_admit(&conns[0], fake_request("crash"));
	job_admit(&conns[1], fake_request("flood"));
	run_all(2);
	ck_assert_int_eq(conns[0].status, 500);
	ck_assert_int_eq(conns[1].status, 500);
	ck_assert_int_eq(conns[1].answers, 1);
	teardown();
}
END_TEST

/*
 * FCGI_ABORT_REQUEST: a running child is killed and the request ends
 * with no response once it is reaped; a queued one at once.
 */
START_TEST(test_abort)
{
	setup_pool(1, 2, 0);
	pool.request_timeout_ms = 60000;
	job_admit(&conns[0], fake_request("hang"));
	job_admit(&conns[1], fake_request("answer"));
	ck_assert_int_eq(job_abort(&conns[1], 1), 0);
	ck_assert_int_eq(conns[1].empty, 1);
	ck_assert_int_eq(conns[1].done, 1);
	ck_assert_int_eq(job_abort(&conns[0], 1), 0);
	ck_assert_int_eq(job_abort(&conns[2], 1), -1);	/* none there */
	run_all(2);
	ck_assert_int_eq(conns[0].answers, 1);
	ck_assert_int_eq(conns[0].empty, 1);
	teardown();
}
END_TEST

/*
 * The peer goes: its running child is killed (the job ends at the reap,
 * with no answer and no call on the gone connection), its queued request
 * is dropped, and another connection's request takes the slot.
 */
START_TEST(test_conn_gone)
{
	setup_pool(1, 4, 0);
	pool.request_timeout_ms = 60000;
	job_admit(&conns[0], fake_request("hang"));
	job_admit(&conns[0], fake_request("answer"));
	job_admit(&conns[1], fake_request("answer"));
	job_conn_gone(&conns[0], "test-peer");
	ck_assert_int_eq(job_count(), 2);	/* the killed one, conn 1's */
	ck_assert(fake_run_until(w.base, all_done, &(int){ 0 }, 10000));
	ck_assert_int_eq(conns[0].answers, 0);
	ck_assert_int_eq(conns[0].done, 0);
	ck_assert_int_eq(conns[1].status, 200);
	teardown();
}
END_TEST

/* With spares (zygote), waiting for one is part of the life too. */
START_TEST(test_with_spares)
{
	int	i;

	setup_pool(4, 4, 1);
	for (i = 0; i < NCONN; i++)
		job_admit(&conns[i], fake_request("answer"));
	run_all(NCONN);
	for (i = 0; i < NCONN; i++)
		ck_assert_int_eq(conns[i].status, 200);
	teardown();
}
END_TEST

static Suite *
job_suite(void)
{
	Suite	*s = suite_create("job");
	TCase	*tc = tcase_create("life");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_queue_and_503);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_crash_and_overflow);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_conn_gone);
	tcase_add_test(tc, test_with_spares);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(job_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
