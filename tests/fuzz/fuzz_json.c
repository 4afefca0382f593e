/*
 * libFuzzer target: JSON text -> jansson -> Lua -> jansson -> text
 * (src/json.c), as a request body and a handler's answer travel.
 *
 * Whenever jansson decodes the input (JSON_DECODE_ANY | JSON_ALLOW_NUL,
 * the daemon's flags) and json_to_lua takes it (it refuses only nesting
 * deeper than its limit), json_from_lua must take the Lua value back
 * without error and give an equal document, json_encode must succeed, and
 * its text must decode to an equal document again.  The same input also
 * goes through the Lua functions fcgiserve.json.decode and encode, which
 * must agree with the C path.  One lua_State serves every input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "buf.h"
#include "fuzz.h"
#include "json.h"

#define FLAGS	(JSON_DECODE_ANY | JSON_ALLOW_NUL)

static lua_State	*L;
static int		 decode_ref, encode_ref;

static void
setup(void)
{
	FUZZ_CHECK((L = luaL_newstate()) != NULL);
	luaL_openlibs(L);
	json_open(L);
	lua_getfield(L, -1, "decode");
	decode_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_getfield(L, -1, "encode");
	encode_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pop(L, 1);
}

/* Decodes text and checks it equals j. */
static void
check_text(json_t *j, const char *text, size_t len)
{
	json_error_t	 jerr;
	json_t		*back;

	back = json_loadb(text, len, FLAGS, &jerr);
	if (back == NULL)
		fprintf(stderr, "re-decode failed: %s\n", jerr.text);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(json_equal(j, back));
	json_decref(back);
}

/* The C path; returns whether the value went into Lua. */
static int
c_path(json_t *j)
{
	struct buf	 out = BUF_INIT;
	json_t		*back;
	char		 err[512];
	int		 top = lua_gettop(L);

	if (json_to_lua(L, j, err, sizeof(err)) == -1) {
		FUZZ_CHECK(lua_gettop(L) == top);
		FUZZ_CHECK(strstr(err, "nesting") != NULL);
		return 0;
	}
	FUZZ_CHECK(lua_gettop(L) == top + 1);
	back = json_from_lua(L, -1, err, sizeof(err));
	if (back == NULL)
		fprintf(stderr, "json_from_lua failed: %s\n", err);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(lua_gettop(L) == top + 1);
	FUZZ_CHECK(json_equal(j, back));
	FUZZ_CHECK(json_encode(back, &out) == 0);
	FUZZ_CHECK(out.data != NULL && out.len > 0);
	check_text(j, out.data, out.len);
	json_decref(back);
	buf_free(&out);
	lua_settop(L, top);
	return 1;
}

/* The Lua path: encode(decode(s)), both under lua_pcall. */
static void
lua_path(const uint8_t *data, size_t size, json_t *j, int in_lua)
{
	const char	*s;
	size_t		 len;

	lua_rawgeti(L, LUA_REGISTRYINDEX, encode_ref);
	lua_rawgeti(L, LUA_REGISTRYINDEX, decode_ref);
	lua_pushlstring(L, (const char *)data, size);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING);
		FUZZ_CHECK(!in_lua);
		lua_settop(L, 0);
		return;
	}
	FUZZ_CHECK(j != NULL && in_lua);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK)
		fprintf(stderr, "encode failed: %s\n", lua_tostring(L, -1));
	FUZZ_CHECK(lua_type(L, -1) == LUA_TSTRING);
	s = lua_tolstring(L, -1, &len);
	check_text(j, s, len);
	lua_settop(L, 0);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t	 jerr;
	json_t		*j;
	int		 in_lua = 0;

	if (L == NULL)
		setup();
	j = json_loadb((const char *)data, size, FLAGS, &jerr);
	if (j != NULL)
		in_lua = c_path(j);
	lua_path(data, size, j, in_lua);
	json_decref(j);
	/*
	 * Free this input's tables now: libFuzzer runs a leak check after
	 * every input that freed less than it allocated, and that is slow.
	 */
	lua_gc(L, LUA_GCCOLLECT);
	return 0;
}
