/*
 * The configuration file (INI, PHP-FPM-like) -> struct conf.
 *
 * One pass over the text, line by line.  The first error stops the parse
 * and names path:line: a daemon that half-understands its config is worse
 * than one that refuses to start.  conf_parse() touches no files, so it can
 * be unit-tested and fuzzed alone; conf_load() adds reading the file and
 * checking that every app is readable.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* conf_load refuses larger files */
#define POOL_NAME_MAX	64
#define SHOW		64		/* bytes of a bad value quoted back */
#define HOUR_MS		(60ULL * 60 * 1000)

enum conf_sect { SECT_NONE, SECT_GLOBAL, SECT_POOL };

enum conf_type {
	T_INT, T_MODE, T_DURATION, T_SIZE, T_NAME,
	T_LOG_LEVEL, T_LOG_FORMAT, T_ERROR_LOG, T_LISTEN, T_PROTOCOL, T_APP,
	T_CLIENTS,
	T_ACCESS_LOG, T_ACCESS_FORMAT, T_URI_PATH, T_TEXT, T_FILE,
	T_BOOL, T_ISOLATION, T_SHARED_DICT, T_SANDBOX, T_PATHS, T_PORTS
};

struct conf_key {
	const char	*name;
	enum conf_sect	 sect;
	enum conf_type	 type;
	size_t		 off;		/* T_INT, T_DURATION, T_SIZE, T_NAME */
	uint64_t	 min, max;	/* T_INT, T_DURATION, T_SIZE */
	const char	*expect;	/* "name: expected %s, got '...'" */
};

#define GOFF(f)	offsetof(struct conf, f)
#define POFF(f)	offsetof(struct pool_conf, f)

