/*
 * `fcgiserve request`: one request run without a server, for trying a
 * handler from the shell.  The app is loaded as a worker loads it (with
 * -c, exactly: the pool's logs, user and limits), the request is built
 * as nginx's stock fastcgi_params would send it, and it runs the way a
 * worker runs one: in a forked child (child_run), answered with the same
 * error handling and JSON encoding, within the pool's request_timeout.
 * The answer is printed as `curl -i` prints one.  With -t the app is
 * only loaded, as a worker would load it: the load check of the Lua test
 * module (lua/fcgiserve/test.lua).
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cgi.h"
#include "child.h"
#include "cli.h"
#include "conf.h"
#include "deadline.h"
#include "log.h"
#include "lua_app.h"
#include "request.h"
#include "response.h"
#include "worker.h"

#define CLI_TIMEOUT_MS	30000	/* without -c: request_timeout's default */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fcgiserve request [-c file [-p pool] | app.lua] METHOD PATH\n"
	    "                         [-H 'Name: value']... [-d body | -d @file]\n"
	    "       fcgiserve request -t [-c file [-p pool] | app.lua]\n"
	    "  runs one request through the app as a worker would, prints the\n"
	    "  answer as curl -i does; exit 0 for 2xx and 3xx, 1 otherwise\n"
	    "  -t  only load the app: exit 0 if it loads, 1 if not\n");
}

static int
add(struct request *req, const char *name, const char *value, size_t vlen)
{
	return request_add_param(req, name, strlen(name), value, vlen);
}

/* "Name: value" as nginx passes it: HTTP_NAME, or CONTENT_TYPE. */
static int
add_header(struct request *req, const char *h)
{
	const char	*colon = strchr(h, ':'), *v;
	char		 name[256];
	size_t		 i, n;

	if (colon == NULL || colon == h || (size_t)(colon - h) > 200)
		return -1;
	n = 0;
	if (!(colon - h == 12 && strncasecmp(h, "Content-Type", 12) == 0)) {
		memcpy(name, "HTTP_", 5);
		n = 5;
	}
	for (i = 0; h + i < colon; i++)
		name[n++] = h[i] == '-' ? '_' : (char)toupper((unsigned char)h[i]);
	name[n] = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	return add(req, name, v, strlen(v));
}

