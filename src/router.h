/*
 * fcgiserve.router(): the path router, written in Lua and compiled into
 * the binary.
 */
#ifndef FCGISERVE_ROUTER_H
#define FCGISERVE_ROUTER_H

#include <lua.h>

/* Pushes the router constructor function (fcgiserve.router). */
int	router_open(lua_State *);

#endif
