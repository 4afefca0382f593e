/*
 * The child's deadline (deadline.h): one value per process, since a child
 * runs one request at a time.  A runner's reset puts it back with the rest
 * of its memory; the next request sets it again before its handler runs.
 */
#include <stdint.h>
#include <time.h>

#include "deadline.h"
#include "request.h"

static uint64_t	deadline_ns;	/* CLOCK_MONOTONIC; 0: none */

uint64_t
deadline_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
deadline_stamp(uint64_t ms)
{
	if (ms == 0 || ms == REQUEST_NO_LIMIT || ms > UINT64_MAX / 2000000u)
		return 0;
	return deadline_now() + ms * 1000000u;
}

void
deadline_set(uint64_t ns)
{
	deadline_ns = ns;
}

uint64_t
deadline_get(void)
{
	return deadline_ns;
}

uint64_t
deadline_phase(uint64_t ms)
{
	if (ms == REQUEST_NO_LIMIT)
		deadline_ns = 0;
	else if (ms > 0)
		deadline_ns = deadline_stamp(ms);
	return deadline_ns;
}

void
deadline_within(uint64_t end, uint64_t ms)
{
	uint64_t	ns = deadline_stamp(ms);

	deadline_ns = ns != 0 && (end == 0 || ns < end) ? ns : end;
}
