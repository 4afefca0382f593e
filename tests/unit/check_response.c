/*
 * Unit tests for response.c (CGI responses, the JSON error shape) and
 * buf.c, which it is built on.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "response.h"

START_TEST(test_reason)
{
	ck_assert_str_eq(response_reason(200), "OK");
	ck_assert_str_eq(response_reason(404), "Not Found");
	ck_assert_str_eq(response_reason(413), "Content Too Large");
	ck_assert_str_eq(response_reason(504), "Gateway Timeout");
	ck_assert_str_eq(response_reason(299), "Unknown");
	ck_assert_int_eq(response_status_valid(200), 1);
	ck_assert_int_eq(response_status_valid(599), 1);
	ck_assert_int_eq(response_status_valid(199), 0);
	ck_assert_int_eq(response_status_valid(600), 0);
	ck_assert_int_eq(response_status_valid(-1099511627776LL), 0);
}
END_TEST

START_TEST(test_header_valid)
{
	struct buf	b = BUF_INIT;

	ck_assert_int_eq(response_header(&b, "X-Thing", "a b\tc", 5), 0);
	ck_assert_str_eq(b.data, "X-Thing: a b\tc\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_header_invalid)
{
	struct buf	b = BUF_INIT;

	ck_assert_int_eq(response_header(&b, "X", "a\r\nSet-Cookie: x", 16), -2);
	ck_assert_int_eq(response_header(&b, "X", "a\nb", 3), -2);
	ck_assert_int_eq(response_header(&b, "X", "a\0b", 3), -2);
	ck_assert_int_eq(response_header(&b, "Bad Name", "v", 1), -2);
	ck_assert_int_eq(response_header(&b, "Bad:Name", "v", 1), -2);
	ck_assert_int_eq(response_header(&b, "", "v", 1), -2);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_finish)
{
	struct buf	b = BUF_INIT;

	ck_assert_int_eq(response_status(&b, 201), 0);
	ck_assert_int_eq(response_finish(&b, "application/json", "{}", 2), 0);
	ck_assert_str_eq(b.data, "Status: 201 Created\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
	buf_reset(&b);
	ck_assert_int_eq(response_status(&b, 204), 0);
	ck_assert_int_eq(response_finish(&b, "application/json", NULL, 0), 0);
	ck_assert_str_eq(b.data, "Status: 204 No Content\r\n\r\n");
	buf_reset(&b);
	ck_assert_int_eq(response_status(&b, 200), 0);
	ck_assert_int_eq(response_finish(&b, "text/plain", "", 0), 0);
	ck_assert_str_eq(b.data, "Status: 200 OK\r\nContent-Length: 0\r\n\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(test_error_shape)
{
	struct buf	 b = BUF_INIT;
	const char	*body =
	    "{\"error\":{\"status\":405,\"message\":\"method \\\"x\\\"\","
	    "\"request_id\":\"abc\"}}";
	char		 expect[512];

	ck_assert_int_eq(response_error(&b, 405, "method \"x\"", "abc",
	    "Allow: GET, HEAD\r\n"), 0);
	snprintf(expect, sizeof(expect), "Status: 405 Method Not Allowed\r\n"
	    "Allow: GET, HEAD\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	ck_assert_str_eq(b.data, expect);
	buf_reset(&b);
	ck_assert_int_eq(response_error(&b, 500, "x", NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\"request_id\":\"\""));
	buf_free(&b);
}
END_TEST

START_TEST(test_buf)
{
	struct buf	b = BUF_INIT;
	size_t		i;

	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(buf_add(&b, "ab", 2), 0);
	ck_assert_uint_eq(b.len, 20000);
	ck_assert_uint_eq(b.data[b.len], '\0');
	ck_assert_int_eq(buf_printf(&b, "%d-%s", 42, "x"), 0);
	ck_assert_str_eq(b.data + 20000, "42-x");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(buf_add(&b, NULL, 0), 0);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	buf_free(&b);
}
END_TEST

START_TEST(test_summary)
{
	static const struct {
		const char	*text;
		int		 status;
		size_t		 body;
	} cases[] = {
		{ "Status: 404 Not Found\r\nContent-Length: 3\r\n\r\nabc", 404,
		    3 },
		{ "Status: 204 No Content\r\n\r\n", 204, 0 },
		{ "Content-Type: text/plain\r\n\r\nhello", 200, 5 },
		{ "Status: 2000 Big\r\n\r\n", 0, 0 },
		{ "Status: 20\r\n\r\nx", 0, 1 },
		{ "Status: abc\r\n\r\n", 0, 0 },
		{ "Status: 200", 200, 0 },		/* no blank line */
		{ "", 200, 0 },
	};
	struct buf	 b = BUF_INIT;
	size_t		 i, body;
	int		 status;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		response_summary(cases[i].text, strlen(cases[i].text), &status,
		    &body);
		ck_assert_msg(status == cases[i].status && body ==
		    cases[i].body, "case %zu: %d %zu", i, status, body);
	}
	/* What response_error builds reads back. */
	ck_assert_int_eq(response_error(&b, 503, "busy", "r", NULL), 0);
	response_summary(b.data, b.len, &status, &body);
	ck_assert_int_eq(status, 503);
	ck_assert_uint_eq(body, strlen(strstr(b.data, "\r\n\r\n") + 4));
	buf_free(&b);
}
END_TEST

static Suite *
response_suite(void)
{
	Suite	*s = suite_create("response");
	TCase	*tc = tcase_create("response");

	tcase_add_test(tc, test_reason);
	tcase_add_test(tc, test_header_valid);
	tcase_add_test(tc, test_header_invalid);
	tcase_add_test(tc, test_finish);
	tcase_add_test(tc, test_error_shape);
	tcase_add_test(tc, test_summary);
	suite_add_tcase(s, tc);
	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(response_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
