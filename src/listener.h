/*
 * The listening sockets, kept open across reloads.
 */
#ifndef FCGISERVE_LISTENER_H
#define FCGISERVE_LISTENER_H

#include "conf.h"

/*
 * Makes sure every pool of conf has its socket: one already open on the
 * same listen address is kept (same descriptor: nothing queued on it is
 * lost), the others are opened.  On failure (logged) closes what it
 * opened and returns -1; the sockets in use are untouched.
 */
int	listener_prepare(const struct conf *);
/* Undoes listener_prepare: closes (and unlinks) what it opened. */
void	listener_abort(void);
/*
 * conf is now the configuration: its sockets get its listen_mode,
 * owner, group and backlog (kept ones too), and are logged.
 */
void	listener_commit(const struct conf *);
/* The descriptor of a listen address; -1 if not open. */
int	listener_fd(const char *listen);
/*
 * Closes the sockets the configuration of the last commit does not use,
 * and removes their unix socket files: once the workers that accepted on
 * them have been told to stop.
 */
void	listener_close_unused(void);
/* Stop: closes every socket; their files stay until listener_cleanup. */
void	listener_close_all(void);
/* Removes the unix socket files this process created, and only those. */
void	listener_cleanup(void);
/* In a new worker: closes every listening socket but keep_fd. */
void	listener_close_except(int keep_fd);

#endif
