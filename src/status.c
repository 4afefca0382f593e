/*
 * The status and ping pages, answered inside the worker from the pool's
 * shared counters (stats.c): no child, no Lua, so they answer while every
 * child slot is busy, which is when an operator looks.
 *
 * Formats (PHP-FPM's status page, in what today's tools read):
 *   (default)     JSON object, the totals of the pool
 *   ?openmetrics  OpenMetrics 1.0 text (application/openmetrics-text),
 *                 counters as fcgiserve_NAME_total, ending with # EOF
 *   ?prometheus   Prometheus text format 0.0.4 (text/plain)
 *   &full         adds one entry (JSON) or one series per worker (text)
 * Status and ping requests are counted nowhere: a monitor polling them
 * must not change the numbers it reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "json.h"
#include "response.h"
#include "shdict.h"
#include "stats.h"
#include "status.h"

#define OPENMETRICS_CTYPE "application/openmetrics-text; version=1.0.0; " \
			  "charset=utf-8"
#define PROMETHEUS_CTYPE  "text/plain; version=0.0.4; charset=utf-8"
#define JSON_CTYPE	  "application/json"
#define TEXT_CTYPE	  "text/plain; charset=utf-8"

/* One metric family of the text formats. */
struct family {
	const char	*name;		/* after "fcgiserve_" */
	int		 counter;	/* else gauge */
	const char	*help;
};

static int	runners;	/* the isolation this worker runs: reset */

/* The pool's shared dictionaries, as the status shows them. */
#define DICTS_MAX	64
struct dicts {
	int	n;
	struct {
		const char		*name;
		struct shdict_stats	 st;
	}	r[DICTS_MAX];
};

static void
dict_row(struct shdict *d, void *arg)
{
	struct dicts	*ds = arg;

	if (ds->n == DICTS_MAX)
		return;
	ds->r[ds->n].name = shdict_name(d);
	shdict_stats(d, &ds->r[ds->n].st);
	ds->n++;
}

static json_t *
dicts_json(void)
{
	struct dicts	 ds;
	json_t		*o, *e;
	int		 i;

	ds.n = 0;
	shdict_each(dict_row, &ds);
	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < ds.n; i++) {
		if ((e = json_pack("{sIsIsIsIsIsIsIsI}",
		    "capacity", (json_int_t)ds.r[i].st.capacity,
		    "used", (json_int_t)ds.r[i].st.used,
		    "items", (json_int_t)ds.r[i].st.items,
		    "hits", (json_int_t)ds.r[i].st.hits,
		    "misses", (json_int_t)ds.r[i].st.misses,
		    "evictions", (json_int_t)ds.r[i].st.evictions,
		    "expired", (json_int_t)ds.r[i].st.expired,
		    "repairs", (json_int_t)ds.r[i].st.repairs)) != NULL)
			json_object_set_new(o, ds.r[i].name, e);
	}
	return o;
}

static const char *const class_names[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

const char *
status_content_type(enum status_format f)
{
	switch (f) {
	case STATUS_OPENMETRICS:
		return OPENMETRICS_CTYPE;
	case STATUS_PROMETHEUS:
		return PROMETHEUS_CTYPE;
	default:
		return JSON_CTYPE;
	}
}

static void
rfc3339_ms(int64_t ms, char *out, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), len - strlen(out), ".%03dZ",
	    (int)(ms % 1000));
}

