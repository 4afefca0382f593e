/*
 * Periodic jobs (fcgiserve.every): each run once per interval per pool,
 * never overlapping itself, in a fresh copy of the app (every.c).
 */
#ifndef FCGISERVE_EVERY_H
#define FCGISERVE_EVERY_H

struct worker;

/* Schedules the app's jobs on w's loop: 0, or -1 (errno). */
int	every_init(struct worker *w);
/* No more runs (the worker stops); those running finish. */
void	every_stop(void);

#endif
