/*
 * Memory snapshots that put back exactly the pages written since the
 * last reset (docs/runners.md): the first brick of the runners, which
 * will give each request the template's state without a fork.
 *
 * A snapshot copies ranges of this process's writable private memory
 * into a sealed memfd, registers them with userfaultfd for write
 * protection in async mode (the kernel takes the faults itself: no
 * handler thread), and protects them.  snapshot_reset finds the pages
 * written since (PAGEMAP_SCAN, PAGE_IS_WRITTEN), copies each back from
 * the memfd and protects them again, so what a reset copies follows what
 * was written since the last one, never the union of all writes.
 *
 * Needs Linux 6.7 (PAGEMAP_SCAN, UFFD_FEATURE_WP_ASYNC); no Lua, no
 * libevent.
 */
#ifndef FCGISERVE_SNAPSHOT_H
#define FCGISERVE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct snapshot;

/*
 * AddressSanitizer reserves terabytes of shadow memory as private
 * writable mappings: no whole-process snapshot under it.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SNAPSHOT_UNDER_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SNAPSHOT_UNDER_ASAN	1
#endif
#endif

struct snapshot_range {
	void		*start;		/* page-aligned */
	size_t		 len;		/* a multiple of the page size */
};

/*
 * Whether this kernel and process can snapshot: 0, or -1 with the step
 * that failed and its errno in err (e.g. "userfaultfd: Operation not
 * permitted", "PAGEMAP_SCAN: not supported (Linux < 6.7)").
 */
int		 snapshot_probe(char *err, size_t errlen);
/*
 * Snapshots the ranges (private, writable, not overlapping) as they are
 * now.  NULL on failure, with the reason in err.
 */
struct snapshot	*snapshot_new(const struct snapshot_range *, size_t n,
		    char *err, size_t errlen);
/*
 * Snapshots this whole process: every private writable mapping but the
 * stack (its caller runs on it) and the kernel's pages, the break (a
 * reset shrinks the heap back) and the list of mappings (a reset removes
 * those made since).  Not under AddressSanitizer (its shadow).
 */
struct snapshot	*snapshot_self(char *err, size_t errlen);
/*
 * Puts back every page written since the snapshot or the last reset,
 * and (snapshot_self) removes the mappings made since.  Returns the
 * number of pages copied back; -1 with errno: E2BIG more than max_pages
 * were written, EPERM a range or mapping of the snapshot was unmapped or
 * replaced, others from the kernel.  After -1 the memory may be partly
 * restored: the process must be discarded, not reused.  (A range made
 * read-only is not checked: the copy faults, and the process dies.)
 */
long		 snapshot_reset(struct snapshot *, size_t max_pages);
/*
 * Pages that differ from the snapshot now (reset_verify); the first one's
 * address in *first, if any and first is not NULL.
 */
size_t		 snapshot_verify(const struct snapshot *, void **first);
/* Frees it (the ranges stay as they are, unprotected). */
void		 snapshot_free(struct snapshot *);

#endif
