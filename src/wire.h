/*
 * The spare wire format: how a request travels over a pipe to a child
 * forked before the request arrived (a spare).  Pure: no I/O.
 */
#ifndef FCGISERVE_WIRE_H
#define FCGISERVE_WIRE_H

#include <stddef.h>

#include "buf.h"
#include "request.h"

/*
 * One message carrying a request, with what cgi_derive gave it (rid,
 * path, query).  wire_pack appends it to out: 0, or -1 with errno
 * (EINVAL: req was not derived).  wire_unpack checks msg[0..len) and
 * turns it, in place, into *req whose params, body, rid, path and query
 * point into msg: no allocation, so a child can use it without touching
 * the heap it shares with the worker.  Returns 0, or -1 if the message is
 * malformed.
 */
int		 wire_pack(const struct request *, struct buf *out);
int		 wire_unpack(char *msg, size_t len, struct request *req);
/* The length a packed message announces in its first 4 bytes. */
size_t		 wire_packed_len(const char *msg);

#endif
