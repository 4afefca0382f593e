-- Process state a request can change through a C module (probemod.c):
-- /look reports it as this request found it, /mess changes all of it,
-- /thread starts a thread.  isolation-process.sh sets package.cpath.
local probemod = require "probemod"

return function(req)
  if req.path == "/mess" then
    io.open("/dev/null")                      -- left open, from Lua
    return { child = probemod.mess() }
  elseif req.path == "/thread" then
    return { started = probemod.thread() }
  end
  return probemod.look(tonumber(req.query.child))
end
