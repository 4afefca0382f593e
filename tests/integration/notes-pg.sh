#!/bin/bash
# The PostgreSQL example, conf/apps/notes-pg.lua, as shipped, through nginx
# against a real PostgreSQL made here: initdb in $TMP, pg_ctl start on a
# unix socket in $TMP (no TCP), stopped by the postmaster's PID.  Create,
# read, update, delete; 404 for a missing note and for an id that is not
# one; 422 for a missing field; 400 for invalid JSON; quotes, backslashes,
# non-ASCII and an injection attempt stored verbatim and harmless; 200
# requests at once, none failing, each on a connection of its own, all
# closed after.  Two workers, so the table is created by two loads at
# once.  As root, PostgreSQL (which refuses root) runs as nobody.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
requires_fcgiserve
"$FCGISERVE" -V | grep -q 'static binary' &&
    skip "a static binary cannot load C modules such as luasql.postgres"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] ||
    skip "PostgreSQL is not installed (apt-get install postgresql)"
APP=$top_srcdir/conf/apps/notes-pg.lua

# lua-sql-postgres, as the daemon's own Lua finds it.
cat > "$TMP/probe.lua" <<'LUA'
return function() return { ok = (pcall(require, "luasql.postgres")) } end
LUA
"$FCGISERVE" request "$TMP/probe.lua" GET / > "$TMP/probe.out" 2>&1 ||
    fail "fcgiserve request of the probe failed: $(cat "$TMP/probe.out")"
grep -q '"ok":true' "$TMP/probe.out" ||
    skip "lua-sql-postgres is not installed (apt-get install lua-sql-postgres)"

# ------------------------------------------------------------ PostgreSQL

PG=$TMP/pg		# the data directory's parent and the socket's directory
mkdir "$PG"
if [ "$(id -u)" -eq 0 ]; then
	requires setpriv
	id nobody > /dev/null 2>&1 || skip "no user 'nobody' to run PostgreSQL as"
	as=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
	chmod 0755 "$TMP"
	chown nobody "$PG"
else
	as=(env)
fi
"${as[@]}" "$PGBIN/initdb" -D "$PG/data" -U notes --auth=trust -E UTF8 \
    --locale=C > "$TMP/initdb.log" 2>&1 ||
    fail "initdb failed: $(tail -n 5 "$TMP/initdb.log")"
# log_connections: the log counts the connections the app made.
"${as[@]}" "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/postgres.log" -w -t 60 \
    -o "-k $PG -c listen_addresses= -c max_connections=40 -c fsync=off -c log_connections=on" \
    start > "$TMP/pg_ctl.log" 2>&1 ||
    fail "pg_ctl start failed: $(cat "$TMP/pg_ctl.log"; tail -n 5 "$PG/postgres.log")"
PG_PID=$(head -n 1 "$PG/data/postmaster.pid")
assert_match '^[0-9]+$' "$PG_PID" "the postmaster's pid"
_track "$PG_PID"	# stopped last, after the daemon and nginx

psql() {
	"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG" -U notes -d notes "$@"
}
"$PGBIN/createdb" -h "$PG" -U notes notes ||
    fail "createdb notes failed"

# ------------------------------------------------------------ the app

export NOTES_PG_DSN="host=$PG dbname=notes user=notes application_name=notes-pg"
NGINX_WORKER_CONNECTIONS=1024
start_stack notes-pg app="$APP" workers=2 max_children=8 queue=256 \
    request_timeout=30s
assert_eq notes "$(psql -c "SELECT to_regclass('notes')")" \
    "the table the app made at load"

json=(-H 'Content-Type: application/json')

# Create, read, list, update, delete.
http POST /notes "${json[@]}" -d '{"text":"first"}' > /dev/null
assert_status 201
id=$(jq -r .id "$TMP/last.body")
assert_match '^[0-9]+$' "$id" "the new note's id"
assert_header Location "/notes/$id"
assert_json . "{\"id\":$id,\"text\":\"first\"}"
http GET "/notes/$id" > /dev/null
assert_status 200
assert_json . "{\"id\":$id,\"text\":\"first\"}"
http GET /notes > /dev/null
assert_status 200
assert_json . "{\"notes\":[{\"id\":$id,\"text\":\"first\"}]}"
http PUT "/notes/$id" "${json[@]}" -d '{"text":"second"}' > /dev/null
assert_status 200
assert_json . "{\"id\":$id,\"text\":\"second\"}"
http GET "/notes/$id" > /dev/null
assert_json .text second
assert_eq second "$(psql -c "SELECT text FROM notes WHERE id = $id")" \
    "the row in PostgreSQL"
http DELETE "/notes/$id" > /dev/null
assert_status 204
assert_body ''
assert_eq 0 "$(psql -c 'SELECT count(*) FROM notes')" "rows after DELETE"

