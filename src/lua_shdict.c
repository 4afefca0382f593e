/*
 * fcgiserve.shared: the pool's shared dictionaries in Lua (lua_shdict.h,
 * shdict.h).  Each is a userdata whose methods follow OpenResty's
 * ngx.shared.DICT: failures are returned (nil, "message"), never raised
 * from inside the store; a caller's mistake (a table as a key) raises,
 * as elsewhere in the module.  Values are copied out of the store while
 * it is locked and pushed to Lua after, so a Lua memory error never
 * leaves a dictionary locked.
 */
#include <errno.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "buf.h"
#include "lua_shdict.h"
#include "shdict.h"

#define SHDICT_MT	"fcgiserve.shared_dict"
#define KEYS_DEFAULT	1024

static struct shdict *
check_dict(lua_State *L)
{
	return *(struct shdict **)luaL_checkudata(L, 1, SHDICT_MT);
}

static const char *
check_key(lua_State *L, int idx, size_t *len)
{
	if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER)
		luaL_argerror(L, idx, "a string key expected");
	return lua_tolstring(L, idx, len);
}

/* seconds (a number >= 0, nil: 0) -> ms; a fraction of a ms is one. */
static int64_t
check_ttl(lua_State *L, int idx)
{
	lua_Number	s = luaL_optnumber(L, idx, 0);

	if (!(s >= 0) || s > 1e12)
		luaL_argerror(L, idx, "a time to live in seconds (>= 0) "
		    "expected");
	return s > 0 && s < 0.001 ? 1 : (int64_t)(s * 1000 + 0.5);
}

/* The Lua value at idx as a stored value: 1, or 0 when of no such type. */
static int
to_value(lua_State *L, int idx, struct shdict_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		v->type = SHDICT_STRING;
		v->s = lua_tolstring(L, idx, &v->len);
		return 1;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			v->type = SHDICT_INTEGER;
			v->i = lua_tointeger(L, idx);
		} else {
			v->type = SHDICT_NUMBER;
			v->d = lua_tonumber(L, idx);
		}
		return 1;
	case LUA_TBOOLEAN:
		v->type = SHDICT_BOOLEAN;
		v->i = lua_toboolean(L, idx);
		return 1;
	default:
		return 0;
	}
}

static void
push_value(lua_State *L, const struct shdict_value *v)
{
	switch (v->type) {
	case SHDICT_STRING:
		lua_pushlstring(L, v->s, v->len);
		break;
	case SHDICT_INTEGER:
		lua_pushinteger(L, v->i);
		break;
	case SHDICT_NUMBER:
		lua_pushnumber(L, v->d);
		break;
	case SHDICT_BOOLEAN:
		lua_pushboolean(L, v->i != 0);
		break;
	default:
		lua_pushnil(L);
	}
}

static const char *
error_text(int e)
{
	switch (e) {
	case EEXIST:	return "exists";
	case ENOENT:	return "not found";
	case E2BIG:	return "value too large";
	case EINVAL:	return "not a number";
	case ERANGE:	return "integer overflow";
	case ENOMEM:	return "no memory";
	default:	return strerror(e);
	}
}

static int
push_error(lua_State *L, int e)
{
	lua_pushnil(L);
	lua_pushstring(L, error_text(e));
	return 2;
}

static int
d_get(lua_State *L)
{
	struct shdict		*d = check_dict(L);
	struct shdict_value	 v;
	struct buf		 out = BUF_INIT;
	const char		*k;
	size_t			 klen;
	int			 r;

	k = check_key(L, 2, &klen);
	if ((r = shdict_get(d, k, klen, &v, &out)) == -1)
		return push_error(L, errno);
	/* A raise (no memory) would leak out: request memory, nothing else. */
	if (r == 0)
		lua_pushnil(L);
	else
		push_value(L, &v);
	buf_free(&out);
	return 1;
}

/* set, add, replace: true, nil, forcible | nil, err, forcible */
static int
store(lua_State *L, enum shdict_mode mode)
{
	struct shdict		*d = check_dict(L);
	struct shdict_value	 v;
	const char		*k;
	size_t			 klen;
	int64_t			 ttl;
	int			 forcible = 0;

	k = check_key(L, 2, &klen);
	ttl = check_ttl(L, 4);
	if (klen == 0) {
		lua_pushnil(L);
		lua_pushliteral(L, "empty key");
		return 2;
	}
	if (lua_isnoneornil(L, 3) && mode == SHDICT_SET) {
		(void)shdict_delete(d, k, klen);	/* set(k, nil) */
		lua_pushboolean(L, 1);
		lua_pushnil(L);
		lua_pushboolean(L, 0);
		return 3;
	}
	if (!to_value(L, 3, &v))
		return luaL_argerror(L, 3, "a string, number or boolean "
		    "expected");
	if (shdict_set(d, k, klen, &v, ttl, mode, &forcible) == -1) {
		push_error(L, errno);
		lua_pushboolean(L, forcible);
		return 3;
	}
	lua_pushboolean(L, 1);
	lua_pushnil(L);
	lua_pushboolean(L, forcible);
	return 3;
}

