-- Streams, Server-Sent Events and work after the answer (stream*.sh,
-- sse.sh, after.sh).
local app = fcgiserve.router()

local function sleep(s)
  os.execute(string.format("sleep %g", s))   -- a number: nothing to inject
end

-- n chunks, s seconds apart.
app:get("/chunks", function(req)
  local n, s = tonumber(req.query.n) or 3, tonumber(req.query.s) or 1
  return fcgiserve.stream{
    content_type = "text/plain",
    headers = { ["X-Stream"] = "yes" },
    body = function(write)
      for i = 1, n do
        write("chunk " .. i .. "\n")
        if i < n then sleep(s) end
      end
    end,
  }
end)

-- mb MiB as fast as the peer takes them.
app:get("/flood", function(req)
  local mb = tonumber(req.query.mb) or 100
  local block = string.rep("x", 65536)
  return fcgiserve.stream{
    body = function(write)
      for _ = 1, mb * 16 do
        if not write(block) then return end
      end
    end,
  }
end)

-- Writes, then fails: the status is out already.
app:get("/broken", function()
  return fcgiserve.stream{
    body = function(write)
      write("before\n")
      error("the body failed")
    end,
  }
end)

-- Never ends (killed by a timeout, or by the client leaving).
app:get("/forever", function(req)
  if req.query.pidfile then
    local f = assert(io.open(req.query.pidfile .. ".tmp", "w"))
    local st = assert(io.open("/proc/self/stat")):read("a")
    f:write(st:match("^(%d+)"))
    f:close()
    os.rename(req.query.pidfile .. ".tmp", req.query.pidfile)
  end
  return fcgiserve.stream{
    body = function(write)
      while write("tick\n") do sleep(0.2) end
    end,
  }
end)

-- SSE: events with ids (resuming after Last-Event-ID), multi-line data,
-- JSON data, then idle for ?idle= seconds (keep-alive comments).
app:get("/events", function(req)
  local from = tonumber(req.headers["last-event-id"]) or 0
  return fcgiserve.sse(function(send)
    send{ retry = 1000 }
    for i = from + 1, from + 3 do
      send{ id = i, event = "tick", data = "line one\nline two " .. i }
    end
    send{ event = "json", data = { n = 1, list = { 1, 2 } } }
    sleep(tonumber(req.query.idle) or 0)
    send("bye")
  end)
end)

app:get("/bad-event", function()
  return fcgiserve.sse(function(send)
    send{ event = "x\ninjected: yes", data = "d" }
  end)
end)

-- after: the answer first, then the work (a file written 3 s later).
app:get("/after", function(req)
  local path = assert(req.query.file)
  assert(not path:find("[^%w/._-]"), "unsafe path")
  fcgiserve.after(function()
    sleep(3)
    local f = assert(io.open(path .. ".tmp", "w"))
    f:write("done")
    f:close()
    os.rename(path .. ".tmp", path)
  end)
  fcgiserve.after(function() error("after went wrong") end)
  return { answered = true }
end)

return app
