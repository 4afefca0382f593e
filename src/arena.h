/*
 * The request child's allocator.
 *
 * After fork, glibc's malloc state is the template's: the first malloc of
 * a child can walk and rewrite thousands of free chunks scattered over the
 * template's heap (each one a page copied on write), and freeing a
 * template object writes into its chunk.  In the child, Lua and jansson
 * allocate from fresh pages instead, and frees of template memory are
 * ignored: the child is about to exit anyway.
 */
#ifndef FCGISERVE_ARENA_H
#define FCGISERVE_ARENA_H

#include <stddef.h>

/*
 * In the template, before the first fork: returns free heap pages to the
 * kernel and backs the heap with transparent huge pages where the kernel
 * allows, so fork copies one entry per 2 MiB instead of 512.
 */
void	 arena_template_settle(void);

/* A lua_Alloc: fresh pages for new blocks, template blocks never written. */
void	*arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* malloc/free for json_set_alloc_funcs (a size header per block). */
void	*arena_malloc(size_t);
void	 arena_free(void *);
/* realloc for buf_set_realloc; n == 0 frees and returns NULL. */
void	*arena_realloc(void *, size_t);

#endif
