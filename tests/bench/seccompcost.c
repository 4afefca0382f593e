/*
 * seccompcost: what a seccomp filter shaped like the sandbox's (sandbox.c:
 * load arch, check it, load nr, refuse x32, a linear list of JEQ/RET
 * pairs, ALLOW) adds to every system call a request makes.
 *
 * Each round times N syscall(SYS_getppid) three ways, interleaved:
 *   none      in this process, no filter
 *   filter    in a child that set no_new_privs and installed the filter
 *             (getppid matches none of the pairs: it runs the whole list,
 *             unless the kernel's action cache, Linux 5.11, knows the
 *             answer for its number and skips the program)
 *   uncached  the same filter with a load of args[0] first, which the
 *             action cache cannot see through: the program runs on every
 *             call (what sandbox.c's filter does for clone only)
 * and reports the median round of each, in ns per call:
 *   none n=... rounds=... ns=...
 *   filter n=... rounds=... ns=... insns=...
 *   uncached n=... rounds=... ns=... insns=...
 *
 * usage: seccompcost [-n calls] [-r rounds] [-p pairs]
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS_MAX	64
#define PAIRS_MAX	200
#define LOAD(f)		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
			    offsetof(struct seccomp_data, f))

#if defined(__x86_64__)
#define FILTER_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH	AUDIT_ARCH_AARCH64
#endif

static double
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double
time_calls(long n)
{
	double	t0;
	long	i;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	return (now_ns() - t0) / (double)n;
}

/* The filter: PAIRS refused numbers (above any real one: getppid never
   matches, so an allowed call walks them all), args[0] loaded first when
   UNCACHED.  Returns its length. */
static size_t
filter(struct sock_filter *f, int pairs, int uncached)
{
	size_t	n = 0;
	int	i;

	if (uncached)
		f[n++] = (struct sock_filter)LOAD(args[0]);
	f[n++] = (struct sock_filter)LOAD(arch);
#ifdef FILTER_ARCH
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    FILTER_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | EPERM);
#endif
	f[n++] = (struct sock_filter)LOAD(nr);
#ifdef __x86_64__
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    0x40000000, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | EPERM);
#endif
	for (i = 0; i < pairs; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, 10000 + i, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | EPERM);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	return n;
}

/* In a child: no_new_privs, the filter, N timed calls; ns per call, or
   -1. */
static double
time_filtered(long n, int pairs, int uncached)
{
	struct sock_filter	f[PAIRS_MAX * 2 + 8];
	struct sock_fprog	prog;
	double			ns = -1;
	int			fd[2], st;
	pid_t			pid;

	if (pipe(fd) == -1 || (pid = fork()) == -1) {
		perror("seccompcost: pipe or fork");
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		prog.len = (unsigned short)filter(f, pairs, uncached);
		prog.filter = f;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1) {
			perror("seccompcost: installing the filter");
			_exit(1);
		}
		ns = time_calls(n);
		_exit(write(fd[1], &ns, sizeof(ns)) == sizeof(ns) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(fd[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return ns;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	struct sock_filter	f[PAIRS_MAX * 2 + 8];
	double			none[ROUNDS_MAX], cached[ROUNDS_MAX];
	double			uncached[ROUNDS_MAX];
	long			n = 2000000;
	int			rounds = 7, pairs = 40, ch, r;

	while ((ch = getopt(argc, argv, "n:p:r:")) != -1) {
		switch (ch) {
		case 'n':	n = atol(optarg); break;
		case 'p':	pairs = atoi(optarg); break;
		case 'r':	rounds = atoi(optarg); break;
		default:	goto usage;
		}
	}
	if (n < 1 || rounds < 1 || rounds > ROUNDS_MAX || pairs < 0 ||
	    pairs > PAIRS_MAX)
		goto usage;
	(void)time_calls(n / 10 + 1);	/* warm up */
	for (r = 0; r < rounds; r++) {
		none[r] = time_calls(n);
		if ((cached[r] = time_filtered(n, pairs, 0)) < 0 ||
		    (uncached[r] = time_filtered(n, pairs, 1)) < 0)
			return 1;
	}
	printf("none n=%ld rounds=%d ns=%.1f\n", n, rounds, median(none, rounds));
	printf("filter n=%ld rounds=%d ns=%.1f insns=%zu\n", n, rounds,
	    median(cached, rounds), filter(f, pairs, 0));
	printf("uncached n=%ld rounds=%d ns=%.1f insns=%zu\n", n, rounds,
	    median(uncached, rounds), filter(f, pairs, 1));
	return 0;
usage:
	fprintf(stderr, "usage: seccompcost [-n calls] [-r rounds] "
	    "[-p pairs (at most %d)]\n", PAIRS_MAX);
	return 2;
}
