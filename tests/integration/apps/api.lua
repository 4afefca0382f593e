-- The integration tests' main app: one route per behaviour under test.

local app = fcgiserve.router()

-- This request child's pid: the first field of /proc/self/stat.
local function mypid()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("n")
  f:close()
  return pid
end

-- Writes mypid() to the file named by ?pidfile=, atomically (write, then
-- rename), so a test polling for the file never reads half of it.
local function record_pid(req)
  local path = req.query.pidfile
  if path then
    local f = assert(io.open(path .. ".tmp", "w"))
    f:write(mypid(), "\n")
    f:close()
    assert(os.rename(path .. ".tmp", path))
  end
end

-- Return forms.
app:get("/hello/:name", function(req)
  return { greeting = "hello " .. req.params.name }
end)

app:post("/items", function(req)
  local item = req.json
  if not item.name then fcgiserve.abort(422, "name is required") end
  return 201, { name = item.name }, { Location = "/items/1" }
end)

app:get("/empty", function()
  return nil
end)

app:get("/raw", function()
  return fcgiserve.response{
    status = 200,
    headers = { ["Content-Type"] = "text/plain; charset=utf-8",
                ["X-Raw"] = "yes" },
    body = "plain text\n",
  }
end)

-- Method not allowed: POST only.
app:post("/only-post", function()
  return { posted = true }
end)

-- What the handler sees of the request.
local function echo(req)
  return {
    method = req.method,
    path = req.path,
    query = req.query,
    request_id = req.request_id,
    remote_addr = req.remote_addr,
    test_header = req.headers["x-test"],
    body = req.body,
  }
end
app:get("/echo", echo)
app:post("/echo", echo)
app:get("/echo/*rest", echo)

-- Every raw param, to see what a front end sends (tests of lighttpd).
app:get("/env/*rest", function(req)
  return { path = req.path, env = req.env }
end)

-- Failures.
app:get("/boom", function()
  local t = nil
  return t.field          -- a runtime error, not an abort
end)

app:get("/explode", function()
  error("secret-detail-kaboom")
end)

app:get("/exit", function()
  os.exit(3)
end)

-- Slow handlers; ?pidfile= records the child's pid first.
app:get("/sleep", function(req)
  record_pid(req)
  local s = tonumber(req.query.s) or 1
  os.execute(string.format("sleep %g", s))   -- a number: nothing to inject
  return { slept = s, pid = mypid() }
end)

-- Holds the request until the file named by ?release= exists, so a test
-- decides when it ends instead of guessing with sleeps (bounded: 20 s).
app:get("/hold", function(req)
  record_pid(req)
  local release = assert(req.query.release)
  for _ = 1, 400 do
    local f = io.open(release)
    if f then
      f:close()
      return { held = true, pid = mypid() }
    end
    os.execute("sleep 0.05")
  end
  fcgiserve.abort(500, "never released")
end)

app:get("/spin", function(req)
  record_pid(req)
  while true do end
end)

-- A header value taken from the client (?v=): CR/LF must not split it.
app:get("/header", function(req)
  return 200, { ok = true }, { ["X-Echo"] = req.query.v or "" }
end)

-- Values JSON cannot encode.
app:get("/nan", function()
  return { items = { 1, 2, { price = 0/0 } } }
end)

-- A large answer: many FastCGI STDOUT records.
app:get("/big", function(req)
  local n = tonumber(req.query.n) or 0
  return { size = n, data = string.rep("x", n) }
end)

-- Starts a program in the background and answers at once; ?pidfile=
-- receives the program's pid (its pid file is written by sh).
app:get("/spawn", function(req)
  local path = assert(req.query.pidfile)
  assert(not path:find("[^%w/._-]"), "unsafe pidfile path")
  os.execute("sleep 30 & echo $! > " .. path .. ".tmp; mv " .. path ..
             ".tmp " .. path)
  return { spawned = true }
end)

app:get("/pid", function()
  return { pid = mypid() }
end)

-- Allocates without bound (child_memory_limit).
app:get("/hog", function()
  local t = {}
  for i = 1, math.maxinteger do t[i] = string.rep("x", 1024 * 1024) .. i end
end)

-- Opens ?n= files and keeps them (child_open_files); with ?strict=1 a
-- failure to open is a Lua error (a 500), else it is answered.
app:get("/files", function(req)
  local n, files = tonumber(req.query.n) or 1, {}
  for i = 1, n do
    local f, err = io.open("/dev/null")
    if not f and req.query.strict then error(err) end
    if not f then return { opened = i - 1, error = err } end
    files[i] = f
  end
  return { opened = n }
end)

-- Dies by a signal it sends itself: a crash as the worker sees one.
-- SIGABRT, as abort(3) would: a sanitizer build turns SIGSEGV into an
-- exit status and a report of its own.
app:get("/crash", function()
  os.execute("kill -ABRT " .. mypid())
  return { survived = true }
end)

-- Burns ?s= seconds of CPU time (os.clock), for the access log's cpu.
app:get("/cpu", function(req)
  local s, x = tonumber(req.query.s) or 0.1, 0
  local stop = os.clock() + s
  while os.clock() < stop do x = x + 1 end
  return { spun = x > 0 }
end)

-- Holds ?mb= MiB of fresh strings, for the access log's max RSS.
app:get("/rss", function(req)
  local mb, t = tonumber(req.query.mb) or 1, {}
  for i = 1, mb do t[i] = string.rep(string.char(65 + i % 26), 1024 * 1024) end
  return { held = #t }
end)

-- Slow in nested named functions, busy in Lua (not blocked in C), so the
-- slow log's debug hook runs at once: the stack must name them.  It spins
-- until the file ?release= exists (the test decides when it ends, however
-- loaded the machine) or for ?s= seconds of CPU; 20 s of CPU at most.
local function slow_leaf(n)
  local x = 0
  for i = 1, n do x = x + i % 7 end
  return x
end

local function slow_middle(release, seconds)
  local stop, x, n = os.clock() + math.min(seconds, 20), 0, 0
  while os.clock() < stop do
    x = x + slow_leaf(1000)
    n = n + 1
    if release and n % 50 == 0 then
      local f = io.open(release)
      if f then f:close() return x end
    end
  end
  return x
end

local function slow_outer(q)
  return { slow = slow_middle(q.release, tonumber(q.s) or 20) > 0 }
end

app:get("/slow", function(req)
  -- Not a tail call: the stack keeps slow_outer's name.
  local answer = slow_outer(req.query)
  return answer
end)

-- Lua's own warn(), which fcgiserve routes to its error log.
app:get("/warn", function(req)
  warn("@on")
  warn("careful: ", req.query.msg or "something")
  return { warned = true }
end)

-- A message at ?level= through fcgiserve.log.
app:get("/log", function(req)
  fcgiserve.log(req.query.level or "info", req.query.msg or "hello from lua")
  return { logged = true }
end)

-- fcgiserve.log with fields (the "fields" of a JSON log line).
app:get("/logf", function(req)
  fcgiserve.log("info", "order placed", {
    order = 42, user = req.query.user or "ann", paid = true,
    items = { "tea", "cake" }, note = 'said "hi"\nand left',
  })
  return { logged = true }
end)

return app
