/*
 * Unit tests for conf.c: every key, every default, every error with its
 * line, durations and sizes, listen forms, app paths, conf_load and the
 * shipped conf/fcgiserve.conf.in.
 */
#include <sys/stat.h>

#include <sys/socket.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

#define PATH	"/etc/fcgiserve/test.conf"
/* A minimal valid pool: lines 1 to 3. */
#define POOL	"[pool a]\nlisten = /run/a.sock\napp = /srv/a.lua\n"

static char	errbuf[1024];
static char	tmpdir[PATH_MAX];

static struct conf *
parse_at(const char *path, const char *text)
{
	struct conf	*c;

	errbuf[0] = '\0';
	c = conf_parse(path, text, strlen(text), errbuf, sizeof(errbuf));
	ck_assert_msg(c != NULL, "parse failed: %s", errbuf);
	return c;
}

static struct conf *
parse(const char *text)
{
	return parse_at(PATH, text);
}

/* Asserts that text fails with exactly "PATH:line: msg". */
static void
parse_fails(const char *text, size_t len, int line, const char *msg)
{
	struct conf	*c;
	char		 want[1024];

	snprintf(want, sizeof(want), "%s:%d: %s", PATH, line, msg);
	errbuf[0] = '\0';
	c = conf_parse(PATH, text, len, errbuf, sizeof(errbuf));
	ck_assert_ptr_eq(c, NULL);
	ck_assert_str_eq(errbuf, want);
}

static int
default_workers(void)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

static void
assert_pool_defaults(const struct pool_conf *p)
{
	ck_assert_uint_eq(p->listen_mode, 0660);
	ck_assert_int_eq(p->listen_backlog, 511);
	ck_assert_int_eq(p->protocol, CONF_PROTO_FASTCGI);
	ck_assert_int_eq(p->workers, default_workers());
	ck_assert_int_eq(p->max_children, 64);
	ck_assert_int_eq(p->queue, 256);
	ck_assert_int_eq(p->max_connections, 1024);
	ck_assert_int_eq(p->spare_children, 2);
	ck_assert_uint_eq(p->max_response_size, 64 << 20);
	ck_assert_uint_eq(p->read_timeout_ms, 60000);
	ck_assert_uint_eq(p->child_memory_limit, 0);
	ck_assert_int_eq(p->child_cpu_limit, 0);
	ck_assert_int_eq(p->child_open_files, 0);
	ck_assert_int_eq(p->nallowed, 0);
	ck_assert_uint_eq(p->request_timeout_ms, 30000);
	ck_assert_uint_eq(p->max_body_size, 1048576);
	ck_assert_int_eq(p->max_params, 128);
	ck_assert_uint_eq(p->max_params_size, 131072);
	ck_assert_uint_eq(p->max_param_length, 32768);
	ck_assert_uint_eq(p->header_timeout_ms, 10000);
	ck_assert_int_eq(p->max_requests_per_connection, 0);
	ck_assert_ptr_eq(p->user, NULL);
	ck_assert_ptr_eq(p->group, NULL);
	ck_assert_ptr_eq(p->access_log, NULL);
	ck_assert_int_eq(p->access_format, CONF_ACCESS_JSON);
	ck_assert_ptr_eq(p->status_path, NULL);
	ck_assert_ptr_eq(p->ping_path, NULL);
	ck_assert_str_eq(p->ping_response, "pong");
	ck_assert_uint_eq(p->slowlog_timeout_ms, 0);
	ck_assert_ptr_eq(p->slowlog, NULL);
	ck_assert_ptr_eq(p->listen_owner, NULL);
	ck_assert_ptr_eq(p->listen_group, NULL);
	ck_assert_int_eq(p->allow_root, 0);
	ck_assert_int_eq(p->reload_on_change, 0);
	ck_assert_int_eq(p->sandbox, CONF_SANDBOX_OFF);
	ck_assert_ptr_eq(p->sandbox_write, NULL);
	ck_assert_ptr_eq(p->sandbox_read, NULL);
	ck_assert_int_eq(p->nsandbox_connect, 0);
	ck_assert_int_eq(p->sandbox_exec, 0);
}

START_TEST(test_defaults)
{
	struct conf	*c = parse(POOL);
	struct pool_conf *p = c->pools;

	ck_assert_str_eq(c->path, PATH);
	ck_assert_int_eq(c->log_level, CONF_LOG_INFO);
	ck_assert_str_eq(c->error_log, "stderr");
	ck_assert_int_eq(c->error_log_format, CONF_LOG_TEXT);
	ck_assert_uint_eq(c->shutdown_timeout_ms, 10000);
	ck_assert_int_eq(c->npools, 1);
	ck_assert_str_eq(p->name, "a");
	ck_assert_int_eq(p->line, 1);
	ck_assert_str_eq(p->listen, "/run/a.sock");
	ck_assert_str_eq(p->app, "/srv/a.lua");
	ck_assert_int_eq(p->app_line, 3);
	ck_assert_ptr_eq(p->next, NULL);
	assert_pool_defaults(p);
	conf_free(c);
}
END_TEST

