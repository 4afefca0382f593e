/*
 * Building the Lua req table from a request's CGI params and what
 * cgi_derive gave it (request id, path, query string): how the query
 * string and headers are decoded.  Runs in the request child only.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cgi.h"
#include "lua_req.h"
#include "request.h"

/*
 * Adds name -> value to the table at t, with name and value on the top
 * of the stack (popped).  A repeated name turns the value into an array
 * of strings in order of appearance.
 */
static void
query_add(lua_State *L, int t)
{
	lua_Integer	 n;

	lua_pushvalue(L, -2);
	switch (lua_rawget(L, t)) {
	case LUA_TNIL:				/* name value nil */
		lua_pop(L, 1);
		lua_rawset(L, t);
		break;
	case LUA_TSTRING:			/* name value old */
		lua_createtable(L, 2, 0);
		lua_insert(L, -2);
		lua_rawseti(L, -2, 1);
		lua_insert(L, -2);		/* name array value */
		lua_rawseti(L, -2, 2);
		lua_rawset(L, t);
		break;
	default:				/* name value array */
		lua_insert(L, -2);
		n = (lua_Integer)lua_rawlen(L, -2);
		lua_rawseti(L, -2, n + 1);
		lua_pop(L, 2);
		break;
	}
}

/* req.query: the raw query string (cgi_derive) decoded into a table. */
static void
push_query(lua_State *L, const char *qs)
{
	const char	*p, *end, *eq;
	char		*scratch;
	size_t		 n;
	int		 t;

	lua_newtable(L);
	t = lua_gettop(L);
	if (*qs == '\0')
		return;
	/* Collected with the state, so an error cannot leak it. */
	scratch = lua_newuserdatauv(L, strlen(qs) + 1, 0);
	for (p = qs; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if (end == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			eq = end;
		n = cgi_urldecode(scratch, p, (size_t)(eq - p), 1);
		lua_pushlstring(L, scratch, n);
		n = eq == end ? 0 :
		    cgi_urldecode(scratch, eq + 1, (size_t)(end - eq - 1), 1);
		lua_pushlstring(L, scratch, n);
		query_add(L, t);
	}
	lua_pop(L, 1);
}

/* req.headers and req.env, both from the params; a name sent twice has
   its last value, as request_param. */
static void
push_headers_env(lua_State *L, const struct request *r)
{
	const struct request_param	*p;
	luaL_Buffer			 b;
	const char			*s;
	size_t				 i;
	int				 h, e;

	lua_newtable(L);
	h = lua_gettop(L);
	lua_newtable(L);
	e = lua_gettop(L);
	for (i = 0; i < r->nparams; i++) {
		p = &r->params[i];
		lua_pushstring(L, p->name);
		lua_pushlstring(L, p->value, p->value_len);
		lua_rawset(L, e);

		if (strncmp(p->name, "HTTP_", 5) == 0 && p->name[5] != '\0')
			s = p->name + 5;
		else if (strcmp(p->name, "CONTENT_TYPE") == 0 ||
		    strcmp(p->name, "CONTENT_LENGTH") == 0)
			s = p->name;
		else
			continue;
		luaL_buffinit(L, &b);
		for (; *s != '\0'; s++)
			luaL_addchar(&b, *s == '_' ? '-' :
			    (char)tolower((unsigned char)*s));
		luaL_pushresult(&b);
		lua_pushlstring(L, p->value, p->value_len);
		lua_rawset(L, h);
	}
}

void
lua_req_push(lua_State *L, const struct request *r)
{
	const char	*s;

	lua_createtable(L, 0, 10);
	s = request_param(r, "REQUEST_METHOD");
	lua_pushstring(L, s != NULL && *s != '\0' ? s : "GET");
	lua_setfield(L, -2, "method");
	lua_pushlstring(L, r->path, r->path_len);
	lua_setfield(L, -2, "path");
	push_query(L, r->query);
	lua_setfield(L, -2, "query");
	push_headers_env(L, r);
	lua_setfield(L, -3, "env");
	lua_setfield(L, -2, "headers");
	if (r->body_len > 0) {
		lua_pushlstring(L, r->body, r->body_len);
		lua_setfield(L, -2, "body");
	}
	lua_newtable(L);
	lua_setfield(L, -2, "params");
	lua_pushstring(L, r->rid);
	lua_setfield(L, -2, "request_id");
	lua_pushstring(L, request_param(r, "REMOTE_ADDR"));
	lua_setfield(L, -2, "remote_addr");
	luaL_setmetatable(L, REQ_MT);
}

