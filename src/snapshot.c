/*
 * Memory snapshots put back page by page (snapshot.h).
 *
 * Measured here (docs/runners.md): a write to a protected page costs one
 * write-protect fault, 0.6-0.95 us, against 1.6-2.3 us for the
 * copy-on-write fault a fork's child takes; a reset of 20 written pages
 * (scan, copy, protect again) 8-36 us.  Debian 12's kernel headers (6.1)
 * predate PAGEMAP_SCAN and async write protection: their constants are
 * defined here, as the kernel's uapi has them.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "snapshot.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY		1
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED	(1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC		(1 << 15)
#endif
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t	start;
	uint64_t	end;
	uint64_t	categories;
};
struct pm_scan_arg {
	uint64_t	size;
	uint64_t	flags;
	uint64_t	start;
	uint64_t	end;
	uint64_t	walk_end;
	uint64_t	vec;
	uint64_t	vec_len;
	uint64_t	max_pages;
	uint64_t	category_inverted;
	uint64_t	category_mask;
	uint64_t	category_anyof_mask;
	uint64_t	return_mask;
};
#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PM_SCAN_WP_MATCHING	(1 << 0)
#define PM_SCAN_CHECK_WPASYNC	(1 << 1)
#endif

#define SCAN_VEC	256	/* regions per PAGEMAP_SCAN call */

struct snapshot {
	struct snapshot_range	*r;
	size_t			*off;		/* of each range in the view */
	size_t			 n;
	const char		*view;		/* the copy, read-only */
	size_t			 total;
	int			 uffd;
	int			 pagemap;
	struct page_region	 vec[SCAN_VEC];
	struct page_region	*dirty;		/* written, of the last scan */
	size_t			 ndirty, dirty_cap;
};

static size_t	page_size;

static int
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	errno = saved;
	return -1;
}

/* One PAGEMAP_SCAN of [start, end): regions in vec; -1 (errno). */
static long
scan(int pagemap, uint64_t start, uint64_t end, uint64_t flags,
    struct page_region *vec, size_t vec_len, uint64_t max_pages,
    uint64_t *walk_end)
{
	struct pm_scan_arg	a;
	long			n;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = flags;
	a.start = start;
	a.end = end;
	a.vec = (uintptr_t)vec;
	a.vec_len = vec_len;
	a.max_pages = max_pages;
	a.category_mask = PAGE_IS_WRITTEN;
	a.return_mask = PAGE_IS_WRITTEN;
	if ((n = ioctl(pagemap, PAGEMAP_SCAN, &a)) == -1)
		return -1;
	if (walk_end != NULL)
		*walk_end = a.walk_end;
	return n;
}

/* Write-protects [start, end) again: the kernel's fast path, no output. */
static int
protect(int pagemap, uint64_t start, uint64_t end)
{
	return scan(pagemap, start, end, PM_SCAN_WP_MATCHING |
	    PM_SCAN_CHECK_WPASYNC, NULL, 0, 0, NULL) == -1 ? -1 : 0;
}

