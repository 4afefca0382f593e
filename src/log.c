/*
 * The error log: stderr, syslog or a file, one line per message, written
 * with one write(2).  A log file is installed as fd 2, so Lua's
 * io.stderr, print() in children and anything else writing to stderr lands
 * in it too (nginx does the same).  As text (error_log_format = text):
 *   2026-11-21T06:04:34.123Z warn [1234] pool api: rid=abc: message {"k":1}
 * or as one JSON object a line (error_log_format = json):
 *   {"time":"2026-11-21T06:04:34.123Z","level":"warn","pid":1234,
 *    "pool":"api","request_id":"abc","message":"message","fields":{"k":1}}
 * Every call saves and restores errno, so callers can log between a
 * failing call and their own use of errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 log_level = LOG_LVL_INFO;
static int		 log_syslog;
static int		 log_json;		/* error_log_format = json */
static char		 log_path[4096];	/* "" unless logging to a file */
static char		 log_pool[80];
static int		 orig_stderr = -1;	/* the stderr a log file replaced */

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int level_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

static int
open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/*
 * Changes nothing unless it succeeds, so a reload with an error_log that
 * cannot be opened keeps logging where it did.  Going back from a file to
 * stderr or syslog puts back the stderr the process started with.
 */
int
log_open(const char *dest, enum log_level level, int json)
{
	int	fd = -1, to_syslog;

	to_syslog = dest != NULL && strcmp(dest, "syslog") == 0;
	if (dest != NULL && !to_syslog && strcmp(dest, "stderr") != 0 &&
	    (fd = open_file(dest)) == -1)
		return -1;
	if (fd != -1 && orig_stderr == -1 &&
	    (orig_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) == -1) {
		close(fd);
		return -1;
	}
	if (log_syslog && !to_syslog)
		closelog();
	if (fd != -1) {
		if (dup2(fd, STDERR_FILENO) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
		snprintf(log_path, sizeof(log_path), "%s", dest);
	} else {
		log_path[0] = '\0';
		if (orig_stderr != -1) {
			(void)dup2(orig_stderr, STDERR_FILENO);
			close(orig_stderr);
			orig_stderr = -1;
		}
	}
	if (to_syslog && !log_syslog)
		openlog("fcgiserve", LOG_PID, LOG_DAEMON);
	log_syslog = to_syslog;
	log_level = level;
	log_json = json;
	return 0;
}

/* The error log; a pool's access and slow logs are opened per pool (log.h). */
int
log_files_open(int fds[LOG_NFILES])
{
	int	i, rc = 0;

	for (i = 0; i < LOG_NFILES; i++)
		fds[i] = -1;
	if (log_path[0] != '\0' &&
	    (fds[LOG_FILE_ERROR] = open_file(log_path)) == -1)
		rc = -1;
	return rc;
}

void
log_files_install(int fds[LOG_NFILES])
{
	int	i;

	/* The pool's access and slow logs are not ours: see log.h. */
	if (fds[LOG_FILE_ERROR] != -1)
		(void)dup2(fds[LOG_FILE_ERROR], STDERR_FILENO);
	for (i = 0; i < LOG_NFILES; i++)
		if (fds[i] != -1) {
			close(fds[i]);
			fds[i] = -1;
		}
}

void
log_close_saved(void)
{
	if (orig_stderr != -1) {
		close(orig_stderr);
		orig_stderr = -1;
	}
}

void
log_child_init(void)
{
	/*
	 * glibc keeps its syslog socket's fd number; the child is about to
	 * reuse low fds, so let syslog() reconnect on first use instead.
	 */
	if (log_syslog)
		closelog();
}

void
log_set_pool(const char *pool)
{
	snprintf(log_pool, sizeof(log_pool), "%s", pool ? pool : "");
}

int
log_enabled(enum log_level level)
{
	return level <= log_level;
}

/*
 * The length of the valid UTF-8 sequence at p (n bytes left), or 0: no
 * overlong form, no surrogate, nothing above U+10FFFF (RFC 3629).
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (len > n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Appends s as a JSON string to line (cap bytes, *n used): quotes and
 * backslashes escaped, control characters as \u00XX, bytes that are not
 * UTF-8 as U+FFFD, so every line is valid JSON whatever a message holds.
 */
static void
json_str(char *line, size_t cap, size_t *n, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), k;

	if (*n < cap)
		line[(*n)++] = '"';
	while (len > 0 && *n + 8 < cap) {
		if (*p == '"' || *p == '\\') {
			line[(*n)++] = '\\';
			line[(*n)++] = (char)*p;
			k = 1;
		} else if (*p < 0x20) {
			*n += (size_t)snprintf(line + *n, cap - *n, "\\u%04x",
			    *p);
			k = 1;
		} else if ((k = utf8_len(p, len)) == 0) {
			memcpy(line + *n, "\\ufffd", 6);
			*n += 6;
			k = 1;
		} else {
			memcpy(line + *n, p, k);
			*n += k;
		}
		p += k;
		len -= k;
	}
	if (*n < cap)
		line[(*n)++] = '"';
}

