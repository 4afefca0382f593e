/*
 * fcgiserve.router(): the path router.  It is written in Lua, because it
 * is mostly string handling and table walking, and compiled once per
 * state by router_open.
 *
 *   local app = fcgiserve.router()
 *   app:get("/hello/:name", fn)       also post, put, patch, delete
 *   app:route("OPTIONS", "/x", fn)    any method
 *   return app                        the router is callable: app(req)
 *
 * Patterns are split on "/" and compared segment by segment:
 *   "text"   matches exactly that segment;
 *   ":name"  matches any non-empty segment and stores it in req.params.name;
 *   "*name"  only as the last segment: matches the rest of the path (one or
 *            more segments, e.g. "a/b/c") and stores it in req.params.name.
 * One trailing slash is ignored on both sides ("/a/" is "/a"), except that
 * "/" stays "/".  Routes are tried in registration order and the first
 * route whose pattern and method match wins.  HEAD falls back to the first
 * matching GET route when no HEAD route matches.  No pattern matches ->
 * fcgiserve.abort(404, "not found"); a pattern matches but not the method
 * -> 405 "method not allowed" with "Allow: GET, HEAD, POST" (sorted, HEAD
 * added when GET is there).
 *
 * The router raises 404/405 through fcgiserve.abort, which router_open
 * takes from package.loaded.fcgiserve: the caller installs the module's
 * C functions there first (lua_module.c does).
 */
#include <lauxlib.h>
#include <lua.h>

#include "router.h"