/* The body of -d: text, or @file read whole. */
static int
read_body(const char *arg, struct buf *out)
{
	char	chunk[65536];
	ssize_t	n;
	int	fd;

	if (arg[0] != '@')
		return buf_adds(out, arg);
	if ((fd = open(arg + 1, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(out, chunk, (size_t)n) == -1)
			break;
	close(fd);
	return n == 0 ? 0 : -1;
}

/* The request the stock fastcgi_params would make of METHOD PATH. */
static struct request *
build(const char *method, const char *target, char **headers, int nheaders,
    const struct buf *body)
{
	struct request	*req;
	const char	*q = strchr(target, '?');
	size_t		 plen = q != NULL ? (size_t)(q - target) : strlen(target);
	char		*path, len[32], rid[64];
	int		 i, rc = 0;

	if ((req = request_new(1)) == NULL)
		return NULL;
	if ((path = malloc(plen + 1)) == NULL) {
		request_free(req);
		return NULL;
	}
	cgi_urldecode(path, target, plen, 0);
	snprintf(len, sizeof(len), "%zu", body->len);
	rc |= add(req, "REQUEST_METHOD", method, strlen(method));
	rc |= add(req, "REQUEST_URI", target, strlen(target));
	rc |= add(req, "DOCUMENT_URI", path, strlen(path));
	rc |= add(req, "SCRIPT_NAME", path, strlen(path));
	rc |= add(req, "QUERY_STRING", q != NULL ? q + 1 : "",
	    q != NULL ? strlen(q + 1) : 0);
	rc |= add(req, "SERVER_PROTOCOL", "HTTP/1.1", 8);
	rc |= add(req, "GATEWAY_INTERFACE", "CGI/1.1", 7);
	rc |= add(req, "REMOTE_ADDR", "127.0.0.1", 9);
	rc |= add(req, "SERVER_NAME", "localhost", 9);
	rc |= add(req, "CONTENT_LENGTH", len, strlen(len));
	free(path);
	for (i = 0; i < nheaders; i++)
		if (add_header(req, headers[i]) == -1) {
			fprintf(stderr, "fcgiserve request: bad header '%s': "
			    "expected 'Name: value'\n", headers[i]);
			request_free(req);
			return NULL;
		}
	if (body->len > 0)
		rc |= request_append_body(req, body->data, body->len);
	snprintf(rid, sizeof(rid), "cli-%ld", (long)getpid());
	if (rc != 0 || cgi_derive(req, request_param(req, "HTTP_X_REQUEST_ID") ?
	    request_param(req, "HTTP_X_REQUEST_ID") : rid) == -1) {
		request_free(req);
		return NULL;
	}
	return req;
}

/*
 * A streamed answer in out (child.h: frames after the head) made whole,
 * in place: 0, or -1 when it did not end.
 */
static int
unframe(struct buf *out, int *status)
{
	struct child_head	head;
	uint32_t		len;
	size_t			at = sizeof(head), to = 0;

	memcpy(&head, out->data, sizeof(head));
	while (out->len - at >= sizeof(len)) {
		memcpy(&len, out->data + at, sizeof(len));
		at += sizeof(len);
		if (len == 0) {
			*status = CHILD_STATUS(head.status);
			out->len = to;
			return 0;
		}
		if (out->len - at < len)
			break;
		memmove(out->data + to, out->data + at, len);
		to += len;
		at += len;
	}
	return -1;
}

/*
 * Runs req in a forked child as a worker does: 0 with the answer in out
 * and its status (a stream's, whole), or -1 with out holding
 * fcgiserve's own error answer.
 */
static int
run(struct lua_app *app, const struct request *req, uint64_t timeout_ms,
    struct buf *out, int *status)
{
	struct child_head	 head;
	struct timespec		 t0, now;
	char			 chunk[65536];
	ssize_t			 n;
	siginfo_t		 si;
	pid_t			 pid, me = getpid();
	int			 pfd[2], ws, timed_out = 0;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	if ((pid = child_fork()) == 0)
		child_run(app, req, pfd[1], me);
	close(pfd[1]);
	if (pid == -1) {
		close(pfd[0]);
		return -1;
	}
	(void)fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if ((n = read(pfd[0], chunk, sizeof(chunk))) > 0) {
			if (buf_add(out, chunk, (size_t)n) == -1)
				break;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000) >= timeout_ms) {
			timed_out = 1;
			(void)kill(-pid, SIGKILL);
			break;
		}
		usleep(1000);
	}
	close(pfd[0]);
	/* Seen exited but not reaped: while its zombie holds the pid, what
	   it started is killed with its group, then it is reaped. */
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == -1 &&
	    errno == EINTR)
		;
	(void)kill(-pid, SIGKILL);
	ws = 0;
	while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
		;
	if (!timed_out && WIFEXITED(ws) && WEXITSTATUS(ws) == 0 &&
	    out->len >= sizeof(head)) {
		memcpy(&head, out->data, sizeof(head));
		if (head.len == CHILD_STREAM && unframe(out, status) == 0)
			return 0;
		if (out->len - sizeof(head) == head.len) {
			*status = (int)head.status;
			memmove(out->data, out->data + sizeof(head), head.len);
			out->len = head.len;
			return 0;
		}
	}
	buf_reset(out);
	*status = timed_out ? 504 : 500;
	if (timed_out)
		log_msg(LOG_LVL_WARN, req->rid, "request timed out after %llu "
		    "ms; child killed", (unsigned long long)timeout_ms);
	else if (WIFSIGNALED(ws))
		log_msg(LOG_LVL_ERROR, req->rid, "child %ld killed by signal %d "
		    "(%s)", (long)pid, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	else
		log_msg(LOG_LVL_ERROR, req->rid, "child %ld exited with status "
		    "%d without a complete response", (long)pid,
		    WEXITSTATUS(ws));
	(void)response_error(out, *status, timed_out ? "request timed out" :
	    "internal server error", req->rid, NULL);
	return -1;
}

