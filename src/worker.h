/*
 * A worker process: one libevent loop serving one pool.
 */
#ifndef FCGISERVE_WORKER_H
#define FCGISERVE_WORKER_H

#include <sys/types.h>

#include "conf.h"

/*
 * Drops to the pool's user, loads its app and serves listen_fd until told
 * to stop.  Exits if master is no longer its parent.
 */
void	worker_main(const struct conf *, const struct pool_conf *,
	    int listen_fd, pid_t master) __attribute__((noreturn));

#endif
