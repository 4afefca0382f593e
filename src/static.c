/*
 * What a fully static fcgiserve (configure --enable-static-binary) uses in
 * place of the parts of libc that need a shared libc at run time.  The
 * daemon is linked with --wrap for each (configure.ac), so the libraries'
 * references reach these __wrap_ definitions instead of libc's.
 *
 * dlopen: a Lua C module needs the Lua API, which only a dynamic
 * executable can lend it (-E), and would bring a second libc along.  So
 * dlopen fails, and Lua's require says why: "error loading module 'x'
 * from file '...so': " followed by dlerror's message below.  dlsym and
 * dlclose are never reached without a handle, so they stay libc's.
 *
 * getaddrinfo and friends, which libevent's evutil.o calls: a static glibc
 * serves them only through the NSS modules of the very glibc version it
 * was linked with.  fcgiserve never resolves a name (listen takes
 * addresses, conf.c), so they fail, and glibc's NSS code and its link
 * warnings stay out of the binary.  User and group names are looked up
 * without NSS in priv.c.
 */
#include <sys/types.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>

#define STATIC_DL_ERROR "fcgiserve is linked statically " \
	"(--enable-static-binary) and cannot load C modules"

void		*__wrap_dlopen(const char *, int);
char		*__wrap_dlerror(void);
int		 __wrap_getaddrinfo(const char *, const char *,
		    const struct addrinfo *, struct addrinfo **);
void		 __wrap_freeaddrinfo(struct addrinfo *);
struct servent	*__wrap_getservbyname(const char *, const char *);
struct protoent	*__wrap_getprotobynumber(int);

void *
__wrap_dlopen(const char *file, int mode)
{
	(void)file;
	(void)mode;
	return NULL;
}

char *
__wrap_dlerror(void)
{
	return (char *)STATIC_DL_ERROR;
}

int
__wrap_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	errno = ENOSYS;
	return EAI_SYSTEM;
}

void
__wrap_freeaddrinfo(struct addrinfo *res)
{
	(void)res;
}

struct servent *
__wrap_getservbyname(const char *name, const char *proto)
{
	(void)name;
	(void)proto;
	return NULL;
}

struct protoent *
__wrap_getprotobynumber(int proto)
{
	(void)proto;
	return NULL;
}
