/*
 * Unit tests for request.c: params, body growth, lookup, URL decoding,
 * the path and query the worker reads.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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

/* The wire bound: names + values plus framing per param, saturating. */
START_TEST(test_params_wire_max)
{
	struct codec_limits	 l;

	memset(&l, 0, sizeof(l));
	l.max_params_size = 100;
	l.max_params = 3;
	ck_assert_uint_eq(request_params_wire_max(&l, 8), 124);
	ck_assert_uint_eq(request_params_wire_max(&l, 2), 106);
	ck_assert_uint_eq(request_params_wire_max(&l, 0), 100);
	l.max_params_size = SIZE_MAX - 6;
	ck_assert_uint_eq(request_params_wire_max(&l, 2), SIZE_MAX);
	l.max_params_size = SIZE_MAX - 5;
	ck_assert_uint_eq(request_params_wire_max(&l, 2), SIZE_MAX);
	l.max_params_size = SIZE_MAX - 7;
	ck_assert_uint_eq(request_params_wire_max(&l, 2), SIZE_MAX - 1);
	l.max_params = SIZE_MAX;
	l.max_params_size = 0;
	ck_assert_uint_eq(request_params_wire_max(&l, 8), SIZE_MAX);
}
END_TEST

/* Each limit at its value passes and one more fails, with a message. */
START_TEST(test_limit_param)
{
	struct codec_limits	 l;
	size_t			 count = 0, total = 0;
	char			 msg[160], longname[64];

	memset(&l, 0, sizeof(l));
	l.max_params = 2;
	l.max_params_size = 10;
	l.max_param_length = 6;
	ck_assert_ptr_null(request_limit_param(&l, &count, &total, "ABCDEF",
	    6, 0, msg, sizeof(msg)));
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(total, 6);
	/* 6 + 1 + 4 = 11 > 10: the total. */
	ck_assert_str_eq(request_limit_param(&l, &count, &total, "B", 1, 4,
	    msg, sizeof(msg)), "params longer than max_params_size (10 bytes) "
	    "at param B");
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(total, 6);
	ck_assert_ptr_null(request_limit_param(&l, &count, &total, "B", 1, 3,
	    msg, sizeof(msg)));
	ck_assert_uint_eq(total, 10);
	/* The count first, whatever else is wrong. */
	ck_assert_str_eq(request_limit_param(&l, &count, &total, "C", 1000,
	    1000, msg, sizeof(msg)), "more than max_params (2) params");

	count = total = 0;
	ck_assert_str_eq(request_limit_param(&l, &count, &total, "ABCDEFG", 7,
	    0, msg, sizeof(msg)), "param name ABCDEFG of 7 bytes is longer "
	    "than max_param_length (6)");
	ck_assert_str_eq(request_limit_param(&l, &count, &total, "V", 1, 7,
	    msg, sizeof(msg)), "param V of 7 bytes is longer than "
	    "max_param_length (6)");
	ck_assert_uint_eq(count, 0);
	ck_assert_uint_eq(total, 0);

	/* Lengths near SIZE_MAX do not wrap the total.  The message shows
	   the first bytes of the name (32): only those need to exist. */
	memset(longname, 'X', sizeof(longname));
	l.max_params_size = SIZE_MAX;
	l.max_param_length = SIZE_MAX;
	total = SIZE_MAX - 10;
	ck_assert_ptr_nonnull(request_limit_param(&l, &count, &total, longname,
	    SIZE_MAX - 5, SIZE_MAX - 5, msg, sizeof(msg)));
	ck_assert_ptr_null(request_limit_param(&l, &count, &total, "X", 5, 5,
	    msg, sizeof(msg)));
	ck_assert_uint_eq(total, SIZE_MAX);
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

static const char *
decode(const char *s, int plus)
{
	static char	 out[256];
	size_t		 n;

	n = request_urldecode(out, s, strlen(s), plus);
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
	n = request_urldecode(out, "a%00b", 5, 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "a\0b\0", 4), 0);

	/* Only len bytes are read; the source need not be NUL-terminated. */
	n = request_urldecode(out, "ab%41cd", 4, 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(out, "ab%4");

	/* In place. */
	strcpy(out, "x%41+y");
	n = request_urldecode(out, out, strlen(out), 1);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(out, "xA y");
}
END_TEST

static struct request *
sample_request(void)
{
	struct request	*req = request_new(7);

	ck_assert_ptr_nonnull(req);
	req->keep_conn = 1;
	ck_assert_int_eq(request_add_param(req, "REQUEST_METHOD", 14, "POST",
	    4), 0);
	ck_assert_int_eq(request_add_param(req, "EMPTY", 5, "", 0), 0);
	ck_assert_int_eq(request_add_param(req, "BIN", 3, "a\0b", 3), 0);
	ck_assert_int_eq(request_append_body(req, "{\"x\":1}", 7), 0);
	return req;
}

START_TEST(test_pack_roundtrip)
{
	struct request	*req = sample_request(), out;
	struct buf	 b = BUF_INIT;
	const char	*rid;
	char		*msg;

	ck_assert_int_eq(buf_add(&b, "xx", 2), 0);	/* appends */
	ck_assert_int_eq(request_pack(req, "rid-1", &b), 0);
	ck_assert_uint_eq(request_packed_len(b.data + 2), b.len - 2);
	/* unpack wants pointer alignment, as the child's buffers have */
	msg = aligned_alloc(16, (b.len - 2 + 15) & ~(size_t)15);
	memcpy(msg, b.data + 2, b.len - 2);
	ck_assert_int_eq(request_unpack(msg, b.len - 2, &out, &rid), 0);
	ck_assert_str_eq(rid, "rid-1");
	ck_assert_uint_eq(out.id, 7);
	ck_assert_uint_eq(out.keep_conn, 1);
	ck_assert_uint_eq(out.nparams, 3);
	ck_assert_str_eq(request_param(&out, "REQUEST_METHOD"), "POST");
	ck_assert_str_eq(request_param(&out, "EMPTY"), "");
	ck_assert_uint_eq(out.params[2].value_len, 3);
	ck_assert_int_eq(memcmp(out.params[2].value, "a\0b", 3), 0);
	ck_assert_uint_eq(out.body_len, 7);
	ck_assert_str_eq(out.body, "{\"x\":1}");
	free(msg);
	buf_free(&b);
	request_free(req);
}
END_TEST

START_TEST(test_pack_empty)
{
	struct request	*req = request_new(1), out;
	struct buf	 b = BUF_INIT;
	const char	*rid;

	ck_assert_int_eq(request_pack(req, "", &b), 0);
	ck_assert_int_eq(request_unpack(b.data, b.len, &out, &rid), 0);
	ck_assert_uint_eq(out.nparams, 0);
	ck_assert_ptr_null(out.body);
	ck_assert_str_eq(rid, "");
	buf_free(&b);
	request_free(req);
}
END_TEST

/* Every corruption of a valid message is refused, never read past. */
START_TEST(test_unpack_malformed)
{
	struct request	*req = sample_request(), out;
	struct buf	 b = BUF_INIT;
	const char	*rid;
	char		*copy;
	size_t		 i, len;

	ck_assert_int_eq(request_pack(req, "r", &b), 0);
	len = b.len;
	copy = aligned_alloc(16, (len + 15) & ~(size_t)15);
	/* Truncated anywhere: the announced length no longer matches. */
	for (i = 0; i < len; i++) {
		memcpy(copy, b.data, len);
		ck_assert_int_eq(request_unpack(copy, i, &out, &rid), -1);
	}
	/* Each byte flipped: either refused or still within bounds. */
	for (i = 0; i < len; i++) {
		memcpy(copy, b.data, len);
		copy[i] = (char)~copy[i];	/* explicit: a flip, not a truncation */
		if (request_unpack(copy, len, &out, &rid) == 0) {
			ck_assert_ptr_nonnull(rid);
			ck_assert_uint_le(out.nparams, 3);
		}
	}
	/* A string that loses its NUL is refused. */
	memcpy(copy, b.data, len);
	copy[len - 1] = 'x';
	ck_assert_int_eq(request_unpack(copy, len, &out, &rid), -1);
	free(copy);
	buf_free(&b);
	request_free(req);
}
END_TEST

/*
 * A string placed in the header or the param table is refused: unpack
 * rewrites the table with pointers, which would overwrite the NUL it
 * checked (found by fuzz_query).  Here params[0]'s value is "" at byte 2
 * of params[1].name: 0 while packed (an offset < 64k), a pointer byte
 * once unpacked.
 */
START_TEST(test_unpack_string_in_table)
{
	struct request		*req = sample_request(), out;
	struct request_param	 p;
	struct buf		 b = BUF_INIT;
	const char		*rid;
	char			*copy;
	size_t			 tbl;

	ck_assert_int_eq(request_pack(req, "r", &b), 0);
	copy = aligned_alloc(16, (b.len + 15) & ~(size_t)15);
	memcpy(copy, b.data, b.len);
	ck_assert_int_eq(request_unpack(copy, b.len, &out, &rid), 0);
	tbl = (size_t)((char *)out.params - copy);

	memcpy(copy, b.data, b.len);
	memcpy(&p, copy + tbl, sizeof(p));
	p.value = (char *)(uintptr_t)(tbl + sizeof(p) +
	    offsetof(struct request_param, name) + 2);
	p.value_len = 0;
	memcpy(copy + tbl, &p, sizeof(p));
	ck_assert_int_eq(request_unpack(copy, b.len, &out, &rid), -1);

	/* The same for a name in the table. */
	memcpy(copy, b.data, b.len);
	memcpy(&p, copy + tbl, sizeof(p));
	p.name = (char *)(uintptr_t)(tbl + sizeof(p));
	memcpy(copy + tbl, &p, sizeof(p));
	ck_assert_int_eq(request_unpack(copy, b.len, &out, &rid), -1);
	free(copy);
	buf_free(&b);
	request_free(req);
}
END_TEST

/* request_path: the order of the params req.path is taken from. */
static const char *
path_of(const char *const *kv, struct buf *b)
{
	struct request	*req = request_new(1);

	ck_assert_ptr_nonnull(req);
	for (; kv[0] != NULL; kv += 2)
		ck_assert_int_eq(request_add_param(req, kv[0], strlen(kv[0]),
		    kv[1], strlen(kv[1])), 0);
	ck_assert_int_eq(request_path(req, b), 0);
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

	ck_assert_str_eq(request_query(req), "");
	ck_assert_int_eq(request_add_param(req, "REQUEST_URI", 11,
	    "/x?from=uri", 11), 0);
	ck_assert_str_eq(request_query(req), "from=uri");
	ck_assert_int_eq(request_add_param(req, "QUERY_STRING", 12,
	    "a=1&b", 5), 0);
	ck_assert_str_eq(request_query(req), "a=1&b");
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
	tcase_add_test(tc, test_params_wire_max);
	tcase_add_test(tc, test_limit_param);
	suite_add_tcase(s, tc);
	tc = tcase_create("body");
	/* A million checked appends: seconds on a loaded machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_body);
	suite_add_tcase(s, tc);
	tc = tcase_create("pack");
	tcase_add_test(tc, test_pack_roundtrip);
	tcase_add_test(tc, test_pack_empty);
	tcase_add_test(tc, test_unpack_malformed);
	tcase_add_test(tc, test_unpack_string_in_table);
	suite_add_tcase(s, tc);
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

	sr = srunner_create(request_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