START_TEST(test_every_key)
{
	struct conf	*c = parse(
	    "[global]\n"
	    "log_level = debug\n"
	    "error_log = /var/log/fcgiserve.log\n"
	    "error_log_format = json\n"
	    "shutdown_timeout = 2m\n"
	    "[pool api]\n"
	    "listen = 127.0.0.1:9000\n"
	    "listen_mode = 0600\n"
	    "listen_backlog = 128\n"
	    "protocol = scgi\n"
	    "app = /srv/api.lua\n"
	    "workers = 3\n"
	    "max_children = 4096\n"
	    "queue = 0\n"
	    "max_connections = 65535\n"
	    "spare_children = 64\n"
	    "max_response_size = 2k\n"
	    "read_timeout = 2m\n"
	    "child_memory_limit = 512m\n"
	    "child_cpu_limit = 30\n"
	    "child_open_files = 64\n"
	    "allowed_clients = 127.0.0.1, ::1,10.0.0.2\n"
	    "request_timeout = 1500ms\n"
	    "max_body_size = 64k\n"
	    "max_params = 65535\n"
	    "max_params_size = 64m\n"
	    "max_param_length = 64\n"
	    "header_timeout = 1h\n"
	    "max_requests_per_connection = 1000000000\n"
	    "user = www-data\n"
	    "group = www.data_1\n"
	    "access_log = /var/log/fcgiserve/access.log\n"
	    "access_format = combined\n"
	    "status_path = /fcgiserve-status\n"
	    "ping_path = /ping\n"
	    "ping_response = \"I am alive; really\"\n"
	    "slowlog_timeout = 2500ms\n"
	    "slowlog = /var/log/fcgiserve/slow.log\n"
	    "allow_root = yes\n");
	struct pool_conf *p = c->pools;

	ck_assert_int_eq(c->log_level, CONF_LOG_DEBUG);
	ck_assert_str_eq(c->error_log, "/var/log/fcgiserve.log");
	ck_assert_int_eq(c->error_log_format, CONF_LOG_JSON);
	ck_assert_uint_eq(c->shutdown_timeout_ms, 120000);
	ck_assert_str_eq(p->name, "api");
	ck_assert_int_eq(p->line, 6);
	ck_assert_str_eq(p->listen, "127.0.0.1:9000");
	ck_assert_uint_eq(p->listen_mode, 0600);
	ck_assert_int_eq(p->listen_backlog, 128);
	ck_assert_int_eq(p->protocol, CONF_PROTO_SCGI);
	ck_assert_str_eq(p->app, "/srv/api.lua");
	ck_assert_int_eq(p->app_line, 11);
	ck_assert_int_eq(p->workers, 3);
	ck_assert_int_eq(p->max_children, 4096);
	ck_assert_int_eq(p->queue, 0);
	ck_assert_int_eq(p->max_connections, 65535);
	ck_assert_int_eq(p->spare_children, 64);
	ck_assert_uint_eq(p->max_response_size, 2048);
	ck_assert_uint_eq(p->read_timeout_ms, 120000);
	ck_assert_uint_eq(p->child_memory_limit, 512UL << 20);
	ck_assert_int_eq(p->child_cpu_limit, 30);
	ck_assert_int_eq(p->child_open_files, 64);
	ck_assert_int_eq(p->nallowed, 3);
	ck_assert_int_eq(p->allowed[0].family, AF_INET);
	ck_assert_int_eq(p->allowed[1].family, AF_INET6);
	ck_assert_int_eq(p->allowed[1].addr[15], 1);
	ck_assert_int_eq(p->allowed[2].addr[3], 2);
	ck_assert_uint_eq(p->request_timeout_ms, 1500);
	ck_assert_uint_eq(p->max_body_size, 65536);
	ck_assert_int_eq(p->max_params, 65535);
	ck_assert_uint_eq(p->max_params_size, 64 << 20);
	ck_assert_uint_eq(p->max_param_length, 64);
	ck_assert_int_eq(p->allow_root, 1);
	ck_assert_uint_eq(p->header_timeout_ms, 3600000);
	ck_assert_int_eq(p->max_requests_per_connection, 1000000000);
	ck_assert_str_eq(p->user, "www-data");
	ck_assert_str_eq(p->group, "www.data_1");
	ck_assert_str_eq(p->access_log, "/var/log/fcgiserve/access.log");
	ck_assert_int_eq(p->access_format, CONF_ACCESS_COMBINED);
	ck_assert_str_eq(p->status_path, "/fcgiserve-status");
	ck_assert_str_eq(p->ping_path, "/ping");
	ck_assert_str_eq(p->ping_response, "I am alive; really");
	ck_assert_uint_eq(p->slowlog_timeout_ms, 2500);
	ck_assert_str_eq(p->slowlog, "/var/log/fcgiserve/slow.log");
	conf_free(c);

	/* The other forms: stderr, off (the default, spelled out), json. */
	c = parse(POOL "access_log = stderr\naccess_format = json\n"
	    "slowlog_timeout = 0\n");
	ck_assert_str_eq(c->pools->access_log, "stderr");
	ck_assert_int_eq(c->pools->access_format, CONF_ACCESS_JSON);
	ck_assert_uint_eq(c->pools->slowlog_timeout_ms, 0);
	conf_free(c);
	c = parse(POOL "access_log = off\n");
	ck_assert_ptr_eq(c->pools->access_log, NULL);
	conf_free(c);
}
END_TEST

/* The limit keys at the other end of their ranges. */
START_TEST(test_limit_keys_low)
{
	struct conf	*c = parse(POOL
	    "max_params = 1\n"
	    "max_params_size = 1k\n"
	    "max_param_length = 64m\n"
	    "header_timeout = 1ms\n"
	    "max_requests_per_connection = 0\n");
	struct pool_conf *p = c->pools;

	ck_assert_int_eq(p->max_params, 1);
	ck_assert_uint_eq(p->max_params_size, 1024);
	ck_assert_uint_eq(p->max_param_length, 64 << 20);
	ck_assert_uint_eq(p->header_timeout_ms, 1);
	ck_assert_int_eq(p->max_requests_per_connection, 0);
	conf_free(c);
}
END_TEST

/* listen_owner and listen_group are for unix sockets only. */
START_TEST(test_socket_owner)
{
	static const char	tcp[] = "[pool a]\nlisten = 127.0.0.1:9000\n"
	    "app = /a.lua\nlisten_group = www-data\n";
	struct conf		*c;

	c = parse(POOL "listen_owner = www-data\nlisten_group = www.data_1\n");
	ck_assert_str_eq(c->pools->listen_owner, "www-data");
	ck_assert_str_eq(c->pools->listen_group, "www.data_1");
	conf_free(c);
	parse_fails(tcp, sizeof(tcp) - 1, 4, "listen_group: applies to unix "
	    "sockets only, not to '127.0.0.1:9000'");
}
END_TEST

START_TEST(test_bools)
{
	static const char *const yes[] = { "yes", "on", "true" };
	static const char *const no[] = { "no", "off", "false" };
	char		 text[256];
	struct conf	*c;
	int		 i;

	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), POOL "allow_root = %s\n", yes[i]);
		c = parse(text);
		ck_assert_int_eq(c->pools->allow_root, 1);
		conf_free(c);
		snprintf(text, sizeof(text), POOL "allow_root = %s\n", no[i]);
		c = parse(text);
		ck_assert_int_eq(c->pools->allow_root, 0);
		conf_free(c);
	}
	c = parse(POOL "reload_on_change = yes\n");
	ck_assert_int_eq(c->pools->reload_on_change, 1);
	conf_free(c);
}
END_TEST

START_TEST(test_sandbox)
{
	const char	*s;
	size_t		 len;
	struct conf	*c;
	char		 text[1024], err[1024];
	int		 i;

	c = parse(POOL "sandbox = required\nsandbox_exec = yes\n"
	    "sandbox_write = /var/lib/a\t/tmp\n"
	    "sandbox_read = /srv\nsandbox_connect = 1 5432  65535\n");
	ck_assert_int_eq(c->pools->sandbox, CONF_SANDBOX_REQUIRED);
	ck_assert_int_eq(c->pools->sandbox_exec, 1);
	ck_assert_str_eq(c->pools->sandbox_read, "/srv");
	ck_assert_int_eq(c->pools->nsandbox_connect, 3);
	ck_assert_uint_eq(c->pools->sandbox_connect[0], 1);
	ck_assert_uint_eq(c->pools->sandbox_connect[1], 5432);
	ck_assert_uint_eq(c->pools->sandbox_connect[2], 65535);
	conf_free(c);
	/* Paths one by one, however spaced. */
	c = parse(POOL "sandbox = on\nsandbox_write = /var/lib/a  /tmp\n");
	ck_assert_int_eq(c->pools->sandbox, CONF_SANDBOX_ON);
	s = conf_next_path(c->pools->sandbox_write, &len);
	ck_assert_ptr_ne(s, NULL);
	ck_assert_int_eq((int)len, 10);
	ck_assert_int_eq(strncmp(s, "/var/lib/a", len), 0);
	s = conf_next_path(s + len, &len);
	ck_assert_ptr_ne(s, NULL);
	ck_assert_int_eq(strncmp(s, "/tmp", len), 0);
	ck_assert_int_eq((int)len, 4);
	ck_assert_ptr_eq(conf_next_path(s + len, &len), NULL);
	conf_free(c);
	/* 64 ports, not 65. */
	strcpy(text, POOL "sandbox_connect =");
	for (i = 1; i <= CONF_MAX_PORTS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    " %d", i);
	strcat(text, "\n");
	c = parse(text);
	ck_assert_int_eq(c->pools->nsandbox_connect, CONF_MAX_PORTS);
	conf_free(c);
	text[strlen(text) - 1] = '\0';
	strcat(text, " 65\n");
	ck_assert_ptr_eq(conf_parse("t.conf", text, strlen(text), err,
	    sizeof(err)), NULL);
	ck_assert_ptr_ne(strstr(err, "sandbox_connect: expected TCP ports"),
	    NULL);
}
END_TEST

