/*
 * The embedded Lua 5.4 interpreter.  A worker loads the app once (the
 * template); each request runs in a forked copy of it, so lua_app_handle
 * may change the state freely: the child throws it away.
 *
 * Owns the fcgiserve module (router, abort, response, json, log), the
 * building of req from CGI params, and turning whatever a handler returns
 * or raises into one complete CGI response.  Every call into Lua runs
 * under lua_pcall, so no error can reach lua_atpanic.
 */
#include <sys/random.h>
#include <sys/resource.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "arena.h"
#include "json.h"
#include "log.h"
#include "lua_app.h"
#ifdef FCGISERVE_SANITIZERS
#include "lua_fault.h"
#endif
#include "lua_req.h"
#include "response.h"
#include "router.h"

#define ABORT_MT	"fcgiserve.abort"	/* error value of abort() */
#define RESPONSE_MT	"fcgiserve.response"	/* result of response{} */

#define REQ_JSON_FLAGS	(JSON_DECODE_ANY | JSON_ALLOW_NUL)	/* as json.c */
#define RAW_CTYPE	"text/plain; charset=utf-8"
#define JSON_CTYPE	"application/json"
#define GENERIC_500	"internal server error"

struct lua_app {
	lua_State	*L;
	int		 handler;	/* registry ref: router or function */
	int		 randomseed;	/* registry ref: math.randomseed */
	const char	*rid;		/* request being handled, for log() */
	const char	*path;		/* app file, during lua_app_load only */
	int		 warn_on;	/* warn("@on") was called */
	char		 warning[1024];	/* warn()'s pieces so far */
};

/* One request on its way through handle_protected. */
struct handle {
	struct lua_app		*app;
	const struct request	*req;
	struct buf		*out;
	size_t			 mark;		/* out->len before we started */
	int			 status;
};

static const char *const log_levels[] = {	/* order of enum log_level */
	"error", "warn", "info", "debug", NULL
};

static int
has_metatable(lua_State *L, int idx, const char *name)
{
	int	 same;

	if (!lua_getmetatable(L, idx))
		return 0;
	luaL_getmetatable(L, name);
	same = lua_rawequal(L, -1, -2);
	lua_pop(L, 2);
	return same;
}

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

	if (has_metatable(L, 1, ABORT_MT))
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

/*
 * Raises the abort value {status=, message=, headers=}.  headers is a
 * stack index of a table, or 0.
 */
static int
raise_abort(lua_State *L, int status, const char *message, int headers)
{
	lua_createtable(L, 0, 3);
	lua_pushinteger(L, status);
	lua_setfield(L, -2, "status");
	lua_pushstring(L, message);
	lua_setfield(L, -2, "message");
	if (headers != 0) {
		lua_pushvalue(L, headers);
		lua_setfield(L, -2, "headers");
	}
	luaL_setmetatable(L, ABORT_MT);
	return lua_error(L);
}

/* fcgiserve.abort(status[, message[, headers]]) */
static int
mod_abort(lua_State *L)
{
	lua_Integer	 status;
	const char	*reason;
	char		 msg[64];
	size_t		 i;
	int		 isnum;

	status = lua_tointegerx(L, 1, &isnum);
	if (lua_type(L, 1) != LUA_TNUMBER || !isnum ||
	    status < 400 || status > 599)
		return luaL_argerror(L, 1, "status must be 400 to 599");
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TTABLE);
	if (lua_isnoneornil(L, 2)) {
		/* "Not Found" -> "not found", like the router's own errors */
		reason = response_reason((int)status);
		for (i = 0; reason[i] != '\0' && i < sizeof(msg) - 1; i++)
			msg[i] = (char)tolower((unsigned char)reason[i]);
		msg[i] = '\0';
		return raise_abort(L, (int)status, msg,
		    lua_isnoneornil(L, 3) ? 0 : 3);
	}
	return raise_abort(L, (int)status, luaL_checkstring(L, 2),
	    lua_isnoneornil(L, 3) ? 0 : 3);
}

