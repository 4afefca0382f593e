/*
 * The slow log: the Lua stack of a request running past slowlog_timeout,
 * with its request id, method, path and elapsed time.  The worker asks
 * (a signal), the child answers (a Lua debug hook); the request goes on.
 */
#ifndef FCGISERVE_SLOWLOG_H
#define FCGISERVE_SLOWLOG_H

#include <sys/types.h>
#include <signal.h>
#include <stdint.h>

#include "conf.h"
#include "request.h"

/* The worker -> child request for a stack dump (not used otherwise). */
#define SLOWLOG_SIGNAL	SIGUSR2

/*
 * Worker, before dropping privileges: remembers whether the pool has a
 * slow log and opens its file (none: the error log).  0 or -1 with errno.
 */
int	slowlog_open(const struct pool_conf *);
/*
 * Master, on SIGUSR1 (logrotate): p's slow log file opened anew for its
 * workers, or -1 when it has none or on error (errno).
 */
int	slowlog_file_open(const struct pool_conf *p);
/*
 * Writes to fd from now on, closing the file used so far: a file opened
 * elsewhere, e.g. by the master for a worker that may not reopen it.
 */
void	slowlog_set_fd(int fd);
/* The same file now sits at fd; the old number is no longer ours. */
void	slowlog_renumber(int fd);
/* The open slow log file, for the child to keep; -1 for the error log. */
int	slowlog_fd(void);
/* Worker: asks child pid, elapsed_ms into its request, for its stack. */
int	slowlog_ask(pid_t pid, uint64_t elapsed_ms);

struct lua_State;
/*
 * Child, with signals still blocked: catches SLOWLOG_SIGNAL (if the pool
 * has a slow log) to dump L's stack to fd (-1: the error log) at the next
 * Lua instruction.
 */
void	slowlog_child_init(struct lua_State *L, int fd);
/*
 * Child: the request being handled (derived: cgi_derive), for the dump's
 * first line; NULL once it is answered.
 */
void	slowlog_child_request(const struct request *);

#endif
