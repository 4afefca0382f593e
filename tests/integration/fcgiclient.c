/*
 * fcgiclient: the integration tests' own FastCGI and SCGI client.  It
 * encodes requests as a front end sends them -- or, on purpose, as none
 * would: an ABORT_REQUEST, any request id or version byte, a stream left
 * open or cut short -- and then either
 *   - writes the bytes to stdout, for a test that sends them itself on a
 *     connection it holds (bash's /dev/tcp) when it needs the timing in
 *     its own hands, or
 *   - connects (-c), sends them, reads the answer and prints it decoded;
 * or, with -d, decodes an answer a test received itself (stdin).
 *
 * usage: fcgiclient [-p fastcgi|scgi] [-c ADDRESS [-t SECONDS] [-v] | -d]
 *                   [-o cgi|raw|records] [-x BYTES] REQUEST [-- REQUEST]...
 *   REQUEST: [-i ID] [-k] [-r ROLE] [-f FLAGS] [-V VERSION] [-a] [-P] [-S]
 *            [-b BODY | -B FILE] [NAME=VALUE]...
 *
 * Global options (before the first request's params):
 *   -p PROTOCOL  fastcgi (default) or scgi
 *   -c ADDRESS   connect to HOST:PORT, [IPV6]:PORT or /unix/socket/path,
 *                send, and print the answer (below)
 *   -t SECONDS   with -c: the most to wait for the whole answer (10)
 *   -v           with -c: "fcgiclient: local address HOST:PORT" on stderr
 *   -d           decode the answer on stdin; send nothing
 *   -o FORMAT    how to print an answer: cgi (default) the CGI response,
 *                i.e. each FastCGI request's STDOUT content concatenated,
 *                a request at a time as each ends; raw the bytes as
 *                received; records (FastCGI) one line per record,
 *                "TYPE ID LENGTH", END_REQUEST adding "APPSTATUS
 *                PROTOCOLSTATUS", and "truncated" if the answer ends
 *                inside a record
 *   -x BYTES     only the first BYTES bytes of the encoded stream
 * Requests are separated by "--"; several go on one connection, in order.
 * Per request (FastCGI unless said):
 *   -i ID        request id, 0 to 65535 (1)
 *   -k           FCGI_KEEP_CONN in the flags
 *   -r ROLE      role (1, FCGI_RESPONDER)
 *   -f FLAGS     the flags byte (0; -k adds FCGI_KEEP_CONN)
 *   -V VERSION   the version byte of its records (1)
 *   -a           not a request: an empty FCGI_ABORT_REQUEST for ID
 *   -P           leave the params open: no empty PARAMS, no STDIN
 *   -S           leave the body open: no empty STDIN
 *   -b BODY      the body (FastCGI: STDIN; SCGI: after the netstring)
 *   -B FILE      the body, read from FILE
 *   NAME=VALUE   a param, in order.  FastCGI: PARAMS records of at most
 *                65535 bytes, then the empty PARAMS, then STDIN records
 *                and the empty STDIN.  SCGI: CONTENT_LENGTH (the body's)
 *                and SCGI=1 first, then these, in a netstring.
 *
 * With -c, the answer is read until every request sent whole has its
 * END_REQUEST (FastCGI), until the peer closes (a reset counts as a close)
 * or until -t runs out.  Every END_REQUEST is reported on stderr as
 * "fcgiclient: request ID: app status N, FCGI_REQUEST_COMPLETE" (or the
 * protocol status it has); FCGI_STDERR content is copied to stderr.
 *
 * Exit status: 0 each request sent whole (with -d: each in the answer)
 * was answered (FastCGI: with FCGI_REQUEST_COMPLETE; SCGI: with some
 * bytes) and the answer ends on a record boundary; 1 it was not; 2 usage; 3 cannot connect, read or
 * write; 124 (as timeout(1)) -t ran out first.  What did arrive is
 * printed in every case.
 *
 * No code is shared with the daemon: the tests check the daemon's codecs
 * against an encoder and a decoder of their own.  The constants and wire
 * structs are libfcgi's <fastcgi.h>, as in src/fastcgi.c.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fastcgi.h>		/* libfcgi: wire structs and constants */

