/*
 * A growable byte buffer for code that must not depend on libevent
 * (codecs, the child's response).
 */
#ifndef FCGISERVE_BUF_H
#define FCGISERVE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated when non-NULL */
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT	{ NULL, 0, 0 }

int	buf_add(struct buf *, const void *, size_t);	/* 0 or -1 (ENOMEM) */
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_reserve(struct buf *, size_t more);
void	buf_reset(struct buf *);			/* len = 0, keeps memory */
void	buf_free(struct buf *);
/*
 * The allocator behind every buf (default realloc; realloc(p, 0) frees).
 * A request child switches to its arena before making any buf.
 */
void	buf_set_realloc(void *(*)(void *, size_t));

#endif
