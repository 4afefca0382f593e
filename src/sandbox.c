/*
 * The sandbox of a pool's request processes (sandbox.h): no_new_privs,
 * Landlock and a seccomp filter.  Landlock's definitions are our own (LL_*
 * below): Debian 12's uapi header stops at ABI 3.
 *
 * Landlock takes what the kernel's ABI gives: files (ABI 1; refer 2,
 * truncate 3, device ioctls 5), TCP bind and connect (4), signal and
 * abstract unix socket scoping (6).  Whatever is missing is said once at
 * start, and sandbox = required refuses to start without it.
 *
 * The filter refuses with EPERM.  Where the return register can be set
 * from a signal handler (x86_64, aarch64) the refusal goes through SIGSYS
 * so it can be counted and logged with the request (sandbox_report);
 * elsewhere, and for execve (whose callers are often a vfork'd child with
 * default handlers), it is a plain errno.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* Landlock's uapi, as of ABI 6 (Linux 6.12); Debian 12's headers stop at 3. */
#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1
#define LL_RULE_NET_PORT		2
#define LL_FS_EXECUTE			(1ULL << 0)
#define LL_FS_WRITE_FILE		(1ULL << 1)
#define LL_FS_READ_FILE			(1ULL << 2)
#define LL_FS_READ_DIR			(1ULL << 3)
#define LL_FS_ABI1			((1ULL << 13) - 1)
#define LL_FS_REFER			(1ULL << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE			(1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV			(1ULL << 15)	/* ABI 5 */
#define LL_FS_FILE			(LL_FS_EXECUTE | LL_FS_WRITE_FILE | \
					 LL_FS_READ_FILE | LL_FS_TRUNCATE | \
					 LL_FS_IOCTL_DEV)
#define LL_NET_BIND_TCP			(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP		(1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX		(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL			(1ULL << 1)

struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t	allowed_access;
	uint64_t	port;
};

#define READ	(LL_FS_READ_FILE | LL_FS_READ_DIR)
#define EXEC	(READ | LL_FS_EXECUTE)

/*
 * What every request process may read: the system's libraries and Lua
 * modules, and the files of /etc a library reads (the resolver, users and
 * groups for libpq, certificates, time zones).  Missing ones are skipped.
 */
static const struct {
	const char	*path;
	uint64_t	 access;
} base_paths[] = {
	{ "/usr/lib", EXEC }, { "/lib", EXEC }, { "/lib64", EXEC },
	{ "/usr/lib64", EXEC }, { "/usr/local/lib", EXEC },
	{ "/usr/share/lua", READ }, { "/usr/local/share/lua", READ },
	{ "/usr/share/zoneinfo", READ }, { "/usr/share/ca-certificates", READ },
	{ "/etc/ld.so.cache", READ }, { "/etc/localtime", READ },
	{ "/etc/resolv.conf", READ }, { "/etc/hosts", READ },
	{ "/etc/host.conf", READ }, { "/etc/nsswitch.conf", READ },
	{ "/etc/gai.conf", READ }, { "/etc/services", READ },
	{ "/etc/protocols", READ }, { "/etc/passwd", READ },
	{ "/etc/group", READ }, { "/etc/ssl", READ },
	{ "/etc/ca-certificates", READ },
	{ "/dev/null", LL_FS_READ_FILE | LL_FS_WRITE_FILE },
	{ "/dev/zero", LL_FS_READ_FILE }, { "/dev/random", LL_FS_READ_FILE },
	{ "/dev/urandom", LL_FS_READ_FILE },
	/* A runner reads its own maps, limits and pagemap to reset itself;
	   other processes' are Landlock's ptrace rule's. */
	{ "/proc", READ },
};

/* With sandbox_exec = yes: where programs (and the shell) live. */
static const char *const exec_paths[] = {
	"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin",
};

