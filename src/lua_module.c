/*
 * The fcgiserve Lua module (lua_module.h): the functions an app calls,
 * fcgiserve.abort, .response, .log, with .json (json.c), .http
 * (lua_http.c) and .router (router.c) attached; req.json decoded on first use; os.exit made safe
 * for a child.  Everything here runs inside the interpreter's lua_pcall,
 * so raising is how it reports a caller's mistake.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "buf.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#ifdef FCGISERVE_SANITIZERS
#include "lua_fault.h"
#endif
#include "lua_http.h"
#include "lua_module.h"
#include "lua_req.h"
#include "lua_sandbox.h"
#include "lua_shdict.h"
#include "response.h"
#include "router.h"

#define ABORT_MT	"fcgiserve.abort"	/* error value of abort() */
#define RESPONSE_MT	"fcgiserve.response"	/* result of response{} */
#define STREAM_MT	"fcgiserve.stream"	/* result of stream{} */
#define AFTER_KEY	"fcgiserve.after"	/* registry: after()'s list */
#define EVERY_KEY	"fcgiserve.every"	/* registry: every()'s jobs */
#define EVERY_MAX	16			/* as the statistics hold */

#define REQ_JSON_FLAGS	(JSON_DECODE_ANY | JSON_ALLOW_NUL)	/* as json.c */
#define RAW_CTYPE	"text/plain; charset=utf-8"

static const char *const log_levels[] = {	/* order of enum log_level */
	"error", "warn", "info", "debug", NULL
};

static int
has_metatable(lua_State *L, int idx, const char *name)
{
	int	 same;

	if (!lua_getmetatable(L, idx))
		return 0;
	luaL_getmetatable(L, name);
	same = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return same;
}

/*
 * Raises the abort value {status=, message=, headers=}.  headers is a
 * stack index of a table, or 0.
 */
static int
raise_abort(lua_State *L, int status, const char *message, int headers)
{
	lua_createtable(L, 0, 3);
	lua_pushinteger(L, status);
	lua_setfield(L, -2, "status");
	lua_pushstring(L, message);
	lua_setfield(L, -2, "message");
	if (headers != 0) {
		lua_pushvalue(L, headers);
		lua_setfield(L, -2, "headers");
	}
	luaL_setmetatable(L, ABORT_MT);
	return lua_error(L);
}

/* fcgiserve.abort(status[, message[, headers]]) */
static int
mod_abort(lua_State *L)
{
	lua_Integer	 status;
	const char	*reason;
	char		 msg[64];
	size_t		 i;
	int		 isnum;

	status = lua_tointegerx(L, 1, &isnum);
	if (lua_type(L, 1) != LUA_TNUMBER || !isnum ||
	    status < 400 || status > 599)
		return luaL_argerror(L, 1, "status must be 400 to 599");
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TTABLE);
	if (lua_isnoneornil(L, 2)) {
		/* "Not Found" -> "not found", like the router's own errors */
		reason = response_reason((int)status);
		for (i = 0; reason[i] != '\0' && i < sizeof(msg) - 1; i++)
			msg[i] = (char)tolower((unsigned char)reason[i]);
		msg[i] = '\0';
		return raise_abort(L, (int)status, msg,
		    lua_isnoneornil(L, 3) ? 0 : 3);
	}
	return raise_abort(L, (int)status, luaL_checkstring(L, 2),
	    lua_isnoneornil(L, 3) ? 0 : 3);
}

static int
abort_tostring(lua_State *L)
{
	lua_getfield(L, 1, "status");
	lua_getfield(L, 1, "message");
	lua_pushfstring(L, "fcgiserve.abort(%s): %s", lua_tostring(L, -2),
	    lua_tostring(L, -1));
	return 1;
}

/*
 * Copies t[key] to the result table at -1 after checking its type;
 * absent fields take def (when def is not NULL).
 */
static void
response_field(lua_State *L, const char *key, int type, const char *def)
{
	int	 t;

	t = lua_getfield(L, 1, key);
	if (t == LUA_TNIL && def != NULL) {
		lua_pop(L, 1);
		lua_pushstring(L, def);
	} else if (t != LUA_TNIL && t != type)
		luaL_error(L, "fcgiserve.response: %s must be a %s, not %s",
		    key, lua_typename(L, type), lua_typename(L, t));
	lua_setfield(L, -2, key);
}

/*
 * The table argument's status (200 when absent), checked: from 200 to
 * 599; no 204 or 304 unless a body may be empty (bodyless).  Leaves the
 * table alone at 1.
 */
