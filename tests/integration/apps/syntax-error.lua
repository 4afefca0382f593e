-- A broken app for "fcgiserve -t": Lua reports the error at line 6.
local app = fcgiserve.router()

app:get("/x", function()
  return { ok = true
end)

return app
