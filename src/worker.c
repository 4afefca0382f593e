/*
 * A worker: the process set-up, the loop, and the drain (worker.h).
 *
 * The loop serves one pool: conn.c accepts and feeds the codec, job.c
 * gives each complete request a child (children.c) and answers it.  The
 * worker never runs handler code and never blocks.  On SIGTERM it stops
 * accepting, finishes every request it holds, reaps every child and
 * exits 0.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "accesslog.h"
#include "child.h"
#include "children.h"
#include "conn.h"
#include "every.h"
#include "ctl.h"
#include "fastcgi.h"
#include "job.h"
#include "log.h"
#include "priv.h"
#include "sandbox.h"
#include "scgi.h"
#include "slowlog.h"
#include "shdict.h"
#include "stats.h"
#include "status.h"
#include "worker.h"

#define NPRIORITIES	3	/* 0 first ... 2: forking spares, when idle */

static struct worker	 w;

struct lua_app *
worker_prepare(const struct pool_conf *pool, int *runners, int report)
{
	const struct conf_shdict	*sd;
	struct lua_app			*app;
	char				 err[2048];
	int				 how;

	/* As root, before the drop, like the error log (nginx does so). */
	if (accesslog_open(pool) == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: access_log %s: %s",
		    pool->name, pool->access_log, strerror(errno));
		return NULL;
	}
	if (slowlog_open(pool) == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: slowlog %s: %s",
		    pool->name, pool->slowlog, strerror(errno));
		return NULL;
	}
	priv_drop(pool);
	child_set_limits(pool->child_memory_limit, pool->child_cpu_limit,
	    pool->child_open_files);
	/*
	 * Probed before the app is loaded, so a reset pool loads it without
	 * transparent huge pages: a protected huge page written once is
	 * 512 pages to copy back (and the heap's are madvised for fork).
	 */
	*runners = 0;
	if (pool->isolation == CONF_ISOLATION_FORK)
		log_msg(LOG_LVL_DEBUG, NULL, "pool %s: isolation fork",
		    pool->name);
	else if (child_runner_probe(err, sizeof(err)) == -1)
		log_msg(LOG_LVL_WARN, NULL, "pool %s: isolation reset is not "
		    "available here (%s); running isolation fork", pool->name,
		    err);
	else {
		*runners = 1;
		(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
		child_runner_setup(pool->runner_max_requests,
		    pool->reset_verify);
		log_msg(LOG_LVL_DEBUG, NULL, "pool %s: isolation reset",
		    pool->name);
	}
	/* The master's, inherited; made here for -t and fcgiserve request. */
	shdict_select(pool->name);
	for (sd = pool->shared_dicts; sd != NULL; sd = sd->next)
		if (shdict_open(pool->name, sd->name, sd->size, &how) == NULL) {
			log_msg(LOG_LVL_ERROR, NULL, "pool %s: shared_dict %s: "
			    "%s", pool->name, sd->name, strerror(errno));
			return NULL;
		}
	sandbox_configure(pool);
	if ((app = lua_app_load(pool->app, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: %s", pool->name, err);
		return NULL;
	}
	if (sandbox_prepare(pool, lua_app_package(app, "path"),
	    lua_app_package(app, "cpath"), report) == -1) {
		lua_app_free(app);
		return NULL;
	}
	return app;
}

/*
 * Stopping: exits the loop once no job is left and every connection is
 * closed.  Run from w.ev_check, which job.c and conn.c activate when
 * something ends.
 */
static void
check_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (w.stopping && job_count() == 0 && conn_drain() == 0)
		event_base_loopexit(w.base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	if (w.stopping)
		return;
	log_debug("received signal %d; finishing %d requests", (int)sig,
	    job_count());
	w.stopping = 1;
	stats_stopping();
	every_stop();
	children_stop();
	conn_stop_accepting();
	event_active(w.ev_check, EV_TIMEOUT, 0);
}

/*
 * Messages from the master.  CTL_REOPEN brings the log files it reopened
 * (as root: this worker may not be allowed to open them): the error log
 * and the pool's access and slow logs.  Idle spares hold the old ones, so
 * they are replaced.
 */
static void
ctl_cb(evutil_socket_t fd, short events, void *arg)
{
	struct event	*self = arg;
	struct ctl_msg	 m;
	int		 fds[LOG_NFILES], r;

	(void)events;
	for (;;) {
		if ((r = ctl_recv(fd, &m)) == -1 && errno == EPROTO)
			continue;	/* not one of ours: dropped whole */
		if (r != 1)
			break;
		if (m.type != CTL_REOPEN) {
			ctl_unpack(&m, NULL, 0);	/* closes its fds */
			continue;
		}
		ctl_unpack(&m, fds, LOG_NFILES);
		if (fds[LOG_FILE_ACCESS] != -1) {
			accesslog_set_fd(fds[LOG_FILE_ACCESS]);
			fds[LOG_FILE_ACCESS] = -1;
		}
		if (fds[LOG_FILE_SLOW] != -1) {
			slowlog_set_fd(fds[LOG_FILE_SLOW]);
			fds[LOG_FILE_SLOW] = -1;
		}
		log_files_install(fds);
		log_debug("log files reopened");
		children_renew();
	}
	if (r == 0)	/* the master is gone; its death signal is on the way */
		event_del(self);
}

static void
libevent_log_cb(int severity, const char *msg)
{
	log_msg(severity >= EVENT_LOG_ERR ? LOG_LVL_ERROR :
	    severity == EVENT_LOG_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG, NULL,
	    "libevent: %s", msg);
}

static void
worker_context(const struct conf *conf, const struct pool_conf *pool)
{
	w.conf = conf;
	w.pool = pool;
	w.codec = pool->protocol == CONF_PROTO_SCGI ? &scgi_codec :
	    &fastcgi_codec;
	w.limits.max_body_size = pool->max_body_size;
	w.limits.max_params_size = pool->max_params_size;
	w.limits.max_params = (size_t)pool->max_params;
	w.limits.max_param_length = pool->max_param_length;
	w.limits.max_conns = (unsigned)(pool->workers * pool->max_connections);
	w.limits.max_reqs = (unsigned)(pool->workers * pool->max_children);
}

void
worker_main(const struct conf *conf, const struct pool_conf *pool,
    int listen_fd, int ctl_fd, pid_t master)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGQUIT };
	struct event		*ev_sig[3], *ev_ctl;
	sigset_t		 chld;
	size_t			 i;

	worker_context(conf, pool);
	(void)stats_worker_attach(pool->name);
	/* Both are the master's business; it tells workers what to do. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	if ((w.app = worker_prepare(pool, &w.runners, 0)) == NULL)
		exit(3);
	status_set_isolation(w.runners);
	/* After the drop: a credential change clears the death signal. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		exit(1);
	event_set_log_callback(libevent_log_cb);
	if ((w.base = event_base_new()) == NULL ||
	    event_base_priority_init(w.base, NPRIORITIES) == -1 ||
	    (w.ev_check = event_new(w.base, -1, 0, check_cb, NULL)) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ev_sig[i] = evsignal_new(w.base, sigs[i], signal_cb, NULL);
		if (ev_sig[i] == NULL || event_add(ev_sig[i], NULL) == -1)
			fatalx("evsignal_new");
	}
	/* The master's signals are blocked until here, where their events
	   are in place; from now on only SIGCHLD is, read from a signalfd
	   (children.c).  Children unblock it (child_prepare). */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	if ((ev_ctl = event_new(w.base, ctl_fd, EV_READ | EV_PERSIST, ctl_cb,
	    event_self_cbarg())) == NULL || event_add(ev_ctl, NULL) == -1)
		fatalx("event_new");
	/* job_init starts the zygote (children.c): what every child must
	   inherit -- log files, limits, the loaded app -- is in place. */
	if (job_init(&w) == -1)
		fatal("job_init");
	if (conn_init(&w, listen_fd) == -1)
		fatal("conn_init");
	if (every_init(&w) == -1)
		fatal("every_init");

	log_debug("worker ready");
	/* A reload waits for this before it stops the old workers. */
	if (ctl_send(ctl_fd, CTL_READY, 0, NULL, 0) == -1)
		log_warn("telling the master this worker is ready");
	event_base_dispatch(w.base);
	children_reap_all();
	/* Everything freed, so a leak checker sees only real leaks. */
	conn_shutdown();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_free(ev_sig[i]);
	event_free(ev_ctl);
	event_free(w.ev_check);
	event_base_free(w.base);
	lua_app_free(w.app);
	exit(0);
}
