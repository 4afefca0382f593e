-- fcgiserve.http from a handler (http-client.sh): each route makes one
-- call with the options in the query and answers what it got.
local http = fcgiserve.http

local function options(q)
  return {
    url = q.url,
    method = q.method,
    body = q.body,
    timeout = tonumber(q.timeout) or q.timeout,
    cafile = q.cafile,
    verify = q.verify ~= "no",
    redirect = q.redirect ~= "no",
    body_max = tonumber(q.body_max),
    headers = q.header and { ["X-Test"] = q.header } or nil,
  }
end

local function clock()
  local f = assert(io.open("/proc/uptime"))
  local t = tonumber(f:read("a"):match("^(%S+)"))
  f:close()
  return t
end

local app = fcgiserve.router()

-- What came back, without the body (its length instead).
app:get("/fetch", function(req)
  local t0 = clock()
  local res, err = http.request(options(req.query))
  local r = { err = err, seconds = clock() - t0 }
  if res then
    r.status, r.len, r.url = res.status, #res.body, res.url
    r.location = res.headers.location
    r.content_type = res.headers["content-type"]
    r.echo = res.headers["x-echo"]
    r.upper = res.headers["Content-Type"] ~= nil   -- names are lower-case
  end
  return r
end)

-- The body itself, for its checksum.
app:get("/raw", function(req)
  local res, err = http.request(options(req.query))
  if not res then fcgiserve.abort(502, err) end
  return fcgiserve.response { body = res.body,
    content_type = "application/octet-stream" }
end)

-- The call runs after the answer, under after_timeout.
app:get("/after", function(req)
  local o = options(req.query)
  fcgiserve.after(function()
    local res, err = http.request(o)
    fcgiserve.log("info", "after-http: " .. tostring(res and res.status or err))
  end)
  return { queued = true }
end)

-- A bad argument is the caller's mistake: it raises.
app:get("/bad", function()
  local ok, err = pcall(http.request, { url = "http://x/a b" })
  return { raised = not ok, err = tostring(err) }
end)

return app
