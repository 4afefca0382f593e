/*
 * calibrate: what the kernel charges on this machine, now, for the three
 * things a request's cost is made of, so that a benchmark's figures can
 * be read against the hypervisor of the day (a fork has cost from 0.15 to
 * 1.5 ms on the same VM within one day; see docs/runners.md).
 *
 *   syscall  syscall(SYS_getppid): the cheapest round trip into the
 *            kernel (through syscall(), so no libc caches it)
 *   fault    an anonymous page fault: mmap a region (transparent huge
 *            pages off), write one byte of each page, divide; the
 *            minflt of the same loop says that each write did fault
 *   cow      a copy-on-write fault: the same, in a child, on pages its
 *            parent had written before the fork (what a forked request
 *            pays for each page it writes)
 *   fork     fork + _exit(0) in the child + waitpid: CPU (getrusage SELF
 *            + CHILDREN, user + system) and wall per iteration
 *
 * Rounds run the four one after the other; the median round of each is
 * reported, as key=value lines (microseconds per operation):
 *   syscall n=... rounds=... us=...
 *   fault n=... rounds=... us=... minflt=...
 *   cow n=... rounds=... us=... minflt=...
 *   fork n=... rounds=... cpu_us=... wall_us=...
 *
 * usage: calibrate [-n syscalls] [-p pages] [-f forks] [-r rounds]
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CALIBRATE_ROUNDS_MAX	64

struct sample {
	double	us;		/* wall per operation */
	double	cpu_us;		/* fork: CPU per iteration */
	double	minflt;		/* faults per page */
};

/* A result a child sends its parent through a pipe. */
struct cow_result {
	double	us;
	double	minflt;
};

static double
wall_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double
cpu_now_us(void)
{
	struct rusage	self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	    kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e6 +
	    (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec);
}

static double
minflt_self(void)
{
	struct rusage	self;

	getrusage(RUSAGE_SELF, &self);
	return (double)self.ru_minflt;
}

static double
time_syscalls(long n)
{
	double	w0;
	long	i;

	w0 = wall_now_us();
	for (i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	return (wall_now_us() - w0) / (double)n;
}

/* A private anonymous region of PAGES pages, THP off (one huge-page
   fault would stand for 512 small ones), or NULL. */
static char *
region(long pages, long pagesz)
{
	void	*p;

	p = mmap(NULL, (size_t)(pages * pagesz), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("calibrate: mmap");
		return NULL;
	}
	(void)madvise(p, (size_t)(pages * pagesz), MADV_NOHUGEPAGE);
	return p;
}

/* Writes one byte of each page; returns the wall µs per page and the
   faults per page in *flt. */
static double
touch(char *p, long pages, long pagesz, double *flt)
{
	double	w0, f0, us;
	long	i;

	f0 = minflt_self();
	w0 = wall_now_us();
	for (i = 0; i < pages; i++)
		((volatile char *)p)[i * pagesz] = 1;
	us = (wall_now_us() - w0) / (double)pages;
	*flt = (minflt_self() - f0) / (double)pages;
	return us;
}

static int
time_faults(long pages, long pagesz, struct sample *s)
{
	char	*p;

	if ((p = region(pages, pagesz)) == NULL)
		return -1;
	s->us = touch(p, pages, pagesz, &s->minflt);
	munmap(p, (size_t)(pages * pagesz));
	return 0;
}

/* The parent writes every page, forks; the child writes every page
   again (each write a copy-on-write fault) and reports. */
static int
time_cow(long pages, long pagesz, struct sample *s)
{
	struct cow_result	 res;
	char			*p;
	double			 flt;
	ssize_t			 n;
	pid_t			 pid;
	int			 pfd[2], status, rc = -1;

	if ((p = region(pages, pagesz)) == NULL)
		return -1;
	(void)touch(p, pages, pagesz, &flt);
	if (pipe(pfd) == -1) {
		perror("calibrate: pipe");
		goto out;
	}
	if ((pid = fork()) == -1) {
		perror("calibrate: fork");
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	if (pid == 0) {
		close(pfd[0]);
		res.us = touch(p, pages, pagesz, &res.minflt);
		_exit(write(pfd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], &res, sizeof(res))) == -1 && errno == EINTR)
		;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (n != sizeof(res) || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "calibrate: cow child failed\n");
		goto out;
	}
	s->us = res.us;
	s->minflt = res.minflt;
	rc = 0;
out:
	munmap(p, (size_t)(pages * pagesz));
	return rc;
}

