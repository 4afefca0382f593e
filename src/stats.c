/*
 * Shared counters of a pool.
 *
 * The master maps one anonymous MAP_SHARED segment per pool before it
 * forks the pool's workers; they inherit the mapping, so totals are the
 * sum over every worker, past and present, with no message passing.
 * Each worker also owns one slot (its pid, state, requests served ...),
 * claimed with a compare-and-swap on the slot's pid and freed by the
 * master when it reaps the worker.  Workers only ever add to counters:
 * relaxed atomics, no locks, a few nanoseconds per request.
 *
 * A segment outlives its workers.  A reload (new workers for the same
 * pool name while the old ones finish) asks for the segment again and
 * keeps it, so counters survive; the master asks for 4 slots a worker,
 * room for the old workers of a reload or two while they finish.
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "stats.h"

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
    "shared-memory counters need lock-free atomics");

/* A cache line each: workers never write into each other's lines. */
struct stats_slot {
	_Alignas(64) atomic_int	 pid;		/* 0: free */
	atomic_int		 state;		/* enum stats_state */
	atomic_llong		 started_ms;
	atomic_ullong		 requests;
	atomic_int		 active;
	atomic_int		 queued;
	atomic_int		 conns;
	atomic_int		 streams;
};

struct stats_job {
	_Alignas(64) char	 name[STATS_JOB_NAME];	/* "": free */
	atomic_int		 claimed;	/* the name is being written */
	atomic_int		 running;	/* pid of the worker running it */
	atomic_llong		 next_ms;	/* CLOCK_MONOTONIC: due */
	atomic_ullong		 runs, failures;
	atomic_llong		 last_ms;
};

struct stats_pool {
	char			 name[72];
	size_t			 size;		/* of the mapping */
	int64_t			 started_ms;	/* CLOCK_REALTIME */
	int64_t			 started_mono_ms;
	atomic_ullong		 counters[STATS_NCOUNTERS];
	atomic_llong		 active;
	atomic_llong		 max_active;
	atomic_llong		 queued;
	atomic_llong		 max_queued;
	atomic_llong		 streams;
	struct stats_job	 jobs[STATS_JOBS];
	int			 nslots;
	struct stats_slot	 slots[];
};

/* The master's segments; a worker inherits the list and uses one. */
struct seg {
	struct stats_pool	*pool;
	struct seg		*next;
};
static struct seg		*segs;
static struct stats_pool	*mine;		/* the worker's pool */
static struct stats_slot	*slot;		/* the worker's slot */

static int64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct seg *
seg_find(const char *name)
{
	struct seg	*s;

	for (s = segs; s != NULL; s = s->next)
		if (strcmp(s->pool->name, name) == 0)
			return s;
	return NULL;
}

static struct stats_pool *
pool_map(const char *name, int nslots)
{
	struct stats_pool	*p;
	size_t			 size;

	size = sizeof(*p) + (size_t)nslots * sizeof(p->slots[0]);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED) {
		log_warn("pool %s: cannot map the shared counters", name);
		return NULL;
	}
	/* Fresh anonymous pages are zero: every atomic starts at 0. */
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->size = size;
	p->nslots = nslots;
	p->started_ms = clock_ms(CLOCK_REALTIME);
	p->started_mono_ms = clock_ms(CLOCK_MONOTONIC);
	return p;
}

struct stats_pool *
stats_pool_open(const char *name, int nslots)
{
	struct stats_pool	*p, *old;
	struct seg		*s;
	int			 i;

	if ((s = seg_find(name)) != NULL && s->pool->nslots >= nslots)
		return s->pool;
	if ((p = pool_map(name, nslots)) == NULL)
		return s != NULL ? s->pool : NULL;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			munmap(p, p->size);
			return NULL;
		}
		s->next = segs;
		segs = s;
	} else {
		/*
		 * More workers than slots: a bigger segment with the totals
		 * carried over.  Old workers keep counting into the old one
		 * until they exit; the master stops looking at it.
		 */
		old = s->pool;
		p->started_ms = old->started_ms;
		p->started_mono_ms = old->started_mono_ms;
		for (i = 0; i < STATS_NCOUNTERS; i++)
			atomic_store(&p->counters[i],
			    atomic_load(&old->counters[i]));
		atomic_store(&p->max_active, atomic_load(&old->max_active));
		atomic_store(&p->max_queued, atomic_load(&old->max_queued));
		munmap(old, old->size);
	}
	s->pool = p;
	return p;
}

void
stats_pool_close(const char *name)
{
	struct seg	**sp, *s;

	for (sp = &segs; (s = *sp) != NULL; sp = &s->next)
		if (strcmp(s->pool->name, name) == 0) {
			*sp = s->next;
			munmap(s->pool, s->pool->size);
			free(s);
			return;
		}
}