static int
abort_tostring(lua_State *L)
{
	lua_getfield(L, 1, "status");
	lua_getfield(L, 1, "message");
	lua_pushfstring(L, "fcgiserve.abort(%s): %s", lua_tostring(L, -2),
	    lua_tostring(L, -1));
	return 1;
}

/*
 * Copies t[key] to the result table at -1 after checking its type;
 * absent fields take def (when def is not NULL).
 */
static void
response_field(lua_State *L, const char *key, int type, const char *def)
{
	int	 t;

	t = lua_getfield(L, 1, key);
	if (t == LUA_TNIL && def != NULL) {
		lua_pop(L, 1);
		lua_pushstring(L, def);
	} else if (t != LUA_TNIL && t != type)
		luaL_error(L, "fcgiserve.response: %s must be a %s, not %s",
		    key, lua_typename(L, type), lua_typename(L, t));
	lua_setfield(L, -2, key);
}

/*
 * fcgiserve.response{status=, headers=, body=, content_type=}: a raw body.
 * Checked here, so a mistake raises at the author's line.
 */
static int
mod_response(lua_State *L)
{
	lua_Integer	 status = 200;
	int		 isnum;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	if (lua_getfield(L, 1, "status") != LUA_TNIL) {
		status = lua_tointegerx(L, 2, &isnum);
		if (lua_type(L, 2) != LUA_TNUMBER || !isnum ||
		    !response_status_valid(status))
			return luaL_error(L, "fcgiserve.response: status must "
			    "be an integer from 200 to 599");
	}
	lua_pop(L, 1);
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, status);
	lua_setfield(L, -2, "status");
	response_field(L, "body", LUA_TSTRING, "");
	response_field(L, "content_type", LUA_TSTRING, RAW_CTYPE);
	response_field(L, "headers", LUA_TTABLE, NULL);
	luaL_setmetatable(L, RESPONSE_MT);
	return 1;
}

/* fcgiserve.log(level, message) */
static int
mod_log(lua_State *L)
{
	struct lua_app	*app = lua_touserdata(L, lua_upvalueindex(1));
	int		 level;
	const char	*msg;

	level = luaL_checkoption(L, 1, NULL, log_levels);
	luaL_checkany(L, 2);
	if (!log_enabled((enum log_level)level))
		return 0;
	msg = luaL_tolstring(L, 2, NULL);
	log_msg((enum log_level)level, app->rid, "%s", msg);
	return 0;
}

/*
 * req.json, decoded on first use so a handler that never looks at the
 * body never pays for it (or fails on it).
 */
static int
req_index(lua_State *L)
{
	json_error_t	 jerr;
	json_t		*j;
	const char	*body;
	size_t		 len;
	char		 err[256];
	int		 rc;

	if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2),
	    "json") != 0)
		return 0;
	lua_pushliteral(L, "body");
	if (lua_rawget(L, 1) != LUA_TSTRING)
		return 0;
	body = lua_tolstring(L, -1, &len);
	if (len == 0)
		return 0;
	if ((j = json_loadb(body, len, REQ_JSON_FLAGS, &jerr)) == NULL) {
		lua_pushfstring(L, "invalid JSON body: %s", jerr.text);
		return raise_abort(L, 400, lua_tostring(L, -1), 0);
	}
	rc = json_to_lua(L, j, err, sizeof(err));
	json_decref(j);
	if (rc == -1) {
		lua_pushfstring(L, "invalid JSON body: %s", err);
		return raise_abort(L, 400, lua_tostring(L, -1), 0);
	}
	lua_pushliteral(L, "json");
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

/*
 * The fcgiserve module: global, and package.loaded.fcgiserve so that
 * require "fcgiserve" works too.  The router comes last because it looks
 * up fcgiserve.abort in package.loaded.
 */
/*
 * os.exit, but with _exit(2): a child must not run the worker's atexit
 * handlers or flush its inherited stdio buffers a second time.  Lua's own
 * buffered output is flushed first.
 */
