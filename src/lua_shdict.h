/*
 * fcgiserve.shared: the pool's shared dictionaries (shared_dict) as Lua
 * userdata with the methods of OpenResty's ngx.shared.DICT.
 */
#ifndef FCGISERVE_LUA_SHDICT_H
#define FCGISERVE_LUA_SHDICT_H

#include <lua.h>

/*
 * Pushes the table fcgiserve.shared: one entry per dictionary of the
 * selected pool (shdict_select).  May raise (memory).
 */
void	lua_shdict_open(lua_State *);

#endif
