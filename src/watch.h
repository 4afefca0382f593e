/*
 * reload_on_change: the master watches the Lua files its apps loaded and
 * asks for a reload once they have been quiet for a moment after a change.
 */
#ifndef FCGISERVE_WATCH_H
#define FCGISERVE_WATCH_H

#include <sys/types.h>
#include <stdint.h>

#define WATCH_SETTLE_MS	200	/* quiet after the last change, then reload */

/* A new list of files to watch begins (master_test_apps). */
void		 watch_collect_begin(void);
/*
 * Adds the files a test process (pid) sends on fd (lua_files_send) to the
 * new list, reading until the end or until pid has exited (a process the
 * app started may hold the pipe open); reaps pid into *status and closes
 * fd.
 */
void		 watch_collect(int fd, pid_t pid, int *status);
/*
 * The new list becomes the watched one (with the old one kept as well if
 * keep_old: a reload failed, and fixing any file must retry it).  An
 * empty list closes the descriptor.
 */
void		 watch_commit(int keep_old);
/* The inotify descriptor to poll, or -1. */
int		 watch_fd(void);
/* Reads the events waiting on watch_fd(); now: CLOCK_MONOTONIC ms. */
void		 watch_read(uint64_t now);
/* When a reload is due (0: none pending). */
uint64_t	 watch_deadline(void);
/* If a reload is due at now: the file whose change asked for it. */
const char	*watch_due(uint64_t now);
/* Stops watching and frees everything. */
void		 watch_close(void);

#endif
