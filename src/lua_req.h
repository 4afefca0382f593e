/*
 * The Lua req table of a request: method, path, query, headers, body,
 * params, request_id, remote_addr, env, from the CGI params.
 */
#ifndef FCGISERVE_LUA_REQ_H
#define FCGISERVE_LUA_REQ_H

#include <lua.h>

#include "request.h"

/* req's metatable: lua_module.c registers it, its __index gives req.json. */
#define REQ_MT		"fcgiserve.req"

/*
 * Pushes req for r, a derived request (cgi_derive gave it request_id,
 * path and the query string).  query: '+' and %XX decoded, a repeated
 * name an array.  headers: HTTP_FOO_BAR as "foo-bar", plus content-type
 * and content-length.  May raise (memory): call it under lua_pcall.
 */
void	lua_req_push(lua_State *, const struct request *r);

#endif
