/*
 * Unit tests for stats.c (the shared counters: slots, totals, maxima,
 * sharing across fork, a reload's larger segment) and status.c (the
 * status and ping pages in each format).
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cgi.h"
#include "conf.h"
#include "request.h"
#include "response.h"
#include "stats.h"
#include "status.h"

static struct pool_conf
test_pool(void)
{
	struct pool_conf	p;

	memset(&p, 0, sizeof(p));
	p.name = "api";
	p.workers = 2;
	p.max_children = 8;
	p.queue = 16;
	p.spare_children = 2;
	p.status_path = "/status";
	p.ping_path = "/ping";
	p.ping_response = "pong";
	return p;
}

START_TEST(test_lifecycle)
{
	struct stats_snapshot	 s;
	struct stats_pool	*p, *again, *bigger;
	pid_t			 pid;
	int			 status;

	ck_assert_int_eq(stats_worker_attach("nothing"), -1);
	ck_assert_ptr_nonnull(p = stats_pool_open("api", 2));
	ck_assert_ptr_eq(stats_pool_open("api", 2), p);
	ck_assert_ptr_eq(stats_pool_open("api", 1), p);
	ck_assert_int_eq(stats_worker_attach("api"), 0);

	stats_count(STATS_ACCEPTED);
	stats_count(STATS_ACCEPTED);
	stats_status_class(200);
	stats_status_class(503);
	stats_status_class(99);		/* ignored */
	stats_status_class(600);
	stats_served();
	stats_active(1);
	stats_active(1);
	stats_active(-1);
	stats_queued(1);
	stats_conns(1);

	ck_assert_int_eq(stats_snapshot(&s), 0);
	ck_assert_str_eq(s.pool, "api");
	ck_assert_uint_eq(s.counters[STATS_ACCEPTED], 2);
	ck_assert_uint_eq(s.counters[STATS_RESP_2XX], 1);
	ck_assert_uint_eq(s.counters[STATS_RESP_5XX], 1);
	ck_assert_uint_eq(s.counters[STATS_RESP_1XX], 0);
	ck_assert_int_eq(s.active, 1);
	ck_assert_int_eq(s.max_active, 2);
	ck_assert_int_eq(s.queued, 1);
	ck_assert_int_eq(s.max_queued, 1);
	ck_assert_int_eq(s.nworkers, 1);
	ck_assert_int_eq(s.workers[0].pid, getpid());
	ck_assert_int_eq(s.workers[0].state, STATS_BUSY);
	ck_assert_uint_eq(s.workers[0].requests, 1);
	ck_assert_int_eq(s.workers[0].active, 1);
	ck_assert_int_eq(s.workers[0].queued, 1);
	ck_assert_int_eq(s.workers[0].conns, 1);
	ck_assert_int_gt(s.workers[0].started_ms, 0);
	ck_assert_int_ge(s.uptime_ms, 0);
	stats_snapshot_free(&s);

	/* A forked "worker" counts into the same memory. */
	if ((pid = fork()) == 0) {
		if (stats_worker_attach("api") != 0)
			_exit(1);
		stats_count(STATS_CRASHES);
		stats_served();
		stats_active(3);	/* dies with 3 running */
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(stats_snapshot(&s), 0);
	ck_assert_uint_eq(s.counters[STATS_CRASHES], 1);
	ck_assert_int_eq(s.nworkers, 2);
	ck_assert_int_eq(s.active, 4);
	ck_assert_int_eq(s.max_active, 4);
	stats_snapshot_free(&s);

	/* The master reaps it: its slot and its children leave the totals. */
	stats_worker_gone(pid);
	ck_assert_int_eq(stats_snapshot(&s), 0);
	ck_assert_int_eq(s.nworkers, 1);
	ck_assert_int_eq(s.active, 1);
	ck_assert_uint_eq(s.counters[STATS_CRASHES], 1);
	stats_snapshot_free(&s);

	/* Both slots taken: a third worker runs uncounted. */
	if ((pid = fork()) == 0) {
		if (stats_worker_attach("api") != 0)
			_exit(1);
		if ((pid = fork()) == 0)
			_exit(stats_worker_attach("api") == -1 ? 0 : 1);
		_exit(waitpid(pid, &status, 0) == pid && status == 0 ? 0 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	stats_worker_gone(pid);

	/* A reload asking for more slots: a new segment, totals kept. */
	ck_assert_ptr_nonnull(bigger = stats_pool_open("api", 8));
	ck_assert_int_eq(stats_snapshot_of(bigger, &s), 0);
	ck_assert_uint_eq(s.counters[STATS_ACCEPTED], 2);
	ck_assert_uint_eq(s.counters[STATS_CRASHES], 1);
	ck_assert_int_eq(s.max_active, 4);
	ck_assert_int_eq(s.nworkers, 0);
	stats_snapshot_free(&s);
	again = stats_pool_open("api", 8);
	ck_assert_ptr_eq(again, bigger);
	stats_pool_close("api");
	stats_pool_close("api");	/* gone: a no-op */
	ck_assert_int_eq(stats_snapshot_of(NULL, &s), -1);
}
END_TEST

/* A segment with known numbers, for the formats (made once a process). */
static struct stats_pool *
known_pool(void)
{
	static struct stats_pool	*p;

	if (p != NULL)
		return p;
	ck_assert_ptr_nonnull(p = stats_pool_open("known", 4));
	ck_assert_int_eq(stats_worker_attach("known"), 0);
	stats_count(STATS_ACCEPTED);
	stats_count(STATS_ACCEPTED);
	stats_count(STATS_ACCEPTED);
	stats_count(STATS_QUEUE_FULL);
	stats_count(STATS_TIMEOUTS);
	stats_count(STATS_FORKED);
	stats_count(STATS_SPARE_WAITS);
	stats_count(STATS_SPARE_WAITS);
	stats_status_class(200);
	stats_status_class(503);
	stats_status_class(504);
	stats_served();
	return p;
}

static json_t *
render_json(int full)
{
	struct pool_conf	 pc = test_pool();
	struct stats_snapshot	 s;
	struct buf		 b = BUF_INIT;
	json_error_t		 jerr;
	json_t			*j;

	ck_assert_int_eq(stats_snapshot_of(known_pool(), &s), 0);
	ck_assert_int_eq(status_render(&pc, &s, STATUS_JSON, full, &b), 0);
	j = json_loads(b.data, 0, &jerr);
	ck_assert_msg(j != NULL, "not JSON: %s: %s", jerr.text, b.data);
	stats_snapshot_free(&s);
	buf_free(&b);
	return j;
}

static long long
jint(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

START_TEST(test_render_json)
{
	json_t	*j = render_json(0), *w;

	ck_assert_str_eq(json_string_value(json_object_get(j, "pool")), "api");
	ck_assert_int_eq(jint(j, "workers"), 2);
	ck_assert_int_eq(jint(j, "workers_running"), 1);
	ck_assert_int_eq(jint(j, "max_children"), 8);
	ck_assert_int_eq(jint(j, "queue"), 16);
	ck_assert_int_eq(jint(j, "spare_children"), 2);
	ck_assert_int_eq(jint(j, "accepted_requests"), 3);
	ck_assert_int_eq(jint(j, "queue_full"), 1);
	ck_assert_int_eq(jint(j, "timeouts"), 1);
	ck_assert_int_eq(jint(j, "crashes"), 0);
	ck_assert_int_eq(jint(j, "slow_requests"), 0);
	ck_assert_int_eq(jint(j, "children_forked"), 1);
	ck_assert_int_eq(jint(j, "spare_waits"), 2);
	ck_assert_int_eq(jint(j, "active_children"), 0);
	ck_assert_int_eq(jint(j, "queued_requests"), 0);
	ck_assert_int_eq(jint(j, "max_active_children"), 0);
	ck_assert_int_eq(jint(j, "max_queued_requests"), 0);
	ck_assert_int_ge(jint(j, "uptime_seconds"), 0);
	ck_assert_int_eq(jint(json_object_get(j, "responses"), "2xx"), 1);
	ck_assert_int_eq(jint(json_object_get(j, "responses"), "5xx"), 2);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(j,
	    "start_time"))), 24);
	ck_assert_ptr_null(json_object_get(j, "worker_processes"));
	json_decref(j);

	j = render_json(1);
	w = json_object_get(j, "worker_processes");
	ck_assert_uint_eq(json_array_size(w), 1);
	w = json_array_get(w, 0);
	ck_assert_int_eq(jint(w, "pid"), getpid());
	ck_assert_int_eq(jint(w, "requests"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(w, "state")),
	    "idle");
	json_decref(j);
}
END_TEST

