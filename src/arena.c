/*
 * The request child's allocator: bump allocation from a few geometrically
 * growing regions, with per-size free lists so a long handler reuses what
 * its garbage collector frees.  Blocks are not headed: Lua passes the old
 * size on free and realloc.  A block that is not in any region belongs to
 * the template (glibc's heap); freeing it is a no-op, growing it copies.
 * Single-threaded, like the child.
 */
#include <sys/mman.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"

#define ALIGN		16
#define SMALL_MAX	1024			/* 16-byte classes up to here */
#define NSMALL		(SMALL_MAX / ALIGN)
#define NLARGE		32			/* power-of-two classes above */
#define REGION_MIN	(1UL << 20)
#define REGION_GROWTH_MAX (64UL << 20)
#define MAX_REGIONS	64

struct region {
	char	*base;
	size_t	 size;
};

struct freeblock {
	struct freeblock	*next;
};

static struct region	 regions[MAX_REGIONS];
static int		 nregions;
static char		*cur, *end;		/* bump range of the last region */
static struct freeblock	*small_free[NSMALL + 1];
static struct freeblock	*large_free[NLARGE];

/* The size class of n and the size every block of that class has. */
static size_t
class_size(size_t n, struct freeblock ***list)
{
	size_t	size;
	int	k;

	if (n <= SMALL_MAX) {
		size = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
		*list = &small_free[size / ALIGN];
		return size;
	}
	for (k = 11, size = 2048; size < n && k < 11 + NLARGE - 1; k++)
		size <<= 1;
	if (size < n)
		return 0;
	*list = &large_free[k - 11];
	return size;
}

static int
owned(const void *p)
{
	const char	*c = p;
	int		 i;

	for (i = nregions - 1; i >= 0; i--)
		if (c >= regions[i].base && c < regions[i].base + regions[i].size)
			return 1;
	return 0;
}

static int
region_add(size_t need)
{
	size_t	size;
	void	*p;

	if (nregions == MAX_REGIONS)
		return -1;
	size = nregions == 0 ? REGION_MIN : regions[nregions - 1].size * 2;
	if (size > REGION_GROWTH_MAX)
		size = REGION_GROWTH_MAX;
	if (size < need)
		size = need;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	regions[nregions].base = p;
	regions[nregions].size = size;
	nregions++;
	cur = p;
	end = cur + size;
	return 0;
}

static void *
block_alloc(size_t n)
{
	struct freeblock	**list, *b;
	size_t			  size;
	void			 *p;

	if ((size = class_size(n, &list)) == 0)
		return NULL;
	if ((b = *list) != NULL) {
		*list = b->next;
		return b;
	}
	if ((size_t)(end - cur) < size && region_add(size) == -1)
		return NULL;
	p = cur;
	cur += size;
	return p;
}

static void
block_free(void *p, size_t n)
{
	struct freeblock	**list, *b = p;

	if (p == NULL || !owned(p) || class_size(n, &list) == 0)
		return;
	b->next = *list;
	*list = b;
}

void *
arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct freeblock	**list;
	void			 *p;

	(void)ud;
	if (nsize == 0) {
		block_free(ptr, osize);
		return NULL;
	}
	if (ptr == NULL)
		return block_alloc(nsize);
	/* Same class: the block already has room. */
	if (owned(ptr) && class_size(osize, &list) == class_size(nsize, &list))
		return ptr;
	if ((p = block_alloc(nsize)) == NULL)
		return NULL;
	memcpy(p, ptr, osize < nsize ? osize : nsize);
	block_free(ptr, osize);
	return p;
}

void *
arena_malloc(size_t n)
{
	size_t	*p;

	if (n > SIZE_MAX - ALIGN || (p = block_alloc(n + ALIGN)) == NULL)
		return NULL;
	*p = n + ALIGN;
	return (char *)p + ALIGN;
}

void
arena_free(void *p)
{
	size_t	*h;

	if (p == NULL)
		return;
	h = (size_t *)((char *)p - ALIGN);
	block_free(h, *h);
}

void *
arena_realloc(void *p, size_t n)
{
	size_t	 have;
	void	*q;

	if (p == NULL)
		return arena_malloc(n);
	if (n == 0) {
		arena_free(p);
		return NULL;
	}
	have = *(size_t *)((char *)p - ALIGN) - ALIGN;
	if (n <= have)
		return p;
	if ((q = arena_malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, have);
	arena_free(p);
	return q;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#define HUGE_SIZE	(2UL << 20)
#define HEAP_MAX	(1UL << 30)

/*
 * Fork copies a page-table entry for every resident page of the template;
 * a template holding 64 MiB of Lua data costs ~16k entries per request.
 * On huge pages that is ~32.  A child that writes to one has the kernel
 * split it and copy only the 4 KiB page written.  Mappings smaller than a
 * huge page are left alone, so a small app costs no extra memory.
 */
void
arena_template_settle(void)
{
	FILE		*f;
	char		 line[512], perms[8];
	unsigned long	 lo, hi, start, stop;
	int		 n;

	malloc_trim(0);
#if defined(__SANITIZE_ADDRESS__)
	return;		/* ASan owns the heap's layout */
#endif
	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		n = 0;
		/*
		 * Private anonymous read-write mappings (the heaps) only: no
		 * name, or [heap].  The format's last space skips the newline
		 * too, so an unnamed mapping leaves n at the end of the line.
		 */
		if (sscanf(line, "%lx-%lx %7s %*s %*s 0 %n", &lo, &hi, perms,
		    &n) != 3 || n == 0 || strcmp(perms, "rw-p") != 0 ||
		    (line[n] != '\0' && strncmp(line + n, "[heap]", 6) != 0))
			continue;
		start = (lo + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
		stop = hi & ~(HUGE_SIZE - 1);
		/* Not a heap: reservations such as a sanitizer's shadow. */
		if (stop <= start || stop - start > HEAP_MAX)
			continue;
		(void)madvise((void *)start, stop - start, MADV_HUGEPAGE);
		(void)madvise((void *)start, stop - start, MADV_COLLAPSE);
	}
	fclose(f);
}
