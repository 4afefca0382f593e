#!/bin/bash
# Spares are forked by the worker's zygote, yet are the worker's own
# children, each leading its own process group; an idle spare answers the
# next request; a zygote that dies is replaced and requests carry on.
# (Spares are the fork mode's: isolation = fork.)
. "$(dirname "$0")/lib.sh" || exit 99
requires curl jq
start_stack api.lua isolation=fork workers=1 spare_children=2

sole_worker
zygote() { zygote_of "$worker"; }
spares() { spares_of "$worker"; }
wait_for 5 eval '[ "$(spares | wc -l)" -eq 2 ]' ||
    fail "expected 2 spares under worker $worker, have: $(spares | xargs)"
z=$(zygote)
assert_match '^[0-9]+$' "$z" "the zygote's pid"
for s in $(spares); do
	assert_eq "$s" "$(ps -o pgid= -p "$s" | tr -d ' ')" \
	    "spare $s leads its own process group"
	assert_eq fcgiserve "$(ps -o comm= -p "$s")" "spare $s's name"
done

idle=$(spares | xargs)
http GET '/sleep?s=0'
assert_status 200
served=$(last_body | jq -r .pid)
case " $idle " in
*" $served "*) ;;
*) fail "request answered by $served, not by an idle spare ($idle)" ;;
esac

kill -KILL "$z"
wait_log "spare zygote $z killed by signal 9"
wait_for 5 eval '[ -n "$(zygote)" ] && [ "$(zygote)" != "$z" ]' ||
    fail "zygote $z not replaced"
for i in 1 2 3 4; do
	http GET "/hello/after$i" > /dev/null
	assert_status 200
done
wait_for 5 eval '[ "$(spares | wc -l)" -eq 2 ]' ||
    fail "spares not refilled after the zygote's restart: $(spares | xargs)"
assert_no_log 'cannot fork'
stop_fcgiserve