static int
os_exit_now(lua_State *L)
{
	int	status;

	if (lua_isboolean(L, 1))
		status = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
	else
		status = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
	fflush(NULL);
	_exit(status);
}

static void
open_module(lua_State *L, struct lua_app *app)
{
	static const luaL_Reg	 funcs[] = {
		{ "abort",	mod_abort },
		{ "response",	mod_response },
		{ "log",	mod_log },
		{ NULL,		NULL }
	};

	luaL_newmetatable(L, ABORT_MT);
	lua_pushcfunction(L, abort_tostring);
	lua_setfield(L, -2, "__tostring");
	luaL_newmetatable(L, RESPONSE_MT);
	luaL_newmetatable(L, REQ_MT);
	lua_pushcfunction(L, req_index);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 3);

	lua_createtable(L, 0, 5);
	lua_pushlightuserdata(L, app);
	luaL_setfuncs(L, funcs, 1);
#ifdef FCGISERVE_SANITIZERS
	lua_fault_open(L);	/* test-only fcgiserve._fault */
#endif
	json_open(L);
	lua_setfield(L, -2, "json");
	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "fcgiserve");
	lua_pop(L, 1);
	router_open(L);
	lua_setfield(L, -2, "router");
	lua_setglobal(L, "fcgiserve");

	lua_getglobal(L, "os");
	lua_pushcfunction(L, os_exit_now);
	lua_setfield(L, -2, "exit");
	lua_pop(L, 1);
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
	open_module(L, app);

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
		log_msg(LOG_LVL_WARN, app->rid, "Lua warning: %s", app->warning);
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
 * Replaces whatever this request appended to out with a 500 and logs
 * why; the client never sees the reason.
 */
static void __attribute__((format(printf, 2, 3)))
fail_500(struct handle *h, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, h->req->rid, fmt, ap);
	va_end(ap);
	h->out->len = h->mark;
	if (h->out->data != NULL)
		h->out->data[h->mark] = '\0';
	h->status = 500;
	if (response_error(h->out, 500, GENERIC_500, h->req->rid,
	    NULL) == -1) {
		h->out->len = h->mark;		/* nothing rather than half */
		if (h->out->data != NULL)
			h->out->data[h->mark] = '\0';
	}
}

/*
 * Appends the headers table at idx to b.  Status and Content-Length are
 * ours to write (a second one would let a handler confuse nginx), and
 * so is Content-Type when !allow_ctype.  Returns 0, -1 on ENOMEM, or -2
 * with why set.
 */
static int
add_headers(lua_State *L, int idx, struct buf *b, int allow_ctype,
    int *has_ctype, char *why, size_t whylen)
{
	const char	*name, *value;
	size_t		 namelen, len;
	int		 rc;

	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING ||
		    (lua_type(L, -1) != LUA_TSTRING &&
		    lua_type(L, -1) != LUA_TNUMBER)) {
			snprintf(why, whylen, "header %s = %s: names must be "
			    "strings, values strings or numbers",
			    luaL_typename(L, -2), luaL_typename(L, -1));
			lua_pop(L, 2);
			return -2;
		}
		name = lua_tolstring(L, -2, &namelen);
		value = lua_tolstring(L, -1, &len);	/* the value copy only */
		if (strcasecmp(name, "Status") == 0 ||
		    strcasecmp(name, "Content-Length") == 0 ||
		    (!allow_ctype && strcasecmp(name, "Content-Type") == 0)) {
			snprintf(why, whylen, "header %s is reserved", name);
			lua_pop(L, 2);
			return -2;
		}
		if (strcasecmp(name, "Content-Type") == 0)
			*has_ctype = 1;
		rc = strlen(name) != namelen ? -2 :
		    response_header(b, name, value, len);
		if (rc != 0) {
			snprintf(why, whylen, "invalid header %.64s", name);
			lua_pop(L, 2);
			return rc;
		}
		lua_pop(L, 1);
	}
	return 0;
}

/*
 * Appends the status line and the headers table at hidx (0: none).
 * Returns 0, or -1 after fail_500.
 */
