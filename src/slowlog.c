/*
 * The slow log (PHP-FPM's request_slowlog_timeout, for Lua).
 *
 * The worker arms a timer per request; when it fires while the child
 * still runs, it sends the child SLOWLOG_SIGNAL with sigqueue(2), the
 * elapsed milliseconds as the signal's value.  The child's handler does
 * nothing but lua_sethook(), which the Lua manual allows from a signal
 * handler (lua.c does the same for Ctrl-C).  At the next Lua instruction
 * the hook removes itself, writes the header line and debug.traceback()
 * to the slow log, and returns: the request carries on as if nothing
 * happened.  A child blocked in C (a query, os.execute) dumps when Lua
 * runs again.
 *
 * A slow log file gets a block per request, like PHP-FPM's:
 *   2026-11-21T06:04:34.123Z pool api pid 1234 rid=abc: GET /report
 *   running for 5003 ms
 *   stack traceback:
 *           /etc/fcgiserve/apps/api.lua:12: in upvalue 'query'
 *           ...
 * (the first two lines are one), then a blank line.  Without a file, one
 * warn line in the error log, the traceback's lines joined with " | ".
 */
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "buf.h"
#include "log.h"
#include "slowlog.h"

static int			 enabled;	/* slowlog_timeout > 0 */
static int			 slow_fd = -1;	/* a file; -1: error log */
static const char		*slow_pool = "";

/* The child's side. */
static lua_State		*slow_L;
static int			 child_fd = -1;
static const struct request	*cur_req;	/* being handled, or NULL */
static volatile sig_atomic_t	 asked_ms;	/* elapsed when asked */
static struct timespec		 asked_at;	/* CLOCK_MONOTONIC */

int
slowlog_open(const struct pool_conf *p)
{
	int	fd;

	slow_pool = p->name;
	enabled = p->slowlog_timeout_ms > 0;
	if ((fd = slowlog_file_open(p)) == -1)
		return enabled && p->slowlog != NULL ? -1 : 0;
	slowlog_set_fd(fd);
	return 0;
}

int
slowlog_file_open(const struct pool_conf *p)
{
	if (p->slowlog_timeout_ms == 0 || p->slowlog == NULL)
		return -1;
	return open(p->slowlog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
}

void
slowlog_set_fd(int fd)
{
	if (slow_fd != -1 && slow_fd != fd)
		close(slow_fd);
	slow_fd = fd;
}

void
slowlog_renumber(int fd)
{
	slow_fd = fd;
}

int
slowlog_fd(void)
{
	return slow_fd;
}

int
slowlog_ask(pid_t pid, uint64_t elapsed_ms)
{
	union sigval	v;

	v.sival_int = elapsed_ms > 0x7fffffff ? 0x7fffffff : (int)elapsed_ms;
	return sigqueue(pid, SLOWLOG_SIGNAL, v);
}

static uint64_t
elapsed_now(void)
{
	struct timespec	now;
	int64_t		d;

	clock_gettime(CLOCK_MONOTONIC, &now);
	d = (int64_t)(now.tv_sec - asked_at.tv_sec) * 1000 +
	    (now.tv_nsec - asked_at.tv_nsec) / 1000000;
	return (uint64_t)asked_ms + (uint64_t)(d > 0 ? d : 0);
}

/* Runs under lua_pcall from the hook: builds and writes the entry. */
static int
dump(lua_State *L)
{
	struct buf	 b = BUF_INIT;
	struct timespec	 now;
	struct tm	 tm;
	const char	*tb, *p, *method;
	char		 ts[32];
	uint64_t	 ms = elapsed_now();

	if (cur_req == NULL)
		return 0;
	if ((method = request_param(cur_req, "REQUEST_METHOD")) == NULL)
		method = "-";
	/* Level 1: the function that was running, not dump itself. */
	luaL_traceback(L, L, NULL, 1);
	tb = lua_tostring(L, -1);
	if (child_fd == -1) {
		p = tb;
		if (strncmp(p, "stack traceback:\n\t", 18) == 0) {
			buf_adds(&b, "stack traceback: ");
			p += 18;
		}
		for (; *p != '\0'; p++) {
			if (p[0] == '\n' && p[1] == '\t') {
				buf_adds(&b, " | ");
				p++;
			} else if (*p == '\n')
				buf_add(&b, " ", 1);
			else
				buf_add(&b, p, 1);
		}
		log_msg(LOG_LVL_WARN, cur_req->rid, "slow request: %s %s "
		    "running for %llu ms; %s", method, cur_req->path,
		    (unsigned long long)ms, b.data != NULL ? b.data : "");
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		buf_printf(&b, "%s.%03ldZ pool %s pid %ld rid=%s: %s %s running "
		    "for %llu ms\n%s\n\n", ts, now.tv_nsec / 1000000, slow_pool,
		    (long)getpid(), cur_req->rid, method, cur_req->path,
		    (unsigned long long)ms, tb);
		if (b.data != NULL)
			(void)!write(child_fd, b.data, b.len);
	}
	buf_free(&b);
	return 0;
}

static void
hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	lua_pushcfunction(L, dump);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK)
		lua_pop(L, 1);		/* out of memory: no entry */
}

static void
on_signal(int sig, siginfo_t *si, void *ctx)
{
	int	saved = errno;

	(void)sig;
	(void)ctx;
	if (cur_req == NULL)		/* idle spare, or already answered */
		return;
	asked_ms = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
	clock_gettime(CLOCK_MONOTONIC, &asked_at);
	lua_sethook(slow_L, hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT,
	    1);
	errno = saved;
}

void
slowlog_child_init(lua_State *L, int fd)
{
	struct sigaction	sa;

	if (!enabled)
		return;
	slow_L = L;
	child_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SLOWLOG_SIGNAL, &sa, NULL);
}

void
slowlog_child_request(const struct request *req)
{
	if (enabled)
		cur_req = req;		/* NULL: done, no more entries */
}
