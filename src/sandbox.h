/*
 * A pool's sandbox (sandbox = on | required): what a request process may
 * do, confined once, when a runner or spare is made and before it takes
 * its first request: no new privileges, a Landlock ruleset (files read
 * and written, TCP ports, signals) and a seccomp filter that refuses what
 * a request never needs, with EPERM.
 *
 * The worker prepares it once per pool after the app is loaded (the
 * ruleset names the directories package.path and package.cpath use); each
 * request process enters it with three system calls.  The worker, the
 * zygote and the master stay unconfined: they bind, fork and read
 * configurations.
 */
#ifndef FCGISERVE_SANDBOX_H
#define FCGISERVE_SANDBOX_H

#include "conf.h"

/*
 * Before the app is loaded: remembers the pool's sandbox settings (the
 * Lua wrappers of lua_sandbox.c read them while the app loads).
 */
void	sandbox_configure(const struct pool_conf *);

/*
 * After the app is loaded, in the worker (and for -t): probes the kernel,
 * builds the ruleset and the filter, logs what the sandbox will hold and
 * what this kernel lacks, and sets no_new_privs on the worker itself.
 * lpath and cpath are the app's package.path and package.cpath; report:
 * what it holds at info level (else debug).  Returns 0, or -1 (logged)
 * when something is missing and sandbox = required, or when the ruleset
 * cannot be built.
 */
int	sandbox_prepare(const struct pool_conf *, const char *lpath,
	    const char *cpath, int report);

/* The prepared ruleset's descriptor, for the descriptor layout; -1. */
int	sandbox_fd(void);
/* The ruleset now sits at fd (fds_layout moved it). */
void	sandbox_renumber(int fd);

/*
 * In a request process, before its first request: enters the sandbox
 * (when on; no_new_privs is the worker's, inherited) and closes the
 * ruleset.  Returns 0, or -1 (logged): the process must not serve.
 */
int	sandbox_enter(void);

/* The sandbox is on in this process (configured; entered in children). */
int	sandbox_on(void);
/* Programs may be run (sandbox off, or sandbox_exec = yes). */
int	sandbox_exec_allowed(void);

/*
 * After a request: logs each system call the filter refused during it,
 * once, with the request id, and forgets them.
 */
void	sandbox_report(const char *rid);

#endif
