/*
 * What a handler sees of the sandbox (sandbox.h): os.execute and io.popen
 * raise when programs are refused, and a file call the sandbox refused is
 * logged, once per request, with the path.
 */
#ifndef FCGISERVE_LUA_SANDBOX_H
#define FCGISERVE_LUA_SANDBOX_H

#include <lua.h>

#include "request.h"

/*
 * Wraps the io and os functions of L and loadfile and dofile when the
 * pool's sandbox is on (sandbox_configure); nothing otherwise.  current
 * points at the request being served, for the log.  May raise (memory).
 */
void	lua_sandbox_open(lua_State *, const struct request **current);

/*
 * Pushes refused(what): logs "sandbox: refused WHAT" once per request when
 * the sandbox is on (for refusals only a module can see, e.g. a TCP
 * connection fcgiserve.http was refused), and does nothing otherwise.
 */
void	lua_sandbox_push_refused(lua_State *, const struct request **current);

#endif
