/*
 * fcgiserve._fault(kind): a deliberate bug, compiled into sanitizer builds
 * only (see lua_fault.h), so a test can prove that ASan and UBSan catch
 * errors in a forked request child and that their report reaches the
 * error log.  A request child runs Lua on its own arena (arena.c), which
 * no sanitizer sees into; these faults use malloc and plain C arithmetic,
 * which they do.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_fault.h"

/* volatile: the compiler must neither see the fault nor fold it away. */
static volatile size_t	fault_len = 16;
static volatile int	fault_int = INT_MAX;

/* One byte written past the end of a malloc'd block. */
static int
fault_heap_overflow(lua_State *L)
{
	size_t	 len = fault_len;
	char	*p;

	if ((p = malloc(len)) == NULL)
		return luaL_error(L, "out of memory");
	memset(p, 'x', len);
	p[len] = 'x';			/* heap-buffer-overflow */
	lua_pushinteger(L, p[0]);
	free(p);
	return 1;
}

/* INT_MAX + 1. */
static int
fault_signed_overflow(lua_State *L)
{
	int	n = fault_int;

	n = n + 1;			/* signed integer overflow */
	lua_pushinteger(L, n);
	return 1;
}

static int
fault(lua_State *L)
{
	static const char *const kinds[] = {
		"heap-buffer-overflow", "signed-integer-overflow", NULL
	};

	switch (luaL_checkoption(L, 1, NULL, kinds)) {
	case 0:
		return fault_heap_overflow(L);
	default:
		return fault_signed_overflow(L);
	}
}

void
lua_fault_open(lua_State *L)
{
	lua_pushcfunction(L, fault);
	lua_setfield(L, -2, "_fault");
}
