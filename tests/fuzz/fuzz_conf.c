/*
 * libFuzzer target: the configuration parser (src/conf.c) on arbitrary
 * text.  conf_parse must either return a config that holds together (at
 * least one pool, each with a name, listen and app; freed with conf_free)
 * or fail with a message "fuzz.conf:LINE: ..." that fits the buffer.
 * Short inputs also go through conf_parse_duration and conf_parse_size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"

#define PATH	"fuzz.conf"

static void
check_conf(const struct conf *c)
{
	const struct pool_conf	*pool;
	int			 n = 0;

	FUZZ_CHECK(c->path != NULL && strcmp(c->path, PATH) == 0);
	FUZZ_CHECK(c->error_log != NULL && c->error_log[0] != '\0');
	FUZZ_CHECK(c->pools != NULL);
	for (pool = c->pools; pool != NULL; pool = pool->next, n++) {
		FUZZ_CHECK(pool->name != NULL && pool->name[0] != '\0');
		FUZZ_CHECK(pool->listen != NULL && pool->listen[0] != '\0');
		FUZZ_CHECK(pool->app != NULL && pool->app[0] != '\0');
		FUZZ_CHECK(pool->workers >= 1 && pool->max_children >= 1);
		FUZZ_CHECK(pool->max_connections >= 1);
		FUZZ_CHECK(pool->listen_backlog >= 1);
		FUZZ_CHECK(pool->request_timeout_ms >= 1);
		FUZZ_CHECK(pool->read_timeout_ms >= 1);
	}
	FUZZ_CHECK(n == c->npools);
}

static void
numbers(const uint8_t *data, size_t size)
{
	char		 s[48];
	uint64_t	 ms;
	size_t		 bytes;

	if (size >= sizeof(s))
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)conf_parse_duration(s, &ms);
	(void)conf_parse_size(s, &bytes);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*c;
	char		 err[256];

	memset(err, 0x5a, sizeof(err));
	c = conf_parse(PATH, (const char *)data, size, err, sizeof(err));
	if (c != NULL) {
		check_conf(c);
		conf_free(c);
	} else {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(strncmp(err, PATH ":", strlen(PATH ":")) == 0);
	}
	numbers(data, size);
	return 0;
}
