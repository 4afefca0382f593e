/*
 * The master: forks each pool's workers, respawns the ones that die (with
 * backoff), reloads the configuration on SIGHUP and stops everything
 * gracefully.  Listening sockets are listener.c's.
 *
 * Workers come in generations, one per configuration loaded.  The newest
 * is the configuration; only its workers are respawned.  A reload starts
 * a new generation next to the running one, on the same sockets where
 * listen did not change; once every new worker has said it is accepting
 * (ctl.h), the older generations are told to finish what they hold and
 * exit, within shutdown_timeout.  A reload that fails at any step before
 * that leaves everything as it was.
 *
 * Signals stay blocked and arrive through a signalfd, polled with the
 * workers' control sockets (and reload_on_change's inotify descriptor,
 * watch.c); the poll timeout is the nearest deadline.  No handler ever
 * runs, so no work happens in signal context.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"
#include "conf.h"
#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "lua_app.h"
#include "lua_files.h"
#include "master.h"
#include "priv.h"
#include "slowlog.h"
#include "shdict.h"
#include "stats.h"
#include "watch.h"
#include "worker.h"

#define RESPAWN_QUICK_MS	5000	/* a worker dying sooner counts as a failure */
#define RESPAWN_MAX_DELAY_MS	10000
#define APP_LOAD_TIMEOUT_S	60	/* an app's top level must finish */
#define ORPHAN_WAIT_MS		2000	/* for a killed worker's children */
/* New workers not all ready by then: the old ones stop anyway. */
#define READY_TIMEOUT_MS	((APP_LOAD_TIMEOUT_S + 5) * 1000ULL)

struct gen;

struct wproc {
	pid_t			 pid;		/* 0: not running */
	struct gen		*gen;
	struct pool_conf	*pool;
	int			 listen_fd;
	int			 ctl;		/* our end of its channel; -1 */
	uint64_t		 started_ms;
	uint64_t		 respawn_at_ms;	/* 0: no respawn pending */
	unsigned		 failures;	/* consecutive quick deaths */
	unsigned		 ready:1;	/* said CTL_READY since started */
};

/* The workers of one configuration. */
struct gen {
	unsigned		 id;		/* 1, 2, ... for the log */
	struct conf		*conf;		/* owned */
	struct wproc		*w;
	int			 nw;
	uint64_t		 born_ms;
	unsigned		 retiring:1;	/* told to stop */
	uint64_t		 deadline_ms;	/* then SIGKILL, if retiring */
	unsigned		 killed:1;	/* SIGKILL sent */
	struct gen		*next;		/* older */
};

static struct gen	*cur;		/* newest: the configuration */
static unsigned		 ngens;
static int		 switch_pending;/* older gens wait for cur's workers */
static int		 stopping;
static int		 sigfd = -1;

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * In a process forked from the master: the descriptors of the master's
 * that are none of its business (all but keep_listen and keep_ctl).
 */
static void
close_inherited(int keep_listen, int keep_ctl)
{
	struct gen	*g;
	int		 i;

	listener_close_except(keep_listen);
	for (g = cur; g != NULL; g = g->next)
		for (i = 0; i < g->nw; i++)
			if (g->w[i].ctl != -1 && g->w[i].ctl != keep_ctl)
				close(g->w[i].ctl);
	if (sigfd != -1)
		close(sigfd);
	if (watch_fd() != -1)
		close(watch_fd());
	log_close_saved();
}

/*
 * master_test_apps; with collect, each reload_on_change pool's test
 * process also sends the Lua files its app loaded (watch_collect).
 */
