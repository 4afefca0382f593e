/*
 * Shared counters of a pool: one MAP_SHARED segment per pool, created by
 * the master before it forks the pool's workers, so every worker of the
 * pool (and the master) sees the same memory.  Pool totals and one slot
 * per worker; all updates are relaxed C11 atomics, no locks.
 */
#ifndef FCGISERVE_STATS_H
#define FCGISERVE_STATS_H

#include <sys/types.h>
#include <stdint.h>

/* Monotonic totals of a pool. */
enum stats_counter {
	STATS_ACCEPTED,		/* complete requests received (no status/ping) */
	STATS_RESP_1XX,		/* answers by status class */
	STATS_RESP_2XX,
	STATS_RESP_3XX,
	STATS_RESP_4XX,
	STATS_RESP_5XX,
	STATS_QUEUE_FULL,	/* 503: max_children busy and the queue full */
	STATS_TIMEOUTS,		/* 504: request_timeout or child_cpu_limit */
	STATS_CRASHES,		/* child died without a complete answer */
	STATS_SLOW,		/* ran past slowlog_timeout */
	STATS_FORKED,		/* children forked, spares included */
	STATS_SPARE_WAITS,	/* requests that waited for a spare */
	STATS_RESETS,		/* runners put back after a request */
	STATS_RESET_PAGES,	/* pages those resets copied back */
	STATS_RESET_DIFFERS,	/* reset_verify found pages differing */
	STATS_STREAMS,		/* streamed answers begun */
	STATS_NCOUNTERS
};

enum stats_state {
	STATS_FREE = 0,		/* slot unused */
	STATS_IDLE,		/* no child running */
	STATS_BUSY,		/* at least one child running */
	STATS_STOPPING		/* finishing its requests, then exits */
};

/* A copy of one worker's slot. */
struct stats_worker {
	pid_t		 pid;
	enum stats_state state;
	int64_t		 started_ms;	/* CLOCK_REALTIME, ms */
	uint64_t	 requests;	/* answered (no status/ping) */
	int		 active;	/* children running */
	int		 queued;	/* requests waiting */
	int		 conns;		/* open connections */
};

/* A periodic job's shared state (fcgiserve.every), one per name. */
#define STATS_JOBS	16
#define STATS_JOB_NAME	48
struct stats_job_view {
	char		 name[STATS_JOB_NAME];
	int		 running;	/* the pid of the worker running it */
	uint64_t	 runs, failures;
	int64_t		 last_ms;	/* duration of the last run */
};

/* A consistent-enough copy of a pool's segment (each field is atomic). */
struct stats_snapshot {
	char			 pool[72];
	int64_t			 started_ms;	/* CLOCK_REALTIME, ms */
	int64_t			 uptime_ms;
	uint64_t		 counters[STATS_NCOUNTERS];
	int64_t			 active;	/* children running now */
	int64_t			 max_active;
	int64_t			 queued;	/* requests waiting now */
	int64_t			 max_queued;
	int64_t			 streams;	/* streaming now */
	int			 njobs;
	struct stats_job_view	 jobs[STATS_JOBS];
	int			 nworkers;	/* live slots */
	struct stats_worker	*workers;	/* nworkers, malloc'd */
};

struct stats_pool;

/*
 * Master: the segment of pool name with at least nslots worker slots,
 * created at the first call and kept (counters and all) by later calls
 * for the same name, e.g. across a reload.  A call asking for more slots
 * than the segment has makes a larger one carrying the totals over.
 * Returns NULL (logged) if mmap fails; the pool then runs without stats.
 */
struct stats_pool	*stats_pool_open(const char *name, int nslots);
/* Master: unmaps a pool's segment (a pool removed by a reload). */
void			 stats_pool_close(const char *name);
/*
 * Master, when it reaps worker pid: frees its slot and takes the children
 * and queued requests it still counted off the pool's totals.
 */
void			 stats_worker_gone(pid_t pid);

/*
 * Worker, once at start: claims a free slot in its pool's segment (one
 * the master opened before forking it).  Returns -1 if there is none;
 * every call below is then a no-op.
 */
int			 stats_worker_attach(const char *pool);
void			 stats_count(enum stats_counter);
void			 stats_add(enum stats_counter, uint64_t);
void			 stats_status_class(int status);	/* STATS_RESP_* */
void			 stats_served(void);		/* this worker's count */
void			 stats_active(int delta);	/* children running */
void			 stats_queued(int delta);	/* requests waiting */
void			 stats_conns(int delta);
void			 stats_streams(int delta);	/* open streams */
void			 stats_stopping(void);

/*
 * Periodic jobs, one run per pool at a time: the job named name (made
 * on first use) is claimed for the calling worker when it is due and no
 * one runs it: 1, with its next due time set interval_ms ahead; 0 not
 * now, with *wait_ms until it is due (or a retry); -1 no room or no
 * segment (the worker then runs it alone).
 */
int			 stats_job_claim(const char *name, int64_t interval_ms,
			    int64_t *wait_ms);
/* The claimed run is over: counted (failed: a 5xx or a crash). */
void			 stats_job_done(const char *name, int failed,
			    int64_t duration_ms);

/* Fills s from the worker's pool (0), or -1 without a segment. */
int			 stats_snapshot(struct stats_snapshot *);
/* The same for a segment, e.g. in a test. */
int			 stats_snapshot_of(const struct stats_pool *,
			    struct stats_snapshot *);
void			 stats_snapshot_free(struct stats_snapshot *);
const char		*stats_state_name(enum stats_state);

#endif