static const struct conf_key conf_keys[] = {
	{ "log_level", SECT_GLOBAL, T_LOG_LEVEL, 0, 0, 0,
	    "error, warn, info or debug" },
	{ "error_log", SECT_GLOBAL, T_ERROR_LOG, 0, 0, 0,
	    "stderr, syslog or an absolute path" },
	{ "error_log_format", SECT_GLOBAL, T_LOG_FORMAT, 0, 0, 0,
	    "text or json" },
	{ "shutdown_timeout", SECT_GLOBAL, T_DURATION,
	    GOFF(shutdown_timeout_ms), 0, HOUR_MS,
	    "a duration from 0 to 1h (e.g. 10s, 500ms)" },
	{ "listen", SECT_POOL, T_LISTEN, 0, 0, 0,
	    "an absolute unix socket path, a.b.c.d:port, [v6]:port or *:port" },
	{ "listen_mode", SECT_POOL, T_MODE, 0, 0, 0777,
	    "an octal mode from 0 to 0777" },
	{ "listen_owner", SECT_POOL, T_NAME, POFF(listen_owner), 0, 0,
	    "a user name made of A-Z a-z 0-9 _ . -" },
	{ "listen_group", SECT_POOL, T_NAME, POFF(listen_group), 0, 0,
	    "a group name made of A-Z a-z 0-9 _ . -" },
	{ "listen_backlog", SECT_POOL, T_INT, POFF(listen_backlog), 1, 65535,
	    "an integer from 1 to 65535" },
	{ "protocol", SECT_POOL, T_PROTOCOL, 0, 0, 0,
	    "fastcgi or scgi" },
	{ "app", SECT_POOL, T_APP, 0, 0, 0,
	    "the path of a Lua file" },
	{ "workers", SECT_POOL, T_INT, POFF(workers), 1, 256,
	    "an integer from 1 to 256" },
	{ "max_children", SECT_POOL, T_INT, POFF(max_children), 1, 4096,
	    "an integer from 1 to 4096" },
	{ "queue", SECT_POOL, T_INT, POFF(queue), 0, 65535,
	    "an integer from 0 to 65535" },
	{ "max_connections", SECT_POOL, T_INT, POFF(max_connections), 1, 65535,
	    "an integer from 1 to 65535" },
	{ "spare_children", SECT_POOL, T_INT, POFF(spare_children), 0, 64,
	    "an integer from 0 to 64" },
	{ "request_timeout", SECT_POOL, T_DURATION, POFF(request_timeout_ms),
	    1, 24 * HOUR_MS, "a duration from 1ms to 24h (e.g. 30s, 500ms)" },
	{ "max_body_size", SECT_POOL, T_SIZE, POFF(max_body_size),
	    0, 1ULL << 30, "a size from 0 to 1g (e.g. 64k, 1m)" },
	{ "max_response_size", SECT_POOL, T_SIZE, POFF(max_response_size),
	    1024, 1ULL << 30, "a size from 1k to 1g (e.g. 64m)" },
	{ "read_timeout", SECT_POOL, T_DURATION, POFF(read_timeout_ms),
	    1, 24 * HOUR_MS, "a duration from 1ms to 24h (e.g. 60s)" },
	{ "max_params", SECT_POOL, T_INT, POFF(max_params), 1, 65535,
	    "an integer from 1 to 65535" },
	{ "max_params_size", SECT_POOL, T_SIZE, POFF(max_params_size),
	    1024, 64ULL << 20, "a size from 1k to 64m (e.g. 128k)" },
	{ "max_param_length", SECT_POOL, T_SIZE, POFF(max_param_length),
	    64, 64ULL << 20, "a size from 64 to 64m (e.g. 32k)" },
	{ "header_timeout", SECT_POOL, T_DURATION, POFF(header_timeout_ms),
	    1, HOUR_MS, "a duration from 1ms to 1h (e.g. 10s)" },
	{ "max_requests_per_connection", SECT_POOL, T_INT,
	    POFF(max_requests_per_connection), 0, 1000000000,
	    "an integer from 0 (no limit) to 1000000000" },
	{ "child_memory_limit", SECT_POOL, T_SIZE, POFF(child_memory_limit),
	    0, 256ULL << 30, "a size from 0 (none) to 256g (e.g. 512m)" },
	{ "child_cpu_limit", SECT_POOL, T_INT, POFF(child_cpu_limit), 0, 86400,
	    "a number of seconds from 0 (none) to 86400" },
	{ "child_open_files", SECT_POOL, T_INT, POFF(child_open_files), 0,
	    1048576, "an integer from 0 (as inherited) to 1048576" },
	{ "allowed_clients", SECT_POOL, T_CLIENTS, 0, 0, 0,
	    "IPv4 or IPv6 addresses separated by commas" },
	{ "user", SECT_POOL, T_NAME, POFF(user), 0, 0,
	    "a user name made of A-Z a-z 0-9 _ . -" },
	{ "group", SECT_POOL, T_NAME, POFF(group), 0, 0,
	    "a group name made of A-Z a-z 0-9 _ . -" },
	{ "access_log", SECT_POOL, T_ACCESS_LOG, POFF(access_log), 0, 0,
	    "off, stderr or an absolute path" },
	{ "access_format", SECT_POOL, T_ACCESS_FORMAT, 0, 0, 0,
	    "json or combined" },
	{ "status_path", SECT_POOL, T_URI_PATH, POFF(status_path), 0, 0,
	    "a path starting with '/' (no spaces or control characters)" },
	{ "ping_path", SECT_POOL, T_URI_PATH, POFF(ping_path), 0, 0,
	    "a path starting with '/' (no spaces or control characters)" },
	{ "ping_response", SECT_POOL, T_TEXT, POFF(ping_response), 1, 255,
	    "1 to 255 bytes of text" },
	{ "slowlog_timeout", SECT_POOL, T_DURATION, POFF(slowlog_timeout_ms),
	    0, 24 * HOUR_MS, "a duration from 0 (off) to 24h (e.g. 5s)" },
	{ "slowlog", SECT_POOL, T_FILE, POFF(slowlog), 0, 0,
	    "an absolute file path" },
	{ "allow_root", SECT_POOL, T_BOOL, POFF(allow_root), 0, 0,
	    "yes or no" },
	{ "isolation", SECT_POOL, T_ISOLATION, 0, 0, 0,
	    "reset or fork" },
	{ "runner_max_requests", SECT_POOL, T_INT, POFF(runner_max_requests),
	    1, 1000000000, "an integer from 1 to 1000000000" },
	{ "reset_verify", SECT_POOL, T_BOOL, POFF(reset_verify), 0, 0,
	    "yes or no" },
	{ "stream_timeout", SECT_POOL, T_DURATION, POFF(stream_timeout_ms),
	    0, 7 * 24 * HOUR_MS, "a duration from 0 (none) to 168h" },
	{ "stream_idle_timeout", SECT_POOL, T_DURATION,
	    POFF(stream_idle_timeout_ms), 1, 24 * HOUR_MS,
	    "a duration from 1ms to 24h (e.g. 5m)" },
	{ "sse_keepalive", SECT_POOL, T_DURATION, POFF(sse_keepalive_ms),
	    0, HOUR_MS, "a duration from 0 (none) to 1h (e.g. 15s)" },
	{ "after_timeout", SECT_POOL, T_DURATION, POFF(after_timeout_ms),
	    1, 24 * HOUR_MS, "a duration from 1ms to 24h (e.g. 30s)" },
	{ "reload_on_change", SECT_POOL, T_BOOL, POFF(reload_on_change), 0, 0,
	    "yes or no" },
	{ "shared_dict", SECT_POOL, T_SHARED_DICT, 0, 64 * 1024, 64ULL << 30,
	    "a name (A-Z a-z 0-9 _, at most 63) and a size from 64k to 64g, "
	    "e.g. 'cache 16m'" },
	{ "sandbox", SECT_POOL, T_SANDBOX, 0, 0, 0,
	    "off, on or required" },
	{ "sandbox_write", SECT_POOL, T_PATHS, POFF(sandbox_write), 0, 0,
	    "absolute paths separated by spaces" },
	{ "sandbox_read", SECT_POOL, T_PATHS, POFF(sandbox_read), 0, 0,
	    "absolute paths separated by spaces" },
	{ "sandbox_connect", SECT_POOL, T_PORTS, 0, 1, 65535,
	    "TCP ports from 1 to 65535 separated by spaces" },
	{ "sandbox_exec", SECT_POOL, T_BOOL, POFF(sandbox_exec), 0, 0,
	    "yes or no" },
};
#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

