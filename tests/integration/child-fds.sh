#!/bin/bash
# A request child holds only the descriptors it needs: stdin (/dev/null),
# stdout and stderr (the error log) and its answer pipe (3).  Not the
# listening socket, not its own client's connection, not other clients'
# connections, though the worker holds all of them when it forks.  Both
# ways a child comes to be are covered: a spare forked ahead (refilled
# while the connections are open) and a fork for the request when no
# spare is left.  A runner (isolation = reset) holds, besides, its
# request pipe (4) and its done pipe (6), and what it puts itself back
# with: its userfaultfd, /proc/self/pagemap and statm, and, for its
# process state, /proc/self/task, status and limits and its working
# directory; never a socket.
. "$(dirname "$0")/lib.sh" || exit 99
requires curl
run() {
	local mode=$1 port pid n s fds zygote
	port=$(freeport)
	write_conf api.lua "listen=127.0.0.1:$port" spare_children=1 isolation=$mode
	start_fcgiserve
	start_nginx "127.0.0.1:$port"
	# Where the kernel or the build cannot (a sanitizer build): fork.
	if [ "$mode" = reset ] &&
	    grep -q 'isolation reset is not available' "$FCGISERVE_LOG"; then
		note "isolation reset is not available here: checking fork"
		mode=fork
	fi

	# sockets PID: the socket descriptors of PID, one "fd -> socket:[inode]" a line.
	sockets() {
		local f t
		for f in /proc/"$1"/fd/*; do
			t=$(readlink "$f" 2>/dev/null) || continue
			case $t in socket:*) echo "${f##*/} -> $t" ;; esac
		done
	}

	# Two idle peers of our own.  A first request then uses the spare forked
	# at start, and its replacement is forked while the worker holds them.
	# Two requests held in their children follow: the first gets that spare,
	# the second a child forked for it, while the worker holds the listening
	# socket and four client connections.
	exec 4<> "/dev/tcp/127.0.0.1/$port" || fail "cannot connect to 127.0.0.1:$port"
	exec 5<> "/dev/tcp/127.0.0.1/$port" || fail "cannot connect to 127.0.0.1:$port"
	http GET /hello/first > /dev/null
	assert_status 200
	http_bg one GET "/hold?release=$TMP/go&pidfile=$TMP/one.pid"
	wait_file "$TMP/one.pid"
	http_bg two GET "/hold?release=$TMP/go&pidfile=$TMP/two.pid"
	wait_file "$TMP/two.pid"

	sole_worker
	n=$(sockets "$worker" | wc -l)
	note "worker $worker holds $n sockets"
	[ "$n" -ge 5 ] ||
	    fail "the worker holds $n sockets, expected the listener and 4 connections: $(sockets "$worker")"

	# Every child but the zygote (which forks spares) is a request child or
	# a spare; the zygote holds its channel to the worker, a unix socket, as
	# fd 3, and nothing else of the worker's.
	zygote=$(zygote_of "$worker")
	assert_match '^[0-9]+$' "$zygote" "the zygote's pid"
	# With the sandbox on, also the pool's Landlock ruleset (fds.h), where
	# the kernel has Landlock.
	local want="0 1 2 3 "
	[ "${SANDBOX:-off}" = off ] ||
	    grep -q 'lacks Landlock (not in this kernel' "$FCGISERVE_LOG" ||
	    want="0 1 2 3 7 "
	assert_eq "$want" "$(ls "/proc/$zygote/fd" | sort -n | tr '\n' ' ')" \
	    "descriptors of the zygote"
	assert_eq 0 "$(tcp_conns "$zygote")" "TCP sockets of the zygote"
	for pid in $(cat "$TMP/one.pid" "$TMP/two.pid") \
	    $(spares_of "$worker"); do
		s=$(sockets "$pid")
		[ -z "$s" ] || fail "child $pid holds sockets: $s"
	done
	# A runner's own descriptors, from 7 up, by what they are.
	runner_own() {
		local f t
		for f in $(ls "/proc/$1/fd" | sort -n); do
			[ "$f" -ge 7 ] || [ "$f" -eq 5 ] || continue
			t=$(readlink "/proc/$1/fd/$f")
			case $t in
			/proc/*/task|/proc/*/status|/proc/*/pagemap|/proc/*/statm|/proc/*/limits)
				echo "${t##*/}" ;;
			*userfaultfd*) echo userfaultfd ;;
			/*)	[ -d "$t" ] && echo directory || echo "$t" ;;
			*)	echo "$t" ;;
			esac
		done | sort | tr '\n' ' '
	}

	for pid in $(cat "$TMP/one.pid" "$TMP/two.pid"); do
		fds=$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')
		if [ "$mode" = reset ]; then
			# 7: the sandbox's slot (fds.h); with the sandbox on it
			# is closed after the snapshot's descriptors are made.
			assert_match '^0 1 2 3 4 5 6 (7 8 9 10 11 12|8 9 10 11 12 13) $' "$fds" \
			    "descriptors of runner $pid (5: no slow log here)"
			assert_match '^pipe:' "$(readlink "/proc/$pid/fd/4")" \
			    "fd 4 of runner $pid"
			assert_match '^pipe:' "$(readlink "/proc/$pid/fd/6")" \
			    "fd 6 of runner $pid"
			assert_eq "directory limits pagemap statm status task userfaultfd " \
			    "$(runner_own "$pid")" "the runner's own descriptors"
		else
			assert_eq "0 1 2 3 " "$fds" "descriptors of request child $pid"
		fi
		assert_match '^pipe:' "$(readlink "/proc/$pid/fd/3")" "fd 3 of child $pid"
		assert_eq /dev/null "$(readlink "/proc/$pid/fd/0")" "fd 0 of child $pid"
	done
	exec 4<&- 5<&-

	touch "$TMP/go"
	http_wait one
	assert_status 200
	http_wait two
	assert_status 200
	stop_fcgiserve
	stop_nginx
	rm -f "$TMP/go" "$TMP/one.pid" "$TMP/two.pid"
}

run fork
run reset