static int
test_apps(const struct conf *conf, int collect)
{
	struct pool_conf	*p;
	pid_t			 pid;
	int			 status, bad = 0, runners, ok, files[2];

	if (priv_check(conf) == -1)
		return -1;
	if (collect)
		watch_collect_begin();
	for (p = conf->pools; p != NULL; p = p->next) {
		files[0] = files[1] = -1;
		if (collect && p->reload_on_change &&
		    pipe2(files, O_CLOEXEC) == -1) {
			log_warn("pool %s: reload_on_change: pipe", p->name);
			files[0] = files[1] = -1;
		}
		if (files[0] != -1)
			(void)fcntl(files[0], F_SETFL, O_NONBLOCK);
		/* The app's top-level code may do anything: keep it away. */
		switch ((pid = fork())) {
		case -1:
			log_warn("fork");
			if (files[0] != -1) {
				close(files[0]);
				close(files[1]);
			}
			return -1;
		case 0:
			/* Prepared exactly as a worker is, in bounded time. */
			close_inherited(-1, -1);
			if (files[0] != -1) {
				close(files[0]);
				lua_files_track();
			}
			alarm(APP_LOAD_TIMEOUT_S);
			ok = worker_prepare(p, &runners, 1) != NULL;
			/* Loaded or not: fixing what failed must reload. */
			if (files[1] != -1)
				(void)lua_files_send(files[1]);
			_exit(ok ? 0 : 1);
		}
		if (files[0] != -1) {
			close(files[1]);
			watch_collect(files[0], pid, &status);
		} else
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
				log_msg(LOG_LVL_ERROR, NULL, "pool %s: loading "
				    "%s took longer than %d s", p->name, p->app,
				    APP_LOAD_TIMEOUT_S);
			else if (WIFSIGNALED(status))
				log_msg(LOG_LVL_ERROR, NULL, "pool %s: loading "
				    "%s killed the test process (signal %d)",
				    p->name, p->app, WTERMSIG(status));
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

int
master_test_apps(const struct conf *conf)
{
	return test_apps(conf, 0);
}

static void
worker_spawn(struct wproc *wp)
{
	pid_t	 pid, master = getpid();
	int	 sv[2];

	wp->respawn_at_ms = 0;
	wp->ready = 0;
	if (ctl_pair(sv) == -1) {
		log_warn("pool %s: control socket", wp->pool->name);
		wp->respawn_at_ms = now_ms() + 1000;
		return;
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("pool %s: fork worker", wp->pool->name);
		close(sv[0]);
		close(sv[1]);
		wp->respawn_at_ms = now_ms() + 1000;
		return;
	case 0:
		/* Workers stop gracefully if the master vanishes. */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master)
			_exit(1);
		/* Ctrl-C reaches the master only; it stops workers in order. */
		(void)setpgid(0, 0);
		close(sv[0]);
		close_inherited(wp->listen_fd, -1);
		log_set_pool(wp->pool->name);
		worker_main(wp->gen->conf, wp->pool, wp->listen_fd, sv[1],
		    master);
	}
	close(sv[1]);
	wp->ctl = sv[0];
	wp->pid = pid;
	wp->started_ms = now_ms();
	log_debug("pool %s: started worker %ld", wp->pool->name, (long)pid);
}

/*
 * Each pool's shared counters, kept across a reload by pool name, with
 * slots for a reload's new workers while the old ones finish.
 */
static void
stats_open(const struct conf *conf)
{
	const struct pool_conf	*p;

	for (p = conf->pools; p != NULL; p = p->next)
		(void)stats_pool_open(p->name, 4 * p->workers);	/* logs */
}

static int
shdict_wanted(const char *pool, const char *name, void *arg)
{
	const struct conf		*conf = arg;
	const struct pool_conf		*p;
	const struct conf_shdict	*sd;

	for (p = conf->pools; p != NULL; p = p->next)
		for (sd = p->shared_dicts; sd != NULL; sd = sd->next)
			if (strcmp(p->name, pool) == 0 &&
			    strcmp(sd->name, name) == 0)
				return 1;
	return 0;
}

static void
shdict_dropped(const char *pool, const char *name, void *arg)
{
	(void)arg;
	log_msg(LOG_LVL_INFO, NULL, "pool %s: shared_dict %s dropped (no "
	    "longer configured)", pool, name);
}

/*
 * Each pool's shared dictionaries, made before its workers are forked so
 * they all inherit them; kept with their items across a reload when the
 * pool, name and size stay the same.
 */
static void
shdicts_open(const struct conf *conf)
{
	const struct pool_conf		*p;
	const struct conf_shdict	*sd;
	int				 how;

	for (p = conf->pools; p != NULL; p = p->next)
		for (sd = p->shared_dicts; sd != NULL; sd = sd->next) {
			if (shdict_open(p->name, sd->name, sd->size, &how) ==
			    NULL)
				log_msg(LOG_LVL_ERROR, NULL, "pool %s: "
				    "shared_dict %s: cannot map %zu bytes: %s",
				    p->name, sd->name, sd->size,
				    strerror(errno));
			else if (how != SHDICT_KEPT)
				log_msg(LOG_LVL_INFO, NULL, "pool %s: "
				    "shared_dict %s %s (%zu bytes)", p->name,
				    sd->name, how == SHDICT_CREATED ?
				    "created" : "resized, its items dropped",
				    sd->size);
			else
				log_msg(LOG_LVL_INFO, NULL, "pool %s: "
				    "shared_dict %s kept with its items",
				    p->name, sd->name);
		}
	shdict_drop_unless(shdict_wanted, (void *)(uintptr_t)conf,
	    shdict_dropped);
}

/* The counters of old's pools that no live configuration has any more. */
static void
stats_close_removed(const struct conf *old)
{
	const struct pool_conf	*p, *q;
	const struct gen	*g;

	for (p = old->pools; p != NULL; p = p->next) {
		for (g = cur, q = NULL; g != NULL && q == NULL; g = g->next)
			for (q = g->conf == old ? NULL : g->conf->pools;
			    q != NULL; q = q->next)
				if (strcmp(q->name, p->name) == 0)
					break;
		if (q == NULL)
			stats_pool_close(p->name);
	}
}

/* A generation for conf (owned from now on), its workers not started. */
static struct gen *
gen_new(struct conf *conf)
{
	struct pool_conf	*p;
	struct gen		*g;
	int			 k, n = 0;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	for (p = conf->pools; p != NULL; p = p->next)
		g->nw += p->workers;
	if ((g->w = calloc(g->nw, sizeof(*g->w))) == NULL) {
		free(g);
		return NULL;
	}
	for (p = conf->pools; p != NULL; p = p->next)
		for (k = 0; k < p->workers; k++, n++) {
			g->w[n].gen = g;
			g->w[n].pool = p;
			g->w[n].listen_fd = listener_fd(p->listen);
			g->w[n].ctl = -1;
		}
	g->conf = conf;
	g->id = ++ngens;
	g->born_ms = now_ms();
	return g;
}

static void
gen_free(struct gen *g)
{
	int	i;

	for (i = 0; i < g->nw; i++)
		if (g->w[i].ctl != -1)
			close(g->w[i].ctl);
	free(g->w);
	conf_free(g->conf);
	free(g);
}

static int
gen_alive(const struct gen *g)
{
	int	i, n = 0;

	for (i = 0; i < g->nw; i++)
		if (g->w[i].pid != 0)
			n++;
	return n;
}

static int
workers_alive(void)
{
	struct gen	*g;
	int		 n = 0;

	for (g = cur; g != NULL; g = g->next)
		n += gen_alive(g);
	return n;
}

static void
gen_signal(struct gen *g, int sig)
{
	int	i;

	for (i = 0; i < g->nw; i++)
		if (g->w[i].pid != 0)
			(void)kill(g->w[i].pid, sig);
}

/* Tells g's workers to finish what they hold and exit, within timeout. */
static void
gen_retire(struct gen *g, uint64_t timeout_ms)
{
	uint64_t	deadline = now_ms() + timeout_ms;

	if (!g->retiring || deadline < g->deadline_ms)
		g->deadline_ms = deadline;
	g->retiring = 1;
	gen_signal(g, SIGTERM);
}

static struct wproc *
wproc_find(pid_t pid)
{
	struct gen	*g;
	int		 i;

	for (g = cur; g != NULL; g = g->next)
		for (i = 0; i < g->nw; i++)
			if (g->w[i].pid == pid)
				return &g->w[i];
	return NULL;
}

static void
respawn_later(struct wproc *wp, pid_t pid, int status)
{
	uint64_t	now = now_ms(), delay = 0;

	if (now - wp->started_ms < RESPAWN_QUICK_MS)
		wp->failures++;
	else
		wp->failures = 0;
	if (wp->failures > 0) {
		delay = 100ULL << (wp->failures < 7 ? wp->failures : 7);
		if (delay > RESPAWN_MAX_DELAY_MS)
			delay = RESPAWN_MAX_DELAY_MS;
	}
	if (WIFSIGNALED(status))
		log_msg(LOG_LVL_WARN, NULL, "pool %s: worker %ld killed by "
		    "signal %d; respawning in %llu ms", wp->pool->name,
		    (long)pid, WTERMSIG(status), (unsigned long long)delay);
	else
		log_msg(LOG_LVL_WARN, NULL, "pool %s: worker %ld exited with "
		    "status %d; respawning in %llu ms", wp->pool->name,
		    (long)pid, WEXITSTATUS(status), (unsigned long long)delay);
	wp->respawn_at_ms = now + delay;
	if (wp->respawn_at_ms == 0)
		wp->respawn_at_ms = 1;
}

static void
reap_workers(void)
{
	struct wproc	*wp;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		stats_worker_gone(pid);
		if ((wp = wproc_find(pid)) == NULL)
			continue;
		wp->pid = 0;
		if (wp->ctl != -1) {
			close(wp->ctl);
			wp->ctl = -1;
		}
		if (!stopping && wp->gen == cur) {
			respawn_later(wp, pid, status);
			continue;
		}
		/* Stopping, or an older generation: not replaced. */
		if (WIFSIGNALED(status))
			log_msg(wp->gen->retiring ? LOG_LVL_INFO : LOG_LVL_WARN,
			    NULL, "pool %s: worker %ld killed by signal %d",
			    wp->pool->name, (long)pid, WTERMSIG(status));
		else if (!wp->gen->retiring || WEXITSTATUS(status) != 0)
			log_msg(LOG_LVL_WARN, NULL, "pool %s: worker %ld exited "
			    "with status %d", wp->pool->name, (long)pid,
			    WEXITSTATUS(status));
		else
			log_debug("pool %s: worker %ld exited",
			    wp->pool->name, (long)pid);
	}
}