START_TEST(test_enums)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	char		 text[256];
	struct conf	*c;
	int		 i;

	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "[global]\nlog_level = %s\n" POOL,
		    levels[i]);
		c = parse(text);
		ck_assert_int_eq(c->log_level, i);
		conf_free(c);
	}
	c = parse("[global]\nerror_log = syslog\n" POOL "protocol = fastcgi\n");
	ck_assert_str_eq(c->error_log, "syslog");
	ck_assert_int_eq(c->pools->protocol, CONF_PROTO_FASTCGI);
	conf_free(c);
	c = parse("[global]\nerror_log = stderr\n" POOL);
	ck_assert_str_eq(c->error_log, "stderr");
	conf_free(c);
}
END_TEST

/* The ends of every range are accepted. */
START_TEST(test_bounds)
{
	struct conf	*c;

	c = parse("[global]\nshutdown_timeout = 0\n" POOL
	    "listen_mode = 0\nlisten_backlog = 1\nworkers = 1\n"
	    "max_children = 1\nmax_connections = 1\nrequest_timeout = 1ms\n"
	    "max_body_size = 0\n");
	ck_assert_uint_eq(c->shutdown_timeout_ms, 0);
	ck_assert_uint_eq(c->pools->listen_mode, 0);
	ck_assert_int_eq(c->pools->listen_backlog, 1);
	ck_assert_int_eq(c->pools->workers, 1);
	ck_assert_int_eq(c->pools->max_children, 1);
	ck_assert_int_eq(c->pools->max_connections, 1);
	ck_assert_uint_eq(c->pools->request_timeout_ms, 1);
	ck_assert_uint_eq(c->pools->max_body_size, 0);
	conf_free(c);

	c = parse("[global]\nshutdown_timeout = 1h\n" POOL
	    "listen_mode = 777\nlisten_backlog = 65535\nworkers = 256\n"
	    "queue = 65535\nrequest_timeout = 24h\nmax_body_size = 1g\n");
	ck_assert_uint_eq(c->shutdown_timeout_ms, 3600000);
	ck_assert_uint_eq(c->pools->listen_mode, 0777);
	ck_assert_int_eq(c->pools->listen_backlog, 65535);
	ck_assert_int_eq(c->pools->workers, 256);
	ck_assert_int_eq(c->pools->queue, 65535);
	ck_assert_uint_eq(c->pools->request_timeout_ms, 86400000);
	ck_assert_uint_eq(c->pools->max_body_size, 1073741824);
	conf_free(c);
}
END_TEST

START_TEST(test_syntax)
{
	struct conf	*c;
	struct pool_conf *p;

	c = parse(
	    "\xef\xbb\xbf; a comment\r\n"
	    "# another one\r\n"
	    "   \t\r\n"
	    "  [ global ]  ; trailing comment\r\n"
	    "log_level=warn\r\n"
	    "\terror_log   =   /var/log/a#b.log   # inline\r\n"
	    "[pool   x-1.y_2 ]\r\n"
	    "listen = /run/x.sock ; inline\r\n"
	    "app = \"/srv/a ;b #c.lua\" ; quoted keeps ; and #\r\n"
	    "user = \"fcgi\"\r\n"
	    "  ; indented comment\r\n"
	    "group=fcgi\t# no newline at the end");
	p = c->pools;
	ck_assert_int_eq(c->log_level, CONF_LOG_WARN);
	ck_assert_str_eq(c->error_log, "/var/log/a#b.log");
	ck_assert_str_eq(p->name, "x-1.y_2");
	ck_assert_int_eq(p->line, 7);
	ck_assert_str_eq(p->listen, "/run/x.sock");
	ck_assert_str_eq(p->app, "/srv/a ;b #c.lua");
	ck_assert_int_eq(p->app_line, 9);
	ck_assert_str_eq(p->user, "fcgi");
	ck_assert_str_eq(p->group, "fcgi");
	conf_free(c);
}
END_TEST

START_TEST(test_pools_in_order)
{
	struct conf	*c;
	struct pool_conf *p;

	c = parse(
	    "[pool one]\nlisten = /run/1.sock\napp = /1.lua\n"
	    "[pool two]\nlisten = 127.0.0.1:9001\napp = /2.lua\n"
	    "[global]\nlog_level = error\n"
	    "[pool three]\nlisten = [::1]:9003\napp = /3.lua\nworkers = 7\n");
	ck_assert_int_eq(c->npools, 3);
	ck_assert_int_eq(c->log_level, CONF_LOG_ERROR);
	p = c->pools;
	ck_assert_str_eq(p->name, "one");
	ck_assert_int_eq(p->line, 1);
	p = p->next;
	ck_assert_str_eq(p->name, "two");
	ck_assert_int_eq(p->line, 4);
	ck_assert_int_eq(p->app_line, 6);
	p = p->next;
	ck_assert_str_eq(p->name, "three");
	ck_assert_int_eq(p->line, 9);
	ck_assert_str_eq(p->listen, "[::1]:9003");
	ck_assert_int_eq(p->workers, 7);
	ck_assert_ptr_eq(p->next, NULL);
	conf_free(c);
}
END_TEST

struct error_case {
	const char	*text;
	int		 line;
	const char	*msg;
};

#define WANT_INT(k, v, range)	\
	{ POOL k " = " v "\n", 4, k ": expected an integer from " range \
	    ", got '" v "'" }
#define WANT_POOL(k, v, what)	\
	{ POOL k " = " v "\n", 4, k ": expected " what ", got '" v "'" }
#define WANT_GLOBAL(k, v, what)	\
	{ "[global]\n" k " = " v "\n" POOL, 2, k ": expected " what \
	    ", got '" v "'" }
#define LISTEN_FORMS	"an absolute unix socket path, a.b.c.d:port, " \
			"[v6]:port or *:port"
