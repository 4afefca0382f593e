/*
 * Lua 5.4 values <-> jansson, and the fcgiserve.json Lua table.
 *
 * Encoding (json_from_lua) runs on handler results in the request child and
 * must never raise: it reads tables with raw access only (lua_next,
 * lua_rawgeti; metamethods such as __index or __pairs are ignored), pushes
 * nothing that allocates, and reports the first problem as a message that
 * names where it is: "$" is the value itself, ".key" an object member and
 * "[i]" an array item, with i the 1-based Lua index the author wrote
 * (so the first item of a list is "$[1]").
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "json.h"

#define JSON_MAX_DEPTH	200		/* nested containers, both ways */
#define JSON_PATH_MAX	256		/* longer paths are cut, end in "..." */
#define JSON_ERR_MAX	(JSON_PATH_MAX + 128)

/* No JSON_ENSURE_ASCII: UTF-8 passes through byte for byte. */
#define JSON_ENCODE_FLAGS	(JSON_COMPACT | JSON_ENCODE_ANY)
/*
 * JSON_ALLOW_NUL keeps "\u0000" inside strings (Lua strings hold any
 * byte).  Integers beyond int64 are a decode error ("too big integer")
 * from jansson, never silently rounded to a float.
 */
#define JSON_DECODE_FLAGS	(JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* Frees what encode/decode hold if a Lua error unwinds past them. */
#define JSON_BOX_MT	"fcgiserve.json.box"

struct json_enc {
	lua_State	*L;
	int		 arraymt;	/* stack slot: array metatable or nil */
	int		 depth;		/* tables on the chain being visited */
	const void	*chain[JSON_MAX_DEPTH];	/* those tables, for cycles */
	char		 path[JSON_PATH_MAX];
	size_t		 pathlen;
	char		*err;
	size_t		 errlen;
};

struct json_box {
	json_t		*value;
	struct buf	 text;		/* encode's output */
};

static json_t	*enc_value(struct json_enc *, int);

void
json_push_null(lua_State *L)
{
	/* A NULL light userdata is one value everywhere, needs no registry. */
	lua_pushlightuserdata(L, NULL);
}

int
json_isnull(lua_State *L, int idx)
{
	return lua_type(L, idx) == LUA_TLIGHTUSERDATA &&
	    lua_touserdata(L, idx) == NULL;
}

void
json_mark_array(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	luaL_newmetatable(L, JSON_ARRAY_MT);
	lua_setmetatable(L, idx);
}

