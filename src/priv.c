/*
 * Process identity: resolving a pool's user/group and dropping to them,
 * who owns a pool's unix socket, and the rules on both that make a
 * configuration an error (running as root, changing identity without
 * being root).  Shared by the master (sockets, -t, reload) and workers.
 */
#include <sys/types.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#ifdef FCGISERVE_STATIC_BINARY
#include <stdio.h>
#include <string.h>

/*
 * A static glibc can reach NSS only through the shared modules of the
 * glibc it was linked with, so a static fcgiserve reads the files
 * themselves: local users and groups only (no LDAP, no systemd-userdb).
 */
static struct passwd *
user_lookup(const char *name)
{
	struct passwd	*pw;
	FILE		*f;

	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return NULL;
	while ((pw = fgetpwent(f)) != NULL && strcmp(pw->pw_name, name) != 0)
		;
	fclose(f);
	return pw;
}

static struct group *
group_lookup(const char *name)
{
	struct group	*gr;
	FILE		*f;

	if ((f = fopen("/etc/group", "re")) == NULL)
		return NULL;
	while ((gr = fgetgrent(f)) != NULL && strcmp(gr->gr_name, name) != 0)
		;
	fclose(f);
	return gr;
}
#else
#define user_lookup	getpwnam
#define group_lookup	getgrnam
#endif

int
priv_resolve(const struct pool_conf *p, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	struct group	*gr;

	*uid = geteuid();
	*gid = getegid();
	if (p->user != NULL) {
		if ((pw = user_lookup(p->user)) == NULL) {
			log_warnx("pool %s: unknown user '%s'", p->name, p->user);
			return -1;
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (p->group != NULL) {
		if ((gr = group_lookup(p->group)) == NULL) {
			log_warnx("pool %s: unknown group '%s'", p->name,
			    p->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int
priv_socket_owner(const struct pool_conf *p, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 puid;
	gid_t		 pgid;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (p->user != NULL || p->group != NULL) {
		if (priv_resolve(p, &puid, &pgid) == -1)
			return -1;
		if (p->user != NULL)
			*uid = puid;
		*gid = pgid;
	}
	if (p->listen_owner != NULL) {
		if ((pw = user_lookup(p->listen_owner)) == NULL) {
			log_warnx("pool %s: unknown listen_owner '%s'", p->name,
			    p->listen_owner);
			return -1;
		}
		*uid = pw->pw_uid;
	}
	if (p->listen_group != NULL) {
		if ((gr = group_lookup(p->listen_group)) == NULL) {
			log_warnx("pool %s: unknown listen_group '%s'", p->name,
			    p->listen_group);
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

/* gid is ours: the effective group or a supplementary one. */
static int
priv_in_group(gid_t gid)
{
	gid_t	groups[NGROUPS_MAX];
	int	i, n;

	if (gid == getegid())
		return 1;
	if ((n = getgroups(NGROUPS_MAX, groups)) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int
priv_check(const struct conf *conf)
{
	struct pool_conf	*p;
	uid_t			 uid, suid;
	gid_t			 gid, sgid;

	for (p = conf->pools; p != NULL; p = p->next) {
		if (priv_resolve(p, &uid, &gid) == -1 ||
		    priv_socket_owner(p, &suid, &sgid) == -1)
			return -1;
		if (geteuid() == 0) {
			/* Root by accident is the mistake this catches. */
			if (uid == 0 && !p->allow_root) {
				log_msg(LOG_LVL_ERROR, NULL, "%s:%d: [pool %s] "
				    "would run as root: set user (and group), "
				    "or allow_root = yes", conf->path, p->line,
				    p->name);
				return -1;
			}
			continue;
		}
		if ((p->user != NULL && uid != geteuid()) ||
		    (p->group != NULL && gid != getegid())) {
			log_msg(LOG_LVL_ERROR, NULL, "%s:%d: [pool %s] "
			    "user/group can only be changed when started as "
			    "root", conf->path, p->line, p->name);
			return -1;
		}
		if ((p->listen_owner != NULL && suid != geteuid()) ||
		    (p->listen_group != NULL && !priv_in_group(sgid))) {
			log_msg(LOG_LVL_ERROR, NULL, "%s:%d: [pool %s] "
			    "listen_owner/listen_group: only root can give the "
			    "socket to another user or to a group it is not "
			    "in", conf->path, p->line, p->name);
			return -1;
		}
	}
	return 0;
}
