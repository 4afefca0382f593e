/*
 * The error log.  One line per message:
 *   2026-11-21T06:04:34.123Z warn [1234] pool api: rid=abc: message
 * Functions save and restore errno.  log_warn appends strerror(errno).
 */
#ifndef FCGISERVE_LOG_H
#define FCGISERVE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* dest: "stderr", "syslog" or a file path (opened for append). */
int	log_open(const char *dest, enum log_level);
int	log_reopen(void);		/* SIGUSR1: reopen a log file */
void	log_child_init(void);		/* in a request child, before fds move */
void	log_set_pool(const char *);	/* context printed on every line */
int	log_enabled(enum log_level);

void	log_msg(enum log_level, const char *rid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	log_vmsg(enum log_level, const char *rid, const char *fmt, va_list)
	    __attribute__((format(printf, 3, 0)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
