/*
 * A handler's results, or what it raised, turned into one complete CGI
 * response: status line, headers, a JSON body (jansson) or a raw one.
 */
#ifndef FCGISERVE_LUA_RESULT_H
#define FCGISERVE_LUA_RESULT_H

#include <stddef.h>

#include <lua.h>

#include "buf.h"
#include "request.h"

/* One response being built; out from mark on is its own. */
struct lua_result {
	const struct request	*req;		/* whose id the logs carry */
	struct buf		*out;		/* appended to */
	size_t			 mark;		/* out->len before we started */
	int			 status;	/* the HTTP status answered */
	int			 stream;	/* a fcgiserve.stream{}: its
						   stack index (out has its
						   head only); else 0 */
	int			 sse;		/* it is fcgiserve.sse's */
};

/* Starts a response for req at the end of out (status 500 until done). */
void	lua_result_begin(struct lua_result *, const struct request *req,
	    struct buf *out);
/*
 * The handler's return values at first .. first + n - 1: nil, a table (a
 * JSON body), a fcgiserve.response{} (a raw body), a fcgiserve.stream{}
 * (its head in out, res->stream set: the caller runs its body), or
 * status[, body[, headers]].  Anything else is logged and answered 500.  Reads with
 * non-raising getters but may raise on memory: call it under lua_pcall.
 */
void	lua_result_values(struct lua_result *, lua_State *, int first, int n);
/*
 * An error value at idx: a fcgiserve.abort becomes its status and
 * message (the one error shape, response_error); anything else is
 * logged and answered with a generic 500.  Under lua_pcall, as above.
 */
void	lua_result_error(struct lua_result *, lua_State *, int idx);
/*
 * Replaces whatever this response appended to out with a generic 500
 * and logs why (fmt) with the request id; the client never sees why.
 */
void	lua_result_fail(struct lua_result *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