static const char *const conf_log_levels[] = { "error", "warn", "info", "debug" };
static const char *const conf_protocols[] = { "fastcgi", "scgi" };
static const char *const conf_access_formats[] = { "json", "combined" };
static const char *const conf_log_formats[] = { "text", "json" };
static const char *const conf_isolations[] = { "reset", "fork" };
static const char *const conf_sandboxes[] = { "off", "on", "required" };
/* Even entries false, odd ones true. */
static const char *const conf_bools[] = { "no", "yes", "off", "on", "false",
    "true" };

struct parser {
	const char		*path;
	char			*err;
	size_t			 errlen;
	int			 line;
	struct conf		*conf;
	enum conf_sect		 sect;
	struct pool_conf	*pool;		/* the open [pool], or NULL */
	struct pool_conf	*tail;
	int			 global_line;	/* of [global]; 0: none yet */
	int			 seen[NKEYS];	/* line of each key in this section */
};

static int	conf_error(char *, size_t, const char *, int, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static int	conf_perror(struct parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
conf_error(char *err, size_t errlen, const char *path, int line,
    const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "%s:%d: %s", path, line, msg);
	}
	return -1;
}

static int
conf_perror(struct parser *p, int line, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conf_error(p->err, p->errlen, p->path, line, "%s", msg);
}

static int
conf_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char *
conf_trim(char *s)
{
	size_t	 n;

	while (conf_isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && conf_isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Decimal digits only: no sign, no space, no empty string. */
static int
conf_parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t	 n = 0;
	unsigned	 d;

	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		d = (unsigned)(*s - '0');
		if (n > (UINT64_MAX - d) / 10) {
			errno = ERANGE;
			return -1;
		}
		n = n * 10 + d;
	}
	*out = n;
	*end = s;
	return 0;
}

/* Returns 0, or -1 with errno EINVAL (bad form) or ERANGE (overflow). */
int
conf_parse_duration(const char *s, uint64_t *ms)
{
	const char	*unit;
	uint64_t	 n, mul;

	if (conf_parse_u64(s, &n, &unit) == -1)
		return -1;
	if (*unit == '\0' || strcmp(unit, "s") == 0)
		mul = 1000;
	else if (strcmp(unit, "ms") == 0)
		mul = 1;
	else if (strcmp(unit, "m") == 0)
		mul = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mul = HOUR_MS;
	else {
		errno = EINVAL;
		return -1;
	}
	if (n > UINT64_MAX / mul) {
		errno = ERANGE;
		return -1;
	}
	*ms = n * mul;
	return 0;
}

