/*
 * Process identity: the pool's user/group, and dropping to it.
 */
#ifndef FCGISERVE_PRIV_H
#define FCGISERVE_PRIV_H

#include <sys/types.h>

#include "conf.h"

/* The uid/gid of a pool's user/group names; 0, or -1 (logged). */
int	priv_resolve(const struct pool_conf *, uid_t *, gid_t *);
/*
 * Started as root with a user or group set: setgroups, setgid, setuid, in
 * that order, each checked; fatal on failure.  Otherwise nothing.
 * Clears PR_SET_PDEATHSIG (the kernel does so on a credential change):
 * callers set it again afterwards.
 */
void	priv_drop(const struct pool_conf *);
/*
 * Started as anyone but root, a user/group other than the current one is
 * a configuration error, not a silent ignore.  Returns 0 or -1 (logged).
 */
int	priv_check(const struct conf *);

#endif
