/*
 * Shared dictionaries (shared_dict = NAME SIZE): key-value stores in
 * shared memory that outlive requests, seen by every worker and request
 * process of a pool.  No Lua, no libevent; lua_shdict.c is the Lua side.
 *
 * The master maps each one before it forks the workers (as the
 * statistics), so every process of the pool inherits it at the same
 * address; a reload keeps a dictionary of the same pool, name and size
 * with its contents.  One robust, process-shared mutex per dictionary: a
 * process killed at any instruction while it holds it (a timeout, a
 * client abort) leaves the next locker EOWNERDEAD, which rebuilds the
 * index from the items that were complete (shdict.c) instead of wiping
 * them.  Items are chains of fixed-size blocks, so a full dictionary
 * always makes room by evicting least recently used items: storing an
 * item never fails for fragmentation, only when it is larger than the
 * whole dictionary.
 */
#ifndef FCGISERVE_SHDICT_H
#define FCGISERVE_SHDICT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct shdict;

enum shdict_type {
	SHDICT_NONE = 0,
	SHDICT_STRING,
	SHDICT_INTEGER,
	SHDICT_NUMBER,
	SHDICT_BOOLEAN
};

struct shdict_value {
	enum shdict_type	 type;
	int64_t			 i;	/* INTEGER; BOOLEAN: 0 or 1 */
	double			 d;	/* NUMBER */
	const char		*s;	/* STRING (in: the bytes to store) */
	size_t			 len;
};

enum shdict_mode {
	SHDICT_SET,		/* store, whether present or not */
	SHDICT_ADD,		/* only if absent: else EEXIST */
	SHDICT_REPLACE		/* only if present: else ENOENT */
};

struct shdict_stats {
	size_t		 capacity;	/* bytes of blocks */
	size_t		 used;		/* bytes of blocks in use */
	uint64_t	 items;
	uint64_t	 hits, misses, evictions, expired, repairs;
};

/* The smallest size a dictionary can have. */
#define SHDICT_MIN_SIZE	(64 * 1024)

/*
 * A new dictionary of size bytes (rounded down to whole pages) in a
 * shared anonymous mapping: NULL on failure (errno).
 */
struct shdict	*shdict_create(const char *name, size_t size);
void		 shdict_destroy(struct shdict *);
const char	*shdict_name(const struct shdict *);
size_t		 shdict_size(const struct shdict *);

/*
 * The value of key, if present and not expired: 1 with *v set (a
 * string's bytes copied into out, v->s pointing there), 0 when absent,
 * -1 on failure (errno: ENOMEM for out).
 */
int	shdict_get(struct shdict *, const char *key, size_t klen,
	    struct shdict_value *v, struct buf *out);
/*
 * Stores key = v (ttl_ms 0: no expiry) as mode says.  *forcible is set
 * to 1 when items not yet expired were evicted to make room.  0, or -1
 * with errno: EEXIST (add), ENOENT (replace), E2BIG (larger than the
 * dictionary), EINVAL (an empty key).
 */
int	shdict_set(struct shdict *, const char *key, size_t klen,
	    const struct shdict_value *v, int64_t ttl_ms, enum shdict_mode,
	    int *forcible);
/*
 * Adds by to the number stored at key, atomically, and stores the sum
 * in *v (an integer plus an integer is an integer, else a number).  An
 * absent key is created from *init with ttl init_ttl_ms when init is
 * not NULL.  0, or -1 with errno: ENOENT (absent, no init), EINVAL (not
 * a number), ERANGE (integer overflow), E2BIG, EINVAL.
 */
int	shdict_incr(struct shdict *, const char *key, size_t klen,
	    const struct shdict_value *by, const struct shdict_value *init,
	    int64_t init_ttl_ms, struct shdict_value *v, int *forcible);
/* 1 deleted, 0 absent. */
int	shdict_delete(struct shdict *, const char *key, size_t klen);
/* 1 with the time left in *ttl_ms (0: none), 0 absent. */
int	shdict_ttl(struct shdict *, const char *key, size_t klen,
	    int64_t *ttl_ms);
/* Sets a present key's time to live (0: none): 1, or 0 absent. */
int	shdict_expire(struct shdict *, const char *key, size_t klen,
	    int64_t ttl_ms);
/*
 * Up to max keys (0: all), most recently used first, each a 4-byte
 * length (host order) and its bytes in out: their number, or -1
 * (ENOMEM).
 */
long	shdict_keys(struct shdict *, size_t max, struct buf *out);
/* Removes every item. */
void	shdict_flush_all(struct shdict *);
/* Bytes of free blocks (what items can still use without evicting). */
size_t	shdict_free_space(struct shdict *);
void	shdict_stats(struct shdict *, struct shdict_stats *);

/*
 * The registry (master; a worker inherits it): the dictionary name of
 * pool, of size bytes, made if there is none of that size (*how says
 * which: kept, created, or resized, its items dropped).  NULL on failure
 * (errno).
 */
enum { SHDICT_KEPT, SHDICT_CREATED, SHDICT_RESIZED };
struct shdict	*shdict_open(const char *pool, const char *name, size_t size,
		    int *how);
/* Unmaps each one wanted() refuses, telling dropped() first. */
void		 shdict_drop_unless(int (*wanted)(const char *pool,
		    const char *name, void *), void *arg,
		    void (*dropped)(const char *pool, const char *name,
		    void *));
/* A worker's pool: shdict_each walks its dictionaries. */
void		 shdict_select(const char *pool);
void		 shdict_each(void (*fn)(struct shdict *, void *), void *arg);

/*
 * For tests: whether the lists and counts agree (0), or -1 with what
 * does not in why.
 */
int	shdict_check(struct shdict *, char *why, size_t len);
/*
 * For tests: the next shdict_set in this process _exits (status 9)
 * after `step` of its steps (1 ..), holding the lock, as a kill would.
 */
void	shdict_test_die_at(int step);

#endif
