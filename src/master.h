/*
 * The master process: sockets, workers, signals.
 */
#ifndef FCGISERVE_MASTER_H
#define FCGISERVE_MASTER_H

#include "conf.h"

/*
 * Runs until stopped; returns the process exit status.  Takes conf (and
 * frees it): on SIGHUP it reloads conf->path.
 */
int	master_run(struct conf *);
/*
 * Loads every pool's app in a throwaway child process and reports errors
 * to the log.  Returns 0 when all load.
 */
int	master_test_apps(const struct conf *);

#endif
