/*
 * The fake child source of the process core's unit tests (fakechild.c).
 */
#ifndef FAKECHILD_H
#define FAKECHILD_H

#include <sys/wait.h>

#include <event2/event.h>

#include "request.h"

/* A GET /t request whose child does action (NULL: answer). */
struct request	*fake_request(const char *action);
/* Runs base until done(arg), for at most ms: whether it came. */
int		 fake_run_until(struct event_base *, int (*done)(void *),
		    void *arg, int ms);
/* Whether this process has no child left, not even a zombie. */
int		 fake_no_children(void);

#endif
