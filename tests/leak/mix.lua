-- wrk script of the leak tests (tests/leak/soak.sh, valgrind.sh): a fixed,
-- interleaved mix of request kinds, each with the status it must get.
--
--   wrk -t T -c C -d 1h -s mix.lua URL -- LIMIT DONEDIR T
--
-- LIMIT requests in all, shared by the T threads; a thread that has had its
-- share answered stops and creates DONEDIR/done.ID, so the caller knows
-- when to end wrk (SIGINT: wrk otherwise runs the whole -d).  At the end,
-- one line per status: "status S expected E got G", where E counts the
-- requests sent whose kind must get S (a few sent last may be unanswered)
-- and G the answers with S; then "sent N answered M".

local json_item = '{"name":"widget"}'
local body2k = string.rep("b", 2048)
local body12k = string.rep("B", 12 * 1024)	-- over the max_body_size of 8k
local form = { ["Content-Type"] = "application/json" }
local text = { ["Content-Type"] = "text/plain" }

-- name, weight (of 100), method, path, headers, body, status
local kinds = {
  { "hello",    43, "GET",  "/hello/wrk?a=1&b=2&a=3", nil, nil, 200 },
  { "items",     8, "POST", "/items", form, json_item, 201 },
  { "noname",    3, "POST", "/items", form, "{}", 422 },
  { "badjson",   4, "POST", "/items", form, "{\"name\":", 400 },
  { "echo",      5, "POST", "/echo", text, body2k, 200 },
  { "toolarge",  3, "POST", "/echo", text, body12k, 413 },
  { "empty",     4, "GET",  "/empty", nil, nil, 204 },
  { "raw",       3, "GET",  "/raw", nil, nil, 200 },
  { "big",       4, "GET",  "/big?n=20000", nil, nil, 200 },
  { "notfound",  8, "GET",  "/nope/x", nil, nil, 404 },
  { "method",    4, "POST", "/hello/x", text, "x", 405 },
  { "boom",      6, "GET",  "/boom", nil, nil, 500 },
  { "exit",      4, "GET",  "/exit", nil, nil, 500 },
  { "kill",      1, "GET",  "/kill", nil, nil, 500 },
}

-- Smooth weighted round robin (nginx's): 100 slots, kinds interleaved.
-- MIX_ONLY (environment), a comma-separated list of kind names: those alone.
local only = {}
local only_arg = os.getenv("MIX_ONLY") or ""
for name in only_arg:gmatch("[^,]+") do only[name] = true end
if only_arg ~= "" then
  for _, k in ipairs(kinds) do
    if not only[k[1]] then k[2] = 0 end
  end
end
local plan, current, total = {}, {}, 0
for i, k in ipairs(kinds) do current[i] = 0; total = total + k[2] end
for _ = 1, total do
  local best
  for i, k in ipairs(kinds) do
    current[i] = current[i] + k[2]
    if not best or current[i] > current[best] then best = i end
  end
  current[best] = current[best] - total
  plan[#plan + 1] = best
end

-- Main state: number the threads (id, a global of each thread).
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end

-- Thread states.  Globals, because done() reads them with thread:get.
sent, answered, statuses = {}, 0, {}
local pos, share, donedir = 0, 0, "."

-- Runs in each thread, after setup gave it its id.
function init(args)
  local limit = assert(tonumber(args[1]), "LIMIT")
  local n = assert(tonumber(args[3]), "T")
  donedir = assert(args[2], "DONEDIR")
  share = math.floor(limit / n)
  if id <= limit % n then share = share + 1 end
  pos = (id * 37) % #plan		-- threads out of step
  for i = 1, #kinds do sent[i] = 0 end
end

function request()
  pos = pos % #plan + 1
  local i = plan[pos]
  local k = kinds[i]
  sent[i] = sent[i] + 1
  return wrk.format(k[3], k[4], k[5], k[6])
end

function response(status)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if answered == share then
    local f = io.open(donedir .. "/done." .. id, "w")
    if f then f:close() end
    wrk.thread:stop()
  end
end

function done()
  local expected, got, nsent, nanswered = {}, {}, 0, 0
  for _, t in ipairs(threads) do
    local s = t:get("sent")
    for i, k in ipairs(kinds) do
      expected[k[7]] = (expected[k[7]] or 0) + s[i]
      nsent = nsent + s[i]
    end
    for status, n in pairs(t:get("statuses")) do
      got[status] = (got[status] or 0) + n
    end
    nanswered = nanswered + t:get("answered")
  end
  local all = {}
  for s in pairs(expected) do all[s] = true end
  for s in pairs(got) do all[s] = true end
  local list = {}
  for s in pairs(all) do list[#list + 1] = s end
  table.sort(list)
  for _, s in ipairs(list) do
    io.write(string.format("status %d expected %d got %d\n", s,
      expected[s] or 0, got[s] or 0))
  end
  io.write(string.format("sent %d answered %d\n", nsent, nanswered))
end
