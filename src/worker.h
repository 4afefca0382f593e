/*
 * A worker process: one libevent loop serving one pool.
 */
#ifndef FCGISERVE_WORKER_H
#define FCGISERVE_WORKER_H

#include <sys/types.h>

#include "conf.h"

/*
 * Drops to the pool's user, loads its app and serves listen_fd until told
 * to stop (SIGTERM).  ctl_fd is its end of the control channel (ctl.h):
 * it says CTL_READY once accepting and takes CTL_REOPEN.  Exits if master
 * is no longer its parent.
 */
void	worker_main(const struct conf *, const struct pool_conf *,
	    int listen_fd, int ctl_fd, pid_t master) __attribute__((noreturn));

#endif
