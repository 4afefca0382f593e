-- The app of the limit tests (tests/integration/limit-*.sh): it reports
-- what reached it, so a test can put a request exactly at a limit.

local app = fcgiserve.router()

-- The params the handler got: how many, the bytes of their names and
-- values together and the longest name or value (what max_params,
-- max_params_size and max_param_length count).
app:get("/params", function(req)
  local count, size, longest = 0, 0, 0
  for name, value in pairs(req.env) do
    count = count + 1
    size = size + #name + #value
    longest = math.max(longest, #name, #value)
  end
  return { count = count, size = size, longest = longest }
end)

-- A raw answer with a body of exactly ?n= bytes.
app:get("/raw", function(req)
  return fcgiserve.response{
    status = 200,
    headers = { ["Content-Type"] = "text/plain" },
    body = string.rep("x", tonumber(req.query.n) or 0),
  }
end)

app:post("/body", function(req)
  return { length = #(req.body or "") }
end)

app:get("/hello", function()
  return { hello = "world" }
end)

return app