#define EXIT_ANSWER	1	/* not every request was answered */
#define EXIT_USAGE	2
#define EXIT_IO		3
#define EXIT_TIMEOUT	124

/* In the order of protocols[] and outputs[] (-p, -o). */
enum protocol	{ PROTO_FASTCGI, PROTO_SCGI };
enum output	{ OUT_CGI, OUT_RAW, OUT_RECORDS };

/* A growable byte string. */
struct bytes {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
};

/* One request (or abort) as the command line gives it. */
struct request {
	unsigned	 id;		/* FastCGI request id */
	unsigned	 role;
	unsigned	 flags;		/* BEGIN_REQUEST flags byte */
	unsigned	 version;	/* version byte of its records */
	int		 abort;		/* an ABORT_REQUEST, not a request */
	int		 open_params;	/* -P: no empty PARAMS, no STDIN */
	int		 open_stdin;	/* -S: no empty STDIN */
	int		 fcgi_only;	/* an option SCGI has no use for */
	struct bytes	 body;
	char		**params;	/* NAME=VALUE, into argv */
	int		 nparams;
};

/* One FastCGI request's answer while it comes in. */
struct stream {
	unsigned	 id;
	struct bytes	 out;		/* STDOUT content not yet printed */
	int		 live;		/* records seen, no END_REQUEST yet */
};

/* The answer, decoded as it arrives. */
struct decoder {
	enum protocol	 proto;
	enum output	 output;
	struct bytes	 in;		/* FastCGI bytes not yet decoded */
	struct stream	*streams;
	size_t		 nstreams;
	size_t		 received;	/* bytes in all */
	unsigned	 ends;		/* END_REQUEST records */
	int		 incomplete;	/* an END_REQUEST not COMPLETE */
};

static const char *const record_types[] = {
	[FCGI_BEGIN_REQUEST] = "BEGIN_REQUEST",
	[FCGI_ABORT_REQUEST] = "ABORT_REQUEST",
	[FCGI_END_REQUEST] = "END_REQUEST",
	[FCGI_PARAMS] = "PARAMS",
	[FCGI_STDIN] = "STDIN",
	[FCGI_STDOUT] = "STDOUT",
	[FCGI_STDERR] = "STDERR",
	[FCGI_DATA] = "DATA",
	[FCGI_GET_VALUES] = "GET_VALUES",
	[FCGI_GET_VALUES_RESULT] = "GET_VALUES_RESULT",
	[FCGI_UNKNOWN_TYPE] = "UNKNOWN_TYPE",
};

static const char *const protocol_statuses[] = {
	[FCGI_REQUEST_COMPLETE] = "REQUEST_COMPLETE",
	[FCGI_CANT_MPX_CONN] = "CANT_MPX_CONN",
	[FCGI_OVERLOADED] = "OVERLOADED",
	[FCGI_UNKNOWN_ROLE] = "UNKNOWN_ROLE",
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list	 ap;

	fputs("fcgiclient: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void
usage(void)
{
	fputs("usage: fcgiclient [-p fastcgi|scgi] [-c ADDRESS [-t SECONDS] "
	    "[-v] | -d]\n"
	    "                  [-o cgi|raw|records] [-x BYTES] "
	    "REQUEST [-- REQUEST]...\n"
	    "  REQUEST: [-i ID] [-k] [-r ROLE] [-f FLAGS] [-V VERSION] [-a] "
	    "[-P] [-S]\n"
	    "           [-b BODY | -B FILE] [NAME=VALUE]...\n", stderr);
	exit(EXIT_USAGE);
}

/* ------------------------------------------------------------- bytes */

static void
bytes_add(struct bytes *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (b->cap - b->len < len) {
		size_t	 cap = b->cap ? b->cap : 256;

		while (cap - b->len < len)
			cap *= 2;
		if ((b->data = realloc(b->data, cap)) == NULL)
			die(EXIT_IO, "out of memory");
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void
bytes_drop(struct bytes *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* Writes all of data to fd, or dies. */
static void
write_all(int fd, const void *data, size_t len)
{
	const uint8_t	*d = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, d, len)) == -1) {
			if (errno == EINTR)
				continue;
			die(EXIT_IO, "write: %s", strerror(errno));
		}
		d += n;
		len -= (size_t)n;
	}
}

static unsigned long
number(const char *s, unsigned long max, const char *what)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v > max)
		die(EXIT_USAGE, "%s: expected a number from 0 to %lu, not '%s'",
		    what, max, s);
	return v;
}

