/*
 * The master: opens every pool's listening socket, forks the workers,
 * respawns the ones that die (with backoff), and stops them gracefully.
 *
 * Signals are handled synchronously: they stay blocked and the main loop
 * collects them with sigtimedwait(), whose timeout is the nearest deadline
 * (a delayed respawn or the shutdown limit).  No handler ever runs, so no
 * work happens in signal context and the master needs no event loop.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "accesslog.h"
#include "conf.h"
#include "log.h"
#include "lua_app.h"
#include "master.h"
#include "priv.h"
#include "slowlog.h"
#include "stats.h"
#include "worker.h"

#define RESPAWN_QUICK_MS	5000	/* a worker dying sooner counts as a failure */
#define RESPAWN_MAX_DELAY_MS	10000
#define APP_LOAD_TIMEOUT_S	60	/* an app's top level must finish */

struct wproc {
	pid_t			 pid;		/* 0: not running */
	struct pool_conf	*pool;
	int			 listen_fd;
	uint64_t		 started_ms;
	uint64_t		 respawn_at_ms;	/* 0: no respawn pending */
	unsigned		 failures;	/* consecutive quick deaths */
};

struct listener {
	struct pool_conf	*pool;
	int			 fd;
	int			 bound;		/* we created its unix path */
};

static struct conf	*mconf;
static struct listener	*listeners;
static struct wproc	*wprocs;
static int		 nwprocs;
static int		 stopping;
static uint64_t		 stop_deadline_ms;
static int		 killed;		/* SIGKILL already sent */

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Refuses to steal a socket path another live server answers on. */
static int
unlink_stale(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(path);
}