static int
render_json(const struct pool_conf *p, const struct stats_snapshot *s,
    int full, struct buf *out)
{
	const struct stats_worker	*wk;
	json_t				*o, *resp, *list, *one, *jobs;
	char				 ts[40];
	int				 i, rc;

	if ((o = json_object()) == NULL)
		return -1;
	rfc3339_ms(s->started_ms, ts, sizeof(ts));
	json_object_set_new(o, "pool", json_string(p->name));
	json_object_set_new(o, "start_time", json_string(ts));
	json_object_set_new(o, "uptime_seconds",
	    json_integer(s->uptime_ms / 1000));
	json_object_set_new(o, "workers", json_integer(p->workers));
	json_object_set_new(o, "workers_running", json_integer(s->nworkers));
	json_object_set_new(o, "max_children", json_integer(p->max_children));
	json_object_set_new(o, "queue", json_integer(p->queue));
	json_object_set_new(o, "spare_children",
	    json_integer(p->spare_children));
	json_object_set_new(o, "accepted_requests",
	    json_integer((json_int_t)s->counters[STATS_ACCEPTED]));
	json_object_set_new(o, "active_children", json_integer(s->active));
	json_object_set_new(o, "max_active_children",
	    json_integer(s->max_active));
	json_object_set_new(o, "queued_requests", json_integer(s->queued));
	json_object_set_new(o, "max_queued_requests",
	    json_integer(s->max_queued));
	json_object_set_new(o, "queue_full",
	    json_integer((json_int_t)s->counters[STATS_QUEUE_FULL]));
	json_object_set_new(o, "timeouts",
	    json_integer((json_int_t)s->counters[STATS_TIMEOUTS]));
	json_object_set_new(o, "crashes",
	    json_integer((json_int_t)s->counters[STATS_CRASHES]));
	json_object_set_new(o, "slow_requests",
	    json_integer((json_int_t)s->counters[STATS_SLOW]));
	json_object_set_new(o, "children_forked",
	    json_integer((json_int_t)s->counters[STATS_FORKED]));
	json_object_set_new(o, "spare_waits",
	    json_integer((json_int_t)s->counters[STATS_SPARE_WAITS]));
	json_object_set_new(o, "isolation", json_string(runners ? "reset" :
	    "fork"));
	json_object_set_new(o, "resets",
	    json_integer((json_int_t)s->counters[STATS_RESETS]));
	json_object_set_new(o, "reset_pages",
	    json_integer((json_int_t)s->counters[STATS_RESET_PAGES]));
	json_object_set_new(o, "reset_differs",
	    json_integer((json_int_t)s->counters[STATS_RESET_DIFFERS]));
	json_object_set_new(o, "streams", json_integer(s->streams));
	json_object_set_new(o, "streams_total",
	    json_integer((json_int_t)s->counters[STATS_STREAMS]));
	json_object_set_new(o, "shared_dicts", dicts_json());
	if ((jobs = json_object()) != NULL) {
		for (i = 0; i < s->njobs; i++)
			json_object_set_new(jobs, s->jobs[i].name, json_pack(
			    "{sIsIsIsb}", "runs", (json_int_t)s->jobs[i].runs,
			    "failures", (json_int_t)s->jobs[i].failures,
			    "last_duration_ms", (json_int_t)s->jobs[i].last_ms,
			    "running", s->jobs[i].running != 0));
		json_object_set_new(o, "jobs", jobs);
	}
	if ((resp = json_object()) != NULL) {
		for (i = 0; i < 5; i++)
			json_object_set_new(resp, class_names[i], json_integer(
			    (json_int_t)s->counters[STATS_RESP_1XX + i]));
		json_object_set_new(o, "responses", resp);
	}
	if (full && (list = json_array()) != NULL) {
		for (i = 0; i < s->nworkers; i++) {
			wk = &s->workers[i];
			if ((one = json_object()) == NULL)
				continue;
			rfc3339_ms(wk->started_ms, ts, sizeof(ts));
			json_object_set_new(one, "pid", json_integer(wk->pid));
			json_object_set_new(one, "state",
			    json_string(stats_state_name(wk->state)));
			json_object_set_new(one, "start_time", json_string(ts));
			json_object_set_new(one, "requests",
			    json_integer((json_int_t)wk->requests));
			json_object_set_new(one, "active_children",
			    json_integer(wk->active));
			json_object_set_new(one, "queued_requests",
			    json_integer(wk->queued));
			json_object_set_new(one, "connections",
			    json_integer(wk->conns));
			json_array_append_new(list, one);
		}
		json_object_set_new(o, "worker_processes", list);
	}
	rc = json_encode(o, out) == -1 || buf_add(out, "\n", 1) == -1 ? -1 : 0;
	json_decref(o);
	return rc;
}

/*
 * The metadata of one family.  OpenMetrics names a counter family without
 * its _total suffix; the Prometheus text format names it with.
 */
static int
family(struct buf *b, enum status_format f, const struct family *fam)
{
	const char	*sfx = fam->counter && f == STATUS_PROMETHEUS ?
			    "_total" : "";

	return buf_printf(b, "# HELP fcgiserve_%s%s %s\n"
	    "# TYPE fcgiserve_%s%s %s\n", fam->name, sfx, fam->help,
	    fam->name, sfx, fam->counter ? "counter" : "gauge");
}