/*
 * Refused by the filter.  A request runs Lua and the C modules it loads:
 * none of it debugs other processes, mounts, loads kernel code or builds
 * namespaces.
 */
static const struct {
	int		 nr;
	const char	*name;
} refused[] = {
	{ SYS_ptrace, "ptrace" },
	{ SYS_process_vm_readv, "process_vm_readv" },
	{ SYS_process_vm_writev, "process_vm_writev" },
	{ SYS_mount, "mount" }, { SYS_umount2, "umount2" },
	{ SYS_pivot_root, "pivot_root" }, { SYS_chroot, "chroot" },
	{ SYS_unshare, "unshare" }, { SYS_setns, "setns" },
	{ SYS_bpf, "bpf" }, { SYS_perf_event_open, "perf_event_open" },
	{ SYS_kexec_load, "kexec_load" },
#ifdef SYS_kexec_file_load
	{ SYS_kexec_file_load, "kexec_file_load" },
#endif
	{ SYS_init_module, "init_module" },
	{ SYS_finit_module, "finit_module" },
	{ SYS_delete_module, "delete_module" },
	{ SYS_personality, "personality" },
	{ SYS_userfaultfd, "userfaultfd" },
	{ SYS_keyctl, "keyctl" }, { SYS_add_key, "add_key" },
	{ SYS_request_key, "request_key" },
	{ SYS_io_uring_setup, "io_uring_setup" },	/* bypasses the filter */
	{ SYS_io_uring_enter, "io_uring_enter" },
	{ SYS_io_uring_register, "io_uring_register" },
	{ SYS_open_tree, "open_tree" }, { SYS_move_mount, "move_mount" },
	{ SYS_fsopen, "fsopen" }, { SYS_fsconfig, "fsconfig" },
	{ SYS_fsmount, "fsmount" }, { SYS_fspick, "fspick" },
	{ SYS_pidfd_getfd, "pidfd_getfd" }, { SYS_kcmp, "kcmp" },
	{ SYS_name_to_handle_at, "name_to_handle_at" },
	{ SYS_open_by_handle_at, "open_by_handle_at" },
	{ SYS_swapon, "swapon" }, { SYS_swapoff, "swapoff" },
	{ SYS_reboot, "reboot" }, { SYS_acct, "acct" },
	{ SYS_quotactl, "quotactl" },
};
#define NREFUSED	(sizeof(refused) / sizeof(refused[0]))

/* clone(2) flags that make namespaces: refused like unshare. */
#define CLONE_NEWANY	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
			 CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
			 CLONE_NEWNET | 0x80 /* CLONE_NEWTIME */)

#if defined(__x86_64__)
#define FILTER_ARCH	AUDIT_ARCH_X86_64
#define SIGSYS_SET_RETURN(uc, v)	((uc)->uc_mcontext.gregs[REG_RAX] = (v))
#elif defined(__aarch64__)
#define FILTER_ARCH	AUDIT_ARCH_AARCH64
#define SIGSYS_SET_RETURN(uc, v)	((uc)->uc_mcontext.regs[0] = (v))
#endif

#define FILTER_MAX	(2 * NREFUSED + 24)

static struct {
	int			 mode;		/* enum conf_sandbox */
	int			 exec;
	int			 ruleset;	/* -1: no Landlock */
	struct sock_filter	 filter[FILTER_MAX];
	unsigned short		 nfilter;
} sb = { CONF_SANDBOX_OFF, 1, -1, { { 0, 0, 0, 0 } }, 0 };

/* Refusals counted by the SIGSYS handler since the last report. */
static volatile sig_atomic_t	seen[NREFUSED];

void
sandbox_configure(const struct pool_conf *p)
{
	sb.mode = (int)p->sandbox;
	sb.exec = p->sandbox == CONF_SANDBOX_OFF || p->sandbox_exec;
}

int
sandbox_on(void)
{
	return sb.mode != CONF_SANDBOX_OFF;
}