/* Returns 0, or -1 with errno EINVAL (bad form) or ERANGE (overflow). */
int
conf_parse_size(const char *s, size_t *bytes)
{
	const char	*unit;
	uint64_t	 n, mul;

	if (conf_parse_u64(s, &n, &unit) == -1)
		return -1;
	if (unit[0] != '\0' && unit[1] != '\0') {
		errno = EINVAL;
		return -1;
	}
	switch (unit[0]) {
	case '\0':
		mul = 1;
		break;
	case 'k': case 'K':
		mul = 1ULL << 10;
		break;
	case 'm': case 'M':
		mul = 1ULL << 20;
		break;
	case 'g': case 'G':
		mul = 1ULL << 30;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (n > SIZE_MAX / mul) {
		errno = ERANGE;
		return -1;
	}
	*bytes = (size_t)(n * mul);
	return 0;
}

/* [A-Za-z0-9_.-]{1,max}; max 0: no limit. */
static int
conf_valid_name(const char *s, size_t max)
{
	size_t	 n;

	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");
	return n > 0 && s[n] == '\0' && (max == 0 || n <= max);
}

static int
conf_lookup(const char *const *names, size_t n, const char *v)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

/*
 * Validates a listen value and writes its canonical form: the unix path
 * as is, "a.b.c.d:port" or "[v6]:port" as inet_ntop prints them ("*"
 * becomes 0.0.0.0), so that equal addresses compare equal as strings and
 * the master needs no second parser for "*".
 */
static int
conf_listen(struct parser *p, const char *v, char *out, size_t outlen)
{
	struct sockaddr_un	 sun;
	unsigned char		 addr[sizeof(struct in6_addr)];
	char			 host[INET6_ADDRSTRLEN + 1];
	char			 canon[INET6_ADDRSTRLEN];
	const char		*hs, *he, *ps, *end;
	uint64_t		 port;
	int			 af;

	if (v[0] == '/') {
		if (strlen(v) >= sizeof(sun.sun_path))
			return conf_perror(p, p->line, "listen: a unix socket "
			    "path must be shorter than %zu bytes, got '%.*s...'",
			    sizeof(sun.sun_path), SHOW, v);
		snprintf(out, outlen, "%s", v);
		return 0;
	}
	if (v[0] == '[') {
		af = AF_INET6;
		hs = v + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':')
			goto bad;
		ps = he + 2;
	} else {
		af = AF_INET;
		hs = v;
		if ((he = strrchr(v, ':')) == NULL)
			goto bad;
		ps = he + 1;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (af == AF_INET && strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	if (inet_pton(af, host, addr) != 1)
		goto bad;
	if (conf_parse_u64(ps, &port, &end) == -1 || *end != '\0' ||
	    port < 1 || port > 65535)
		return conf_perror(p, p->line, "listen: expected a port from "
		    "1 to 65535, got '%.*s'", SHOW, v);
	if (inet_ntop(af, addr, canon, sizeof(canon)) == NULL)
		goto bad;
	snprintf(out, outlen, af == AF_INET6 ? "[%s]:%u" : "%s:%u", canon,
	    (unsigned)port);
	return 0;
bad:
	return conf_perror(p, p->line, "listen: expected an absolute unix "
	    "socket path, a.b.c.d:port, [v6]:port or *:port, got '%.*s'",
	    SHOW, v);
}

/* Same socket, or an IPv4 wildcard and another IPv4 address, same port. */
static int
conf_listen_clash(const char *a, const char *b)
{
	const char	*pa, *pb;

	if (strcmp(a, b) == 0)
		return 1;
	if (a[0] == '/' || b[0] == '/' || a[0] == '[' || b[0] == '[')
		return 0;
	pa = strrchr(a, ':');
	pb = strrchr(b, ':');
	if (pa == NULL || pb == NULL || strcmp(pa, pb) != 0)
		return 0;
	return strncmp(a, "0.0.0.0:", 8) == 0 || strncmp(b, "0.0.0.0:", 8) == 0;
}

static int
conf_set_listen(struct parser *p, const char *v)
{
	struct pool_conf	*o;
	char			 canon[sizeof(((struct sockaddr_un *)0)->sun_path) +
				    INET6_ADDRSTRLEN + 8];

	if (conf_listen(p, v, canon, sizeof(canon)) == -1)
		return -1;
	for (o = p->conf->pools; o != NULL; o = o->next)
		if (o != p->pool && o->listen != NULL &&
		    conf_listen_clash(o->listen, canon))
			return conf_perror(p, p->line, "listen '%s' is already "
			    "used by [pool %s] (line %d)", canon, o->name,
			    o->line);
	if ((p->pool->listen = strdup(canon)) == NULL)
		return conf_perror(p, p->line, "out of memory");
	return 0;
}

/*
 * A relative app is relative to the config file's directory, worked out
 * from the path text alone.  Only a relative config path needs getcwd(),
 * so that the stored app is absolute whatever directory the daemon runs in.
 */
static char *
conf_app_path(const char *path, const char *v)
{
	char		 cwd[PATH_MAX];
	const char	*slash, *sep;
	char		*out;
	size_t		 dirlen, n;

	if (v[0] == '/')
		return strdup(v);
	while (v[0] == '.' && v[1] == '/')
		for (v += 2; *v == '/'; v++)
			;
	cwd[0] = '\0';
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (strcmp(cwd, "/") == 0)
		cwd[0] = '\0';
	slash = strrchr(path, '/');
	dirlen = slash == NULL ? 0 : (size_t)(slash - path);
	sep = path[0] != '/' && dirlen > 0 ? "/" : "";
	/* cwd, sep, the directory part of path, '/', v, NUL */
	n = strlen(cwd) + strlen(sep) + dirlen + 1 + strlen(v) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%s%s%.*s/%s", cwd, sep, (int)dirlen, path, v);
	return out;
}

static int
conf_bad(struct parser *p, const struct conf_key *k, const char *v)
{
	return conf_perror(p, p->line, "%s: expected %s, got '%.*s'",
	    k->name, k->expect, SHOW, v);
}

/* "NAME SIZE", repeatable: one dictionary each, names unique per pool. */
static int
conf_set_shared_dict(struct parser *p, const struct conf_key *k,
    const char *v)
{
	struct conf_shdict	*sd, **tail;
	char			 name[64];
	size_t			 n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789_");
	size_t			 size;

	if (n == 0 || n >= sizeof(name) || v[n] != ' ' ||
	    conf_parse_size(v + n + strspn(v + n, " "), &size) == -1 ||
	    size < k->min || size > k->max)
		return conf_bad(p, k, v);
	memcpy(name, v, n);
	name[n] = '\0';
	for (tail = &p->pool->shared_dicts; (sd = *tail) != NULL;
	    tail = &sd->next)
		if (strcmp(sd->name, name) == 0)
			return conf_perror(p, p->line, "shared_dict %s: "
			    "already defined on line %d", name, sd->line);
	if ((sd = calloc(1, sizeof(*sd))) == NULL ||
	    (sd->name = strdup(name)) == NULL) {
		free(sd);
		return conf_perror(p, p->line, "out of memory");
	}
	sd->size = size;
	sd->line = p->line;
	*tail = sd;
	return 0;
}

/*
 * "/var/lib/app /tmp": absolute paths separated by white space, kept as
 * written (sandbox.c walks them with conf_next_path).
 */
static int
conf_set_paths(struct parser *p, const struct conf_key *k, const char *v)
{
	const char	*s = v;
	size_t		 len;
	char		*copy;

	if (*v == '\0')
		return conf_bad(p, k, v);
	while ((s = conf_next_path(s, &len)) != NULL) {
		if (*s != '/' || len >= PATH_MAX)
			return conf_bad(p, k, v);
		s += len;
	}
	if ((copy = strdup(v)) == NULL)
		return conf_perror(p, p->line, "out of memory");
	free(*(char **)(void *)((char *)p->pool + k->off));
	*(char **)(void *)((char *)p->pool + k->off) = copy;
	return 0;
}

/* "5432 443": ports, at most CONF_MAX_PORTS. */
static int
conf_set_ports(struct parser *p, const struct conf_key *k, const char *v)
{
	const char	*s = v + strspn(v, " \t"), *end;
	uint64_t	 n;
	int		 i = 0;

	if (*s == '\0')
		return conf_bad(p, k, v);
	while (*s != '\0') {
		if (i == CONF_MAX_PORTS || conf_parse_u64(s, &n, &end) == -1 ||
		    n < k->min || n > k->max ||
		    (*end != '\0' && *end != ' ' && *end != '\t'))
			return conf_bad(p, k, v);
		p->pool->sandbox_connect[i++] = (uint16_t)n;
		s = end + strspn(end, " \t");
	}
	p->pool->nsandbox_connect = i;
	return 0;
}

const char *
conf_next_path(const char *s, size_t *len)
{
	s += strspn(s, " \t");
	if (*s == '\0')
		return NULL;
	*len = strcspn(s, " \t");
	return s;
}

/* "127.0.0.1, ::1": each address parsed with inet_pton, no names. */
static int
conf_set_clients(struct parser *p, const struct conf_key *k, const char *v)
{
	struct conf_addr	*a;
	char			 one[INET6_ADDRSTRLEN];
	const char		*s = v;
	size_t			 len;
	int			 n;

	if (*v == '\0')
		return conf_bad(p, k, v);
	/* At most one address per two characters: "a,b". */
	if ((a = calloc(strlen(v) / 2 + 1, sizeof(*a))) == NULL)
		return conf_perror(p, p->line, "out of memory");
	p->pool->allowed = a;
	for (n = 0; *s != '\0'; n++) {
		s += strspn(s, " \t");
		len = strcspn(s, ", \t");
		if (len == 0 || len >= sizeof(one))
			return conf_bad(p, k, v);
		memcpy(one, s, len);
		one[len] = '\0';
		if (inet_pton(AF_INET, one, a[n].addr) == 1)
			a[n].family = AF_INET;
		else if (inet_pton(AF_INET6, one, a[n].addr) == 1)
			a[n].family = AF_INET6;
		else
			return conf_bad(p, k, v);
		s += len;
		s += strspn(s, " \t");
		if (*s == ',' && *++s == '\0')
			return conf_bad(p, k, v);
	}
	p->pool->nallowed = n;
	p->pool->allowed_line = p->line;
	return 0;
}

static int
conf_set(struct parser *p, const struct conf_key *k, const char *v)
{
	void		*base;
	char		*s;
	const char	*end;
	uint64_t	 n;
	size_t		 sz;
	int		 i;

	base = k->sect == SECT_GLOBAL ? (void *)p->conf : (void *)p->pool;
	switch (k->type) {
	case T_INT:
		if (conf_parse_u64(v, &n, &end) == -1 || *end != '\0' ||
		    n < k->min || n > k->max)
			return conf_bad(p, k, v);
		*(int *)(void *)((char *)base + k->off) = (int)n;
		return 0;
	case T_MODE:
		if (*v == '\0' || strspn(v, "01234567") != strlen(v))
			return conf_bad(p, k, v);
		for (n = 0, end = v; *end != '\0'; end++)
			if ((n = n * 8 + (uint64_t)(*end - '0')) > k->max)
				return conf_bad(p, k, v);
		p->pool->listen_mode = (mode_t)n;
		return 0;
	case T_DURATION:
		if (conf_parse_duration(v, &n) == -1 || n < k->min ||
		    n > k->max)
			return conf_bad(p, k, v);
		*(uint64_t *)(void *)((char *)base + k->off) = n;
		return 0;
	case T_SIZE:
		if (conf_parse_size(v, &sz) == -1 || sz < k->min ||
		    sz > k->max)
			return conf_bad(p, k, v);
		*(size_t *)(void *)((char *)base + k->off) = sz;
		return 0;
	case T_NAME:
		if (!conf_valid_name(v, 0))
			return conf_bad(p, k, v);
		if ((s = strdup(v)) == NULL)
			return conf_perror(p, p->line, "out of memory");
		*(char **)(void *)((char *)base + k->off) = s;
		return 0;
	case T_LOG_LEVEL:
		if ((i = conf_lookup(conf_log_levels, 4, v)) == -1)
			return conf_bad(p, k, v);
		p->conf->log_level = (enum conf_log_level)i;
		return 0;
	case T_LOG_FORMAT:
		if ((i = conf_lookup(conf_log_formats, 2, v)) == -1)
			return conf_bad(p, k, v);
		p->conf->error_log_format = (enum conf_log_format)i;
		return 0;
	case T_BOOL:
		if ((i = conf_lookup(conf_bools, 6, v)) == -1)
			return conf_bad(p, k, v);
		*(int *)(void *)((char *)base + k->off) = i % 2;
		return 0;
	case T_PROTOCOL:
		if ((i = conf_lookup(conf_protocols, 2, v)) == -1)
			return conf_bad(p, k, v);
		p->pool->protocol = (enum conf_protocol)i;
		return 0;
	case T_ERROR_LOG:
		if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0 &&
		    v[0] != '/')
			return conf_bad(p, k, v);
		if ((s = strdup(v)) == NULL)
			return conf_perror(p, p->line, "out of memory");
		free(p->conf->error_log);
		p->conf->error_log = s;
		return 0;
	case T_ACCESS_LOG:
		if (strcmp(v, "off") == 0)
			return 0;
		if (strcmp(v, "stderr") != 0 && v[0] != '/')
			return conf_bad(p, k, v);
		goto set_string;
	case T_ACCESS_FORMAT:
		if ((i = conf_lookup(conf_access_formats, 2, v)) == -1)
			return conf_bad(p, k, v);
		p->pool->access_format = (enum conf_access_format)i;
		return 0;
	case T_SHARED_DICT:
		return conf_set_shared_dict(p, k, v);
	case T_SANDBOX:
		if ((i = conf_lookup(conf_sandboxes, 3, v)) == -1)
			return conf_bad(p, k, v);
		p->pool->sandbox = (enum conf_sandbox)i;
		return 0;
	case T_PATHS:
		return conf_set_paths(p, k, v);
	case T_PORTS:
		return conf_set_ports(p, k, v);
	case T_ISOLATION:
		if ((i = conf_lookup(conf_isolations, 2, v)) == -1)
			return conf_bad(p, k, v);
		p->pool->isolation = (enum conf_isolation)i;
		return 0;
	case T_URI_PATH:
		/* Compared with the request's decoded path, byte for byte. */
		if (v[0] != '/' || strlen(v) > 255)
			return conf_bad(p, k, v);
		for (end = v; *end != '\0'; end++)
			if ((unsigned char)*end <= ' ' || *end == 0x7f ||
			    *end == '?')
				return conf_bad(p, k, v);
		goto set_string;
	case T_TEXT:
		if (strlen(v) < k->min || strlen(v) > k->max)
			return conf_bad(p, k, v);
		goto set_string;
	case T_FILE:
		if (v[0] != '/')
			return conf_bad(p, k, v);
set_string:
		if ((s = strdup(v)) == NULL)
			return conf_perror(p, p->line, "out of memory");
		free(*(char **)(void *)((char *)base + k->off));  /* a default */
		*(char **)(void *)((char *)base + k->off) = s;
		return 0;
	case T_LISTEN:
		return conf_set_listen(p, v);
	case T_CLIENTS:
		return conf_set_clients(p, k, v);
	case T_APP:
		if (*v == '\0')
			return conf_bad(p, k, v);
		if ((p->pool->app = conf_app_path(p->path, v)) == NULL)
			return conf_perror(p, p->line, "app '%.*s': %s", SHOW,
			    v, strerror(errno));
		p->pool->app_line = p->line;
		return 0;
	}
	return conf_bad(p, k, v);
}

/*
 * The value after '=': a double-quoted value is taken literally; otherwise
 * ';' or '#' after whitespace starts a comment.  Cuts s in place.
 */
static int
conf_value(struct parser *p, char *s, char **out)
{
	char	*q, *rest;

	while (conf_isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		if ((q = strchr(s + 1, '"')) == NULL)
			return conf_perror(p, p->line,
			    "unterminated quoted value");
		*q = '\0';
		for (rest = q + 1; conf_isspace((unsigned char)*rest); rest++)
			;
		if (*rest != '\0' && *rest != ';' && *rest != '#')
			return conf_perror(p, p->line,
			    "unexpected text after quoted value: '%.*s'",
			    SHOW, rest);
		*out = s + 1;
		return 0;
	}
	for (q = s; *q != '\0'; q++)
		if ((*q == ';' || *q == '#') &&
		    (q == s || conf_isspace((unsigned char)q[-1]))) {
			*q = '\0';
			break;
		}
	*out = conf_trim(s);
	return 0;
}

/* The line a key was set on in the open section; 0: not set. */
static int
conf_seen(const struct parser *p, const char *key)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0)
			return p->seen[i];
	return 0;
}