/* Frees the older generations whose workers are all gone. */
static void
collect_gens(void)
{
	struct gen	**gp, *g;

	for (gp = &cur->next; (g = *gp) != NULL;) {
		if (gen_alive(g) > 0) {
			gp = &g->next;
			continue;
		}
		if (g->retiring && !stopping)
			log_info("reload: the workers of configuration #%u have "
			    "all exited", g->id);
		*gp = g->next;
		stats_close_removed(g->conf);
		gen_free(g);
	}
}

static void
stop_begin(int sig)
{
	struct gen	*g;

	if (stopping) {
		/* A second stop signal means now. */
		log_info("received signal %d again; stopping now", sig);
		for (g = cur; g != NULL; g = g->next) {
			gen_signal(g, SIGKILL);
			g->killed = 1;
		}
		return;
	}
	log_info("received signal %d; stopping gracefully (up to %llu ms)",
	    sig, (unsigned long long)cur->conf->shutdown_timeout_ms);
	stopping = 1;
	switch_pending = 0;
	watch_close();
	listener_close_all();
	for (g = cur; g != NULL; g = g->next)
		gen_retire(g, cur->conf->shutdown_timeout_ms);
}

/*
 * The older generations stop once every worker of the newest has said it
 * accepts (no connection waits on a worker still loading its app), or
 * after READY_TIMEOUT_MS whatever the newest is doing.
 */
