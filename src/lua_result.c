/*
 * Result -> response (lua_result.h): reads what a handler returned or
 * raised off the Lua stack and builds one complete CGI response in the
 * child's buffer, JSON bodies through jansson.  A handler's mistake
 * (a bad status, a reserved header, an unencodable body) becomes a
 * logged 500 here, never a half-written answer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "lua_module.h"
#include "lua_result.h"
#include "response.h"

#define JSON_CTYPE	"application/json"
#define GENERIC_500	"internal server error"

void
lua_result_begin(struct lua_result *res, const struct request *req,
    struct buf *out)
{
	res->req = req;
	res->out = out;
	res->mark = out->len;
	res->status = 500;
	res->stream = res->sse = 0;
}

void
lua_result_fail(struct lua_result *res, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, res->req->rid, fmt, ap);
	va_end(ap);
	res->out->len = res->mark;
	if (res->out->data != NULL)
		res->out->data[res->mark] = '\0';
	res->status = 500;
	res->stream = res->sse = 0;
	if (response_error(res->out, 500, GENERIC_500, res->req->rid,
	    NULL) == -1) {
		res->out->len = res->mark;	/* nothing rather than half */
		if (res->out->data != NULL)
			res->out->data[res->mark] = '\0';
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
 * Returns 0, or -1 after lua_result_fail.
 */
static int
respond_head(struct lua_result *res, lua_State *L, int status, int hidx,
    int *has_ctype)
{
	char	 why[128];
	int	 rc;

	*has_ctype = 0;
	if (response_status(res->out, status) == -1) {
		lua_result_fail(res, "cannot build response: out of memory");
		return -1;
	}
	if (hidx == 0)
		return 0;
	rc = add_headers(L, hidx, res->out, 1, has_ctype, why, sizeof(why));
	if (rc == -2) {
		lua_result_fail(res, "handler returned %s", why);
		return -1;
	}
	if (rc == -1) {
		lua_result_fail(res, "cannot build response: out of memory");
		return -1;
	}
	return 0;
}

/* Content-Type (unless the handler set one), length, body (NULL: none). */
static void
respond_body(struct lua_result *res, int status, int has_ctype,
    const char *ctype, const char *body, size_t len)
{
	if (status == 204 || status == 304)
		body = NULL;
	if (response_finish(res->out, has_ctype ? NULL : ctype, body,
	    len) == -1)
		lua_result_fail(res, "cannot build response: out of memory");
	else
		res->status = status;
}

/*
 * A JSON body: the value at bidx (0: no body).  Encoded after the
 * headers, once no Lua call that could raise (and leak text) is left.
 */
static void
respond_json(struct lua_result *res, lua_State *L, int status, int bidx,
    int hidx)
{
	struct buf	 text = BUF_INIT;
	json_t		*j;
	char		 err[512];
	int		 has_ctype, rc;

	if (respond_head(res, L, status, hidx, &has_ctype) == -1)
		return;
	if (bidx != 0 && status != 204 && status != 304) {
		if ((j = json_from_lua(L, bidx, err, sizeof(err))) == NULL) {
			lua_result_fail(res, "cannot encode response body: %s",
			    err);
			return;
		}
		rc = json_encode(j, &text);
		json_decref(j);
		if (rc == -1) {
			buf_free(&text);
			lua_result_fail(res, "cannot encode response body: "
			    "out of memory");
			return;
		}
	}
	respond_body(res, status, has_ctype, JSON_CTYPE, text.data, text.len);
	buf_free(&text);
}

/* A fcgiserve.response{} table at idx (checked again: it is mutable). */
static void
respond_raw(struct lua_result *res, lua_State *L, int idx)
{
	lua_Integer	 status;
	const char	*body, *ctype;
	size_t		 len;
	int		 isnum, hidx, has_ctype;

	lua_getfield(L, idx, "status");
	status = lua_tointegerx(L, -1, &isnum);
	if (lua_type(L, -1) != LUA_TNUMBER || !isnum ||
	    !response_status_valid(status)) {
		lua_result_fail(res, "handler returned invalid status");
		return;
	}
	if (lua_getfield(L, idx, "body") != LUA_TSTRING ||
	    lua_getfield(L, idx, "content_type") != LUA_TSTRING) {
		lua_result_fail(res, "handler returned a response with a "
		    "non-string body or content_type");
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
		lua_result_fail(res, "handler returned a response with "
		    "headers as %s", luaL_typename(L, -1));
		return;
	}
	if (respond_head(res, L, (int)status, hidx, &has_ctype) == 0)
		respond_body(res, (int)status, has_ctype, ctype, body, len);
}

