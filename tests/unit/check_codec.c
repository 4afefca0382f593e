/*
 * Unit tests for codec.c: the params limits both codecs enforce.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* The wire bound: names + values plus framing per param, saturating. */
START_TEST(test_params_wire_max)
{
	struct codec_limits	 l;

	memset(&l, 0, sizeof(l));
	l.max_params_size = 100;
	l.max_params = 3;
	ck_assert_uint_eq(codec_params_wire_max(&l, 8), 124);
	ck_assert_uint_eq(codec_params_wire_max(&l, 2), 106);
	ck_assert_uint_eq(codec_params_wire_max(&l, 0), 100);
	l.max_params_size = SIZE_MAX - 6;
	ck_assert_uint_eq(codec_params_wire_max(&l, 2), SIZE_MAX);
	l.max_params_size = SIZE_MAX - 5;
	ck_assert_uint_eq(codec_params_wire_max(&l, 2), SIZE_MAX);
	l.max_params_size = SIZE_MAX - 7;
	ck_assert_uint_eq(codec_params_wire_max(&l, 2), SIZE_MAX - 1);
	l.max_params = SIZE_MAX;
	l.max_params_size = 0;
	ck_assert_uint_eq(codec_params_wire_max(&l, 8), SIZE_MAX);
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
	ck_assert_ptr_null(codec_limit_param(&l, &count, &total, "ABCDEF",
	    6, 0, msg, sizeof(msg)));
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(total, 6);
	/* 6 + 1 + 4 = 11 > 10: the total. */
	ck_assert_str_eq(codec_limit_param(&l, &count, &total, "B", 1, 4,
	    msg, sizeof(msg)), "params longer than max_params_size (10 bytes) "
	    "at param B");
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(total, 6);
	ck_assert_ptr_null(codec_limit_param(&l, &count, &total, "B", 1, 3,
	    msg, sizeof(msg)));
	ck_assert_uint_eq(total, 10);
	/* The count first, whatever else is wrong. */
	ck_assert_str_eq(codec_limit_param(&l, &count, &total, "C", 1000,
	    1000, msg, sizeof(msg)), "more than max_params (2) params");

	count = total = 0;
	ck_assert_str_eq(codec_limit_param(&l, &count, &total, "ABCDEFG", 7,
	    0, msg, sizeof(msg)), "param name ABCDEFG of 7 bytes is longer "
	    "than max_param_length (6)");
	ck_assert_str_eq(codec_limit_param(&l, &count, &total, "V", 1, 7,
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
	ck_assert_ptr_nonnull(codec_limit_param(&l, &count, &total, longname,
	    SIZE_MAX - 5, SIZE_MAX - 5, msg, sizeof(msg)));
	ck_assert_ptr_null(codec_limit_param(&l, &count, &total, "X", 5, 5,
	    msg, sizeof(msg)));
	ck_assert_uint_eq(total, SIZE_MAX);
}
END_TEST

static Suite *
codec_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("codec");
	tc = tcase_create("limits");
	tcase_add_test(tc, test_params_wire_max);
	tcase_add_test(tc, test_limit_param);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(codec_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