static void
switch_maybe(void)
{
	struct gen	*g;
	int		 i, ready = 1;

	if (!switch_pending)
		return;
	for (i = 0; i < cur->nw; i++)
		if (!cur->w[i].ready)
			ready = 0;
	if (!ready && now_ms() < cur->born_ms + READY_TIMEOUT_MS)
		return;
	if (!ready)
		log_warnx("reload: the new workers are not all ready after "
		    "%llu s; stopping the old ones anyway",
		    (unsigned long long)READY_TIMEOUT_MS / 1000);
	switch_pending = 0;
	for (g = cur->next; g != NULL; g = g->next)
		if (!g->retiring) {
			log_info("reload: configuration #%u serves; the %d "
			    "workers of #%u finish their requests (up to "
			    "%llu ms)", cur->id, gen_alive(g), g->id,
			    (unsigned long long)cur->conf->shutdown_timeout_ms);
			gen_retire(g, cur->conf->shutdown_timeout_ms);
		}
	listener_close_unused();
}

/*
 * The configuration file again: all checked before anything changes.
 * why: what asked for it, for the log ("received SIGHUP").
 */
static void
reload(const char *why)
{
	struct conf	*conf;
	struct gen	*g;
	char		 err[1024];
	int		 i;

	if (stopping) {
		log_info("%s while stopping; ignored", why);
		return;
	}
	log_info("%s; reloading %s", why, cur->conf->path);
	if ((conf = conf_load(cur->conf->path, err, sizeof(err))) == NULL) {
		log_msg(LOG_LVL_ERROR, NULL, "%s", err);
		goto failed;
	}
	if (test_apps(conf, 1) == -1 || listener_prepare(conf) == -1)
		goto failed;
	if ((g = gen_new(conf)) == NULL) {
		log_warn("reload");
		goto abort;
	}
	/* The last step that can fail: it changes nothing unless it works. */
	if (log_open(conf->error_log, (enum log_level)conf->log_level,
	    conf->error_log_format == CONF_LOG_JSON) == -1) {
		log_warn("error_log %s", conf->error_log);
		g->conf = NULL;		/* freed below */
		gen_free(g);
		goto abort;
	}
	listener_commit(conf);
	stats_open(conf);
	shdicts_open(conf);
	g->next = cur;
	cur = g;
	log_info("reload: configuration #%u loaded; starting %d workers",
	    g->id, g->nw);
	for (i = 0; i < g->nw; i++)
		worker_spawn(&g->w[i]);
	switch_pending = 1;
	watch_commit(0);
	return;
abort:
	listener_abort();
failed:
	watch_commit(1);
	conf_free(conf);
	log_msg(LOG_LVL_ERROR, NULL, "reload failed; still serving "
	    "configuration #%u, its workers untouched", cur->id);
}

