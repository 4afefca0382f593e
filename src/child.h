/*
 * Everything between fork() and _exit() of a request child.
 */
#ifndef FCGISERVE_CHILD_H
#define FCGISERVE_CHILD_H

#include <sys/types.h>
#include <stdint.h>

#include "lua_app.h"
#include "request.h"

/*
 * What a request child writes to its answer pipe, in one write where the
 * pipe allows: this head (host order), then len bytes of CGI response.
 * status is what the handler's result chose: the worker need not parse
 * the response for it.
 */
struct child_head {
	uint32_t	len;
	uint32_t	status;
};

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
 * and outfd, reseeds, runs the handler and writes its answer to outfd
 * (struct child_head, then the CGI response).  Never returns.
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