void
stats_worker_gone(pid_t pid)
{
	struct stats_slot	*sl;
	struct seg		*s;
	int			 i, j, zero;

	for (s = segs; s != NULL; s = s->next)
		for (i = 0; i < s->pool->nslots; i++) {
			sl = &s->pool->slots[i];
			if (atomic_load(&sl->pid) != pid)
				continue;
			/* It is dead: its last values are final. */
			atomic_fetch_sub(&s->pool->active,
			    atomic_load(&sl->active));
			atomic_fetch_sub(&s->pool->queued,
			    atomic_load(&sl->queued));
			atomic_fetch_sub(&s->pool->streams,
			    atomic_load(&sl->streams));
			/* A run it held dies with it: due again at once. */
			for (j = 0; j < STATS_JOBS; j++) {
				zero = pid;
				atomic_compare_exchange_strong(
				    &s->pool->jobs[j].running, &zero, 0);
			}
			atomic_store(&sl->streams, 0);
			atomic_store(&sl->state, STATS_FREE);
			atomic_store(&sl->requests, 0);
			atomic_store(&sl->active, 0);
			atomic_store(&sl->queued, 0);
			atomic_store(&sl->conns, 0);
			atomic_store(&sl->pid, 0);
			return;
		}
}

int
stats_worker_attach(const char *name)
{
	struct stats_slot	*sl;
	struct seg		*s;
	int			 i, zero;

	if ((s = seg_find(name)) == NULL)
		return -1;
	for (i = 0; i < s->pool->nslots; i++) {
		sl = &s->pool->slots[i];
		zero = 0;
		if (atomic_compare_exchange_strong(&sl->pid, &zero,
		    (int)getpid())) {
			atomic_store(&sl->started_ms, clock_ms(CLOCK_REALTIME));
			atomic_store(&sl->state, STATS_IDLE);
			mine = s->pool;
			slot = sl;
			return 0;
		}
	}
	log_warnx("no free slot in the shared counters; this worker's "
	    "requests are not counted");
	return -1;
}

void
stats_count(enum stats_counter c)
{
	if (mine != NULL)
		atomic_fetch_add_explicit(&mine->counters[c], 1,
		    memory_order_relaxed);
}

void
stats_add(enum stats_counter c, uint64_t n)
{
	if (mine != NULL)
		atomic_fetch_add_explicit(&mine->counters[c], n,
		    memory_order_relaxed);
}

/* The job slot named name, made if need be: NULL without room. */
static struct stats_job *
job_slot(const char *name)
{
	struct stats_job	*jb;
	int			 i, zero;

	for (i = 0; i < STATS_JOBS; i++) {
		jb = &mine->jobs[i];
		zero = 0;
		if (atomic_compare_exchange_strong(&jb->claimed, &zero, 1)) {
			snprintf(jb->name, sizeof(jb->name), "%s", name);
			atomic_store(&jb->claimed, 2);
			return jb;
		}
		while (atomic_load(&jb->claimed) == 1)
			;	/* another worker writes its name: a moment */
		if (strncmp(jb->name, name, sizeof(jb->name) - 1) == 0)
			return jb;
	}
	return NULL;
}

int
stats_job_claim(const char *name, int64_t interval_ms, int64_t *wait_ms)
{
	struct stats_job	*jb;
	int64_t			 now = clock_ms(CLOCK_MONOTONIC), due;
	int			 zero = 0;

	if (mine == NULL || (jb = job_slot(name)) == NULL)
		return -1;
	due = atomic_load(&jb->next_ms);
	if (due == 0) {		/* the first worker sets the first time */
		int64_t	unset = 0;

		(void)atomic_compare_exchange_strong(&jb->next_ms, &unset,
		    now + interval_ms);
		due = atomic_load(&jb->next_ms);
	}
	if (now < due) {
		*wait_ms = due - now;
		return 0;
	}
	if (!atomic_compare_exchange_strong(&jb->running, &zero,
	    (int)getpid())) {
		*wait_ms = interval_ms;	/* running: never overlapping */
		return 0;
	}
	atomic_store(&jb->next_ms, now + interval_ms);
	*wait_ms = interval_ms;
	return 1;
}

void
stats_job_done(const char *name, int failed, int64_t duration_ms)
{
	struct stats_job	*jb;

	if (mine == NULL || (jb = job_slot(name)) == NULL)
		return;
	atomic_fetch_add(&jb->runs, 1);
	if (failed)
		atomic_fetch_add(&jb->failures, 1);
	atomic_store(&jb->last_ms, duration_ms);
	atomic_store(&jb->running, 0);
}

