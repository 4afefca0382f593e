-- fcgiserve.shared through requests (shared-dict*.sh): each route one
-- method of the dictionary "d" (shared_dict = d ...), answering what it
-- returned; ppid is the worker the request ran under.
local d = fcgiserve.shared.d

local function ppid()
  local f = assert(io.open("/proc/self/stat"))
  local stat = f:read("a")
  f:close()
  return tonumber(stat:match("^%d+ %b() %S+ (%d+)"))
end

local function value(q)
  if q.int then return math.tointeger(tonumber(q.int)) end
  if q.num then return tonumber(q.num) end
  if q.bool then return q.bool == "true" end
  if q.bin then                 -- every byte value, n times
    local t = {}
    for i = 0, 255 do t[#t + 1] = string.char(i) end
    return string.rep(table.concat(t), tonumber(q.bin))
  end
  return q.v
end

local function answer(ok, err, forcible)
  return { ok = ok, err = err, forcible = forcible, ppid = ppid() }
end

local app = fcgiserve.router()

for _, m in ipairs { "set", "add", "replace" } do
  app:get("/" .. m, function(req)
    return answer(d[m](d, req.query.k, value(req.query),
        tonumber(req.query.ttl)))
  end)
end

app:get("/get", function(req)
  local v, err = d:get(req.query.k)
  local r = { type = type(v), err = err, ppid = ppid() }
  if type(v) == "string" and req.query.sum then
    local s = 0
    for i = 1, #v do s = (s * 31 + v:byte(i)) % 1000000007 end
    r.len, r.sum = #v, s
  else
    r.value = v
  end
  return r
end)

app:get("/binsum", function(req)     -- the checksum /get?sum=1 should find
  local v, s = value(req.query), 0
  for i = 1, #v do s = (s * 31 + v:byte(i)) % 1000000007 end
  return { len = #v, sum = s }
end)

app:get("/incr", function(req)
  local n, err = d:incr(req.query.k, tonumber(req.query.n) or 1,
      req.query.init and tonumber(req.query.init))
  return { value = n, err = err, ppid = ppid() }
end)

-- n increments of one key in one request: the count of those that
-- succeeded.
app:get("/incr-many", function(req)
  local ok = 0
  for _ = 1, tonumber(req.query.n) do
    if d:incr(req.query.k, 1, 0) then ok = ok + 1 end
  end
  return { ok = ok }
end)

app:get("/delete", function(req) return answer(d:delete(req.query.k)) end)
app:get("/ttl", function(req)
  local t, err = d:ttl(req.query.k)
  return { ttl = t, err = err }
end)
app:get("/expire", function(req)
  return answer(d:expire(req.query.k, tonumber(req.query.ttl)))
end)
app:get("/keys", function(req)
  return { keys = d:keys(tonumber(req.query.max)) }
end)
app:get("/flush", function() d:flush_all() return { ok = true } end)
app:get("/space", function()
  return { capacity = d:capacity(), free = d:free_space() }
end)

-- n stores of size bytes under keys prefix..i: how many evicted others,
-- how many failed.
app:get("/fill", function(req)
  local forced, failed = 0, 0
  local v = string.rep("x", tonumber(req.query.size))
  for i = 1, tonumber(req.query.n) do
    local ok, _, forcible = d:set(req.query.prefix .. i, v)
    if not ok then failed = failed + 1 end
    if forcible then forced = forced + 1 end
  end
  return { forced = forced, failed = failed }
end)

-- Writes until request_timeout kills the process, mid-write or not.
app:get("/write-forever", function(req)
  local v = string.rep("w", 100)
  local i = 0
  while true do
    i = i + 1
    d:set("w" .. (i % 50), v:sub(1, i % 100))
  end
end)

app:get("/bad", function(req)
  local ok, err = pcall(d.set, d, "k", {})
  return { raised = not ok, err = tostring(err) }
end)

return app
