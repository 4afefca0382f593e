/*
 * The sandbox's Lua side (lua_sandbox.h).  The kernel refuses; this only
 * makes the refusal plain to the handler and to the log:
 *
 * - os.execute(cmd) and io.popen raise "refused by the sandbox" when
 *   sandbox_exec is off (the filter's EPERM alone would look like a
 *   program that exited with 127);
 * - io.open, io.lines, os.remove, os.rename, loadfile and dofile are
 *   called as they are; when one fails and the file's own permissions
 *   (access(2), which Landlock does not judge) would have allowed it, the
 *   refusal was Landlock's, and it is logged.  The results are the
 *   original's, unchanged.
 *
 * "Once per request" comes from isolation: the table of what was logged
 * lives in the template, so every request starts with it empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "log.h"
#include "lua_sandbox.h"
#include "sandbox.h"

#define SEEN_KEY	"fcgiserve.sandbox"	/* registry: what was logged */

enum guard { G_OPEN, G_READ, G_REMOVE, G_RENAME };

/* Logs "sandbox: refused what" once per request. */
static void
refused(lua_State *L, const char *what)
{
	const struct request	**cur = lua_touserdata(L, lua_upvalueindex(1));

	lua_getfield(L, LUA_REGISTRYINDEX, SEEN_KEY);
	if (lua_getfield(L, -1, what) == LUA_TNIL) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -3, what);
		log_msg(LOG_LVL_WARN, *cur != NULL ? (*cur)->rid : NULL,
		    "sandbox: refused %s", what);
	}
	lua_pop(L, 2);
}

/* access(2) on path's directory. */
static int
parent_allows(const char *path, int mode)
{
	char	copy[PATH_MAX];

	if (strlen(path) >= sizeof(copy))
		return 0;
	strcpy(copy, path);
	return access(dirname(copy), mode) == 0;
}

/*
 * After a failed call on path: was it the sandbox?  err is the call's
 * errno where Lua returned one, else 0 (then a read is tried again here);
 * write: io.open's mode writes.
 */
static int
by_sandbox(enum guard g, const char *path, int write, int err)
{
	int	fd;

	switch (g) {
	case G_OPEN:
		if (err != EACCES && err != EPERM)
			return 0;
		if (access(path, F_OK) == -1)
			return write && parent_allows(path, W_OK | X_OK);
		return access(path, write ? W_OK : R_OK) == 0;
	case G_READ:
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
			close(fd);
			return 0;
		}
		return errno == EACCES && access(path, R_OK) == 0;
	case G_REMOVE:
	case G_RENAME:
		return (err == EACCES || err == EPERM) &&
		    parent_allows(path, W_OK | X_OK);
	}
	return 0;
}

/* Argument i as a C string (no NUL inside), or NULL. */
static const char *
arg_string(lua_State *L, int i)
{
	const char	*s;
	size_t		 n;

	if (lua_type(L, i) != LUA_TSTRING)
		return NULL;
	s = lua_tolstring(L, i, &n);
	return strlen(s) == n ? s : NULL;
}

/*
 * upvalues: the current request, the original function, enum guard.  The
 * original gets copies of the arguments, which stay below its results
 * for a look once it failed.
 */
static int
guarded(lua_State *L)
{
	enum guard	 g = (enum guard)lua_tointeger(L, lua_upvalueindex(3));
	const char	*path, *arg2;
	int		 nargs = lua_gettop(L), status, n, i, err = 0, write;

	lua_pushvalue(L, lua_upvalueindex(2));
	for (i = 1; i <= nargs; i++)
		lua_pushvalue(L, i);
	status = lua_pcall(L, nargs, LUA_MULTRET, 0);
	n = lua_gettop(L) - nargs;
	path = arg_string(L, 1);
	if (path != NULL && (status != LUA_OK || lua_isnil(L, nargs + 1))) {
		if (status == LUA_OK && n >= 3 && lua_isinteger(L, nargs + 3))
			err = (int)lua_tointeger(L, nargs + 3);
		arg2 = arg_string(L, 2);
		write = g == G_OPEN && arg2 != NULL &&
		    strpbrk(arg2, "wa+") != NULL;
		if (g == G_RENAME && arg2 != NULL &&
		    (by_sandbox(g, path, 0, err) || by_sandbox(g, arg2, 0, err)))
			refused(L, lua_pushfstring(L, "renaming %s to %s", path,
			    arg2));
		else if (g != G_RENAME && by_sandbox(g, path, write, err))
			refused(L, lua_pushfstring(L, "%s %s", g == G_REMOVE ?
			    "removing" : write ? "writing" : "reading", path));
		lua_settop(L, nargs + n);	/* the message, if any */
	}
	if (status != LUA_OK)
		return lua_error(L);
	return n;
}

/* upvalues: the current request, the function's name. */
static int
no_programs(lua_State *L)
{
	const char	*name = lua_tostring(L, lua_upvalueindex(2));

	/* os.execute() asks whether there is a shell: there is none. */
	if (lua_gettop(L) == 0 && strcmp(name, "os.execute") == 0) {
		lua_pushboolean(L, 0);
		return 1;
	}
	lua_pushfstring(L, "%s (sandbox_exec = no)", name);
	refused(L, lua_tostring(L, -1));
	return luaL_error(L, "%s: running programs is refused by the sandbox "
	    "(sandbox_exec = no)", name);
}

/* lib.name (a global table, or _G) wrapped as g. */
static void
guard(lua_State *L, const struct request **current, const char *lib,
    const char *name, enum guard g)
{
	if (lib != NULL)
		lua_getglobal(L, lib);
	else
		lua_pushglobaltable(L);
	lua_pushlightuserdata(L, (void *)current);
	lua_getfield(L, -2, name);
	lua_pushinteger(L, g);
	lua_pushcclosure(L, guarded, 3);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

static void
refuse(lua_State *L, const struct request **current, const char *lib,
    const char *name)
{
	lua_getglobal(L, lib);
	lua_pushlightuserdata(L, (void *)current);
	lua_pushfstring(L, "%s.%s", lib, name);
	lua_pushcclosure(L, no_programs, 2);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

static int
refused_by_module(lua_State *L)
{
	const char	*what = luaL_checkstring(L, 1);

	if (sandbox_on())
		refused(L, what);
	return 0;
}

void
lua_sandbox_push_refused(lua_State *L, const struct request **current)
{
	lua_pushlightuserdata(L, (void *)current);
	lua_pushcclosure(L, refused_by_module, 1);
}

void
lua_sandbox_open(lua_State *L, const struct request **current)
{
	if (!sandbox_on())
		return;
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, SEEN_KEY);
	guard(L, current, "io", "open", G_OPEN);
	guard(L, current, "io", "lines", G_READ);
	guard(L, current, "os", "remove", G_REMOVE);
	guard(L, current, "os", "rename", G_RENAME);
	guard(L, current, NULL, "loadfile", G_READ);
	guard(L, current, NULL, "dofile", G_READ);
	if (!sandbox_exec_allowed()) {
		refuse(L, current, "os", "execute");
		refuse(L, current, "io", "popen");
	}
}