static int
d_set(lua_State *L)
{
	return store(L, SHDICT_SET);
}

static int
d_add(lua_State *L)
{
	return store(L, SHDICT_ADD);
}

static int
d_replace(lua_State *L)
{
	return store(L, SHDICT_REPLACE);
}

/* incr(k, n [, init [, init_ttl]]): the new value | nil, err */
static int
d_incr(lua_State *L)
{
	struct shdict		*d = check_dict(L);
	struct shdict_value	 by, init, v;
	const char		*k;
	size_t			 klen;
	int64_t			 ttl;
	int			 forcible;

	k = check_key(L, 2, &klen);
	luaL_checknumber(L, 3);
	(void)to_value(L, 3, &by);
	if (!lua_isnoneornil(L, 4)) {
		luaL_checknumber(L, 4);
		(void)to_value(L, 4, &init);
	}
	ttl = check_ttl(L, 5);
	if (klen == 0)
		return push_error(L, EINVAL);
	if (shdict_incr(d, k, klen, &by, lua_isnoneornil(L, 4) ? NULL :
	    &init, ttl, &v, &forcible) == -1)
		return push_error(L, errno);
	push_value(L, &v);
	lua_pushnil(L);
	lua_pushboolean(L, forcible);
	return 3;
}

static int
d_delete(lua_State *L)
{
	struct shdict	*d = check_dict(L);
	const char	*k;
	size_t		 klen;

	k = check_key(L, 2, &klen);
	(void)shdict_delete(d, k, klen);
	lua_pushboolean(L, 1);
	return 1;
}

static int
d_ttl(lua_State *L)
{
	struct shdict	*d = check_dict(L);
	const char	*k;
	size_t		 klen;
	int64_t		 ms;

	k = check_key(L, 2, &klen);
	if (!shdict_ttl(d, k, klen, &ms))
		return push_error(L, ENOENT);
	lua_pushnumber(L, (lua_Number)ms / 1000);
	return 1;
}

static int
d_expire(lua_State *L)
{
	struct shdict	*d = check_dict(L);
	const char	*k;
	size_t		 klen;
	int64_t		 ttl;

	k = check_key(L, 2, &klen);
	ttl = check_ttl(L, 3);
	if (!shdict_expire(d, k, klen, ttl))
		return push_error(L, ENOENT);
	lua_pushboolean(L, 1);
	return 1;
}

static int
d_keys(lua_State *L)
{
	struct shdict	*d = check_dict(L);
	lua_Integer	 max = luaL_optinteger(L, 2, KEYS_DEFAULT);
	struct buf	 out = BUF_INIT;
	uint32_t	 len;
	size_t		 at = 0;
	long		 n, i;

	if (max < 0)
		return luaL_argerror(L, 2, "a count >= 0 expected");
	if ((n = shdict_keys(d, (size_t)max, &out)) == -1)
		return push_error(L, errno);
	lua_createtable(L, (int)n, 0);	/* may raise: out leaks, nothing
					   else (a request's memory) */
	for (i = 1; i <= n; i++) {
		memcpy(&len, out.data + at, 4);
		lua_pushlstring(L, out.data + at + 4, len);
		lua_rawseti(L, -2, i);
		at += 4 + len;
	}
	buf_free(&out);
	return 1;
}

static int
d_flush_all(lua_State *L)
{
	shdict_flush_all(check_dict(L));
	return 0;
}

static int
d_capacity(lua_State *L)
{
	struct shdict_stats	st;

	shdict_stats(check_dict(L), &st);
	lua_pushinteger(L, (lua_Integer)st.capacity);
	return 1;
}

static int
d_free_space(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)shdict_free_space(check_dict(L)));
	return 1;
}

static void
add_dict(struct shdict *d, void *arg)
{
	lua_State	*L = arg;

	*(struct shdict **)lua_newuserdatauv(L, sizeof(d), 0) = d;
	luaL_setmetatable(L, SHDICT_MT);
	lua_setfield(L, -2, shdict_name(d));
}

void
lua_shdict_open(lua_State *L)
{
	static const luaL_Reg	methods[] = {
		{ "get",	d_get },
		{ "set",	d_set },
		{ "add",	d_add },
		{ "replace",	d_replace },
		{ "incr",	d_incr },
		{ "delete",	d_delete },
		{ "ttl",	d_ttl },
		{ "expire",	d_expire },
		{ "keys",	d_keys },
		{ "flush_all",	d_flush_all },
		{ "capacity",	d_capacity },
		{ "free_space",	d_free_space },
		{ NULL,		NULL }
	};

	luaL_newmetatable(L, SHDICT_MT);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
	lua_newtable(L);
	shdict_each(add_dict, L);
}
