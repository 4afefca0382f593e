/*
 * A Lua C module for lua-c-module.sh: require "testmod" from an app.
 * testmod.add(a, b) returns a + b; testmod.pid() the calling process's.
 */
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>

int	luaopen_testmod(lua_State *);

static int
add(lua_State *L)
{
	lua_pushinteger(L, luaL_checkinteger(L, 1) + luaL_checkinteger(L, 2));
	return 1;
}

static int
pid(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)getpid());
	return 1;
}

int
luaopen_testmod(lua_State *L)
{
	static const luaL_Reg	fns[] = {
		{ "add", add },
		{ "pid", pid },
		{ NULL, NULL }
	};

	luaL_newlib(L, fns);
	return 1;
}
