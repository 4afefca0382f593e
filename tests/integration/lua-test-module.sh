#!/bin/bash
# The Lua test module, fcgiserve.test (lua/fcgiserve/test.lua), under
# busted with the built daemon: the shipped example suite
# (conf/apps/example_spec.lua) passes, the module's own cases pass
# (lua-test-module_spec.lua), and a suite whose expectation is wrong, or
# whose app does not load, fails with the reason in busted's output.
. "$(dirname "$0")/lib.sh" || exit 99
requires_fcgiserve
command -v busted > /dev/null 2>&1 ||
    skip "busted not found (Debian: apt-get install lua-busted)"

# The module from the tree, the daemon from the build, busted run from
# $TMP (no .busted file of the caller's applies); TAP output, no colours.
export LUA_PATH="$top_srcdir/lua/?.lua;;"
export FCGISERVE APPS
busted_run() {
	local name=$1 rc=0
	shift
	(cd "$TMP" && busted -o TAP "$@") > "$TMP/$name.out" 2>&1 || rc=$?
	echo "$rc" > "$TMP/$name.rc"
	sed "s/^/$name: /" "$TMP/$name.out" >&2
}
rc() { cat "$TMP/$1.rc"; }
oks() { grep -c '^ok ' "$TMP/$1.out" || true; }

busted_run example "$top_srcdir/conf/apps/example_spec.lua"
assert_eq 0 "$(rc example)" "busted on the example suite"
assert_eq 10 "$(oks example)" "the example suite's cases passed"

write_conf api.lua
export SPEC_CONF=$TMP/fcgiserve.conf
busted_run module "$top_srcdir/tests/integration/lua-test-module_spec.lua"
assert_eq 0 "$(rc module)" "busted on the module's own cases"
assert_eq 12 "$(oks module)" "the module's cases passed"

# A wrong expectation fails the suite, and busted says which.
cat > "$TMP/wrong_spec.lua" <<'SPEC'
local t = require "fcgiserve.test"
describe("a wrong expectation", function()
  it("expects 200 from a path that is not there", function()
    local res = t.load(os.getenv("APPS") .. "/api.lua"):request{ path = "/nowhere" }
    assert.are.equal(200, res.status)
  end)
end)
SPEC
busted_run wrong "$TMP/wrong_spec.lua"
assert_match '^[1-9][0-9]*$' "$(rc wrong)" "busted's exit status on a failing suite"
assert_match 'not ok 1 - a wrong expectation expects 200' "$(cat "$TMP/wrong.out")" "the failing case"
assert_match 'Expected objects to be equal' "$(cat "$TMP/wrong.out")" "busted's reason"

# An app that does not load fails the suite with its file and line.
cat > "$TMP/broken_spec.lua" <<'SPEC'
local t = require "fcgiserve.test"
describe("a broken app", function()
  it("loads", function()
    t.load(os.getenv("APPS") .. "/syntax-error.lua")
  end)
end)
SPEC
busted_run broken "$TMP/broken_spec.lua"
assert_match '^[1-9][0-9]*$' "$(rc broken)" "busted's exit status on an app that does not load"
assert_match 'syntax-error\.lua:6:' "$(cat "$TMP/broken.out")" "the load error's file and line"
