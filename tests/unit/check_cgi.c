/*
 * Unit tests for cgi.c: URL decoding, and what cgi_derive gives a request
 * (its id, path and query string).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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

/* A request with the params kv (name, value, ..., NULL), derived. */
static struct request *
derived(const char *const *kv)
{
	struct request	*req = request_new(1);

	ck_assert_ptr_nonnull(req);
	for (; kv[0] != NULL; kv += 2)
		ck_assert_int_eq(request_add_param(req, kv[0], strlen(kv[0]),
		    kv[1], strlen(kv[1])), 0);
	ck_assert_int_eq(cgi_derive(req, "r-1"), 0);
	ck_assert_str_eq(req->rid, "r-1");
	ck_assert_uint_eq(req->path_len, strlen(req->path));
	return req;
}

/* req.path: the order of the params it is taken from. */
static void
expect_path(const char *const *kv, const char *want)
{
	struct request	*req = derived(kv);

	ck_assert_str_eq(req->path, want);
	request_free(req);
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
	static const char *const info_only[] = { "SCRIPT_NAME", "",
	    "PATH_INFO", "/p", NULL };

	expect_path(doc, "/a b");
	expect_path(empty_doc, "/s/p");
	expect_path(script, "/s");
	expect_path(uri, "/a b/\xff");
	expect_path(none, "/");
	expect_path(blank, "/");
	expect_path(info_only, "/p");
}
END_TEST

/* A decoded %00 stays in the path: its length says where it ends. */
START_TEST(test_path_nul)
{
	struct request	*req = request_new(1);

	ck_assert_int_eq(request_add_param(req, "REQUEST_URI", 11,
	    "/a%00b?q=1", 10), 0);
	ck_assert_int_eq(cgi_derive(req, ""), 0);
	ck_assert_uint_eq(req->path_len, 4);
	ck_assert_int_eq(memcmp(req->path, "/a\0b", 5), 0);
	ck_assert_str_eq(req->rid, "");
	request_free(req);
}
END_TEST

START_TEST(test_query)
{
	static const char *const none[] = { "DOCUMENT_URI", "/", NULL };
	static const char *const uri[] = { "REQUEST_URI", "/x?from=uri",
	    NULL };
	static const char *const both[] = { "REQUEST_URI", "/x?from=uri",
	    "QUERY_STRING", "a=1&b", NULL };
	static const char *const empty[] = { "QUERY_STRING", "",
	    "REQUEST_URI", "/x?from=uri", NULL };
	struct request	*req;

	req = derived(none);
	ck_assert_str_eq(req->query, "");
	request_free(req);
	req = derived(uri);
	ck_assert_str_eq(req->query, "from=uri");
	request_free(req);
	req = derived(both);
	ck_assert_str_eq(req->query, "a=1&b");
	request_free(req);
	/* An empty QUERY_STRING still wins. */
	req = derived(empty);
	ck_assert_str_eq(req->query, "");
	request_free(req);
}
END_TEST

/* Deriving again (a test, a retry) replaces what the first call gave. */
START_TEST(test_derive_again)
{
	static const char *const doc[] = { "DOCUMENT_URI", "/d", NULL };
	struct request	*req = derived(doc);

	ck_assert_int_eq(cgi_derive(req, "second"), 0);
	ck_assert_str_eq(req->rid, "second");
	ck_assert_str_eq(req->path, "/d");
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
	tc = tcase_create("derive");
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_path_nul);
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_derive_again);
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
