-- big.lua: hello.lua's app on top of a template holding ~64 MiB of live
-- Lua data (tables and strings built at load time and kept reachable).
-- tests/bench/forkfloor runs it beside hello.lua: a request should cost
-- about the same whatever the template holds, since the child only
-- copies the pages it writes.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local app = dofile(dir .. "hello.lua")

local TARGET_KB = 64 * 1024
local rows = {}
local n = 0
while collectgarbage("count") < TARGET_KB do
  for _ = 1, 10000 do
    n = n + 1
    rows[n] = { id = n, name = "row-" .. n, score = n * 3,
                tags = { "a", "b" } }
  end
end

-- GET /fcgiserve/heap -> {"rows":N,"heap_kb":N}: keeps rows alive.
app:get("/fcgiserve/heap", function()
  return { rows = #rows, heap_kb = math.floor(collectgarbage("count")) }
end)

return app
