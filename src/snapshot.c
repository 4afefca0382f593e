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
#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>		/* glibc >= 2.35: __rseq_offset, __rseq_size */
#define HAVE_RSEQ_AREA	1
#endif
#endif

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
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PM_SCAN_WP_MATCHING	(1 << 0)
#define PM_SCAN_CHECK_WPASYNC	(1 << 1)
#endif

#define SCAN_VEC	256	/* regions per PAGEMAP_SCAN call */
#define MAPS_MAX	(256 * 1024)	/* /proc/self/maps, read at once */
#define MAPS_SLACK	16	/* mappings snapshot_self itself adds */
#define RANGE_MAX	(64ULL << 30)	/* a sanitizer's shadow, not a heap */

/*
 * Kept in a mapping of its own, outside every range it restores: a reset
 * of the whole process (snapshot_self) must not copy its own state back
 * from under itself.  The arrays follow the struct in that mapping.
 */
struct snapshot {
	size_t			 size;		/* of this mapping */
	struct snapshot_range	*r;
	size_t			*off;		/* of each range in the view */
	unsigned char		*sparse;	/* anonymous: copy what is
						   present, holes read 0 */
	size_t			 n;
	const char		*view;		/* the copy, read-only */
	size_t			 total;
	int			 uffd;
	int			 pagemap;
	/* snapshot_self: the whole process */
	uintptr_t		 brk;		/* the break */
	struct snapshot_range	*maps;		/* every mapping, by address */
	size_t			 nmaps, maxmaps;
	uintptr_t		 stack;		/* [stack]'s end: it may grow */
	char			*maps_buf;	/* MAPS_MAX, shared */
	int			 statm;		/* /proc/self/statm */
	unsigned long		 vmsize;	/* pages, as statm said */
	/*
	 * The thread's rseq area: the kernel's to write (the CPU it runs
	 * on), at any time.  Never put back, never compared.
	 */
	uintptr_t		 rseq;
	size_t			 rseq_len;
	struct page_region	 vec[SCAN_VEC];
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
	else if (snapshot_verify(s, NULL) != 0)
		(void)fail(err, errlen, "reset: pages differ from the "
		    "snapshot");
	else
		rc = 0;
	snapshot_free(s);
out:
	munmap(p, 8 * pg);
	return rc;
}