/* One sample: labels is "" or ",name=\"value\"...". */
static int
sample(struct buf *b, const struct family *fam, const char *pool,
    const char *labels, const char *value)
{
	return buf_printf(b, "fcgiserve_%s%s{pool=\"%s\"%s} %s\n", fam->name,
	    fam->counter ? "_total" : "", pool, labels, value);
}

static int
sample_u(struct buf *b, const struct family *fam, const char *pool,
    const char *labels, unsigned long long v)
{
	char	num[32];

	snprintf(num, sizeof(num), "%llu", v);
	return sample(b, fam, pool, labels, num);
}

static int
metric(struct buf *b, enum status_format f, const struct family *fam,
    const char *pool, unsigned long long v)
{
	return family(b, f, fam) | sample_u(b, fam, pool, "", v);
}

/* The shared dictionaries' families, a sample per dictionary each. */
static int
dicts_text(struct buf *b, enum status_format f, const char *pool)
{
	static const struct family	fams[] = {
		{ "shared_dict_capacity_bytes", 0,
		    "Bytes a shared dictionary can hold." },
		{ "shared_dict_used_bytes", 0,
		    "Bytes a shared dictionary's items take." },
		{ "shared_dict_items", 0, "Items in a shared dictionary." },
		{ "shared_dict_hits", 1, "Gets that found their key." },
		{ "shared_dict_misses", 1, "Gets that did not." },
		{ "shared_dict_evictions", 1,
		    "Items evicted to make room (least recently used)." },
		{ "shared_dict_expired", 1, "Items removed once expired." },
	};
	struct dicts			ds;
	unsigned long long		v;
	char				lab[96];
	size_t				k;
	int				i, rc = 0;

	ds.n = 0;
	shdict_each(dict_row, &ds);
	if (ds.n == 0)
		return 0;
	for (k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		rc |= family(b, f, &fams[k]);
		for (i = 0; i < ds.n; i++) {
			const struct shdict_stats *st = &ds.r[i].st;

			v = k == 0 ? st->capacity : k == 1 ? st->used :
			    k == 2 ? st->items : k == 3 ? st->hits :
			    k == 4 ? st->misses : k == 5 ? st->evictions :
			    st->expired;
			snprintf(lab, sizeof(lab), ",dict=\"%s\"",
			    ds.r[i].name);
			rc |= sample_u(b, &fams[k], pool, lab, v);
		}
	}
	return rc;
}

static int
render_text(const struct pool_conf *p, const struct stats_snapshot *s,
    enum status_format f, int full, struct buf *b)
{
	static const struct family
	    start = { "start_time_seconds", 0,
		"When the pool's counters were created, in Unix time." },
	    uptime = { "uptime_seconds", 0,
		"Seconds since the pool's counters were created." },
	    workers = { "workers", 0, "Worker processes configured." },
	    running = { "workers_running", 0, "Worker processes running." },
	    maxch = { "max_children", 0,
		"Children one worker may run at once (max_children)." },
	    queue = { "queue_limit", 0,
		"Requests one worker may queue (queue)." },
	    spares = { "spare_children", 0,
		"Children one worker forks ahead (spare_children)." },
	    accepted = { "accepted_requests", 1,
		"Requests received, status and ping excluded." },
	    active = { "active_children", 0, "Request children running." },
	    maxact = { "max_active_children", 0,
		"Most request children running at once." },
	    queued = { "queued_requests", 0, "Requests waiting for a child." },
	    maxq = { "max_queued_requests", 0,
		"Most requests one worker had waiting for a child." },
	    full503 = { "queue_full", 1,
		"Requests refused with 503: every child busy, queue full." },
	    to504 = { "timeouts", 1,
		"Requests answered 504: request_timeout or child_cpu_limit." },
	    crash = { "crashes", 1,
		"Children that died without a complete answer." },
	    slow = { "slow_requests", 1,
		"Requests that ran past slowlog_timeout." },
	    forked = { "children_forked", 1,
		"Request children forked, spares included." },
	    waits = { "spare_waits", 1,
		"Requests that found no idle spare and waited for one." },
	    streams = { "streams", 0,
		"Streamed answers open now (each holds a child)." },
	    streams_t = { "streams_started", 1, "Streamed answers begun." },
	    resets = { "resets", 1,
		"Requests after which a runner put itself back (reset)." },
	    rpages = { "reset_pages", 1,
		"Memory pages those resets copied back." },
	    rdiff = { "reset_differs", 1,
		"Resets after which reset_verify found pages differing." },
	    resp = { "responses", 1, "Responses by status class." },
	    w_start = { "worker_start_time_seconds", 0,
		"When the worker started, in Unix time." },
	    w_state = { "worker_state", 0,
		"The worker's state: idle, busy or stopping (the one "
		"labelled is 1)." },
	    w_req = { "worker_requests", 1, "Requests the worker answered." },
	    w_act = { "worker_active_children", 0,
		"Request children the worker runs." },
	    w_q = { "worker_queued_requests", 0,
		"Requests waiting in the worker." },
	    w_conn = { "worker_connections", 0,
		"Connections open to the worker." };
	const struct stats_worker	*wk;
	const char			*pool = p->name;
	char				 lab[96], num[48];
	int				 rc = 0, i;