/* fds' pool slots: closed, -1. */
static void
pool_files_close(int fds[LOG_NFILES])
{
	if (fds[LOG_FILE_ACCESS] != -1)
		close(fds[LOG_FILE_ACCESS]);
	if (fds[LOG_FILE_SLOW] != -1)
		close(fds[LOG_FILE_SLOW]);
	fds[LOG_FILE_ACCESS] = fds[LOG_FILE_SLOW] = -1;
}

/* p's access and slow log files opened anew into fds' pool slots. */
static void
pool_files_open(const struct pool_conf *p, int fds[LOG_NFILES])
{
	if ((fds[LOG_FILE_ACCESS] = accesslog_file_open(p)) == -1 &&
	    errno != 0)
		log_warn("pool %s: reopening access_log %s", p->name,
		    p->access_log);
	errno = 0;
	if ((fds[LOG_FILE_SLOW] = slowlog_file_open(p)) == -1 && errno != 0)
		log_warn("pool %s: reopening slowlog %s", p->name, p->slowlog);
}

/*
 * SIGUSR1: the master reopens the log files, as root, and hands them to
 * every worker, which may no longer be allowed to open them: the error
 * log, and its pool's access and slow logs (a generation's workers are
 * grouped by pool).
 */
static void
reopen_logs(void)
{
	struct gen	*g;
	struct wproc	*wp;
	int		 fds[LOG_NFILES], i;

	if (log_files_open(fds) == -1)
		log_warn("reopening the error log");
	for (g = cur; g != NULL; g = g->next)
		for (i = 0; i < g->nw; i++) {
			wp = &g->w[i];
			if (i == 0 || wp->pool != g->w[i - 1].pool) {
				pool_files_close(fds);
				errno = 0;
				pool_files_open(wp->pool, fds);
			}
			if (wp->ctl != -1 &&
			    ctl_send(wp->ctl, CTL_REOPEN, 0, fds, LOG_NFILES) == -1)
				log_warn("pool %s: passing the log files to "
				    "worker %ld", wp->pool->name, (long)wp->pid);
		}
	log_files_install(fds);
	log_info("received SIGUSR1; log files reopened");
}

static void
handle_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		reap_workers();
		break;
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		stop_begin(sig);
		break;
	case SIGHUP:
		reload("received SIGHUP");
		break;
	case SIGUSR1:
		reopen_logs();
		break;
	}
}

static void
read_signals(void)
{
	struct signalfd_siginfo	 si;
	ssize_t			 n;

	while ((n = read(sigfd, &si, sizeof(si))) == (ssize_t)sizeof(si))
		handle_signal((int)si.ssi_signo);
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		fatal("signalfd");
}

static void
read_ctl(struct wproc *wp)
{
	struct ctl_msg	m;
	int		r;

	for (;;) {
		if ((r = ctl_recv(wp->ctl, &m)) == -1 && errno == EPROTO)
			continue;
		if (r != 1)
			break;
		ctl_unpack(&m, NULL, 0);
		if (m.type == CTL_READY)
			wp->ready = 1;
	}
	if (r == 0 || (r == -1 && errno != EAGAIN)) {
		/* It is exiting; SIGCHLD follows. */
		close(wp->ctl);
		wp->ctl = -1;
	}
}

/* Milliseconds until the nearest deadline; -1 for none. */
static int
next_timeout(void)
{
	struct gen	*g;
	uint64_t	 now = now_ms(), at = 0;
	int		 i;

#define NEAREST(t)	do { if (at == 0 || (t) < at) at = (t); } while (0)
	for (g = cur; g != NULL; g = g->next)
		if (g->retiring && !g->killed && gen_alive(g) > 0)
			NEAREST(g->deadline_ms);
	if (switch_pending)
		NEAREST(cur->born_ms + READY_TIMEOUT_MS);
	if (watch_deadline() != 0)
		NEAREST(watch_deadline());
	for (i = 0; !stopping && i < cur->nw; i++)
		if (cur->w[i].respawn_at_ms != 0)
			NEAREST(cur->w[i].respawn_at_ms);
#undef NEAREST
	if (at == 0)
		return -1;
	return at > now ? (int)(at - now) : 0;
}

