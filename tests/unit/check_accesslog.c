/*
 * Unit tests for accesslog.c: both formats, byte for byte, for a request
 * with a child and one without; client text that is not UTF-8 or needs
 * escaping; writing to a file and reopening it.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "accesslog.h"
#include "buf.h"
#include "cgi.h"
#include "conf.h"
#include "request.h"

static void
param(struct request *r, const char *name, const char *value)
{
	ck_assert_int_eq(request_add_param(r, name, strlen(name), value,
	    strlen(value)), 0);
}

static struct request *
sample_request(const char *uri, const char *doc, const char *ua)
{
	struct request	*r = request_new(1);

	ck_assert_ptr_nonnull(r);
	param(r, "REMOTE_ADDR", "10.0.0.7");
	param(r, "REQUEST_METHOD", "GET");
	param(r, "REQUEST_URI", uri);
	param(r, "DOCUMENT_URI", doc);
	param(r, "QUERY_STRING", strchr(uri, '?') ? strchr(uri, '?') + 1 : "");
	param(r, "SERVER_PROTOCOL", "HTTP/1.1");
	if (ua != NULL)
		param(r, "HTTP_USER_AGENT", ua);
	return r;
}

/* r, complete: its id, path and query derived as the worker does. */
static struct request *
derived(struct request *r, const char *rid)
{
	ck_assert_int_eq(cgi_derive(r, rid), 0);
	return r;
}

/* 2026-11-21T06:04:34.123Z; a child with 1.5 ms of CPU and 3120 KiB. */
static void
sample_entry(struct accesslog_entry *e, struct request *r, struct rusage *ru)
{
	memset(e, 0, sizeof(*e));
	memset(ru, 0, sizeof(*ru));
	e->req = derived(r, "abc-1");
	e->status = 200;
	e->body_bytes = 27;
	e->time.tv_sec = 1795241074;
	e->time.tv_nsec = 123456789;
	e->duration_us = 412;
	e->pid = 1234;
	ru->ru_utime.tv_usec = 1000;
	ru->ru_stime.tv_usec = 500;
	ru->ru_maxrss = 3120;
	e->ru = ru;
}

static char *
format(enum conf_access_format f, const struct accesslog_entry *e)
{
	struct buf	b = BUF_INIT;

	ck_assert_int_eq(accesslog_format(f, "api", e, &b), 0);
	return b.data;
}

START_TEST(test_json)
{
	struct accesslog_entry	 e;
	struct request		*r;
	struct rusage		 ru;
	struct buf		 none = BUF_INIT;
	char			*line;
	json_t			*j;

	r = sample_request("/hello/x?a=1", "/hello/x", "curl/8.0");
	sample_entry(&e, r, &ru);
	line = format(CONF_ACCESS_JSON, &e);
	ck_assert_str_eq(line, "{\"time\":\"2026-11-21T06:04:34.123Z\","
	    "\"pool\":\"api\",\"request_id\":\"abc-1\",\"remote_addr\":"
	    "\"10.0.0.7\",\"method\":\"GET\",\"path\":\"/hello/x\",\"query\":"
	    "\"a=1\",\"status\":200,\"body_bytes\":27,\"duration_ms\":0.412,"
	    "\"child_pid\":1234,\"child_cpu_ms\":1.5,\"child_max_rss_kb\":3120}"
	    "\n");
	free(line);

	/* No child: nulls.  A long duration keeps its microseconds. */
	e.pid = 0;
	e.ru = NULL;
	e.duration_us = 1234567891;
	line = format(CONF_ACCESS_JSON, &e);
	ck_assert_ptr_nonnull(strstr(line, "\"duration_ms\":1234567.891,"
	    "\"child_pid\":null,\"child_cpu_ms\":null,\"child_max_rss_kb\":"
	    "null}\n"));
	free(line);
	request_free(r);

	/* A request cgi_derive could not derive (out of memory): no line. */
	r = request_new(1);
	e.req = r;
	ck_assert_int_eq(accesslog_format(CONF_ACCESS_JSON, "api", &e,
	    &none), -1);
	ck_assert_uint_eq(none.len, 0);
	request_free(r);

	/* Not UTF-8 (a decoded %FF), quotes, a newline: still one line of
	   valid JSON. */
	r = sample_request("/a?q=%22x%22", "/a\xff\xfe\"b\nc\xe2\x82", NULL);
	sample_entry(&e, r, &ru);
	line = format(CONF_ACCESS_JSON, &e);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	ck_assert_ptr_nonnull(j = json_loads(line, 0, NULL));
	ck_assert_str_eq(json_string_value(json_object_get(j, "path")),
	    "/a\xef\xbf\xbd\xef\xbf\xbd\"b\nc\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_str_eq(json_string_value(json_object_get(j, "query")),
	    "q=%22x%22");
	json_decref(j);
	free(line);
	request_free(r);
}
END_TEST

