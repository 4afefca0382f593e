/*
 * The error log.  One line per message, text or JSON (log.c):
 *   2026-11-21T06:04:34.123Z warn [1234] pool api: rid=abc: message
 * Functions save and restore errno.  log_warn appends strerror(errno).
 */
#ifndef FCGISERVE_LOG_H
#define FCGISERVE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/*
 * dest: "stderr", "syslog" or a file path (opened for append, installed
 * as fd 2); json: one JSON object a line (error_log_format = json).  Also
 * on a reload; on failure nothing changes.
 */
int	log_open(const char *dest, enum log_level, int json);
void	log_close_saved(void);		/* in a worker: drop the saved stderr */

/*
 * The files SIGUSR1 reopens.  A worker that dropped privileges may not be
 * allowed to open them, so the master opens them (log_files_open) and
 * passes the descriptors over the control channel (ctl.h); the worker
 * installs them in place of the old ones (log_files_install).  The error
 * log is the process's; a pool's access and slow logs are opened by the
 * master per pool (accesslog_file_open, slowlog_file_open) and handed to
 * the worker's accesslog_set_fd and slowlog_set_fd.
 */
enum log_file { LOG_FILE_ERROR, LOG_FILE_ACCESS, LOG_FILE_SLOW, LOG_NFILES };
/* Opens the error log anew, -1 in the other slots; -1 if that failed. */
int	log_files_open(int fds[LOG_NFILES]);
/* Puts the error log's fd in place as fd 2, closes every fd given. */
void	log_files_install(int fds[LOG_NFILES]);
void	log_child_init(void);		/* in a request child, before fds move */
void	log_set_pool(const char *);	/* context printed on every line */
int	log_enabled(enum log_level);

void	log_msg(enum log_level, const char *rid, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	log_vmsg(enum log_level, const char *rid, const char *fmt, va_list)
	    __attribute__((format(printf, 3, 0)));
/* With fields: a JSON object's text (the "fields" of a JSON line, appended
   to a text one), or NULL. */
void	log_fields(enum log_level, const char *rid, const char *fields,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
