/*
 * A worker process: one libevent loop serving one pool.
 *
 * worker.c prepares the process (logs, privileges, limits, the app) and
 * runs the loop; conn.c owns the connections, job.c each request's life,
 * children.c every child process.  They share the context below.
 */
#ifndef FCGISERVE_WORKER_H
#define FCGISERVE_WORKER_H

#include <sys/types.h>

#include <event2/event.h>

#include "conf.h"
#include "codec.h"
#include "lua_app.h"

struct worker {
	struct event_base	*base;
	const struct conf	*conf;
	const struct pool_conf	*pool;
	struct lua_app		*app;
	const struct codec	*codec;		/* the pool's protocol */
	struct codec_limits	 limits;	/* what the codec enforces */
	int			 runners;	/* isolation = reset works */
	int			 stopping;	/* finish what is in, then
						   exit */
	struct event		*ev_check;	/* activated when a job or a
						   connection ends while
						   stopping: may it exit? */
};

/*
 * Everything a worker does before it serves, shared with `fcgiserve -t`
 * (which runs it in a throwaway process): opens the pool's log files (as
 * root), drops to the pool's user, sets the children's limits and loads
 * the app, and prepares the sandbox.  report: say at info level what the
 * sandbox holds (the master's test of each app does, once per start or
 * reload; workers and `fcgiserve request` say it at debug level).
 * Returns the app, or NULL with the reason logged.
 */
struct lua_app	*worker_prepare(const struct pool_conf *, int *runners,
		    int report);

/*
 * Prepares, then serves listen_fd until told to stop (SIGTERM).  ctl_fd
 * is its end of the control channel (ctl.h): it says CTL_READY once
 * accepting and takes CTL_REOPEN.  Exits if master is no longer its
 * parent.
 */
void	worker_main(const struct conf *, const struct pool_conf *,
	    int listen_fd, int ctl_fd, pid_t master) __attribute__((noreturn));

#endif