static lua_Integer
table_status(lua_State *L, const char *fn, int bodyless)
{
	lua_Integer	 status = 200;
	int		 isnum;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (lua_getfield(L, 1, "status") != LUA_TNIL) {
		status = lua_tointegerx(L, 2, &isnum);
		if (lua_type(L, 2) != LUA_TNUMBER || !isnum ||
		    !response_status_valid(status) || (!bodyless &&
		    (status == 204 || status == 304)))
			return luaL_error(L, "%s: status must be an integer "
			    "from 200 to 599%s", fn, bodyless ? "" :
			    " (not 204, 304)");
	}
	lua_pop(L, 1);
	return status;
}

/*
 * fcgiserve.response{status=, headers=, body=, content_type=}: a raw body.
 * Checked here, so a mistake raises at the author's line.
 */
static int
mod_response(lua_State *L)
{
	lua_Integer	 status = table_status(L, "fcgiserve.response", 1);

	lua_createtable(L, 0, 4);
	lua_pushinteger(L, status);
	lua_setfield(L, -2, "status");
	response_field(L, "body", LUA_TSTRING, "");
	response_field(L, "content_type", LUA_TSTRING, RAW_CTYPE);
	response_field(L, "headers", LUA_TTABLE, NULL);
	luaL_setmetatable(L, RESPONSE_MT);
	return 1;
}

/*
 * fcgiserve.stream{status=, headers=, content_type=, body=function(write)}:
 * a response sent as the body function writes it.
 */
static int
mod_stream(lua_State *L)
{
	lua_Integer	 status = table_status(L, "fcgiserve.stream", 0);

	if (lua_getfield(L, 1, "body") != LUA_TFUNCTION)
		return luaL_error(L, "fcgiserve.stream: body must be a "
		    "function(write)");
	lua_pop(L, 1);
	lua_createtable(L, 0, 6);
	lua_pushinteger(L, status);
	lua_setfield(L, -2, "status");
	response_field(L, "body", LUA_TFUNCTION, NULL);
	response_field(L, "content_type", LUA_TSTRING, RAW_CTYPE);
	response_field(L, "headers", LUA_TTABLE, NULL);
	lua_getfield(L, 1, "sse");
	lua_setfield(L, -2, "sse");
	luaL_setmetatable(L, STREAM_MT);
	return 1;
}

/*
 * fcgiserve.every(interval, fn [, {name=, timeout=}]), while the app
 * loads: fn runs every interval ("30s", or seconds), once per pool.
 */
static int
mod_every(lua_State *L)
{
	const struct request	**current = lua_touserdata(L,
				    lua_upvalueindex(1));
	uint64_t		  ms, timeout = 0;
	lua_Integer		  n;
	char			  name[48];

	if (*current != NULL)
		return luaL_error(L, "fcgiserve.every: only while the app "
		    "loads");
	if (lua_type(L, 1) == LUA_TSTRING) {
		if (conf_parse_duration(lua_tostring(L, 1), &ms) == -1)
			return luaL_argerror(L, 1, "a duration (30s, 500ms, "
			    "2m) expected");
	} else
		ms = (uint64_t)(luaL_checknumber(L, 1) * 1000);
	if (ms < 100 || ms > 7ULL * 24 * 3600 * 1000)
		return luaL_argerror(L, 1, "from 100ms to 7 days");
	luaL_checktype(L, 2, LUA_TFUNCTION);
	if (lua_getfield(L, LUA_REGISTRYINDEX, EVERY_KEY) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, EVERY_KEY);
	}
	n = (lua_Integer)lua_rawlen(L, -1) + 1;
	if (n > EVERY_MAX)
		return luaL_error(L, "fcgiserve.every: at most %d jobs",
		    EVERY_MAX);
	snprintf(name, sizeof(name), "job%lld", (long long)n);
	if (lua_istable(L, 3)) {
		if (lua_getfield(L, 3, "name") == LUA_TSTRING)
			snprintf(name, sizeof(name), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		if (lua_getfield(L, 3, "timeout") == LUA_TSTRING &&
		    conf_parse_duration(lua_tostring(L, -1), &timeout) == -1)
			return luaL_error(L, "fcgiserve.every: a timeout "
			    "duration expected");
		lua_pop(L, 1);
	}
	lua_createtable(L, 0, 4);
	lua_pushstring(L, name);
	lua_setfield(L, -2, "name");
	lua_pushinteger(L, (lua_Integer)ms);
	lua_setfield(L, -2, "ms");
	lua_pushinteger(L, (lua_Integer)timeout);
	lua_setfield(L, -2, "timeout");
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "fn");
	lua_rawseti(L, -2, n);
	return 0;
}

