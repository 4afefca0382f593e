/*
 * Every child process of a worker, owned in one place: the zygote, the
 * spares it forks (idle copies of the template, each ready for one
 * request), request children (a spare that took a request, or a fork of
 * the worker where no spare can be had), the requests waiting for a
 * spare, and the SIGCHLD loop that reaps them all.
 *
 * A request's side of its child is a struct child, embedded in the
 * request's job: children_take gives it a process now, or queues it until
 * a spare comes (ops->started) or none will (ops->failed); ops->exited
 * reports its reaping.  Nothing else in the worker forks, kills a child's
 * process group or calls wait.
 */
#ifndef FCGISERVE_CHILDREN_H
#define FCGISERVE_CHILDREN_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "lua_app.h"
#include "request.h"

struct child {
	TAILQ_ENTRY(child)	 entry;		/* waiting or running list */
	struct request		*req;		/* what it is to run (derived:
						   cgi_derive) */
	pid_t			 pid;		/* 0 until it has a process */
	int			 out_fd;	/* its answer (non-blocking);
						   the taker owns it */
	unsigned		 waiting:1;	/* queued for a spare */
	unsigned		 reaped:1;	/* pid is gone, or a runner done
						   with c: never kill it */
	unsigned		 lent:1;	/* out_fd is a runner's: stop
						   reading it, never close it */
};

/* What a taker hears about its child, from the event loop. */
struct children_ops {
	void	(*started)(struct child *);	/* a waiting child has one */
	void	(*failed)(struct child *);	/* a waiting child gets none */
	void	(*exited)(struct child *, int status, const struct rusage *);
};

/*
 * Keeps spare_target spares (0: fork one per request), forked from app
 * by the zygote where it can clone, else by the worker at idle priority.
 * With runners, each spare is a runner: it serves one request after
 * another, and ops->exited (status 0, the request's CPU time) follows
 * each answer once the runner has put itself back.  Reaps on base
 * through a signalfd: SIGCHLD must be blocked from here on.  Returns 0,
 * or -1 (errno set).
 */
int	children_init(struct event_base *, struct lua_app *, int spare_target,
	    int runners, const struct children_ops *);
/*
 * Gives c (req set) a process: 0 it runs (pid, out_fd set);
 * 1 it waits for a spare (ops->started or ops->failed follow, unless
 * children_cancel); -1 none can be had (logged).
 */
int	children_take(struct child *c);
/* Takes a waiting c off the queue; no callback follows. */
void	children_cancel(struct child *c);
/* Kills c's process group (never after its reaping). */
void	children_kill(struct child *c);
/* Requests waiting for a spare. */
int	children_waiting(void);
/* An answer went out: replace the spares taken, when the loop is idle. */
void	children_refill(void);
/* After SIGUSR1: idle spares hold the old log files; replace them. */
void	children_renew(void);
/* No more spares or zygote: the worker is stopping.  Idempotent. */
void	children_stop(void);
/*
 * The worker's last act: stop, kill what is left and reap every child,
 * so none is left a zombie under an init that does not reap.
 */
void	children_reap_all(void);

#endif
