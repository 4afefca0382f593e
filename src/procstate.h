/*
 * The process state besides memory that a runner puts back after each
 * request (docs/runners.md): processes it started, descriptors, signal
 * dispositions, pending signals and mask, interval timers, working
 * directory, umask and resource limits.  What cannot be put back -- a
 * second thread, a descriptor of the snapshot replaced, a hard limit
 * lowered -- is reported, and the runner is then discarded.  No Lua, no
 * libevent; memory is snapshot.c's.
 */
#ifndef FCGISERVE_PROCSTATE_H
#define FCGISERVE_PROCSTATE_H

struct procstate;

/*
 * A place for the state, in a mapping of its own (outside every range a
 * memory snapshot puts back): NULL on failure (errno set).
 */
struct procstate	*procstate_new(void);
/*
 * Records the state as it is now, to be restored: descriptors from
 * keep_below (at most 64) up are the request's (closed at restore),
 * those below are the process's own (checked).  Makes the process a
 * subreaper, so what a request starts comes back to it.  0, or -1
 * (errno set; then only procstate_free).
 */
int			 procstate_capture(struct procstate *, int keep_below);
/*
 * Puts the recorded state back but the signal mask (call with every
 * signal blocked; pending ones are dropped).  Returns 0, or -1 with why
 * set to what could not be restored ("2 threads", "descriptor 3
 * replaced", ...): discard the process.
 */
int			 procstate_restore(struct procstate *,
			    const char **why);
/*
 * Then the mask, last: a runner puts its memory back in between, since
 * the system calls of a restore write (errno, at least).
 */
void			 procstate_restore_mask(const struct procstate *);
void			 procstate_free(struct procstate *);

#endif
