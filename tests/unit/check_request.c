/*
 * Unit tests for request.c: params, body growth, lookup.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

START_TEST(test_new_free)
{
	struct request	*req;

	req = request_new(42);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->id, 42);
	ck_assert_uint_eq(req->keep_conn, 0);
	ck_assert_uint_eq(req->nparams, 0);
	ck_assert_ptr_null(req->body);
	ck_assert_uint_eq(req->body_len, 0);
	request_free(req);
	request_free(NULL);
}
END_TEST

START_TEST(test_params)
{
	struct request	*req;

	req = request_new(1);
	ck_assert_int_eq(request_add_param(req, "REQUEST_METHOD", 14,
	    "GET", 3), 0);
	/* Lengths are honoured: only the first 6 bytes of each are copied. */
	ck_assert_int_eq(request_add_param(req, "SCRIPTxxx", 6, "abcdefgh",
	    6), 0);
	ck_assert_int_eq(request_add_param(req, "EMPTY", 5, "", 0), 0);
	ck_assert_int_eq(request_add_param(req, "BIN", 3, "a\0b", 3), 0);
	ck_assert_int_eq(request_add_param(req, "REQUEST_METHOD", 14,
	    "POST", 4), 0);
	ck_assert_uint_eq(req->nparams, 5);

	/* A name sent twice: the last value (a site's override). */
	ck_assert_str_eq(request_param(req, "REQUEST_METHOD"), "POST");
	ck_assert_str_eq(request_param(req, "SCRIPT"), "abcdef");
	ck_assert_ptr_null(request_param(req, "SCRIPTxxx"));
	ck_assert_str_eq(request_param(req, "EMPTY"), "");
	ck_assert_ptr_null(request_param(req, "MISSING"));
	ck_assert_ptr_null(request_param(req, "request_method"));

	ck_assert_uint_eq(req->params[3].value_len, 3);
	ck_assert_int_eq(memcmp(req->params[3].value, "a\0b", 4), 0);
	ck_assert_str_eq(req->params[4].value, "POST");
	ck_assert_uint_eq(req->params[4].value_len, 4);
	request_free(req);
}
END_TEST

START_TEST(test_many_params)
{
	struct request	*req;
	char		 name[32], value[32];
	int		 i;

	req = request_new(1);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "N%d", i);
		snprintf(value, sizeof(value), "v%d", i * 7);
		ck_assert_int_eq(request_add_param(req, name, strlen(name),
		    value, strlen(value)), 0);
	}
	ck_assert_uint_eq(req->nparams, 1000);
	ck_assert_uint_ge(req->params_cap, 1000);
	ck_assert_str_eq(request_param(req, "N0"), "v0");
	ck_assert_str_eq(request_param(req, "N999"), "v6993");
	ck_assert_str_eq(req->params[500].name, "N500");
	request_free(req);
}
END_TEST

START_TEST(test_body)
{
	struct request	*req;
	size_t		 i, reallocs = 0, cap = 0;
	char		 c;

	req = request_new(1);
	ck_assert_int_eq(request_append_body(req, "", 0), 0);
	ck_assert_ptr_null(req->body);
	ck_assert_int_eq(request_append_body(req, "hello", 5), 0);
	ck_assert_int_eq(request_append_body(req, " world", 6), 0);
	ck_assert_uint_eq(req->body_len, 11);
	ck_assert_str_eq(req->body, "hello world");
	request_free(req);

	/* One byte at a time: the capacity must grow geometrically. */
	req = request_new(1);
	for (i = 0; i < 1000000; i++) {
		c = (char)('a' + i % 26);
		ck_assert_int_eq(request_append_body(req, &c, 1), 0);
		if (req->body_cap != cap) {
			cap = req->body_cap;
			reallocs++;
		}
	}
	ck_assert_uint_eq(req->body_len, 1000000);
	ck_assert_uint_le(reallocs, 20);
	ck_assert_int_eq(req->body[0], 'a');
	ck_assert_int_eq(req->body[999999], 'a' + 999999 % 26);
	ck_assert_int_eq(req->body[1000000], '\0');
	request_free(req);
}
END_TEST

static Suite *
request_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("request");
	tc = tcase_create("params");
	tcase_add_test(tc, test_new_free);
	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_many_params);
	suite_add_tcase(s, tc);
	tc = tcase_create("body");
	/* A million checked appends: seconds on a loaded machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_body);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(request_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