	rc |= family(b, f, &start);
	snprintf(num, sizeof(num), "%lld.%03lld",
	    (long long)(s->started_ms / 1000), (long long)(s->started_ms % 1000));
	rc |= sample(b, &start, pool, "", num);
	rc |= metric(b, f, &uptime, pool,
	    (unsigned long long)(s->uptime_ms / 1000));
	rc |= metric(b, f, &workers, pool, (unsigned long long)p->workers);
	rc |= metric(b, f, &running, pool, (unsigned long long)s->nworkers);
	rc |= metric(b, f, &maxch, pool, (unsigned long long)p->max_children);
	rc |= metric(b, f, &queue, pool, (unsigned long long)p->queue);
	rc |= metric(b, f, &spares, pool,
	    (unsigned long long)p->spare_children);
	rc |= metric(b, f, &accepted, pool, s->counters[STATS_ACCEPTED]);
	rc |= metric(b, f, &active, pool, (unsigned long long)s->active);
	rc |= metric(b, f, &maxact, pool, (unsigned long long)s->max_active);
	rc |= metric(b, f, &queued, pool, (unsigned long long)s->queued);
	rc |= metric(b, f, &maxq, pool, (unsigned long long)s->max_queued);
	rc |= metric(b, f, &full503, pool, s->counters[STATS_QUEUE_FULL]);
	rc |= metric(b, f, &to504, pool, s->counters[STATS_TIMEOUTS]);
	rc |= metric(b, f, &crash, pool, s->counters[STATS_CRASHES]);
	rc |= metric(b, f, &slow, pool, s->counters[STATS_SLOW]);
	rc |= metric(b, f, &forked, pool, s->counters[STATS_FORKED]);
	rc |= metric(b, f, &waits, pool, s->counters[STATS_SPARE_WAITS]);
	rc |= metric(b, f, &streams, pool, (unsigned long long)s->streams);
	rc |= metric(b, f, &streams_t, pool, s->counters[STATS_STREAMS]);
	rc |= metric(b, f, &resets, pool, s->counters[STATS_RESETS]);
	rc |= metric(b, f, &rpages, pool, s->counters[STATS_RESET_PAGES]);
	rc |= metric(b, f, &rdiff, pool, s->counters[STATS_RESET_DIFFERS]);
	rc |= family(b, f, &resp);
	for (i = 0; i < 5; i++) {
		snprintf(lab, sizeof(lab), ",class=\"%s\"", class_names[i]);
		rc |= sample_u(b, &resp, pool, lab,
		    s->counters[STATS_RESP_1XX + i]);
	}
	rc |= dicts_text(b, f, pool);
	if (full) {
		/* A family's samples must be together: one loop each. */
		rc |= family(b, f, &w_start);
		for (i = 0; i < s->nworkers; i++) {
			wk = &s->workers[i];
			snprintf(lab, sizeof(lab), ",pid=\"%ld\"", (long)wk->pid);
			snprintf(num, sizeof(num), "%lld.%03lld",
			    (long long)(wk->started_ms / 1000),
			    (long long)(wk->started_ms % 1000));
			rc |= sample(b, &w_start, pool, lab, num);
		}
		rc |= family(b, f, &w_state);
		for (i = 0; i < s->nworkers; i++) {
			wk = &s->workers[i];
			snprintf(lab, sizeof(lab), ",pid=\"%ld\",state=\"%s\"",
			    (long)wk->pid, stats_state_name(wk->state));
			rc |= sample(b, &w_state, pool, lab, "1");
		}
		rc |= family(b, f, &w_req);
		for (i = 0; i < s->nworkers; i++) {
			snprintf(lab, sizeof(lab), ",pid=\"%ld\"",
			    (long)s->workers[i].pid);
			rc |= sample_u(b, &w_req, pool, lab,
			    s->workers[i].requests);
		}
		rc |= family(b, f, &w_act);
		for (i = 0; i < s->nworkers; i++) {
			snprintf(lab, sizeof(lab), ",pid=\"%ld\"",
			    (long)s->workers[i].pid);
			rc |= sample_u(b, &w_act, pool, lab,
			    (unsigned long long)s->workers[i].active);
		}
		rc |= family(b, f, &w_q);
		for (i = 0; i < s->nworkers; i++) {
			snprintf(lab, sizeof(lab), ",pid=\"%ld\"",
			    (long)s->workers[i].pid);
			rc |= sample_u(b, &w_q, pool, lab,
			    (unsigned long long)s->workers[i].queued);
		}
		rc |= family(b, f, &w_conn);
		for (i = 0; i < s->nworkers; i++) {
			snprintf(lab, sizeof(lab), ",pid=\"%ld\"",
			    (long)s->workers[i].pid);
			rc |= sample_u(b, &w_conn, pool, lab,
			    (unsigned long long)s->workers[i].conns);
		}
	}
	if (f == STATUS_OPENMETRICS)
		rc |= buf_adds(b, "# EOF\n");
	return rc != 0 ? -1 : 0;
}

