/*
 * The access log: one line per request, in one write(2) to a file opened
 * with O_APPEND, so the lines of every worker of a pool interleave whole.
 *
 *   json      {"time":"2026-11-21T06:04:34.123Z","pool":"api",
 *             "request_id":"...","remote_addr":"127.0.0.1","method":"GET",
 *             "path":"/hello/x","query":"a=1","status":200,"body_bytes":27,
 *             "duration_ms":0.412,"child_pid":1234,"child_cpu_ms":0.8,
 *             "child_max_rss_kb":3120}
 *   combined  NCSA combined (what nginx and Apache write), then key=value
 *             fields: 127.0.0.1 - - [21/Nov/2026:06:04:34 +0000]
 *             "GET /hello/x?a=1 HTTP/1.1" 200 27 "-" "curl/8.0" pool=api
 *             rid=... duration_ms=0.412 pid=1234 cpu_ms=0.800
 *             max_rss_kb=3120
 *
 * Strings come from the client: JSON gets valid UTF-8 (invalid bytes
 * become U+FFFD), combined escapes '"', '\' and non-printable bytes as
 * \xHH, as nginx does.  Fields without a child are null or "-".
 */
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "accesslog.h"
#include "json.h"
#include "log.h"

static int	 alog_fd = -1;
static int	 alog_owned;		/* alog_fd is our file, not stderr */
static enum conf_access_format alog_format;
static const char *alog_pool = "";
static struct buf alog_line;		/* reused for every line */

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int
accesslog_open(const struct pool_conf *p)
{
	int	fd;

	alog_format = p->access_format;
	alog_pool = p->name;
	if (p->access_log == NULL)
		return 0;
	if (strcmp(p->access_log, "stderr") == 0) {
		accesslog_set_fd(STDERR_FILENO);
		return 0;
	}
	if ((fd = open_file(p->access_log)) == -1)
		return -1;
	accesslog_set_fd(fd);
	return 0;
}

int
accesslog_file_open(const struct pool_conf *p)
{
	if (p->access_log == NULL || strcmp(p->access_log, "stderr") == 0)
		return -1;
	return open_file(p->access_log);
}

void
accesslog_set_fd(int fd)
{
	if (alog_owned && alog_fd != -1 && alog_fd != fd)
		close(alog_fd);
	alog_fd = fd;
	alog_owned = fd != STDERR_FILENO;
}

int
accesslog_enabled(void)
{
	return alog_fd != -1;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned long	c;
	size_t		len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of s, invalid UTF-8 replaced; NULL only on ENOMEM. */
static json_t *
json_text(const char *s)
{
	struct buf		 b = BUF_INIT;
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n = strlen(s), i, k;
	json_t			*j;

	if ((j = json_stringn(s, n)) != NULL)
		return j;
	for (i = 0; i < n; i += k) {
		if ((k = utf8_len(u + i, n - i)) == 0) {
			k = 1;
			if (buf_add(&b, "\xef\xbf\xbd", 3) == -1)
				goto fail;
		} else if (buf_add(&b, s + i, k) == -1)
			goto fail;
	}
	j = json_stringn(b.data != NULL ? b.data : "", b.len);
fail:
	buf_free(&b);
	return j;
}

static void
set_text(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v != NULL ? json_text(v) : json_null());
}

static double
ms(uint64_t us)
{
	return (double)us / 1000.0;
}

static uint64_t
cpu_us(const struct rusage *ru)
{
	return (uint64_t)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec);
}

static int
format_json(const char *pool, const struct accesslog_entry *e,
    struct buf *out)
{
	struct tm	 tm;
	json_t		*o;
	char		 ts[40];
	int		 rc;

	gmtime_r(&e->time.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ",
	    e->time.tv_nsec / 1000000);
	if ((o = json_object()) == NULL)
		return -1;
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "pool", json_text(pool));
	set_text(o, "request_id", e->req->rid);
	set_text(o, "remote_addr", request_param(e->req, "REMOTE_ADDR"));
	set_text(o, "method", request_param(e->req, "REQUEST_METHOD"));
	set_text(o, "path", e->req->path);
	set_text(o, "query", e->req->query);
	json_object_set_new(o, "status", json_integer(e->status));
	json_object_set_new(o, "body_bytes", json_integer(
	    (json_int_t)e->body_bytes));
	json_object_set_new(o, "duration_ms", json_real(ms(e->duration_us)));
	json_object_set_new(o, "child_pid", e->pid > 0 ?
	    json_integer(e->pid) : json_null());
	json_object_set_new(o, "child_cpu_ms", e->ru != NULL ?
	    json_real(ms(cpu_us(e->ru))) : json_null());
	json_object_set_new(o, "child_max_rss_kb", e->ru != NULL ?
	    json_integer(e->ru->ru_maxrss) : json_null());
	/* Shortest round-trip floats: 1.25 ms prints as 1.25. */
	rc = json_encode(o, out) == -1 || buf_add(out, "\n", 1) == -1 ? -1 : 0;
	json_decref(o);
	return rc;
}

