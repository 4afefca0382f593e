/*
 * Periodic jobs (every.h): fcgiserve.every's functions, run by the pool
 * once per interval.
 *
 * Every worker keeps a timer per job; when it fires, the worker asks the
 * pool's shared statistics for the run (stats_job_claim): only the one
 * that finds it due and not running gets it, so the pool runs each job
 * once per interval, never two runs of one job at once, whichever
 * workers live.  A run is a request the worker makes itself (job.c's
 * detached jobs): a fresh copy of the app, a max_children slot, its
 * timeout, its access log line (path /.every/NAME), and a log line with
 * its run id when it ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cgi.h"
#include "every.h"
#include "job.h"
#include "log.h"
#include "lua_app.h"
#include "request.h"
#include "stats.h"
#include "worker.h"

#define EVERY_JOBS	STATS_JOBS

static struct {
	struct worker	*w;
	int		 n;
	struct lua_job	 jobs[EVERY_JOBS];
	struct event	*ev[EVERY_JOBS];
	int		 running[EVERY_JOBS];	/* here, for a pool without
						   shared statistics */
	unsigned	 seq[EVERY_JOBS];
	struct timespec	 t0[EVERY_JOBS];
} ev;

static void
arm(int k, int64_t ms)
{
	struct timeval	tv;

	if (ms < 1)
		ms = 1;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev.ev[k], &tv);
}

static int64_t
since_ms(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
done(void *arg, int status)
{
	int	k = (int)(intptr_t)arg, failed = status >= 500;
	int64_t	ms = since_ms(&ev.t0[k]);

	ev.running[k] = 0;
	stats_job_done(ev.jobs[k].name, failed, ms);
	log_msg(failed ? LOG_LVL_WARN : LOG_LVL_INFO, NULL, "job %s run %u "
	    "%s (status %d) in %lld ms", ev.jobs[k].name, ev.seq[k], failed ?
	    "failed" : "done", status, (long long)ms);
}

/* A run of job k: a request of the worker's own. */
static void
run(int k)
{
	struct request	*req;
	char		 path[64], rid[96];
	int		 len;

	len = snprintf(path, sizeof(path), "/.every/%s", ev.jobs[k].name);
	snprintf(rid, sizeof(rid), "every-%s-%ld-%u", ev.jobs[k].name,
	    (long)getpid(), ++ev.seq[k]);
	if ((req = request_new(0)) == NULL ||
	    request_add_param(req, "REQUEST_METHOD", 14, "GET", 3) == -1 ||
	    request_add_param(req, "DOCUMENT_URI", 12, path, (size_t)len) ==
	    -1 || request_add_param(req, "REQUEST_URI", 11, path,
	    (size_t)len) == -1 || cgi_derive(req, rid) == -1) {
		request_free(req);
		log_msg(LOG_LVL_ERROR, NULL, "job %s: out of memory",
		    ev.jobs[k].name);
		stats_job_done(ev.jobs[k].name, 1, 0);
		return;
	}
	req->job = (uint8_t)(k + 1);
	ev.running[k] = 1;
	clock_gettime(CLOCK_MONOTONIC, &ev.t0[k]);
	log_msg(LOG_LVL_DEBUG, req->rid, "job %s run %u starts",
	    ev.jobs[k].name, ev.seq[k]);
	job_run_detached(req, ev.jobs[k].timeout_ms, done,
	    (void *)(intptr_t)k);
}

static void
due_cb(evutil_socket_t fd, short events, void *arg)
{
	int	k = (int)(intptr_t)arg, r;
	int64_t	wait = (int64_t)ev.jobs[k].interval_ms;

	(void)fd;
	(void)events;
	if (ev.w->stopping)
		return;
	r = stats_job_claim(ev.jobs[k].name, (int64_t)ev.jobs[k].interval_ms,
	    &wait);
	if (r == 1 || (r == -1 && !ev.running[k]))
		run(k);
	arm(k, wait);
}

int
every_init(struct worker *w)
{
	int	k;

	memset(&ev, 0, sizeof(ev));
	ev.w = w;
	ev.n = lua_app_jobs(w->app, ev.jobs, EVERY_JOBS);
	for (k = 0; k < ev.n; k++) {
		if ((ev.ev[k] = evtimer_new(w->base, due_cb,
		    (void *)(intptr_t)k)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		/* Soon after the start: the shared state says when. */
		arm(k, 10);
	}
	return 0;
}

void
every_stop(void)
{
	int	k;

	for (k = 0; k < ev.n; k++)
		if (ev.ev[k] != NULL) {
			event_free(ev.ev[k]);
			ev.ev[k] = NULL;
		}
}
