/*
 * json.c: Lua values <-> jansson in a real lua_State, with fcgiserve.json
 * as the global `json`.  Expected texts come from json_dumps with
 * JSON_SORT_KEYS so object member order is fixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "json.h"

#define DUMP_FLAGS	(JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS | \
			    JSON_REAL_PRECISION(17))

static lua_State	*L;

static void
setup(void)
{
	L = luaL_newstate();
	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	json_open(L);
	lua_setglobal(L, "json");
}

static void
teardown(void)
{
	lua_close(L);
	L = NULL;
}

/* Runs a chunk that returns one value and leaves it on the stack. */
static void
eval(const char *chunk)
{
	int	 rc;

	rc = luaL_dostring(L, chunk);
	ck_assert_msg(rc == LUA_OK, "%s: %s", chunk, lua_tostring(L, -1));
}

/* Runs a chunk that must return true. */
static void
lua_ok(const char *chunk)
{
	int	 top = lua_gettop(L);

	eval(chunk);
	ck_assert_msg(lua_toboolean(L, -1), "false: %s", chunk);
	lua_settop(L, top);
}

static char *
dump(json_t *j)
{
	char	*s;

	ck_assert_ptr_nonnull(j);
	s = json_dumps(j, DUMP_FLAGS);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* json_from_lua on the chunk's value gives exactly `want`. */
static void
enc_ok(const char *chunk, const char *want)
{
	char	 err[512] = "";
	json_t	*j;
	char	*s;
	int	 top = lua_gettop(L);

	eval(chunk);
	j = json_from_lua(L, -1, err, sizeof(err));
	ck_assert_msg(j != NULL, "%s: %s", chunk, err);
	ck_assert_int_eq(lua_gettop(L), top + 1);
	s = dump(j);
	ck_assert_str_eq(s, want);
	free(s);
	json_decref(j);
	lua_settop(L, top);
}

/* json_from_lua fails with exactly `want` and leaves the stack alone. */
static void
enc_fail(const char *chunk, const char *want)
{
	char	 err[512] = "";
	json_t	*j;
	int	 top = lua_gettop(L);

	eval(chunk);
	j = json_from_lua(L, -1, err, sizeof(err));
	ck_assert_msg(j == NULL, "%s: encoded", chunk);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(lua_gettop(L), top + 1);
	lua_settop(L, top);
}

/* Parses text with jansson, pushes it with json_to_lua as global `v`. */
static void
dec_global(const char *text)
{
	char		 err[512] = "";
	json_error_t	 jerr;
	json_t		*j;
	int		 top = lua_gettop(L);

	j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	ck_assert_msg(j != NULL, "%s: %s", text, jerr.text);
	ck_assert_msg(json_to_lua(L, j, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(lua_gettop(L), top + 1);
	lua_setglobal(L, "v");
	json_decref(j);
}

/* text -> Lua -> JSON gives text back (text must have sorted keys). */
static void
round_trip(const char *text)
{
	char	 err[512] = "";
	json_t	*j;
	char	*s;

	dec_global(text);
	lua_getglobal(L, "v");
	j = json_from_lua(L, -1, err, sizeof(err));
	ck_assert_msg(j != NULL, "%s: %s", text, err);
	s = dump(j);
	ck_assert_str_eq(s, text);
	free(s);
	json_decref(j);
	lua_pop(L, 1);
}

/*
 * pcall(args) must fail with exactly `want`.  Called through pcall (a C
 * function), the message carries no "chunk:line:" prefix.
 */
static void
lua_raises(const char *args, const char *want)
{
	char	 chunk[1024];
	int	 top = lua_gettop(L);

	snprintf(chunk, sizeof(chunk),
	    "local ok, e = pcall(%s) assert(not ok, 'no error') return e",
	    args);
	eval(chunk);
	ck_assert_str_eq(lua_tostring(L, -1), want);
	lua_settop(L, top);
}

START_TEST(test_arrays_objects)
{
	enc_ok("return {1, 2, 3}", "[1,2,3]");
	enc_ok("return {'a', true, false}", "[\"a\",true,false]");
	enc_ok("return {a = 1, b = 'x'}", "{\"a\":1,\"b\":\"x\"}");
	enc_ok("return {[1] = 'x', [2] = 'y'}", "[\"x\",\"y\"]");
	enc_ok("return {}", "{}");
	enc_ok("return json.array({})", "[]");
	enc_ok("return json.array()", "[]");
	enc_ok("return json.array({1, 2})", "[1,2]");
	enc_ok("return {a = json.array(), b = {}}", "{\"a\":[],\"b\":{}}");
	enc_ok("return {list = {{id = 1}, {id = 2}}}",
	    "{\"list\":[{\"id\":1},{\"id\":2}]}");
	/* metamethods are not consulted */
	enc_ok("return setmetatable({}, {__index = function() return 1 end})",
	    "{}");
	/* a table may appear twice when neither contains the other */
	enc_ok("local s = {1} return {a = s, b = s, c = {s, s}}",
	    "{\"a\":[1],\"b\":[1],\"c\":[[1],[1]]}");
}
END_TEST

START_TEST(test_scalars)
{
	enc_ok("return nil", "null");
	enc_ok("return true", "true");
	enc_ok("return 'x'", "\"x\"");
	enc_ok("return 42", "42");
	enc_ok("return -7", "-7");
	enc_ok("return json.null", "null");
	lua_pushnil(L);
	ck_assert_int_eq(json_isnull(L, -1), 0);
	json_push_null(L);
	ck_assert_int_eq(json_isnull(L, -1), 1);
	ck_assert_int_eq(lua_type(L, -1), LUA_TLIGHTUSERDATA);
	lua_pop(L, 2);
	lua_ok("return json.null == json.null and json.null ~= nil");
}
END_TEST

START_TEST(test_null)
{
	enc_ok("return {1, json.null, 3}", "[1,null,3]");
	enc_ok("return {a = json.null}", "{\"a\":null}");
	enc_ok("return json.array({json.null})", "[null]");

	dec_global("[1,null,3]");
	lua_ok("return #v == 3 and v[2] == json.null and v[3] == 3");
	dec_global("{\"a\":null}");
	lua_ok("return v.a == json.null");
	dec_global("null");
	lua_ok("return v == json.null");
	lua_ok("return json.decode('[null]')[1] == json.null");
	lua_ok("return json.encode({json.null}) == '[null]'");
}
END_TEST

START_TEST(test_integers)
{
	enc_ok("return math.maxinteger", "9223372036854775807");
	enc_ok("return math.mininteger", "-9223372036854775808");
	enc_ok("return {math.mininteger, 0, math.maxinteger}",
	    "[-9223372036854775808,0,9223372036854775807]");

	dec_global("9223372036854775807");
	lua_ok("return math.type(v) == 'integer' and v == math.maxinteger");
	dec_global("-9223372036854775808");
	lua_ok("return math.type(v) == 'integer' and v == math.mininteger");
	dec_global("[1,2]");
	lua_ok("return math.type(v[1]) == 'integer'");

	lua_ok("return json.decode(json.encode(math.maxinteger)) == "
	    "math.maxinteger");
	lua_ok("return json.decode(json.encode(math.mininteger)) == "
	    "math.mininteger");
	/* beyond int64 is an error, not a rounded float */
	lua_raises("json.decode, '9223372036854775808'",
	    "invalid JSON: too big integer near '9223372036854775808' "
	    "(line 1, column 19)");
}
END_TEST

START_TEST(test_floats)
{
	enc_ok("return 0.1", "0.10000000000000001");
	enc_ok("return 1.0", "1.0");
	enc_ok("return 1e308", "1e308");
	enc_ok("return -0.0", "-0.0");
	enc_ok("return 2^53", "9007199254740992.0");
	enc_ok("return {x = 1.5}", "{\"x\":1.5}");

	dec_global("1.0");
	lua_ok("return math.type(v) == 'float' and v == 1");
	dec_global("0.1");
	lua_ok("return v == 0.1");
	dec_global("1e308");
	lua_ok("return v == 1e308");
	dec_global("-0.0");
	lua_ok("return math.type(v) == 'float' and 1 / v == -math.huge");
	lua_ok("return json.decode(json.encode(0.1)) == 0.1");
	/* json.encode prints the fewest digits that read back exactly. */
	lua_ok("return json.encode(0.1) == '0.1'");
	lua_ok("return json.encode(2.5) == '2.5'");
	lua_ok("return json.encode({0.1, 1/3}) == '[0.1,0.3333333333333333]'");
	lua_ok("return json.encode(0.1 + 0.2) == '0.30000000000000004'");
	lua_ok("return json.decode(json.encode(0.1 + 0.2)) == 0.1 + 0.2");
	lua_ok("return json.encode(1e300 * 10) == '1e301'");
	lua_ok("return math.type(json.decode(json.encode(3.0))) == 'float'");
}
END_TEST

START_TEST(test_strings)
{
	/* UTF-8 passes through byte for byte, never as \u escapes */
	enc_ok("return 'h\\u{e9}llo \\u{20ac} \\u{1d11e}'",
	    "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e\"");
	lua_ok("return json.encode('\\u{e9}') == '\"\\u{e9}\"'");
	dec_global("\"\\u00e9\\ud834\\udd1e\"");
	lua_ok("return v == '\\xc3\\xa9\\xf0\\x9d\\x84\\x9e'");
	dec_global("\"h\xc3\xa9\"");
	lua_ok("return v == 'h\\xc3\\xa9' and #v == 3");

	/* embedded NUL */
	enc_ok("return 'a\\0b'", "\"a\\u0000b\"");
	enc_ok("return {['k\\0'] = 1}", "{\"k\\u0000\":1}");
	dec_global("\"a\\u0000b\"");
	lua_ok("return v == 'a\\0b' and #v == 3");
	lua_ok("return json.decode('\"x\\\\u0000y\"') == 'x\\0y'");

	enc_ok("return {['a b'] = '\\n\"'}", "{\"a b\":\"\\n\\\"\"}");
	enc_ok("return ''", "\"\"");
}
END_TEST

START_TEST(test_nesting)
{
	char	 want[512];
	int	 i;

	enc_ok("return {a = {b = {c = {1, {d = true}}}}}",
	    "{\"a\":{\"b\":{\"c\":[1,{\"d\":true}]}}}");
	dec_global("{\"a\":[1,{\"b\":[true,false]}],\"c\":{}}");
	lua_ok("return v.a[2].b[1] == true and v.a[2].b[2] == false and "
	    "next(v.c) == nil and getmetatable(v.c) == nil");
	lua_ok("return getmetatable(v.a) == getmetatable(json.array())");
	/* 200 nested tables are fine (199 arrays around one object) */
	for (i = 0; i < 199; i++)
		want[i] = '[';
	memcpy(want + 199, "{}", 2);
	for (i = 0; i < 199; i++)
		want[201 + i] = ']';
	want[400] = '\0';
	enc_ok("local t = {} for i = 1, 199 do t = {t} end return t", want);
}
END_TEST

START_TEST(test_depth)
{
	char	 err[512] = "", text[1024];
	json_t	*j;
	char	*s;
	size_t	 len;
	int	 i, top;

	/* 201 nested tables: the path is cut, the message is not */
	eval("local t = {} for i = 1, 200 do t = {a = t} end return t");
	j = json_from_lua(L, -1, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_msg(strncmp(err, "$.a.a.a.a", 9) == 0, "%s", err);
	s = strstr(err, "...: nesting deeper than 200 levels");
	ck_assert_msg(s != NULL && s[strlen(s) - 1] == 's', "%s", err);
	lua_pop(L, 1);

	/* decoding: 200 levels decode, 201 do not */
	for (i = 0; i < 201; i++)
		text[i] = '[';
	for (i = 0; i < 201; i++)
		text[201 + i] = ']';
	text[402] = '\0';
	j = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(j);
	top = lua_gettop(L);
	ck_assert_int_eq(json_to_lua(L, j, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "JSON nesting deeper than 200 levels");
	ck_assert_int_eq(lua_gettop(L), top);
	json_decref(j);
	len = strlen(text);
	memmove(text, text + 1, len - 2);
	text[len - 2] = '\0';
	j = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_to_lua(L, j, err, sizeof(err)), 0);
	ck_assert_int_eq(lua_gettop(L), top + 1);
	json_decref(j);
	lua_settop(L, top);
	lua_raises("json.decode, string.rep('[', 201) .. "
	    "string.rep(']', 201)", "JSON nesting deeper than 200 levels");
}
END_TEST

START_TEST(test_errors)
{
	static int	 x;

	enc_fail("return {a = {b = {1, 0/0}}}",
	    "$.a.b[2]: NaN cannot be encoded");
	enc_fail("return math.huge", "$: inf cannot be encoded");
	enc_fail("return {-math.huge}", "$[1]: -inf cannot be encoded");
	enc_fail("return {f = print}", "$.f: function cannot be encoded");
	enc_fail("return print", "$: function cannot be encoded");
	enc_fail("return {u = io.stdout}", "$.u: userdata cannot be encoded");
	enc_fail("return {items = {1, 2, coroutine.create(print)}}",
	    "$.items[3]: thread cannot be encoded");
	enc_fail("local t = {} t.x = t return t", "$.x: cycle");
	enc_fail("local t = {} t[1] = t return t", "$[1]: cycle");
	enc_fail("local a = {b = {}} a.b.c = {a} return a", "$.b.c[1]: cycle");
	enc_fail("return {1, 2, nil, 4}", "$: sparse array (key 3 missing)");
	enc_fail("return {[2] = 'x'}", "$: sparse array (key 1 missing)");
	enc_fail("return {list = json.array({[1] = 1, [3] = 3})}",
	    "$.list: sparse array (key 2 missing)");
	enc_fail("return {[1] = 1, [2^40] = 2}",
	    "$: sparse array (key 2 missing)");
	enc_fail("return {1, a = 2}", "$: mixed integer and string keys");
	enc_fail("return json.array({a = 1})", "$: array has string key");
	enc_fail("return {[0] = 1}", "$: array key 0 out of range");
	enc_fail("return {[-1] = 1, [1] = 2}", "$: array key -1 out of range");
	enc_fail("return {[1.5] = 1}", "$: float key cannot be encoded");
	enc_fail("return {[true] = 1}", "$: boolean key cannot be encoded");
	enc_fail("return {a = {[{}] = 1}}", "$.a: table key cannot be encoded");
	enc_fail("return {s = 'ok\\xff'}", "$.s: invalid UTF-8 string");
	enc_fail("return {'\\xc0\\x80'}", "$[1]: invalid UTF-8 string");
	enc_fail("return {'\\u{d800}'}", "$[1]: invalid UTF-8 string");
	enc_fail("return {a = {['\\xff'] = 1}}", "$.a: invalid UTF-8 in key");
	/* control bytes in keys are shown as '?' */
	enc_fail("return {['a\\nb'] = print}",
	    "$.a?b: function cannot be encoded");

	/* a non-NULL light userdata is not the null sentinel */
	lua_pushlightuserdata(L, &x);
	ck_assert_ptr_null(json_from_lua(L, -1, NULL, 0));
	lua_pop(L, 1);
	lua_pushlightuserdata(L, &x);
	lua_setglobal(L, "lud");
	enc_fail("return {lud}", "$[1]: userdata cannot be encoded");

	/* the Lua side raises the same messages */
	lua_raises("json.encode, {a = {b = {1, 0/0}}}",
	    "$.a.b[2]: NaN cannot be encoded");
	lua_raises("json.encode, "
	    "(function() local t = {} t.x = t return t end)()",
	    "$.x: cycle");
	/* called directly, the caller's position comes first, as in Lua */
	lua_raises("load('return json.encode(print)', '=app')",
	    "app:1: $: function cannot be encoded");
	lua_raises("load('local s = json.encode() return s', '=app')",
	    "app:1: bad argument #1 to 'encode' (value expected)");
	lua_raises("load('local t = json.array(5) return t', '=app')",
	    "app:1: bad argument #1 to 'array' (table expected, got number)");
}
END_TEST

START_TEST(test_lua_api)
{
	lua_ok("return json.encode({1, 'a', true}) == '[1,\"a\",true]'");
	lua_ok("return json.encode({a = {}}) == '{\"a\":{}}'");
	lua_ok("return json.encode(json.array()) == '[]'");
	lua_ok("return json.encode(nil) == 'null'");
	lua_ok("return json.encode('x') == '\"x\"'");
	lua_ok("local t = {} return json.array(t) == t");
	lua_ok("local t = json.array() return type(t) == 'table' and "
	    "next(t) == nil");
	lua_ok("return json.decode('5') == 5");
	lua_ok("return json.decode('\"x\"') == 'x'");
	lua_ok("return json.decode(' true ') == true");
	lua_ok("local v = json.decode('{\"a\":[1,2,{\"b\":null}]}') "
	    "return v.a[3].b == json.null and #v.a == 3");
	lua_ok("return json.encode(json.decode('[]')) == '[]'");
	lua_ok("return json.encode(json.decode('{}')) == '{}'");
	lua_ok("return json.encode(json.decode('[[],{}]')) == '[[],{}]'");

	lua_raises("json.decode, '{'",
	    "invalid JSON: string or '}' expected near end of file "
	    "(line 1, column 1)");
	lua_raises("json.decode, '[1,\\n2'",
	    "invalid JSON: ']' expected near end of file (line 2, column 1)");
	lua_raises("json.decode, '[1] x'",
	    "invalid JSON: end of file expected near 'x' (line 1, column 5)");
	lua_raises("json.decode, ''",
	    "invalid JSON: unexpected token near end of file "
	    "(line 1, column 0)");
	lua_raises("json.decode, '\"\\xff\"'",
	    "invalid JSON: unable to decode byte 0xff near '\"' "
	    "(line 1, column 1)");
	lua_raises("load('local v = json.decode({}) return v', '=app')",
	    "app:1: bad argument #1 to 'decode' (string expected, got table)");
}
END_TEST

START_TEST(test_round_trips)
{
	static const char *const texts[] = {
		"[]",
		"{}",
		"null",
		"[null,null]",
		"{\"a\":null,\"b\":[null]}",
		"[1,-2,0,9223372036854775807,-9223372036854775808]",
		"[0.5,1.0,-0.0,1e308,0.10000000000000001,"
		    "4.9406564584124654e-324]",
		"{\"a\":{\"b\":{\"c\":[[],{},[{}]]}},\"z\":\"\xe2\x82\xac\"}",
		"[\"a\\u0000b\",\"\\n\\t\\\\\\\"\"]",
		"[true,false,\"\",{\"\":1}]",
	};
	size_t	 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		round_trip(texts[i]);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite	*s = suite_create("json");
	TCase	*tc;

	tc = tcase_create("encode");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_arrays_objects);
	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_null);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_floats);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_depth);
	suite_add_tcase(s, tc);

	tc = tcase_create("lua");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lua_api);
	tcase_add_test(tc, test_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(json_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
