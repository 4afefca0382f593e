/*
 * The embedded Lua 5.4 interpreter: loads an app once (the template),
 * readies a forked copy of it for one request (allocator, random seed)
 * and runs the handler there.  A worker loads the app once; each request
 * runs in a forked copy, so lua_app_handle may change the state freely:
 * the child throws it away.
 *
 * Every call into Lua runs under lua_pcall, app code with a traceback
 * message handler below it, so no error can reach lua_atpanic.  What the
 * app sees of fcgiserve is lua_module.c; turning its results into a
 * response is lua_result.c.
 */
#include <sys/random.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "arena.h"
#include "log.h"
#include "lua_app.h"
#include "lua_files.h"
#include "lua_module.h"
#include "lua_req.h"
#include "lua_result.h"

struct lua_app {
	lua_State		*L;
	int			 handler;	/* registry ref: router or
						   function */
	int			 randomseed;	/* registry ref: math.randomseed */
	const struct request	*req;		/* being handled, for log() and
						   warn() */
	const char		*path;		/* app file, during lua_app_load
						   only */
	int			 warn_on;	/* warn("@on") was called */
	char			 warning[1024];	/* warn()'s pieces so far */
};

/* One request on its way through handle_protected. */
struct handle {
	struct lua_app		*app;
	struct lua_result	 res;
	const struct lua_sink	*sink;
	int			 broken;	/* the sink failed */
};

/*
 * True when this process cannot open one more descriptor.  Asked in the
 * message handler, while whatever the failing code opened is still open
 * (after the unwind the collector may close it), so that the log can
 * name child_open_files as the likely cause of the error.
 */
static int
fds_exhausted(struct rlimit *rl)
{
	int	fd, saved = errno, full;

	if ((fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0)) != -1)
		close(fd);
	full = fd == -1 && errno == EMFILE &&
	    getrlimit(RLIMIT_NOFILE, rl) == 0;
	errno = saved;
	return full;
}

/*
 * Below every call into app code (lua.c's msghandler): adds a traceback
 * to errors, but passes abort values through untouched so their status
 * survives.
 */