/* ---------------------------------------------------------- encoding */

/* One record with content[0..len), len <= FCGI_MAX_LENGTH, no padding. */
static void
fcgi_record(struct bytes *out, const struct request *r, unsigned type,
    const void *content, size_t len)
{
	FCGI_Header	 h;

	memset(&h, 0, sizeof(h));
	h.version = (unsigned char)r->version;
	h.type = (unsigned char)type;
	h.requestIdB1 = (unsigned char)(r->id >> 8);
	h.requestIdB0 = (unsigned char)r->id;
	h.contentLengthB1 = (unsigned char)(len >> 8);
	h.contentLengthB0 = (unsigned char)len;
	bytes_add(out, &h, sizeof(h));
	bytes_add(out, content, len);
}

/* A stream (PARAMS, STDIN) in records of the most bytes one can carry. */
static void
fcgi_stream(struct bytes *out, const struct request *r, unsigned type,
    const struct bytes *data)
{
	size_t	 off, n;

	for (off = 0; off < data->len; off += n) {
		n = data->len - off;
		if (n > FCGI_MAX_LENGTH)
			n = FCGI_MAX_LENGTH;
		fcgi_record(out, r, type, data->data + off, n);
	}
}

/* A name or value length: one byte below 128, else four, high bit set. */
static void
fcgi_nv_len(struct bytes *b, size_t len)
{
	uint8_t	 l[4];

	if (len < 128) {
		l[0] = (uint8_t)len;
		bytes_add(b, l, 1);
		return;
	}
	if (len > 0x7fffffff)
		die(EXIT_USAGE, "a param of %zu bytes is too long", len);
	l[0] = (uint8_t)(0x80 | len >> 24);
	l[1] = (uint8_t)(len >> 16);
	l[2] = (uint8_t)(len >> 8);
	l[3] = (uint8_t)len;
	bytes_add(b, l, 4);
}

static void
fcgi_encode(struct bytes *out, const struct request *r)
{
	FCGI_BeginRequestBody	 begin;
	struct bytes		 params = { NULL, 0, 0 };
	const char		*eq;
	size_t			 nlen;
	int			 i;

	if (r->abort) {
		fcgi_record(out, r, FCGI_ABORT_REQUEST, NULL, 0);
		return;
	}
	memset(&begin, 0, sizeof(begin));
	begin.roleB1 = (unsigned char)(r->role >> 8);
	begin.roleB0 = (unsigned char)r->role;
	begin.flags = (unsigned char)r->flags;
	fcgi_record(out, r, FCGI_BEGIN_REQUEST, &begin, sizeof(begin));

	for (i = 0; i < r->nparams; i++) {
		eq = strchr(r->params[i], '=');
		nlen = (size_t)(eq - r->params[i]);
		fcgi_nv_len(&params, nlen);
		fcgi_nv_len(&params, strlen(eq + 1));
		bytes_add(&params, r->params[i], nlen);
		bytes_add(&params, eq + 1, strlen(eq + 1));
	}
	fcgi_stream(out, r, FCGI_PARAMS, &params);
	free(params.data);
	if (r->open_params)
		return;
	fcgi_record(out, r, FCGI_PARAMS, NULL, 0);
	fcgi_stream(out, r, FCGI_STDIN, &r->body);
	if (!r->open_stdin)
		fcgi_record(out, r, FCGI_STDIN, NULL, 0);
}