static void __attribute__((format(printf, 2, 3)))
enc_error(struct json_enc *e, const char *fmt, ...)
{
	char	 msg[128];
	va_list	 ap;

	if (e->err == NULL || e->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(e->err, e->errlen, "%s%s: %s", e->path,
	    e->pathlen == sizeof(e->path) - 1 ? "..." : "", msg);
}

/* Control bytes in keys would break the log line; show them as '?'. */
static void
enc_path_add(struct json_enc *e, const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < len && e->pathlen < sizeof(e->path) - 1; i++) {
		c = (unsigned char)s[i];
		e->path[e->pathlen++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	e->path[e->pathlen] = '\0';
}

static void
enc_path_cut(struct json_enc *e, size_t len)
{
	e->pathlen = len;
	e->path[len] = '\0';
}

static json_t *
enc_number(struct json_enc *e, int idx)
{
	lua_State	*L = e->L;
	json_t		*j;
	double		 d;

	if (lua_isinteger(L, idx))
		j = json_integer(lua_tointeger(L, idx));
	else {
		d = lua_tonumber(L, idx);
		if (isnan(d)) {
			enc_error(e, "NaN cannot be encoded");
			return NULL;
		}
		if (isinf(d)) {
			enc_error(e, "%s cannot be encoded",
			    d > 0 ? "inf" : "-inf");
			return NULL;
		}
		j = json_real(d);
	}
	if (j == NULL)
		enc_error(e, "out of memory");
	return j;
}

static int
enc_is_marked(struct json_enc *e, int t)
{
	int	 marked;

	if (!lua_getmetatable(e->L, t))
		return 0;
	marked = lua_rawequal(e->L, -1, e->arraymt);
	lua_pop(e->L, 1);
	return marked;
}

/*
 * One pass over the keys decides array or object before anything is
 * built; *np gets the array length.  Returns 1 array, 0 object, -1 error.
 * Keys are only type-tested: lua_tolstring on a number key would turn
 * it into a string in place and confuse lua_next.
 */
static int
enc_classify(struct json_enc *e, int t, int marked, lua_Integer *np)
{
	lua_State	*L = e->L;
	lua_Integer	 nint = 0, min = 0, max = 0, k, i;
	size_t		 nstr = 0;

	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) == LUA_TSTRING)
			nstr++;
		else if (lua_isinteger(L, -1)) {
			k = lua_tointeger(L, -1);
			if (nint == 0 || k < min)
				min = k;
			if (nint == 0 || k > max)
				max = k;
			nint++;
		} else {
			enc_error(e, "%s key cannot be encoded",
			    lua_type(L, -1) == LUA_TNUMBER ? "float" :
			    luaL_typename(L, -1));
			lua_pop(L, 1);
			return -1;
		}
	}
	if (marked && nstr > 0) {
		enc_error(e, "array has string key");
		return -1;
	}
	if (nstr > 0 && nint > 0) {
		enc_error(e, "mixed integer and string keys");
		return -1;
	}
	if (nint == 0)
		return marked;		/* only string keys, or empty */
	if (min < 1) {
		enc_error(e, "array key %lld out of range", (long long)min);
		return -1;
	}
	if (max != nint) {
		/* nint keys in 1..max, nint < max: one of 1..nint+1 is free */
		for (i = 1; i <= nint; i++) {
			lua_rawgeti(L, t, i);
			if (lua_isnil(L, -1))
				break;
			lua_pop(L, 1);
		}
		if (i <= nint)
			lua_pop(L, 1);
		enc_error(e, "sparse array (key %lld missing)", (long long)i);
		return -1;
	}
	*np = nint;
	return 1;
}

