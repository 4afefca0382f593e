/*
 * freeport: prints a TCP port on 127.0.0.1 that was free a moment ago, for
 * the integration tests to listen on.  With N (1..16), prints N distinct
 * ports, one a line: all are held until all are chosen.
 *
 * The kernel picks the port (bind to port 0), so parallel tests rarely
 * collide; the tests retry once if a listener still finds it taken.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FREEPORT_MAX	16

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	int			 fds[FREEPORT_MAX];
	int			 i, n = 1;

	if (argc > 2 || (argc == 2 &&
	    ((n = atoi(argv[1])) < 1 || n > FREEPORT_MAX))) {
		fprintf(stderr, "usage: freeport [count (1..%d)]\n",
		    FREEPORT_MAX);
		return 2;
	}
	for (i = 0; i < n; i++) {
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
			perror("freeport: socket");
			return 1;
		}
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = 0;
		if (bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			perror("freeport: bind");
			return 1;
		}
		len = sizeof(sin);
		if (getsockname(fds[i], (struct sockaddr *)&sin, &len) == -1) {
			perror("freeport: getsockname");
			return 1;
		}
		printf("%u\n", (unsigned)ntohs(sin.sin_port));
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}
