/*
 * Shared dictionaries (shdict.h).
 *
 * One mapping: a header, the hash buckets, then blocks of 64 bytes.  An
 * item is a chain of blocks: a head (its metadata, and a number's value
 * in one aligned 8-byte word) and continuation blocks holding the key
 * and a string's bytes.  Free blocks are a list; a store that finds too
 * few evicts from the tail of the LRU list until there are enough, so it
 * only fails for an item larger than the dictionary.
 *
 * Crash safety.  Every change is made under the dictionary's robust
 * mutex, in an order that leaves something a rebuild can trust at every
 * instruction: an item counts only once its head says "committed", which
 * is set after its blocks are written and cleared before it is unlinked
 * and its blocks freed.  A process killed while it holds the lock makes
 * the next locker get EOWNERDEAD; it then rebuilds the buckets, the LRU
 * list (by each item's last-use stamp) and the free list from the
 * committed items whose chains are whole, and frees every other block.
 * An increment of a number of the same kind is one 8-byte store, so it
 * is either done or not.  What a kill can lose is the one item being
 * written (a set or add that had not returned), never the rest.
 */
#include <sys/mman.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "shdict.h"

#define BLOCK		64
#define CONT_DATA	56
#define KEY_MAX		65535
#define MAGIC		0x73686431u

enum { BLK_FREE = 0, BLK_HEAD, BLK_CONT };

struct head {
	uint32_t	next;		/* first continuation block; 0 none */
	uint8_t		kind;		/* as in struct cont ... */
	uint8_t		mark;		/* ... rebuild: part of a kept item */
	uint8_t		type;		/* enum shdict_type */
	uint8_t		committed;
	uint32_t	hnext;		/* bucket chain */
	uint32_t	prev, lnext;	/* LRU list, head most recent */
	uint32_t	hash;
	uint32_t	klen;
	uint32_t	vlen;		/* a string's bytes; 0 otherwise */
	uint32_t	nblocks;	/* with this one */
	int64_t		expire_ms;	/* CLOCK_MONOTONIC; 0: never */
	uint64_t	stamp;		/* last use */
	union {
		int64_t	i;
		double	d;
	}		num;
};

struct cont {
	uint32_t	next;
	uint8_t		kind;
	uint8_t		mark;
	uint8_t		pad[2];
	char		data[CONT_DATA];
};

union block {
	struct head	h;
	struct cont	c;
};

_Static_assert(sizeof(union block) == BLOCK, "a block is 64 bytes");

struct shdict {
	uint32_t	magic;
	char		name[64];
	size_t		size;		/* of the mapping */
	pthread_mutex_t	mu;
	uint64_t	seed;
	uint32_t	nbuckets;	/* a power of 2 */
	uint32_t	nblocks;	/* block 0 is never used: 0 is "none" */
	uint32_t	free_head, nfree;	/* nfree: the list's and
						   those from fresh on */
	uint32_t	fresh;		/* blocks from here on never used:
					   untouched pages, on no list */
	uint32_t	lru_head, lru_tail;
	uint32_t	nitems;
	uint64_t	clock;
	uint64_t	hits, misses, evictions, expired, repairs;
	size_t		buckets_off, blocks_off;
};

static int	die_step;

void
shdict_test_die_at(int step)
{
	die_step = step;
}

static void
step(int n)
{
	if (die_step == n)
		_exit(9);
}

static uint32_t *
buckets(struct shdict *d)
{
	return (uint32_t *)(void *)((char *)d + d->buckets_off);
}

