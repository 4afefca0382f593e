#!/bin/bash
# reload_on_change = yes: the master watches the app and every Lua file it
# loaded (require on package.path, dofile) and reloads, as SIGHUP does, a
# moment after one changes.  Through nginx, without any signal: an app
# saved as editors do (a new file renamed over the old one) and a module
# edited in place are served within a bounded wait (the delay is printed;
# the aim is under 2 s); a module required only by the new code is
# watched from then on; an app with a syntax error is logged with its
# file:line while the old code keeps answering, and its fix is served.
# With the key off (the default) an edit changes nothing.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl

mkdir "$TMP/app" "$TMP/lib"
# save FILE LINE...: as an editor saves, a new file renamed over FILE.
save() {
	local f=$1
	shift
	printf '%s\n' "$@" > "$f.new"
	mv "$f.new" "$f"
}
# app_v BODY_SUFFIX [LINE...]: the app, requiring lib/greeting.lua from a
# directory it adds to package.path; extra LINEs go before its return.
app_v() {
	local v=$1
	shift
	save "$TMP/app/app.lua" \
	    "package.path = '$TMP/lib/?.lua;' .. package.path" \
	    'local greeting = require "greeting"' \
	    'local extra = ""' \
	    "$@" \
	    'return function()' \
	    "  return fcgiserve.response{ body = greeting.word .. \" $v\" .. extra }" \
	    'end'
}

# served WANT WHAT T0: polls until the answer's body is WANT and prints
# how long it took since T0 (ms, before the edit); fails after 15 s.
served() {
	local want=$1 what=$2 t0=$3 i
	for ((i = 0; i < 150; i++)); do
		http GET /x > /dev/null
		if [ "$(last_status)" = 200 ] && [ "$(last_body)" = "$want" ]; then
			note "$what: served $(($(now_ms) - t0)) ms after the edit"
			return 0
		fi
		sleep 0.1
	done
	fail "$what: the answer is still '$(last_body)' ($(last_status)) 15 s after the edit, expected '$want'"
}

save "$TMP/lib/greeting.lua" 'return { word = "hello" }'
app_v v1
start_stack api.lua "app=$TMP/app/app.lua" reload_on_change=yes
http GET /x > /dev/null
assert_status 200
assert_body "hello v1"
wait_log 'reload_on_change: watching 2 files in 2 directories'
assert_log "reload_on_change: watching $TMP/app/app\\.lua\$"
assert_log "reload_on_change: watching $TMP/lib/greeting\\.lua\$"

# The app, saved as editors do.
t0=$(now_ms)
app_v v2
served "hello v2" "app renamed over" "$t0"
assert_log "reload_on_change: $TMP/app/app\\.lua changed; reloading $TMP/fcgiserve\\.conf"
assert_log 'reload: configuration #2 loaded'

# The required module, truncated and written in place.
t0=$(now_ms)
printf '%s\n' 'return { word = "bonjour" }' > "$TMP/lib/greeting.lua"
served "bonjour v2" "module written in place" "$t0"
assert_log "reload_on_change: $TMP/lib/greeting\\.lua changed; reloading"

# A module (and a dofile'd file) only the new code loads: watched from then on.
save "$TMP/lib/extra.lua" 'return "!"'
save "$TMP/lib/settings.lua" 'return { n = 1 }'
t0=$(now_ms)
app_v v3 'extra = require "extra" .. dofile("'"$TMP"'/lib/settings.lua").n'
served "bonjour v3!1" "app with a new require" "$t0"
wait_log 'reload_on_change: watching 4 files in 2 directories'
t0=$(now_ms)
save "$TMP/lib/extra.lua" 'return "?"'
served "bonjour v3?1" "newly required module" "$t0"
t0=$(now_ms)
printf '%s\n' 'return { n = 2 }' > "$TMP/lib/settings.lua"
served "bonjour v3?2" "dofile'd file" "$t0"

# A syntax error on line 5: logged with file:line, the running code keeps
# answering.
failed=$(count_log 'reload failed')
app_v v4 'extra = extra .. "x"' 'local broken = = 1'
more_failures() {
	[ "$(count_log 'reload failed')" -gt "$failed" ]
}
wait_for 15 more_failures ||
    fail "no 'reload failed' within 15 s of the syntax error"
assert_log "reload_on_change: $TMP/app/app\\.lua changed; reloading"
assert_log "pool test: $TMP/app/app\\.lua:5: unexpected symbol near '='"
assert_log 'reload failed; still serving configuration #6'
for i in 1 2 3 4 5; do
	http GET /x > /dev/null
	assert_status 200
	assert_body "bonjour v3?2"
	sleep 0.2
done

# Fixed: served.
t0=$(now_ms)
app_v v5
served "bonjour v5" "fixed app" "$t0"

# A module the new code requires, with a syntax error: logged with its
# file:line; it is watched all the same, and fixing it (not the app)
# reloads.
save "$TMP/lib/fresh.lua" 'return = 1'
failed=$(count_log 'reload failed')
app_v v6 'extra = require "fresh"'
wait_for 15 more_failures ||
    fail "no 'reload failed' within 15 s of requiring a broken module"
assert_log "$TMP/lib/fresh\\.lua:1: unexpected symbol near '='"
http GET /x > /dev/null
assert_body "bonjour v5"
t0=$(now_ms)
save "$TMP/lib/fresh.lua" 'return "+"'
served "bonjour v6+" "fixed module" "$t0"
stop_fcgiserve

# Off (the default): an edit changes nothing.
write_conf api.lua "app=$TMP/app/app.lua"
: > "$FCGISERVE_LOG"
start_fcgiserve
http GET /x > /dev/null
assert_body "bonjour v6+"
app_v v7
printf '%s\n' 'return { word = "hallo" }' > "$TMP/lib/greeting.lua"
sleep 1		# five times the settle delay
http GET /x > /dev/null
assert_status 200
assert_body "bonjour v6+"
assert_no_log 'reload_on_change|reloading'
stop_fcgiserve
