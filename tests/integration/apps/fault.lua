-- sanitizer-child.sh's app.  fcgiserve._fault exists in sanitizer builds
-- only (src/lua_fault.c); /fault/KIND commits that deliberate bug in the
-- request child.

local app = fcgiserve.router()

-- This request child's pid: the first field of /proc/self/stat.
local function mypid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return pid
end

app:get("/has-fault", function()
  return { fault = fcgiserve._fault ~= nil }
end)

-- ?pidfile= receives the child's pid before the fault, written whole
-- (write, then rename).
app:get("/fault/:kind", function(req)
  local path = assert(req.query.pidfile)
  local f = assert(io.open(path .. ".tmp", "w"))
  f:write(mypid(), "\n")
  f:close()
  assert(os.rename(path .. ".tmp", path))
  return { result = fcgiserve._fault(req.params.kind) }
end)

app:get("/pid", function()
  return { pid = mypid() }
end)

return app
