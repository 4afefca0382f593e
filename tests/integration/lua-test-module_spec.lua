-- The fcgiserve.test module's own cases, run by lua-test-module.sh under
-- busted: arguments that a shell would mangle, bodies with any byte,
-- JSON both ways, isolation, and the errors it must raise.  APPS and
-- SPEC_CONF come from the script.

local t = require "fcgiserve.test"
local APPS = assert(os.getenv("APPS"), "APPS not set")
local CONF = assert(os.getenv("SPEC_CONF"), "SPEC_CONF not set")

describe("fcgiserve.test", function()
  local api = t.load(APPS .. "/api.lua")

  it("passes method, path, query, headers and body untouched", function()
    local nasty = [[it's "$HOME" `id`; $(id) \ * ?]]
    local body = "line 1\nline 2\0after a NUL\r\n" .. nasty
    local res = api:request{ method = "POST", path = "/echo?x=" .. "%27",
                             headers = { ["X-Test"] = nasty },
                             body = body }
    assert.are.equal(200, res.status)
    assert.are.equal("POST", res.json.method)
    assert.are.equal("/echo", res.json.path)
    assert.are.equal("'", res.json.query.x)
    assert.are.equal(nasty, res.json.test_header)
    assert.are.equal(body, res.json.body)
  end)

  it("encodes query = tables", function()
    local res = api:request{ path = "/echo",
                             query = { ["a b"] = "c&d=e", tag = { "x", "y'z" } } }
    assert.are.same({ ["a b"] = "c&d=e", tag = { "x", "y'z" } },
                    res.json.query)
  end)

  it("keeps a path that looks like an option a path", function()
    assert.are.equal(404, api:request{ path = "-t" }.status)
  end)

  it("sends json = with its Content-Type, null and empty tables", function()
    local res = api:request{ method = "POST", path = "/echo",
                             json = { a = t.null } }
    assert.are.equal('{"a":null}', res.json.body)
    res = api:request{ method = "POST", path = "/echo", json = t.object() }
    assert.are.equal("{}", res.json.body)
    res = api:request{ method = "POST", path = "/echo", json = t.array() }
    assert.are.equal("[]", res.json.body)
    res = api:request{ method = "POST", path = "/items", json = { name = "x" } }
    assert.are.equal(201, res.status)  -- 415/400 if the type were wrong
  end)

  it("gives headers by lower-case name, and in order", function()
    local res = api:request{ path = "/header", query = { v = "a, b" } }
    assert.are.equal("a, b", res.headers["x-echo"])
    assert.is_nil(res.headers["X-Echo"])
    local names = {}
    for _, h in ipairs(res.header_list) do names[#names + 1] = h[1] end
    assert.are.same({ "X-Echo", "Content-Type", "Content-Length" }, names)
  end)

  it("reports a handler's error as the 500 it is, with its log", function()
    local res = api:request{ path = "/boom" }
    assert.are.equal(500, res.status)
    assert.are.equal("internal server error", res.json.error.message)
    assert.matches("api.lua:%d+:", res.log)
  end)

  it("raises on res.json of a body that is not JSON", function()
    local res = api:request{ path = "/raw" }
    assert.are.equal("plain text\n", res.body)
    assert.has_error(function() return res.json end)
  end)

  it("runs every request from the loaded app, not the last request",
      function()
    local app = t.load(APPS .. "/isolation.lua")
    for _ = 1, 2 do
      local res = app:request{ path = "/bump" }
      assert.are.same({ global = 1, upvalue = 1, module = 1,
                        leaked = false }, res.json)
    end
  end)

  it("loads a pool's app from a configuration file", function()
    local app = t.load{ conf = CONF, pool = "test" }
    assert.are.equal("hello conf",
                     app:request{ path = "/hello/conf" }.json.greeting)
    assert.has_error(function() t.load{ conf = CONF, pool = "nope" } end)
  end)

  it("raises when the app does not load, naming file and line", function()
    local ok, err = pcall(t.load, APPS .. "/syntax-error.lua")
    assert.is_false(ok)
    assert.matches("syntax%-error%.lua:6:", err)
  end)

  it("raises on a binary that is not there", function()
    assert.has_error(function()
      t.load(APPS .. "/api.lua", { binary = "/nonexistent/fcgiserve" })
    end)
  end)

  it("refuses requests it cannot pass on", function()
    assert.has_error(function()
      api:request{ path = "/echo", body = "x", json = {} }
    end)
    assert.has_error(function()
      api:request{ path = "/echo", headers = { ["X-A"] = "a\r\nX-B: b" } }
    end)
    assert.has_error(function() api:request{ path = "/a\0b" } end)
  end)
end)
