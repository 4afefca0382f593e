/*
 * reload_on_change, in the master: which files to watch, the inotify
 * descriptor, and when a reload is due.
 *
 * The list comes from master_test_apps's test processes (lua_files.c
 * notes what each app loaded and sends it over a pipe); it is collected
 * anew at every reload, so a new require is watched from then on.  A
 * reload that fails keeps the old list and adds the new one: fixing
 * whichever file broke the load must retry it.
 *
 * inotify watches the files' directories, not the files: an editor that
 * saves by writing a new file and renaming it over the old one would
 * leave a watch on the old inode with nothing more to say.  Events are
 * matched to the watched names.  The descriptor lives as long as there is
 * something to watch, so what changes while a reload runs is read after
 * it and asks for another one.  A reload waits until WATCH_SETTLE_MS have
 * passed without a change: an editor's save, or a checkout of many files,
 * is one reload.
 */
#include <sys/inotify.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

/* In place, renamed over, created, removed, moved away, touched. */
#define WATCH_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | \
			 IN_DELETE | IN_MOVED_FROM | IN_ATTRIB)

struct watch_file {
	char		*path;		/* absolute */
	const char	*name;		/* its last component, in path */
	int		 dir;		/* index in dirs */
};

struct watch_dir {
	char		*path;
	int		 wd;		/* -1: not watched */
};

static int		 ifd = -1;
static struct watch_file *files;
static int		 nfiles;
static struct watch_dir	*dirs;
static int		 ndirs;
static char		**next;		/* collected for the next commit */
static int		 nnext, capnext;
static uint64_t		 due_at;	/* 0: no reload pending */
static char		 changed[PATH_MAX];	/* what asked for it */

/* Takes path (malloc'd) into next, once. */
static void
next_add(char *path)
{
	char	**nn;
	int	  i;

	for (i = 0; i < nnext; i++)
		if (strcmp(next[i], path) == 0) {
			free(path);
			return;
		}
	if (nnext == capnext) {
		if ((nn = reallocarray(next, capnext ? capnext * 2 : 16,
		    sizeof(*nn))) == NULL) {
			log_warn("reload_on_change: %s", path);
			free(path);
			return;
		}
		next = nn;
		capnext = capnext ? capnext * 2 : 16;
	}
	next[nnext++] = path;
}

static void
next_free(void)
{
	int	i;

	for (i = 0; i < nnext; i++)
		free(next[i]);
	free(next);
	next = NULL;
	nnext = capnext = 0;
}

void
watch_collect_begin(void)
{
	next_free();
}

void
watch_collect(int fd, pid_t pid, int *status)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 chunk[4096], *buf = NULL, *nb, *p, *end;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;
	int		 reaped = 0, lost = 0;

	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) > 0) {
			if (len + (size_t)n > cap) {
				if ((nb = realloc(buf, cap + sizeof(chunk) +
				    (size_t)n)) == NULL) {
					lost = 1;	/* drained all the same */
					continue;
				}
				buf = nb;
				cap += sizeof(chunk) + (size_t)n;
			}
			memcpy(buf + len, chunk, (size_t)n);
			len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			break;
		if (errno == EINTR)
			continue;
		if (reaped)
			break;		/* all it wrote is read */
		if (waitpid(pid, status, WNOHANG) == pid)
			reaped = 1;
		else
			(void)poll(&pfd, 1, 100);
	}
	close(fd);
	if (!reaped)
		while (waitpid(pid, status, 0) == -1 && errno == EINTR)
			;
	if (lost)
		log_warnx("reload_on_change: out of memory; some files are "
		    "not watched");
	for (p = buf, end = buf + len; p != NULL && p < end;
	    p += strlen(p) + 1) {
		if (memchr(p, '\0', (size_t)(end - p)) == NULL)
			break;		/* cut short */
		if (p[0] == '/' && (nb = strdup(p)) != NULL)
			next_add(nb);
	}
	free(buf);
}

static void
lists_free(struct watch_file *f, int nf, struct watch_dir *d, int nd)
{
	int	i;

	for (i = 0; i < nf; i++)
		free(f[i].path);
	free(f);
	for (i = 0; i < nd; i++)
		free(d[i].path);
	free(d);
}

