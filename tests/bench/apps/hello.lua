-- hello.lua: the fcgiserve side of the benchmark (tests/bench/run).
--
-- The same four JSON endpoints as tests/bench/php/*.php and
-- tests/bench/cgi/*.sh, plus /fcgiserve/smaps for the memory report and
-- /fcgiserve/shdict and /fcgiserve/table for the shared dictionary's.
-- Handlers do their work per request, like the PHP and shell peers, so
-- the comparison is of the servers and not of who caches what.

local app = fcgiserve.router()

-- ~5 ms of CPU on the reference machine (PHP 1 600 000, dash 4 850).
-- tests/bench/run rewrites this line when BENCH_LUA_LOOP is set.
local CPU_LOOP = 1700000 -- BENCH_CPU_LOOP

local BIG_ITEMS = 900		-- ~100 KB of JSON, as big.php and big.sh

-- n from the query string as an integer, 0 when absent or not a number
-- (PHP's (int) cast, truncated towards zero).
local function query_n(req)
  local n = tonumber(req.query.n or "")
  if n == nil or n ~= n then return 0 end
  if n >= 0 then return math.floor(n) end
  return math.ceil(n)
end

-- GET /fcgiserve/hello?n=42 -> {"hello":"world","n":42}
app:get("/fcgiserve/hello", function(req)
  return { hello = "world", n = query_n(req) }
end)

-- GET /fcgiserve/cpu?n=42 -> the same after ~5 ms of CPU; the loop's own
-- CPU time in X-Work-CPU-us (as hello-cpu.php does).
app:get("/fcgiserve/cpu", function(req)
  local c0 = os.clock()
  local s = 0
  for i = 0, CPU_LOOP - 1 do s = s + i end
  local us = math.floor((os.clock() - c0) * 1e6)
  return 200, { hello = "world", n = query_n(req) },
      { ["X-Work-CPU-us"] = us, ["X-Sum"] = s }
end)

-- GET /fcgiserve/big -> {"count":900,"items":[...]}, ~100 KB.
app:get("/fcgiserve/big", function()
  local items = {}
  for i = 1, BIG_ITEMS do
    items[i] = {
      id = i,
      name = "item-" .. i,
      email = "user-" .. i .. "@example.com",
      active = true,
      score = (i * 7) % 1000,
      tags = { "alpha", "beta", "gamma" },
    }
  end
  return { count = BIG_ITEMS, items = items }
end)

-- POST /fcgiserve/echo with a JSON body -> the same JSON (decoded and
-- encoded again, as echo.php does).
app:post("/fcgiserve/echo", function(req)
  local v = req.json
  if v == nil then fcgiserve.abort(400, "JSON body required") end
  return v
end)

-- GET /fcgiserve/smaps -> what this request's child holds privately:
-- {"private_dirty_kb":N,"rss_kb":N,"pss_kb":N}, read after building req,
-- so it is the cost of a hello-sized request.
app:get("/fcgiserve/smaps", function()
  local f = assert(io.open("/proc/self/smaps_rollup", "r"))
  local text = f:read("a")
  f:close()
  local function kb(field)
    return tonumber(text:match(field .. ":%s+(%d+) kB")) or -1
  end
  return {
    private_dirty_kb = kb("Private_Dirty"),
    rss_kb = kb("Rss"),
    pss_kb = kb("Pss"),
  }
end)

-- The shared dictionary's loop and a plain table's: N times set(key,
-- value) then get(key), keys cycling over LOOP_KEYS strings, integer
-- values.  Only the loop is timed (os.clock: this process's CPU, the
-- same clock as /fcgiserve/cpu); the keys are made before it, per
-- request.  A get that does not give back what was just set is counted,
-- so a broken store shows instead of timing fast.
local LOOP_KEYS = 1000
local LOOP_MAX = 100000000	-- far below request_timeout's 30 s either way

-- The loop's n (400 when absent, not positive or too large) and keys.
local function loop_setup(req)
  local n = query_n(req)
  if n < 1 or n > LOOP_MAX then
    fcgiserve.abort(400, "n must be 1 to " .. LOOP_MAX)
  end
  local keys = {}
  for i = 1, LOOP_KEYS do keys[i] = "bench-key-" .. i end
  return n, keys
end

-- {"ops":2N,"seconds":S,"ops_per_s":R,"mismatches":M}
local function loop_result(n, seconds, bad)
  -- os.clock ticks in microseconds: never divide by 0 on a tiny n.
  if seconds < 1e-6 then seconds = 1e-6 end
  return { ops = 2 * n, seconds = seconds, ops_per_s = 2 * n / seconds,
      mismatches = bad }
end

-- GET /fcgiserve/shdict?n=N -> the loop on fcgiserve.shared.bench; 404
-- when the pool has no shared_dict named bench (forkfloor, other
-- configs), so the app loads and serves everywhere else.
app:get("/fcgiserve/shdict", function(req)
  local d = fcgiserve.shared and fcgiserve.shared.bench
  if d == nil then
    fcgiserve.abort(404, "no shared dictionary named bench (shared_dict = bench SIZE)")
  end
  local n, keys = loop_setup(req)
  local bad = 0
  local c0 = os.clock()
  for i = 1, n do
    local k = keys[i % LOOP_KEYS + 1]
    d:set(k, i)
    if d:get(k) ~= i then bad = bad + 1 end
  end
  return loop_result(n, os.clock() - c0, bad)
end)

-- GET /fcgiserve/table?n=N -> the same loop on a table of this request.
app:get("/fcgiserve/table", function(req)
  local n, keys = loop_setup(req)
  local t = {}
  local bad = 0
  local c0 = os.clock()
  for i = 1, n do
    local k = keys[i % LOOP_KEYS + 1]
    t[k] = i
    if t[k] ~= i then bad = bad + 1 end
  end
  return loop_result(n, os.clock() - c0, bad)
end)

return app