static json_t *
enc_array(struct json_enc *e, int t, lua_Integer n)
{
	lua_State	*L = e->L;
	json_t		*a, *v;
	lua_Integer	 i;
	size_t		 saved = e->pathlen;
	char		 num[32];

	if ((a = json_array()) == NULL) {
		enc_error(e, "out of memory");
		return NULL;
	}
	for (i = 1; i <= n; i++) {
		snprintf(num, sizeof(num), "[%lld]", (long long)i);
		enc_path_add(e, num, strlen(num));
		lua_rawgeti(L, t, i);
		v = enc_value(e, -1);
		lua_pop(L, 1);
		if (v == NULL)
			goto fail;
		if (json_array_append_new(a, v) == -1) {
			enc_error(e, "out of memory");
			goto fail;
		}
		enc_path_cut(e, saved);
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
enc_object(struct json_enc *e, int t)
{
	lua_State	*L = e->L;
	json_t		*o, *v;
	const char	*key;
	size_t		 keylen, saved = e->pathlen;

	if ((o = json_object()) == NULL) {
		enc_error(e, "out of memory");
		return NULL;
	}
	lua_pushnil(L);
	while (lua_next(L, t)) {
		key = lua_tolstring(L, -2, &keylen);	/* classified */
		enc_path_add(e, ".", 1);
		enc_path_add(e, key, keylen);
		v = enc_value(e, -1);
		lua_pop(L, 1);
		if (v == NULL)
			goto fail;
		enc_path_cut(e, saved);
		/* Steals v even on failure; fails for bad UTF-8 (or memory). */
		if (json_object_setn_new(o, key, keylen, v) == -1) {
			enc_error(e, "invalid UTF-8 in key");
			goto fail;
		}
	}
	return o;
fail:
	lua_pop(L, 1);			/* the key */
	json_decref(o);
	return NULL;
}

static json_t *
enc_table(struct json_enc *e, int t)
{
	lua_State	*L = e->L;
	const void	*p = lua_topointer(L, t);
	lua_Integer	 n = 0;
	json_t		*j;
	int		 i, isarray;

	/* Only an ancestor repeat is a cycle: siblings may share a table. */
	for (i = 0; i < e->depth; i++)
		if (e->chain[i] == p) {
			enc_error(e, "cycle");
			return NULL;
		}
	if (e->depth >= JSON_MAX_DEPTH) {
		enc_error(e, "nesting deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	/* key + value while iterating, metatable while classifying */
	if (!lua_checkstack(L, 4)) {
		enc_error(e, "Lua stack exhausted");
		return NULL;
	}
	isarray = enc_classify(e, t, enc_is_marked(e, t), &n);
	if (isarray == -1)
		return NULL;
	e->chain[e->depth++] = p;
	j = isarray ? enc_array(e, t, n) : enc_object(e, t);
	e->depth--;
	return j;
}

static json_t *
enc_value(struct json_enc *e, int idx)
{
	lua_State	*L = e->L;
	json_t		*j;
	const char	*s;
	size_t		 len;

	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:			/* only at the top: no nil in tables */
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER:
		return enc_number(e, idx);
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &len);
		/* NULL only for invalid UTF-8 (or no memory) */
		if ((j = json_stringn(s, len)) == NULL)
			enc_error(e, "invalid UTF-8 string");
		return j;
	case LUA_TTABLE:
		return enc_table(e, idx);
	case LUA_TLIGHTUSERDATA:
		if (json_isnull(L, idx))
			return json_null();
		break;
	}
	enc_error(e, "%s cannot be encoded", luaL_typename(L, idx));
	return NULL;
}

json_t *
json_from_lua(lua_State *L, int idx, char *err, size_t errlen)
{
	struct json_enc	 e;
	json_t		*j;
	int		 top;

	e.L = L;
	e.depth = 0;
	e.err = err;
	e.errlen = errlen;
	e.path[0] = '$';
	e.path[1] = '\0';
	e.pathlen = 1;
	idx = lua_absindex(L, idx);
	if (!lua_checkstack(L, 1)) {
		enc_error(&e, "Lua stack exhausted");
		return NULL;
	}
	top = lua_gettop(L);
	/* Looked up once; nil until json_mark_array first ran. */
	lua_getfield(L, LUA_REGISTRYINDEX, JSON_ARRAY_MT);
	e.arraymt = lua_gettop(L);
	j = enc_value(&e, idx);
	lua_settop(L, top);
	return j;
}

static void __attribute__((format(printf, 3, 4)))
dec_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Pushes exactly one value, or returns -1 leaving the caller to clean up. */
static int
dec_value(lua_State *L, json_t *j, int arraymt, int depth, char *err,
    size_t errlen)
{
	const char	*key;
	void		*it;
	size_t		 i, n;

	if ((json_is_array(j) || json_is_object(j)) &&
	    depth >= JSON_MAX_DEPTH) {
		dec_error(err, errlen, "JSON nesting deeper than %d levels",
		    JSON_MAX_DEPTH);
		return -1;
	}
	if (!lua_checkstack(L, 3)) {
		dec_error(err, errlen, "Lua stack exhausted");
		return -1;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		lua_createtable(L, 0, (int)json_object_size(j));
		for (it = json_object_iter(j); it != NULL;
		    it = json_object_iter_next(j, it)) {
			key = json_object_iter_key(it);
			lua_pushlstring(L, key, json_object_iter_key_len(it));
			if (dec_value(L, json_object_iter_value(it), arraymt,
			    depth + 1, err, errlen) == -1)
				return -1;
			lua_rawset(L, -3);
		}
		break;
	case JSON_ARRAY:
		n = json_array_size(j);
		lua_createtable(L, n > 0x7fffffff ? 0 : (int)n, 0);
		lua_pushvalue(L, arraymt);
		lua_setmetatable(L, -2);
		for (i = 0; i < n; i++) {
			if (dec_value(L, json_array_get(j, i), arraymt,
			    depth + 1, err, errlen) == -1)
				return -1;
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(j));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		lua_pushboolean(L, json_is_true(j));
		break;
	case JSON_NULL:
		json_push_null(L);
		break;
	}
	return 0;
}

int
json_to_lua(lua_State *L, json_t *j, char *err, size_t errlen)
{
	int	 top, arraymt;

	if (j == NULL) {
		dec_error(err, errlen, "no JSON value");
		return -1;
	}
	if (!lua_checkstack(L, 2)) {
		dec_error(err, errlen, "Lua stack exhausted");
		return -1;
	}
	top = lua_gettop(L);
	luaL_newmetatable(L, JSON_ARRAY_MT);
	arraymt = lua_gettop(L);
	if (dec_value(L, j, arraymt, 0, err, errlen) == -1) {
		lua_settop(L, top);
		return -1;
	}
	lua_remove(L, arraymt);
	return 0;
}

static void
json_box_clear(struct json_box *box)
{
	json_decref(box->value);
	box->value = NULL;
	buf_free(&box->text);
}

static int
json_box_gc(lua_State *L)
{
	json_box_clear(lua_touserdata(L, 1));
	return 0;
}

static struct json_box *
json_box_new(lua_State *L)
{
	struct json_box	*box;

	box = lua_newuserdatauv(L, sizeof(*box), 0);
	box->value = NULL;
	memset(&box->text, 0, sizeof(box->text));
	if (luaL_newmetatable(L, JSON_BOX_MT)) {
		lua_pushcfunction(L, json_box_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return box;
}

/*
 * jansson prints every real with one precision.  %.15g reads back exactly
 * for any decimal of up to 15 digits (what people write); a few doubles
 * need 16 or 17.  The document gets the largest any of its reals needs, so
 * everything round-trips and the common case prints short.
 */
static int
real_digits(double v)
{
	char	s[40];
	int	p;

	for (p = 15; p < 17; p++) {
		snprintf(s, sizeof(s), "%.*g", p, v);
		if (strtod(s, NULL) == v)
			return p;
	}
	return 17;
}

static int
tree_digits(json_t *j, int digits)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	switch (json_typeof(j)) {
	case JSON_REAL:
		if (digits < 17) {
			int d = real_digits(json_real_value(j));
			if (d > digits)
				digits = d;
		}
		break;
	case JSON_OBJECT:
		json_object_foreach(j, key, v)
			digits = tree_digits(v, digits);
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			digits = tree_digits(v, digits);
		break;
	default:
		break;
	}
	return digits;
}

/* jansson writes token by token: copy at once while there is room. */
static int
dump_to_buf(const char *data, size_t len, void *arg)
{
	struct buf	*b = arg;

	if (b->len + len >= b->cap)
		return buf_add(b, data, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
json_encode(json_t *j, struct buf *out)
{
	return json_dump_callback(j, dump_to_buf, out, JSON_ENCODE_FLAGS |
	    JSON_REAL_PRECISION(tree_digits(j, 15)));
}

static int
json_l_encode(lua_State *L)
{
	struct json_box	*box;
	char		 err[JSON_ERR_MAX];

	luaL_checkany(L, 1);
	lua_settop(L, 1);
	box = json_box_new(L);
	if ((box->value = json_from_lua(L, 1, err, sizeof(err))) == NULL)
		return luaL_error(L, "%s", err);
	if (json_encode(box->value, &box->text) == -1)
		return luaL_error(L, "out of memory");
	lua_pushlstring(L, box->text.data, box->text.len);
	json_box_clear(box);
	return 1;
}

static int
json_l_decode(lua_State *L)
{
	struct json_box	*box;
	json_error_t	 jerr;
	const char	*s;
	size_t		 len;
	char		 err[JSON_ERR_MAX];

	s = luaL_checklstring(L, 1, &len);
	lua_settop(L, 1);
	box = json_box_new(L);
	if ((box->value = json_loadb(s, len, JSON_DECODE_FLAGS, &jerr)) == NULL)
		return luaL_error(L, "invalid JSON: %s (line %d, column %d)",
		    jerr.text, jerr.line, jerr.column);
	if (json_to_lua(L, box->value, err, sizeof(err)) == -1)
		return luaL_error(L, "%s", err);
	json_box_clear(box);
	return 1;
}

/* array([t]): marks t, or a new empty table, and returns it. */
static int
json_l_array(lua_State *L)
{
	if (lua_isnoneornil(L, 1)) {
		lua_settop(L, 0);
		lua_newtable(L);
	} else {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_settop(L, 1);
	}
	json_mark_array(L, 1);
	return 1;
}

int
json_open(lua_State *L)
{
	static const luaL_Reg	 funcs[] = {
		{ "encode",	json_l_encode },
		{ "decode",	json_l_decode },
		{ "array",	json_l_array },
		{ "null",	NULL },
		{ NULL,		NULL }
	};

	luaL_newlib(L, funcs);
	json_push_null(L);
	lua_setfield(L, -2, "null");
	return 1;
}