int
sandbox_exec_allowed(void)
{
	return sb.exec;
}

int
sandbox_fd(void)
{
	return sb.ruleset;
}

void
sandbox_renumber(int fd)
{
	sb.ruleset = fd;
}

/* The kernel's Landlock ABI: 0 without it (FCGISERVE_TEST_LANDLOCK_ABI
   caps it, for the tests of a kernel that lacks some of it). */
static int
landlock_abi(void)
{
	const char	*cap;
	long		 abi;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);
	if (abi < 0)
		abi = 0;
	if ((cap = getenv("FCGISERVE_TEST_LANDLOCK_ABI")) != NULL &&
	    atol(cap) < abi)
		abi = atol(cap);
	return (int)abi;
}

static uint64_t
fs_handled(int abi)
{
	uint64_t	a = LL_FS_ABI1;

	if (abi >= 2)
		a |= LL_FS_REFER;
	if (abi >= 3)
		a |= LL_FS_TRUNCATE;
	if (abi >= 5)
		a |= LL_FS_IOCTL_DEV;
	return a;
}

/*
 * One path beneath rule: path (len bytes) with access (cut to what a file
 * can have, for a file).  A missing path is skipped, and said when the
 * operator named it.  Returns 0 or -1 (logged).
 */
static int
allow_path(const char *pool, const char *path, size_t len, uint64_t access,
    uint64_t handled, int named)
{
	struct ll_path_beneath_attr	 pb;
	struct stat			 st;
	char				 buf[PATH_MAX];
	int				 fd, rc;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, path, len);
	buf[len] = '\0';
	if ((fd = open(buf, O_PATH | O_CLOEXEC)) == -1) {
		if (named)
			log_msg(LOG_LVL_WARN, NULL, "pool %s: sandbox: %s: %s; "
			    "left out", pool, buf, strerror(errno));
		return 0;
	}
	pb.parent_fd = fd;
	pb.allowed_access = access & handled;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= LL_FS_FILE;
	rc = (int)syscall(SYS_landlock_add_rule, sb.ruleset,
	    LL_RULE_PATH_BENEATH, &pb, 0);
	if (rc == -1)
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: sandbox: a rule for %s: "
		    "%s", pool, buf, strerror(errno));
	close(fd);
	return rc == -1 ? -1 : 0;
}

/* Each absolute directory a package.path or cpath template names. */
static int
allow_templates(const char *pool, const char *list, uint64_t handled)
{
	const char	*t, *q, *slash;
	size_t		 len;

	for (t = list; t != NULL && *t != '\0'; t += len + (t[len] == ';')) {
		len = strcspn(t, ";");
		if (*t != '/')
			continue;	/* "./?.lua": the cwd stays closed */
		if ((q = memchr(t, '?', len)) == NULL)
			q = t + len;
		for (slash = q; slash > t && slash[-1] != '/'; slash--)
			;
		if (slash > t + 1 && allow_path(pool, t,
		    (size_t)(slash - t - 1), READ | LL_FS_EXECUTE, handled,
		    0) == -1)
			return -1;
	}
	return 0;
}

static int
allow_list(const char *pool, const char *list, uint64_t access,
    uint64_t handled)
{
	const char	*s = list;
	size_t		 len;

	while (s != NULL && (s = conf_next_path(s, &len)) != NULL) {
		if (allow_path(pool, s, len, access, handled, 1) == -1)
			return -1;
		s += len;
	}
	return 0;
}