/* pwrite(2) of all len bytes (a write stops at 2 GiB): 0, or -1. */
static int
write_at(int fd, const char *p, size_t len, size_t off)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = pwrite(fd, p, len, (off_t)off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		off += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Copies range i into fd at its offset: all of it, or for a sparse range
 * only its present pages (the rest reads as zero from the memfd's holes,
 * as it did from the untouched anonymous pages): 0, or -1.
 */
static int
copy_range(struct snapshot *s, int fd, size_t i)
{
	const struct page_region	*d;
	uint64_t			 base = (uintptr_t)s->r[i].start;
	uint64_t			 start = base, end = base + s->r[i].len;
	struct pm_scan_arg		 a;
	long				 n, k;

	if (!s->sparse[i])
		return write_at(fd, s->r[i].start, s->r[i].len, s->off[i]);
	while (start < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.start = start;
		a.end = end;
		a.vec = (uintptr_t)s->vec;
		a.vec_len = SCAN_VEC;
		a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		a.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		if ((n = ioctl(s->pagemap, PAGEMAP_SCAN, &a)) == -1)
			return -1;
		for (k = 0; k < n; k++) {
			d = &s->vec[k];
			if (write_at(fd, (const char *)(uintptr_t)d->start,
			    d->end - d->start, s->off[i] + (d->start - base)) ==
			    -1)
				return -1;
		}
		if (n < SCAN_VEC || a.walk_end <= start)
			break;
		start = a.walk_end;
	}
	return 0;
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
		if (copy_range(s, fd, i) == -1) {
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

static int	snapshot_start(struct snapshot *, char *, size_t);

/*
 * A snapshot's own mapping, room for n ranges and nmaps mappings: NULL
 * (errno).
 */
static struct snapshot *
snapshot_alloc(size_t n, size_t nmaps)
{
	struct snapshot	*s;
	size_t		 size;
	void		*p;

	if (page_size == 0)
		page_size = (size_t)sysconf(_SC_PAGESIZE);
	size = sizeof(*s) + (n + nmaps) * sizeof(*s->r) +
	    n * (sizeof(*s->off) + 1);
	size = (size + page_size - 1) & ~(page_size - 1);
	/* Shared: never merged with, nor taken for, private memory. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	s = p;
	s->size = size;
	s->r = (struct snapshot_range *)(void *)(s + 1);
	s->maps = s->r + n;
	s->off = (size_t *)(void *)(s->maps + nmaps);
	s->sparse = (unsigned char *)(s->off + n);
	s->maxmaps = nmaps;
	s->uffd = s->pagemap = s->statm = -1;
	return s;
}

struct snapshot *
snapshot_new(const struct snapshot_range *r, size_t n, char *err,
    size_t errlen)
{
	struct snapshot	*s;
	size_t		 i;

	if ((s = snapshot_alloc(n, 0)) == NULL) {
		(void)fail(err, errlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	s->n = n;
	for (i = 0; i < n; i++)
		s->r[i] = r[i];
	if (snapshot_start(s, err, errlen) == -1) {
		snapshot_free(s);
		return NULL;
	}
	return s;
}

/* Copies, registers and protects s's ranges: 0, or -1 (err). */
static int
snapshot_start(struct snapshot *s, char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		s->off[i] = s->total;
		s->total += s->r[i].len;
	}
	if ((s->pagemap = open("/proc/self/pagemap", O_RDONLY |
	    O_CLOEXEC)) == -1)
		return fail(err, errlen, "/proc/self/pagemap: %s",
		    strerror(errno));
	/* The descriptor first: where there is none (valgrind knows no
	   userfaultfd), nothing is copied. */
	if ((s->uffd = uffd_open(err, errlen)) == -1 ||
	    snapshot_copy(s, err, errlen) == -1)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (uffd_register(s->uffd, s->r[i].start, s->r[i].len) == -1)
			return fail(err, errlen, "UFFDIO_REGISTER: %s",
			    strerror(errno));
		if (protect(s->pagemap, (uintptr_t)s->r[i].start,
		    (uintptr_t)s->r[i].start + s->r[i].len) == -1)
			return fail(err, errlen, "PAGEMAP_SCAN: %s", errno ==
			    ENOTTY || errno == EINVAL ? "not supported "
			    "(Linux < 6.7)" : strerror(errno));
	}
	return 0;
}

/* A /proc/self/maps line's range, permissions, inode and name: 1, or 0. */
static int
maps_line(const char *line, uintptr_t *start, uintptr_t *end, char perms[5],
    unsigned long *inode, const char **name)
{
	unsigned long	a, b;
	int		at = 0;

	if (sscanf(line, "%lx-%lx %4s %*s %*s %lu%n", &a, &b, perms, inode,
	    &at) < 4 || at == 0)
		return 0;
	while (line[at] == ' ')		/* not past the line's end */
		at++;
	*start = a;
	*end = b;
	*name = line + at;
	return 1;
}

/*
 * Whether a /proc/self/maps line is memory a request may write and a
 * reset must put back: private and writable, not the stack (the caller
 * runs on it) nor the kernel's pages.  *anon: no file behind it.
 */
static int
restorable(const char *line, uintptr_t *start, uintptr_t *end, int *anon)
{
	const char	*name;
	unsigned long	 inode;
	char		 perms[5];

	if (!maps_line(line, start, end, perms, &inode, &name) ||
	    strcmp(perms, "rw-p") != 0)
		return 0;
	if ((strncmp(name, "[stack", 6) == 0 ||
	    strncmp(name, "[vvar", 5) == 0 ||
	    strncmp(name, "[vdso", 5) == 0 ||
	    strncmp(name, "[vsyscall", 9) == 0 ||
	    strncmp(name, "[uprobes", 8) == 0))
		return 0;
	*anon = inode == 0;
	return 1;
}

/* Reads /proc/self/maps into buf (MAPS_MAX): its length, or -1 (err). */
static ssize_t
maps_read(char *buf, char *err, size_t errlen)
{
	size_t	len = 0;
	ssize_t	got;
	int	fd;

	if ((fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)) == -1)
		return fail(err, errlen, "/proc/self/maps: %s",
		    strerror(errno));
	while (len < MAPS_MAX - 1 && (got = read(fd, buf + len,
	    MAPS_MAX - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	if (len == MAPS_MAX - 1) {	/* the rest would go unseen */
		errno = E2BIG;
		return fail(err, errlen, "/proc/self/maps: over %d KiB",
		    MAPS_MAX / 1024);
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* VmSize in pages, from the open /proc/self/statm: 0 when unreadable. */
static unsigned long
vmsize(int fd)
{
	char	buf[128];
	ssize_t	n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	return strtoul(buf, NULL, 10);
}

/* Records every mapping as it is now, and VmSize: 0, or -1 (err). */
static int
maps_record(struct snapshot *s, char *err, size_t errlen)
{
	char		*line, *nl, perms[5];
	const char	*name;
	unsigned long	 inode;
	uintptr_t	 a, b;

	if (maps_read(s->maps_buf, err, errlen) == -1)
		return -1;
	s->nmaps = 0;
	for (line = s->maps_buf; (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		if (!maps_line(line, &a, &b, perms, &inode, &name))
			continue;
		if (strncmp(name, "[stack", 6) == 0) {
			s->stack = b;
			continue;	/* it grows: never compared */
		}
		if (s->nmaps == s->maxmaps)
			return fail(err, errlen, "/proc/self/maps: %zu "
			    "mappings, more than expected", s->nmaps + 1);
		s->maps[s->nmaps].start = (void *)a;
		s->maps[s->nmaps].len = b - a;
		s->nmaps++;
	}
	s->vmsize = vmsize(s->statm);
	return 0;
}

struct snapshot *
snapshot_self(char *err, size_t errlen)
{
	struct snapshot	*s = NULL;
	char		*buf, *line, *nl;
	size_t		 n = 0, lines = 0;
	uintptr_t	 a, b;
	int		 anon;

#ifdef SNAPSHOT_UNDER_ASAN
	(void)fail(err, errlen, "not in a build with -fsanitize=address");
	return NULL;
#endif
	/*
	 * Read into a shared mapping, as s is: a private one could be merged
	 * with a neighbour (the TLS block, say), and leaving it out would
	 * leave the neighbour out too.  It stays, for snapshot_reset.
	 */
	buf = mmap(NULL, MAPS_MAX, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		(void)fail(err, errlen, "mmap: %s", strerror(errno));
		return NULL;
	}
	if (maps_read(buf, err, errlen) == -1)
		goto fail;
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		lines++;
		if (!restorable(line, &a, &b, &anon))
			continue;
		if (b - a > RANGE_MAX) {
			(void)fail(err, errlen, "a writable mapping of %lu GiB "
			    "(a sanitizer's shadow?)",
			    (unsigned long)((b - a) >> 30));
			goto fail;
		}
		n++;
	}
	if ((s = snapshot_alloc(n, lines + MAPS_SLACK)) == NULL) {
		(void)fail(err, errlen, "mmap: %s", strerror(errno));
		goto fail;
	}
	s->maps_buf = buf;
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		if (!restorable(line, &a, &b, &anon))
			continue;
		else if (s->n > 0 && (uintptr_t)s->r[s->n - 1].start +
		    s->r[s->n - 1].len == a && s->sparse[s->n - 1] == anon)
			s->r[s->n - 1].len += b - a;	/* one scan for both */
		else {
			s->r[s->n].start = (void *)a;
			s->r[s->n].len = b - a;
			s->sparse[s->n] = (unsigned char)anon;
			s->n++;
		}
	s->brk = (uintptr_t)syscall(SYS_brk, 0);
#ifdef HAVE_RSEQ_AREA
	/*
	 * glibc registers 32 bytes (and says 20 in __rseq_size); newer
	 * kernels write node_id and mm_cid beyond the 20: keep all 32.
	 */
	if (__rseq_size > 0 && __rseq_size <= 64) {
		s->rseq = (uintptr_t)__builtin_thread_pointer() +
		    (uintptr_t)__rseq_offset;
		s->rseq_len = __rseq_size < 32 ? 32 : __rseq_size;
	}
#endif
	if ((s->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) ==
	    -1) {
		(void)fail(err, errlen, "/proc/self/statm: %s",
		    strerror(errno));
		goto fail_s;
	}
	if (snapshot_start(s, err, errlen) == -1 ||
	    maps_record(s, err, errlen) == -1)
		goto fail_s;
	return s;
fail_s:
	snapshot_free(s);
	return NULL;
fail:
	munmap(buf, MAPS_MAX);
	return NULL;
}

/* The recorded mapping that overlaps [a, b): its index, or -1. */
static long
maps_find(const struct snapshot *s, uintptr_t a, uintptr_t b)
{
	size_t		lo = 0, hi = s->nmaps, mid;
	uintptr_t	ms, me;

	while (lo < hi) {	/* recorded by address, as the kernel lists */
		mid = (lo + hi) / 2;
		ms = (uintptr_t)s->maps[mid].start;
		me = ms + s->maps[mid].len;
		if (me <= a)
			lo = mid + 1;
		else if (ms >= b)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

/*
 * The size of the mappings changed since the snapshot (statm says so):
 * removes each mapping made since, and fails with EPERM when one of the
 * snapshot's is gone or changed.  0, or -1.
 */
static int
maps_restore(struct snapshot *s)
{
	char		*line, *nl, perms[5];
	const char	*name;
	unsigned long	 inode;
	uintptr_t	 a, b;
	size_t		 seen = 0;
	long		 i;

	if (maps_read(s->maps_buf, NULL, 0) == -1)
		return -1;
	for (line = s->maps_buf; (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		if (!maps_line(line, &a, &b, perms, &inode, &name) ||
		    strncmp(name, "[stack", 6) == 0)
			continue;
		if ((i = maps_find(s, a, b)) == -1) {
			if (munmap((void *)a, b - a) == -1)
				return -1;
			continue;	/* made by the request */
		}
		if ((uintptr_t)s->maps[i].start != a ||
		    s->maps[i].len != b - a) {
			errno = EPERM;
			return -1;
		}
		seen++;
	}
	if (seen != s->nmaps) {
		errno = EPERM;
		return -1;
	}
	s->vmsize = vmsize(s->statm);
	return 0;
}

/* Copies [start, end) back from src, but the rseq area. */
static void
copy_back(const struct snapshot *s, uint64_t start, uint64_t end,
    const char *src)
{
	char	keep[64];

	if (s->rseq_len == 0 || s->rseq < start || s->rseq >= end) {
		memcpy((void *)(uintptr_t)start, src, end - start);
		return;
	}
	memcpy(keep, (void *)s->rseq, s->rseq_len);
	memcpy((void *)(uintptr_t)start, src, end - start);
	memcpy((void *)s->rseq, keep, s->rseq_len);
}

/*
 * Copies back the pages written in range i, a scan's worth at a time,
 * and protects them again: 0, or -1 (errno; E2BIG past max_pages).
 */
static int
reset_range(struct snapshot *s, size_t i, size_t *pages, size_t max_pages)
{
	const struct page_region	*d;
	uint64_t			 base = (uintptr_t)s->r[i].start;
	uint64_t			 start = base, end = base + s->r[i].len;
	uint64_t			 walk, lo = 0, hi = 0;
	long				 n, k;

	while (start < end) {
		n = scan(s->pagemap, start, end, PM_SCAN_CHECK_WPASYNC, s->vec,
		    SCAN_VEC, max_pages - *pages + 1, &walk);
		if (n == -1)
			return -1;
		for (k = 0; k < n; k++) {
			d = &s->vec[k];
			*pages += (d->end - d->start) / page_size;
			if (*pages > max_pages) {
				errno = E2BIG;
				return -1;
			}
			copy_back(s, d->start, d->end, s->view + s->off[i] +
			    (d->start - base));
			if (lo == 0)
				lo = d->start;
			hi = d->end;
		}
		if (n < SCAN_VEC || walk <= start)
			break;		/* the walk reached the end */
		start = walk;
	}
	return lo == 0 ? 0 : protect(s->pagemap, lo, hi);
}

long
snapshot_reset(struct snapshot *s, size_t max_pages)
{
	uintptr_t	cur;
	size_t		i, pages = 0;

	/* The heap's growth is a mapping of its own, never registered. */
	if (s->brk != 0 && (cur = (uintptr_t)syscall(SYS_brk, 0)) != s->brk &&
	    (cur < s->brk || (uintptr_t)syscall(SYS_brk, s->brk) != s->brk)) {
		errno = EPERM;
		return -1;
	}
	/* Mappings made, grown or removed: one read of statm says so. */
	if (s->statm != -1 && vmsize(s->statm) != s->vmsize &&
	    maps_restore(s) == -1)
		return -1;
	for (i = 0; i < s->n; i++) {
		/* Unmapped, in part: the scan would just skip the hole. */
		if (msync(s->r[i].start, s->r[i].len, MS_ASYNC) == -1) {
			errno = EPERM;
			return -1;
		}
		if (reset_range(s, i, &pages, max_pages) == -1)
			return -1;
	}
	return (long)pages;
}

/* Whether the page at p differs from its copy q, the rseq area aside. */
static int
page_differs(const struct snapshot *s, const char *p, const char *q)
{
	size_t	at;

	if (s->rseq_len == 0 || s->rseq < (uintptr_t)p ||
	    s->rseq >= (uintptr_t)p + page_size)
		return memcmp(p, q, page_size) != 0;
	at = s->rseq - (uintptr_t)p;
	return memcmp(p, q, at) != 0 || memcmp(p + at + s->rseq_len,
	    q + at + s->rseq_len, page_size - at - s->rseq_len) != 0;
}

size_t
snapshot_verify(const struct snapshot *s, void **first)
{
	const char	*p, *q;
	size_t		 i, o, diff = 0;

	for (i = 0; i < s->n; i++) {
		p = s->r[i].start;
		q = s->view + s->off[i];
		for (o = 0; o < s->r[i].len; o += page_size)
			if (page_differs(s, p + o, q + o) && diff++ == 0 &&
			    first != NULL)
				*first = (void *)(uintptr_t)(p + o);
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
	if (s->statm != -1)
		close(s->statm);
	if (s->maps_buf != NULL)
		munmap(s->maps_buf, MAPS_MAX);
	if (s->view != NULL)
		munmap((void *)(uintptr_t)s->view, s->total);
	munmap(s, s->size);
}