/* "NAME\0VALUE\0" */
static void
scgi_header(struct bytes *h, const char *name, size_t nlen,
    const char *value)
{
	bytes_add(h, name, nlen);
	bytes_add(h, "", 1);
	bytes_add(h, value, strlen(value) + 1);
}

static void
scgi_encode(struct bytes *out, const struct request *r)
{
	struct bytes	 h = { NULL, 0, 0 };
	char		 n[32];
	const char	*eq;
	int		 i;

	snprintf(n, sizeof(n), "%zu", r->body.len);
	scgi_header(&h, "CONTENT_LENGTH", strlen("CONTENT_LENGTH"), n);
	scgi_header(&h, "SCGI", strlen("SCGI"), "1");
	for (i = 0; i < r->nparams; i++) {
		eq = strchr(r->params[i], '=');
		scgi_header(&h, r->params[i], (size_t)(eq - r->params[i]),
		    eq + 1);
	}
	snprintf(n, sizeof(n), "%zu:", h.len);
	bytes_add(out, n, strlen(n));
	bytes_add(out, h.data, h.len);
	bytes_add(out, ",", 1);
	bytes_add(out, r->body.data, r->body.len);
	free(h.data);
}

/* ---------------------------------------------------------- decoding */

static void
print_out(const void *data, size_t len)
{
	write_all(STDOUT_FILENO, data, len);
}

/* "REQUEST_COMPLETE" ..., or NULL for a status the spec does not name. */
static const char *
status_name(unsigned status)
{
	if (status < sizeof(protocol_statuses) / sizeof(protocol_statuses[0]))
		return protocol_statuses[status];
	return NULL;
}

static struct stream *
stream_of(struct decoder *d, unsigned id)
{
	size_t	 i;

	for (i = 0; i < d->nstreams; i++)
		if (d->streams[i].id == id)
			return &d->streams[i];
	d->streams = realloc(d->streams, (d->nstreams + 1) *
	    sizeof(*d->streams));
	if (d->streams == NULL)
		die(EXIT_IO, "out of memory");
	memset(&d->streams[d->nstreams], 0, sizeof(*d->streams));
	d->streams[d->nstreams].id = id;
	return &d->streams[d->nstreams++];
}

/* A request's STDOUT so far, printed (-o cgi) and forgotten. */
static void
stream_flush(struct decoder *d, struct stream *s)
{
	if (d->output == OUT_CGI)
		print_out(s->out.data, s->out.len);
	s->out.len = 0;
}

/* END_REQUEST: reported on stderr, whatever the output format. */
static void
end_request(struct decoder *d, unsigned id, const uint8_t *c, size_t len)
{
	const FCGI_EndRequestBody	*e = (const FCGI_EndRequestBody *)c;
	unsigned long			 app;
	const char			*name;

	d->ends++;
	if (len < sizeof(*e)) {
		fprintf(stderr, "fcgiclient: request %u: END_REQUEST of %zu "
		    "bytes\n", id, len);
		d->incomplete = 1;
		return;
	}
	app = (unsigned long)e->appStatusB3 << 24 |
	    (unsigned long)e->appStatusB2 << 16 |
	    (unsigned long)e->appStatusB1 << 8 | e->appStatusB0;
	if ((name = status_name(e->protocolStatus)) != NULL)
		fprintf(stderr, "fcgiclient: request %u: app status %lu, "
		    "FCGI_%s\n", id, app, name);
	else
		fprintf(stderr, "fcgiclient: request %u: app status %lu, "
		    "protocol status %u\n", id, app, e->protocolStatus);
	if (e->protocolStatus != FCGI_REQUEST_COMPLETE)
		d->incomplete = 1;
}

