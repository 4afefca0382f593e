-- example_spec.lua: tests of example.lua with busted and fcgiserve.test.
-- See TESTING in fcgiserve-lua(7).  Run it with
--
--   busted example_spec.lua
--
-- Each request goes through `fcgiserve request` (found as $FCGISERVE, or
-- on PATH), exactly as a worker runs one behind nginx.  The app is
-- $FCGISERVE_APP if set, else the example.lua next to this file, else the
-- installed /etc/fcgiserve/apps/example.lua.

local t = require "fcgiserve.test"

local function app_path()
  local env = os.getenv("FCGISERVE_APP")
  if env and env ~= "" then return env end
  local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
  for _, p in ipairs{ dir .. "example.lua",
                      "/etc/fcgiserve/apps/example.lua" } do
    local f = io.open(p, "r")
    if f then f:close(); return p end
  end
  error("example.lua not found: set FCGISERVE_APP")
end

describe("example.lua", function()
  local app = t.load(app_path())

  it("greets by name", function()
    local res = app:request{ path = "/hello/world" }
    assert.are.equal(200, res.status)
    assert.are.equal("application/json", res.headers["content-type"])
    assert.are.same({ greeting = "hello world" }, res.json)
  end)

  it("reads the query string", function()
    local res = app:request{ path = "/search",
                             query = { q = "lua", tag = { "a", "b" } } }
    assert.are.equal(200, res.status)
    assert.are.equal("lua", res.json.q)
    assert.are.same({ "a", "b" }, res.json.tags)
  end)

  it("answers an unknown item with a 404 in the error shape", function()
    local res = app:request{ path = "/items/42", headers = {
      ["X-Request-Id"] = "spec-404" } }
    assert.are.equal(404, res.status)
    assert.are.same({ status = 404, message = "no such item",
                      request_id = "spec-404" }, res.json.error)
  end)

  it("answers an unknown path with a 404", function()
    assert.are.equal(404, app:request{ path = "/nowhere" }.status)
  end)

  it("creates an item from a JSON body", function()
    local res = app:request{ method = "POST", path = "/items",
                             json = { name = "pen", price = 1.5 } }
    assert.are.equal(201, res.status)
    assert.are.equal("/items/2", res.headers.location)
    assert.are.same({ id = 2, name = "pen", price = 1.5 }, res.json)
    assert.matches("created item 2: pen", res.log, 1, true)
  end)

  it("refuses an item without a name", function()
    local res = app:request{ method = "POST", path = "/items",
                             json = { price = 1 } }
    assert.are.equal(422, res.status)
    assert.are.equal("name is required", res.json.error.message)
  end)

  it("refuses a body that is not JSON", function()
    local res = app:request{ method = "POST", path = "/items",
                             body = "{not json",
                             headers = { ["Content-Type"] = "application/json" } }
    assert.are.equal(400, res.status)
  end)

  it("does not keep what a request changed", function()
    -- The POST put item 2 in the app's table, in its own process only.
    assert.are.equal(201, app:request{ method = "POST", path = "/items",
                                       json = { name = "pen" } }.status)
    assert.are.equal(404, app:request{ path = "/items/2" }.status)
    assert.are.equal(200, app:request{ path = "/items/1" }.status)
  end)

  it("deletes with 204 and no body", function()
    local res = app:request{ method = "DELETE", path = "/items/1" }
    assert.are.equal(204, res.status)
    assert.are.equal("", res.body)
    assert.is_nil(res.json)
  end)

  it("answers /health as plain text", function()
    local res = app:request{ path = "/health" }
    assert.are.equal(200, res.status)
    assert.matches("^text/plain", res.headers["content-type"])
    assert.are.equal("ok\n", res.body)
  end)
end)