static const char router_lua[] =
"local abort = ...\n"
"local type, error, ipairs, pairs = type, error, ipairs, pairs\n"
"local setmetatable, getmetatable = setmetatable, getmetatable\n"
"local sub, find, upper = string.sub, string.find, string.upper\n"
"local concat, sort = table.concat, table.sort\n"
"\n"
"local Router = {}\n"
"Router.__index = Router\n"
"\n"
"-- \"/a/b/\" -> { \"a\", \"b\" }; \"/\" and \"\" -> {}.  Empty inner\n"
"-- segments are kept, so \"/a//b\" is { \"a\", \"\", \"b\" }.\n"
"local function split(path)\n"
"  local segs = {}\n"
"  if #path > 1 and sub(path, -1) == \"/\" then path = sub(path, 1, -2) end\n"
"  if sub(path, 1, 1) == \"/\" then path = sub(path, 2) end\n"
"  if path == \"\" then return segs end\n"
"  local start = 1\n"
"  while true do\n"
"    local slash = find(path, \"/\", start, true)\n"
"    if not slash then\n"
"      segs[#segs + 1] = sub(path, start)\n"
"      return segs\n"
"    end\n"
"    segs[#segs + 1] = sub(path, start, slash - 1)\n"
"    start = slash + 1\n"
"  end\n"
"end\n"
"\n"
"local function compile(pattern)\n"
"  if type(pattern) ~= \"string\" or sub(pattern, 1, 1) ~= \"/\" then\n"
"    return nil, \"pattern must be a string starting with '/'\"\n"
"  end\n"
"  local segs, seen = split(pattern), {}\n"
"  for i, s in ipairs(segs) do\n"
"    local c = sub(s, 1, 1)\n"
"    if c == \":\" or c == \"*\" then\n"
"      local name = sub(s, 2)\n"
"      if name == \"\" then\n"
"        return nil, \"empty capture name in \" .. pattern\n"
"      end\n"
"      if seen[name] then\n"
"        return nil, \"capture '\" .. name .. \"' used twice in \" .. pattern\n"
"      end\n"
"      if c == \"*\" and i ~= #segs then\n"
"        return nil, \"'*\" .. name .. \"' must be the last segment of \" .. pattern\n"
"      end\n"
"      seen[name] = true\n"
"      segs[i] = { name = name, rest = (c == \"*\") }\n"
"    else\n"
"      segs[i] = { text = s }\n"
"    end\n"
"  end\n"
"  return segs\n"
"end\n"
"\n"
"-- The captures when segs matches the compiled pattern, else nil.\n"
"local function match(pat, segs)\n"
"  local params = {}\n"
"  for i, p in ipairs(pat) do\n"
"    local s = segs[i]\n"
"    if s == nil then return nil end\n"
"    if p.rest then\n"
"      local rest = concat(segs, \"/\", i)\n"
"      if rest == \"\" then return nil end\n"
"      params[p.name] = rest\n"
"      return params\n"
"    elseif p.name then\n"
"      if s == \"\" then return nil end\n"
"      params[p.name] = s\n"
"    elseif p.text ~= s then\n"
"      return nil\n"
"    end\n"
"  end\n"
"  if #segs ~= #pat then return nil end\n"
"  return params\n"
"end\n"
"\n"
"-- Level 3 blames the app's line: add <- get/route <- app code.\n"
"local function add(self, method, pattern, fn)\n"
"  if getmetatable(self) ~= Router then\n"
"    error(\"call router methods with ':' (app:get(...), not app.get(...))\", 3)\n"
"  end\n"
"  if type(method) ~= \"string\" or method == \"\" then\n"
"    error(\"method must be a non-empty string\", 3)\n"
"  end\n"
"  local segs, err = compile(pattern)\n"
"  if not segs then error(err, 3) end\n"
"  if type(fn) ~= \"function\" then\n"
"    error(\"handler for \" .. pattern .. \" must be a function\", 3)\n"
"  end\n"
"  local routes = self.routes\n"
"  routes[#routes + 1] = { method = upper(method), segs = segs, fn = fn }\n"
"end\n"
"\n"
"function Router.route(self, method, pattern, fn)\n"
"  add(self, method, pattern, fn)\n"
"  return self\n"
"end\n"
"function Router.get(self, pattern, fn)\n"
"  add(self, \"GET\", pattern, fn)\n"
"  return self\n"
"end\n"
"function Router.post(self, pattern, fn)\n"
"  add(self, \"POST\", pattern, fn)\n"
"  return self\n"
"end\n"
"function Router.put(self, pattern, fn)\n"
"  add(self, \"PUT\", pattern, fn)\n"
"  return self\n"
"end\n"
"function Router.patch(self, pattern, fn)\n"
"  add(self, \"PATCH\", pattern, fn)\n"
"  return self\n"
"end\n"
"function Router.delete(self, pattern, fn)\n"
"  add(self, \"DELETE\", pattern, fn)\n"
"  return self\n"
"end\n"
"\n"
"function Router.__call(self, req)\n"
"  local segs, method = split(req.path), req.method\n"
"  local allowed, head\n"
"  for _, r in ipairs(self.routes) do\n"
"    local params = match(r.segs, segs)\n"
"    if params then\n"
"      if r.method == method then\n"
"        req.params = params\n"
"        return r.fn(req)\n"
"      end\n"
"      if method == \"HEAD\" and r.method == \"GET\" and not head then\n"
"        head = { fn = r.fn, params = params }\n"
"      end\n"
"      allowed = allowed or {}\n"
"      allowed[r.method] = true\n"
"    end\n"
"  end\n"
"  if head then\n"
"    req.params = head.params\n"
"    return head.fn(req)\n"
"  end\n"
"  if not allowed then abort(404, \"not found\") end\n"
"  if allowed.GET then allowed.HEAD = true end\n"
"  local list = {}\n"
"  for m in pairs(allowed) do list[#list + 1] = m end\n"
"  sort(list)\n"
"  abort(405, \"method not allowed\", { Allow = concat(list, \", \") })\n"
"end\n"
"\n"
"return function()\n"
"  return setmetatable({ routes = {} }, Router)\n"
"end\n";

int
router_open(lua_State *L)
{
	if (luaL_loadbufferx(L, router_lua, sizeof(router_lua) - 1,
	    "=fcgiserve.router", "t") != LUA_OK)
		return lua_error(L);	/* only if the source above is broken */

	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, "fcgiserve");
	lua_remove(L, -2);
	if (lua_type(L, -1) != LUA_TTABLE ||
	    lua_getfield(L, -1, "abort") != LUA_TFUNCTION)
		return luaL_error(L, "router: fcgiserve.abort is not installed");
	lua_remove(L, -2);

	lua_call(L, 1, 1);
	return 1;
}