static int
respond_head(struct handle *h, lua_State *L, int status, int hidx,
    int *has_ctype)
{
	char	 why[128];
	int	 rc;

	*has_ctype = 0;
	if (response_status(h->out, status) == -1) {
		fail_500(h, "cannot build response: out of memory");
		return -1;
	}
	if (hidx == 0)
		return 0;
	rc = add_headers(L, hidx, h->out, 1, has_ctype, why, sizeof(why));
	if (rc == -2) {
		fail_500(h, "handler returned %s", why);
		return -1;
	}
	if (rc == -1) {
		fail_500(h, "cannot build response: out of memory");
		return -1;
	}
	return 0;
}

/* Content-Type (unless the handler set one), length, body (NULL: none). */
static void
respond_body(struct handle *h, int status, int has_ctype, const char *ctype,
    const char *body, size_t len)
{
	if (status == 204 || status == 304)
		body = NULL;
	if (response_finish(h->out, has_ctype ? NULL : ctype, body, len) == -1)
		fail_500(h, "cannot build response: out of memory");
	else
		h->status = status;
}

/*
 * A JSON body: the value at bidx (0: no body).  Encoded after the
 * headers, once no Lua call that could raise (and leak text) is left.
 */
static void
respond_json(struct handle *h, lua_State *L, int status, int bidx, int hidx)
{
	struct buf	 text = BUF_INIT;
	json_t		*j;
	char		 err[512];
	int		 has_ctype, rc;

	if (respond_head(h, L, status, hidx, &has_ctype) == -1)
		return;
	if (bidx != 0 && status != 204 && status != 304) {
		if ((j = json_from_lua(L, bidx, err, sizeof(err))) == NULL) {
			fail_500(h, "cannot encode response body: %s", err);
			return;
		}
		rc = json_encode(j, &text);
		json_decref(j);
		if (rc == -1) {
			buf_free(&text);
			fail_500(h, "cannot encode response body: "
			    "out of memory");
			return;
		}
	}
	respond_body(h, status, has_ctype, JSON_CTYPE, text.data, text.len);
	buf_free(&text);
}

/* A fcgiserve.response{} table at idx (checked again: it is mutable). */
static void
respond_raw(struct handle *h, lua_State *L, int idx)
{
	lua_Integer	 status;
	const char	*body, *ctype;
	size_t		 len;
	int		 isnum, hidx, has_ctype;

	lua_getfield(L, idx, "status");
	status = lua_tointegerx(L, -1, &isnum);
	if (lua_type(L, -1) != LUA_TNUMBER || !isnum ||
	    !response_status_valid(status)) {
		fail_500(h, "handler returned invalid status");
		return;
	}
	if (lua_getfield(L, idx, "body") != LUA_TSTRING ||
	    lua_getfield(L, idx, "content_type") != LUA_TSTRING) {
		fail_500(h, "handler returned a response with a non-string "
		    "body or content_type");
		return;
	}
	body = lua_tolstring(L, -2, &len);
	ctype = lua_tostring(L, -1);
	switch (lua_getfield(L, idx, "headers")) {
	case LUA_TNIL:
		hidx = 0;
		break;
	case LUA_TTABLE:
		hidx = lua_gettop(L);
		break;
	default:
		fail_500(h, "handler returned a response with headers as %s",
		    luaL_typename(L, -1));
		return;
	}
	if (respond_head(h, L, (int)status, hidx, &has_ctype) == 0)
		respond_body(h, (int)status, has_ctype, ctype, body, len);
}