/*
 * A fcgiserve.stream{} at idx: its head (status, headers, Content-Type,
 * no length: the body is as long as it turns out) in out.
 */
static void
respond_stream(struct lua_result *res, lua_State *L, int idx)
{
	lua_Integer	 status;
	const char	*ctype;
	int		 isnum, hidx = 0, has_ctype, own_buffering = 0;

	lua_getfield(L, idx, "status");
	status = lua_tointegerx(L, -1, &isnum);
	lua_getfield(L, idx, "content_type");
	ctype = lua_tostring(L, -1);
	if (lua_getfield(L, idx, "headers") == LUA_TTABLE)
		hidx = lua_gettop(L);
	lua_getfield(L, idx, "sse");
	res->sse = lua_toboolean(L, -1);
	if (!isnum || !response_status_valid(status) || ctype == NULL) {
		lua_result_fail(res, "handler returned an invalid stream");
		return;
	}
	if (hidx != 0) {
		lua_getfield(L, hidx, "X-Accel-Buffering");
		own_buffering = !lua_isnil(L, -1);
	}
	if (respond_head(res, L, (int)status, hidx, &has_ctype) == -1)
		return;
	/* nginx would buffer it all otherwise (fastcgi_buffering). */
	if ((!has_ctype && buf_printf(res->out, "Content-Type: %s\r\n",
	    ctype) == -1) || (!own_buffering && buf_printf(res->out,
	    "X-Accel-Buffering: no\r\n") == -1) ||
	    buf_add(res->out, "\r\n", 2) == -1) {
		lua_result_fail(res, "cannot build response: out of memory");
		return;
	}
	res->status = (int)status;
	res->stream = idx;
}

void
lua_result_values(struct lua_result *res, lua_State *L, int first, int n)
{
	lua_Integer	 status;
	int		 isnum, type;

	type = n > 0 ? lua_type(L, first) : LUA_TNIL;
	if (type == LUA_TNIL) {
		respond_json(res, L, 204, 0, 0);
		return;
	}
	if (type == LUA_TTABLE) {
		if (lua_module_is_response(L, first))
			respond_raw(res, L, first);
		else if (lua_module_is_stream(L, first))
			respond_stream(res, L, first);
		else
			respond_json(res, L, 200, first, 0);
		return;
	}
	if (type != LUA_TNUMBER) {
		lua_result_fail(res, "handler returned %s",
		    lua_typename(L, type));
		return;
	}
	status = lua_tointegerx(L, first, &isnum);
	if (!isnum || !response_status_valid(status)) {
		lua_result_fail(res, "handler returned invalid status");
		return;
	}
	if (n >= 3 && !lua_isnil(L, first + 2) &&
	    lua_type(L, first + 2) != LUA_TTABLE) {
		lua_result_fail(res, "handler returned headers as %s",
		    luaL_typename(L, first + 2));
		return;
	}
	respond_json(res, L, (int)status,
	    n >= 2 && !lua_isnil(L, first + 1) ? first + 1 : 0,
	    n >= 3 && !lua_isnil(L, first + 2) ? first + 2 : 0);
}

void
lua_result_error(struct lua_result *res, lua_State *L, int idx)
{
	struct buf	 extra = BUF_INIT;
	const char	*msg;
	char		 why[128];
	int		 status, unused, rc;

	if (!lua_module_is_abort(L, idx)) {
		msg = lua_tostring(L, idx);
		lua_result_fail(res, "%s", msg != NULL ? msg :
		    "(no error message)");
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
			lua_result_fail(res, "fcgiserve.abort: %s",
			    rc == -2 ? why : "out of memory");
			return;
		}
	}
	if (status < 400 || status > 599 || msg == NULL) {
		buf_free(&extra);
		lua_result_fail(res, "fcgiserve.abort: status or message "
		    "was changed");
		return;
	}
	if (response_error(res->out, status, msg, res->req->rid,
	    extra.data) == -1) {
		buf_free(&extra);
		lua_result_fail(res, "cannot build response: out of memory");
		return;
	}
	buf_free(&extra);
	res->status = status;
}
