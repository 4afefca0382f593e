-- State that a request changes must die with its child: every request
-- starts from the template this file builds once per worker.

local app = fcgiserve.router()

counter = 0                                   -- a global
local upvalue = 0                             -- an upvalue of the handler
package.loaded["isolation.state"] = { n = 0 } -- a module table
local draws = { math.random(0) }              -- the template's generator was used

app:get("/bump", function()
  counter = counter + 1
  upvalue = upvalue + 1
  local state = require("isolation.state")
  state.n = state.n + 1
  -- Things a previous request would have left behind.
  local leaked = leaked_global ~= nil or package.loaded["isolation.new"] ~= nil
      or string.isolation_marker ~= nil
  leaked_global = true
  package.loaded["isolation.new"] = true
  string.isolation_marker = true
  return { global = counter, upvalue = upvalue, module = state.n,
           leaked = leaked }
end)

app:get("/random", function()
  return { int = math.random(0), float = math.random(), template = #draws }
end)

return app