static char *
render_text(enum status_format f, int full)
{
	struct pool_conf	 pc = test_pool();
	struct stats_snapshot	 s;
	struct buf		 b = BUF_INIT;

	ck_assert_int_eq(stats_snapshot_of(known_pool(), &s), 0);
	ck_assert_int_eq(status_render(&pc, &s, f, full, &b), 0);
	stats_snapshot_free(&s);
	return b.data;
}

START_TEST(test_render_openmetrics)
{
	char	*t = render_text(STATUS_OPENMETRICS, 0);
	size_t	 n = strlen(t);

	ck_assert_uint_gt(n, 6);
	ck_assert_str_eq(t + n - 6, "# EOF\n");
	ck_assert_ptr_nonnull(strstr(t, "\n# TYPE fcgiserve_accepted_requests "
	    "counter\nfcgiserve_accepted_requests_total{pool=\"api\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(t, "# HELP fcgiserve_accepted_requests "));
	ck_assert_ptr_nonnull(strstr(t, "\n# TYPE fcgiserve_spare_waits counter\n"
	    "fcgiserve_spare_waits_total{pool=\"api\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "\nfcgiserve_responses_total{pool="
	    "\"api\",class=\"5xx\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n# TYPE fcgiserve_active_children "
	    "gauge\nfcgiserve_active_children{pool=\"api\"} 0\n"));
	ck_assert_ptr_null(strstr(t, "fcgiserve_worker_"));
	ck_assert_ptr_null(strstr(t, "\n\n"));
	free(t);

	t = render_text(STATUS_OPENMETRICS, 1);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE fcgiserve_worker_requests "
	    "counter\n"));
	ck_assert_ptr_nonnull(strstr(t, "fcgiserve_worker_state{pool=\"api\","
	    "pid=\""));
	free(t);
}
END_TEST

START_TEST(test_render_prometheus)
{
	char	*t = render_text(STATUS_PROMETHEUS, 1);

	ck_assert_ptr_null(strstr(t, "# EOF"));
	ck_assert_ptr_nonnull(strstr(t, "\n# TYPE fcgiserve_accepted_requests_"
	    "total counter\nfcgiserve_accepted_requests_total{pool=\"api\"} "
	    "3\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE fcgiserve_worker_requests_total "
	    "counter\n"));
	free(t);
	ck_assert_str_eq(status_content_type(STATUS_PROMETHEUS),
	    "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_str_eq(status_content_type(STATUS_OPENMETRICS),
	    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	ck_assert_str_eq(status_content_type(STATUS_JSON), "application/json");
}
END_TEST

static struct request *
req_for(const char *method, const char *uri, const char *query)
{
	struct request	*r = request_new(1);

	ck_assert_int_eq(request_add_param(r, "REQUEST_METHOD",
	    strlen("REQUEST_METHOD"), method, strlen(method)), 0);
	ck_assert_int_eq(request_add_param(r, "DOCUMENT_URI",
	    strlen("DOCUMENT_URI"), uri, strlen(uri)), 0);
	ck_assert_int_eq(request_add_param(r, "QUERY_STRING",
	    strlen("QUERY_STRING"), query, strlen(query)), 0);
	ck_assert_int_eq(cgi_derive(r, "rid-1"), 0);
	return r;
}

/* Answers method uri?query: the status (0: not ours) and the headers. */
static int
answer(struct pool_conf *pc, const char *method, const char *uri,
    const char *query, struct buf *b)
{
	struct request	*r = req_for(method, uri, query);
	size_t		 body;
	int		 status = 0;

	buf_reset(b);
	if (status_answer(pc, r, b))
		response_summary(b->data, b->len, &status, &body);
	request_free(r);
	return status;
}

START_TEST(test_answer)
{
	struct pool_conf	 pc = test_pool();
	struct buf		 b = BUF_INIT;

	(void)known_pool();
	ck_assert_int_eq(answer(&pc, "GET", "/ping", "", &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\n\r\npong"));
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Type: text/plain; "
	    "charset=utf-8\r\n"));
	ck_assert_int_eq(answer(&pc, "GET", "/status", "", &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Type: application/json"
	    "\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "Cache-Control: no-store\r\n"));
	ck_assert_int_eq(answer(&pc, "HEAD", "/status", "openmetrics", &b),
	    200);
	ck_assert_ptr_nonnull(strstr(b.data, "application/openmetrics-text"));
	ck_assert_int_eq(answer(&pc, "GET", "/status", "x=1&prometheus", &b),
	    200);
	ck_assert_ptr_nonnull(strstr(b.data, "version=0.0.4"));
	ck_assert_int_eq(answer(&pc, "GET", "/status", "full", &b), 200);
	ck_assert_ptr_nonnull(strstr(b.data, "worker_processes"));
	ck_assert_int_eq(answer(&pc, "GET", "/status", "fullish", &b), 200);
	ck_assert_ptr_null(strstr(b.data, "worker_processes"));
	ck_assert_int_eq(answer(&pc, "POST", "/status", "", &b), 405);
	ck_assert_ptr_nonnull(strstr(b.data, "Allow: GET, HEAD\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\"request_id\":\"rid-1\""));
	/* Not ours: the app's. */
	ck_assert_int_eq(answer(&pc, "GET", "/status/x", "", &b), 0);
	ck_assert_int_eq(answer(&pc, "GET", "/Status", "", &b), 0);
	ck_assert_uint_eq(b.len, 0);
	pc.status_path = pc.ping_path = NULL;
	ck_assert_int_eq(answer(&pc, "GET", "/status", "", &b), 0);
	buf_free(&b);
}
END_TEST

static Suite *
stats_suite(void)
{
	Suite	*s = suite_create("stats");
	TCase	*tc;

	tc = tcase_create("counters");
	tcase_add_test(tc, test_lifecycle);
	suite_add_tcase(s, tc);
	tc = tcase_create("status");
	tcase_add_test(tc, test_render_json);
	tcase_add_test(tc, test_render_openmetrics);
	tcase_add_test(tc, test_render_prometheus);
	tcase_add_test(tc, test_answer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(stats_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