/* -o records: one line for a record. */
static void
print_record(unsigned type, unsigned id, const uint8_t *c, size_t len)
{
	const char	*name = NULL;

	if (type < sizeof(record_types) / sizeof(record_types[0]))
		name = record_types[type];
	if (name != NULL)
		printf("%s %u %zu", name, id, len);
	else
		printf("%u %u %zu", type, id, len);
	if (type == FCGI_END_REQUEST && len >= 5)
		printf(" %lu %s", (unsigned long)c[0] << 24 |
		    (unsigned long)c[1] << 16 | (unsigned long)c[2] << 8 | c[3],
		    status_name(c[4]) != NULL ? status_name(c[4]) : "?");
	printf("\n");
	fflush(stdout);
}

/* One whole record of the answer. */
static void
record(struct decoder *d, const FCGI_Header *h, const uint8_t *c, size_t len)
{
	unsigned	 id = (unsigned)h->requestIdB1 << 8 | h->requestIdB0;
	struct stream	*s;

	if (d->output == OUT_RECORDS)
		print_record(h->type, id, c, len);
	switch (h->type) {
	case FCGI_STDOUT:
		s = stream_of(d, id);
		s->live = 1;
		bytes_add(&s->out, c, len);
		break;
	case FCGI_STDERR:
		stream_of(d, id)->live = 1;
		write_all(STDERR_FILENO, c, len);
		break;
	case FCGI_END_REQUEST:
		s = stream_of(d, id);
		stream_flush(d, s);
		s->live = 0;
		end_request(d, id, c, len);
		break;
	default:
		/* GET_VALUES_RESULT, UNKNOWN_TYPE: not part of an answer. */
		fprintf(stderr, "fcgiclient: request %u: record of type %u, "
		    "%zu bytes\n", id, h->type, len);
		break;
	}
}

/*
 * Bytes of the answer as they arrive.  A FastCGI answer is decoded
 * whatever the output format: that is how the end of it is known.
 */
static void
decode(struct decoder *d, const uint8_t *data, size_t len)
{
	const FCGI_Header	*h;
	size_t			 clen, rlen;

	d->received += len;
	/* SCGI's answer is the CGI response itself. */
	if (d->output == OUT_RAW || d->proto == PROTO_SCGI)
		print_out(data, len);
	if (d->proto == PROTO_SCGI)
		return;
	bytes_add(&d->in, data, len);
	while (d->in.len >= FCGI_HEADER_LEN) {
		h = (const FCGI_Header *)d->in.data;
		clen = (size_t)h->contentLengthB1 << 8 | h->contentLengthB0;
		rlen = FCGI_HEADER_LEN + clen + h->paddingLength;
		if (d->in.len < rlen)
			break;
		record(d, h, d->in.data + FCGI_HEADER_LEN, clen);
		bytes_drop(&d->in, rlen);
	}
}

/*
 * At the end of the answer: prints what is left and says whether each
 * request sent whole (expect of them) was answered.
 */
static int
decode_end(struct decoder *d, unsigned expect)
{
	int	 ok = 1;
	size_t	 i;

	if (d->proto == PROTO_SCGI)
		return expect == 0 || d->received > 0;
	for (i = 0; i < d->nstreams; i++) {
		if (!d->streams[i].live)
			continue;
		stream_flush(d, &d->streams[i]);
		fprintf(stderr, "fcgiclient: request %u: no END_REQUEST\n",
		    d->streams[i].id);
		ok = 0;
	}
	if (d->in.len > 0) {
		if (d->output == OUT_RECORDS)
			printf("truncated\n");
		fprintf(stderr, "fcgiclient: the answer ends inside a record "
		    "(%zu bytes left)\n", d->in.len);
		ok = 0;
	}
	if (d->ends < expect) {
		fprintf(stderr, "fcgiclient: %u END_REQUEST for %u requests "
		    "sent\n", d->ends, expect);
		ok = 0;
	}
	fflush(stdout);
	return ok && !d->incomplete;
}

