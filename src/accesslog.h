/*
 * The access log of a pool: one line per request, written by the worker
 * once the response is complete and the child reaped.
 */
#ifndef FCGISERVE_ACCESSLOG_H
#define FCGISERVE_ACCESSLOG_H

#include <sys/types.h>
#include <sys/resource.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "request.h"

struct accesslog_entry {
	const struct request	*req;		/* derived: cgi_derive */
	int			 status;
	size_t			 body_bytes;	/* after the header block */
	struct timespec		 time;		/* CLOCK_REALTIME, answered */
	uint64_t		 duration_us;	/* request complete -> answer
						   written */
	pid_t			 pid;		/* the child; 0: none ran */
	const struct rusage	*ru;		/* the child's (wait4); or NULL */
};

/*
 * Opens the pool's access_log (call before dropping privileges): a file
 * for appending, or stderr.  0 (also when it is off), or -1 with errno.
 */
int	accesslog_open(const struct pool_conf *);
/*
 * Master, on SIGUSR1 (logrotate): p's access log file opened anew for
 * its workers, or -1 when it has none (off, stderr) or on error (errno).
 */
int	accesslog_file_open(const struct pool_conf *p);
/*
 * Writes to fd from now on, closing the file used so far: a file opened
 * elsewhere, e.g. by the master for a worker that may not reopen it.
 */
void	accesslog_set_fd(int fd);
int	accesslog_enabled(void);
void	accesslog_write(const struct accesslog_entry *);
/*
 * The line for e, newline included, appended to out: 0, or -1 (ENOMEM,
 * or a request cgi_derive could not derive).
 */
int	accesslog_format(enum conf_access_format, const char *pool,
	    const struct accesslog_entry *, struct buf *out);

#endif