#define MODE		"an octal mode from 0 to 0777"
#define TIMEOUT		"a duration from 1ms to 24h (e.g. 30s, 500ms)"
#define SHUTDOWN	"a duration from 0 to 1h (e.g. 10s, 500ms)"
#define BODY		"a size from 0 to 1g (e.g. 64k, 1m)"
#define USER		"a user name made of A-Z a-z 0-9 _ . -"
#define GROUP		"a group name made of A-Z a-z 0-9 _ . -"
#define BADNAME		"use 1 to 64 of A-Z a-z 0-9 _ . -"
#define ACCESS_LOG	"off, stderr or an absolute path"
#define URI_PATH	"a path starting with '/' (no spaces or control " \
			"characters)"

static const struct error_case error_cases[] = {
	/* structure */
	{ "a = 1\n" POOL, 1,
	    "key 'a' outside any section; start with [global] or [pool NAME]" },
	{ "; c\n\n[server]\n" POOL, 3,
	    "unknown section '[server]'; expected [global] or [pool NAME]" },
	{ "[Global]\n", 1,
	    "unknown section '[Global]'; expected [global] or [pool NAME]" },
	{ "[pools a]\n", 1,
	    "unknown section '[pools a]'; expected [global] or [pool NAME]" },
	{ "[]\n", 1, "unknown section '[]'; expected [global] or [pool NAME]" },
	{ POOL "foo = 1\n", 4, "unknown key 'foo' in [pool a]" },
	{ "[global]\nfoo = 1\n" POOL, 2, "unknown key 'foo' in [global]" },
	{ "[global]\nlisten = /run/a.sock\n", 2, "unknown key 'listen' in "
	    "[global] (it belongs in a [pool NAME] section)" },
	{ POOL "log_level = info\n", 4,
	    "unknown key 'log_level' in [pool a] (it belongs in [global])" },
	{ POOL "Workers = 2\n", 4, "unknown key 'Workers' in [pool a]" },
	{ "[global]\nerror_log_format = yaml\n" POOL, 2,
	    "error_log_format: expected text or json, got 'yaml'" },
	{ "[pool a]\r\nlisten = /run/a.sock\r\nwork ers = 2\r\n", 3,
	    "unknown key 'work ers' in [pool a]" },
	{ POOL "app = /srv/b.lua\n", 4,
	    "duplicate key 'app' in [pool a] (first set on line 3)" },
	{ "[global]\nlog_level = info\n\nlog_level = debug\n", 4,
	    "duplicate key 'log_level' in [global] (first set on line 2)" },
	{ "[global]\n" POOL "[global]\n", 5,
	    "duplicate [global] section (first on line 1)" },
	{ POOL "[pool a]\n", 4, "duplicate pool name 'a' (first on line 1)" },
	{ POOL "[pool b]\nlisten = /run/a.sock\n", 5,
	    "listen '/run/a.sock' is already used by [pool a] (line 1)" },
	{ "[pool a]\nlisten = *:9000\napp = /a\n[pool b]\n"
	    "listen = 127.0.0.1:9000\n", 5,
	    "listen '127.0.0.1:9000' is already used by [pool a] (line 1)" },
	{ "[pool a]\nlisten = 127.0.0.1:9000\napp = /a\n[pool b]\n"
	    "listen = 0.0.0.0:9000\n", 5,
	    "listen '0.0.0.0:9000' is already used by [pool a] (line 1)" },
	{ "[pool a]\nlisten = [::1]:9000\napp = /a\n[pool b]\n"
	    "listen = [0:0::1]:9000\n", 5,
	    "listen '[::1]:9000' is already used by [pool a] (line 1)" },
	{ POOL "max_children\n", 4,
	    "expected 'key = value', got 'max_children'" },
	{ POOL "= 5\n", 4, "missing key before '='" },
	{ "", 0, "no [pool] section" },
	{ "; only comments\n\n", 0, "no [pool] section" },
	{ "[global]\nlog_level = debug\n", 0, "no [pool] section" },
	{ "[pool api]\napp = /a.lua\n", 1, "[pool api] has no 'listen'" },
	{ "[pool api]\n", 1, "[pool api] has no 'listen'" },
	{ "[pool api]\nlisten = /run/a.sock\n[global]\n", 1,
	    "[pool api] has no 'app'" },
	{ "[global]\n\n[pool api]\nlisten = /run/a.sock\n", 3,
	    "[pool api] has no 'app'" },
	{ "[pool api]\nlisten = /run/a.sock\n[bogus]\n", 1,
	    "[pool api] has no 'app'" },
	{ "[pool]\n", 1, "a pool needs a name: [pool NAME]" },
	{ "[pool ]\n", 1, "a pool needs a name: [pool NAME]" },
	{ "[pool a/b]\n", 1, "invalid pool name 'a/b': " BADNAME },
	{ "[pool a b]\n", 1, "invalid pool name 'a b': " BADNAME },
	{ "[pool "
	    "12345678901234567890123456789012345678901234567890123456789012345"
	    "]\n", 1, "invalid pool name '"
	    "1234567890123456789012345678901234567890123456789012345678901234"
	    "': " BADNAME },
	{ "[global\n", 1, "unterminated section header, expected ']'" },
	{ "[global] x\n", 1, "unexpected text after section header: 'x'" },
	{ POOL "user = \"fcgi\n", 4, "unterminated quoted value" },
	{ POOL "user = \"fcgi\" x\n", 4,
	    "unexpected text after quoted value: 'x'" },

	/* integers */
	WANT_INT("max_children", "x", "1 to 4096"),
	WANT_INT("max_children", "0", "1 to 4096"),
	WANT_INT("max_children", "4097", "1 to 4096"),
	WANT_INT("max_children", "-1", "1 to 4096"),
	WANT_INT("max_children", "+1", "1 to 4096"),
	WANT_INT("max_children", "1.5", "1 to 4096"),
	WANT_INT("max_children", "2k", "1 to 4096"),
	WANT_INT("max_children", "", "1 to 4096"),
	WANT_INT("max_children", "99999999999999999999999", "1 to 4096"),
	WANT_INT("workers", "0", "1 to 256"),
	WANT_INT("workers", "257", "1 to 256"),
	WANT_INT("queue", "-1", "0 to 65535"),
	WANT_INT("queue", "65536", "0 to 65535"),
	WANT_INT("max_connections", "0", "1 to 65535"),
	WANT_INT("max_connections", "65536", "1 to 65535"),
	WANT_INT("spare_children", "-1", "0 to 64"),
	WANT_INT("spare_children", "65", "0 to 64"),
	WANT_INT("listen_backlog", "0", "1 to 65535"),
	WANT_INT("listen_backlog", "65536", "1 to 65535"),
	{ POOL "workers = \"\"\n", 4,
	    "workers: expected an integer from 1 to 256, got ''" },
	{ POOL "workers = ; nothing\n", 4,
	    "workers: expected an integer from 1 to 256, got ''" },

	/* other pool values */
	WANT_POOL("listen_mode", "0778", MODE),
	WANT_POOL("listen_mode", "01000", MODE),
	WANT_POOL("listen_mode", "8", MODE),
	WANT_POOL("listen_mode", "rw", MODE),
	WANT_POOL("listen_mode", "-0660", MODE),
	WANT_POOL("listen_mode", "", MODE),
	WANT_POOL("protocol", "http", "fastcgi or scgi"),
	WANT_POOL("protocol", "FastCGI", "fastcgi or scgi"),
	WANT_POOL("protocol", "", "fastcgi or scgi"),
	WANT_POOL("request_timeout", "0", TIMEOUT),
	WANT_POOL("request_timeout", "0ms", TIMEOUT),
	WANT_POOL("request_timeout", "25h", TIMEOUT),
	WANT_POOL("request_timeout", "86400001ms", TIMEOUT),
	WANT_POOL("request_timeout", "30 s", TIMEOUT),
	WANT_POOL("request_timeout", "30x", TIMEOUT),
	WANT_POOL("request_timeout", "", TIMEOUT),
	WANT_POOL("max_body_size", "2g", BODY),
	WANT_POOL("max_body_size", "1073741825", BODY),
	WANT_POOL("max_body_size", "1t", BODY),
	WANT_POOL("max_body_size", "-1", BODY),
	WANT_POOL("max_body_size", "", BODY),
	WANT_POOL("max_response_size", "1023",
	    "a size from 1k to 1g (e.g. 64m)"),
	WANT_POOL("max_response_size", "2g", "a size from 1k to 1g (e.g. 64m)"),
	WANT_POOL("read_timeout", "0", "a duration from 1ms to 24h (e.g. 60s)"),
	WANT_INT("max_params", "0", "1 to 65535"),
	WANT_INT("max_params", "65536", "1 to 65535"),
	WANT_POOL("max_params_size", "1023", "a size from 1k to 64m (e.g. 128k)"),
	WANT_POOL("max_params_size", "67108865",
	    "a size from 1k to 64m (e.g. 128k)"),
	WANT_POOL("max_param_length", "63", "a size from 64 to 64m (e.g. 32k)"),
	WANT_POOL("max_param_length", "65m", "a size from 64 to 64m (e.g. 32k)"),
	WANT_POOL("header_timeout", "0", "a duration from 1ms to 1h (e.g. 10s)"),
	WANT_POOL("header_timeout", "3600001ms",
	    "a duration from 1ms to 1h (e.g. 10s)"),
	WANT_INT("max_requests_per_connection", "-1",
	    "0 (no limit) to 1000000000"),
	WANT_INT("max_requests_per_connection", "1000000001",
	    "0 (no limit) to 1000000000"),
	WANT_POOL("child_memory_limit", "257g",
	    "a size from 0 (none) to 256g (e.g. 512m)"),
	WANT_POOL("child_cpu_limit", "-1",
	    "a number of seconds from 0 (none) to 86400"),
	WANT_POOL("allowed_clients", "localhost",
	    "IPv4 or IPv6 addresses separated by commas"),
	WANT_POOL("allowed_clients", "127.0.0.1,",
	    "IPv4 or IPv6 addresses separated by commas"),
	WANT_POOL("allowed_clients", "127.0.0.1,,::1",
	    "IPv4 or IPv6 addresses separated by commas"),
	WANT_POOL("allowed_clients", "",
	    "IPv4 or IPv6 addresses separated by commas"),
	WANT_POOL("child_open_files", "x",
	    "an integer from 0 (as inherited) to 1048576"),
	WANT_POOL("read_timeout", "25h", "a duration from 1ms to 24h (e.g. 60s)"),
	WANT_POOL("user", "a b", USER),
	WANT_POOL("user", "bob:x", USER),
	WANT_POOL("user", "", USER),
	WANT_POOL("group", "x/y", GROUP),
	WANT_POOL("listen_owner", "a b", USER),
	WANT_POOL("listen_group", "", GROUP),
	WANT_POOL("allow_root", "maybe", "yes or no"),
	WANT_POOL("allow_root", "YES", "yes or no"),
	WANT_POOL("allow_root", "1", "yes or no"),
	WANT_POOL("reload_on_change", "sometimes", "yes or no"),
	WANT_POOL("sandbox", "yes", "off, on or required"),
	WANT_POOL("sandbox_write", "var/lib", "absolute paths separated by spaces"),
	WANT_POOL("sandbox_write", "/a b", "absolute paths separated by spaces"),
	WANT_POOL("sandbox_read", "", "absolute paths separated by spaces"),
	WANT_POOL("sandbox_connect", "0", "TCP ports from 1 to 65535 separated by spaces"),
	WANT_POOL("sandbox_connect", "80 65536", "TCP ports from 1 to 65535 separated by spaces"),
	WANT_POOL("sandbox_connect", "80,443", "TCP ports from 1 to 65535 separated by spaces"),
	WANT_POOL("sandbox_exec", "1", "yes or no"),
	/* ';' and '#' start a comment only after whitespace */
	WANT_POOL("group", "fcgi;x", GROUP),
	WANT_POOL("group", "fcgi#x", GROUP),
	{ "[pool a]\nlisten = /run/a.sock\napp =\n", 3,
	    "app: expected the path of a Lua file, got ''" },
	WANT_POOL("access_log", "access.log", ACCESS_LOG),
	WANT_POOL("access_log", "syslog", ACCESS_LOG),
	WANT_POOL("access_log", "", ACCESS_LOG),
	WANT_POOL("access_format", "common", "json or combined"),
	WANT_POOL("access_format", "JSON", "json or combined"),
	WANT_POOL("status_path", "status", URI_PATH),
	WANT_POOL("status_path", "", URI_PATH),
	{ POOL "status_path = \"/a b\"\n", 4,
	    "status_path: expected " URI_PATH ", got '/a b'" },
	WANT_POOL("status_path", "/st?full", URI_PATH),
	WANT_POOL("ping_path", "ping", URI_PATH),
	{ POOL "ping_response = \"\"\n", 4,
	    "ping_response: expected 1 to 255 bytes of text, got ''" },
	WANT_POOL("slowlog_timeout", "25h",
	    "a duration from 0 (off) to 24h (e.g. 5s)"),
	WANT_POOL("slowlog_timeout", "-1",
	    "a duration from 0 (off) to 24h (e.g. 5s)"),
	WANT_POOL("slowlog", "slow.log", "an absolute file path"),
	WANT_POOL("slowlog", "stderr", "an absolute file path"),
	{ POOL "status_path = /x\nping_path = /x\n", 1,
	    "[pool a]: status_path and ping_path are the same" },

	/* listen */
	{ POOL "[pool b]\nlisten = localhost:9000\n", 5, "listen: expected "
	    LISTEN_FORMS ", got 'localhost:9000'" },
	{ POOL "[pool b]\nlisten = 127.0.0.1\n", 5, "listen: expected "
	    LISTEN_FORMS ", got '127.0.0.1'" },
	{ POOL "[pool b]\nlisten = 256.0.0.1:80\n", 5, "listen: expected "
	    LISTEN_FORMS ", got '256.0.0.1:80'" },
	{ POOL "[pool b]\nlisten = ::1:9000\n", 5, "listen: expected "
	    LISTEN_FORMS ", got '::1:9000'" },
	{ POOL "[pool b]\nlisten = [::1]9000\n", 5, "listen: expected "
	    LISTEN_FORMS ", got '[::1]9000'" },
	{ POOL "[pool b]\nlisten = [::1:9000\n", 5, "listen: expected "
	    LISTEN_FORMS ", got '[::1:9000'" },
	{ POOL "[pool b]\nlisten = [127.0.0.1]:9000\n", 5, "listen: expected "
	    LISTEN_FORMS ", got '[127.0.0.1]:9000'" },
	{ POOL "[pool b]\nlisten = run/b.sock\n", 5, "listen: expected "
	    LISTEN_FORMS ", got 'run/b.sock'" },
	{ POOL "[pool b]\nlisten = \n", 5, "listen: expected "
	    LISTEN_FORMS ", got ''" },
	{ POOL "[pool b]\nlisten = 127.0.0.1:0\n", 5,
	    "listen: expected a port from 1 to 65535, got '127.0.0.1:0'" },
	{ POOL "[pool b]\nlisten = 127.0.0.1:65536\n", 5,
	    "listen: expected a port from 1 to 65535, got '127.0.0.1:65536'" },
	{ POOL "[pool b]\nlisten = *:\n", 5,
	    "listen: expected a port from 1 to 65535, got '*:'" },
	{ POOL "[pool b]\nlisten = [::1]:http\n", 5,
	    "listen: expected a port from 1 to 65535, got '[::1]:http'" },

	/* global values */
	WANT_GLOBAL("log_level", "verbose", "error, warn, info or debug"),
	WANT_GLOBAL("log_level", "INFO", "error, warn, info or debug"),
	WANT_GLOBAL("error_log", "log/fcgiserve.log",
	    "stderr, syslog or an absolute path"),
	WANT_GLOBAL("error_log", "", "stderr, syslog or an absolute path"),
	WANT_GLOBAL("shutdown_timeout", "61m", SHUTDOWN),
	WANT_GLOBAL("shutdown_timeout", "3601s", SHUTDOWN),
	WANT_GLOBAL("shutdown_timeout", "-1", SHUTDOWN),
};