/* -------------------------------------------------------- connection */

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
print_local(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 host[NI_MAXHOST], port[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		die(EXIT_IO, "getsockname: %s", strerror(errno));
	if (ss.ss_family == AF_UNIX) {
		fprintf(stderr, "fcgiclient: local address unix\n");
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		die(EXIT_IO, "getnameinfo failed");
	fprintf(stderr, ss.ss_family == AF_INET6 ?
	    "fcgiclient: local address [%s]:%s\n" :
	    "fcgiclient: local address %s:%s\n", host, port);
}

/* A blocking connection to ADDRESS (see the top of the file), or dies. */
static int
connect_to(const char *address)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *res, *ai;
	char			*host, *port;
	int			 fd = -1, err, saved = 0;

	if (address[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(address) >= sizeof(sun.sun_path))
			die(EXIT_USAGE, "%s: path too long", address);
		strcpy(sun.sun_path, address);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			die(EXIT_IO, "connect %s: %s", address,
			    strerror(errno));
		return fd;
	}
	if ((host = strdup(address)) == NULL)
		die(EXIT_IO, "out of memory");
	if ((port = strrchr(host, ':')) == NULL)
		die(EXIT_USAGE, "%s: expected HOST:PORT, [IPV6]:PORT or a "
		    "/path", address);
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0)
		die(EXIT_IO, "%s: %s", address, gai_strerror(err));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	free(host);
	if (fd == -1)
		die(EXIT_IO, "connect %s: %s", address, strerror(saved));
	return fd;
}

/*
 * Sends out and reads the answer into d at once, so a peer that answers
 * before it has read everything (a body too large) cannot deadlock us.
 * Stops when expect END_REQUEST records are in (FastCGI; 0: never), when
 * the peer closes, or at the deadline.  Returns 0, or EXIT_TIMEOUT.
 */
static int
exchange(int fd, const struct bytes *out, struct decoder *d, unsigned expect,
    double seconds)
{
	struct pollfd	 pfd;
	uint8_t		 buf[65536];
	size_t		 sent = 0;
	double		 deadline = now() + seconds, left;
	ssize_t		 n;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		die(EXIT_IO, "fcntl: %s", strerror(errno));
	for (;;) {
		if (d->proto == PROTO_FASTCGI && expect > 0 &&
		    d->ends >= expect)
			return 0;
		if ((left = deadline - now()) <= 0) {
			fprintf(stderr, "fcgiclient: no complete answer within "
			    "%g s (%zu bytes)\n", seconds, d->received);
			return EXIT_TIMEOUT;
		}
		pfd.fd = fd;
		pfd.events = POLLIN | (sent < out->len ? POLLOUT : 0);
		if (poll(&pfd, 1, left > 60 ? 60000 : (int)(left * 1000) + 1)
		    == -1) {
			if (errno == EINTR)
				continue;
			die(EXIT_IO, "poll: %s", strerror(errno));
		}
		if (pfd.revents & POLLOUT) {
			n = write(fd, out->data + sent, out->len - sent);
			if (n >= 0)
				sent += (size_t)n;
			else if (errno == EPIPE || errno == ECONNRESET) {
				fprintf(stderr, "fcgiclient: the peer closed "
				    "after %zu of %zu bytes sent\n", sent,
				    out->len);
				sent = out->len;
			} else if (errno != EAGAIN && errno != EINTR)
				die(EXIT_IO, "write: %s", strerror(errno));
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, buf, sizeof(buf));
			if (n > 0)
				decode(d, buf, (size_t)n);
			else if (n == 0 || errno == ECONNRESET)
				return 0;	/* closed */
			else if (errno != EAGAIN && errno != EINTR)
				die(EXIT_IO, "read: %s", strerror(errno));
		}
	}
}

/* ------------------------------------------------------ command line */