/* The Landlock ruleset of pool p into sb.ruleset: 0 or -1 (logged). */
static int
ruleset_build(const struct pool_conf *p, int abi, const char *lpath,
    const char *cpath)
{
	struct ll_ruleset_attr	 attr;
	struct ll_net_port_attr	 np;
	const char		*app_end;
	size_t			 size, i;
	uint64_t		 fs = fs_handled(abi);

	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs;
	size = sizeof(attr.handled_access_fs);
	if (abi >= 4) {
		/* No request listens; connects go where sandbox_connect says. */
		attr.handled_access_net = LL_NET_BIND_TCP |
		    (p->nsandbox_connect > 0 ? LL_NET_CONNECT_TCP : 0);
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		/* Signals and abstract sockets stay inside the pool's requests:
		   no request can signal its worker or another pool. */
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	sb.ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (sb.ruleset == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: sandbox: "
		    "landlock_create_ruleset: %s", p->name, strerror(errno));
		return -1;
	}
	(void)fcntl(sb.ruleset, F_SETFD, FD_CLOEXEC);
	for (i = 0; i < sizeof(base_paths) / sizeof(base_paths[0]); i++)
		if (allow_path(p->name, base_paths[i].path,
		    strlen(base_paths[i].path), base_paths[i].access, fs,
		    0) == -1)
			return -1;
	if (p->sandbox_exec)
		for (i = 0; i < sizeof(exec_paths) / sizeof(exec_paths[0]); i++)
			if (allow_path(p->name, exec_paths[i],
			    strlen(exec_paths[i]), EXEC, fs, 0) == -1)
				return -1;
	app_end = strrchr(p->app, '/');
	if (app_end != NULL && app_end > p->app && allow_path(p->name, p->app,
	    (size_t)(app_end - p->app), READ, fs, 1) == -1)
		return -1;
	if (allow_templates(p->name, lpath, fs) == -1 ||
	    allow_templates(p->name, cpath, fs) == -1 ||
	    allow_list(p->name, p->sandbox_read, READ, fs) == -1 ||
	    allow_list(p->name, p->sandbox_write, fs, fs) == -1)
		return -1;
	for (i = 0; abi >= 4 && i < (size_t)p->nsandbox_connect; i++) {
		np.allowed_access = LL_NET_CONNECT_TCP;
		np.port = p->sandbox_connect[i];
		if (syscall(SYS_landlock_add_rule, sb.ruleset, LL_RULE_NET_PORT,
		    &np, 0) == -1) {
			log_msg(LOG_LVL_ERROR, NULL, "pool %s: sandbox: a rule "
			    "for port %u: %s", p->name, p->sandbox_connect[i],
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

#define STMT(c, k)		((struct sock_filter)BPF_STMT((c), (k)))
#define JUMP(c, k, t, f)	((struct sock_filter)BPF_JUMP((c), (k), (t), (f)))
#define LOAD(field)	STMT(BPF_LD | BPF_W | BPF_ABS, \
			    offsetof(struct seccomp_data, field))

/* One more instruction of the filter (FILTER_MAX has room for all). */
static void
put(struct sock_filter ins)
{
	if (sb.nfilter < FILTER_MAX)
		sb.filter[sb.nfilter++] = ins;
}

/* The seccomp program into sb.filter. */
static void
filter_build(void)
{
	uint32_t		 deny;
	size_t			 i;

	sb.nfilter = 0;
#ifdef SIGSYS_SET_RETURN
	deny = SECCOMP_RET_TRAP;
#else
	deny = SECCOMP_RET_ERRNO | EPERM;
#endif
	put(LOAD(arch));
#ifdef FILTER_ARCH
	put(JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0));
	put(STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
#endif
	put(LOAD(nr));
#ifdef __x86_64__
	/* The x32 numbers are the same calls by other numbers. */
	put(JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
	put(STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
#endif
	for (i = 0; i < NREFUSED; i++) {
		put(JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)refused[i].nr,
		    0, 1));
		put(STMT(BPF_RET | BPF_K, deny));
	}
	if (!sb.exec) {
		put(JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 1, 0));
		put(JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 0, 1));
		put(STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	}
	/* clone3's flags are out of the filter's reach: glibc falls back to
	   clone, whose flags are not. */
	put(JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1));
	put(STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
	put(JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3));
	put(LOAD(args[0]));		/* the low half, on little endian */
	put(JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWANY, 0, 1));
	put(STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
	put(STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

int
sandbox_prepare(const struct pool_conf *p, const char *lpath,
    const char *cpath, int report)
{
	char	 missing[256];
	int	 abi;

	if (sb.ruleset != -1) {
		close(sb.ruleset);
		sb.ruleset = -1;
	}
	if (p->sandbox == CONF_SANDBOX_OFF)
		return 0;
	missing[0] = '\0';
	abi = landlock_abi();
	if (abi == 0)
		snprintf(missing, sizeof(missing), "Landlock (not in this "
		    "kernel, or not in its lsm= list): files and TCP ports "
		    "are not confined");
	else if (abi < 4 && p->nsandbox_connect > 0)
		snprintf(missing, sizeof(missing), "Landlock network rules "
		    "(ABI 4, Linux 6.7; this kernel has ABI %d): sandbox_connect "
		    "is not enforced", abi);
	if (missing[0] != '\0' && p->sandbox == CONF_SANDBOX_REQUIRED) {
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: sandbox = required, "
		    "but this kernel lacks %s", p->name, missing);
		return -1;
	}
	if (missing[0] != '\0')
		log_msg(LOG_LVL_WARN, NULL, "pool %s: sandbox: this kernel "
		    "lacks %s", p->name, missing);
	if (abi > 0 && ruleset_build(p, abi, lpath, cpath) == -1)
		return -1;
	filter_build();
	/* The worker itself: nothing it runs may gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_msg(LOG_LVL_ERROR, NULL, "pool %s: sandbox: no_new_privs: "
		    "%s", p->name, strerror(errno));
		return -1;
	}
	log_msg(report ? LOG_LVL_INFO : LOG_LVL_DEBUG, NULL, "pool %s: sandbox: "
	    "no_new_privs, seccomp (%zu system calls refused%s), Landlock ABI %d%s%s%s", p->name,
	    NREFUSED, sb.exec ? "" : ", and programs", abi,
	    abi > 0 ? ": files" : " (none)",
	    abi >= 4 ? (p->nsandbox_connect > 0 ? ", TCP bind and connect" :
	    ", TCP bind") : "", abi >= 6 ? ", signal scoping" : "");
	return 0;
}

#ifdef SIGSYS_SET_RETURN
/* A refused call: counted, and it returns -EPERM where it was made. */
static void
refused_call(int sig, siginfo_t *si, void *ctx)
{
	size_t	i;

	(void)sig;
	for (i = 0; i < NREFUSED; i++)
		if (refused[i].nr == si->si_syscall)
			seen[i] = 1;
	SIGSYS_SET_RETURN((ucontext_t *)ctx, -EPERM);
}
#endif

int
sandbox_enter(void)
{
	struct sock_fprog	prog;
#ifdef SIGSYS_SET_RETURN
	struct sigaction	sa;
#endif

	if (sb.mode == CONF_SANDBOX_OFF)
		return 0;
#ifdef SIGSYS_SET_RETURN
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = refused_call;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		goto fail;
#endif
	if (sb.ruleset != -1) {
		if (syscall(SYS_landlock_restrict_self, sb.ruleset, 0) == -1)
			goto fail;
		close(sb.ruleset);
		sb.ruleset = -1;
	}
	prog.len = sb.nfilter;
	prog.filter = sb.filter;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == -1)
		goto fail;
	return 0;
fail:
	log_msg(LOG_LVL_ERROR, NULL, "request process %ld: entering the "
	    "sandbox: %s", (long)getpid(), strerror(errno));
	return -1;
}

void
sandbox_report(const char *rid)
{
	size_t	i;

	for (i = 0; i < NREFUSED; i++)
		if (seen[i]) {
			seen[i] = 0;
			log_msg(LOG_LVL_WARN, rid, "sandbox: refused the system "
			    "call %s", refused[i].name);
		}
}