START_TEST(test_errors)
{
	const struct error_case	*e = &error_cases[_i];

	parse_fails(e->text, strlen(e->text), e->line, e->msg);
}
END_TEST

START_TEST(test_allowed_clients_unix)
{
	static const char	text[] = "[pool a]\nlisten = /run/a.sock\n"
	    "allowed_clients = 127.0.0.1\napp = /a.lua\n";

	parse_fails(text, sizeof(text) - 1, 3, "allowed_clients: applies to "
	    "TCP listen addresses only; use listen_mode and user/group for a "
	    "unix socket");
}
END_TEST

START_TEST(test_error_edges)
{
	static const char nul[] = POOL "workers = 2\0junk\n";
	char		 text[512], want[256], path[200];
	struct conf	*c;

	parse_fails(nul, sizeof(nul) - 1, 4, "NUL byte in line");

	/* A unix path must fit sun_path (108 bytes with its NUL). */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	snprintf(text, sizeof(text), "[pool a]\nlisten = %s\napp = /a\n", path);
	c = parse(text);
	ck_assert_str_eq(c->pools->listen, path);
	conf_free(c);
	path[107] = 'p';
	path[108] = '\0';
	snprintf(text, sizeof(text), "[pool a]\nlisten = %s\napp = /a\n", path);
	snprintf(want, sizeof(want), "listen: a unix socket path must be "
	    "shorter than 108 bytes, got '%.64s...'", path);
	parse_fails(text, strlen(text), 2, want);

	/* No err buffer: still fails cleanly. */
	ck_assert_ptr_eq(conf_parse(PATH, "x", 1, NULL, 0), NULL);
	ck_assert_ptr_eq(conf_parse(PATH, "x", 1, errbuf, 0), NULL);
	/* Truncated, still NUL-terminated. */
	ck_assert_ptr_eq(conf_parse(PATH, "x", 1, errbuf, 8), NULL);
	ck_assert_str_eq(errbuf, "/etc/fc");
	conf_free(NULL);
}
END_TEST

