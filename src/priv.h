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
 * Owner and group a pool's unix socket is given: listen_owner and
 * listen_group, else the pool's user and group (the user's own group
 * when only user is set); (uid_t)-1 / (gid_t)-1 leave one as it is.
 * 0, or -1 (logged) for an unknown name.
 */
int	priv_socket_owner(const struct pool_conf *, uid_t *, gid_t *);
/*
 * Started as root with a user or group set: setgroups, setgid, setuid, in
 * that order, each checked; fatal on failure.  Otherwise nothing.
 * Clears PR_SET_PDEATHSIG (the kernel does so on a credential change):
 * callers set it again afterwards.
 */
void	priv_drop(const struct pool_conf *);
/*
 * The identity rules, as configuration errors naming file:line, never a
 * silent ignore.  Started as root: a pool that would run as root (no
 * user, or user = root) needs allow_root = yes.  Started as anyone else:
 * a user/group other than the current one, or a listen_owner/listen_group
 * it cannot chown(2) to, is an error.  Returns 0 or -1 (logged).
 */
int	priv_check(const struct conf *);

#endif