/* One line as JSON; fields is a JSON object's text, or NULL. */
static size_t
json_line(char *line, size_t cap, const char *ts, enum log_level level,
    const char *rid, const char *msg, const char *fields)
{
	size_t	n;

	n = (size_t)snprintf(line, cap, "{\"time\":\"%s\",\"level\":\"%s\","
	    "\"pid\":%ld", ts, level_names[level], (long)getpid());
	if (log_pool[0] != '\0' && n < cap) {
		n += (size_t)snprintf(line + n, cap - n, ",\"pool\":");
		json_str(line, cap, &n, log_pool);
	}
	if (rid != NULL && n < cap) {
		n += (size_t)snprintf(line + n, cap - n, ",\"request_id\":");
		json_str(line, cap, &n, rid);
	}
	if (n < cap) {
		n += (size_t)snprintf(line + n, cap - n, ",\"message\":");
		json_str(line, cap, &n, msg);
	}
	if (fields != NULL && n + strlen(fields) + 12 < cap)
		n += (size_t)snprintf(line + n, cap - n, ",\"fields\":%s",
		    fields);
	if (n + 2 > cap)	/* cut: the line must still end as JSON */
		n = cap - 2;
	line[n++] = '}';
	return n;
}

/*
 * Every message ends here.  The message (and the text line) is built
 * first, then written with one write(2) (or syslog(3) call).
 */
static void
log_emit(enum log_level level, const char *rid, const char *fields,
    const char *fmt, va_list ap)
{
	char		 line[8192], msg[8192], ts[40], tbuf[32];
	struct timespec	 now;
	struct tm	 tm;
	int		 saved = errno, m;
	size_t		 n = 0;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%.24s.%03dZ", tbuf,
	    (int)(now.tv_nsec / 1000000));
	if ((m = vsnprintf(msg, sizeof(msg), fmt, ap)) < 0)
		msg[0] = '\0';
	if (log_json)
		n = json_line(line, sizeof(line) - 1, ts, level, rid, msg,
		    fields);
	else {
		if (!log_syslog)
			n = (size_t)snprintf(line, sizeof(line), "%s %s [%ld] ",
			    ts, level_names[level], (long)getpid());
		/* Once, also for a message that names its pool (priv.c). */
		if (log_pool[0] != '\0' && strncmp(fmt, "pool %s: ", 9) != 0)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "pool %s: ", log_pool);
		if (rid != NULL && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "rid=%s: ", rid);
		if (n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s%s",
			    msg, fields != NULL ? " " : "",
			    fields != NULL ? fields : "");
		if (n >= sizeof(line) - 1)
			n = sizeof(line) - 2;
	}
	/* One line per message, whatever the message holds. */
	for (m = 0; (size_t)m < n; m++)
		if (line[m] == '\n')
			line[m] = ' ';
	if (log_syslog)
		syslog(level_prio[level], "%.*s", (int)n, line);
	else {
		line[n++] = '\n';
		(void)!write(STDERR_FILENO, line, n);
	}
	errno = saved;
}

void
log_vmsg(enum log_level level, const char *rid, const char *fmt, va_list ap)
{
	log_emit(level, rid, NULL, fmt, ap);
}

void
log_fields(enum log_level level, const char *rid, const char *fields,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit(level, rid, fields, fmt, ap);
	va_end(ap);
}

void
log_msg(enum log_level level, const char *rid, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, rid, fmt, ap);
	va_end(ap);
}

static void	log_errno(enum log_level, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
log_errno(enum log_level level, const char *fmt, va_list ap)
{
	char	msg[4096];
	int	saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_msg(level, NULL, "%s: %s", msg, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