static struct {
	enum protocol	 proto;
	const char	*address;	/* -c */
	double		 seconds;	/* -t */
	int		 verbose;	/* -v */
	int		 decode;	/* -d */
	enum output	 output;	/* -o */
	int		 cut;		/* -x given */
	size_t		 cut_len;	/* -x */
} g = { PROTO_FASTCGI, NULL, 10, 0, 0, OUT_CGI, 0, 0 };

#define REQUEST_OPTS	"i:kr:f:V:aPSb:B:"
#define FASTCGI_OPTS	"ikrfVaPS"	/* of those, what SCGI has no use for */
#define GLOBAL_OPTS	"p:c:t:vdo:x:"

static const char *const protocols[] = { "fastcgi", "scgi", NULL };
static const char *const outputs[] = { "cgi", "raw", "records", NULL };

/* The index of arg in names (the enum's order), or dies. */
static int
choose(const char *const *names, const char *arg, const char *what)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], arg) == 0)
			return i;
	die(EXIT_USAGE, "%s: unknown '%s'", what, arg);
}

static void
global_option(int c, const char *arg)
{
	char	*end;

	switch (c) {
	case 'p':
		g.proto = (enum protocol)choose(protocols, arg, "-p");
		break;
	case 'c':
		g.address = arg;
		break;
	case 't':
		g.seconds = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || !(g.seconds > 0))
			die(EXIT_USAGE, "-t: expected seconds, not '%s'", arg);
		break;
	case 'v':
		g.verbose = 1;
		break;
	case 'd':
		g.decode = 1;
		break;
	case 'o':
		g.output = (enum output)choose(outputs, arg, "-o");
		break;
	case 'x':
		g.cut = 1;
		g.cut_len = number(arg, ULONG_MAX, "-x");
		break;
	}
}