/* fcgiserve.after(fn): fn runs once the answer is out (lua_app.c). */
static int
mod_after(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	if (lua_getfield(L, LUA_REGISTRYINDEX, AFTER_KEY) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, AFTER_KEY);
	}
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

/*
 * fcgiserve.sse(fn [, {status=, headers=}]): a stream of Server-Sent
 * Events; fn(send) calls send{event=, id=, data=, retry=} (or send(data))
 * for each.  Written in Lua: it is formatting, over stream{}.
 */
static const char sse_source[] =
    "local stream, encode = ...\n"
    "local function field(name, v)\n"
    "  v = tostring(v)\n"
    "  if v:find('[\\r\\n%z]') then\n"
    "    error('fcgiserve.sse: a line break in ' .. name, 3)\n"
    "  end\n"
    "  return v\n"
    "end\n"
    "return function(fn, opts)\n"
    "  if type(fn) ~= 'function' then\n"
    "    error('fcgiserve.sse: a function(send) expected', 2)\n"
    "  end\n"
    "  opts = opts or {}\n"
    "  local headers = { ['Cache-Control'] = 'no-cache' }\n"
    "  for k, v in pairs(opts.headers or {}) do headers[k] = v end\n"
    "  return stream{ status = opts.status, headers = headers,\n"
    "    content_type = 'text/event-stream', sse = true,\n"
    "    body = function(write)\n"
    "      return fn(function(ev)\n"
    "        if type(ev) ~= 'table' then ev = { data = ev } end\n"
    "        local t = {}\n"
    "        if ev.comment ~= nil then\n"
    "          t[#t + 1] = ': ' .. field('comment', ev.comment) .. '\\n'\n"
    "        end\n"
    "        if ev.event ~= nil then\n"
    "          t[#t + 1] = 'event: ' .. field('event', ev.event) .. '\\n'\n"
    "        end\n"
    "        if ev.id ~= nil then\n"
    "          t[#t + 1] = 'id: ' .. field('id', ev.id) .. '\\n'\n"
    "        end\n"
    "        if ev.retry ~= nil then\n"
    "          local r = math.tointeger(ev.retry)\n"
    "          if not r or r < 0 then\n"
    "            error('fcgiserve.sse: retry must be milliseconds', 2)\n"
    "          end\n"
    "          t[#t + 1] = 'retry: ' .. r .. '\\n'\n"
    "        end\n"
    "        local data = ev.data\n"
    "        if data ~= nil and type(data) ~= 'string' then\n"
    "          data = encode(data)\n"
    "        end\n"
    "        if data ~= nil then\n"
    "          data = (data:gsub('\\r\\n', '\\n'):gsub('\\r', '\\n'))\n"
    "          for line in (data .. '\\n'):gmatch('(.-)\\n') do\n"
    "            t[#t + 1] = 'data: ' .. line .. '\\n'\n"
    "          end\n"
    "        end\n"
    "        t[#t + 1] = '\\n'\n"
    "        return write(table.concat(t))\n"
    "      end)\n"
    "    end }\n"
    "end\n";

/* fcgiserve.sse, made from sse_source with stream{} and json.encode. */
static void
sse_open(lua_State *L)
{
	if (luaL_loadbuffer(L, sse_source, sizeof(sse_source) - 1,
	    "=fcgiserve.sse") != LUA_OK)
		lua_error(L);
	lua_getfield(L, -2, "stream");
	lua_getfield(L, -3, "json");
	lua_getfield(L, -1, "encode");
	lua_remove(L, -2);
	lua_call(L, 2, 1);
	lua_setfield(L, -2, "sse");
}

/* fcgiserve.log(level, message) */
static int
mod_log(lua_State *L)
{
	const struct request	**cur = lua_touserdata(L, lua_upvalueindex(1));
	const char		 *msg;
	struct buf		  fields = BUF_INIT;
	json_t			 *j;
	char			  err[256];
	int			  level, has_fields;

	level = luaL_checkoption(L, 1, NULL, log_levels);
	luaL_checkany(L, 2);
	has_fields = !lua_isnoneornil(L, 3);
	if (has_fields)
		luaL_checktype(L, 3, LUA_TTABLE);
	if (!log_enabled((enum log_level)level))
		return 0;
	/* First, so nothing allocated is lost if a __tostring raises. */
	msg = luaL_tolstring(L, 2, NULL);
	/* Fields as a JSON object: the "fields" of a JSON log line. */
	if (has_fields) {
		if ((j = json_from_lua(L, 3, err, sizeof(err))) == NULL)
			return luaL_error(L, "fcgiserve.log fields: %s", err);
		if (json_is_array(j) && json_array_size(j) == 0) {
			json_decref(j);		/* {}: no fields */
			j = json_object();
		}
		if (j == NULL || !json_is_object(j)) {
			json_decref(j);
			return luaL_argerror(L, 3, "fields must be a table "
			    "with string keys");
		}
		if (json_encode(j, &fields) == -1) {
			json_decref(j);
			buf_free(&fields);
			return luaL_error(L, "out of memory");
		}
		json_decref(j);
	}
	log_fields((enum log_level)level, *cur != NULL ? (*cur)->rid : NULL,
	    fields.data, "%s", msg);
	buf_free(&fields);
	return 0;
}