int
status_render(const struct pool_conf *p, const struct stats_snapshot *s,
    enum status_format f, int full, struct buf *out)
{
	if (f == STATUS_JSON)
		return render_json(p, s, full, out);
	return render_text(p, s, f, full, out);
}

/* Whether the query string holds the word (alone or as word=...). */
void
status_set_isolation(int on)
{
	runners = on;
}

static int
query_has(const char *qs, const char *word)
{
	size_t	n = strlen(word), len;

	while (*qs != '\0') {
		len = strcspn(qs, "&;");
		if (len >= n && strncmp(qs, word, n) == 0 &&
		    (len == n || qs[n] == '='))
			return 1;
		qs += len;
		if (*qs != '\0')
			qs++;
	}
	return 0;
}

static int
answer_status(const struct pool_conf *p, const struct request *req,
    struct buf *out)
{
	struct stats_snapshot	 s;
	struct buf		 body = BUF_INIT;
	enum status_format	 f = STATUS_JSON;
	const char		*qs = req->query;
	int			 rc = -1;

	if (query_has(qs, "openmetrics"))
		f = STATUS_OPENMETRICS;
	else if (query_has(qs, "prometheus"))
		f = STATUS_PROMETHEUS;
	if (stats_snapshot(&s) == -1)
		snprintf(s.pool, sizeof(s.pool), "%s", p->name);
	if (status_render(p, &s, f, query_has(qs, "full"), &body) == 0 &&
	    response_status(out, 200) == 0 &&
	    response_header(out, "Cache-Control", "no-store", 8) == 0 &&
	    response_finish(out, status_content_type(f), body.data,
	    body.len) == 0)
		rc = 0;
	stats_snapshot_free(&s);
	buf_free(&body);
	return rc;
}

static int
answer_ping(const struct pool_conf *p, struct buf *out)
{
	const char	*pong = p->ping_response != NULL ? p->ping_response :
			    "pong";

	if (response_status(out, 200) == -1 ||
	    response_header(out, "Cache-Control", "no-store", 8) != 0 ||
	    response_finish(out, TEXT_CTYPE, pong, strlen(pong)) == -1)
		return -1;
	return 0;
}

int
status_answer(const struct pool_conf *p, const struct request *req,
    struct buf *out)
{
	const char	*method;
	int		 is_status, is_ping, rc;

	is_status = p->status_path != NULL &&
	    strcmp(req->path, p->status_path) == 0;
	is_ping = p->ping_path != NULL && strcmp(req->path, p->ping_path) == 0;
	if (!is_status && !is_ping)
		return 0;
	method = request_param(req, "REQUEST_METHOD");
	if (method != NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)
		rc = response_error(out, 405, "method not allowed", req->rid,
		    "Allow: GET, HEAD\r\n");
	else
		rc = is_status ? answer_status(p, req, out) :
		    answer_ping(p, out);
	if (rc != 0) {
		buf_reset(out);
		if (response_error(out, 500, "internal server error",
		    req->rid, NULL) != 0)
			buf_reset(out);
	}
	return 1;
}