static int
conf_end_section(struct parser *p)
{
	struct pool_conf	*pool = p->pool;
	const char		*key;

	if (pool != NULL && pool->listen == NULL)
		return conf_perror(p, pool->line, "[pool %s] has no 'listen'",
		    pool->name);
	if (pool != NULL && pool->app == NULL)
		return conf_perror(p, pool->line, "[pool %s] has no 'app'",
		    pool->name);
	if (pool != NULL && pool->nallowed > 0 && pool->listen[0] == '/')
		return conf_perror(p, pool->allowed_line, "allowed_clients: "
		    "applies to TCP listen addresses only; use listen_mode and "
		    "user/group for a unix socket");
	if (pool != NULL && pool->status_path != NULL &&
	    pool->ping_path != NULL &&
	    strcmp(pool->status_path, pool->ping_path) == 0)
		return conf_perror(p, pool->line, "[pool %s]: status_path and "
		    "ping_path are the same", pool->name);
	if (pool != NULL && pool->listen[0] != '/' &&
	    (pool->listen_owner != NULL || pool->listen_group != NULL)) {
		key = pool->listen_owner != NULL ? "listen_owner" :
		    "listen_group";
		return conf_perror(p, conf_seen(p, key), "%s: applies to unix "
		    "sockets only, not to '%s'", key, pool->listen);
	}
	p->pool = NULL;
	p->sect = SECT_NONE;
	memset(p->seen, 0, sizeof(p->seen));
	return 0;
}

