/*
 * A request's life in the worker, from the moment its connection has it
 * whole to its access log line: admission (a max_children slot, the queue
 * or 503), a child (children.c), timers, the child's answer, and one
 * teardown.  A job outlives its connection while its child runs: the
 * child is killed and the job ends when it is reaped.
 */
#ifndef FCGISERVE_JOB_H
#define FCGISERVE_JOB_H

#include <stdint.h>

#include "codec.h"
#include "request.h"
#include "worker.h"

struct conn;

/*
 * Sets up the job side of w, children.c included (it reports to job.c):
 * 0, or -1 (errno set).
 */
int	job_init(struct worker *w);
/*
 * A complete request from c (the caller's no more; it counted the
 * request as one of c's jobs): answered here (status, ping, 503, ...) or
 * run in a child.  Either way conn_job_done(c) follows exactly once,
 * unless c goes first (job_conn_gone).
 */
void	job_admit(struct conn *c, struct request *req);
/* A request over a codec limit (ev: TOO_LARGE): answered 413 or 431. */
void	job_refuse(struct conn *c, const struct request_event *ev);
/* FCGI_ABORT_REQUEST for request id of c: 0 handled, -1 no such job. */
int	job_abort(struct conn *c, uint16_t id);
/* c is going away: its running children are killed, the rest dropped. */
void	job_conn_gone(struct conn *c, const char *peer);
/*
 * A request the worker makes itself (a periodic job's run, every.c):
 * run like any (a max_children slot or the queue, a child, timeout_ms or
 * else request_timeout), answered to nobody; done(arg, status) when it
 * ends (503 when it could not run, 500 when its child died).
 */
void	job_run_detached(struct request *req, uint64_t timeout_ms,
	    void (*done)(void *, int status), void *arg);
/* c's output has drained: streams paused for it read on. */
void	job_conn_writable(struct conn *c);
/* Jobs holding a slot or queued; the worker exits at 0 once stopping. */
int	job_count(void);

#endif