# Missing rows, and ids that are none.
http GET "/notes/$id" > /dev/null
assert_error 404
assert_json .error.message 'no such note'
http PUT "/notes/$id" "${json[@]}" -d '{"text":"x"}' > /dev/null
assert_error 404
http DELETE "/notes/$id" > /dev/null
assert_error 404
for path in /notes/0 /notes/abc '/notes/1%20OR%201=1' \
    '/notes/1;DELETE%20FROM%20notes' /notes/99999999999999999999; do
	http GET "$path" > /dev/null
	assert_error 404
done

# A missing field, a field of the wrong type, a NUL: 422; not JSON: 400.
for body in '{}' '{"txt":"x"}' '{"text":1}' '[]' '"text"' '{"text":"a\u0000b"}'; do
	http POST /notes "${json[@]}" -d "$body" > /dev/null
	assert_error 422
done
http POST /notes "${json[@]}" > /dev/null	# no body: req.json is nil
assert_error 422
http POST /notes "${json[@]}" -d '{"text":' > /dev/null
assert_error 400
http POST /notes "${json[@]}" -d "{'text':'x'}" > /dev/null
assert_error 400
http PUT /notes/1 "${json[@]}" -d 'nope' > /dev/null
assert_error 400
assert_eq 0 "$(psql -c 'SELECT count(*) FROM notes')" "rows after refused bodies"

# Quotes, backslashes, non-ASCII and an injection attempt: stored and
# returned byte for byte, and the table is still there with its rows.
nasty="it's \"quoted\" \\' \\\\ é ✓ '); DROP TABLE notes; --"
body=$(jq -cn --arg t "$nasty" '{text: $t}')
http POST /notes "${json[@]}" -d "$body" > /dev/null
assert_status 201
nid=$(jq -r .id "$TMP/last.body")
assert_json .text "$nasty"
http GET "/notes/$nid" > /dev/null
assert_status 200
assert_json .text "$nasty"
assert_eq "$nasty" "$(psql -c "SELECT text FROM notes WHERE id = $nid")" \
    "the row as PostgreSQL holds it"
upd="x' WHERE false; UPDATE notes SET text = 'pwned'; --"
http PUT "/notes/$nid" "${json[@]}" -d "$(jq -cn --arg t "$upd" '{text: $t}')" > /dev/null
assert_status 200
assert_json .text "$upd"
assert_eq "1 $upd" "$(psql -F ' ' -c 'SELECT count(*), min(text) FROM notes')" \
    "the table after the injection attempts"

# 200 requests at once, 100 writes and 100 reads: every one answered
# 201 or 200, each on its own connection, and none left open after.
conns_before=$(grep -c 'connection authorized: .*application_name=notes-pg' "$PG/postgres.log" || true)
curl_many() {	# curl_many OUT URL [curl args]: 100 requests; statuses in
	local out=$1 url=$2	# OUT, bodies in OUT.d/1 to OUT.d/100
	shift 2
	curl -sS --parallel --parallel-immediate --parallel-max 100 \
	    --max-time 60 --create-dirs -o "$out.d/#1" -w '%{http_code}\n' "$@" \
	    "http://127.0.0.1:$NGINX_PORT$url?n=[1-100]" > "$out" 2> "$out.err"
}
curl_many "$TMP/writes" /notes -X POST "${json[@]}" -d '{"text":"parallel"}' &
writes=$!
_track "$writes"
curl_many "$TMP/reads" "/notes/$nid" &
reads=$!
_track "$reads"
wait "$writes" || fail "curl (writes) failed: $(head -n 3 "$TMP/writes.err")"
_untrack "$writes"
wait "$reads" || fail "curl (reads) failed: $(head -n 3 "$TMP/reads.err")"
_untrack "$reads"
assert_eq "100 201" "$(sort "$TMP/writes" | uniq -c | xargs)" "statuses of 100 parallel writes"
assert_eq "100 200" "$(sort "$TMP/reads" | uniq -c | xargs)" "statuses of 100 parallel reads"
assert_eq "100 100" \
    "$(psql -F ' ' -c "SELECT count(*), count(DISTINCT id) FROM notes WHERE text = 'parallel'")" \
    "parallel notes in PostgreSQL (all, distinct ids)"
conns=$(( $(grep -c 'connection authorized: .*application_name=notes-pg' "$PG/postgres.log" || true) - conns_before ))
[ "$conns" -ge 200 ] ||
    fail "200 requests made $conns connections: connections shared between requests?"
open_conns() {
	[ "$(psql -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'notes-pg'")" = 0 ]
}
wait_for 10 open_conns ||
    fail "connections of the app still open after the requests: $(psql -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'notes-pg'")"
assert_eq 100 "$(cat "$TMP/reads.d"/* | jq -r .text | grep -cxF "$upd")" \
    "bodies of the parallel reads"
assert_no_log 'Z error '
assert_eq '' "$(grep -E 'FATAL|ERROR|PANIC' "$PG/postgres.log" || true)" \
    "errors in the PostgreSQL log"

stop_fcgiserve

# PostgreSQL, by its PID: a fast shutdown.
kill -INT "$PG_PID"
_wait_exit "$PG_PID" 30 || fail "PostgreSQL still runs 30 s after SIGINT"
_untrack "$PG_PID"
