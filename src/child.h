/*
 * Everything between fork() and _exit() of a request child.
 */
#ifndef FCGISERVE_CHILD_H
#define FCGISERVE_CHILD_H

#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>

#include "buf.h"

#include "lua_app.h"
#include "request.h"

/*
 * What a request child writes to its answer pipe, in one write where the
 * pipe allows: this head (host order), then len bytes of CGI response.
 * status is what the handler's result chose: the worker need not parse
 * the response for it.
 */
struct child_head {
	uint32_t	len;
	uint32_t	status;
};

/*
 * A streamed answer (fcgiserve.stream{}): a head with len CHILD_STREAM
 * and the status (CHILD_SSE or'ed in for fcgiserve.sse), then frames: a
 * uint32 length (host order) and that many bytes, the first the CGI head,
 * the others body parts as the handler wrote them, and a frame of length
 * 0 at the end.  A frame is written whole (writev), SSE events one each.
 */
#define CHILD_STREAM	UINT32_MAX
#define CHILD_SSE	0x10000u
#define CHILD_STATUS(s)	((int)((s) & 0xffff))

/*
 * Resource limits every later child sets on itself right after fork
 * (0: leave that one alone): RLIMIT_AS bytes, RLIMIT_CPU seconds,
 * RLIMIT_NOFILE.
 */
void	child_set_limits(size_t memory, int cpu_seconds, int open_files);

/*
 * fork(2) with every signal blocked across it, so no worker handler can
 * run in the child before child_run/child_spare reset them; the parent
 * gets its mask back and puts the child in its own process group.
 * Returns as fork does.
 */
pid_t	child_fork(void);

/*
 * Runs in the freshly forked child (signals blocked by the parent around
 * fork): dies with its parent, resets signals, closes every fd but 0-2
 * and outfd, reseeds, runs the handler and writes its answer to outfd
 * (struct child_head, then the CGI response).  Never returns.
 */
void	child_run(struct lua_app *, const struct request *, int outfd,
	    pid_t parent) __attribute__((noreturn));

/*
 * A spare: a child forked before its request exists, prepared and idle.
 * It reads one packed request (wire_pack) from reqfd, answers it on
 * outfd like child_run, and exits; at end of file on reqfd it just exits.
 * Never returns.
 */
void	child_spare(struct lua_app *, int reqfd, int outfd, pid_t parent)
	    __attribute__((noreturn));

/*
 * A runner (runner.c): a spare that serves requests one at a time.
 * After each answer it puts its memory and process state back to the
 * snapshot it took when it became ready, then writes a struct
 * child_done to donefd and reads the next request.  What it cannot put
 * back or verify, or a request that wrote more than a bound, or
 * runner_max_requests: it exits after the answer instead (status 0) and
 * is replaced.  At end of file on reqfd it exits.  Never returns.
 */
void	child_runner(struct lua_app *, int reqfd, int outfd, int donefd,
	    pid_t parent) __attribute__((noreturn));

/* Settings every later runner takes (isolation = reset). */
void	child_runner_setup(int max_requests, int verify);
/*
 * Whether runners can work here (the kernel, the build): a throwaway
 * child snapshots this process, writes, resets and compares.  0, or -1
 * with the step that failed in err.
 */
int	child_runner_probe(char *err, size_t errlen);

/* What a runner reports after each reset, on its done pipe (host order). */
struct child_done {
	uint32_t	pages;		/* memory pages put back */
	uint32_t	differ;		/* reset_verify: pages still differing */
	struct timeval	utime;		/* CPU of the request and its reset */
	struct timeval	stime;
	long		maxrss;		/* KiB: the runner's peak so far */
};

/* For runner.c: the parts of a request child it shares with a spare. */
void	child_prepare(struct lua_app *, int outfd, int reqfd, int donefd,
	    pid_t parent);
/* Reads one packed request from FD_REQ into msg: 1, 0 at end of file, -1. */
int	child_read_request(struct buf *msg, struct request *);
/* Runs the handler and writes its answer to FD_OUT: 0, or -1. */
int	child_answer(struct lua_app *, const struct request *);

#endif
