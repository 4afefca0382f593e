/*
 * forkfloor: the least a request can cost in fcgiserve's model, measured
 * with the daemon's own code (src/libfcgiserve.a) and no server around it.
 *
 * Loads APP with lua_app_load, then per iteration: pipe2, fork; the child
 * runs lua_app_child_alloc, lua_app_child_init and lua_app_handle into a
 * buf and writes it to the pipe (4-byte length first, as child_run does),
 * then _exit(0); the parent reads to EOF and reaps it.  A second loop
 * times a bare fork + _exit + waitpid of the same process, for context.
 *
 * CPU is getrusage(SELF) + getrusage(CHILDREN), user + system, so the
 * children's work is counted once they are reaped.  Rounds alternate the
 * two loops; the median round is reported, as key=value lines:
 *   load app=... rss_kb=... load_ms=...
 *   response status=200 bytes=...
 *   full n=... rounds=... cpu_us=... wall_us=... minflt=...
 *   bare n=... rounds=... cpu_us=... wall_us=... minflt=...
 *
 * usage: forkfloor [-n iterations] [-r rounds] [-u uri] app.lua
 */
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cgi.h"
#include "lua_app.h"
#include "request.h"

#define FORKFLOOR_ROUNDS_MAX	64
#define FORKFLOOR_RID		"0123456789abcdef0123456789abcdef"

struct sample {
	double	cpu_us;		/* per iteration */
	double	wall_us;
	double	minflt;		/* page faults per iteration, mostly
				   the child's copy-on-write */
};

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static double
cpu_now_us(void)
{
	struct rusage	self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	    kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e6 +
	    (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec);
}

static double
minflt_now(void)
{
	struct rusage	self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_minflt + kids.ru_minflt);
}

static double
wall_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long
vmrss_kb(void)
{
	char	 line[256];
	FILE	*f;
	long	 kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
add_param(struct request *req, const char *name, const char *value)
{
	return request_add_param(req, name, strlen(name), value,
	    strlen(value));
}

/* The params nginx's stock fastcgi_params sends for a wrk GET, derived
   as the worker does. */
static struct request *
make_request(const char *uri)
{
	struct request	*req;
	const char	*q;
	char		 path[1024];
	size_t		 plen;

	if ((req = request_new(1)) == NULL)
		return NULL;
	q = strchr(uri, '?');
	plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (plen >= sizeof(path))
		plen = sizeof(path) - 1;
	memcpy(path, uri, plen);
	path[plen] = '\0';
	if (add_param(req, "QUERY_STRING", q != NULL ? q + 1 : "") == -1 ||
	    add_param(req, "REQUEST_METHOD", "GET") == -1 ||
	    add_param(req, "CONTENT_TYPE", "") == -1 ||
	    add_param(req, "CONTENT_LENGTH", "") == -1 ||
	    add_param(req, "SCRIPT_NAME", path) == -1 ||
	    add_param(req, "REQUEST_URI", uri) == -1 ||
	    add_param(req, "DOCUMENT_URI", path) == -1 ||
	    add_param(req, "DOCUMENT_ROOT", "/usr/share/nginx/html") == -1 ||
	    add_param(req, "SERVER_PROTOCOL", "HTTP/1.1") == -1 ||
	    add_param(req, "REQUEST_SCHEME", "http") == -1 ||
	    add_param(req, "GATEWAY_INTERFACE", "CGI/1.1") == -1 ||
	    add_param(req, "SERVER_SOFTWARE", "nginx/1.22.1") == -1 ||
	    add_param(req, "REMOTE_ADDR", "127.0.0.1") == -1 ||
	    add_param(req, "REMOTE_PORT", "40000") == -1 ||
	    add_param(req, "SERVER_ADDR", "127.0.0.1") == -1 ||
	    add_param(req, "SERVER_PORT", "8080") == -1 ||
	    add_param(req, "SERVER_NAME", "localhost") == -1 ||
	    add_param(req, "REDIRECT_STATUS", "200") == -1 ||
	    add_param(req, "HTTP_HOST", "127.0.0.1:8080") == -1 ||
	    cgi_derive(req, FORKFLOOR_RID) == -1) {
		request_free(req);
		return NULL;
	}
	return req;
}

/*
 * The request child: child_run's sequence (allocator switch, reseed,
 * handler, one write), less its signal and fd hygiene.
 */
static void __attribute__((noreturn))
child(struct lua_app *app, const struct request *req, int fd)
{
	struct buf	out = BUF_INIT;
	uint32_t	len;

	lua_app_child_alloc(app);
	lua_app_child_init(app);
	if (buf_add(&out, "\0\0\0\0", 4) == -1)
		_exit(1);
	(void)lua_app_handle(app, req, &out, NULL);
	len = (uint32_t)(out.len - 4);
	memcpy(out.data, &len, sizeof(len));
	if (write_all(fd, out.data, out.len) == -1)
		_exit(1);
	_exit(0);
}

/*
 * One request: fork, read the answer into resp, reap.  Returns 0, or -1
 * (with a message) when anything fails or the child's answer is short.
 */
static int
one_request(struct lua_app *app, const struct request *req, struct buf *resp)
{
	char	 chunk[65536];
	ssize_t	 n;
	pid_t	 pid;
	int	 pfd[2], status;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		perror("forkfloor: pipe2");
		return -1;
	}
	if ((pid = fork()) == -1) {
		perror("forkfloor: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child(app, req, pfd[1]);
	}
	close(pfd[1]);
	buf_reset(resp);
	for (;;) {
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_add(resp, chunk, (size_t)n) == -1)
			break;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || resp->len < 4) {
		fprintf(stderr, "forkfloor: child failed (status %d)\n",
		    status);
		return -1;
	}
	return 0;
}

