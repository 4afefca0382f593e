/*
 * Unit tests for log.c's JSON lines (error_log_format = json): whatever a
 * message holds -- quotes, control characters, bytes that are not UTF-8
 * (a stray byte, an overlong form, a surrogate, a code point past
 * U+10FFFF), more than a line's room -- each line is one JSON object that
 * jansson, which is strict about UTF-8, reads back; fields come along.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

static char	 path[] = "/tmp/check_log.XXXXXX";

/* Logs msg (with fields) as JSON; the line read back, parsed. */
static json_t *
roundtrip(const char *msg, const char *fields)
{
	char		 line[16384];
	json_error_t	 jerr;
	json_t		*j;
	FILE		*f;
	int		 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
	ck_assert_int_eq(log_open(path, LOG_LVL_DEBUG, 1), 0);
	log_set_pool("p");
	log_fields(LOG_LVL_WARN, "rid-1", fields, "%s", msg);
	log_open("stderr", LOG_LVL_INFO, 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_ptr_null(fgets(line + strlen(line), 16, f));	/* one line */
	fclose(f);
	unlink(path);
	strcpy(path, "/tmp/check_log.XXXXXX");
	j = json_loads(line, 0, &jerr);
	ck_assert_msg(j != NULL, "not JSON (%s): %s", jerr.text, line);
	return j;
}

START_TEST(test_plain)
{
	json_t	*j = roundtrip("said \"hi\"\n\tand\\left", "{\"k\":1}");

	ck_assert_str_eq(json_string_value(json_object_get(j, "message")),
	    "said \"hi\"\n\tand\\left");
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")), "warn");
	ck_assert_str_eq(json_string_value(json_object_get(j, "pool")), "p");
	ck_assert_str_eq(json_string_value(json_object_get(j, "request_id")),
	    "rid-1");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "fields"), "k")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pid")),
	    getpid());
	json_decref(j);
}
END_TEST

START_TEST(test_not_utf8)
{
	static const char *const bad[] = {
		"stray \xff byte", "cut \xc3", "overlong \xc0\xaf",
		"overlong \xe0\x80\xaf", "surrogate \xed\xa0\x80",
		"past max \xf4\x90\x80\x80", "lead \xf5\x80\x80\x80",
		"ok \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	};
	size_t	 i;
	json_t	*j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = roundtrip(bad[i], NULL);
		json_decref(j);
	}
	j = roundtrip("ok \xc3\xa9 \xe2\x82\xac", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "message")),
	    "ok \xc3\xa9 \xe2\x82\xac");		/* valid UTF-8 kept */
	json_decref(j);
}
END_TEST

/* Longer than a line holds: cut, and still one JSON object. */
START_TEST(test_long)
{
	char	*msg = malloc(20000);
	json_t	*j;

	memset(msg, '"', 19999);
	msg[19999] = '\0';
	j = roundtrip(msg, "{\"k\":1}");
	json_decref(j);
	memset(msg, 'a', 19999);
	msg[8000] = '\xe2';		/* a sequence the cut may split */
	msg[8001] = '\x82';
	msg[8002] = '\xac';
	j = roundtrip(msg, NULL);
	json_decref(j);
	free(msg);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("json");

	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_not_utf8);
	tcase_add_test(tc, test_long);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
