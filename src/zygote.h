/*
 * The zygote: a copy of the template, forked once per worker, that forks
 * spare children or runners on the worker's behalf.  It clones them with
 * CLONE_PARENT, so each spare is the worker's own child (reaped, killed
 * and accounted by the worker as before) while the cost of fork(2) is
 * paid by another process, in parallel with the worker's event loop and
 * without copy-on-write faults in the worker afterwards.
 *
 * They talk over a control channel (ctl.h): the worker sends CTL_SPARE_ASK
 * for each spare it wants and CTL_REOPEN with the log files after
 * SIGUSR1; the zygote answers each ask with CTL_SPARE.
 */
#ifndef FCGISERVE_ZYGOTE_H
#define FCGISERVE_ZYGOTE_H

#include <sys/types.h>

#include "lua_app.h"

/*
 * Forks the zygote, which forks runners (runner != 0) or spares.
 * Returns its pid and stores the worker's end of the socket
 * (close-on-exec, non-blocking) in fd, or -1 (errno set).
 */
pid_t	zygote_start(struct lua_app *, int runner, int *fd);
/* Asks for one spare: 0, or -1 (errno set; EAGAIN: try later). */
int	zygote_ask(int fd);
/*
 * Hands the zygote the reopened error log and slow log (-1: none) for its
 * later spares: 0 or -1.
 */
int	zygote_send_log(int fd, int logfd, int slowfd);
/*
 * Receives one answer: 1 with *pid and the fds (non-blocking) of a new
 * spare or runner (done_fd: -1 for a spare), or *pid == -1 and errno
 * when the zygote could not fork; 0 when nothing is waiting; -1 when the
 * zygote is gone.
 */
int	zygote_recv(int fd, pid_t *pid, int *req_fd, int *out_fd,
	    int *done_fd);

#endif