static int
bare_fork(void)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1) {
		perror("forkfloor: fork");
		return -1;
	}
	if (pid == 0)
		_exit(0);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of the rounds, CPU and wall taken separately. */
static struct sample
median(const struct sample *s, int n)
{
	double		cpu[FORKFLOOR_ROUNDS_MAX], wall[FORKFLOOR_ROUNDS_MAX];
	double		flt[FORKFLOOR_ROUNDS_MAX];
	struct sample	m;
	int		i;

	for (i = 0; i < n; i++) {
		cpu[i] = s[i].cpu_us;
		wall[i] = s[i].wall_us;
		flt[i] = s[i].minflt;
	}
	qsort(cpu, (size_t)n, sizeof(double), cmp_double);
	qsort(wall, (size_t)n, sizeof(double), cmp_double);
	qsort(flt, (size_t)n, sizeof(double), cmp_double);
	m.cpu_us = n % 2 ? cpu[n / 2] : (cpu[n / 2 - 1] + cpu[n / 2]) / 2;
	m.wall_us = n % 2 ? wall[n / 2] : (wall[n / 2 - 1] + wall[n / 2]) / 2;
	m.minflt = n % 2 ? flt[n / 2] : (flt[n / 2 - 1] + flt[n / 2]) / 2;
	return m;
}

static void
usage(void)
{
	fprintf(stderr, "usage: forkfloor [-n iterations] [-r rounds] "
	    "[-u uri] app.lua\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sample	 full[FORKFLOOR_ROUNDS_MAX], bare[FORKFLOOR_ROUNDS_MAX];
	struct sample	 mf, mb;
	struct lua_app	*app;
	struct request	*req = NULL;
	struct buf	 resp = BUF_INIT;
	const char	*uri = "/fcgiserve/hello?n=42", *body;
	char		 err[2048];
	double		 c0, w0, f0;
	long		 n = 2000, i;
	int		 rounds = 5, r, ch, status = 0, rc = 1;

	while ((ch = getopt(argc, argv, "n:r:u:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'u':
			uri = optarg;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || n < 1 || rounds < 1 ||
	    rounds > FORKFLOOR_ROUNDS_MAX)
		usage();

	w0 = wall_now_us();
	if ((app = lua_app_load(argv[optind], err, sizeof(err))) == NULL) {
		fprintf(stderr, "forkfloor: %s\n", err);
		return 1;
	}
	printf("load app=%s rss_kb=%ld load_ms=%.1f\n", argv[optind],
	    vmrss_kb(), (wall_now_us() - w0) / 1e3);
	if ((req = make_request(uri)) == NULL) {
		perror("forkfloor: request");
		goto fail;
	}

	/* Check the answer once, and warm the caches. */
	for (i = 0; i < n / 10 + 1; i++)
		if (one_request(app, req, &resp) == -1)
			goto fail;
	body = strstr(resp.data + 4, "\r\n\r\n");
	sscanf(resp.data + 4, "Status: %d", &status);
	printf("response status=%d bytes=%zu body=%.80s\n", status,
	    body != NULL ? resp.len - (size_t)(body + 4 - resp.data) : 0,
	    body != NULL ? body + 4 : "(none)");
	fflush(stdout);

	for (r = 0; r < rounds; r++) {
		f0 = minflt_now();
		c0 = cpu_now_us();
		w0 = wall_now_us();
		for (i = 0; i < n; i++)
			if (one_request(app, req, &resp) == -1)
				goto fail;
		full[r].cpu_us = (cpu_now_us() - c0) / (double)n;
		full[r].wall_us = (wall_now_us() - w0) / (double)n;
		full[r].minflt = (minflt_now() - f0) / (double)n;

		f0 = minflt_now();
		c0 = cpu_now_us();
		w0 = wall_now_us();
		for (i = 0; i < n; i++)
			if (bare_fork() == -1)
				goto fail;
		bare[r].cpu_us = (cpu_now_us() - c0) / (double)n;
		bare[r].wall_us = (wall_now_us() - w0) / (double)n;
		bare[r].minflt = (minflt_now() - f0) / (double)n;
	}
	mf = median(full, rounds);
	mb = median(bare, rounds);
	printf("full n=%ld rounds=%d cpu_us=%.1f wall_us=%.1f minflt=%.0f\n",
	    n, rounds, mf.cpu_us, mf.wall_us, mf.minflt);
	printf("bare n=%ld rounds=%d cpu_us=%.1f wall_us=%.1f minflt=%.0f\n",
	    n, rounds, mb.cpu_us, mb.wall_us, mb.minflt);
	rc = 0;
fail:
	buf_free(&resp);
	request_free(req);
	lua_app_free(app);
	return rc;
}
