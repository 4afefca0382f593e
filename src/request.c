/*
 * The request container the codecs fill and the worker and child read:
 * CGI params and the body.  Pure data, no I/O.
 *
 * Each param's name and value share one allocation (name first, then
 * value), so a request with N params costs N + 2 allocations; only
 * request_free() releases them, and what cgi_derive() added.  The body
 * keeps one spare byte so it is always NUL-terminated, which lets callers
 * hand it to text APIs safely.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define REQUEST_PARAMS_MIN	32	/* nginx's fastcgi_params sends ~20 */
#define REQUEST_BODY_MIN	1024

struct request *
request_new(uint16_t id)
{
	struct request	*req;

	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->id = id;
	return req;
}

void
request_free(struct request *req)
{
	size_t	 i;

	if (req == NULL)
		return;
	for (i = 0; i < req->nparams; i++)
		free(req->params[i].name);	/* and the value with it */
	free(req->params);
	free(req->body);
	free(req->derived);
	free(req);
}

int
request_add_param(struct request *req, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	struct request_param	*params, *p;
	size_t			 cap;
	char			*block;

	if (name_len > SIZE_MAX / 2 - 1 || value_len > SIZE_MAX / 2 - 1) {
		errno = ENOMEM;
		return -1;
	}
	if (req->nparams == req->params_cap) {
		cap = req->params_cap ? req->params_cap * 2 :
		    REQUEST_PARAMS_MIN;
		if (cap > SIZE_MAX / sizeof(*params)) {
			errno = ENOMEM;
			return -1;
		}
		params = realloc(req->params, cap * sizeof(*params));
		if (params == NULL)
			return -1;
		req->params = params;
		req->params_cap = cap;
	}
	if ((block = malloc(name_len + 1 + value_len + 1)) == NULL)
		return -1;
	p = &req->params[req->nparams++];
	p->name = block;
	p->value = block + name_len + 1;
	p->value_len = value_len;
	if (name_len > 0)
		memcpy(p->name, name, name_len);
	p->name[name_len] = '\0';
	if (value_len > 0)
		memcpy(p->value, value, value_len);
	p->value[value_len] = '\0';
	return 0;
}

/* Doubles the capacity so a body fed in many small records costs O(n). */
int
request_append_body(struct request *req, const void *data, size_t len)
{
	size_t	 need, cap;
	char	*body;

	if (len == 0)
		return 0;
	if (len > SIZE_MAX - req->body_len - 1) {
		errno = ENOMEM;
		return -1;
	}
	need = req->body_len + len + 1;
	if (need > req->body_cap) {
		cap = req->body_cap ? req->body_cap : REQUEST_BODY_MIN;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if ((body = realloc(req->body, cap)) == NULL)
			return -1;
		req->body = body;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

const char *
request_param(const struct request *req, const char *name)
{
	size_t	 i;

	/* The last: a site's "fastcgi_param NAME v;" after the stock file's. */
	for (i = req->nparams; i > 0; i--)
		if (strcmp(req->params[i - 1].name, name) == 0)
			return req->params[i - 1].value;
	return NULL;
}

int
request_is_head(const struct request *req)
{
	const char	*method = request_param(req, "REQUEST_METHOD");

	return method != NULL && strcmp(method, "HEAD") == 0;
}