static void
run_deadlines(void)
{
	struct gen	*g;
	uint64_t	 now = now_ms();
	const char	*changed;
	char		 why[PATH_MAX + 64];
	int		 i;

	if (!stopping && (changed = watch_due(now)) != NULL) {
		snprintf(why, sizeof(why), "reload_on_change: %s changed",
		    changed);
		reload(why);
		now = now_ms();
	}
	for (g = cur; g != NULL; g = g->next)
		if (g->retiring && !g->killed && gen_alive(g) > 0 &&
		    now >= g->deadline_ms) {
			log_warnx("shutdown_timeout reached; killing %d "
			    "worker(s)%s", gen_alive(g), g == cur ? "" :
			    " of the previous configuration");
			gen_signal(g, SIGKILL);
			g->killed = 1;
		}
	for (i = 0; !stopping && i < cur->nw; i++)
		if (cur->w[i].respawn_at_ms != 0 &&
		    cur->w[i].respawn_at_ms <= now)
			worker_spawn(&cur->w[i]);
}

/*
 * One poll over the signals, every worker's control socket and the
 * watched files.
 */
static void
wait_events(void)
{
	struct pollfd	*pfd;
	struct wproc	**who;
	struct gen	*g;
	int		 i, n = 2, cap = 2;

	for (g = cur; g != NULL; g = g->next)
		cap += g->nw;
	if ((pfd = calloc(cap, sizeof(*pfd))) == NULL ||
	    (who = calloc(cap, sizeof(*who))) == NULL)
		fatal("calloc");
	pfd[0].fd = sigfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = watch_fd();		/* -1: ignored by poll */
	pfd[1].events = POLLIN;
	for (g = cur; g != NULL; g = g->next)
		for (i = 0; i < g->nw; i++)
			if (g->w[i].ctl != -1) {
				pfd[n].fd = g->w[i].ctl;
				pfd[n].events = POLLIN;
				who[n++] = &g->w[i];
			}
	if (poll(pfd, n, next_timeout()) == -1 && errno != EINTR)
		fatal("poll");
	/* Control messages first: a worker's last words before its exit. */
	for (i = 2; i < n; i++)
		if (pfd[i].revents != 0 && who[i]->ctl != -1)
			read_ctl(who[i]);
	if (pfd[1].revents != 0)
		watch_read(now_ms());
	if (pfd[0].revents != 0)
		read_signals();
	free(pfd);
	free(who);
}

/*
 * The workers are gone; what a killed one left behind is dying of its
 * death signal and comes to us (the subreaper): reap it, for a bounded
 * time (a process that escaped its group, say a daemon a handler
 * started, goes on under init).
 */
static void
reap_orphans(void)
{
	pid_t	pid;
	int	i;

	for (i = 0; i < ORPHAN_WAIT_MS / 10; i++) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (pid == -1 && errno == ECHILD)
			return;
		(void)poll(NULL, 0, 10);
	}
}

int
master_run(struct conf *conf)
{
	sigset_t	 set;
	int		 i;

	if (test_apps(conf, 1) == -1) {
		watch_close();
		conf_free(conf);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/*
	 * What a worker leaves when it is killed (shutdown_timeout, a crash)
	 * comes to us, not to init: its zygote, spares and request children
	 * die with it (their death signal) and are reaped here, never left
	 * as zombies under an init that does not reap.
	 */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	if (listener_prepare(conf) == -1) {
		watch_close();
		conf_free(conf);
		return 1;
	}
	if ((cur = gen_new(conf)) == NULL)
		fatal("calloc");
	listener_commit(conf);
	stats_open(conf);
	shdicts_open(conf);
	for (i = 0; i < cur->nw; i++)
		worker_spawn(&cur->w[i]);
	watch_commit(0);

	while (!stopping || workers_alive() > 0) {
		wait_events();
		reap_workers();
		switch_maybe();
		run_deadlines();
		collect_gens();
	}
	listener_cleanup();
	while (cur != NULL) {
		struct gen	*g = cur;

		cur = g->next;
		gen_free(g);
	}
	close(sigfd);
	watch_close();
	reap_orphans();
	log_info("stopped");
	return 0;
}
