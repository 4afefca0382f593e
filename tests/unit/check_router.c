/*
 * The Lua side: fcgiserve.router, the fcgiserve module, req, and every
 * way a handler's result (or error) becomes CGI response bytes.  Apps are
 * written into a temporary directory, loaded with lua_app_load and driven
 * with lua_app_handle; the error log goes to a file the tests read.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "buf.h"
#include "cgi.h"
#include "log.h"
#include "lua_app.h"
#include "request.h"
#include "response.h"

#define RID	"rid-1"

static char	tmpdir[64];
static char	logpath[128];
static int	napps;

/*
 * The directory and log live for a whole TCase (unchecked fixture, run
 * by the parent) so they are removed even when a forked test fails.
 */
static void
dir_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_router.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
	snprintf(logpath, sizeof(logpath), "%s/error.log", tmpdir);
	if (log_open(logpath, LOG_LVL_DEBUG, 0) == -1) {
		perror(logpath);
		exit(EXIT_FAILURE);
	}
}

static void
dir_teardown(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[512];

	log_open("stderr", LOG_LVL_INFO, 0);	/* closes the file */
	if ((d = opendir(tmpdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmpdir,
			    de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(tmpdir);
}

/* Each test reads only its own log lines (the log appends). */
static void
setup(void)
{
	ck_assert_int_eq(truncate(logpath, 0), 0);
}

/* Writes src to a new file in tmpdir; returns its path (static). */
static const char *
write_app(const char *src)
{
	static char	 path[256];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/app%d.lua", tmpdir, ++napps);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(src, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static struct lua_app *
load(const char *src)
{
	struct lua_app	*app;
	char		 err[1024];

	err[0] = '\0';
	app = lua_app_load(write_app(src), err, sizeof(err));
	ck_assert_msg(app != NULL, "lua_app_load: %s", err);
	return app;
}

/* Loads src expecting failure; err gets the message, path the file. */
static void
load_fails(const char *src, char *err, size_t errlen, char *path,
    size_t pathlen)
{
	const char	*p = write_app(src);

	snprintf(path, pathlen, "%s", p);
	err[0] = '\0';
	ck_assert_ptr_null(lua_app_load(p, err, errlen));
}

static void
add(struct request *r, const char *name, const char *value)
{
	ck_assert_int_eq(request_add_param(r, name, strlen(name), value,
	    strlen(value)), 0);
}

/* A request: method and DOCUMENT_URI (either may be NULL), then name,
 * value pairs ending with NULL; derived (cgi_derive) with RID. */
static struct request *
mkreq(const char *method, const char *path, ...)
{
	struct request	*r;
	const char	*n, *v;
	va_list		 ap;

	ck_assert_ptr_nonnull(r = request_new(1));
	if (method != NULL)
		add(r, "REQUEST_METHOD", method);
	if (path != NULL)
		add(r, "DOCUMENT_URI", path);
	va_start(ap, path);
	while ((n = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		add(r, n, v);
	}
	va_end(ap);
	ck_assert_int_eq(cgi_derive(r, RID), 0);	/* as the worker does */
	return r;
}

static struct request *
with_body(struct request *r, const char *body)
{
	ck_assert_int_eq(request_append_body(r, body, strlen(body)), 0);
	return r;
}

/* Runs r (freed) and asserts the status and the exact response bytes. */
static void
expect(struct lua_app *app, struct request *r, int status, const char *bytes)
{
	struct buf	 out = BUF_INIT;

	ck_assert_int_eq(lua_app_handle(app, r, &out, NULL), status);
	ck_assert_ptr_nonnull(out.data);
	ck_assert_str_eq(out.data, bytes);
	ck_assert_uint_eq(out.len, strlen(bytes));
	buf_free(&out);
	request_free(r);
}

/* The bytes of a JSON response with no extra headers. */
static const char *
json_resp(int status, const char *body)
{
	static char	 s[4096];

	snprintf(s, sizeof(s), "Status: %d %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%s", status,
	    response_reason(status), strlen(body), body);
	return s;
}

/* The bytes of the one error shape, with extra header lines. */
static const char *
err_resp(int status, const char *message, const char *extra)
{
	static char	 s[4096];
	char		 body[1024];

	snprintf(body, sizeof(body), "{\"error\":{\"status\":%d,\"message\":"
	    "\"%s\",\"request_id\":\"" RID "\"}}", status, message);
	snprintf(s, sizeof(s), "Status: %d %s\r\n%sContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n%s", status,
	    response_reason(status), extra, strlen(body), body);
	return s;
}

/*
 * For bodies whose key order Lua does not fix (string hashes are seeded
 * per state): asserts the status, the exact head with the extra header
 * lines, and a body equal (as JSON) to want.
 */
static void
expect_json(struct lua_app *app, struct request *r, int status,
    const char *extra, const char *want)
{
	struct buf	 out = BUF_INIT;
	json_t		*got, *exp;
	const char	*body;
	char		 head[512];

	ck_assert_int_eq(lua_app_handle(app, r, &out, NULL), status);
	ck_assert_ptr_nonnull(body = strstr(out.data, "\r\n\r\n"));
	body += 4;
	snprintf(head, sizeof(head), "Status: %d %s\r\n%sContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n", status,
	    response_reason(status), extra, strlen(body));
	ck_assert_uint_eq((size_t)(body - out.data), strlen(head));
	ck_assert_int_eq(memcmp(out.data, head, strlen(head)), 0);
	ck_assert_msg((got = json_loads(body, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL)) != NULL, "bad body %s", body);
	ck_assert_ptr_nonnull(exp = json_loads(want, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, NULL));
	ck_assert_msg(json_equal(got, exp), "body %s, want %s", body, want);
	json_decref(got);
	json_decref(exp);
	buf_free(&out);
	request_free(r);
}

/* The error log so far (malloc'd). */
static char *
logged(void)
{
	FILE	*f;
	char	*s;
	long	 n;

	ck_assert_ptr_nonnull(f = fopen(logpath, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	ck_assert_ptr_nonnull(s = calloc(1, (size_t)n + 1));
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void
assert_logged(const char *needle)
{
	char	*s = logged();

	ck_assert_msg(strstr(s, needle) != NULL, "log lacks \"%s\":\n%s",
	    needle, s);
	free(s);
}

/* ---- the router --------------------------------------------------- */

static const char ROUTER_APP[] =
"local app = fcgiserve.router()\n"
"app:get('/hello/:name', function(req)\n"
"  return { greeting = 'hello ' .. req.params.name }\n"
"end)\n"
"app:get('/a/:x/b/:y', function(req)\n"
"  return 200, req.params.x .. ',' .. req.params.y\n"
"end)\n"
"app:get('/static/*path', function(req) return 200, req.params.path end)\n"
"app:get('/', function() return 200, 'root' end)\n"
"app:get('/items', function(req) return 200, 'list' end)\n"
"app:post('/items', function() return 201, 'created' end)\n"
"app:get('/first', function() return 200, 'first' end)\n"
"app:get('/first', function() return 200, 'second' end)\n"
"app:put('/only-put', function() return 200, 'put' end)\n"
"app:route('head', '/h', function() return 200, 'explicit head' end)\n"
"app:get('/h', function() return 200, 'get' end)\n"
"app:get('/h2', function() return 200, 'get' end)\n"
"app:route('HEAD', '/h2', function() return 200, 'explicit head' end)\n"
"app:get('/users/:id', function(req) return 200, req.params.id end)\n"
"app:patch('/users/:id', function(req) return 200, 'patched' end)\n"
"app:delete('/users/:id', function(req) return 200, 'deleted' end)\n"
"app:get('/noparams', function(req)\n"
"  return 200, next(req.params) == nil\n"
"end)\n"
"app:route('OPTIONS', '/opt', function() return 200, 'options' end)\n"
"return app\n";

START_TEST(test_router_captures)
{
	struct lua_app	*app = load(ROUTER_APP);

	expect(app, mkreq("GET", "/hello/world", NULL), 200,
	    json_resp(200, "{\"greeting\":\"hello world\"}"));
	expect(app, mkreq("GET", "/a/1/b/two", NULL), 200,
	    json_resp(200, "\"1,two\""));
	/* one trailing slash is ignored */
	expect(app, mkreq("GET", "/hello/world/", NULL), 200,
	    json_resp(200, "{\"greeting\":\"hello world\"}"));
	/* a capture needs a whole, non-empty segment */
	expect(app, mkreq("GET", "/hello/", NULL), 404,
	    err_resp(404, "not found", ""));
	expect(app, mkreq("GET", "/hello/a/b", NULL), 404,
	    err_resp(404, "not found", ""));
	expect(app, mkreq("GET", "/a//b/2", NULL), 404,
	    err_resp(404, "not found", ""));
	expect(app, mkreq("GET", "/noparams", NULL), 200,
	    json_resp(200, "true"));
	expect(app, mkreq("GET", "/", NULL), 200, json_resp(200, "\"root\""));
	expect(app, mkreq("GET", "/first", NULL), 200,
	    json_resp(200, "\"first\""));
	expect(app, mkreq("OPTIONS", "/opt", NULL), 200,
	    json_resp(200, "\"options\""));
	lua_app_free(app);
}
END_TEST

START_TEST(test_router_rest)
{
	struct lua_app	*app = load(ROUTER_APP);

	expect(app, mkreq("GET", "/static/css/site.css", NULL), 200,
	    json_resp(200, "\"css/site.css\""));
	expect(app, mkreq("GET", "/static/a/", NULL), 200,
	    json_resp(200, "\"a\""));
	expect(app, mkreq("GET", "/static", NULL), 404,
	    err_resp(404, "not found", ""));
	expect(app, mkreq("GET", "/static/", NULL), 404,
	    err_resp(404, "not found", ""));
	expect(app, mkreq("GET", "/static//", NULL), 404,
	    err_resp(404, "not found", ""));
	lua_app_free(app);
}
END_TEST

START_TEST(test_router_404_405)
{
	struct lua_app	*app = load(ROUTER_APP);

	expect(app, mkreq("GET", "/nope", NULL), 404,
	    "Status: 404 Not Found\r\nContent-Type: application/json\r\n"
	    "Content-Length: 67\r\n\r\n{\"error\":{\"status\":404,\"message\":"
	    "\"not found\",\"request_id\":\"rid-1\"}}");
	expect(app, mkreq("DELETE", "/items", NULL), 405,
	    "Status: 405 Method Not Allowed\r\nAllow: GET, HEAD, POST\r\n"
	    "Content-Type: application/json\r\nContent-Length: 76\r\n\r\n"
	    "{\"error\":{\"status\":405,\"message\":\"method not allowed\","
	    "\"request_id\":\"rid-1\"}}");
	expect(app, mkreq("GET", "/only-put", NULL), 405,
	    err_resp(405, "method not allowed", "Allow: PUT\r\n"));
	expect(app, mkreq("POST", "/users/7", NULL), 405,
	    err_resp(405, "method not allowed",
	    "Allow: DELETE, GET, HEAD, PATCH\r\n"));
	expect(app, mkreq("PATCH", "/users/7", NULL), 200,
	    json_resp(200, "\"patched\""));
	lua_app_free(app);
}
END_TEST

START_TEST(test_router_head)
{
	struct lua_app	*app = load(ROUTER_APP);

	expect(app, mkreq("HEAD", "/items", NULL), 200,
	    json_resp(200, "\"list\""));
	expect(app, mkreq("HEAD", "/users/9", NULL), 200,
	    json_resp(200, "\"9\""));
	/* an explicit HEAD route wins, registered before or after GET */
	expect(app, mkreq("HEAD", "/h", NULL), 200,
	    json_resp(200, "\"explicit head\""));
	expect(app, mkreq("HEAD", "/h2", NULL), 200,
	    json_resp(200, "\"explicit head\""));
	expect(app, mkreq("GET", "/h", NULL), 200, json_resp(200, "\"get\""));
	expect(app, mkreq("HEAD", "/only-put", NULL), 405,
	    err_resp(405, "method not allowed", "Allow: PUT\r\n"));
	lua_app_free(app);
}
END_TEST

START_TEST(test_router_misuse)
{
	char	 err[1024], path[256], want[1400];

	load_fails("local app = fcgiserve.router()\n"
	    "app:get('nope', function() end)\nreturn app\n",
	    err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want),
	    "%s:2: pattern must be a string starting with '/'", path);
	ck_assert_str_eq(err, want);

	load_fails("local app = fcgiserve.router()\n\n"
	    "app:get('/a/*rest/b', function() end)\nreturn app\n",
	    err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s:3: '*rest' must be the last "
	    "segment of /a/*rest/b", path);
	ck_assert_str_eq(err, want);

	load_fails("local app = fcgiserve.router()\n"
	    "app.get('/x', function() end)\nreturn app\n",
	    err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s:2: call router methods with ':' "
	    "(app:get(...), not app.get(...))", path);
	ck_assert_str_eq(err, want);

	load_fails("local app = fcgiserve.router()\n"
	    "app:post('/x', 'not a function')\nreturn app\n",
	    err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s:2: handler for /x must be a "
	    "function", path);
	ck_assert_str_eq(err, want);

	load_fails("local app = fcgiserve.router()\n"
	    "app:get('/:a/:a', function() end)\nreturn app\n",
	    err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s:2: capture 'a' used twice in "
	    "/:a/:a", path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* ---- return forms ------------------------------------------------- */

static const char RETURNS_APP[] =
"local app = fcgiserve.router()\n"
"local json = fcgiserve.json\n"
"app:get('/table', function() return { ok = true } end)\n"
"app:get('/empty', function() return {} end)\n"
"app:get('/created', function()\n"
"  return 201, { id = 7 }, { Location = '/items/7' }\n"
"end)\n"
"app:get('/nil', function() return nil end)\n"
"app:get('/nothing', function() end)\n"
"app:get('/status-only', function() return 202 end)\n"
"app:get('/no-body-204', function() return 204, { ignored = true } end)\n"
"app:get('/not-modified', function()\n"
"  return 304, 'x', { ETag = '\"abc\"' }\n"
"end)\n"
"app:get('/string', function() return 200, 'hi' end)\n"
"app:get('/null', function() return 200, json.null end)\n"
"app:get('/array', function() return 200, json.array({}) end)\n"
"app:get('/numbers', function()\n"
"  return 200, { 9007199254740993, 1.5, 0.1, -0.0 }\n"
"end)\n"
"app:get('/float-status', function() return 201.0, 'f' end)\n"
"app:get('/header-number', function()\n"
"  return 200, nil, { ['X-Count'] = 3 }\n"
"end)\n"
"app:get('/json-ctype', function()\n"
"  return 400, { a = 1 }, { ['content-type'] = 'application/problem+json' }\n"
"end)\n"
"app:get('/raw', function() return fcgiserve.response{ body = 'plain' } end)\n"
"app:get('/raw-full', function()\n"
"  return fcgiserve.response{ status = 202, content_type = 'text/csv',\n"
"    body = 'a,b\\n', headers = { ['X-A'] = 1 } }\n"
"end)\n"
"app:get('/raw-ctype-header', function()\n"
"  return fcgiserve.response{ body = '<p>',\n"
"    headers = { ['Content-Type'] = 'text/html' } }\n"
"end)\n"
"app:get('/raw-empty', function() return fcgiserve.response{} end)\n"
"app:get('/raw-204', function()\n"
"  return fcgiserve.response{ status = 204, body = 'x' }\n"
"end)\n"
"app:get('/raw-mutated', function()\n"
"  local r = fcgiserve.response{ body = 'x' }\n"
"  r.status = 'teapot'\n"
"  return r\n"
"end)\n"
"app:get('/raw-bad', function()\n"
"  return fcgiserve.response{ status = '200' }\n"
"end)\n"
"return app\n";

START_TEST(test_return_forms)
{
	struct lua_app	*app = load(RETURNS_APP);

	expect(app, mkreq("GET", "/table", NULL), 200,
	    "Status: 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 11\r\n\r\n{\"ok\":true}");
	expect(app, mkreq("GET", "/empty", NULL), 200, json_resp(200, "{}"));
	expect(app, mkreq("GET", "/created", NULL), 201,
	    "Status: 201 Created\r\nLocation: /items/7\r\n"
	    "Content-Type: application/json\r\nContent-Length: 8\r\n\r\n"
	    "{\"id\":7}");
	expect(app, mkreq("GET", "/nil", NULL), 204,
	    "Status: 204 No Content\r\n\r\n");
	expect(app, mkreq("GET", "/nothing", NULL), 204,
	    "Status: 204 No Content\r\n\r\n");
	expect(app, mkreq("GET", "/status-only", NULL), 202,
	    "Status: 202 Accepted\r\n\r\n");
	expect(app, mkreq("GET", "/no-body-204", NULL), 204,
	    "Status: 204 No Content\r\n\r\n");
	expect(app, mkreq("GET", "/not-modified", NULL), 304,
	    "Status: 304 Not Modified\r\nETag: \"abc\"\r\n\r\n");
	expect(app, mkreq("GET", "/string", NULL), 200,
	    json_resp(200, "\"hi\""));
	expect(app, mkreq("GET", "/null", NULL), 200, json_resp(200, "null"));
	expect(app, mkreq("GET", "/array", NULL), 200, json_resp(200, "[]"));
	expect(app, mkreq("GET", "/numbers", NULL), 200, json_resp(200,
	    "[9007199254740993,1.5,0.1,-0.0]"));
	expect(app, mkreq("GET", "/float-status", NULL), 201,
	    json_resp(201, "\"f\""));
	expect(app, mkreq("GET", "/header-number", NULL), 200,
	    "Status: 200 OK\r\nX-Count: 3\r\n\r\n");
	expect(app, mkreq("GET", "/json-ctype", NULL), 400,
	    "Status: 400 Bad Request\r\ncontent-type: application/problem+json"
	    "\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
	lua_app_free(app);
}
END_TEST

START_TEST(test_return_raw)
{
	struct lua_app	*app = load(RETURNS_APP);

	expect(app, mkreq("GET", "/raw", NULL), 200,
	    "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 5\r\n\r\nplain");
	expect(app, mkreq("GET", "/raw-full", NULL), 202,
	    "Status: 202 Accepted\r\nX-A: 1\r\nContent-Type: text/csv\r\n"
	    "Content-Length: 4\r\n\r\na,b\n");
	expect(app, mkreq("GET", "/raw-ctype-header", NULL), 200,
	    "Status: 200 OK\r\nContent-Type: text/html\r\n"
	    "Content-Length: 3\r\n\r\n<p>");
	expect(app, mkreq("GET", "/raw-empty", NULL), 200,
	    "Status: 200 OK\r\nContent-Length: 0\r\n\r\n");
	expect(app, mkreq("GET", "/raw-204", NULL), 204,
	    "Status: 204 No Content\r\n\r\n");
	expect(app, mkreq("GET", "/raw-mutated", NULL), 500,
	    err_resp(500, "internal server error", ""));
	assert_logged("rid=" RID ": handler returned invalid status");
	expect(app, mkreq("GET", "/raw-bad", NULL), 500,
	    err_resp(500, "internal server error", ""));
	assert_logged("fcgiserve.response: status must be an integer from "
	    "200 to 599");
	lua_app_free(app);
}
END_TEST

START_TEST(test_plain_function_app)
{
	struct lua_app	*app;

	app = load("return function(req)\n"
	    "  return { method = req.method }\n"
	    "end\n");
	expect(app, mkreq("PUT", "/anything", NULL), 200,
	    json_resp(200, "{\"method\":\"PUT\"}"));
	lua_app_free(app);

	/* any callable table will do, not only a router */
	app = load("return setmetatable({}, { __call = function(self, req)\n"
	    "  return 200, req.path\n"
	    "end })\n");
	expect(app, mkreq("GET", "/x", NULL), 200, json_resp(200, "\"/x\""));
	lua_app_free(app);
}
END_TEST

/* ---- bad results and errors --------------------------------------- */

static const char ERRORS_APP[] =
"local app = fcgiserve.router()\n"
"app:get('/bad-status', function() return 99, {} end)\n"
"app:get('/big-status', function() return 600 end)\n"
"app:get('/frac-status', function() return 200.5, {} end)\n"
"app:get('/string-result', function() return 'hello' end)\n"
"app:get('/string-status', function() return '200', {} end)\n"
"app:get('/bool-result', function() return true end)\n"
"app:get('/func-result', function() return print end)\n"
"app:get('/inject', function()\n"
"  return 200, {}, { ['X-A'] = 'a\\r\\nb' }\n"
"end)\n"
"app:get('/bad-name', function() return 200, {}, { ['X A'] = 'v' } end)\n"
"app:get('/reserved', function() return 200, {}, { Status = '302' } end)\n"
"app:get('/length', function()\n"
"  return 200, {}, { ['content-length'] = 1 }\n"
"end)\n"
"app:get('/headers-string', function() return 200, {}, 'X-A: b' end)\n"
"app:get('/header-table', function() return 200, {}, { X = {} } end)\n"
"app:get('/nan', function() return { list = { 1, 0/0 } } end)\n"
"app:get('/cycle', function() local t = {}; t.t = t; return t end)\n"
"app:get('/boom', function() error('secret boom') end)\n"
"app:get('/boom-table', function() error({}) end)\n"
"app:get('/bad-log', function() fcgiserve.log('loud', 'x') end)\n"
"return app\n";

static void
expect_500(struct lua_app *app, const char *path, const char *log)
{
	expect(app, mkreq("GET", path, NULL), 500,
	    err_resp(500, "internal server error", ""));
	assert_logged(log);
}

START_TEST(test_bad_results)
{
	struct lua_app	*app = load(ERRORS_APP);

	expect_500(app, "/bad-status", "handler returned invalid status");
	expect_500(app, "/big-status", "handler returned invalid status");
	expect_500(app, "/frac-status", "handler returned invalid status");
	expect_500(app, "/string-result", "handler returned string");
	expect_500(app, "/string-status", "handler returned string");
	expect_500(app, "/bool-result", "handler returned boolean");
	expect_500(app, "/func-result", "handler returned function");
	expect_500(app, "/inject", "handler returned invalid header X-A");
	expect_500(app, "/bad-name", "handler returned invalid header X A");
	expect_500(app, "/reserved", "header Status is reserved");
	expect_500(app, "/length", "header content-length is reserved");
	expect_500(app, "/headers-string", "handler returned headers as "
	    "string");
	expect_500(app, "/header-table", "header string = table");
	expect_500(app, "/nan", "cannot encode response body: $.list[2]: "
	    "NaN cannot be encoded");
	expect_500(app, "/cycle", "cannot encode response body: $.t: cycle");
	lua_app_free(app);
}
END_TEST

START_TEST(test_runtime_error)
{
	struct lua_app	*app = load(ERRORS_APP);
	struct buf	 out = BUF_INIT;
	struct request	*r;
	char		*log;

	r = mkreq("GET", "/boom", NULL);
	ck_assert_int_eq(lua_app_handle(app, r, &out, NULL), 500);
	ck_assert_str_eq(out.data, err_resp(500, "internal server error",
	    ""));
	ck_assert_ptr_null(strstr(out.data, "secret"));
	ck_assert_ptr_null(strstr(out.data, "traceback"));
	log = logged();
	ck_assert_ptr_nonnull(strstr(log, "error [")); /* at error level */
	ck_assert_ptr_nonnull(strstr(log, "rid=" RID ": "));
	ck_assert_msg(strstr(log, ".lua:21: secret boom") != NULL, "%s", log);
	ck_assert_ptr_nonnull(strstr(log, "stack traceback:"));
	free(log);
	buf_free(&out);
	request_free(r);

	expect_500(app, "/boom-table", "(error object is a table value)");
	expect_500(app, "/bad-log", "bad argument #1 to 'log' (invalid "
	    "option 'loud')");
	lua_app_free(app);
}
END_TEST

/* ---- abort -------------------------------------------------------- */

static const char ABORT_APP[] =
"local app = fcgiserve.router()\n"
"app:get('/plain', function() fcgiserve.abort(422, 'name is required') end)\n"
"app:get('/headers', function()\n"
"  fcgiserve.abort(503, 'busy', { ['Retry-After'] = 30 })\n"
"end)\n"
"app:get('/default', function() fcgiserve.abort(409) end)\n"
"app:get('/quote', function() fcgiserve.abort(400, 'bad \"x\"') end)\n"
"app:get('/bad-status', function() fcgiserve.abort(200, 'ok?') end)\n"
"app:get('/bad-header', function()\n"
"  fcgiserve.abort(400, 'x', { X = 'a\\nb' })\n"
"end)\n"
"app:get('/ctype', function()\n"
"  fcgiserve.abort(400, 'x', { ['Content-Type'] = 'text/plain' })\n"
"end)\n"
"app:get('/rethrown', function()\n"
"  local ok, e = pcall(fcgiserve.abort, 429, 'slow down')\n"
"  assert(not ok and tostring(e) == 'fcgiserve.abort(429): slow down')\n"
"  error(e)\n"
"end)\n"
"app:get('/nested', function()\n"
"  local function deep() fcgiserve.abort(401, 'who are you') end\n"
"  deep()\n"
"end)\n"
"return app\n";

START_TEST(test_abort)
{
	struct lua_app	*app = load(ABORT_APP);

	expect(app, mkreq("GET", "/plain", NULL), 422,
	    "Status: 422 Unprocessable Content\r\nContent-Type: "
	    "application/json\r\nContent-Length: 74\r\n\r\n{\"error\":"
	    "{\"status\":422,\"message\":\"name is required\",\"request_id\":"
	    "\"rid-1\"}}");
	expect(app, mkreq("GET", "/headers", NULL), 503,
	    err_resp(503, "busy", "Retry-After: 30\r\n"));
	expect(app, mkreq("GET", "/default", NULL), 409,
	    err_resp(409, "conflict", ""));
	expect(app, mkreq("GET", "/quote", NULL), 400,
	    err_resp(400, "bad \\\"x\\\"", ""));
	expect(app, mkreq("GET", "/rethrown", NULL), 429,
	    err_resp(429, "slow down", ""));
	expect(app, mkreq("GET", "/nested", NULL), 401,
	    err_resp(401, "who are you", ""));
	expect_500(app, "/bad-status", "bad argument #1 to 'abort' (status "
	    "must be 400 to 599)");
	expect_500(app, "/bad-header", "fcgiserve.abort: invalid header X");
	expect_500(app, "/ctype", "fcgiserve.abort: header Content-Type is "
	    "reserved");
	lua_app_free(app);
}
END_TEST

/* ---- req ---------------------------------------------------------- */

/* Returns { v = req[FIELD] }, FIELD being a CGI param. */
static const char ECHO_APP[] =
"return function(req)\n"
"  local f = req.env.FIELD\n"
"  if f == 'json_cached' then\n"
"    return { v = rawequal(req.json, req.json) and rawget(req, 'json') ~= nil }\n"
"  end\n"
"  return { v = req[f] }\n"
"end\n";

static void
expect_field(struct lua_app *app, struct request *r, const char *field,
    const char *want)
{
	add(r, "FIELD", field);
	expect_json(app, r, 200, "", want);
}

START_TEST(test_req_path)
{
	struct lua_app	*app = load(ECHO_APP);

	expect_field(app, mkreq("GET", "/doc", "SCRIPT_NAME", "/s",
	    "PATH_INFO", "/p", "REQUEST_URI", "/r", NULL), "path",
	    "{\"v\":\"/doc\"}");
	expect_field(app, mkreq("GET", NULL, "SCRIPT_NAME", "/s",
	    "PATH_INFO", "/p", "REQUEST_URI", "/r", NULL), "path",
	    "{\"v\":\"/s/p\"}");
	expect_field(app, mkreq("GET", NULL, "SCRIPT_NAME", "/s",
	    "REQUEST_URI", "/r", NULL), "path", "{\"v\":\"/s\"}");
	expect_field(app, mkreq("GET", NULL, "REQUEST_URI",
	    "/a%20b/c+d%2Fe?x=%20", NULL), "path", "{\"v\":\"/a b/c+d/e\"}");
	expect_field(app, mkreq("GET", NULL, NULL), "path", "{\"v\":\"/\"}");
	expect_field(app, mkreq("GET", "", NULL), "path", "{\"v\":\"/\"}");
	lua_app_free(app);
}
END_TEST

START_TEST(test_req_query)
{
	struct lua_app	*app = load(ECHO_APP);

	expect_field(app, mkreq("GET", "/", "QUERY_STRING",
	    "a=1&a=2&b=x+y%21&c&&d=%zz&a=3&=e&f=a=b&", NULL), "query",
	    "{\"v\":{\"a\":[\"1\",\"2\",\"3\"],\"b\":\"x y!\",\"c\":\"\","
	    "\"d\":\"%zz\",\"\":\"e\",\"f\":\"a=b\"}}");
	expect_field(app, mkreq("GET", "/", "QUERY_STRING", "n%61me=v%61l",
	    NULL), "query", "{\"v\":{\"name\":\"val\"}}");
	/* without QUERY_STRING, the part of REQUEST_URI after '?' */
	expect_field(app, mkreq("GET", "/", "REQUEST_URI", "/p?x=1&y",
	    NULL), "query", "{\"v\":{\"x\":\"1\",\"y\":\"\"}}");
	/* an empty QUERY_STRING still wins */
	expect_field(app, mkreq("GET", "/", "QUERY_STRING", "",
	    "REQUEST_URI", "/p?x=1", NULL), "query", "{\"v\":{}}");
	expect_field(app, mkreq("GET", "/", NULL), "query", "{\"v\":{}}");
	lua_app_free(app);
}
END_TEST

START_TEST(test_req_headers_env)
{
	struct lua_app	*app = load(ECHO_APP);
	struct request	*r;

	/* A header sent twice: its last value, as request_param. */
	expect_field(app, mkreq("POST", "/", "HTTP_X_FOO_BAR", "1",
	    "HTTP_HOST", "example.org", "CONTENT_TYPE", "application/json",
	    "CONTENT_LENGTH", "2", "HTTP_", "odd", "SERVER_NAME", "s",
	    "HTTP_HOST", "second", NULL), "headers",
	    "{\"v\":{\"x-foo-bar\":\"1\",\"host\":\"second\","
	    "\"content-type\":\"application/json\",\"content-length\":\"2\"}}");

	/* every param, raw; values may hold NUL */
	r = mkreq("GET", "/e", "REMOTE_ADDR", "192.0.2.1", NULL);
	ck_assert_int_eq(request_add_param(r, "NUL", 3, "a\0b", 3), 0);
	expect_field(app, r, "env",
	    "{\"v\":{\"REQUEST_METHOD\":\"GET\",\"DOCUMENT_URI\":\"/e\","
	    "\"REMOTE_ADDR\":\"192.0.2.1\",\"NUL\":\"a\\u0000b\","
	    "\"FIELD\":\"env\"}}");

	expect_field(app, mkreq("DELETE", "/", NULL), "method",
	    "{\"v\":\"DELETE\"}");
	expect_field(app, mkreq(NULL, "/", NULL), "method", "{\"v\":\"GET\"}");
	expect_field(app, mkreq("GET", "/", NULL), "request_id",
	    "{\"v\":\"" RID "\"}");
	expect_field(app, mkreq("GET", "/", "REMOTE_ADDR", "::1", NULL),
	    "remote_addr", "{\"v\":\"::1\"}");
	expect_field(app, mkreq("GET", "/", NULL), "remote_addr", "{}");
	expect_field(app, mkreq("GET", "/", NULL), "params", "{\"v\":{}}");
	lua_app_free(app);
}
END_TEST

START_TEST(test_req_body_json)
{
	struct lua_app	*app = load(ECHO_APP);
	struct request	*r;
	json_error_t	 jerr;
	char		 msg[256];

	expect_field(app, mkreq("POST", "/", NULL), "body", "{}");
	expect_field(app, with_body(mkreq("POST", "/", NULL), "raw\x01"),
	    "body", "{\"v\":\"raw\\u0001\"}");
	expect_field(app, mkreq("POST", "/", NULL), "json", "{}");
	expect_field(app, with_body(mkreq("POST", "/", NULL),
	    "{\"a\":[1,2.5,null],\"b\":{}}"), "json",
	    "{\"v\":{\"a\":[1,2.5,null],\"b\":{}}}");
	expect_field(app, with_body(mkreq("POST", "/", NULL), "[]"), "json",
	    "{\"v\":[]}");
	expect_field(app, with_body(mkreq("POST", "/", NULL), "null"),
	    "json", "{\"v\":null}");
	expect_field(app, with_body(mkreq("POST", "/", NULL), "{\"x\":1}"),
	    "json_cached", "{\"v\":true}");
	/* lazy: an invalid body only fails a handler that reads req.json */
	expect_field(app, with_body(mkreq("POST", "/", NULL), "{oops"),
	    "method", "{\"v\":\"POST\"}");

	ck_assert_ptr_null(json_loads("{oops", JSON_DECODE_ANY, &jerr));
	snprintf(msg, sizeof(msg), "invalid JSON body: %s", jerr.text);
	r = with_body(mkreq("POST", "/", NULL), "{oops");
	add(r, "FIELD", "json");
	expect(app, r, 400, err_resp(400, msg, ""));
	lua_app_free(app);
}
END_TEST

/* ---- the module, loading, randomness ------------------------------ */

START_TEST(test_module)
{
	struct lua_app	*app;

	app = load("local m = require 'fcgiserve'\n"
	    "assert(m == fcgiserve and package.loaded.fcgiserve == m)\n"
	    "assert(type(m.router) == 'function' and type(m.abort) == "
	    "'function')\n"
	    "assert(type(m.response) == 'function' and type(m.log) == "
	    "'function')\n"
	    "assert(m.json.decode('[1]')[1] == 1 and m.json.null ~= nil)\n"
	    "return function(req)\n"
	    "  fcgiserve.log('warn', 'hello from lua')\n"
	    "  fcgiserve.log('debug', 42)\n"
	    "  return 200, fcgiserve.json.encode({ 1 })\n"
	    "end\n");
	expect(app, mkreq("GET", "/", NULL), 200, json_resp(200, "\"[1]\""));
	assert_logged(" warn [");
	assert_logged("rid=" RID ": hello from lua\n");
	assert_logged("rid=" RID ": 42\n");
	lua_app_free(app);
}
END_TEST

START_TEST(test_load_errors)
{
	char	 err[1024], path[256], want[1400];

	load_fails("local x = = 1\nreturn function() end\n", err,
	    sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s:1: unexpected symbol near '='",
	    path);
	ck_assert_str_eq(err, want);

	load_fails("local x = 1\nerror('top boom')\n", err, sizeof(err),
	    path, sizeof(path));
	snprintf(want, sizeof(want), "%s:2: top boom", path);
	ck_assert_str_eq(err, want);
	assert_logged("stack traceback:");	/* at debug level */

	load_fails("return 42\n", err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s: app must return a router or a "
	    "function (got number)", path);
	ck_assert_str_eq(err, want);

	load_fails("local x = 1\n", err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s: app must return a router or a "
	    "function (got nil)", path);
	ck_assert_str_eq(err, want);

	load_fails("return {}\n", err, sizeof(err), path, sizeof(path));
	snprintf(want, sizeof(want), "%s: app must return a router or a "
	    "function (got table)", path);
	ck_assert_str_eq(err, want);

	load_fails("fcgiserve.abort(404)\n", err, sizeof(err), path,
	    sizeof(path));
	ck_assert_str_eq(err, "fcgiserve.abort(404): not found");

	snprintf(path, sizeof(path), "%s/missing.lua", tmpdir);
	ck_assert_ptr_null(lua_app_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot open %s", path);
	ck_assert_int_eq(strncmp(err, want, strlen(want)), 0);

	/* a short err buffer is cut, still NUL-terminated */
	load_fails("return 42\n", err, 8, path, sizeof(path));
	ck_assert_uint_eq(strlen(err), 7);
}
END_TEST

START_TEST(test_child_init_random)
{
	struct lua_app	*app;
	struct request	*r;
	struct buf	 a = BUF_INIT, b = BUF_INIT;

	/* app code replacing math.randomseed must not stop the reseed */
	app = load("math.randomseed(1)\n"
	    "math.randomseed = function() error('replaced') end\n"
	    "return function() return { r = math.random(0) } end\n");
	r = mkreq("GET", "/", NULL);
	lua_app_child_init(app);
	ck_assert_int_eq(lua_app_handle(app, r, &a, NULL), 200);
	lua_app_child_init(app);
	ck_assert_int_eq(lua_app_handle(app, r, &b, NULL), 200);
	ck_assert_str_ne(a.data, b.data);
	ck_assert_int_eq(strncmp(a.data, "Status: 200 OK\r\n", 16), 0);
	buf_free(&a);
	buf_free(&b);
	request_free(r);
	lua_app_free(app);
}
END_TEST

START_TEST(test_appends_to_out)
{
	struct lua_app	*app = load(ERRORS_APP);
	struct buf	 out = BUF_INIT;
	struct request	*r = mkreq("GET", "/inject", NULL);
	char		 want[1024];

	/* a failed response replaces only what this request appended */
	ck_assert_int_eq(buf_adds(&out, "before|"), 0);
	ck_assert_int_eq(lua_app_handle(app, r, &out, NULL), 500);
	snprintf(want, sizeof(want), "before|%s",
	    err_resp(500, "internal server error", ""));
	ck_assert_str_eq(out.data, want);
	buf_free(&out);
	request_free(r);
	lua_app_free(app);
}
END_TEST

/* ---- conf/apps/example.lua ---------------------------------------- */

START_TEST(test_example_app)
{
	struct lua_app	*app;
	const char	*srcdir = getenv("srcdir");
	char		 path[1024], err[1024];

	snprintf(path, sizeof(path), "%s/conf/apps/example.lua",
	    srcdir != NULL ? srcdir : ".");
	app = lua_app_load(path, err, sizeof(err));
	ck_assert_msg(app != NULL, "%s", err);

	expect(app, mkreq("GET", "/hello/world", NULL), 200,
	    json_resp(200, "{\"greeting\":\"hello world\"}"));
	expect_json(app, mkreq("GET", "/search", "QUERY_STRING",
	    "q=lua&tag=a&tag=b", NULL), 200, "",
	    "{\"q\":\"lua\",\"tags\":[\"a\",\"b\"]}");
	expect_json(app, mkreq("GET", "/search", NULL), 200, "",
	    "{\"q\":\"\",\"tags\":[]}");
	expect_json(app, mkreq("GET", "/items/1", NULL), 200, "",
	    "{\"id\":1,\"name\":\"pencil\",\"price\":0.5}");
	expect(app, mkreq("GET", "/items/9", NULL), 404,
	    err_resp(404, "no such item", ""));
	expect(app, with_body(mkreq("POST", "/items", NULL), "{}"), 422,
	    err_resp(422, "name is required", ""));
	expect(app, with_body(mkreq("POST", "/items", NULL),
	    "{\"name\":\"pen\",\"price\":-1}"), 422,
	    err_resp(422, "price must be a number >= 0", ""));
	expect_json(app, with_body(mkreq("POST", "/items", NULL),
	    "{\"name\":\"pen\",\"price\":1.5}"), 201,
	    "Location: /items/2\r\n",
	    "{\"id\":2,\"name\":\"pen\",\"price\":1.5}");
	assert_logged("rid=" RID ": created item 2: pen");
	expect(app, mkreq("DELETE", "/items/1", NULL), 204,
	    "Status: 204 No Content\r\n\r\n");
	expect(app, mkreq("GET", "/health", NULL), 200,
	    "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 3\r\n\r\nok\n");
	expect(app, mkreq("PUT", "/items", NULL), 405,
	    err_resp(405, "method not allowed", "Allow: POST\r\n"));
	lua_app_free(app);
}
END_TEST

static Suite *
router_suite(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc;

	tc = tcase_create("router");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_router_captures);
	tcase_add_test(tc, test_router_rest);
	tcase_add_test(tc, test_router_404_405);
	tcase_add_test(tc, test_router_head);
	tcase_add_test(tc, test_router_misuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("results");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_return_forms);
	tcase_add_test(tc, test_return_raw);
	tcase_add_test(tc, test_plain_function_app);
	tcase_add_test(tc, test_bad_results);
	tcase_add_test(tc, test_runtime_error);
	tcase_add_test(tc, test_abort);
	tcase_add_test(tc, test_appends_to_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("req");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_req_path);
	tcase_add_test(tc, test_req_query);
	tcase_add_test(tc, test_req_headers_env);
	tcase_add_test(tc, test_req_body_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("app");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_module);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_child_init_random);
	tcase_add_test(tc, test_example_app);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(router_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
