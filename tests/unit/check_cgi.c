/*
 * Unit tests for cgi.c: URL decoding, the path and the query string.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cgi.h"
#include "request.h"

static const char *
decode(const char *s, int plus)
{
	static char	 out[256];
	size_t		 n;

	n = cgi_urldecode(out, s, strlen(s), plus);
	ck_assert_uint_eq(n, strlen(out));
	return out;
}

START_TEST(test_urldecode)
{
	char	 out[16];
	size_t	 n;

	ck_assert_str_eq(decode("", 0), "");
	ck_assert_str_eq(decode("plain", 0), "plain");
	ck_assert_str_eq(decode("a%20b", 0), "a b");
	ck_assert_str_eq(decode("%2f%2F%41%7e", 0), "//A~");
	ck_assert_str_eq(decode("a+b", 1), "a b");
	ck_assert_str_eq(decode("a+b", 0), "a+b");
	ck_assert_str_eq(decode("%2B+", 1), "+ ");
	/* Invalid escapes stay as they are. */
	ck_assert_str_eq(decode("%", 0), "%");
	ck_assert_str_eq(decode("%4", 0), "%4");
	ck_assert_str_eq(decode("a%", 0), "a%");
	ck_assert_str_eq(decode("%zz", 0), "%zz");
	ck_assert_str_eq(decode("%4g%41", 0), "%4gA");
	ck_assert_str_eq(decode("100%", 1), "100%");
	ck_assert_str_eq(decode("%%41", 0), "%A");
	ck_assert_str_eq(decode("%C3%A9", 0), "\xc3\xa9");

	/* %00 decodes to a NUL: the length says where the data ends. */
	n = cgi_urldecode(out, "a%00b", 5, 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "a\0b\0", 4), 0);

	/* Only len bytes are read; the source need not be NUL-terminated. */
	n = cgi_urldecode(out, "ab%41cd", 4, 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(out, "ab%4");

	/* In place. */
	strcpy(out, "x%41+y");
	n = cgi_urldecode(out, out, strlen(out), 1);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(out, "xA y");
}
END_TEST

/* cgi_path: the order of the params req.path is taken from. */
static const char *
path_of(const char *const *kv, struct buf *b)
{
	struct request	*req = request_new(1);

	ck_assert_ptr_nonnull(req);
	for (; kv[0] != NULL; kv += 2)
		ck_assert_int_eq(request_add_param(req, kv[0], strlen(kv[0]),
		    kv[1], strlen(kv[1])), 0);
	ck_assert_int_eq(cgi_path(req, b), 0);
	request_free(req);
	return b->data;
}

START_TEST(test_path)
{
	static const char *const doc[] = { "DOCUMENT_URI", "/a b",
	    "SCRIPT_NAME", "/s", "REQUEST_URI", "/r?x", NULL };
	static const char *const empty_doc[] = { "DOCUMENT_URI", "",
	    "SCRIPT_NAME", "/s", "PATH_INFO", "/p", NULL };
	static const char *const script[] = { "SCRIPT_NAME", "/s", NULL };
	static const char *const uri[] = { "REQUEST_URI", "/a%20b/%ff?q=1",
	    NULL };
	static const char *const none[] = { "QUERY_STRING", "a=1", NULL };
	static const char *const blank[] = { "SCRIPT_NAME", "", NULL };
	struct buf	 b = BUF_INIT;

	ck_assert_str_eq(path_of(doc, &b), "/a b");
	ck_assert_str_eq(path_of(empty_doc, &b), "/s/p");
	ck_assert_str_eq(path_of(script, &b), "/s");
	ck_assert_str_eq(path_of(uri, &b), "/a b/\xff");
	ck_assert_uint_eq(b.len, 6);
	ck_assert_str_eq(path_of(none, &b), "/");
	ck_assert_str_eq(path_of(blank, &b), "/");
	buf_free(&b);
}
END_TEST

START_TEST(test_query)
{
	struct request	*req = request_new(1);

	ck_assert_str_eq(cgi_query(req), "");
	ck_assert_int_eq(request_add_param(req, "REQUEST_URI", 11,
	    "/x?from=uri", 11), 0);
	ck_assert_str_eq(cgi_query(req), "from=uri");
	ck_assert_int_eq(request_add_param(req, "QUERY_STRING", 12,
	    "a=1&b", 5), 0);
	ck_assert_str_eq(cgi_query(req), "a=1&b");
	request_free(req);
}
END_TEST

static Suite *
cgi_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("cgi");
	tc = tcase_create("urldecode");
	tcase_add_test(tc, test_urldecode);
	suite_add_tcase(s, tc);
	tc = tcase_create("path");
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_query);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(cgi_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
