-- notes-pg.lua: notes kept in PostgreSQL, a JSON create/read/update/delete
-- API through Debian's lua-sql-postgres.  See fcgiserve-lua(7), "A
-- PostgreSQL application".
--
--   POST   /notes      {"text":"..."}  -> 201 {"id":1,"text":"..."}, Location
--   GET    /notes                      -> 200 {"notes":[...]} (the last 100)
--   GET    /notes/1                    -> 200 {"id":1,"text":"..."}
--   PUT    /notes/1    {"text":"..."}  -> 200 {"id":1,"text":"..."}
--   DELETE /notes/1                    -> 204
--
-- A missing note is 404, a body without a "text" string 422, a body that
-- is not JSON 400 (fcgiserve's own), a database it cannot reach 503.
--
-- The database: NOTES_PG_DSN in fcgiserve's environment, a libpq
-- connection string or URI; by default "dbname=notes", which libpq reaches
-- on Debian's socket in /var/run/postgresql as the pool's user (peer
-- authentication: a role of the same name).  The table is created here,
-- at load time, if it is not there.
--
-- Connections.  Every request runs in a fresh copy of the loaded app, so
-- nothing a request opens is kept for the next one: each request connects
-- and closes again.  A connection opened at load time and kept would be
-- one socket shared by every copy at once -- two requests' queries would
-- interleave on it -- so the one made below to create the table is closed
-- before the file returns.  The cost of a connection per request, and
-- PgBouncer in front of PostgreSQL to remove it, are in fcgiserve-lua(7).

local postgres = require "luasql.postgres"	-- loaded once per worker

local DSN = os.getenv("NOTES_PG_DSN") or "dbname=notes"

-- connect(): a new environment and connection; 503 when PostgreSQL
-- cannot be reached (logged: libpq's reason, not the DSN, which may
-- hold a password).
local function connect()
  local env = assert(postgres.postgres())
  local con, err = env:connect(DSN)
  if not con then
    env:close()
    fcgiserve.log("error", "notes-pg: cannot connect to PostgreSQL",
                  { reason = err })
    fcgiserve.abort(503, "database unavailable")
  end
  return env, con
end

local function close(env, con, cur)
  if cur then cur:close() end
  con:close()
  env:close()
end

-- quote(con, s): s as an SQL string literal.  luasql has no parameters;
-- con:escape is libpq's PQescapeStringConn, which doubles quotes for the
-- connection's encoding.  PostgreSQL text cannot hold a NUL byte and
-- libpq's escaping would stop at one, so the caller refuses those first.
local function quote(con, s)
  return "'" .. con:escape(s) .. "'"
end

-- note_id(req): the :id capture as an integer; anything but a positive
-- bigint is no note at all.
local function note_id(req)
  local s = req.params.id
  if not s:match("^[1-9]%d*$") or #s > 18 then
    fcgiserve.abort(404, "no such note")
  end
  return math.tointeger(tonumber(s))
end

-- note_text(req): the "text" field of the JSON body (invalid JSON is
-- fcgiserve's 400 already, on first use of req.json).
local function note_text(req)
  local body = req.json
  if type(body) ~= "table" or type(body.text) ~= "string" then
    fcgiserve.abort(422, "text is required")
  end
  if body.text:find("\0", 1, true) then
    fcgiserve.abort(422, "text cannot hold a NUL character")
  end
  return body.text
end

-- row(cur): the next row as a note, or nil; luasql gives every column as
-- a string.
local function row(cur)
  local r = cur:fetch({}, "a")
  if not r then return nil end
  return { id = math.tointeger(tonumber(r.id)), text = r.text }
end

-- The table, once per worker start.  Workers load at the same time, and
-- two CREATE TABLE IF NOT EXISTS at once can still collide in the
-- catalog: an advisory lock held to the end of the transaction makes
-- them take turns.  If PostgreSQL cannot be reached the app does not
-- load (fcgiserve -t says so).
do
  local env = assert(postgres.postgres())
  local con = assert(env:connect(DSN))
  assert(con:execute("BEGIN"))
  assert(con:execute(
      "SELECT pg_advisory_xact_lock(hashtext('fcgiserve notes-pg'))")):close()
  assert(con:execute([[CREATE TABLE IF NOT EXISTS notes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      text text NOT NULL)]]))
  assert(con:execute("COMMIT"))
  close(env, con)
end

local app = fcgiserve.router()

app:post("/notes", function(req)
  local text = note_text(req)
  local env, con = connect()
  local cur = assert(con:execute("INSERT INTO notes (text) VALUES (" ..
      quote(con, text) .. ") RETURNING id, text"))
  local note = row(cur)
  close(env, con, cur)
  return 201, note, { Location = "/notes/" .. note.id }
end)

app:get("/notes", function()
  local env, con = connect()
  local cur = assert(con:execute(
      "SELECT id, text FROM notes ORDER BY id DESC LIMIT 100"))
  local notes = fcgiserve.json.array()
  for note in row, cur do
    notes[#notes + 1] = note
  end
  close(env, con, cur)
  return { notes = notes }
end)

app:get("/notes/:id", function(req)
  local id = note_id(req)
  local env, con = connect()
  local cur = assert(con:execute(
      "SELECT id, text FROM notes WHERE id = " .. id))
  local note = row(cur)
  close(env, con, cur)
  if not note then fcgiserve.abort(404, "no such note") end
  return note
end)

app:put("/notes/:id", function(req)
  local id = note_id(req)
  local text = note_text(req)
  local env, con = connect()
  local cur = assert(con:execute("UPDATE notes SET text = " ..
      quote(con, text) .. " WHERE id = " .. id .. " RETURNING id, text"))
  local note = row(cur)
  close(env, con, cur)
  if not note then fcgiserve.abort(404, "no such note") end
  return note
end)

app:delete("/notes/:id", function(req)
  local id = note_id(req)
  local env, con = connect()
  local n = assert(con:execute("DELETE FROM notes WHERE id = " .. id))
  close(env, con)
  if n == 0 then fcgiserve.abort(404, "no such note") end
end)

return app