START_TEST(test_listen_forms)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/run/a.sock", "/run/a.sock" },
		{ "127.0.0.1:9000", "127.0.0.1:9000" },
		{ "*:9000", "0.0.0.0:9000" },
		{ "0.0.0.0:65535", "0.0.0.0:65535" },
		{ "10.1.2.3:09000", "10.1.2.3:9000" },
		{ "[::1]:9000", "[::1]:9000" },
		{ "[0:0:0:0:0:0:0:1]:1", "[::1]:1" },
		{ "[::]:80", "[::]:80" },
		{ "[2001:DB8::A]:443", "[2001:db8::a]:443" },
	};
	char		 text[256];
	struct conf	*c;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[pool a]\nlisten = %s\napp = /a\n",
		    cases[i].in);
		c = parse(text);
		ck_assert_str_eq(c->pools->listen, cases[i].out);
		conf_free(c);
	}
	/* Different ports, families or paths do not clash. */
	c = parse("[pool a]\nlisten = *:9000\napp = /a\n"
	    "[pool b]\nlisten = *:9001\napp = /b\n"
	    "[pool c]\nlisten = [::]:9000\napp = /c\n"
	    "[pool d]\nlisten = /run/d.sock\napp = /d\n"
	    "[pool e]\nlisten = /run/e.sock\napp = /e\n");
	ck_assert_int_eq(c->npools, 5);
	conf_free(c);
}
END_TEST

