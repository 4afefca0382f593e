-- The leak tests' app (tests/leak/): one route per kind of request the
-- soak and the valgrind run mix.  Every answer is cheap except /spin
-- (until request_timeout) and /sleep (the client gives up first).

local app = fcgiserve.router()

app:get("/hello/:name", function(req)
  return { greeting = "hello " .. req.params.name, q = req.query }
end)

-- 201, or 422 (abort) without a name; a body that is not JSON is a 400.
app:post("/items", function(req)
  local item = req.json
  if not item.name then fcgiserve.abort(422, "name is required") end
  return 201, { name = item.name, n = #item.name }, { Location = "/items/1" }
end)

app:post("/echo", function(req)
  return { len = #(req.body or ""), ctype = req.headers["content-type"] }
end)

app:get("/empty", function()
  return nil
end)

app:get("/raw", function()
  return fcgiserve.response{
    status = 200,
    headers = { ["Content-Type"] = "text/plain; charset=utf-8" },
    body = "plain text\n",
  }
end)

-- A few FastCGI STDOUT records' worth.
app:get("/big", function(req)
  local n = tonumber(req.query.n) or 20000
  return { data = string.rep("x", n) }
end)

-- The ways a handler fails: a Lua error (500), os.exit (500: no complete
-- answer), a signal (500), a loop past request_timeout (504).
app:get("/boom", function()
  local t = nil
  return t.field
end)

app:get("/exit", function()
  os.exit(3)
end)

-- sh's parent is this request child.
app:get("/kill", function()
  os.execute("kill -KILL $PPID")
  return { survived = true }
end)

app:get("/spin", function()
  while true do end
end)

app:get("/sleep", function(req)
  os.execute(string.format("sleep %g", tonumber(req.query.s) or 1))
  return { slept = true }
end)

return app
