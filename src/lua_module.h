/*
 * The fcgiserve Lua module: what an app sees of fcgiserve (router, json,
 * abort, response, log), the req metatable behind req.json, and os.exit
 * made safe for a forked child.
 */
#ifndef FCGISERVE_LUA_MODULE_H
#define FCGISERVE_LUA_MODULE_H

#include <lua.h>

#include "request.h"

/*
 * Opens the module in L: the global fcgiserve, package.loaded.fcgiserve,
 * the metatables, os.exit.  fcgiserve.log writes with the id of *current,
 * the request the interpreter is handling (NULL: none).  May raise
 * (memory): call it under lua_pcall.
 */
void	lua_module_open(lua_State *, const struct request **current);

/* What fcgiserve.stream{} (and .sse) returns: checked, mutable since. */
int	lua_module_is_stream(lua_State *, int idx);
/*
 * Pushes the list of functions fcgiserve.after() registered in this
 * request, 1; or pushes nothing, 0.
 */
int	lua_module_after(lua_State *);
/*
 * Pushes the jobs fcgiserve.every() registered while the app loaded (a
 * list of {name=, ms=, timeout=, fn=}), 1; or pushes nothing, 0.
 */
int	lua_module_every(lua_State *);

/*
 * What fcgiserve.abort raises: a table {status=, message=[, headers=]}
 * (status 400 to 599, checked when raised; Lua code may change it since).
 */
int	lua_module_is_abort(lua_State *, int idx);
/*
 * What fcgiserve.response{} returns: a table {status=, body=,
 * content_type=[, headers=]} (checked when built; mutable since).
 */
int	lua_module_is_response(lua_State *, int idx);

#endif
