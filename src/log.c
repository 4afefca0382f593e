/*
 * The error log: stderr, syslog or a file, one line per message.
 * A log file is installed as fd 2, so Lua's io.stderr, print() in children
 * and anything else writing to stderr lands in it too (nginx does the same).
 *   2026-11-21T06:04:34.123Z warn [1234] pool api: rid=abc: message
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
log_open(const char *dest, enum log_level level)
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

void
log_vmsg(enum log_level level, const char *rid, const char *fmt, va_list ap)
{
	char		 line[8192], ts[32];
	struct timespec	 now;
	struct tm	 tm;
	int		 saved = errno, n, m;

	if (level > log_level)
		return;
	n = 0;
	if (!log_syslog) {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s [%ld] ", ts,
		    now.tv_nsec / 1000000, level_names[level], (long)getpid());
	}
	/* Once, also for a message that names its pool itself (priv.c). */
	if (log_pool[0] != '\0' && strncmp(fmt, "pool %s: ", 9) != 0)
		n += snprintf(line + n, sizeof(line) - n, "pool %s: ", log_pool);
	if (rid != NULL && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, "rid=%s: ", rid);
	if ((size_t)n < sizeof(line)) {
		m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	/* One line per message, whatever the message holds. */
	for (m = 0; m < n; m++)
		if (line[m] == '\n' && m != n - 1)
			line[m] = ' ';
	if (log_syslog)
		syslog(level_prio[level], "%.*s", n, line);
	else {
		line[n++] = '\n';
		(void)!write(STDERR_FILENO, line, n);
	}
	errno = saved;
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