START_TEST(test_combined)
{
	struct accesslog_entry	 e;
	struct request		*r;
	struct rusage		 ru;
	char			*line;

	r = sample_request("/hello/x?a=1", "/hello/x", "curl/8.0 \"x\"\\y\x01");
	param(r, "HTTP_REFERER", "http://example.test/");
	sample_entry(&e, r, &ru);
	line = format(CONF_ACCESS_COMBINED, &e);
	ck_assert_str_eq(line, "10.0.0.7 - - [21/Nov/2026:06:04:34 +0000] "
	    "\"GET /hello/x?a=1 HTTP/1.1\" 200 27 \"http://example.test/\" "
	    "\"curl/8.0 \\x22x\\x22\\x5Cy\\x01\" pool=api rid=abc-1 "
	    "duration_ms=0.412 pid=1234 cpu_ms=1.500 max_rss_kb=3120\n");
	free(line);

	/* No child, no user agent. */
	e.pid = 0;
	e.ru = NULL;
	e.status = 503;
	request_free(r);
	r = sample_request("/b", "/b", NULL);
	e.req = derived(r, "abc-1");
	line = format(CONF_ACCESS_COMBINED, &e);
	ck_assert_str_eq(line, "10.0.0.7 - - [21/Nov/2026:06:04:34 +0000] "
	    "\"GET /b HTTP/1.1\" 503 27 \"-\" \"-\" pool=api rid=abc-1 "
	    "duration_ms=0.412 pid=- cpu_ms=- max_rss_kb=-\n");
	free(line);
	request_free(r);

	/* Without REQUEST_URI: the path and query. */
	r = request_new(1);
	param(r, "REQUEST_METHOD", "POST");
	param(r, "DOCUMENT_URI", "/p q");
	param(r, "QUERY_STRING", "x=1");
	e.req = derived(r, "abc-1");
	line = format(CONF_ACCESS_COMBINED, &e);
	ck_assert_ptr_nonnull(strstr(line, "- - - [21/Nov/2026:06:04:34 "
	    "+0000] \"POST /p q?x=1\" 503 "));
	free(line);
	request_free(r);
}
END_TEST

static char	dir[] = "/tmp/check_accesslog.XXXXXX";

static char *
slurp(const char *path)
{
	struct stat	 st;
	char		*s;
	int		 fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	s = calloc(1, (size_t)st.st_size + 1);
	ck_assert_int_eq(read(fd, s, (size_t)st.st_size), st.st_size);
	close(fd);
	return s;
}

START_TEST(test_write_reopen)
{
	struct pool_conf	 pc;
	struct accesslog_entry	 e;
	struct request		*r;
	struct rusage		 ru;
	char			 path[64], moved[80], *text;
	int			 fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/access.log", dir);
	snprintf(moved, sizeof(moved), "%s/access.log.1", dir);
	memset(&pc, 0, sizeof(pc));
	pc.name = "api";
	ck_assert_int_eq(accesslog_open(&pc), 0);	/* off */
	ck_assert_int_eq(accesslog_enabled(), 0);
	pc.access_log = path;
	pc.access_format = CONF_ACCESS_COMBINED;
	ck_assert_int_eq(accesslog_open(&pc), 0);
	ck_assert_int_eq(accesslog_enabled(), 1);

	r = sample_request("/one", "/one", NULL);
	sample_entry(&e, r, &ru);
	accesslog_write(&e);
	ck_assert_int_eq(rename(path, moved), 0);
	/* SIGUSR1: the master opens the file anew, the worker takes it. */
	ck_assert_int_ne(fd = accesslog_file_open(&pc), -1);
	accesslog_set_fd(fd);
	derived(r, "two");
	accesslog_write(&e);

	text = slurp(moved);
	ck_assert_ptr_nonnull(strstr(text, " rid=abc-1 "));
	ck_assert_ptr_null(strstr(text, " rid=two "));
	free(text);
	text = slurp(path);
	ck_assert_ptr_nonnull(strstr(text, " rid=two "));
	ck_assert_ptr_eq(strchr(text, '\n'), text + strlen(text) - 1);
	free(text);
	request_free(r);

	pc.access_log = "/nonexistent-dir/access.log";
	ck_assert_int_eq(accesslog_open(&pc), -1);
	ck_assert_int_eq(accesslog_file_open(&pc), -1);
	pc.access_log = "stderr";
	ck_assert_int_eq(accesslog_file_open(&pc), -1);	/* nothing to reopen */
	unlink(path);
	unlink(moved);
	rmdir(dir);
}
END_TEST

static Suite *
accesslog_suite(void)
{
	Suite	*s = suite_create("accesslog");
	TCase	*tc = tcase_create("format");

	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_combined);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_test(tc, test_write_reopen);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(accesslog_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