START_TEST(test_durations)
{
	static const struct { const char *in; uint64_t ms; } good[] = {
		{ "0", 0 }, { "1", 1000 }, { "1500", 1500000 },
		{ "0ms", 0 }, { "250ms", 250 }, { "30s", 30000 },
		{ "007s", 7000 }, { "2m", 120000 }, { "1h", 3600000 },
		{ "24h", 86400000 },
		{ "18446744073709551615ms", UINT64_MAX },
		{ "18446744073709551s", 18446744073709551000ULL },
	};
	static const char *const bad[] = {
		"", "s", "ms", "-1", "+1", " 1", "1 ", "1.5s", "1sec", "1S",
		"1MS", "1d", "1 s", "1ss", "1sm", "0x10", "1e3",
	};
	static const char *const overflow[] = {
		"18446744073709551616ms", "18446744073709552s",
		"5000000000000000h", "99999999999999999999999",
	};
	uint64_t	 ms;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 42;
		ck_assert_msg(conf_parse_duration(good[i].in, &ms) == 0,
		    "'%s' refused", good[i].in);
		ck_assert_uint_eq(ms, good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 42;
		errno = 0;
		ck_assert_msg(conf_parse_duration(bad[i], &ms) == -1,
		    "'%s' accepted", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(ms, 42);
	}
	for (i = 0; i < sizeof(overflow) / sizeof(overflow[0]); i++) {
		errno = 0;
		ck_assert_msg(conf_parse_duration(overflow[i], &ms) == -1,
		    "'%s' accepted", overflow[i]);
		ck_assert_int_eq(errno, ERANGE);
	}
}
END_TEST

START_TEST(test_sizes)
{
	static const struct { const char *in; uint64_t n; } good[] = {
		{ "0", 0 }, { "1024", 1024 }, { "1k", 1024 }, { "1K", 1024 },
		{ "64k", 65536 }, { "1m", 1048576 }, { "1M", 1048576 },
		{ "2g", 2147483648ULL }, { "2G", 2147483648ULL }, { "0g", 0 },
		{ "0010k", 10240 },
	};
	static const char *const bad[] = {
		"", "k", "-1", "+1", " 1", "1 ", "1 k", "1kb", "1KB", "1t",
		"1b", "1.5m", "1mk", "0x10",
	};
	static const char *const overflow[] = {
		"18446744073709551616", "17179869184g",
		"99999999999999999999999k",
	};
	size_t		 n;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = 42;
		ck_assert_msg(conf_parse_size(good[i].in, &n) == 0,
		    "'%s' refused", good[i].in);
		ck_assert_uint_eq(n, good[i].n);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 42;
		errno = 0;
		ck_assert_msg(conf_parse_size(bad[i], &n) == -1,
		    "'%s' accepted", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(n, 42);
	}
	for (i = 0; i < sizeof(overflow) / sizeof(overflow[0]); i++) {
		errno = 0;
		ck_assert_msg(conf_parse_size(overflow[i], &n) == -1,
		    "'%s' accepted", overflow[i]);
		ck_assert_int_eq(errno, ERANGE);
	}
}
END_TEST

static void
assert_app(const char *path, const char *app, const char *want)
{
	char		 text[512];
	struct conf	*c;

	snprintf(text, sizeof(text), "[pool a]\nlisten = /run/a.sock\n"
	    "app = %s\n", app);
	c = parse_at(path, text);
	ck_assert_str_eq(c->pools->app, want);
	conf_free(c);
}

START_TEST(test_app_paths)
{
	char	 cwd[PATH_MAX], want[PATH_MAX + 64];

	assert_app("/etc/fcgiserve/fcgiserve.conf", "apps/x.lua",
	    "/etc/fcgiserve/apps/x.lua");
	assert_app("/etc/fcgiserve/fcgiserve.conf", "./x.lua",
	    "/etc/fcgiserve/x.lua");
	assert_app("/etc/fcgiserve/fcgiserve.conf", ".//./x.lua",
	    "/etc/fcgiserve/x.lua");
	assert_app("/etc/fcgiserve/fcgiserve.conf", "../x.lua",
	    "/etc/fcgiserve/../x.lua");
	assert_app("/etc/fcgiserve/fcgiserve.conf", "/srv/x.lua", "/srv/x.lua");
	assert_app("/f.conf", "x.lua", "/x.lua");
	assert_app("/etc/f.conf", "\"my app.lua\"", "/etc/my app.lua");

	ck_assert_ptr_ne(getcwd(cwd, sizeof(cwd)), NULL);
	snprintf(want, sizeof(want), "%s/conf/x.lua",
	    strcmp(cwd, "/") == 0 ? "" : cwd);
	assert_app("conf/f.conf", "x.lua", want);
	snprintf(want, sizeof(want), "%s/x.lua",
	    strcmp(cwd, "/") == 0 ? "" : cwd);
	assert_app("f.conf", "x.lua", want);
}
END_TEST

/* conf_load: files in a temporary directory, made and removed once. */

static void
tmp_setup(void)
{
	const char	*base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check_conf.XXXXXX",
	    base != NULL && base[0] == '/' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

/* The tests leave only plain files there, so one level is enough. */
static void
tmp_teardown(void)
{
	char		 path[PATH_MAX + 256];
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(tmpdir)) == NULL) {
		perror(tmpdir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		if (remove(path) == -1)
			perror(path);
	}
	closedir(d);
	if (rmdir(tmpdir) == -1)
		perror(tmpdir);
}

static void
tmp_path(char *buf, size_t len, const char *name)
{
	int	n = snprintf(buf, len, "%s/%s", tmpdir, name);

	ck_assert_msg(n >= 0 && (size_t)n < len, "path too long: %s/%s",
	    tmpdir, name);
}

static void
write_file(const char *name, const char *text, size_t len)
{
	char	 path[PATH_MAX];
	FILE	*f;

	tmp_path(path, sizeof(path), name);
	f = fopen(path, "w");
	ck_assert_ptr_ne(f, NULL);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
load_fails(const char *name, int line, const char *msg)
{
	char	 path[PATH_MAX], want[PATH_MAX * 3];

	tmp_path(path, sizeof(path), name);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	errbuf[0] = '\0';
	ck_assert_ptr_eq(conf_load(path, errbuf, sizeof(errbuf)), NULL);
	ck_assert_str_eq(errbuf, want);
}

START_TEST(test_load)
{
	static const char text[] = "[pool a]\nlisten = /run/a.sock\n"
	    "app = ./a.lua\n[pool b]\nlisten = /run/b.sock\n\n"
	    "app = b.lua\n";
	char		 path[PATH_MAX], app[PATH_MAX], msg[PATH_MAX * 2];
	struct conf	*c;

	write_file("a.lua", "", 0);
	write_file("load.conf", text, strlen(text));
	tmp_path(app, sizeof(app), "b.lua");
	snprintf(msg, sizeof(msg), "app '%s': No such file or directory", app);
	load_fails("load.conf", 7, msg);

	/* A directory is not an app. */
	ck_assert_int_eq(mkdir(app, 0700), 0);
	snprintf(msg, sizeof(msg), "app '%s': not a regular file", app);
	load_fails("load.conf", 7, msg);
	ck_assert_int_eq(rmdir(app), 0);

	/* Both apps exist: loads, the relative ones made absolute. */
	write_file("b.lua", "return function() end\n", 22);
	tmp_path(path, sizeof(path), "load.conf");
	c = conf_load(path, errbuf, sizeof(errbuf));
	ck_assert_msg(c != NULL, "conf_load: %s", errbuf);
	ck_assert_str_eq(c->path, path);
	ck_assert_int_eq(c->npools, 2);
	ck_assert_str_eq(c->pools->next->app, app);
	tmp_path(app, sizeof(app), "a.lua");
	ck_assert_str_eq(c->pools->app, app);
	conf_free(c);

	/* Unreadable app (root reads anything, so only as a user). */
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(app, 0), 0);
		snprintf(msg, sizeof(msg), "app '%s': Permission denied", app);
		load_fails("load.conf", 3, msg);
	}

	/* /dev/null is readable but not a regular file either. */
	write_file("null.conf", "[pool a]\nlisten = /run/a.sock\n"
	    "app = /dev/null\n", 46);
	load_fails("null.conf", 3, "app '/dev/null': not a regular file");

	/* Syntax errors come through unchanged. */
	write_file("bad.conf", POOL "nope = 1\n", strlen(POOL) + 9);
	load_fails("bad.conf", 4, "unknown key 'nope' in [pool a]");

	load_fails("missing.conf", 0, "No such file or directory");
	load_fails(".", 0, "Is a directory");
}
END_TEST