/* A userfaultfd with async write protection: the fd, or -1 (err). */
static int
uffd_open(char *err, size_t len)
{
	struct uffdio_api	api;
	uint64_t		want = UFFD_FEATURE_WP_ASYNC |
				    UFFD_FEATURE_WP_UNPOPULATED;
	int			fd;

	fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK |
	    UFFD_USER_MODE_ONLY);
	if (fd == -1)
		return fail(err, len, "userfaultfd: %s", strerror(errno));
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	api.features = want;
	if (ioctl(fd, UFFDIO_API, &api) == -1 ||
	    (api.features & want) != want) {
		if (errno == 0)
			errno = EINVAL;
		(void)fail(err, len, "userfaultfd: no asynchronous write "
		    "protection (Linux < 6.7?): %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
uffd_register(int uffd, void *start, size_t len)
{
	struct uffdio_register	reg;

	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)start;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	return ioctl(uffd, UFFDIO_REGISTER, &reg);
}

int
snapshot_probe(char *err, size_t errlen)
{
	struct snapshot_range	 r;
	struct snapshot		*s;
	char			*p;
	size_t			 pg = (size_t)sysconf(_SC_PAGESIZE);
	long			 n;
	int			 rc = -1;

	p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail(err, errlen, "mmap: %s", strerror(errno));
	memset(p, 7, 8 * pg);
	r.start = p;
	r.len = 8 * pg;
	if ((s = snapshot_new(&r, 1, err, errlen)) == NULL)
		goto out;
	p[1 * pg] = 1;
	p[5 * pg + 9] = 2;
	if ((n = snapshot_reset(s, 8)) != 2)
		(void)fail(err, errlen, "PAGEMAP_SCAN: 2 pages written, %ld "
		    "found%s%s", n, n == -1 ? ": " : "", n == -1 ?
		    strerror(errno) : "");
	else if (snapshot_verify(s) != 0)
		(void)fail(err, errlen, "reset: pages differ from the "
		    "snapshot");
	else
		rc = 0;
	snapshot_free(s);
out:
	munmap(p, 8 * pg);
	return rc;
}

/* Copies the ranges into a sealed memfd, mapped read-only: 0 or -1. */
static int
snapshot_copy(struct snapshot *s, char *err, size_t errlen)
{
	size_t	i;
	void	*view;
	int	fd;

	if ((fd = memfd_create("fcgiserve-snapshot", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return fail(err, errlen, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)s->total) == -1) {
		(void)fail(err, errlen, "ftruncate: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < s->n; i++)
		if (pwrite(fd, s->r[i].start, s->r[i].len, (off_t)s->off[i]) !=
		    (ssize_t)s->r[i].len) {
			(void)fail(err, errlen, "copy into the snapshot: %s",
			    strerror(errno));
			goto fail;
		}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) == -1) {
		(void)fail(err, errlen, "seal the snapshot: %s",
		    strerror(errno));
		goto fail;
	}
	view = mmap(NULL, s->total, PROT_READ, MAP_SHARED, fd, 0);
	if (view == MAP_FAILED) {
		(void)fail(err, errlen, "map the snapshot: %s",
		    strerror(errno));
		goto fail;
	}
	s->view = view;
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

struct snapshot *
snapshot_new(const struct snapshot_range *r, size_t n, char *err,
    size_t errlen)
{
	struct snapshot	*s;
	size_t		 i;

	if (page_size == 0)
		page_size = (size_t)sysconf(_SC_PAGESIZE);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->r = calloc(n, sizeof(*s->r))) == NULL ||
	    (s->off = calloc(n, sizeof(*s->off))) == NULL) {
		(void)fail(err, errlen, "out of memory");
		goto fail;
	}
	s->uffd = s->pagemap = -1;
	s->n = n;
	for (i = 0; i < n; i++) {
		s->r[i] = r[i];
		s->off[i] = s->total;
		s->total += r[i].len;
	}
	if ((s->pagemap = open("/proc/self/pagemap", O_RDONLY |
	    O_CLOEXEC)) == -1) {
		(void)fail(err, errlen, "/proc/self/pagemap: %s",
		    strerror(errno));
		goto fail;
	}
	if (snapshot_copy(s, err, errlen) == -1 ||
	    (s->uffd = uffd_open(err, errlen)) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (uffd_register(s->uffd, r[i].start, r[i].len) == -1) {
			(void)fail(err, errlen, "UFFDIO_REGISTER: %s",
			    strerror(errno));
			goto fail;
		}
		if (protect(s->pagemap, (uintptr_t)r[i].start,
		    (uintptr_t)r[i].start + r[i].len) == -1) {
			(void)fail(err, errlen, "PAGEMAP_SCAN: %s", errno ==
			    ENOTTY || errno == EINVAL ? "not supported "
			    "(Linux < 6.7)" : strerror(errno));
			goto fail;
		}
	}
	return s;
fail:
	snapshot_free(s);
	return NULL;
}

/* Lists the pages written in range i into s->dirty: 0, or -1 (errno). */
static int
collect(struct snapshot *s, size_t i, size_t *pages, size_t max_pages)
{
	uint64_t	 start = (uintptr_t)s->r[i].start;
	uint64_t	 end = start + s->r[i].len, walk;
	long		 n, k;
	void		*p;

	while (start < end) {
		n = scan(s->pagemap, start, end, PM_SCAN_CHECK_WPASYNC, s->vec,
		    SCAN_VEC, max_pages - *pages + 1, &walk);
		if (n == -1)
			return -1;
		for (k = 0; k < n; k++) {
			if (s->ndirty == s->dirty_cap) {
				s->dirty_cap = s->dirty_cap ? 2 * s->dirty_cap :
				    SCAN_VEC;
				if ((p = realloc(s->dirty, s->dirty_cap *
				    sizeof(*s->dirty))) == NULL)
					return -1;
				s->dirty = p;
			}
			s->dirty[s->ndirty++] = s->vec[k];
			*pages += (s->vec[k].end - s->vec[k].start) /
			    page_size;
		}
		if (*pages > max_pages) {
			errno = E2BIG;
			return -1;
		}
		if (n < SCAN_VEC || walk <= start)
			break;		/* the walk reached the end */
		start = walk;
	}
	return 0;
}

long
snapshot_reset(struct snapshot *s, size_t max_pages)
{
	const struct page_region	*d;
	size_t				 i, k, pages = 0;
	uint64_t			 base;

	for (i = 0; i < s->n; i++) {
		s->ndirty = 0;
		if (collect(s, i, &pages, max_pages) == -1)
			return -1;
		base = (uintptr_t)s->r[i].start;
		for (k = 0; k < s->ndirty; k++) {
			d = &s->dirty[k];
			memcpy((void *)(uintptr_t)d->start, s->view +
			    s->off[i] + (d->start - base), d->end - d->start);
		}
		if (s->ndirty > 0 && protect(s->pagemap, s->dirty[0].start,
		    s->dirty[s->ndirty - 1].end) == -1)
			return -1;
	}
	return (long)pages;
}

size_t
snapshot_verify(const struct snapshot *s)
{
	const char	*p, *q;
	size_t		 i, o, diff = 0;

	for (i = 0; i < s->n; i++) {
		p = s->r[i].start;
		q = s->view + s->off[i];
		for (o = 0; o < s->r[i].len; o += page_size)
			if (memcmp(p + o, q + o, page_size) != 0)
				diff++;
	}
	return diff;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	if (s->uffd != -1)
		close(s->uffd);		/* unregisters every range */
	if (s->pagemap != -1)
		close(s->pagemap);
	if (s->view != NULL)
		munmap((void *)(uintptr_t)s->view, s->total);
	free(s->dirty);
	free(s->r);
	free(s->off);
	free(s);
}