/*
 * req.json, decoded on first use so a handler that never looks at the
 * body never pays for it (or fails on it).
 */
static int
req_index(lua_State *L)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*body;
	size_t		 len;
	char		 err[256];
	int		 rc;

	if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2),
	    "json") != 0)
		return 0;
	lua_pushliteral(L, "body");
	if (lua_rawget(L, 1) != LUA_TSTRING)
		return 0;
	body = lua_tolstring(L, -1, &len);
	if (len == 0)
		return 0;
	if ((j = json_loadb(body, len, REQ_JSON_FLAGS, &jerr)) == NULL) {
		lua_pushfstring(L, "invalid JSON body: %s", jerr.text);
		return raise_abort(L, 400, lua_tostring(L, -1), 0);
	}
	rc = json_to_lua(L, j, err, sizeof(err));
	json_decref(j);
	if (rc == -1) {
		lua_pushfstring(L, "invalid JSON body: %s", err);
		return raise_abort(L, 400, lua_tostring(L, -1), 0);
	}
	lua_pushliteral(L, "json");
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/*
 * os.exit, but with _exit(2): a child must not run the worker's atexit
 * handlers or flush its inherited stdio buffers a second time.  Lua's own
 * buffered output is flushed first.
 */
static int
os_exit_now(lua_State *L)
{
	int	status;

	if (lua_isboolean(L, 1))
		status = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
	else
		status = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
	fflush(NULL);
	_exit(status);
}

/*
 * The fcgiserve module: global, and package.loaded.fcgiserve so that
 * require "fcgiserve" works too.  The router comes last because it looks
 * up fcgiserve.abort in package.loaded.
 */
void
lua_module_open(lua_State *L, const struct request **current)
{
	static const luaL_Reg	 funcs[] = {
		{ "abort",	mod_abort },
		{ "response",	mod_response },
		{ "stream",	mod_stream },
		{ "after",	mod_after },
		{ "every",	mod_every },
		{ "log",	mod_log },
		{ NULL,		NULL }
	};

	luaL_newmetatable(L, ABORT_MT);
	lua_pushcfunction(L, abort_tostring);
	lua_setfield(L, -2, "__tostring");
	luaL_newmetatable(L, RESPONSE_MT);
	luaL_newmetatable(L, STREAM_MT);
	lua_pop(L, 1);
	luaL_newmetatable(L, REQ_MT);
	lua_pushcfunction(L, req_index);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 3);

	lua_createtable(L, 0, 5);
	lua_pushlightuserdata(L, current);
	luaL_setfuncs(L, funcs, 1);
#ifdef FCGISERVE_SANITIZERS
	lua_fault_open(L);	/* test-only fcgiserve._fault */
#endif
	json_open(L);
	lua_setfield(L, -2, "json");
	lua_shdict_open(L);
	lua_setfield(L, -2, "shared");
	sse_open(L);
	lua_http_open(L, current);
	lua_setfield(L, -2, "http");
	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "fcgiserve");
	lua_pop(L, 1);
	router_open(L);
	lua_setfield(L, -2, "router");
	lua_setglobal(L, "fcgiserve");

	lua_getglobal(L, "os");
	lua_pushcfunction(L, os_exit_now);
	lua_setfield(L, -2, "exit");
	lua_pop(L, 1);
	lua_sandbox_open(L, current);
}

int
lua_module_is_stream(lua_State *L, int idx)
{
	return has_metatable(L, idx, STREAM_MT);
}

int
lua_module_every(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, EVERY_KEY) == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	return 0;
}

int
lua_module_after(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, AFTER_KEY) == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	return 0;
}

int
lua_module_is_abort(lua_State *L, int idx)
{
	return has_metatable(L, idx, ABORT_MT);
}

int
lua_module_is_response(lua_State *L, int idx)
{
	return has_metatable(L, idx, RESPONSE_MT);
}
