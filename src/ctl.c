/*
 * The control channel between the master and each worker: a unix
 * SOCK_SEQPACKET socketpair per worker, so each message arrives whole or
 * not at all.  A message is a type and a set of descriptors in numbered
 * slots (SCM_RIGHTS).  The master uses it to hand workers that run as an
 * unprivileged user the log files it reopened as root (SIGUSR1); a worker
 * uses it to say it has loaded its app and is accepting, which is when a
 * reload retires the old workers.  A worker and its zygote use the same
 * messages to ask for spares and hand them over (zygote.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

struct ctl_wire {
	uint32_t	type;
	uint32_t	slots;
	int32_t		arg;
};

int
ctl_pair(int sv[2])
{
	int	fl;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	/* The master never waits on a worker that does not read. */
	if ((fl = fcntl(sv[0], F_GETFL)) == -1 ||
	    fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	return 0;
}

int
ctl_send(int sock, uint32_t type, int32_t arg, const int *fds, int n)
{
	struct ctl_wire	 wire = { type, 0, arg };
	struct msghdr	 msg;
	struct iovec	 iov = { &wire, sizeof(wire) };
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * CTL_MAXFDS)];
	} cbuf;
	struct cmsghdr	*cm;
	int		 i, nfds = 0, out[CTL_MAXFDS];
	ssize_t		 r;

	if (n > CTL_MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (fds[i] != -1) {
			wire.slots |= 1U << i;
			out[nfds++] = fds[i];
		}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), out, sizeof(int) * nfds);
	}
	while ((r = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) == -1 &&
	    errno == EINTR)
		;
	return r == -1 ? -1 : 0;
}

int
ctl_recv(int sock, struct ctl_msg *m)
{
	struct ctl_wire	 wire;
	struct msghdr	 msg;
	struct iovec	 iov = { &wire, sizeof(wire) };
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * CTL_MAXFDS)];
	} cbuf;
	struct cmsghdr	*cm;
	ssize_t		 r;
	int		 n;

	memset(m, 0, sizeof(*m));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	while ((r = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) ==
	    -1 && errno == EINTR)
		;
	if (r <= 0)
		return (int)r;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n > CTL_MAXFDS - m->nfds)
			n = CTL_MAXFDS - m->nfds;
		memcpy(m->fds + m->nfds, CMSG_DATA(cm), sizeof(int) * n);
		m->nfds += n;
	}
	if ((size_t)r != sizeof(wire) || (msg.msg_flags & MSG_CTRUNC)) {
		/* Not one of ours: drop it whole. */
		while (m->nfds > 0)
			close(m->fds[--m->nfds]);
		errno = EPROTO;
		return -1;
	}
	m->type = wire.type;
	m->slots = wire.slots;
	m->arg = wire.arg;
	return 1;
}

void
ctl_unpack(struct ctl_msg *m, int *fds, int n)
{
	int	i, k = 0;

	for (i = 0; i < n; i++)
		fds[i] = (m->slots & (1U << i)) && k < m->nfds ?
		    m->fds[k++] : -1;
	while (k < m->nfds)
		close(m->fds[k++]);
	m->nfds = 0;
}
