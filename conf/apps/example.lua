-- example.lua: a small JSON API for fcgiserve.  See fcgiserve-lua(7).
--
-- This file runs once, when a worker loads the app.  Every request then
-- runs in a fresh copy of the loaded state: whatever a handler changes
-- (the `items` table below included) is gone when its request ends, and
-- no request sees another's changes.  Keep lasting data in a database,
-- opened inside the handler.
--
-- Try it through nginx:
--   curl localhost/hello/world
--   curl 'localhost/search?q=lua&tag=a&tag=b'
--   curl localhost/items/1
--   curl -X POST -H 'Content-Type: application/json' \
--        -d '{"name":"pen","price":1.5}' localhost/items
--   curl localhost/health

local app = fcgiserve.router()

-- Read-only data, built once per worker and shared by every request.
local items = {
  ["1"] = { id = 1, name = "pencil", price = 0.5 },
}

-- GET /hello/world -> 200 {"greeting":"hello world"}
-- ":name" captures one path segment into req.params.
app:get("/hello/:name", function(req)
  return { greeting = "hello " .. req.params.name }
end)

-- GET /search?q=lua&tag=a&tag=b -> {"q":"lua","tags":["a","b"]}
-- Query values are strings; a repeated name gives an array of strings.
app:get("/search", function(req)
  local tags = req.query.tag or {}
  if type(tags) == "string" then tags = { tags } end
  -- json.array makes an empty list encode as [] rather than {}.
  return { q = req.query.q or "", tags = fcgiserve.json.array(tags) }
end)

-- GET /items/1 -> the item; an unknown id -> 404 in the standard
-- error shape: {"error":{"status":404,"message":"no such item",...}}
app:get("/items/:id", function(req)
  local item = items[req.params.id]
  if not item then fcgiserve.abort(404, "no such item") end
  return item
end)

-- POST /items {"name":"pen","price":1.5} -> 201 with a Location header.
app:post("/items", function(req)
  local item = req.json          -- decoded on first use; bad JSON -> 400
  if type(item) ~= "table" or type(item.name) ~= "string"
      or item.name == "" then
    fcgiserve.abort(422, "name is required")
  end
  if item.price ~= nil
      and (type(item.price) ~= "number" or item.price < 0) then
    fcgiserve.abort(422, "price must be a number >= 0")
  end
  local id = 2                   -- a real app would ask its database
  -- Seen by this request only: the next one starts without it (the
  -- isolation described at the top; example_spec.lua checks it).
  items[tostring(id)] = { id = id, name = item.name, price = item.price }
  fcgiserve.log("info", "created item " .. id .. ": " .. item.name)
  return 201, { id = id, name = item.name, price = item.price },
         { Location = "/items/" .. id }
end)

-- DELETE /items/1 -> 204 No Content: a handler that returns nothing.
app:delete("/items/:id", function(req)
  if not items[req.params.id] then fcgiserve.abort(404, "no such item") end
end)

-- GET /health -> "ok" as text/plain: a raw body instead of JSON.
app:get("/health", function()
  return fcgiserve.response{ body = "ok\n" }
end)

return app