static union block *
B(struct shdict *d, uint32_t i)
{
	return (union block *)(void *)((char *)d + d->blocks_off) + i;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A seeded 64-bit mix of the key (keys may come from clients). */
static uint32_t
hash(uint64_t seed, const char *key, size_t len)
{
	uint64_t	h = seed ^ (len * 0x9e3779b97f4a7c15ULL), w;

	while (len >= 8) {
		memcpy(&w, key, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		key += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, key, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdULL;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t
blocks_for(size_t klen, size_t vlen)
{
	return 1 + (uint32_t)((klen + vlen + CONT_DATA - 1) / CONT_DATA);
}

/* ---------------------------------------------------------------- create */

struct shdict *
shdict_create(const char *name, size_t size)
{
	pthread_mutexattr_t	 a;
	struct shdict		*d;
	size_t			 pg = (size_t)sysconf(_SC_PAGESIZE), room;
	uint32_t		 n, nb;

	size &= ~(pg - 1);
	if (size < SHDICT_MIN_SIZE || size / BLOCK > UINT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	d = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (d == MAP_FAILED)
		return NULL;
	d->magic = MAGIC;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->size = size;
	if (getrandom(&d->seed, sizeof(d->seed), 0) != sizeof(d->seed))
		d->seed = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	/* Items take two blocks or more: a bucket per four blocks. */
	room = size - ((sizeof(*d) + BLOCK - 1) & ~(size_t)(BLOCK - 1));
	for (nb = 1; (size_t)nb * 2 * 4 <= room / BLOCK; nb <<= 1)
		;
	d->nbuckets = nb;
	d->buckets_off = sizeof(*d);
	d->blocks_off = (d->buckets_off + nb * sizeof(uint32_t) + BLOCK - 1) &
	    ~(size_t)(BLOCK - 1);
	n = (uint32_t)((size - d->blocks_off) / BLOCK);
	d->nblocks = n;
	d->fresh = 1;		/* a page is touched once an item needs it */
	d->nfree = n - 1;
	if (pthread_mutexattr_init(&a) != 0 ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&d->mu, &a) != 0) {
		munmap(d, size);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutexattr_destroy(&a);
	return d;
}

void
shdict_destroy(struct shdict *d)
{
	if (d != NULL)
		munmap(d, d->size);
}

const char *
shdict_name(const struct shdict *d)
{
	return d->name;
}

size_t
shdict_size(const struct shdict *d)
{
	return d->size;
}

/* ---------------------------------------------------------------- items */

static int
key_equal(struct shdict *d, uint32_t i, const char *key, size_t klen)
{
	const struct head	*h = &B(d, i)->h;
	uint32_t		 j = h->next;
	size_t			 n;

	while (klen > 0 && j != 0) {
		n = klen < CONT_DATA ? klen : CONT_DATA;
		if (memcmp(B(d, j)->c.data, key, n) != 0)
			return 0;
		key += n;
		klen -= n;
		j = B(d, j)->c.next;
	}
	return klen == 0;
}

static uint32_t
find(struct shdict *d, const char *key, size_t klen, uint32_t hv)
{
	uint32_t	i;

	for (i = buckets(d)[hv & (d->nbuckets - 1)]; i != 0;
	    i = B(d, i)->h.hnext)
		if (B(d, i)->h.hash == hv && B(d, i)->h.klen == klen &&
		    key_equal(d, i, key, klen))
			return i;
	return 0;
}

static void
lru_unlink(struct shdict *d, uint32_t i)
{
	struct head	*h = &B(d, i)->h;

	if (h->prev != 0)
		B(d, h->prev)->h.lnext = h->lnext;
	else
		d->lru_head = h->lnext;
	if (h->lnext != 0)
		B(d, h->lnext)->h.prev = h->prev;
	else
		d->lru_tail = h->prev;
	h->prev = h->lnext = 0;
}

static void
lru_push(struct shdict *d, uint32_t i)
{
	struct head	*h = &B(d, i)->h;

	h->prev = 0;
	h->lnext = d->lru_head;
	if (d->lru_head != 0)
		B(d, d->lru_head)->h.prev = i;
	d->lru_head = i;
	if (d->lru_tail == 0)
		d->lru_tail = i;
}

static void
touch(struct shdict *d, uint32_t i)
{
	B(d, i)->h.stamp = ++d->clock;
	if (d->lru_head != i) {
		lru_unlink(d, i);
		lru_push(d, i);
	}
}

static void
bucket_link(struct shdict *d, uint32_t i)
{
	uint32_t	*b = &buckets(d)[B(d, i)->h.hash & (d->nbuckets - 1)];

	B(d, i)->h.hnext = *b;
	*b = i;
}

static void
bucket_unlink(struct shdict *d, uint32_t i)
{
	uint32_t	*p = &buckets(d)[B(d, i)->h.hash & (d->nbuckets - 1)];

	while (*p != 0 && *p != i)
		p = &B(d, *p)->h.hnext;
	if (*p == i)
		*p = B(d, i)->h.hnext;
}

/* Uncommitted first: from then on a rebuild drops it. */
static void
item_remove(struct shdict *d, uint32_t i)
{
	uint32_t	j, next;

	B(d, i)->h.committed = 0;
	bucket_unlink(d, i);
	lru_unlink(d, i);
	d->nitems--;
	for (j = i; j != 0; j = next) {
		next = B(d, j)->c.next;
		B(d, j)->c.kind = BLK_FREE;
		B(d, j)->c.next = d->free_head;
		d->free_head = j;
		d->nfree++;
	}
}

static int
expired(const struct head *h, int64_t now)
{
	return h->expire_ms != 0 && h->expire_ms <= now;
}

/* The live item of key, an expired one removed on the way: or 0. */
static uint32_t
lookup(struct shdict *d, const char *key, size_t klen, uint32_t hv,
    int64_t now)
{
	uint32_t	i = find(d, key, klen, hv);

	if (i != 0 && expired(&B(d, i)->h, now)) {
		item_remove(d, i);
		d->expired++;
		i = 0;
	}
	return i;
}

/* Evicts from the LRU tail until n blocks are free: 0, or -1. */
static int
make_room(struct shdict *d, uint32_t n, int64_t now, int *forcible)
{
	uint32_t	t;

	while (d->nfree < n) {
		if ((t = d->lru_tail) == 0)
			return -1;
		if (expired(&B(d, t)->h, now))
			d->expired++;
		else {
			d->evictions++;
			*forcible = 1;
		}
		item_remove(d, t);
	}
	return 0;
}

/*
 * A new, uncommitted item of n blocks with key and a string value (or
 * none) written, its metadata but the number set; from the free list,
 * which has n.
 */
static uint32_t
item_new(struct shdict *d, uint32_t n, uint32_t hv, const char *key,
    size_t klen, const char *val, size_t vlen, int64_t expire)
{
	struct head	*h;
	struct cont	*c;
	uint32_t	 first = 0, prev = 0, j, k, at = 0, len;
	const char	*src;

	for (k = 0; k < n; k++) {
		if ((j = d->free_head) != 0)
			d->free_head = B(d, j)->c.next;
		else
			j = d->fresh++;
		c = &B(d, j)->c;
		c->kind = k == 0 ? BLK_HEAD : BLK_CONT;
		c->mark = 0;
		c->next = 0;
		if (prev != 0)
			B(d, prev)->c.next = j;
		else
			first = j;
		prev = j;
	}
	d->nfree -= n;
	h = &B(d, first)->h;
	h->committed = 0;
	h->hash = hv;
	h->klen = (uint32_t)klen;
	h->vlen = (uint32_t)vlen;
	h->nblocks = n;
	h->expire_ms = expire;
	h->hnext = h->prev = h->lnext = 0;
	/* key, then value, across the continuation blocks */
	for (j = h->next; j != 0; j = B(d, j)->c.next) {
		c = &B(d, j)->c;
		for (len = 0; len < CONT_DATA && at < klen + vlen; len++, at++) {
			src = at < klen ? key + at : val + (at - klen);
			c->data[len] = *src;
		}
	}
	return first;
}

/* Counts it: committed, in its bucket, most recently used. */
static void
item_commit(struct shdict *d, uint32_t i)
{
	B(d, i)->h.committed = 1;
	B(d, i)->h.stamp = ++d->clock;
	bucket_link(d, i);
	lru_push(d, i);
	d->nitems++;
}

static void
value_of(struct shdict *d, uint32_t i, struct shdict_value *v)
{
	const struct head	*h = &B(d, i)->h;

	memset(v, 0, sizeof(*v));
	v->type = (enum shdict_type)h->type;
	if (v->type == SHDICT_NUMBER)
		v->d = h->num.d;
	else
		v->i = h->num.i;
}

/* ---------------------------------------------------------------- locking */

static void	rebuild(struct shdict *);

static void
lock(struct shdict *d)
{
	int	r = pthread_mutex_lock(&d->mu);

	if (r == EOWNERDEAD) {
		/* Its holder died inside: trust only what is whole. */
		rebuild(d);
		(void)pthread_mutex_consistent(&d->mu);
	}
}

static void
unlock(struct shdict *d)
{
	(void)pthread_mutex_unlock(&d->mu);
}

/* ---------------------------------------------------------------- api */

static int
fail(struct shdict *d, int e)
{
	unlock(d);
	errno = e;
	return -1;
}

int
shdict_get(struct shdict *d, const char *key, size_t klen,
    struct shdict_value *v, struct buf *out)
{
	uint32_t	i, j, hv = hash(d->seed, key, klen);
	size_t		at = 0, n, skip;
	const struct head *h;

	lock(d);
	if ((i = lookup(d, key, klen, hv, now_ms())) == 0) {
		d->misses++;
		unlock(d);
		return 0;
	}
	d->hits++;
	touch(d, i);
	value_of(d, i, v);
	h = &B(d, i)->h;
	if (v->type == SHDICT_STRING) {
		buf_reset(out);
		if (buf_reserve(out, h->vlen) == -1)
			return fail(d, ENOMEM);
		/* Past the key: its bytes come first in the chain. */
		for (j = h->next; j != 0 && out->len < h->vlen;
		    j = B(d, j)->c.next, at += CONT_DATA) {
			skip = at < h->klen ? h->klen - at : 0;
			if (skip >= CONT_DATA)
				continue;
			n = CONT_DATA - skip;
			if (n > h->vlen - out->len)
				n = h->vlen - out->len;
			memcpy(out->data + out->len, B(d, j)->c.data + skip, n);
			out->len += n;
		}
		out->data[out->len] = '\0';
		v->s = out->data;
		v->len = out->len;
	}
	unlock(d);
	return 1;
}

/* A stored item for key = v with n blocks, room made: its index, or 0. */
static uint32_t
store(struct shdict *d, const char *key, size_t klen, uint32_t hv,
    const struct shdict_value *v, int64_t expire, int64_t now,
    int *forcible)
{
	size_t		vlen = v->type == SHDICT_STRING ? v->len : 0;
	uint32_t	n = blocks_for(klen, vlen), i;

	step(2);
	if (make_room(d, n, now, forcible) == -1)
		return 0;
	step(3);
	i = item_new(d, n, hv, key, klen, v->s, vlen, expire);
	B(d, i)->h.type = (uint8_t)v->type;
	if (v->type == SHDICT_NUMBER)
		B(d, i)->h.num.d = v->d;
	else
		B(d, i)->h.num.i = v->type == SHDICT_STRING ? 0 : v->i;
	step(4);
	item_commit(d, i);
	step(5);
	return i;
}

static int
too_big(const struct shdict *d, size_t klen, size_t vlen)
{
	return klen > KEY_MAX || vlen > UINT32_MAX - KEY_MAX ||
	    blocks_for(klen, vlen) > d->nblocks - 1;
}

int
shdict_set(struct shdict *d, const char *key, size_t klen,
    const struct shdict_value *v, int64_t ttl_ms, enum shdict_mode mode,
    int *forcible)
{
	uint32_t	i, hv = hash(d->seed, key, klen);
	int64_t		now;

	*forcible = 0;
	if (klen == 0) {
		errno = EINVAL;
		return -1;
	}
	if (too_big(d, klen, v->type == SHDICT_STRING ? v->len : 0)) {
		errno = E2BIG;
		return -1;
	}
	lock(d);
	now = now_ms();
	i = lookup(d, key, klen, hv, now);
	if (mode == SHDICT_ADD && i != 0)
		return fail(d, EEXIST);
	if (mode == SHDICT_REPLACE && i == 0)
		return fail(d, ENOENT);
	step(1);
	if (i != 0)
		item_remove(d, i);	/* a kill from here loses the key */
	if (store(d, key, klen, hv, v, ttl_ms > 0 ? now + ttl_ms : 0, now,
	    forcible) == 0)
		return fail(d, E2BIG);
	unlock(d);
	return 0;
}

int
shdict_incr(struct shdict *d, const char *key, size_t klen,
    const struct shdict_value *by, const struct shdict_value *init,
    int64_t init_ttl_ms, struct shdict_value *v, int *forcible)
{
	struct shdict_value	 sum;
	struct head		*h;
	uint32_t		 i, hv = hash(d->seed, key, klen);
	int64_t			 now, expire = 0;
	double			 a;

	*forcible = 0;
	if (klen == 0 || too_big(d, klen, 0)) {
		errno = klen == 0 ? EINVAL : E2BIG;
		return -1;
	}
	lock(d);
	now = now_ms();
	if ((i = lookup(d, key, klen, hv, now)) != 0)
		value_of(d, i, &sum);
	else if (init == NULL)
		return fail(d, ENOENT);
	else {
		sum = *init;
		expire = init_ttl_ms > 0 ? now + init_ttl_ms : 0;
	}
	if (sum.type != SHDICT_INTEGER && sum.type != SHDICT_NUMBER)
		return fail(d, EINVAL);
	if (sum.type == SHDICT_INTEGER && by->type == SHDICT_INTEGER) {
		if (__builtin_add_overflow(sum.i, by->i, &sum.i))
			return fail(d, ERANGE);
	} else {
		a = sum.type == SHDICT_INTEGER ? (double)sum.i : sum.d;
		sum.d = a + (by->type == SHDICT_INTEGER ? (double)by->i :
		    by->d);
		sum.type = SHDICT_NUMBER;
	}
	if (i != 0 && B(d, i)->h.type == sum.type) {
		/* One aligned 8-byte store: a kill leaves it done or not. */
		h = &B(d, i)->h;
		if (sum.type == SHDICT_NUMBER)
			h->num.d = sum.d;
		else
			h->num.i = sum.i;
		touch(d, i);
	} else {
		if (i != 0) {
			expire = B(d, i)->h.expire_ms;
			item_remove(d, i);
		}
		if (store(d, key, klen, hv, &sum, expire, now, forcible) == 0)
			return fail(d, E2BIG);
	}
	*v = sum;
	unlock(d);
	return 0;
}

int
shdict_delete(struct shdict *d, const char *key, size_t klen)
{
	uint32_t	i, hv = hash(d->seed, key, klen);

	lock(d);
	if ((i = lookup(d, key, klen, hv, now_ms())) != 0)
		item_remove(d, i);
	unlock(d);
	return i != 0;
}

int
shdict_ttl(struct shdict *d, const char *key, size_t klen, int64_t *ttl_ms)
{
	uint32_t	i, hv = hash(d->seed, key, klen);
	int64_t		now;

	lock(d);
	now = now_ms();
	if ((i = lookup(d, key, klen, hv, now)) != 0)
		*ttl_ms = B(d, i)->h.expire_ms == 0 ? 0 :
		    B(d, i)->h.expire_ms - now;
	unlock(d);
	return i != 0;
}

int
shdict_expire(struct shdict *d, const char *key, size_t klen, int64_t ttl_ms)
{
	uint32_t	i, hv = hash(d->seed, key, klen);
	int64_t		now;

	lock(d);
	now = now_ms();
	if ((i = lookup(d, key, klen, hv, now)) != 0)
		B(d, i)->h.expire_ms = ttl_ms > 0 ? now + ttl_ms : 0;
	unlock(d);
	return i != 0;
}

long
shdict_keys(struct shdict *d, size_t max, struct buf *out)
{
	uint32_t	i, j, len;
	size_t		n, left;
	int64_t		now;
	long		count = 0;

	buf_reset(out);
	lock(d);
	now = now_ms();
	for (i = d->lru_head; i != 0 && (max == 0 || (size_t)count < max);
	    i = B(d, i)->h.lnext) {
		if (expired(&B(d, i)->h, now))
			continue;
		len = B(d, i)->h.klen;
		if (buf_reserve(out, 4 + (size_t)len) == -1)
			return fail(d, ENOMEM);
		memcpy(out->data + out->len, &len, 4);
		out->len += 4;
		for (j = B(d, i)->h.next, left = len; left > 0 && j != 0;
		    j = B(d, j)->c.next) {
			n = left < CONT_DATA ? left : CONT_DATA;
			memcpy(out->data + out->len, B(d, j)->c.data, n);
			out->len += n;
			left -= n;
		}
		count++;
	}
	unlock(d);
	return count;
}

void
shdict_flush_all(struct shdict *d)
{
	lock(d);
	while (d->lru_head != 0)
		item_remove(d, d->lru_head);
	unlock(d);
}

size_t
shdict_free_space(struct shdict *d)
{
	size_t	n;

	lock(d);
	n = (size_t)d->nfree * BLOCK;
	unlock(d);
	return n;
}

void
shdict_stats(struct shdict *d, struct shdict_stats *st)
{
	lock(d);
	st->capacity = (size_t)(d->nblocks - 1) * BLOCK;
	st->used = (size_t)(d->nblocks - 1 - d->nfree) * BLOCK;
	st->items = d->nitems;
	st->hits = d->hits;
	st->misses = d->misses;
	st->evictions = d->evictions;
	st->expired = d->expired;
	st->repairs = d->repairs;
	unlock(d);
}

/* ---------------------------------------------------------------- rebuild */

/*
 * Whether the chain of head i is whole: continuation blocks, none part
 * of another kept item, as many as its head says and its sizes need.
 * Marks them kept when it is.
 */
static int
chain_whole(struct shdict *d, uint32_t i)
{
	const struct head	*h = &B(d, i)->h;
	uint32_t		 j, n = 1;

	if (h->nblocks != blocks_for(h->klen, h->vlen) ||
	    h->type < SHDICT_STRING || h->type > SHDICT_BOOLEAN)
		return 0;
	for (j = h->next; j != 0; j = B(d, j)->c.next) {
		if (j >= d->fresh || B(d, j)->c.kind != BLK_CONT ||
		    B(d, j)->c.mark || ++n > h->nblocks)
			return 0;
	}
	if (n != h->nblocks)
		return 0;
	for (j = i; j != 0; j = B(d, j)->c.next)
		B(d, j)->c.mark = 1;
	return 1;
}

/* Whether items a and b have the same key (their lengths are equal). */
static int
keys_equal(struct shdict *d, uint32_t a, uint32_t b)
{
	size_t		left = B(d, a)->h.klen, n;

	for (a = B(d, a)->h.next, b = B(d, b)->h.next; left > 0 && a != 0 &&
	    b != 0; a = B(d, a)->c.next, b = B(d, b)->c.next) {
		n = left < CONT_DATA ? left : CONT_DATA;
		if (memcmp(B(d, a)->c.data, B(d, b)->c.data, n) != 0)
			return 0;
		left -= n;
	}
	return left == 0;
}

/* An item already kept with the same key as i: its index, or 0. */
static uint32_t
kept_twin(struct shdict *d, uint32_t i)
{
	const struct head	*h = &B(d, i)->h;
	uint32_t		 k;

	for (k = buckets(d)[h->hash & (d->nbuckets - 1)]; k != 0;
	    k = B(d, k)->h.hnext)
		if (B(d, k)->h.hash == h->hash && B(d, k)->h.klen == h->klen &&
		    keys_equal(d, k, i))
			return k;
	return 0;
}

static void
unmark(struct shdict *d, uint32_t i)
{
	uint32_t	j;

	for (j = i; j != 0; j = B(d, j)->c.next)
		B(d, j)->c.mark = 0;
}

static int
by_stamp(const void *a, const void *b, void *arg)
{
	struct shdict	*d = arg;
	uint64_t	 x = B(d, *(const uint32_t *)a)->h.stamp;
	uint64_t	 y = B(d, *(const uint32_t *)b)->h.stamp;

	return x < y ? -1 : x > y;
}

static void
rebuild(struct shdict *d)
{
	uint32_t	 i, dup, n = 0, *order;
	struct head	*h;

	d->repairs++;
	memset(buckets(d), 0, d->nbuckets * sizeof(uint32_t));
	d->free_head = d->nfree = d->lru_head = d->lru_tail = d->nitems = 0;
	for (i = 1; i < d->fresh; i++)
		B(d, i)->c.mark = 0;
	for (i = 1; i < d->fresh; i++) {
		h = &B(d, i)->h;
		if (h->kind != BLK_HEAD || !h->committed || h->mark ||
		    !chain_whole(d, i))
			continue;
		/* The same key twice: the one used last stays. */
		dup = kept_twin(d, i);
		if (dup != 0 && B(d, dup)->h.stamp >= h->stamp) {
			unmark(d, i);
			continue;
		}
		if (dup != 0) {
			bucket_unlink(d, dup);
			unmark(d, dup);
			B(d, dup)->h.committed = 0;
			d->nitems--;
		}
		bucket_link(d, i);
		d->nitems++;
	}
	/* The LRU list again, by last use, most recent first. */
	if ((order = malloc((size_t)d->nitems * sizeof(*order) + 1)) != NULL) {
		for (i = 1; i < d->fresh; i++)
			if (B(d, i)->h.kind == BLK_HEAD && B(d, i)->h.mark)
				order[n++] = i;
		qsort_r(order, n, sizeof(*order), by_stamp, d);
		for (i = 0; i < n; i++)
			lru_push(d, order[i]);
		free(order);
	} else {
		for (i = 1; i < d->fresh; i++)
			if (B(d, i)->h.kind == BLK_HEAD && B(d, i)->h.mark)
				lru_push(d, i);
	}
	d->nfree = d->nblocks - d->fresh;
	for (i = 1; i < d->fresh; i++) {
		if (B(d, i)->c.mark) {
			if (B(d, i)->h.kind == BLK_HEAD &&
			    B(d, i)->h.stamp > d->clock)
				d->clock = B(d, i)->h.stamp;
			continue;
		}
		B(d, i)->c.kind = BLK_FREE;
		B(d, i)->c.next = d->free_head;
		d->free_head = i;
		d->nfree++;
	}
}

int
shdict_check(struct shdict *d, char *why, size_t len)
{
	uint32_t	i, n = 0, nb = 0, inbuckets = 0, free_n = 0, b;
	int		rc = -1;

	lock(d);
	for (i = d->lru_head; i != 0 && n <= d->nblocks; i = B(d, i)->h.lnext) {
		if (B(d, i)->h.kind != BLK_HEAD || !B(d, i)->h.committed) {
			snprintf(why, len, "LRU item %u is no committed head", i);
			goto out;
		}
		n++;
		nb += B(d, i)->h.nblocks;
	}
	for (b = 0; b < d->nbuckets; b++)
		for (i = buckets(d)[b]; i != 0 && inbuckets <= d->nblocks;
		    i = B(d, i)->h.hnext)
			inbuckets++;
	for (i = d->free_head; i != 0 && free_n <= d->nblocks;
	    i = B(d, i)->c.next) {
		if (B(d, i)->c.kind != BLK_FREE) {
			snprintf(why, len, "free block %u is in use", i);
			goto out;
		}
		free_n++;
	}
	if (n != d->nitems || inbuckets != d->nitems)
		snprintf(why, len, "%u items listed, %u in buckets, %u counted",
		    n, inbuckets, d->nitems);
	else if (free_n + (d->nblocks - d->fresh) != d->nfree ||
	    nb + d->nfree != d->nblocks - 1)
		snprintf(why, len, "%u free listed and %u fresh, %u counted, "
		    "%u in items, %u blocks", free_n, d->nblocks - d->fresh,
		    d->nfree, nb, d->nblocks - 1);
	else
		rc = 0;
out:
	unlock(d);
	return rc;
}

/* ---------------------------------------------------------------- registry */

/* The master's dictionaries; a worker inherits the list with them. */
struct reg {
	char		*pool;
	struct shdict	*d;
	struct reg	*next;
};
static struct reg	*regs;
static char		 selected[72];

struct shdict *
shdict_open(const char *pool, const char *name, size_t size, int *how)
{
	struct reg	*r;
	struct shdict	*d;
	size_t		 pg = (size_t)sysconf(_SC_PAGESIZE);

	*how = SHDICT_KEPT;
	for (r = regs; r != NULL; r = r->next)
		if (strcmp(r->pool, pool) == 0 &&
		    strcmp(r->d->name, name) == 0)
			break;
	if (r != NULL && r->d->size == (size & ~(pg - 1)))
		return r->d;
	if ((d = shdict_create(name, size)) == NULL)
		return NULL;
	if (r != NULL) {
		/* Workers of the old size keep their own mapping of it. */
		shdict_destroy(r->d);
		r->d = d;
		*how = SHDICT_RESIZED;
		return d;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->pool = strdup(pool)) == NULL) {
		free(r);
		shdict_destroy(d);
		errno = ENOMEM;
		return NULL;
	}
	r->d = d;
	r->next = regs;
	regs = r;
	*how = SHDICT_CREATED;
	return d;
}

void
shdict_drop_unless(int (*wanted)(const char *pool, const char *name,
    void *), void *arg,
    void (*dropped)(const char *pool, const char *name, void *))
{
	struct reg	**rp, *r;

	for (rp = &regs; (r = *rp) != NULL;) {
		if (wanted(r->pool, r->d->name, arg)) {
			rp = &r->next;
			continue;
		}
		dropped(r->pool, r->d->name, arg);
		*rp = r->next;
		shdict_destroy(r->d);
		free(r->pool);
		free(r);
	}
}

void
shdict_select(const char *pool)
{
	snprintf(selected, sizeof(selected), "%s", pool);
}

void
shdict_each(void (*fn)(struct shdict *, void *), void *arg)
{
	struct reg	*r;

	for (r = regs; r != NULL; r = r->next)
		if (strcmp(r->pool, selected) == 0)
			fn(r->d, arg);
}
