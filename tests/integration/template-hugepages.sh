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

# The worker: the master's only child.  Of its private anonymous
# mappings without a name (malloc's big blocks) and of [heap]: the kB
# that are marked for huge pages (VmFlags hg: our madvise, the claim
# under test, which does not depend on the kernel finding free 2 MiB
# pages) and the kB of huge pages they got (reported, not asserted).
worker=$(cat /proc/"$FCGISERVE_PID"/task/"$FCGISERVE_PID"/children)
worker=${worker%% *}
# huge NAME FIELD: the sum of FIELD (Size: or AnonHugePages:) over the
# mappings named NAME ("" for none) that are madvised MADV_HUGEPAGE.
huge() {
	awk -v want="$1" -v field="$2" '
	    /^[0-9a-f]+-[0-9a-f]+ / { ok = ($2 == "rw-p" && $5 == 0 &&
	        (want == "" ? NF == 5 : $6 == want)); size = 0; got = 0 }
	    ok && $1 == "Size:" { size = $2 }
	    ok && $1 == field { got = $2 }
	    ok && $1 == "VmFlags:" && / hg( |$)/ { kb += got }
	    END { print kb + 0 }' "/proc/$worker/smaps"
}
marked=$(huge "" Size:)
note "worker $worker: unnamed mappings madvised for huge pages: ${marked} kB, on huge pages: $(huge "" AnonHugePages:) kB; [heap]: $(huge '[heap]' Size:) kB madvised, $(huge '[heap]' AnonHugePages:) kB on huge pages"
[ "$marked" -ge 8192 ] ||
    fail "the 16 MiB array's mappings are not madvised for huge pages (${marked} kB marked), want >= 8192"
stop_fcgiserve