static int
app_msghandler(lua_State *L)
{
	struct rlimit	 rl;
	const char	*msg;

	if (lua_module_is_abort(L, 1))
		return 1;
	if ((msg = lua_tostring(L, 1)) == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)",
			    luaL_typename(L, 1));
	}
	if (fds_exhausted(&rl))
		msg = lua_pushfstring(L, "%s [every file descriptor is in use: "
		    "RLIMIT_NOFILE %d (child_open_files, or the system's)]",
		    msg, (int)rl.rlim_cur);
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Runs under lua_pcall: everything that may raise while loading. */
static int
load_protected(lua_State *L)
{
	struct lua_app	*app = lua_touserdata(L, 1);

	lua_settop(L, 0);
	luaL_openlibs(L);
	/* Kept before app code runs, which may replace math.randomseed. */
	lua_getglobal(L, "math");
	lua_getfield(L, -1, "randomseed");
	app->randomseed = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pop(L, 1);
	lua_module_open(L, &app->req);
	lua_files_install(L, app->path);	/* for reload_on_change */

	lua_pushcfunction(L, app_msghandler);
	if (luaL_loadfile(L, app->path) != LUA_OK)
		return lua_error(L);
	if (lua_pcall(L, 0, 1, 1) != LUA_OK) {
		if (lua_type(L, -1) != LUA_TSTRING)	/* e.g. an abort */
			luaL_tolstring(L, -1, NULL);
		return lua_error(L);
	}
	if (lua_type(L, 2) != LUA_TFUNCTION &&
	    (lua_type(L, 2) != LUA_TTABLE ||
	    luaL_getmetafield(L, 2, "__call") == LUA_TNIL))
		return luaL_error(L, "%s: app must return a router or a "
		    "function (got %s)", app->path, luaL_typename(L, 2));
	lua_settop(L, 2);
	app->handler = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

/*
 * Lua's warn(): to the error log (level warn, with the request id) in the
 * log's format, not raw onto stderr as the default handler writes.  Off
 * until warn("@on"), as in lua.c.
 */
static void
app_warn(void *ud, const char *msg, int tocont)
{
	struct lua_app	*app = ud;
	size_t		 len = strlen(app->warning);

	if (len == 0 && !tocont && msg[0] == '@') {	/* a control message */
		if (strcmp(msg, "@on") == 0)
			app->warn_on = 1;
		else if (strcmp(msg, "@off") == 0)
			app->warn_on = 0;
		return;
	}
	snprintf(app->warning + len, sizeof(app->warning) - len, "%s", msg);
	if (tocont)
		return;
	if (app->warn_on)
		log_msg(LOG_LVL_WARN, app->req != NULL ? app->req->rid : NULL,
		    "Lua warning: %s", app->warning);
	app->warning[0] = '\0';
}

struct lua_app *
lua_app_load(const char *path, char *err, size_t errlen)
{
	struct lua_app	*app;
	const char	*msg, *tb;

	if ((app = calloc(1, sizeof(*app))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	app->handler = app->randomseed = LUA_NOREF;
	app->path = path;
	if ((app->L = luaL_newstate()) == NULL) {
		snprintf(err, errlen, "%s: cannot create Lua state", path);
		goto fail;
	}
	lua_setwarnf(app->L, app_warn, app);
	lua_pushcfunction(app->L, load_protected);
	lua_pushlightuserdata(app->L, app);
	if (lua_pcall(app->L, 1, 0, 0) != LUA_OK) {
		if ((msg = lua_tostring(app->L, -1)) == NULL)
			msg = "error loading app";
		/* err gets "file:line: message"; the traceback is for -t -d */
		if ((tb = strstr(msg, "\nstack traceback:")) != NULL) {
			log_msg(LOG_LVL_DEBUG, NULL, "%s", msg);
			snprintf(err, errlen, "%.*s", (int)(tb - msg), msg);
		} else
			snprintf(err, errlen, "%s", msg);
		goto fail;
	}
	app->path = NULL;
	lua_settop(app->L, 0);
	/* Twice: finalizers run in the first cycle free more in the second. */
	lua_gc(app->L, LUA_GCCOLLECT);
	lua_gc(app->L, LUA_GCCOLLECT);
	/*
	 * Generational mode makes every object the template holds "old": a
	 * child's minor collections then visit only what the request
	 * allocated, instead of marking (and so copying-on-write) every page
	 * of the template as an incremental cycle would.
	 */
	lua_gc(app->L, LUA_GCGEN, 0, 0);
	/* jansson seeds its hash once, here, not by opening /dev/urandom in
	   every child. */
	json_object_seed(0);
	arena_template_settle();
	return app;
fail:
	lua_app_free(app);
	return NULL;
}

const char *
lua_app_package(struct lua_app *app, const char *field)
{
	const char	*s;

	lua_getglobal(app->L, "package");
	if (!lua_istable(app->L, -1)) {
		lua_pop(app->L, 1);
		return NULL;
	}
	lua_getfield(app->L, -1, field);
	/* Kept alive by package's reference until the app changes it. */
	s = lua_isstring(app->L, -1) ? lua_tostring(app->L, -1) : NULL;
	lua_pop(app->L, 2);
	return s;
}

void
lua_app_free(struct lua_app *app)
{
	if (app == NULL)
		return;
	if (app->L != NULL)
		lua_close(app->L);
	free(app);
}

static int
fill_random(void *p, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;

	while (off < len) {
		n = getrandom((char *)p + off, len - off, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

void
lua_app_child_alloc(struct lua_app *app)
{
	lua_setallocf(app->L, arena_lua_alloc, NULL);
	json_set_alloc_funcs(arena_malloc, arena_free);
	buf_set_realloc(arena_realloc);
}

void
lua_app_child_init(struct lua_app *app)
{
	lua_State	*L = app->L;
	lua_Integer	 seed[2];
	struct timespec	 ts;

	if (fill_random(seed, sizeof(seed)) == -1) {
		/* Only if getrandom(2) is missing: still differs per child. */
		log_warn("getrandom");
		clock_gettime(CLOCK_REALTIME, &ts);
		seed[0] = (lua_Integer)ts.tv_sec ^ ((lua_Integer)getpid() << 32);
		seed[1] = (lua_Integer)ts.tv_nsec;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, app->randomseed);
	lua_pushinteger(L, seed[0]);
	lua_pushinteger(L, seed[1]);
	if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
		log_msg(LOG_LVL_ERROR, NULL, "math.randomseed: %s",
		    lua_tostring(L, -1));
		lua_pop(L, 1);
	}
}

/*
 * Runs under lua_pcall, so even out-of-memory while building req or
 * reading results ends in a 500 rather than lua_atpanic.
 */
/* A stream's write(s): true, or false once the answer cannot be sent. */
static int
stream_write(lua_State *L)
{
	struct handle	*h = lua_touserdata(L, lua_upvalueindex(1));
	size_t		 len;
	const char	*s = luaL_checklstring(L, 1, &len);

	if (!h->broken && len > 0 &&
	    h->sink->write(h->sink->arg, s, len) == -1)
		h->broken = 1;
	lua_pushboolean(L, !h->broken);
	return 1;
}

/*
 * A fcgiserve.stream{} returned: its head goes out now, then its body
 * function runs with write().  The status is out: an error from here on
 * ends the stream early and is logged.
 */
static void
stream_run(struct handle *h, lua_State *L)
{
	struct lua_result	*res = &h->res;
	struct buf		*out = res->out;

	if (h->sink == NULL) {
		lua_result_fail(res, "cannot stream here");
		return;
	}
	if (h->sink->begin(h->sink->arg, res->status, res->sse,
	    out->data + res->mark, out->len - res->mark) == -1)
		h->broken = 1;
	out->len = res->mark;
	lua_pushcfunction(L, app_msghandler);
	lua_getfield(L, res->stream, "body");
	lua_pushlightuserdata(L, h);
	lua_pushcclosure(L, stream_write, 1);
	if (!h->broken && lua_pcall(L, 1, 0, -3) != LUA_OK)
		log_msg(LOG_LVL_ERROR, res->req->rid, "stream ended early: %s",
		    lua_tostring(L, -1) != NULL ? lua_tostring(L, -1) :
		    "(an error value that is not a string)");
	if (!h->broken)
		(void)h->sink->write(h->sink->arg, NULL, 0);
}

static int
handle_protected(lua_State *L)
{
	struct handle	*h = lua_touserdata(L, 1);

	lua_settop(L, 0);
	lua_pushcfunction(L, app_msghandler);			/* 1 */
	if (h->res.req->job == 0)
		lua_rawgeti(L, LUA_REGISTRYINDEX, h->app->handler); /* 2 */
	else if (lua_module_every(L)) {		/* a periodic job's run */
		lua_rawgeti(L, -1, h->res.req->job);
		lua_getfield(L, -1, "fn");
		lua_replace(L, 2);
		lua_settop(L, 2);
	} else
		lua_pushnil(L);
	lua_req_push(L, h->res.req);				/* 3 */
	switch (lua_pcall(L, 1, LUA_MULTRET, 1)) {
	case LUA_OK:
		lua_result_values(&h->res, L, 2, lua_gettop(L) - 1);
		if (h->res.stream != 0)
			stream_run(h, L);
		break;
	case LUA_ERRMEM:
		log_msg(LOG_LVL_ERROR, h->res.req->rid, "handler ran out of "
		    "memory (child_memory_limit, or the system's)");
		/* FALLTHROUGH */
	default:
		lua_result_error(&h->res, L, 2);
	}
	return 0;
}

int
lua_app_handle(struct lua_app *app, const struct request *req,
    struct buf *out, const struct lua_sink *sink)
{
	struct handle	 h;
	lua_State	*L = app->L;

	h.app = app;
	h.sink = sink;
	h.broken = 0;
	lua_result_begin(&h.res, req, out);
	app->req = req;
	lua_settop(L, 0);
	lua_pushcfunction(L, handle_protected);
	lua_pushlightuserdata(L, &h);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK)
		lua_result_fail(&h.res, "%s", lua_tostring(L, -1) != NULL ?
		    lua_tostring(L, -1) : "error building the response");
	lua_settop(L, 0);
	app->req = NULL;
	return h.res.status;
}

void
lua_app_after(struct lua_app *app, const struct request *req)
{
	lua_State	*L = app->L;
	lua_Integer	 i, n;

	lua_settop(L, 0);
	if (!lua_module_after(L))
		return;
	app->req = req;
	n = (lua_Integer)lua_rawlen(L, 1);
	for (i = 1; i <= n; i++) {
		lua_pushcfunction(L, app_msghandler);
		lua_rawgeti(L, 1, i);
		if (lua_pcall(L, 0, 0, -2) != LUA_OK)
			log_msg(LOG_LVL_ERROR, req->rid, "after: %s",
			    lua_tostring(L, -1) != NULL ? lua_tostring(L, -1) :
			    "(an error value that is not a string)");
		lua_settop(L, 1);
	}
	lua_settop(L, 0);
	app->req = NULL;
}

int
lua_app_jobs(struct lua_app *app, struct lua_job *jobs, int max)
{
	lua_State	*L = app->L;
	int		 i, n = 0;

	lua_settop(L, 0);
	if (!lua_module_every(L))
		return 0;
	for (i = 1; i <= (int)lua_rawlen(L, 1) && n < max; i++, n++) {
		lua_rawgeti(L, 1, i);
		lua_getfield(L, -1, "name");
		snprintf(jobs[n].name, sizeof(jobs[n].name), "%s",
		    lua_tostring(L, -1));
		lua_getfield(L, -2, "ms");
		jobs[n].interval_ms = (uint64_t)lua_tointeger(L, -1);
		lua_getfield(L, -3, "timeout");
		jobs[n].timeout_ms = (uint64_t)lua_tointeger(L, -1);
		lua_settop(L, 1);
	}
	lua_settop(L, 0);
	return n;
}

struct lua_State *
lua_app_state(struct lua_app *app)
{
	return app->L;
}
