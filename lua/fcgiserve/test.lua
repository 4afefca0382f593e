-- fcgiserve.test: requests to a fcgiserve app from Lua tests (busted or
-- any other runner), without nginx or a running server.  See the TESTING
-- section of fcgiserve-lua(7).
--
--   local t = require "fcgiserve.test"
--   local app = t.load("app.lua")
--   local res = app:request{ method = "POST", path = "/items",
--                            json = { name = "pen" } }
--   assert(res.status == 201 and res.json.name == "pen")
--
-- Every request runs `fcgiserve request`: the app loaded as a worker
-- loads it, the request run in a forked child as a worker runs it, so a
-- test sees exactly what nginx would get, and no request sees what
-- another changed.  The cost is a process and an app load per request.
--
-- JSON (json = and res.json) uses dkjson (Debian: lua-dkjson, which
-- lua-busted depends on), loaded on first use; the rest needs plain Lua.

local M = {}

local ok, dkjson = pcall(require, "dkjson")
if not ok then dkjson = nil end

-- The JSON null: what res.json holds for null, and what json = sends.
M.null = dkjson and dkjson.null or setmetatable({}, {
  __tostring = function() return "fcgiserve.test.null" end })

local function need_json()
  if not dkjson then
    error("fcgiserve.test: JSON needs the dkjson module "
      .. "(Debian: apt-get install lua-dkjson)", 3)
  end
  return dkjson
end

-- t.array(tbl) and t.object(tbl): how an empty table is sent by json =
-- (dkjson alone sends {} as []).  Both return tbl (a new one if nil).
function M.array(tbl)
  return setmetatable(tbl or {}, { __jsontype = "array" })
end

function M.object(tbl)
  return setmetatable(tbl or {}, { __jsontype = "object" })
end

-- One shell word: single quotes, each ' written as '\''.  A NUL cannot
-- be passed in an argument at all.
local function quote(s)
  s = tostring(s)
  if s:find("\0", 1, true) then
    error("fcgiserve.test: an argument cannot hold a NUL byte", 0)
  end
  return "'" .. s:gsub("'", [['\'']]) .. "'"
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