static void
read_file(struct bytes *b, const char *path)
{
	FILE	*f;
	char	 buf[8192];
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		die(EXIT_USAGE, "%s: %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		bytes_add(b, buf, n);
	if (ferror(f))
		die(EXIT_IO, "%s: read error", path);
	fclose(f);
}

/*
 * One request: its options and params in argv[1..argc) (argv[0] is the
 * program's name or the "--" before them; getopt only skips it).  The
 * first request also takes the global options.  r->params points into
 * argv.
 */
static void
parse_request(int argc, char **argv, struct request *r, int first)
{
	int	 c, keep = 0;

	memset(r, 0, sizeof(*r));
	r->id = 1;
	r->role = FCGI_RESPONDER;
	r->version = FCGI_VERSION_1;
	optind = 0;		/* a fresh scan (glibc and musl) */
	opterr = 0;
	/* "+": the options end at the first NAME=VALUE; ":": tell a
	   missing argument from an unknown option. */
	while ((c = getopt(argc, argv, first ? "+:" GLOBAL_OPTS REQUEST_OPTS :
	    "+:" REQUEST_OPTS)) != -1) {
		if (strchr(FASTCGI_OPTS, c) != NULL)
			r->fcgi_only = 1;
		switch (c) {
		case 'i':
			r->id = (unsigned)number(optarg, 0xffff, "-i");
			break;
		case 'k':
			keep = 1;
			break;
		case 'r':
			r->role = (unsigned)number(optarg, 0xffff, "-r");
			break;
		case 'f':
			r->flags = (unsigned)number(optarg, 0xff, "-f");
			break;
		case 'V':
			r->version = (unsigned)number(optarg, 0xff, "-V");
			break;
		case 'a':
			r->abort = 1;
			break;
		case 'P':
			r->open_params = 1;
			break;
		case 'S':
			r->open_stdin = 1;
			break;
		case 'b':
			r->body.len = 0;
			bytes_add(&r->body, optarg, strlen(optarg));
			break;
		case 'B':
			r->body.len = 0;
			read_file(&r->body, optarg);
			break;
		case ':':
			fprintf(stderr, "fcgiclient: -%c needs an argument\n",
			    optopt);
			usage();
			break;
		case '?':
			if (!first && strchr(GLOBAL_OPTS, optopt) != NULL)
				fprintf(stderr, "fcgiclient: -%c goes before "
				    "the first request's params\n", optopt);
			else
				fprintf(stderr, "fcgiclient: unknown option "
				    "-%c\n", optopt);
			usage();
			break;
		default:
			global_option(c, optarg);
			break;
		}
	}
	if (keep)
		r->flags |= FCGI_KEEP_CONN;
	r->params = argv + optind;
	r->nparams = argc - optind;
	for (c = 0; c < r->nparams; c++)
		if (strchr(r->params[c], '=') == NULL ||
		    r->params[c][0] == '=')
			die(EXIT_USAGE, "expected NAME=VALUE, not '%s'",
			    r->params[c]);
}

/*
 * The requests' bytes into out, the bodies freed.  Returns how many are
 * sent whole, and so can be answered.
 */
static unsigned
encode(struct request *reqs, size_t nreqs, struct bytes *out)
{
	unsigned	 whole = 0;
	size_t		 i;

	for (i = 0; i < nreqs; i++) {
		if (g.proto == PROTO_SCGI) {
			if (reqs[i].fcgi_only)
				die(EXIT_USAGE, "-i -k -r -f -V -a -P -S are "
				    "FastCGI options");
			scgi_encode(out, &reqs[i]);
		} else
			fcgi_encode(out, &reqs[i]);
		free(reqs[i].body.data);
		if (!reqs[i].abort && !reqs[i].open_params &&
		    !reqs[i].open_stdin && (!g.cut || g.cut_len >= out->len))
			whole++;
	}
	if (g.cut && g.cut_len < out->len)
		out->len = g.cut_len;
	return whole;
}

int
main(int argc, char *argv[])
{
	struct request	*reqs = NULL;
	struct decoder	 d;
	struct bytes	 out = { NULL, 0, 0 };
	uint8_t		 buf[65536];
	size_t		 nreqs = 0, i;
	ssize_t		 n;
	unsigned	 expect;
	int		 first, last, fd, rc = 0;

	/* Requests are separated by "--": each is parsed on its own. */
	for (first = 1; first <= argc; first = last + 1) {
		for (last = first; last < argc && strcmp(argv[last], "--") != 0;
		    last++)
			;
		if ((reqs = realloc(reqs, (nreqs + 1) * sizeof(*reqs))) == NULL)
			die(EXIT_IO, "out of memory");
		parse_request(last - first + 1, argv + first - 1, &reqs[nreqs],
		    nreqs == 0);
		nreqs++;
	}
	if (g.decode && g.address != NULL)
		die(EXIT_USAGE, "-d and -c do not go together");
	if (g.proto == PROTO_SCGI && g.output == OUT_RECORDS)
		die(EXIT_USAGE, "-o records: SCGI has no records");
	expect = encode(reqs, nreqs, &out);
	free(reqs);

	memset(&d, 0, sizeof(d));
	d.proto = g.proto;
	d.output = g.output;
	if (g.decode) {
		/* The requests, if any, only say nothing was sent. */
		expect = 0;
		while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
			if (n == -1 && errno != EINTR)
				die(EXIT_IO, "read: %s", strerror(errno));
			if (n > 0)
				decode(&d, buf, (size_t)n);
		}
	} else if (g.address == NULL)
		write_all(STDOUT_FILENO, out.data, out.len);
	else {
		signal(SIGPIPE, SIG_IGN);
		fd = connect_to(g.address);
		if (g.verbose)
			print_local(fd);
		rc = exchange(fd, &out, &d, g.proto == PROTO_FASTCGI ? expect :
		    0, g.seconds);
		close(fd);
	}
	if ((g.decode || g.address != NULL) && !decode_end(&d, expect) &&
	    rc == 0)
		rc = EXIT_ANSWER;

	free(out.data);
	free(d.in.data);
	for (i = 0; i < d.nstreams; i++)
		free(d.streams[i].out.data);
	free(d.streams);
	return rc;
}
