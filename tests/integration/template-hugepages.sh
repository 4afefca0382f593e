#!/bin/bash
# A worker's template is put on huge pages after the app is loaded
# (arena_template_settle), so a fork copies one page-table entry per 2 MiB
# of it: the brk heap and the anonymous mappings malloc makes for big
# blocks alike (a 16 MiB Lua array here).  Needs transparent huge pages
# (madvise or always) and MADV_COLLAPSE (Linux 6.1); not in ASan builds,
# whose allocator owns the heap.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -r "$thp" ] && ! grep -q '\[never\]' "$thp" ||
    skip "transparent huge pages are off ($thp)"
IFS=. read -r major minor _ < <(uname -r)
[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 1 ]; } ||
    skip "no MADV_COLLAPSE before Linux 6.1 ($(uname -r))"
! grep -aqE '__asan_' "$FCGISERVE" || skip "ASan build"

start_stack bigarray.lua workers=1
http GET /n > /dev/null
assert_status 200
assert_json .n 1048576

# The worker: the master's only child.  Huge pages, in kB, of its private
# anonymous mappings without a name (malloc's big blocks) and of [heap].
worker=$(cat /proc/"$FCGISERVE_PID"/task/"$FCGISERVE_PID"/children)
worker=${worker%% *}
huge() {
	awk -v want="$1" '
	    /^[0-9a-f]+-[0-9a-f]+ / { ok = ($2 == "rw-p" && $5 == 0 &&
	        (want == "" ? NF == 5 : $6 == want)) }
	    ok && $1 == "AnonHugePages:" { kb += $2 }
	    END { print kb + 0 }' "/proc/$worker/smaps"
}
unnamed=$(huge "")
note "worker $worker: huge pages ${unnamed} kB in unnamed mappings, $(huge '[heap]') kB in [heap]"
[ "$unnamed" -ge 8192 ] ||
    fail "the 16 MiB array is on ${unnamed} kB of huge pages, want >= 8192"
stop_fcgiserve