-- opts.binary, then $FCGISERVE, then fcgiserve on PATH, then the
-- sbin directories a user's PATH often lacks.
local function find_binary(opts)
  if opts.binary then return opts.binary end
  local env = os.getenv("FCGISERVE")
  if env and env ~= "" then return env end
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    if exists(dir .. "/fcgiserve") then return dir .. "/fcgiserve" end
  end
  for _, p in ipairs{ "/usr/sbin/fcgiserve", "/usr/local/sbin/fcgiserve" } do
    if exists(p) then return p end
  end
  error("fcgiserve.test: no fcgiserve binary: pass binary = "
    .. "or set FCGISERVE", 3)
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- The error log lines without their time stamp and level, for messages.
local function log_text(err)
  local lines = {}
  for line in err:gmatch("[^\n]+") do
    lines[#lines + 1] = line:match("^%S+ %a+ %[%d+%] (.*)$") or line
  end
  return table.concat(lines, "\n")
end

-- Runs `binary request OPTIONS... [-d @FILE] -- OPERANDS...` (the app's
-- -c/-p or path included), with stdout and stderr to temp files and the
-- body, when given, from one: the exit status, stdout, stderr.  After
-- "--" an operand such as a path "-x" is never an option.  The temp files
-- are removed on every path.
local function run(app, options, body, operands)
  local tmp, words = {}, { quote(app.binary), "request" }
  local function clean()
    for _, p in pairs(tmp) do os.remove(p) end
  end
  local okrun, a, b, c = pcall(function()
    tmp.out, tmp.err = os.tmpname(), os.tmpname()
    for _, w in ipairs(app.options) do words[#words + 1] = quote(w) end
    for _, w in ipairs(options) do words[#words + 1] = quote(w) end
    if body then
      tmp.body = os.tmpname()
      local f = assert(io.open(tmp.body, "wb"))
      assert(f:write(body))
      f:close()
      words[#words + 1] = "-d " .. quote("@" .. tmp.body)
    end
    -- "--": a PATH such as "-x" stays a PATH.
    words[#words + 1] = "--"
    for _, w in ipairs(app.operands) do words[#words + 1] = quote(w) end
    for _, w in ipairs(operands) do words[#words + 1] = quote(w) end
    local cmd = table.concat(words, " ") .. " < /dev/null > "
      .. quote(tmp.out) .. " 2> " .. quote(tmp.err)
    local _, how, code = os.execute(cmd)
    if how ~= "exit" then code = -1 end
    return code, slurp(tmp.out), slurp(tmp.err)
  end)
  clean()
  if not okrun then error(a, 0) end
  return a, b, c
end

local App = {}
App.__index = App

-- Percent-encodes a query name or value.
local function urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(ch)
    return ("%%%02X"):format(ch:byte())
  end))
end

-- query = { q = "lua", tag = { "a", "b" } } as a sorted query string.
local function query_string(q)
  local names, parts = {}, {}
  for k in pairs(q) do names[#names + 1] = tostring(k) end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = q[k]
    if type(v) ~= "table" then v = { v } end
    for _, one in ipairs(v) do
      parts[#parts + 1] = urlencode(k) .. "=" .. urlencode(one)
    end
  end
  return table.concat(parts, "&")
end

-- The answer as `fcgiserve request` prints it: "HTTP/1.1 NNN Reason",
-- header lines, a blank line, the body byte for byte (header values never
-- hold CR or LF: fcgiserve refuses them).
local function parse(out)
  local head_end = out:find("\r\n\r\n", 1, true)
  local status = out:match("^HTTP/1%.1 (%d%d%d)")
  if not head_end or not status then return nil end
  local res = { status = tonumber(status), headers = {}, header_list = {},
                body = out:sub(head_end + 4) }
  local head = out:sub(1, head_end + 1)
  for line in head:gmatch("([^\r\n]*)\r\n") do
    local name, value = line:match("^([^:]+):[ \t]*(.-)$")
    if name then
      local lname = name:lower()
      res.header_list[#res.header_list + 1] = { name, value }
      local had = res.headers[lname]
      res.headers[lname] = had and had .. ", " .. value or value
    end
  end
  return res
end

-- res.json: the body decoded on first use; nil for an empty body; an
-- error for a body that is not JSON.
local Response = {}
function Response.__index(res, key)
  if key ~= "json" then return nil end
  local body = rawget(res, "body")
  if body == "" then return nil end
  local json = need_json()
  local v, _, err = json.decode(body, 1, M.null)
  if err then
    error("fcgiserve.test: response body is not JSON (" .. err .. "): "
      .. body:sub(1, 200), 2)
  end
  rawset(res, "json", v)
  return v
end

-- app:request{ method =, path =, query =, headers =, body =, json = }
function App:request(r)
  if type(r) ~= "table" then
    error("fcgiserve.test: app:request takes a table", 2)
  end
  local method, path = r.method or "GET", r.path or "/"
  if r.query then
    local qs = query_string(r.query)
    if qs ~= "" then
      path = path .. (path:find("?", 1, true) and "&" or "?") .. qs
    end
  end
  local hdrs, has_ctype = {}, false
  local names = {}
  for name in pairs(r.headers or {}) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local value = tostring(r.headers[name])
    if name:find("[:\r\n]") or value:find("[\r\n]") then
      error("fcgiserve.test: bad header " .. name, 2)
    end
    if name:lower() == "content-type" then has_ctype = true end
    hdrs[#hdrs + 1] = "-H"
    hdrs[#hdrs + 1] = name .. ": " .. value
  end
  local body = r.body
  if r.json ~= nil then
    if body ~= nil then
      error("fcgiserve.test: body = and json = together", 2)
    end
    body = need_json().encode(r.json)
    if not has_ctype then
      hdrs[#hdrs + 1] = "-H"
      hdrs[#hdrs + 1] = "Content-Type: application/json"
    end
  end
  if body ~= nil and type(body) ~= "string" then
    error("fcgiserve.test: body must be a string", 2)
  end
  local code, out, err = run(self, hdrs, body, { method, path })
  local res = parse(out)
  if not res then
    error(("fcgiserve.test: %s %s: no answer (exit %d): %s"):format(
      method, path, code, log_text(err)), 2)
  end
  res.log = err
  return setmetatable(res, Response)
end

-- t.load(path [, opts]) or t.load{ conf =, pool = }: checks that the app
-- loads (`fcgiserve request -t`) and returns an app to make requests of.
-- opts.conf and opts.pool: the app of a pool of a configuration file,
-- loaded as its workers load it (its user, limits, request_timeout).
-- opts.binary: the fcgiserve to run.
function M.load(path, opts)
  if type(path) == "table" and opts == nil then path, opts = nil, path end
  opts = opts or {}
  local options, operands = {}, {}
  if opts.conf then
    if path then
      error("fcgiserve.test: an app path or conf =, not both", 2)
    end
    options = { "-c", opts.conf }
    if opts.pool then
      options[3], options[4] = "-p", opts.pool
    end
  elseif type(path) == "string" then
    operands = { path }
  else
    error("fcgiserve.test: t.load needs an app path or conf =", 2)
  end
  local app = setmetatable({ binary = find_binary(opts), options = options,
                             operands = operands }, App)
  local code, _, err = run(app, { "-t" }, nil, {})
  if code ~= 0 then
    error("fcgiserve.test: " .. (path or opts.conf) .. " does not load: "
      .. log_text(err), 2)
  end
  return app
end

return M
