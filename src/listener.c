/*
 * The listening sockets of the master, one per listen address, kept
 * across reloads.  A reload that leaves a pool's listen alone hands the
 * same descriptor to the new workers: connections nginx makes while the
 * old workers stop and the new ones start wait in the kernel's queue, and
 * none is refused.  Only changed or new addresses are bound; the ones no
 * pool uses any more are closed once their workers have been told to go.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "priv.h"

struct listener {
	char			*addr;		/* canonical listen value */
	int			 fd;		/* -1: closed */
	unsigned		 fresh:1;	/* opened by listener_prepare */
	unsigned		 used:1;	/* by the committed conf */
	struct listener		*next;
};

static struct listener	*listeners;

/* Refuses to steal a socket path another live server answers on. */
static int
unlink_stale(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(path);
}

/* listen_mode and the socket's owner and group (priv.h). */
static int
unix_perms(const struct pool_conf *p)
{
	uid_t	uid;
	gid_t	gid;

	if (chmod(p->listen, p->listen_mode) == -1)
		return -1;
	if (priv_socket_owner(p, &uid, &gid) == -1) {
		errno = EINVAL;
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(p->listen, uid, gid) == -1)
		return -1;
	return 0;
}

static int
listen_unix(const struct pool_conf *p)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(p->listen) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, p->listen);
	if (unlink_stale(p->listen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	if (unix_perms(p) == -1) {
		(void)unlink(p->listen);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int
listen_inet(const struct pool_conf *p)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 host[128];
	const char		*colon;
	socklen_t		 slen;
	long			 port;
	int			 fd, on = 1;

	if ((colon = strrchr(p->listen, ':')) == NULL ||
	    (size_t)(colon - p->listen) >= sizeof(host)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(host, p->listen, colon - p->listen);
	host[colon - p->listen] = '\0';
	port = strtol(colon + 1, NULL, 10);
	memset(&ss, 0, sizeof(ss));
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			goto inval;
		slen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (strcmp(host, "*") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto inval;
		slen = sizeof(*sin);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, slen) == -1) {
		close(fd);
		return -1;
	}
	return fd;
inval:
	errno = EINVAL;
	return -1;
}

static int
listen_open(const struct pool_conf *p)
{
	int	fd;

	fd = p->listen[0] == '/' ? listen_unix(p) : listen_inet(p);
	if (fd == -1)
		return -1;
	if (listen(fd, p->listen_backlog) == -1) {
		close(fd);
		if (p->listen[0] == '/')
			(void)unlink(p->listen);
		return -1;
	}
	return fd;
}

static struct listener *
listener_find(const char *addr)
{
	struct listener	*l;

	for (l = listeners; l != NULL; l = l->next)
		if (l->fd != -1 && strcmp(l->addr, addr) == 0)
			return l;
	return NULL;
}

enum drop { DROP_UNUSED, DROP_FRESH, DROP_ALL };

/* Unlinks and frees the entries that match; closes their sockets. */
static void
listener_drop(enum drop which)
{
	struct listener	**lp, *l;

	for (lp = &listeners; (l = *lp) != NULL;) {
		if (which == DROP_FRESH ? !l->fresh : which == DROP_UNUSED ?
		    l->used : 0) {
			lp = &l->next;
			continue;
		}
		if (l->fd != -1)
			close(l->fd);
		if (l->addr[0] == '/')
			(void)unlink(l->addr);
		*lp = l->next;
		free(l->addr);
		free(l);
	}
}

int
listener_prepare(const struct conf *conf)
{
	struct pool_conf	*p;
	struct listener		*l;

	for (p = conf->pools; p != NULL; p = p->next) {
		if (listener_find(p->listen) != NULL)
			continue;
		if ((l = calloc(1, sizeof(*l))) == NULL ||
		    (l->addr = strdup(p->listen)) == NULL) {
			log_warn("pool %s: listen on %s", p->name, p->listen);
			free(l);
			goto fail;
		}
		if ((l->fd = listen_open(p)) == -1) {
			log_msg(LOG_LVL_ERROR, NULL, "pool %s: listen on %s: %s",
			    p->name, p->listen, strerror(errno));
			free(l->addr);
			free(l);
			goto fail;
		}
		l->fresh = 1;
		l->next = listeners;
		listeners = l;
	}
	return 0;
fail:
	listener_abort();
	return -1;
}

void
listener_abort(void)
{
	listener_drop(DROP_FRESH);
}

void
listener_commit(const struct conf *conf)
{
	struct pool_conf	*p;
	struct listener		*l;

	for (l = listeners; l != NULL; l = l->next)
		l->used = 0;
	for (p = conf->pools; p != NULL; p = p->next) {
		if ((l = listener_find(p->listen)) == NULL)
			continue;	/* listener_prepare saw to it */
		l->used = 1;
		if (!l->fresh) {
			/* Kept: what may have changed is applied anew. */
			if (p->listen[0] == '/' && unix_perms(p) == -1)
				log_warn("pool %s: mode or owner of %s",
				    p->name, p->listen);
			if (listen(l->fd, p->listen_backlog) == -1)
				log_warn("pool %s: listen_backlog", p->name);
		}
		log_info("pool %s: listening on %s (%s%s, %d workers)",
		    p->name, p->listen, p->protocol == CONF_PROTO_SCGI ?
		    "scgi" : "fastcgi", l->fresh ? "" : ", socket kept",
		    p->workers);
	}
	for (l = listeners; l != NULL; l = l->next)
		l->fresh = 0;
}

int
listener_fd(const char *listen)
{
	struct listener	*l = listener_find(listen);

	return l != NULL ? l->fd : -1;
}

void
listener_close_unused(void)
{
	struct listener	*l;

	for (l = listeners; l != NULL; l = l->next)
		if (!l->used)
			log_info("closed %s: no pool listens there any more",
			    l->addr);
	listener_drop(DROP_UNUSED);
}

void
listener_close_all(void)
{
	struct listener	*l;

	for (l = listeners; l != NULL; l = l->next)
		if (l->fd != -1) {
			close(l->fd);
			l->fd = -1;
		}
}

void
listener_cleanup(void)
{
	listener_drop(DROP_ALL);
}

void
listener_close_except(int keep_fd)
{
	struct listener	*l;

	for (l = listeners; l != NULL; l = l->next)
		if (l->fd != -1 && l->fd != keep_fd)
			close(l->fd);
}
