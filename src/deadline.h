/*
 * How long the code a child runs may still wait: the time the worker
 * gives it before killing it (request_timeout, a job's timeout,
 * after_timeout, the stream timeouts), known in the child so that what
 * it waits for on purpose (fcgiserve.http) gives up first.  Times are
 * CLOCK_MONOTONIC, which is the same clock in every process: a deadline
 * the worker stamps means the same instant in the child.
 */
#ifndef FCGISERVE_DEADLINE_H
#define FCGISERVE_DEADLINE_H

#include <stdint.h>

#include "request.h"

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t	 deadline_now(void);
/* now + ms: a request's deadline_ns as a child takes it (0 if ms is 0
   or REQUEST_NO_LIMIT). */
uint64_t	 deadline_stamp(uint64_t ms);

/*
 * This process's deadline (0: none).  A child sets it as each phase
 * begins: the handler (req->deadline_ns), a stream's head and writes,
 * the answer written (fcgiserve.after).
 */
void		 deadline_set(uint64_t ns);
uint64_t	 deadline_get(void);
/*
 * The next phase has ms from now: REQUEST_NO_LIMIT none, 0 the deadline
 * stays, else now + ms.  Returns the deadline set.
 */
uint64_t	 deadline_phase(uint64_t ms);
/* The earlier of the deadline and now + ms (REQUEST_NO_LIMIT or 0: none),
   from end (0: none), which stays as it was. */
void		 deadline_within(uint64_t end, uint64_t ms);

#endif
