-- Escapes a confined handler tries (sandbox.sh): each route answers what
-- happened instead of raising, so the test sees the error text.  SECRET
-- is a file outside every allowed path, WRITABLE a sandbox_write
-- directory; sandbox.sh puts both (and probemod's cpath) on top.
local r = fcgiserve.router()

local function try(fn, ...)
  local ok, a, b = pcall(fn, ...)
  if not ok then return { ok = false, err = tostring(a) } end
  if a == nil then return { ok = false, err = tostring(b) } end
  return { ok = true, value = a }
end

r:get("/read", function()
  return try(function()
    local f, err = io.open(SECRET)
    if not f then return nil, err end
    local s = f:read("a")
    f:close()
    return s
  end)
end)

-- The same file refused three times (io.open twice, io.lines): one log
-- line.
r:get("/read-twice", function()
  io.open(SECRET)
  io.open(SECRET)
  return try(io.lines, SECRET)
end)

r:get("/write", function(req)
  return try(function()
    local f, err = io.open(req.query.path, "w")
    if not f then return nil, err end
    f:write("written")
    f:close()
    return "written"
  end)
end)

r:get("/app", function()
  -- The app's own directory is readable.
  return try(function() return io.open(APP):read("l") end)
end)

r:get("/exec", function() return try(os.execute, "id") end)
r:get("/popen", function() return try(io.popen, "id") end)

r:get("/escape", function()
  return require("probemod").escape()
end)

r:get("/connect", function(req)
  local socket = require "socket"
  local c = socket.tcp()
  c:settimeout(5)
  local ok, err = c:connect("127.0.0.1", tonumber(req.query.port))
  c:close()
  return { ok = ok == 1, err = err }
end)

r:get("/http", function(req)
  local res, err = fcgiserve.http.request{
    url = "http://127.0.0.1:" .. req.query.port .. "/ok", timeout = 5 }
  if not res then return { ok = false, err = err } end
  return { ok = true, status = res.status }
end)

r:get("/ok", function()
  local f = assert(io.open("/proc/self/stat"))
  local pid = tonumber(f:read("a"):match("^%d+"))
  f:close()
  return { ok = true, pid = pid }
end)

return r
