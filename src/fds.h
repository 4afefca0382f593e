/*
 * The descriptor layout of the worker's helper processes, the zygote and
 * request children (runners, spares and forked children), in one place: each
 * number's meaning, and the one function that lays them out.  0 is
 * /dev/null (children), 1 and 2 the error log.
 */
#ifndef FCGISERVE_FDS_H
#define FCGISERVE_FDS_H

#define FD_CTL		3	/* zygote: its control socket to the worker */
#define FD_OUT		3	/* child: the pipe its answer goes to */
#define FD_REQ		4	/* spare: the pipe its request comes from */
#define FD_SLOWLOG	5	/* both: the pool's slow log file, if any */
#define FD_DONE		6	/* runner: its reports to the worker */
#define FD_SANDBOX	7	/* both: the pool's Landlock ruleset, if any;
				   a child closes it entering the sandbox */
#define FD_NSLOTS	5	/* FD_OUT (or FD_CTL) .. FD_SANDBOX */
#define FD_FIRST_FREE	(FD_OUT + FD_NSLOTS)

/*
 * Puts want[i] (or nothing, for -1) at descriptor FD_OUT + i,
 * close-on-exec, and closes every other descriptor from FD_OUT up.  Any
 * of want may already sit at any slot: each is first copied out of the
 * way.  Returns 0, or -1 (errno set).
 */
int	fds_layout(const int want[FD_NSLOTS]);

/* Closes every descriptor from lowfd up (close_range where there is one). */
void	fds_close_from(int lowfd);
/* Closes descriptors first to last, both included. */
void	fds_close_range(int first, int last);

#endif
