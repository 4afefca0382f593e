/*
 * fcgiserve.http: outgoing HTTP and HTTPS from a handler, through
 * Debian's lua-socket and lua-sec, loaded on the first call so that an app
 * that never calls it needs neither.  Written in Lua over socket.http;
 * the C part tells it the time (CLOCK_MONOTONIC) and how long this child
 * may still run (deadline.h), so that no call outlives the worker's
 * timers: each step on the socket gets only what is left.
 *
 * lua-sec 1.2 checks the certificate chain but not the host name it was
 * made for: that is done here, against the subjectAltName (RFC 6125),
 * like a browser (no common name, a wildcard only as a whole label).
 */
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "conf.h"
#include "deadline.h"
#include "lua_http.h"
#include "lua_sandbox.h"

/* clock() -> now, deadline (seconds, CLOCK_MONOTONIC; nil: none) */
static int
http_clock(lua_State *L)
{
	uint64_t	d = deadline_get();

	lua_pushnumber(L, (lua_Number)deadline_now() / 1e9);
	if (d == 0)
		lua_pushnil(L);
	else
		lua_pushnumber(L, (lua_Number)d / 1e9);
	return 2;
}

/* duration("2s") -> seconds, or nil (conf.h's durations) */
static int
http_duration(lua_State *L)
{
	uint64_t	ms;

	if (conf_parse_duration(luaL_checkstring(L, 1), &ms) == -1)
		return 0;
	lua_pushnumber(L, (lua_Number)ms / 1000);
	return 1;
}

/*
 * The module, given clock and duration.  Timeouts are seconds, as
 * lua-socket's; MARGIN is left to the handler to answer after a call
 * that ran out of time, before the worker's timer fires.
 */
