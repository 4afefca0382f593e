/*
 * A Lua C module for isolation-process.sh: process state a request can
 * change that Lua alone cannot reach.  probemod.look() reports the state
 * as the request found it; probemod.mess() changes all of it and leaves
 * it so; probemod.thread() starts a thread that never ends.  For
 * sandbox.sh, probemod.escape() tries what the sandbox refuses and
 * returns each call's errno name (or "ok").
 */
#define _GNU_SOURCE	/* process_vm_readv, unshare */
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>

int	luaopen_probemod(lua_State *);

static int		 counter;	/* a C static: 0 in the template */
static unsigned char	*buffer;	/* malloc'd in the template: zeros */
static void		*leaked;

static void
on_usr2(int sig)
{
	(void)sig;
}

static int
count_dir(const char *path)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;		/* not the directory's own descriptor */
}

static int
count_lines(const char *path)
{
	FILE	*f;
	int	 c, n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Whether pid runs (a zombie does not). */
static int
running(pid_t pid)
{
	char	path[64], buf[256], *p;
	FILE	*f;
	size_t	n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0')
		return 0;
	return p[2] != 'Z' && p[2] != 'X';
}

static int
look(lua_State *L)
{
	struct sigaction	 sa;
	struct itimerval	 it;
	sigset_t		 mask;
	char			 cwd[4096];
	mode_t			 m;
	pid_t			 child = (pid_t)luaL_optinteger(L, 1, 0);

	lua_newtable(L);
	lua_pushinteger(L, counter);
	lua_setfield(L, -2, "counter");
	lua_pushinteger(L, buffer[0] + buffer[4095]);
	lua_setfield(L, -2, "buffer");
	lua_pushinteger(L, count_dir("/proc/self/fd"));
	lua_setfield(L, -2, "fds");
	lua_pushinteger(L, count_lines("/proc/self/maps"));
	lua_setfield(L, -2, "mappings");
	lua_pushstring(L, getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	lua_setfield(L, -2, "cwd");
	m = umask(0);
	(void)umask(m);
	lua_pushinteger(L, (lua_Integer)m);
	lua_setfield(L, -2, "umask");
	lua_pushstring(L, getenv("PROBE_ENV") ? getenv("PROBE_ENV") : "");
	lua_setfield(L, -2, "env");
	(void)sigaction(SIGUSR2, NULL, &sa);
	lua_pushboolean(L, sa.sa_handler == on_usr2);
	lua_setfield(L, -2, "handler");
	(void)sigprocmask(SIG_SETMASK, NULL, &mask);
	lua_pushboolean(L, sigismember(&mask, SIGUSR2));
	lua_setfield(L, -2, "blocked");
	(void)getitimer(ITIMER_REAL, &it);
	lua_pushboolean(L, it.it_value.tv_sec != 0 || it.it_value.tv_usec != 0);
	lua_setfield(L, -2, "alarm");
	lua_pushboolean(L, running(child));
	lua_setfield(L, -2, "child_alive");
	lua_pushinteger(L, (lua_Integer)getpid());
	lua_setfield(L, -2, "pid");
	return 1;
}

/* Changes everything look() reports; returns the grandchild's pid. */
static int
mess(lua_State *L)
{
	struct sigaction	 sa;
	sigset_t		 usr2;
	void			*p;
	pid_t			 pid;

	counter++;
	buffer[0] = 1;
	buffer[4095] = 2;
	if ((leaked = malloc(100000)) != NULL)		/* leaked */
		memset(leaked, 3, 100000);
	(void)open("/dev/null", O_RDONLY);		/* leaked */
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);			/* leaked */
	if (p != MAP_FAILED)
		memset(p, 1, 1 << 20);
	if (chdir("/tmp") == -1)
		return luaL_error(L, "chdir: failed");
	(void)umask(0077);
	(void)setenv("PROBE_ENV", "left by a request", 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	(void)sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	(void)sigprocmask(SIG_BLOCK, &usr2, NULL);
	(void)alarm(1000);
	if ((pid = fork()) == 0)
		for (;;)
			pause();
	lua_pushinteger(L, (lua_Integer)pid);
	return 1;
}

static void *
sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int
thread(lua_State *L)
{
	pthread_t	t;

	lua_pushboolean(L, pthread_create(&t, NULL, sleeper, NULL) == 0);
	return 1;
}

static int
free_buffer(lua_State *L)
{
	(void)L;
	free(buffer);
	buffer = NULL;
	return 0;
}

static const char *
outcome(long rc)
{
	if (rc != -1)
		return "ok";
	return errno == EPERM ? "EPERM" : errno == ENOSYS ? "ENOSYS" :
	    errno == EACCES ? "EACCES" : strerror(errno);
}

/* Each escape a handler's C code might try, by name. */
static int
escape(lua_State *L)
{
	char		buf[8];
	struct iovec	local = { buf, sizeof(buf) }, remote = { buf, sizeof(buf) };

	lua_newtable(L);
	lua_pushstring(L, outcome(ptrace(PTRACE_TRACEME, 0, NULL, NULL)));
	lua_setfield(L, -2, "ptrace");
	lua_pushstring(L, outcome(process_vm_readv(getppid(), &local, 1,
	    &remote, 1, 0)));
	lua_setfield(L, -2, "process_vm_readv");
	lua_pushstring(L, outcome(syscall(SYS_userfaultfd, 0)));
	lua_setfield(L, -2, "userfaultfd");
	lua_pushstring(L, outcome(unshare(CLONE_NEWUSER)));
	lua_setfield(L, -2, "unshare");
	/* The worker: outside the request's Landlock scope. */
	lua_pushstring(L, outcome(kill(getppid(), 0)));
	lua_setfield(L, -2, "signal_worker");
	return 1;
}

int
luaopen_probemod(lua_State *L)
{
	static const luaL_Reg	fns[] = {
		{ "look", look },
		{ "mess", mess },
		{ "thread", thread },
		{ "escape", escape },
		{ NULL, NULL }
	};

	if (buffer == NULL && (buffer = calloc(1, 4096)) == NULL)
		return luaL_error(L, "probemod: no memory");
	/* Freed with the interpreter (LeakSanitizer looks at the worker). */
	lua_newuserdatauv(L, 1, 0);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, free_buffer);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, "probemod.buffer");
	luaL_newlib(L, fns);
	return 1;
}