/* The handler's results are at first .. first + n - 1. */
static void
respond_result(struct handle *h, lua_State *L, int first, int n)
{
	lua_Integer	 status;
	int		 isnum, type;

	type = n > 0 ? lua_type(L, first) : LUA_TNIL;
	if (type == LUA_TNIL) {
		respond_json(h, L, 204, 0, 0);
		return;
	}
	if (type == LUA_TTABLE) {
		if (has_metatable(L, first, RESPONSE_MT))
			respond_raw(h, L, first);
		else
			respond_json(h, L, 200, first, 0);
		return;
	}
	if (type != LUA_TNUMBER) {
		fail_500(h, "handler returned %s", lua_typename(L, type));
		return;
	}
	status = lua_tointegerx(L, first, &isnum);
	if (!isnum || !response_status_valid(status)) {
		fail_500(h, "handler returned invalid status");
		return;
	}
	if (n >= 3 && !lua_isnil(L, first + 2) &&
	    lua_type(L, first + 2) != LUA_TTABLE) {
		fail_500(h, "handler returned headers as %s",
		    luaL_typename(L, first + 2));
		return;
	}
	respond_json(h, L, (int)status,
	    n >= 2 && !lua_isnil(L, first + 1) ? first + 1 : 0,
	    n >= 3 && !lua_isnil(L, first + 2) ? first + 2 : 0);
}

/* An error value at idx: an abort becomes its response, anything else 500. */
static void
respond_error(struct handle *h, lua_State *L, int idx)
{
	struct buf	 extra = BUF_INIT;
	const char	*msg;
	char		 why[128];
	int		 status, unused, rc;

	if (!has_metatable(L, idx, ABORT_MT)) {
		msg = lua_tostring(L, idx);
		fail_500(h, "%s", msg != NULL ? msg : "(no error message)");
		return;
	}
	lua_getfield(L, idx, "status");
	status = (int)lua_tointeger(L, -1);
	lua_getfield(L, idx, "message");
	msg = lua_tostring(L, -1);
	if (lua_getfield(L, idx, "headers") == LUA_TTABLE) {
		rc = add_headers(L, -1, &extra, 0, &unused, why, sizeof(why));
		if (rc != 0) {
			buf_free(&extra);
			fail_500(h, "fcgiserve.abort: %s", rc == -2 ? why :
			    "out of memory");
			return;
		}
	}
	if (status < 400 || status > 599 || msg == NULL) {
		buf_free(&extra);
		fail_500(h, "fcgiserve.abort: status or message was changed");
		return;
	}
	if (response_error(h->out, status, msg, h->req->rid,
	    extra.data) == -1) {
		buf_free(&extra);
		fail_500(h, "cannot build response: out of memory");
		return;
	}
	buf_free(&extra);
	h->status = status;
}

/*
 * Runs under lua_pcall, so even out-of-memory while building req or
 * reading results ends in a 500 rather than lua_atpanic.
 */
static int
handle_protected(lua_State *L)
{
	struct handle	*h = lua_touserdata(L, 1);

	lua_settop(L, 0);
	lua_pushcfunction(L, app_msghandler);			/* 1 */
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->app->handler);	/* 2 */
	lua_req_push(L, h->req);				/* 3 */
	switch (lua_pcall(L, 1, LUA_MULTRET, 1)) {
	case LUA_OK:
		respond_result(h, L, 2, lua_gettop(L) - 1);
		break;
	case LUA_ERRMEM:
		log_msg(LOG_LVL_ERROR, h->req->rid, "handler ran out of memory "
		    "(child_memory_limit, or the system's)");
		/* FALLTHROUGH */
	default:
		respond_error(h, L, 2);
	}
	return 0;
}

int
lua_app_handle(struct lua_app *app, const struct request *req,
    struct buf *out)
{
	struct handle	 h;
	lua_State	*L = app->L;

	h.app = app;
	h.req = req;
	h.out = out;
	h.mark = out->len;
	h.status = 500;
	app->rid = req->rid;
	lua_settop(L, 0);
	lua_pushcfunction(L, handle_protected);
	lua_pushlightuserdata(L, &h);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK)
		fail_500(&h, "%s", lua_tostring(L, -1) != NULL ?
		    lua_tostring(L, -1) : "error building the response");
	lua_settop(L, 0);
	app->rid = NULL;
	return h.status;
}

struct lua_State *
lua_app_state(struct lua_app *app)
{
	return app->L;
}