void
stats_streams(int delta)
{
	if (mine == NULL)
		return;
	if (delta > 0)
		atomic_fetch_add_explicit(&mine->counters[STATS_STREAMS], 1,
		    memory_order_relaxed);
	atomic_fetch_add_explicit(&mine->streams, delta,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&slot->streams, delta,
	    memory_order_relaxed);
}

void
stats_status_class(int status)
{
	if (status >= 100 && status <= 599)
		stats_count((enum stats_counter)(STATS_RESP_1XX +
		    status / 100 - 1));
}

void
stats_served(void)
{
	if (slot != NULL)
		atomic_fetch_add_explicit(&slot->requests, 1,
		    memory_order_relaxed);
}

static void
raise_max(atomic_llong *max, long long v)
{
	long long	cur = atomic_load_explicit(max, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(max, &cur, v,
	    memory_order_relaxed, memory_order_relaxed))
		;
}

void
stats_active(int delta)
{
	int	n;

	if (mine == NULL)
		return;
	raise_max(&mine->max_active, atomic_fetch_add_explicit(&mine->active,
	    delta, memory_order_relaxed) + delta);
	n = atomic_fetch_add_explicit(&slot->active, delta,
	    memory_order_relaxed) + delta;
	if (atomic_load_explicit(&slot->state, memory_order_relaxed) !=
	    STATS_STOPPING)
		atomic_store_explicit(&slot->state, n > 0 ? STATS_BUSY :
		    STATS_IDLE, memory_order_relaxed);
}

void
stats_queued(int delta)
{
	if (mine == NULL)
		return;
	raise_max(&mine->max_queued, atomic_fetch_add_explicit(&mine->queued,
	    delta, memory_order_relaxed) + delta);
	atomic_fetch_add_explicit(&slot->queued, delta, memory_order_relaxed);
}

void
stats_conns(int delta)
{
	if (slot != NULL)
		atomic_fetch_add_explicit(&slot->conns, delta,
		    memory_order_relaxed);
}

void
stats_stopping(void)
{
	if (slot != NULL)
		atomic_store(&slot->state, STATS_STOPPING);
}

int
stats_snapshot_of(const struct stats_pool *cp, struct stats_snapshot *out)
{
	struct stats_pool	*p = (struct stats_pool *)cp;	/* loads only */
	struct stats_slot	*sl;
	struct stats_worker	*w;
	int			 i;

	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return -1;
	snprintf(out->pool, sizeof(out->pool), "%s", p->name);
	out->started_ms = p->started_ms;
	out->uptime_ms = clock_ms(CLOCK_MONOTONIC) - p->started_mono_ms;
	for (i = 0; i < STATS_NCOUNTERS; i++)
		out->counters[i] = atomic_load(&p->counters[i]);
	out->active = atomic_load(&p->active);
	out->max_active = atomic_load(&p->max_active);
	out->queued = atomic_load(&p->queued);
	out->max_queued = atomic_load(&p->max_queued);
	out->streams = atomic_load(&p->streams);
	for (i = 0; i < STATS_JOBS; i++) {
		struct stats_job	*jb = &p->jobs[i];

		if (atomic_load(&jb->claimed) != 2)
			continue;
		memcpy(out->jobs[out->njobs].name, jb->name, STATS_JOB_NAME);
		out->jobs[out->njobs].running = atomic_load(&jb->running);
		out->jobs[out->njobs].runs = atomic_load(&jb->runs);
		out->jobs[out->njobs].failures = atomic_load(&jb->failures);
		out->jobs[out->njobs].last_ms = atomic_load(&jb->last_ms);
		out->njobs++;
	}
	if ((out->workers = calloc((size_t)p->nslots, sizeof(*w))) == NULL)
		return 0;	/* totals without the per-worker lines */
	for (i = 0; i < p->nslots; i++) {
		sl = &p->slots[i];
		w = &out->workers[out->nworkers];
		if ((w->pid = atomic_load(&sl->pid)) == 0)
			continue;
		w->state = (enum stats_state)atomic_load(&sl->state);
		if (w->state == STATS_FREE)	/* claimed a moment ago */
			w->state = STATS_IDLE;
		w->started_ms = atomic_load(&sl->started_ms);
		w->requests = atomic_load(&sl->requests);
		w->active = atomic_load(&sl->active);
		w->queued = atomic_load(&sl->queued);
		w->conns = atomic_load(&sl->conns);
		out->nworkers++;
	}
	return 0;
}

int
stats_snapshot(struct stats_snapshot *out)
{
	return stats_snapshot_of(mine, out);
}

void
stats_snapshot_free(struct stats_snapshot *s)
{
	free(s->workers);
	s->workers = NULL;
	s->nworkers = 0;
}

const char *
stats_state_name(enum stats_state s)
{
	switch (s) {
	case STATS_BUSY:
		return "busy";
	case STATS_STOPPING:
		return "stopping";
	default:
		return "idle";
	}
}
