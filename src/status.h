/*
 * The status and ping pages of a pool (status_path, ping_path), answered
 * by the worker itself, without forking a child.
 */
#ifndef FCGISERVE_STATUS_H
#define FCGISERVE_STATUS_H

#include "buf.h"
#include "conf.h"
#include "request.h"
#include "stats.h"

enum status_format {
	STATUS_JSON,
	STATUS_OPENMETRICS,	/* ?openmetrics: OpenMetrics 1.0 text */
	STATUS_PROMETHEUS	/* ?prometheus: Prometheus text 0.0.4 */
};

/*
 * If req (derived: cgi_derive) asks for the pool's status_path or
 * ping_path, appends the complete CGI response to out and returns 1;
 * otherwise returns 0.
 * The query string picks the format (json, openmetrics, prometheus) and
 * adds the per-worker lines (full).
 */
/* The worker runs isolation = reset (1) or fork (0), for the status. */
void	status_set_isolation(int runners);
int	status_answer(const struct pool_conf *, const struct request *,
	    struct buf *out);
/* The status page for s, body only: 0 or -1 (ENOMEM). */
int	status_render(const struct pool_conf *, const struct stats_snapshot *,
	    enum status_format, int full, struct buf *out);
/* The Content-Type of each format. */
const char *status_content_type(enum status_format);

#endif
