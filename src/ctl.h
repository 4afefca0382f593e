/*
 * The control channels: master <-> worker, and worker <-> its zygote
 * (zygote.h).  Messages are a type, an integer and descriptors attached.
 */
#ifndef FCGISERVE_CTL_H
#define FCGISERVE_CTL_H

#include <stdint.h>

#define CTL_MAXFDS	8

enum ctl_type {
	CTL_READY = 1,		/* worker -> master: app loaded, accepting */
	CTL_REOPEN,		/* master -> worker, worker -> zygote: log
				   files, by slot (log.h LOG_FILE_*) */
	CTL_SPARE_ASK,		/* worker -> zygote: fork one spare */
	CTL_SPARE,		/* zygote -> worker: arg its pid (or -errno),
				   its request pipe's write end (slot 0),
				   answer pipe's read end (slot 1) and, for a
				   runner, done pipe's read end (slot 2) */
};

struct ctl_msg {
	uint32_t	 type;
	uint32_t	 slots;		/* bit i set: fds holds slot i */
	int32_t		 arg;
	int		 nfds;
	int		 fds[CTL_MAXFDS];	/* received, in slot order */
};

/*
 * A connected pair, close-on-exec: sv[0] for the master (non-blocking),
 * sv[1] for the worker.  0 or -1.
 */
int	ctl_pair(int sv[2]);
/*
 * Sends type and arg with the descriptors of fds[0..n-1] that are not -1,
 * each in its slot (n <= CTL_MAXFDS).  The caller keeps its descriptors.
 * 0, or -1 with errno (EAGAIN: the peer does not read).
 */
int	ctl_send(int sock, uint32_t type, int32_t arg, const int *fds, int n);
/*
 * Receives one message without blocking: 1, 0 when the peer has closed,
 * -1 with errno (EAGAIN: nothing there).  The caller owns m->fds.
 */
int	ctl_recv(int sock, struct ctl_msg *m);
/* m's descriptors by slot into fds[0..n-1], -1 where none; closes extras. */
void	ctl_unpack(struct ctl_msg *m, int *fds, int n);

#endif