/* The CGI answer as curl -i shows it; HEAD without the body. */
static void
print(const struct request *req, const struct buf *ans, int status)
{
	const char	*p = ans->data, *end = p + ans->len, *eol;
	size_t		 len = request_is_head(req) ?
			    response_head_len(ans->data, ans->len) : ans->len;

	end = p + len;
	printf("HTTP/1.1 %d %s\r\n", status, response_reason(status));
	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (eol == p || (eol == p + 1 && *p == '\r')) {
			p = eol + 1;
			break;		/* the blank line: the body follows */
		}
		if (strncmp(p, "Status:", 7) != 0)
			fwrite(p, 1, (size_t)(eol + 1 - p), stdout);
		p = eol + 1;
	}
	fputs("\r\n", stdout);
	fwrite(p, 1, (size_t)(end - p), stdout);
	fflush(stdout);
}

/* The pool of CONF named name, or the only one. */
static const struct pool_conf *
pick_pool(const struct conf *conf, const char *name)
{
	const struct pool_conf	*p;

	for (p = conf->pools; p != NULL; p = p->next)
		if (name != NULL ? strcmp(p->name, name) == 0 :
		    conf->npools == 1)
			return p;
	return NULL;
}

int
cli_request(int argc, char *argv[])
{
	const char		*confpath = NULL, *poolname = NULL, *apppath;
	const struct pool_conf	*pool = NULL;
	struct conf		*conf = NULL;
	struct lua_app		*app;
	struct request		*req;
	struct buf		 body = BUF_INIT, ans = BUF_INIT;
	char			*headers[64], err[2048];
	int			 ch, nheaders = 0, status, need, runners;
	int			 loadonly = 0;
	uint64_t		 timeout = CLI_TIMEOUT_MS;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:p:H:d:th")) != -1) {
		switch (ch) {
		case 'c':	confpath = optarg; break;
		case 'p':	poolname = optarg; break;
		case 'H':
			if (nheaders == 64)
				goto usage;
			headers[nheaders++] = optarg;
			break;
		case 'd':
			if (read_body(optarg, &body) == -1) {
				fprintf(stderr, "fcgiserve request: %s: %s\n",
				    optarg, strerror(errno));
				return 2;
			}
			break;
		case 't':	loadonly = 1; break;
		case 'h':	usage(stdout); return 0;
		default:	goto usage;
		}
	}
	need = (confpath != NULL ? 2 : 3) - (loadonly ? 2 : 0);
	if (argc - optind != need || (poolname != NULL && confpath == NULL))
		goto usage;
	apppath = confpath != NULL ? NULL : argv[optind++];
	if (confpath != NULL) {
		if ((conf = conf_load(confpath, err, sizeof(err))) == NULL) {
			fprintf(stderr, "fcgiserve request: %s\n", err);
			return 2;
		}
		if ((pool = pick_pool(conf, poolname)) == NULL) {
			fprintf(stderr, "fcgiserve request: %s\n", poolname ?
			    "no such pool" : "several pools: choose one with -p");
			conf_free(conf);
			return 2;
		}
		/* Its log lines to this terminal, not to the pool's log. */
		log_set_pool(pool->name);
		timeout = pool->request_timeout_ms;
		app = worker_prepare(pool, &runners, 0);	/* as a worker */
	} else if ((app = lua_app_load(apppath, err, sizeof(err))) == NULL)
		log_msg(LOG_LVL_ERROR, NULL, "%s", err);
	if (app == NULL || loadonly) {
		lua_app_free(app);
		buf_free(&body);
		conf_free(conf);
		return app == NULL ? 1 : 0;
	}
	if ((req = build(argv[optind], argv[optind + 1], headers, nheaders,
	    &body)) == NULL) {
		lua_app_free(app);
		conf_free(conf);
		return 2;
	}
	/* One timeout over all the child does (run), after and streams
	   included: its phases keep the deadline (0s, deadline.h). */
	req->after_ms = req->stream_ms = req->idle_ms = 0;
	req->deadline_ns = deadline_stamp(timeout);
	(void)run(app, req, timeout, &ans, &status);
	print(req, &ans, status);
	request_free(req);
	buf_free(&ans);
	buf_free(&body);
	lua_app_free(app);
	conf_free(conf);
	return status >= 200 && status < 400 ? 0 : 1;
usage:
	usage(stderr);
	buf_free(&body);
	return 2;
}
