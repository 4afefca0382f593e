/*
 * Process identity: resolving a pool's user/group and dropping to them.
 * Shared by the master (socket ownership, -t) and the workers.
 */
#include <sys/types.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

int
priv_resolve(const struct pool_conf *p, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	struct group	*gr;

	*uid = geteuid();
	*gid = getegid();
	if (p->user != NULL) {
		if ((pw = getpwnam(p->user)) == NULL) {
			log_warnx("pool %s: unknown user '%s'", p->name, p->user);
			return -1;
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (p->group != NULL) {
		if ((gr = getgrnam(p->group)) == NULL) {
			log_warnx("pool %s: unknown group '%s'", p->name,
			    p->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

void
priv_drop(const struct pool_conf *p)
{
	uid_t	uid;
	gid_t	gid;

	if (geteuid() != 0 || (p->user == NULL && p->group == NULL))
		return;
	if (priv_resolve(p, &uid, &gid) == -1)
		fatalx("pool %s: cannot drop privileges", p->name);
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setgid %ld", (long)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setuid %ld", (long)uid);
	if (uid != 0 && setuid(0) != -1)
		fatalx("could regain root after dropping privileges");
}

int
priv_check(const struct conf *conf)
{
	struct pool_conf	*p;
	uid_t			 uid;
	gid_t			 gid;

	for (p = conf->pools; p != NULL; p = p->next) {
		if (priv_resolve(p, &uid, &gid) == -1)
			return -1;
		if (geteuid() == 0)
			continue;
		if ((p->user != NULL && uid != geteuid()) ||
		    (p->group != NULL && gid != getegid())) {
			log_warnx("pool %s: user/group can only be changed when "
			    "started as root", p->name);
			return -1;
		}
	}
	return 0;
}
