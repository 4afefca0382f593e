/*
 * fcgiserve.http: outgoing HTTP(S) from a handler (lua_http.c), bounded by
 * the time the child has left (deadline.h).
 */
#ifndef FCGISERVE_LUA_HTTP_H
#define FCGISERVE_LUA_HTTP_H

#include <lua.h>

#include "request.h"

/* Pushes the table fcgiserve.http; current points at the request being
   served, for the log.  May raise (memory). */
void	lua_http_open(lua_State *, const struct request **current);

#endif
