/*
 * The embedded Lua 5.4 interpreter: loads an app once (the template),
 * readies a forked child's copy of it, and runs one request there.  The
 * module the app sees is lua_module.h; its results become a response in
 * lua_result.h.
 */
#ifndef FCGISERVE_LUA_APP_H
#define FCGISERVE_LUA_APP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "request.h"

struct lua_app;

/*
 * Where a streamed answer goes (fcgiserve.stream{}, fcgiserve.sse): its
 * head (the CGI status line and headers, the blank line included), then
 * each part as the body function writes it, then the end (len 0).  Each
 * returns 0, or -1 when the answer can no longer be sent (the body's
 * write() then returns false).
 */
struct lua_sink {
	int	(*begin)(void *arg, int status, int sse, const char *head,
		    size_t len);
	int	(*write)(void *arg, const char *data, size_t len);
	void	*arg;
};

/*
 * Creates a state, opens the standard libraries and the fcgiserve module,
 * runs the app file and keeps its result (a router or a function) as the
 * handler.  On failure returns NULL with err holding e.g.
 * "/etc/fcgiserve/apps/x.lua:12: unexpected symbol near 'end'".
 * Leaves the heap fully collected so children share it copy-on-write.
 */
struct lua_app	*lua_app_load(const char *path, char *err, size_t errlen);
void		 lua_app_free(struct lua_app *);
/* package.path or package.cpath ("path", "cpath") as the app left it;
   NULL if it is not a string.  Valid until the app changes it. */
const char	*lua_app_package(struct lua_app *, const char *field);

/*
 * Runs once in each child before the handler: reseeds math.random from
 * the kernel so no two requests draw the same sequence.
 */
void		 lua_app_child_init(struct lua_app *);

/*
 * Only in a forked child: from now on Lua and jansson allocate from fresh
 * pages (arena.c) and leave the template's heap untouched.
 */
void		 lua_app_child_alloc(struct lua_app *);

/*
 * Builds req from the request (derived: cgi_derive), calls the handler
 * inside lua_pcall with a traceback handler, and appends a complete CGI
 * response to out (JSON body, or a fcgiserve.response raw body).  Never
 * raises: aborts become their status, other errors a generic 500 whose
 * traceback goes to the error log with the request id.  Returns the HTTP
 * status.
 */
int		 lua_app_handle(struct lua_app *, const struct request *,
		    struct buf *out, const struct lua_sink *);
/*
 * Runs what the handler passed to fcgiserve.after(), each under its own
 * protection (an error is logged with the request id), once the answer
 * is out.
 */
void		 lua_app_after(struct lua_app *, const struct request *);

/* A periodic job (fcgiserve.every): run as a request with req->job. */
struct lua_job {
	char		 name[48];
	uint64_t	 interval_ms;
	uint64_t	 timeout_ms;	/* 0: the pool's request_timeout */
};
/* The jobs the app registered while it loaded (job k is req->job k+1). */
int		 lua_app_jobs(struct lua_app *, struct lua_job *, int max);

struct lua_State;
/* The app's interpreter, for the slow log's debug hook. */
struct lua_State *lua_app_state(struct lua_app *);

#endif