static int
listen_unix(const struct pool_conf *p)
{
	struct sockaddr_un	 sun;
	uid_t			 uid;
	gid_t			 gid;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(p->listen) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, p->listen);
	if (unlink_stale(p->listen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(p->listen, p->listen_mode) == -1)
		goto fail;
	if (geteuid() == 0 && (p->user != NULL || p->group != NULL)) {
		if (priv_resolve(p, &uid, &gid) == -1 ||
		    chown(p->listen, uid, gid) == -1)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int
listen_inet(const struct pool_conf *p)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			 host[128];
	const char		*colon;
	socklen_t		 slen;
	long			 port;
	int			 fd, on = 1;

	if ((colon = strrchr(p->listen, ':')) == NULL ||
	    (size_t)(colon - p->listen) >= sizeof(host)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(host, p->listen, colon - p->listen);
	host[colon - p->listen] = '\0';
	port = strtol(colon + 1, NULL, 10);
	memset(&ss, 0, sizeof(ss));
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			goto inval;
		slen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (strcmp(host, "*") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto inval;
		slen = sizeof(*sin);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, slen) == -1) {
		close(fd);
		return -1;
	}
	return fd;
inval:
	errno = EINVAL;
	return -1;
}

static int
listen_open(const struct pool_conf *p)
{
	int	fd;

	fd = p->listen[0] == '/' ? listen_unix(p) : listen_inet(p);
	if (fd == -1)
		return -1;
	if (listen(fd, p->listen_backlog) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
master_test_apps(const struct conf *conf)
{
	struct pool_conf	*p;
	struct lua_app		*app;
	char			 err[2048];
	pid_t			 pid;
	int			 status, bad = 0;

	if (priv_check(conf) == -1)
		return -1;
	for (p = conf->pools; p != NULL; p = p->next) {
		/* The app's top-level code may do anything: keep it away. */
		switch ((pid = fork())) {
		case -1:
			log_warn("fork");
			return -1;
		case 0:
			/* Log files are opened before the drop, as workers do. */
			if (accesslog_open(p) == -1) {
				log_msg(LOG_LVL_ERROR, NULL, "pool %s: access_log "
				    "%s: %s", p->name, p->access_log,
				    strerror(errno));
				_exit(1);
			}
			if (slowlog_open(p) == -1) {
				log_msg(LOG_LVL_ERROR, NULL, "pool %s: slowlog %s: "
				    "%s", p->name, p->slowlog, strerror(errno));
				_exit(1);
			}
			/* Load as the workers will: same user, bounded time. */
			priv_drop(p);
			alarm(APP_LOAD_TIMEOUT_S);
			if ((app = lua_app_load(p->app, err, sizeof(err))) ==
			    NULL) {
				log_msg(LOG_LVL_ERROR, NULL, "pool %s: %s",
				    p->name, err);
				_exit(1);
			}
			_exit(0);
		}
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

static void
worker_spawn(struct wproc *wp)
{
	pid_t		 pid, master = getpid();
	int		 i;

	wp->respawn_at_ms = 0;
	switch ((pid = fork())) {
	case -1:
		log_warn("pool %s: fork worker", wp->pool->name);
		wp->respawn_at_ms = now_ms() + 1000;
		return;
	case 0:
		/* Workers stop gracefully if the master vanishes. */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master)
			_exit(1);
		/* Ctrl-C reaches the master only; it stops workers in order. */
		(void)setpgid(0, 0);
		for (i = 0; i < mconf->npools; i++)
			if (listeners[i].fd != wp->listen_fd)
				close(listeners[i].fd);
		log_set_pool(wp->pool->name);
		worker_main(mconf, wp->pool, wp->listen_fd, master);
	}
	wp->pid = pid;
	wp->started_ms = now_ms();
	log_debug("pool %s: started worker %ld", wp->pool->name, (long)pid);
}

static struct wproc *
wproc_find(pid_t pid)
{
	int	i;

	for (i = 0; i < nwprocs; i++)
		if (wprocs[i].pid == pid)
			return &wprocs[i];
	return NULL;
}

static void
reap_workers(void)
{
	struct wproc	*wp;
	uint64_t	 now, delay;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		stats_worker_gone(pid);
		if ((wp = wproc_find(pid)) == NULL)
			continue;
		wp->pid = 0;
		if (stopping) {
			if (WIFSIGNALED(status))
				log_info("pool %s: worker %ld killed by "
				    "signal %d", wp->pool->name, (long)pid,
				    WTERMSIG(status));
			continue;
		}
		now = now_ms();
		if (now - wp->started_ms < RESPAWN_QUICK_MS)
			wp->failures++;
		else
			wp->failures = 0;
		delay = 0;
		if (wp->failures > 0) {
			delay = 100ULL << (wp->failures < 7 ? wp->failures : 7);
			if (delay > RESPAWN_MAX_DELAY_MS)
				delay = RESPAWN_MAX_DELAY_MS;
		}
		if (WIFSIGNALED(status))
			log_msg(LOG_LVL_WARN, NULL, "pool %s: worker %ld killed "
			    "by signal %d; respawning in %llu ms",
			    wp->pool->name, (long)pid, WTERMSIG(status),
			    (unsigned long long)delay);
		else
			log_msg(LOG_LVL_WARN, NULL, "pool %s: worker %ld exited "
			    "with status %d; respawning in %llu ms",
			    wp->pool->name, (long)pid, WEXITSTATUS(status),
			    (unsigned long long)delay);
		wp->respawn_at_ms = now + delay;
		if (wp->respawn_at_ms == 0)
			wp->respawn_at_ms = 1;
	}
}

static int
workers_alive(void)
{
	int	i, n = 0;

	for (i = 0; i < nwprocs; i++)
		if (wprocs[i].pid != 0)
			n++;
	return n;
}

static void
signal_workers(int sig)
{
	int	i;

	for (i = 0; i < nwprocs; i++)
		if (wprocs[i].pid != 0)
			(void)kill(wprocs[i].pid, sig);
}

static void
stop_begin(int sig)
{
	int	i;

	if (stopping) {
		/* A second stop signal means now. */
		log_info("received signal %d again; stopping now", sig);
		signal_workers(SIGKILL);
		killed = 1;
		return;
	}
	log_info("received signal %d; stopping gracefully (up to %llu ms)",
	    sig, (unsigned long long)mconf->shutdown_timeout_ms);
	stopping = 1;
	stop_deadline_ms = now_ms() + mconf->shutdown_timeout_ms;
	for (i = 0; i < mconf->npools; i++) {
		close(listeners[i].fd);
		listeners[i].fd = -1;
	}
	signal_workers(SIGTERM);
}

/* Milliseconds until the nearest deadline; -1 for none. */
static long long
next_timeout(void)
{
	uint64_t	now = now_ms(), at = 0;
	int		i;

	if (stopping && !killed)
		at = stop_deadline_ms;
	for (i = 0; !stopping && i < nwprocs; i++)
		if (wprocs[i].respawn_at_ms != 0 &&
		    (at == 0 || wprocs[i].respawn_at_ms < at))
			at = wprocs[i].respawn_at_ms;
	if (at == 0)
		return -1;
	return at > now ? (long long)(at - now) : 0;
}

static void
run_deadlines(void)
{
	uint64_t	now = now_ms();
	int		i;

	if (stopping) {
		if (!killed && now >= stop_deadline_ms) {
			log_warnx("shutdown_timeout reached; killing %d "
			    "worker(s)", workers_alive());
			signal_workers(SIGKILL);
			killed = 1;
		}
		return;
	}
	for (i = 0; i < nwprocs; i++)
		if (wprocs[i].respawn_at_ms != 0 &&
		    wprocs[i].respawn_at_ms <= now)
			worker_spawn(&wprocs[i]);
}

/* Removes the unix socket paths this process created, and only those. */
static void
cleanup_sockets(void)
{
	int	i;

	for (i = 0; i < mconf->npools; i++)
		if (listeners[i].bound && listeners[i].pool->listen[0] == '/')
			(void)unlink(listeners[i].pool->listen);
}

int
master_run(struct conf *conf)
{
	struct pool_conf	*p;
	struct timespec		 ts;
	siginfo_t		 si;
	sigset_t		 set;
	long long		 ms;
	int			 i, n, sig;

	mconf = conf;
	if (master_test_apps(conf) == -1)
		return 1;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if ((listeners = calloc(conf->npools, sizeof(*listeners))) == NULL)
		fatal("calloc");
	for (nwprocs = 0, p = conf->pools; p != NULL; p = p->next)
		nwprocs += p->workers;
	if ((wprocs = calloc(nwprocs, sizeof(*wprocs))) == NULL)
		fatal("calloc");
	for (i = 0, n = 0, p = conf->pools; p != NULL; p = p->next, i++) {
		listeners[i].pool = p;
		if ((listeners[i].fd = listen_open(p)) == -1) {
			log_warn("pool %s: listen on %s", p->name, p->listen);
			while (--i >= 0)
				close(listeners[i].fd);
			cleanup_sockets();
			return 1;
		}
		listeners[i].bound = 1;
		log_info("pool %s: listening on %s (%s, %d workers)", p->name,
		    p->listen, p->protocol == CONF_PROTO_SCGI ? "scgi" :
		    "fastcgi", p->workers);
	}
	for (i = 0, p = conf->pools; p != NULL; p = p->next, i++) {
		int	k;

		/* Slots for a reload's new workers while the old ones finish. */
		(void)stats_pool_open(p->name, 4 * p->workers);
		for (k = 0; k < p->workers; k++, n++) {
			wprocs[n].pool = p;
			wprocs[n].listen_fd = listeners[i].fd;
			worker_spawn(&wprocs[n]);
		}
	}

	while (!stopping || workers_alive() > 0) {
		ms = next_timeout();
		if (ms < 0)
			sig = sigwaitinfo(&set, &si);
		else {
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (ms % 1000) * 1000000;
			sig = sigtimedwait(&set, &si, &ts);
		}
		switch (sig) {
		case -1:
			if (errno != EAGAIN && errno != EINTR)
				fatal("sigtimedwait");
			break;
		case SIGCHLD:
			reap_workers();
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			stop_begin(sig);
			break;
		case SIGHUP:
			log_warnx("SIGHUP: configuration reload is not "
			    "implemented yet; ignoring");
			break;
		case SIGUSR1:
			if (log_reopen() == -1)
				log_warn("reopening the error log");
			signal_workers(SIGUSR1);
			break;
		}
		reap_workers();
		run_deadlines();
	}
	cleanup_sockets();
	log_info("stopped");
	return 0;
}
