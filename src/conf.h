/*
 * The configuration file (INI, PHP-FPM-like) -> struct conf.
 * Every error names file:line.  No processes, no libevent.
 */
#ifndef FCGISERVE_CONF_H
#define FCGISERVE_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum conf_protocol { CONF_PROTO_FASTCGI, CONF_PROTO_SCGI };
enum conf_log_level { CONF_LOG_ERROR, CONF_LOG_WARN, CONF_LOG_INFO, CONF_LOG_DEBUG };
enum conf_log_format { CONF_LOG_TEXT, CONF_LOG_JSON };
enum conf_access_format { CONF_ACCESS_JSON, CONF_ACCESS_COMBINED };
enum conf_isolation { CONF_ISOLATION_RESET, CONF_ISOLATION_FORK };
enum conf_sandbox { CONF_SANDBOX_OFF, CONF_SANDBOX_ON, CONF_SANDBOX_REQUIRED };

#define CONF_MAX_PORTS	64	/* in sandbox_connect */

/* A shared_dict of a pool. */
struct conf_shdict {
	char			*name;
	size_t			 size;
	int			 line;
	struct conf_shdict	*next;		/* in file order */
};

/* An address in allowed_clients. */
struct conf_addr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];	/* network order, 4 or 16 bytes */
};

struct pool_conf {
	char			*name;
	int			 line;		/* line of the [pool NAME] header */
	char			*listen;	/* "/path", "host:port", "[v6]:port" */
	mode_t			 listen_mode;	/* unix sockets; default 0660 */
	char			*listen_owner;	/* unix sockets; NULL: user */
	char			*listen_group;	/* NULL: group, else user's */
	int			 listen_backlog;/* default 511 */
	enum conf_protocol	 protocol;	/* default fastcgi */
	char			*app;		/* Lua app path (required) */
	int			 app_line;
	int			 workers;	/* default: online CPUs */
	int			 max_children;	/* per worker; default 64 */
	int			 queue;		/* per worker; default 256 */
	int			 max_connections;/* per worker; default 1024 */
	int			 spare_children;/* per worker, forked ahead;
						   default 2 */
	uint64_t		 request_timeout_ms;	/* default 30s */
	uint64_t		 read_timeout_ms;	/* idle connection; 60s */
	size_t			 max_body_size;	/* default 1m */
	size_t			 max_response_size;	/* default 64m */
	int			 max_params;	/* per request; default 128 */
	size_t			 max_params_size;	/* names + values; 128k */
	size_t			 max_param_length;	/* one name or value; 32k */
	uint64_t		 header_timeout_ms;	/* first byte to end of
							   params; 10s */
	int			 max_requests_per_connection;	/* 0: no limit */
	size_t			 child_memory_limit;	/* RLIMIT_AS; 0: none */
	int			 child_cpu_limit;	/* RLIMIT_CPU s; 0: none */
	int			 child_open_files;	/* RLIMIT_NOFILE; 0: as is */
	struct conf_addr	*allowed;	/* allowed_clients; NULL: all */
	int			 nallowed;
	int			 allowed_line;
	char			*user;		/* NULL: do not change */
	char			*group;
	char			*access_log;	/* NULL: off; "stderr" or a path */
	enum conf_access_format	 access_format;	/* default json */
	char			*status_path;	/* NULL: off */
	char			*ping_path;	/* NULL: off */
	char			*ping_response;	/* default "pong" */
	uint64_t		 slowlog_timeout_ms;	/* 0: off */
	char			*slowlog;	/* NULL: the error log */
	int			 allow_root;	/* may run as uid 0; default no */
	enum conf_isolation	 isolation;	/* default reset (where the
						   kernel can) */
	int			 runner_max_requests;	/* default 10000 */
	int			 reset_verify;	/* compare after each reset */
	struct conf_shdict	*shared_dicts;
	uint64_t		 stream_timeout_ms;	/* 0: none */
	uint64_t		 stream_idle_timeout_ms;	/* 5m */
	uint64_t		 sse_keepalive_ms;	/* 15s; 0: none */
	uint64_t		 after_timeout_ms;	/* 30s */
	enum conf_sandbox	 sandbox;	/* default off */
	char			*sandbox_write;	/* paths (conf_next_path); NULL */
	char			*sandbox_read;	/* paths added to the defaults */
	uint16_t		 sandbox_connect[CONF_MAX_PORTS];
	int			 nsandbox_connect;	/* 0: connect anywhere */
	int			 sandbox_exec;	/* may run programs; default no */
	int			 reload_on_change;	/* watch the app's Lua
							   files; default no */
	struct pool_conf	*next;
};

struct conf {
	char			*path;		/* the file, for messages */
	enum conf_log_level	 log_level;	/* default info */
	char			*error_log;	/* "stderr", "syslog" or a path */
	enum conf_log_format	 error_log_format;	/* default text */
	uint64_t		 shutdown_timeout_ms;	/* default 10s */
	struct pool_conf	*pools;		/* in file order */
	int			 npools;
};

/*
 * Parses text (len bytes) read from path.  On error returns NULL and writes
 * "path:line: what is wrong" into err.  Checks syntax, keys, values and
 * duplicates, not the file system.
 */
struct conf	*conf_parse(const char *path, const char *text, size_t len,
		    char *err, size_t errlen);
/* Reads and parses path, then checks that every app file is readable. */
struct conf	*conf_load(const char *path, char *err, size_t errlen);
void		 conf_free(struct conf *);

/* "30s", "500ms", "2m", "1500" (plain number: seconds) -> milliseconds */
int		 conf_parse_duration(const char *, uint64_t *ms);
/* "1m", "64k", "2g", "1024" (bytes) -> bytes */
int		 conf_parse_size(const char *, size_t *bytes);
/*
 * The next path of a list of paths (sandbox_write, sandbox_read): its
 * start, with its length in *len (it is not terminated), or NULL at the
 * end.  Pass the start plus *len to get the one after.
 */
const char	*conf_next_path(const char *list, size_t *len);

#endif
