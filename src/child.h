/*
 * Everything between fork() and _exit() of a request child.
 */
#ifndef FCGISERVE_CHILD_H
#define FCGISERVE_CHILD_H

#include <sys/types.h>

#include "lua_app.h"
#include "request.h"

/*
 * Runs in the freshly forked child (signals blocked by the parent around
 * fork): dies with its parent, resets signals, closes every fd but 0-2
 * and outfd, reseeds, runs the handler and writes the response to outfd
 * as a 4-byte length (host order) followed by the CGI response, in one
 * write where the pipe allows.  Never returns.
 */
void	child_run(struct lua_app *, const struct request *,
	    const char *request_id, int outfd, pid_t parent)
	    __attribute__((noreturn));

#endif