void
watch_commit(int keep_old)
{
	struct watch_file	*nf = NULL;
	struct watch_dir	*nd = NULL;
	const char		*slash;
	char			*dir, *p;
	int			 i, j, k, n = 0, m = 0;

	for (i = 0; keep_old && i < nfiles; i++)
		if ((p = strdup(files[i].path)) != NULL)
			next_add(p);
	if (nnext > 0 && ((nf = calloc(nnext, sizeof(*nf))) == NULL ||
	    (nd = calloc(nnext, sizeof(*nd))) == NULL)) {
		log_warn("reload_on_change");
		free(nf);
		next_free();
		return;			/* the old list stays */
	}
	for (i = 0; i < nnext; i++) {
		slash = strrchr(next[i], '/');
		if ((dir = strndup(next[i], slash == next[i] ? 1 :
		    (size_t)(slash - next[i]))) == NULL)
			continue;
		for (j = 0; j < m && strcmp(nd[j].path, dir) != 0; j++)
			;
		if (j == m) {
			nd[m].path = dir;
			nd[m++].wd = -1;
		} else
			free(dir);
		nf[n].path = next[i];
		nf[n].name = slash + 1;
		nf[n++].dir = j;
		next[i] = NULL;
	}
	next_free();
	if (n > 0 && ifd == -1 &&
	    (ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		log_warn("reload_on_change: inotify_init1");
	for (j = 0; ifd != -1 && j < m; j++)
		if ((nd[j].wd = inotify_add_watch(ifd, nd[j].path,
		    WATCH_EVENTS | IN_ONLYDIR)) == -1)
			log_warn("reload_on_change: cannot watch %s",
			    nd[j].path);
	/* The directories no longer needed (one may be a new one's alias). */
	for (k = 0; ifd != -1 && k < ndirs; k++) {
		for (j = 0; j < m && nd[j].wd != dirs[k].wd; j++)
			;
		if (dirs[k].wd != -1 && j == m)
			(void)inotify_rm_watch(ifd, dirs[k].wd);
	}
	lists_free(files, nfiles, dirs, ndirs);
	files = nf;
	nfiles = n;
	dirs = nd;
	ndirs = m;
	if (n == 0) {
		watch_close();
		return;
	}
	log_info("reload_on_change: watching %d files in %d directories",
	    n, m);
	for (i = 0; i < n; i++)
		log_debug("reload_on_change: watching %s", files[i].path);
}

int
watch_fd(void)
{
	return ifd;
}

static void
note_change(uint64_t now, const char *what)
{
	if (due_at == 0)
		snprintf(changed, sizeof(changed), "%s", what);
	due_at = now + WATCH_SETTLE_MS;
}

static void
read_event(uint64_t now, const struct inotify_event *ev)
{
	int	i;

	if (ev->mask & IN_Q_OVERFLOW) {
		note_change(now, "a watched file (events were lost)");
		return;
	}
	for (i = 0; i < ndirs; i++)
		if (dirs[i].wd == ev->wd && (ev->mask & IN_IGNORED)) {
			log_warnx("reload_on_change: %s is gone; its files "
			    "are no longer watched", dirs[i].path);
			dirs[i].wd = -1;
		}
	if (ev->len == 0 || (ev->mask & IN_ISDIR))
		return;
	for (i = 0; i < nfiles; i++)
		if (dirs[files[i].dir].wd == ev->wd &&
		    strcmp(files[i].name, ev->name) == 0)
			note_change(now, files[i].path);
}

void
watch_read(uint64_t now)
{
	char	 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t	 n;
	char	*p;

	while (ifd != -1) {
		if ((n = read(ifd, buf, sizeof(buf))) == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			log_warn("reload_on_change: reading inotify events");
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			read_event(now, ev);
		}
	}
}

uint64_t
watch_deadline(void)
{
	return due_at;
}

const char *
watch_due(uint64_t now)
{
	if (due_at == 0 || now < due_at)
		return NULL;
	due_at = 0;
	return changed;
}

void
watch_close(void)
{
	if (ifd != -1)
		close(ifd);
	ifd = -1;
	lists_free(files, nfiles, dirs, ndirs);
	files = NULL;
	dirs = NULL;
	nfiles = ndirs = 0;
	next_free();
	due_at = 0;
}