START_TEST(test_load_size)
{
	const size_t	 max = 1024 * 1024;
	char		*text, path[PATH_MAX];
	struct conf	*c;
	size_t		 head;

	/* A valid config padded with comment lines to exactly 1 MiB. */
	text = malloc(max + 1);
	ck_assert_ptr_ne(text, NULL);
	head = strlen("[pool a]\nlisten = /run/a.sock\napp = /etc/passwd\n");
	memcpy(text, "[pool a]\nlisten = /run/a.sock\napp = /etc/passwd\n",
	    head);
	memset(text + head, ';', max + 1 - head);
	text[max - 1] = '\n';
	write_file("big.conf", text, max);
	tmp_path(path, sizeof(path), "big.conf");
	c = conf_load(path, errbuf, sizeof(errbuf));
	ck_assert_msg(c != NULL, "conf_load: %s", errbuf);
	ck_assert_str_eq(c->pools->app, "/etc/passwd");
	conf_free(c);

	text[max] = '\n';
	write_file("big.conf", text, max + 1);
	load_fails("big.conf", 0, "file is larger than 1 MiB");
	free(text);
}
END_TEST

/* The shipped default config, with make's substitutions done here. */

static char *
replace_all(const char *s, const char *from, const char *to)
{
	size_t		 flen = strlen(from), tlen = strlen(to), n = 0;
	const char	*p;
	char		*out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += flen)
		n++;
	out = malloc(strlen(s) + n * tlen + 1);
	ck_assert_ptr_ne(out, NULL);
	for (o = out; (p = strstr(s, from)) != NULL; s = p + flen) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tlen);
		o += tlen;
	}
	strcpy(o, s);
	return out;
}

static char *
read_shipped_conf(void)
{
	const char	*top = getenv("top_srcdir");
	char		 path[PATH_MAX], *text, *a, *b;
	long		 len;
	FILE		*f;

	snprintf(path, sizeof(path), "%s/conf/fcgiserve.conf.in",
	    top != NULL ? top : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s (set top_srcdir)", path,
	    strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_gt(len, 0);
	rewind(f);
	text = malloc((size_t)len + 1);
	ck_assert_ptr_ne(text, NULL);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	a = replace_all(text, "@runstatedir@", "/run");
	b = replace_all(a, "@pkgsysconfdir@", "/etc/fcgiserve");
	free(text);
	free(a);
	a = b;
	b = replace_all(a, "@localstatedir@", "/var");
	free(a);
	ck_assert_ptr_eq(strchr(b, '@'), NULL);
	return b;
}

START_TEST(test_shipped_conf)
{
	static const char *const keys[] = {
		"log_level", "error_log", "shutdown_timeout", "listen",
		"listen_mode", "listen_backlog", "protocol", "app", "workers",
		"max_children", "queue", "max_connections", "spare_children",
		"read_timeout", "max_response_size", "request_timeout",
		"child_memory_limit", "child_cpu_limit", "child_open_files",
		"allowed_clients",
		"max_body_size", "user", "group", "max_params",
		"max_params_size", "max_param_length", "header_timeout",
		"max_requests_per_connection",
		"access_log", "access_format", "status_path", "ping_path",
		"ping_response", "slowlog_timeout", "slowlog",
		"max_body_size", "user", "group", "listen_owner",
		"listen_group", "allow_root",
	};
	char		*text, *s1, *s2, needle[64];
	struct conf	*c;
	struct pool_conf *p;
	size_t		 i;

	text = read_shipped_conf();
	/* Every key is there, set or commented out, and documented. */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(needle, sizeof(needle), "\n%s = ", keys[i]);
		if (strstr(text, needle) == NULL)
			snprintf(needle, sizeof(needle), "\n;%s = ", keys[i]);
		ck_assert_msg(strstr(text, needle) != NULL, "no %s", keys[i]);
		snprintf(needle, sizeof(needle), "; %s (", keys[i]);
		if (strcmp(keys[i], "user") == 0 ||
		    strcmp(keys[i], "group") == 0)
			snprintf(needle, sizeof(needle), "; user, group (");
		if (strcmp(keys[i], "listen_owner") == 0 ||
		    strcmp(keys[i], "listen_group") == 0)
			snprintf(needle, sizeof(needle),
			    "; listen_owner, listen_group (");
		ck_assert_msg(strstr(text, needle) != NULL,
		    "%s is not documented", keys[i]);
	}
	ck_assert_ptr_ne(strstr(text, "\n[global]\n"), NULL);

	/* It parses, and what it sets are the built-in defaults. */
	c = parse_at("/etc/fcgiserve/fcgiserve.conf", text);
	p = c->pools;
	ck_assert_int_eq(c->npools, 1);
	ck_assert_int_eq(c->log_level, CONF_LOG_INFO);
	ck_assert_str_eq(c->error_log, "stderr");
	ck_assert_uint_eq(c->shutdown_timeout_ms, 10000);
	ck_assert_str_eq(p->name, "example");
	ck_assert_str_eq(p->listen, "/run/fcgiserve/fcgiserve.sock");
	ck_assert_str_eq(p->app, "/etc/fcgiserve/apps/example.lua");
	/* The sandbox is on in the shipped pool, off by default. */
	ck_assert_int_eq(p->sandbox, CONF_SANDBOX_ON);
	ck_assert_str_eq(p->sandbox_write, "/var/lib/fcgiserve");
	p->sandbox = CONF_SANDBOX_OFF;
	free(p->sandbox_write);
	p->sandbox_write = NULL;
	assert_pool_defaults(p);
	conf_free(c);

	/* What is commented out is valid too, once uncommented. */
	s1 = replace_all(text, "\n;user = ", "\nuser = ");
	s2 = replace_all(s1, "\n;group = ", "\ngroup = ");
	free(text);
	free(s1);
	s1 = replace_all(s2, "\n;listen_owner = ", "\nlisten_owner = ");
	free(s2);
	s2 = replace_all(s1, "\n;listen_group = ", "\nlisten_group = ");
	free(s1);
	text = replace_all(s2, "\n;workers = ", "\nworkers = ");
	free(s2);
	c = parse_at("/etc/fcgiserve/fcgiserve.conf", text);
	ck_assert_str_eq(c->pools->listen_owner, "fcgiserve");
	ck_assert_str_eq(c->pools->listen_group, "www-data");
	ck_assert_str_eq(c->pools->user, "fcgiserve");
	ck_assert_str_eq(c->pools->group, "fcgiserve");
	ck_assert_int_eq(c->pools->workers, 4);
	conf_free(c);
	free(text);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc;

	tc = tcase_create("keys");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_limit_keys_low);
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_sandbox);
	tcase_add_test(tc, test_bools);
	tcase_add_test(tc, test_socket_owner);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_listen_forms);
	tcase_add_test(tc, test_app_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("syntax");
	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_pools_in_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_errors, 0,
	    (int)(sizeof(error_cases) / sizeof(error_cases[0])));
	tcase_add_test(tc, test_error_edges);
	tcase_add_test(tc, test_allowed_clients_unix);
	suite_add_tcase(s, tc);

	tc = tcase_create("units");
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_test(tc, test_shipped_conf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(conf_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
