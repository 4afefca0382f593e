/*
 * A worker process: one libevent loop serving one pool.
 */
#ifndef FCGISERVE_WORKER_H
#define FCGISERVE_WORKER_H

#include <sys/types.h>

#include "conf.h"

/* Loads the pool's app and serves listen_fd until told to stop. */
void	worker_main(const struct conf *, const struct pool_conf *,
	    int listen_fd) __attribute__((noreturn));

/* The uid/gid a pool's user/group name; 0 or -1 (logged). */
int	worker_resolve_ids(const struct pool_conf *, uid_t *, gid_t *);

#endif
