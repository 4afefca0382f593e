/*
 * Test-only faults for sanitizer builds (configure --enable-sanitizers).
 * Neither this header's function nor lua_fault.c exists in a normal build:
 * the Makefile compiles lua_fault.c only under the SANITIZERS conditional
 * and lua_module.c calls it only under FCGISERVE_SANITIZERS.
 */
#ifndef FCGISERVE_LUA_FAULT_H
#define FCGISERVE_LUA_FAULT_H

#include <lua.h>

/*
 * Sets _fault in the table on the top of the stack (the fcgiserve
 * module): fcgiserve._fault(kind) commits the memory or undefined-behaviour
 * error named by kind, for tests/integration/sanitizer-child.sh to prove
 * that a sanitizer's report from a request child reaches the error log.
 */
void	lua_fault_open(lua_State *);

#endif