static const char http_source[] =
    "local clock, duration, refused = ...\n"
    "local DEFAULT_TIMEOUT = 30\n"
    "local MARGIN = 0.5\n"
    "local BODY_MAX = 16 * 1024 * 1024\n"
    "local REDIRECTS = 5\n"
    "local CAFILE = '/etc/ssl/certs/ca-certificates.crt'\n"
    "local FOLLOW = { [301] = true, [302] = true, [303] = true, [307] = true,\n"
    "  [308] = true }\n"
    "\n"
    "local socket, shttp, url, ltn12, ssl\n"
    "\n"
    "local function need(name, pkg)\n"
    "  local ok, m = pcall(require, name)\n"
    "  if ok then return m end\n"
    "  local why = tostring(m):match('^[^\\n]*')\n"
    "  if tostring(m):find('dynamic libraries not enabled', 1, true) then\n"
    "    why = why .. ' (a static binary cannot load C modules)'\n"
    "  end\n"
    "  return nil, ('fcgiserve.http: cannot load %s (Debian package %s): %s')\n"
    "    :format(name, pkg, why)\n"
    "end\n"
    "\n"
    "local function load_socket()\n"
    "  local err\n"
    "  if shttp then return true end\n"
    "  socket, err = need('socket', 'lua-socket')\n"
    "  if not socket then return nil, err end\n"
    "  url, err = need('socket.url', 'lua-socket')\n"
    "  if not url then return nil, err end\n"
    "  ltn12, err = need('ltn12', 'lua-socket')\n"
    "  if not ltn12 then return nil, err end\n"
    "  shttp, err = need('socket.http', 'lua-socket')\n"
    "  if not shttp then return nil, err end\n"
    "  return true\n"
    "end\n"
    "\n"
    "-- A socket for socket.http whose every step may take only what is left\n"
    "-- of the call's time: lua-socket's own timeout is per step.\n"
    "local conn = {}\n"
    "conn.__index = conn\n"
    "\n"
    "local function budget(c)\n"
    "  local left = c.stop - clock()\n"
    "  if left <= 0 then return nil, 'timeout' end\n"
    "  c.sock:settimeout(left, 't')\n"
    "  return true\n"
    "end\n"
    "\n"
    "-- RFC 6125 in short: the subjectAltName only (no common name), a\n"
    "-- wildcard only as the whole leftmost label.\n"
    "local function names_host(cert, host)\n"
    "  local san = cert and (cert:extensions() or {})['2.5.29.17']\n"
    "  local ip = host:match('^%d+%.%d+%.%d+%.%d+$') or\n"
    "    host:find(':', 1, true)\n"
    "  host = host:lower()\n"
    "  local names = san and (ip and san.iPAddress or san.dNSName)\n"
    "  for _, n in ipairs(names or {}) do\n"
    "    n = n:lower()\n"
    "    if n == host then return true end\n"
    "    local rest = not ip and n:match('^%*(%.[^*]+%.[^*]+)$')\n"
    "    if rest and #host > #rest and host:sub(-#rest) == rest and\n"
    "        not host:sub(1, -#rest - 1):find('.', 1, true) then\n"
    "      return true\n"
    "    end\n"
    "  end\n"
    "  return false\n"
    "end\n"
    "\n"
    "function conn:connect(host, port)\n"
    "  local ok, err = budget(self)\n"
    "  if not ok then return nil, err end\n"
    "  ok, err = self.sock:connect(host, port)\n"
    "  if not ok and err == 'permission denied' then\n"
    "    refused(('connecting to %s port %s'):format(host, port))\n"
    "  end\n"
    "  if not ok or not self.tls then return ok, err end\n"
    "  local s\n"
    "  s, err = ssl.wrap(self.sock, self.tls)\n"
    "  if not s then return nil, 'tls: ' .. tostring(err) end\n"
    "  self.sock = s\n"
    "  if not host:match('^[%d.]+$') and not host:find(':', 1, true) then\n"
    "    s:sni(host)\n"
    "  end\n"
    "  ok, err = budget(self)\n"
    "  if not ok then return nil, err end\n"
    "  ok, err = s:dohandshake()\n"
    "  if not ok then\n"
    "    if err == 'timeout' then return nil, err end\n"
    "    return nil, 'tls: ' .. tostring(err)\n"
    "  end\n"
    "  if self.tls.verify ~= 'none' and\n"
    "      not names_host(s:getpeercertificate(), host) then\n"
    "    return nil, 'tls: the certificate does not name ' .. host\n"
    "  end\n"
    "  return 1\n"
    "end\n"
    "\n"
    "function conn:send(...)\n"
    "  local ok, err = budget(self)\n"
    "  if not ok then return nil, err, 0 end\n"
    "  return self.sock:send(...)\n"
    "end\n"
    "\n"
    "function conn:receive(...)\n"
    "  local ok, err = budget(self)\n"
    "  if not ok then return nil, err, '' end\n"
    "  return self.sock:receive(...)\n"
    "end\n"
    "\n"
    "function conn:settimeout() return 1 end\n"
    "function conn:close() return self.sock:close() end\n"
    "function conn:getfd() return self.sock:getfd() end\n"
    "function conn:dirty() return self.sock:dirty() end\n"
    "\n"
    "-- One exchange, no redirect followed: res, or nil, err.\n"
    "local function once(o, target, stop)\n"
    "  local scheme = (url.parse(target) or {}).scheme\n"
    "  scheme = scheme and scheme:lower()\n"
    "  local tls, err\n"
    "  if scheme == 'https' then\n"
    "    if not ssl then\n"
    "      ssl, err = need('ssl', 'lua-sec')\n"
    "      if not ssl then return nil, err end\n"
    "    end\n"
    "    tls = { mode = 'client', protocol = 'any', verify = o.verify,\n"
    "      cafile = o.verify ~= 'none' and o.cafile or nil,\n"
    "      options = { 'all', 'no_sslv2', 'no_sslv3', 'no_tlsv1',\n"
    "        'no_tlsv1_1' } }\n"
    "  elseif scheme ~= 'http' then\n"
    "    return nil, 'not an http or https URL: ' .. target\n"
    "  end\n"
    "  local parts, size = {}, 0\n"
    "  local function sink(chunk)\n"
    "    if chunk then\n"
    "      size = size + #chunk\n"
    "      if size > o.body_max then\n"
    "        return nil, ('response body over body_max (%d bytes)')\n"
    "          :format(o.body_max)\n"
    "      end\n"
    "      parts[#parts + 1] = chunk\n"
    "    end\n"
    "    return 1\n"
    "  end\n"
    "  local ok, code, headers = shttp.request {\n"
    "    url = target, method = o.method, headers = o.headers, sink = sink,\n"
    "    source = o.body and ltn12.source.string(o.body), redirect = false,\n"
    "    create = function()\n"
    "      local s, e = socket.tcp()\n"
    "      if not s then return nil, e end\n"
    "      return setmetatable({ sock = s, stop = stop, tls = tls }, conn)\n"
    "    end }\n"
    "  if not ok then return nil, code end\n"
    "  return { status = code, headers = headers or {},\n"
    "    body = table.concat(parts), url = target }\n"
    "end\n"
    "\n"
    "local function check(cond, msg)\n"
    "  if not cond then error('fcgiserve.http.request: ' .. msg, 3) end\n"
    "end\n"
    "\n"
    "local function options(o)\n"
    "  check(type(o) == 'table', 'a table {url =, ...} expected')\n"
    "  check(type(o.url) == 'string' and not o.url:find('[%c ]'),\n"
    "    'url must be a string without spaces or control characters')\n"
    "  local m = o.method or (o.body and 'POST' or 'GET')\n"
    "  check(type(m) == 'string' and m:match('^[%u%-]+$'),\n"
    "    'method must be a string of capitals (GET, POST, ...)')\n"
    "  check(o.body == nil or type(o.body) == 'string',\n"
    "    'body must be a string')\n"
    "  local headers = {}\n"
    "  check(o.headers == nil or type(o.headers) == 'table',\n"
    "    'headers must be a table')\n"
    "  for k, v in pairs(o.headers or {}) do\n"
    "    check(type(k) == 'string' and k:match('^[%w!#$%%&\\'*+.^_`|~-]+$'),\n"
    "      'a header name must be a token')\n"
    "    check((type(v) == 'string' or type(v) == 'number') and\n"
    "      not tostring(v):find('[\\r\\n%z]'),\n"
    "      'header ' .. k .. ': a string without line breaks expected')\n"
    "    headers[k:lower()] = tostring(v)\n"
    "  end\n"
    "  if o.body then headers['content-length'] = tostring(#o.body) end\n"
    "  local timeout = o.timeout or DEFAULT_TIMEOUT\n"
    "  if type(timeout) == 'string' then timeout = duration(timeout) end\n"
    "  check(type(timeout) == 'number' and timeout > 0,\n"
    "    'timeout must be seconds or a duration (\"2s\", \"500ms\")')\n"
    "  local verify = o.verify\n"
    "  if verify == nil or verify == true then verify = 'peer'\n"
    "  elseif verify == false then verify = 'none' end\n"
    "  check(verify == 'peer' or verify == 'none',\n"
    "    'verify must be true, false, \"peer\" or \"none\"')\n"
    "  check(o.cafile == nil or type(o.cafile) == 'string',\n"
    "    'cafile must be a file name')\n"
    "  check(o.body_max == nil or type(o.body_max) == 'number' and\n"
    "    o.body_max >= 0,\n"
    "    'body_max must be a number of bytes')\n"
    "  return { url = o.url, method = m, headers = headers, body = o.body,\n"
    "    timeout = timeout, redirect = o.redirect ~= false, verify = verify,\n"
    "    cafile = o.cafile or CAFILE, body_max = o.body_max or BODY_MAX }\n"
    "end\n"
    "\n"
    "local M = {}\n"
    "\n"
    "function M.request(opts)\n"
    "  local o = options(opts)\n"
    "  local ok, err = load_socket()\n"
    "  if not ok then return nil, err end\n"
    "  local now, deadline = clock()\n"
    "  local stop = now + o.timeout\n"
    "  if deadline and deadline - MARGIN < stop then\n"
    "    stop = deadline - MARGIN\n"
    "  end\n"
    "  if stop <= now then return nil, 'timeout' end\n"
    "  local target = o.url\n"
    "  for n = 0, REDIRECTS do\n"
    "    local res\n"
    "    res, err = once(o, target, stop)\n"
    "    if not res then return nil, err end\n"
    "    local loc = res.headers.location\n"
    "    if not o.redirect or not FOLLOW[res.status] or not loc or\n"
    "        (o.method ~= 'GET' and o.method ~= 'HEAD') then\n"
    "      return res\n"
    "    end\n"
    "    local nxt = url.absolute(target, loc)\n"
    "    local scheme = ((url.parse(nxt) or {}).scheme or ''):lower()\n"
    "    if nxt:find('[%c ]') or (scheme ~= 'http' and scheme ~= 'https') or\n"
    "        (scheme == 'http' and target:lower():match('^https:')) then\n"
    "      return res        -- not followed: another scheme, or a downgrade\n"
    "    end\n"
    "    if n == REDIRECTS then break end\n"
    "    target = nxt\n"
    "  end\n"
    "  return nil, ('more than %d redirects'):format(REDIRECTS)\n"
    "end\n"
    "\n"
    "return M\n";

void
lua_http_open(lua_State *L, const struct request **current)
{
	if (luaL_loadbuffer(L, http_source, sizeof(http_source) - 1,
	    "=fcgiserve.http") != LUA_OK)
		lua_error(L);
	lua_pushcfunction(L, http_clock);
	lua_pushcfunction(L, http_duration);
	lua_sandbox_push_refused(L, current);
	lua_call(L, 3, 1);
}
