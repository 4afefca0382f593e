/*
 * Everything between fork() and _exit() of a request child.
 */
#ifndef FCGISERVE_CHILD_H
#define FCGISERVE_CHILD_H

#include <sys/types.h>

#include "lua_app.h"
#include "request.h"

/*
 * Resource limits every later child sets on itself right after fork
 * (0: leave that one alone): RLIMIT_AS bytes, RLIMIT_CPU seconds,
 * RLIMIT_NOFILE.
 */
void	child_set_limits(size_t memory, int cpu_seconds, int open_files);

/*
 * fork(2) with every signal blocked across it, so no worker handler can
 * run in the child before child_run/child_spare reset them; the parent
 * gets its mask back and puts the child in its own process group.
 * Returns as fork does.
 */
pid_t	child_fork(void);

/*
 * Runs in the freshly forked child (signals blocked by the parent around
 * fork): dies with its parent, resets signals, closes every fd but 0-2
 * and outfd, reseeds, runs the handler and writes the response to outfd
 * as a 4-byte length (host order) followed by the CGI response, in one
 * write where the pipe allows.  Never returns.
 */
void	child_run(struct lua_app *, const struct request *, int outfd,
	    pid_t parent) __attribute__((noreturn));

/*
 * A spare: a child forked before its request exists, prepared and idle.
 * It reads one packed request (wire_pack) from reqfd, answers it on
 * outfd like child_run, and exits; at end of file on reqfd it just exits.
 * Never returns.
 */
void	child_spare(struct lua_app *, int reqfd, int outfd, pid_t parent)
	    __attribute__((noreturn));

#endif
