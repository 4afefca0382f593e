/*
 * Spare children: copies of the template forked ahead of time, prepared
 * and idle, each waiting for exactly one request.  They keep fork(2) off
 * a request's critical path; a replacement is forked when the worker has
 * nothing more urgent to do.
 */
#ifndef FCGISERVE_SPARE_H
#define FCGISERVE_SPARE_H

#include <sys/types.h>

#include <event2/event.h>

#include "lua_app.h"
#include "request.h"

/*
 * Keeps up to target spares, forked from app, refilled from base.  ready
 * is called from base when requests wait (spare_wait) and a spare came, or
 * none will: the zygote is gone.
 */
void	spare_init(struct event_base *, struct lua_app *, int target,
	    void (*ready)(void));
/*
 * Hands req (derived: cgi_derive) to an idle spare: 0 with the spare's
 * pid and the fd its answer arrives on (the caller owns both now), or -1:
 * EAGAIN when none is idle but the zygote can fork one (wait for it:
 * spare_wait), ENOENT when none is idle and none will come, EMSGSIZE when
 * the request does not fit the spare's pipe in one write, other values on
 * errors.  Fork, but for EAGAIN.
 */
int	spare_take(const struct request *, pid_t *pid, int *out_fd);
/*
 * Asks for replacements of the spares taken, forked when the worker is
 * otherwise idle.  Called once an answer has been queued.
 */
void	spare_refill(void);
/* n requests wait for a spare (0: none now); asks the zygote for them. */
void	spare_wait(int n);
/* Whether pid was an idle spare (it is forgotten); logs how it died. */
int	spare_reaped(pid_t pid, int status);
/* Stops refilling and kills the idle spares. */
void	spare_stop(void);
/*
 * Replaces the idle spares with fresh ones: after SIGUSR1 they still hold
 * the old log file as their stderr.
 */
void	spare_renew(void);

#endif
