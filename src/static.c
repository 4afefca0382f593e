/*
 * What a fully static fcgiserve (configure --enable-static-binary) puts in
 * place of the parts of libc that need the shared libc at run time.
 *
 * A static binary cannot load shared objects that need symbols from it:
 * a Lua C module needs the Lua API, which only a dynamic executable can
 * export (-E), and any module would bring a second libc along.  So dlopen
 * fails, and Lua's require says why: "error loading module 'x' from file
 * '...so': <the message below>".
 *
 * libevent's evutil.o calls getaddrinfo and friends, which a static glibc
 * can only serve through the NSS modules of the very glibc version it was
 * linked with.  fcgiserve never resolves a name (listen takes addresses,
 * never host names: conf.c), so they fail here, and the link does not
 * carry glibc's NSS code nor its warnings.  User and group names are
 * looked up without NSS in priv.c.
 *
 * The daemon is linked with --wrap for each of these (configure.ac), so
 * the libraries' references reach the __wrap_ definitions here and libc's
 * own are never linked: no NSS code, and none of glibc's link warnings.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>

#define STATIC_DL_ERROR "fcgiserve is linked statically " \
	"(--enable-static-binary) and cannot load C modules"

void		*__wrap_dlopen(const char *, int);
void		*__wrap_dlsym(void *, const char *);
char		*__wrap_dlerror(void);
int		 __wrap_dlclose(void *);
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

void *
__wrap_dlsym(void *handle, const char *name)
{
	(void)handle;
	(void)name;
	return NULL;
}

char *
__wrap_dlerror(void)
{
	return (char *)STATIC_DL_ERROR;
}

int
__wrap_dlclose(void *handle)
{
	(void)handle;
	return 0;
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
