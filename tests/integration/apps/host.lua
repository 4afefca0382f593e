-- Which host answered: scale-out.sh runs one fcgiserve per network
-- namespace ("host"), each with its name in TEST_HOST.
local host = os.getenv("TEST_HOST") or "unknown"

return function()
  return { host = host }
end