static int
conf_new_pool(struct parser *p, const char *name)
{
	struct pool_conf	*pool, *o;
	long			 ncpu;

	if (*name == '\0')
		return conf_perror(p, p->line,
		    "a pool needs a name: [pool NAME]");
	if (!conf_valid_name(name, POOL_NAME_MAX))
		return conf_perror(p, p->line, "invalid pool name '%.*s': "
		    "use 1 to %d of A-Z a-z 0-9 _ . -", SHOW, name,
		    POOL_NAME_MAX);
	for (o = p->conf->pools; o != NULL; o = o->next)
		if (strcmp(o->name, name) == 0)
			return conf_perror(p, p->line, "duplicate pool name "
			    "'%s' (first on line %d)", name, o->line);
	if ((pool = calloc(1, sizeof(*pool))) == NULL ||
	    (pool->name = strdup(name)) == NULL ||
	    (pool->ping_response = strdup("pong")) == NULL) {
		if (pool != NULL)
			free(pool->name);
		free(pool);
		return conf_perror(p, p->line, "out of memory");
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pool->line = p->line;
	pool->listen_mode = 0660;
	pool->listen_backlog = 511;
	pool->protocol = CONF_PROTO_FASTCGI;
	pool->workers = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	pool->max_children = 64;
	pool->queue = 256;
	pool->max_connections = 1024;
	pool->spare_children = 2;
	pool->runner_max_requests = 10000;
	pool->stream_idle_timeout_ms = 5 * 60 * 1000;
	pool->sse_keepalive_ms = 15 * 1000;
	pool->after_timeout_ms = 30 * 1000;
	pool->max_response_size = 64 << 20;
	pool->read_timeout_ms = 60000;
	pool->request_timeout_ms = 30 * 1000;
	pool->max_body_size = 1024 * 1024;
	pool->max_params = 128;
	pool->max_params_size = 128 * 1024;
	pool->max_param_length = 32 * 1024;
	pool->header_timeout_ms = 10 * 1000;
	pool->max_requests_per_connection = 0;
	if (p->tail == NULL)
		p->conf->pools = pool;
	else
		p->tail->next = pool;
	p->tail = pool;
	p->conf->npools++;
	p->pool = pool;
	p->sect = SECT_POOL;
	return 0;
}

static int
conf_header(struct parser *p, char *s)
{
	char	*close, *rest, *name;

	if (conf_end_section(p) == -1)
		return -1;
	if ((close = strchr(s, ']')) == NULL)
		return conf_perror(p, p->line,
		    "unterminated section header, expected ']'");
	for (rest = close + 1; conf_isspace((unsigned char)*rest); rest++)
		;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		return conf_perror(p, p->line,
		    "unexpected text after section header: '%.*s'", SHOW, rest);
	*close = '\0';
	name = conf_trim(s + 1);
	if (strcmp(name, "global") == 0) {
		if (p->global_line != 0)
			return conf_perror(p, p->line, "duplicate [global] "
			    "section (first on line %d)", p->global_line);
		p->global_line = p->line;
		p->sect = SECT_GLOBAL;
		return 0;
	}
	if (strncmp(name, "pool", 4) == 0 &&
	    (name[4] == '\0' || conf_isspace((unsigned char)name[4])))
		return conf_new_pool(p, conf_trim(name + 4));
	return conf_perror(p, p->line, "unknown section '[%.*s]'; expected "
	    "[global] or [pool NAME]", SHOW, name);
}

static int
conf_line(struct parser *p, char *s)
{
	const struct conf_key	*k = NULL;
	char			*eq, *key, *val = NULL;
	char			 sect[POOL_NAME_MAX + 8];
	size_t			 i;

	s = conf_trim(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	if (*s == '[')
		return conf_header(p, s);
	if ((eq = strchr(s, '=')) == NULL)
		return conf_perror(p, p->line, "expected 'key = value', "
		    "got '%.*s'", SHOW, s);
	*eq = '\0';
	key = conf_trim(s);
	if (*key == '\0')
		return conf_perror(p, p->line, "missing key before '='");
	if (p->sect == SECT_NONE)
		return conf_perror(p, p->line, "key '%.*s' outside any "
		    "section; start with [global] or [pool NAME]", SHOW, key);
	for (i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0) {
			k = &conf_keys[i];
			break;
		}
	if (p->sect == SECT_GLOBAL)
		snprintf(sect, sizeof(sect), "[global]");
	else
		snprintf(sect, sizeof(sect), "[pool %s]", p->pool->name);
	if (k == NULL || k->sect != p->sect)
		return conf_perror(p, p->line, "unknown key '%.*s' in %s%s",
		    SHOW, key, sect, k == NULL ? "" : k->sect == SECT_GLOBAL ?
		    " (it belongs in [global])" :
		    " (it belongs in a [pool NAME] section)");
	if (p->seen[i] != 0 && k->type != T_SHARED_DICT)
		return conf_perror(p, p->line, "duplicate key '%s' in %s "
		    "(first set on line %d)", key, sect, p->seen[i]);
	if (conf_value(p, eq + 1, &val) == -1)
		return -1;
	p->seen[i] = p->line;
	return conf_set(p, k, val);
}

struct conf *
conf_parse(const char *path, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct parser	 p;
	char		*copy = NULL, *line, *nl, *end;

	memset(&p, 0, sizeof(p));
	p.path = path != NULL ? path : "(config)";
	p.err = err;
	p.errlen = errlen;
	if ((p.conf = calloc(1, sizeof(*p.conf))) == NULL ||
	    (p.conf->path = strdup(p.path)) == NULL ||
	    (p.conf->error_log = strdup("stderr")) == NULL ||
	    (copy = malloc(len + 1)) == NULL) {
		conf_perror(&p, 0, "out of memory");
		goto fail;
	}
	p.conf->log_level = CONF_LOG_INFO;
	p.conf->shutdown_timeout_ms = 10 * 1000;
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	end = copy + len;
	line = copy;
	if (len >= 3 && memcmp(copy, "\xef\xbb\xbf", 3) == 0)
		line += 3;	/* a UTF-8 byte order mark from some editor */
	for (; line < end; line = nl + 1) {
		p.line++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		*nl = '\0';
		if (strlen(line) != (size_t)(nl - line)) {
			conf_perror(&p, p.line, "NUL byte in line");
			goto fail;
		}
		if (conf_line(&p, line) == -1)
			goto fail;
	}
	if (conf_end_section(&p) == -1)
		goto fail;
	if (p.conf->pools == NULL) {
		conf_perror(&p, 0, "no [pool] section");
		goto fail;
	}
	free(copy);
	return p.conf;
fail:
	free(copy);
	conf_free(p.conf);
	return NULL;
}

/* File-level errors (open, read, size) carry line 0. */
struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf		*conf = NULL;
	struct pool_conf	*pool;
	struct stat		 st;
	char			*text = NULL;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		conf_error(err, errlen, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if ((text = malloc(CONF_FILE_MAX + 1)) == NULL) {
		conf_error(err, errlen, path, 0, "out of memory");
		goto done;
	}
	while (len < CONF_FILE_MAX + 1) {
		n = read(fd, text + len, CONF_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_error(err, errlen, path, 0, "%s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONF_FILE_MAX) {
		conf_error(err, errlen, path, 0, "file is larger than 1 MiB");
		goto done;
	}
	if ((conf = conf_parse(path, text, len, err, errlen)) == NULL)
		goto done;
	for (pool = conf->pools; pool != NULL; pool = pool->next) {
		if (access(pool->app, R_OK) == -1 ||
		    stat(pool->app, &st) == -1) {
			conf_error(err, errlen, path, pool->app_line,
			    "app '%s': %s", pool->app, strerror(errno));
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			conf_error(err, errlen, path, pool->app_line,
			    "app '%s': not a regular file", pool->app);
			goto fail;
		}
	}
	goto done;
fail:
	conf_free(conf);
	conf = NULL;
done:
	free(text);
	close(fd);
	return conf;
}

void
conf_free(struct conf *conf)
{
	struct pool_conf	*pool, *next;
	struct conf_shdict	*sd;

	if (conf == NULL)
		return;
	for (pool = conf->pools; pool != NULL; pool = next) {
		next = pool->next;
		free(pool->name);
		free(pool->listen);
		free(pool->app);
		free(pool->allowed);
		free(pool->user);
		free(pool->group);
		free(pool->access_log);
		free(pool->status_path);
		free(pool->ping_path);
		free(pool->ping_response);
		free(pool->slowlog);
		free(pool->listen_owner);
		free(pool->listen_group);
		free(pool->sandbox_write);
		free(pool->sandbox_read);
		while ((sd = pool->shared_dicts) != NULL) {
			pool->shared_dicts = sd->next;
			free(sd->name);
			free(sd);
		}
		free(pool);
	}
	free(conf->path);
	free(conf->error_log);
	free(conf);
}