static int
time_forks(long n, struct sample *s)
{
	double	c0, w0;
	pid_t	pid;
	long	i;
	int	status;

	c0 = cpu_now_us();
	w0 = wall_now_us();
	for (i = 0; i < n; i++) {
		if ((pid = fork()) == -1) {
			perror("calibrate: fork");
			return -1;
		}
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	s->cpu_us = (cpu_now_us() - c0) / (double)n;
	s->us = (wall_now_us() - w0) / (double)n;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The medians of the rounds, each field taken separately. */
static struct sample
median_sample(const struct sample *s, int n)
{
	double		us[CALIBRATE_ROUNDS_MAX], cpu[CALIBRATE_ROUNDS_MAX];
	double		flt[CALIBRATE_ROUNDS_MAX];
	struct sample	m;
	int		i;

	for (i = 0; i < n; i++) {
		us[i] = s[i].us;
		cpu[i] = s[i].cpu_us;
		flt[i] = s[i].minflt;
	}
	m.us = median(us, n);
	m.cpu_us = median(cpu, n);
	m.minflt = median(flt, n);
	return m;
}

static void
usage(void)
{
	fprintf(stderr, "usage: calibrate [-n syscalls] [-p pages] "
	    "[-f forks] [-r rounds]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sample	sc[CALIBRATE_ROUNDS_MAX], pf[CALIBRATE_ROUNDS_MAX];
	struct sample	cw[CALIBRATE_ROUNDS_MAX], fk[CALIBRATE_ROUNDS_MAX];
	struct sample	m;
	long		nsys = 200000, pages = 8192, forks = 1000, pagesz;
	int		rounds = 7, r, ch;

	while ((ch = getopt(argc, argv, "n:p:f:r:")) != -1) {
		switch (ch) {
		case 'n':
			nsys = strtol(optarg, NULL, 10);
			break;
		case 'p':
			pages = strtol(optarg, NULL, 10);
			break;
		case 'f':
			forks = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (argc != optind || nsys < 1 || pages < 1 || forks < 1 ||
	    rounds < 1 || rounds > CALIBRATE_ROUNDS_MAX)
		usage();
	pagesz = sysconf(_SC_PAGESIZE);

	/* Warm up: the code, the stack, the allocator's first pages. */
	(void)time_syscalls(nsys / 10 + 1);
	memset(sc, 0, sizeof(sc));
	memset(pf, 0, sizeof(pf));
	memset(cw, 0, sizeof(cw));
	memset(fk, 0, sizeof(fk));
	for (r = 0; r < rounds; r++) {
		sc[r].us = time_syscalls(nsys);
		if (time_faults(pages, pagesz, &pf[r]) == -1 ||
		    time_cow(pages, pagesz, &cw[r]) == -1 ||
		    time_forks(forks, &fk[r]) == -1)
			return 1;
	}
	m = median_sample(sc, rounds);
	printf("syscall n=%ld rounds=%d us=%.3f\n", nsys, rounds, m.us);
	m = median_sample(pf, rounds);
	printf("fault n=%ld rounds=%d us=%.3f minflt=%.2f\n", pages, rounds,
	    m.us, m.minflt);
	m = median_sample(cw, rounds);
	printf("cow n=%ld rounds=%d us=%.3f minflt=%.2f\n", pages, rounds,
	    m.us, m.minflt);
	m = median_sample(fk, rounds);
	printf("fork n=%ld rounds=%d cpu_us=%.1f wall_us=%.1f\n", forks,
	    rounds, m.cpu_us, m.us);
	return 0;
}