/* v, or "-" when NULL or empty, with '"', '\' and non-printables as \xHH. */
static int
add_escaped(struct buf *out, const char *v)
{
	const unsigned char	*p;

	if (v == NULL || *v == '\0')
		return buf_add(out, "-", 1);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
			if (buf_printf(out, "\\x%02X", *p) == -1)
				return -1;
		} else if (buf_add(out, p, 1) == -1)
			return -1;
	}
	return 0;
}

static int
format_combined(const char *pool, const struct accesslog_entry *e,
    struct buf *out)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const struct request	*r = e->req;
	const char		*uri, *proto, *query;
	struct tm		 tm;
	int			 rc = 0;

	gmtime_r(&e->time.tv_sec, &tm);
	rc |= add_escaped(out, request_param(r, "REMOTE_ADDR"));
	rc |= buf_adds(out, " - ");
	rc |= add_escaped(out, request_param(r, "REMOTE_USER"));
	rc |= buf_printf(out, " [%02d/%s/%04d:%02d:%02d:%02d +0000] \"",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	rc |= add_escaped(out, request_param(r, "REQUEST_METHOD"));
	rc |= buf_add(out, " ", 1);
	if ((uri = request_param(r, "REQUEST_URI")) != NULL && *uri != '\0')
		rc |= add_escaped(out, uri);
	else {
		rc |= add_escaped(out, r->path);
		if (*(query = r->query) != '\0') {
			rc |= buf_add(out, "?", 1);
			rc |= add_escaped(out, query);
		}
	}
	if ((proto = request_param(r, "SERVER_PROTOCOL")) != NULL &&
	    *proto != '\0') {
		rc |= buf_add(out, " ", 1);
		rc |= add_escaped(out, proto);
	}
	rc |= buf_printf(out, "\" %d %zu \"", e->status, e->body_bytes);
	rc |= add_escaped(out, request_param(r, "HTTP_REFERER"));
	rc |= buf_adds(out, "\" \"");
	rc |= add_escaped(out, request_param(r, "HTTP_USER_AGENT"));
	rc |= buf_adds(out, "\" pool=");
	rc |= add_escaped(out, pool);
	rc |= buf_adds(out, " rid=");
	rc |= add_escaped(out, r->rid);
	rc |= buf_printf(out, " duration_ms=%.3f", ms(e->duration_us));
	if (e->pid > 0)
		rc |= buf_printf(out, " pid=%ld", (long)e->pid);
	else
		rc |= buf_adds(out, " pid=-");
	if (e->ru != NULL)
		rc |= buf_printf(out, " cpu_ms=%.3f max_rss_kb=%ld\n",
		    ms(cpu_us(e->ru)), e->ru->ru_maxrss);
	else
		rc |= buf_adds(out, " cpu_ms=- max_rss_kb=-\n");
	return rc != 0 ? -1 : 0;
}

int
accesslog_format(enum conf_access_format f, const char *pool,
    const struct accesslog_entry *e, struct buf *out)
{
	if (e->req->path == NULL)
		return -1;
	return f == CONF_ACCESS_COMBINED ? format_combined(pool, e, out) :
	    format_json(pool, e, out);
}

void
accesslog_write(const struct accesslog_entry *e)
{
	ssize_t	n;

	if (alog_fd == -1)
		return;
	buf_reset(&alog_line);
	if (accesslog_format(alog_format, alog_pool, e, &alog_line) == -1) {
		log_msg(LOG_LVL_WARN, e->req->rid, "access log: out of memory");
		return;
	}
	do
		n = write(alog_fd, alog_line.data, alog_line.len);
	while (n == -1 && errno == EINTR);
	if (alog_line.cap > 64 * 1024)
		buf_free(&alog_line);	/* do not keep a huge line around */
}
