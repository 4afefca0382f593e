/*
 * Which Lua files an app loads, for reload_on_change: the app file and
 * every file its top-level code reads through require (on package.path),
 * dofile or loadfile.  Tracked only in the master's throwaway test process
 * (master_test_apps), which sends the list to the master (watch.c);
 * workers never track, so what they run is untouched.
 *
 * require is seen through a searcher put just before Lua's own file
 * searcher: it notes where package.searchpath finds the name on
 * package.path at that moment and returns nothing, which require treats
 * as "not here" without a word in its messages.  A module with a syntax
 * error is thus noted too: fixing it must reload.  dofile and loadfile
 * are wrapped: the name is noted, then the original runs with the same
 * arguments.  The list is kept in C, so a load that fails, and frees its
 * state, still reports what it had reached.  C modules (package.cpath)
 * are not noted: a running process cannot load a changed .so anyway.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_files.h"

static int	 tracking;
static char	**files;	/* absolute paths, in load order */
static int	 nfiles, capfiles;

/* Notes path (relative ones against the current directory), once. */
static void
files_note(const char *path)
{
	char	 cwd[PATH_MAX], *abs, **nf;
	int	 i;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (path[0] == '/')
		abs = strdup(path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	else if ((abs = malloc(strlen(cwd) + strlen(path) + 2)) != NULL) {
		strcpy(abs, cwd);
		strcat(abs, "/");
		strcat(abs, path);
	}
	if (abs == NULL)
		return;
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], abs) == 0) {
			free(abs);
			return;
		}
	if (nfiles == capfiles) {
		if ((nf = reallocarray(files, capfiles ? capfiles * 2 : 16,
		    sizeof(*nf))) == NULL) {
			free(abs);
			return;
		}
		files = nf;
		capfiles = capfiles ? capfiles * 2 : 16;
	}
	files[nfiles++] = abs;
}

/* package.searchers entry: notes the file require is about to load. */
static int
files_searcher(lua_State *L)
{
	const char	*name = luaL_checkstring(L, 1);

	lua_settop(L, 1);
	lua_getfield(L, lua_upvalueindex(1), "searchpath");
	lua_pushstring(L, name);
	if (lua_getfield(L, lua_upvalueindex(1), "path") != LUA_TSTRING ||
	    lua_type(L, 2) != LUA_TFUNCTION)
		return 0;
	lua_call(L, 2, 1);
	if (lua_type(L, -1) == LUA_TSTRING)
		files_note(lua_tostring(L, -1));
	return 0;
}

/* dofile or loadfile (upvalue 1), with the file name noted. */
static int
files_wrapper(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TSTRING)
		files_note(lua_tostring(L, 1));
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static void
files_wrap(lua_State *L, const char *global)
{
	if (lua_getglobal(L, global) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_pushcclosure(L, files_wrapper, 1);
	lua_setglobal(L, global);
}

void
lua_files_track(void)
{
	tracking = 1;
}

void
lua_files_install(lua_State *L, const char *path)
{
	lua_Integer	i, n;
	int		top = lua_gettop(L);

	if (!tracking)
		return;
	files_note(path);
	files_wrap(L, "dofile");
	files_wrap(L, "loadfile");
	/* Second, after package.preload's searcher: a preloaded module has
	   no file. */
	lua_getglobal(L, "package");
	if (lua_type(L, -1) != LUA_TTABLE ||
	    lua_getfield(L, -1, "searchers") != LUA_TTABLE) {
		lua_settop(L, top);
		return;
	}
	n = (lua_Integer)lua_rawlen(L, -1);
	for (i = n; i >= 2; i--) {
		lua_rawgeti(L, -1, i);
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushvalue(L, -2);
	lua_pushcclosure(L, files_searcher, 1);
	lua_rawseti(L, -2, 2);
	lua_pop(L, 2);
}

int
lua_files_send(int fd)
{
	const char	*p;
	size_t		 left;
	ssize_t		 n;
	int		 i, rc = 0;

	for (i = 0; i < nfiles; i++) {
		p = files[i];
		left = strlen(p) + 1;		/* with its NUL */
		while (rc == 0 && left > 0) {
			if ((n = write(fd, p, left)) == -1) {
				if (errno != EINTR)
					rc = -1;
				continue;
			}
			p += n;
			left -= (size_t)n;
		}
		free(files[i]);
	}
	free(files);
	files = NULL;
	nfiles = capfiles = 0;
	return rc;
}
