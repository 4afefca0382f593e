-- A periodic job (every.sh): each run appends a line to the file named
-- by the environment's EVERY_LOG, with the process that ran it.
local log = assert(os.getenv("EVERY_LOG"), "EVERY_LOG is not set")

fcgiserve.every("1s", function()
  local f = assert(io.open(log, "a"))
  f:write(os.time(), "\n")
  f:close()
end, { name = "tick" })

fcgiserve.every("1s", function() error("a job that fails") end,
    { name = "broken" })

-- Past its own timeout (not request_timeout): killed, and the log says
-- which limit it met.
fcgiserve.every("1s", function() while true do end end,
    { name = "endless", timeout = "700ms" })

return function(req)
  return { ok = true }
end
