// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-echo - an echo server and client over AF_XTCP, or over TCP with -4.
 *
 *   xtcp-echo [-4 | -F NUM] server [-b ADDR] -p PORT [-n COUNT]
 *   xtcp-echo [-4 | -F NUM] client -a ADDR -p PORT [-s BYTES | -m MSG]
 *             [-w] [-t SECONDS]
 *   xtcp-echo [-4 | -F NUM] hold [-b ADDR] -p PORT -n SOCKETS
 *
 * The server accepts connections one after another and echoes every byte
 * back until the peer half-closes.  The client sends a message or a
 * deterministic pattern, half-closes with shutdown(SHUT_WR), reads the echo
 * until end of file and checks it byte for byte.  Hold opens many idle
 * connections to itself and keeps them until a signal (make bench times
 * the tools that list them).  Each prints one line per
 * event on stdout, line buffered, so a script can wait for "listening" or
 * "connected" instead of sleeping.
 *
 * Plain C and libc only.  Run "xtcp-echo -h" for the options.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/socket.h>	/* __kernel_sa_family_t, used by xtcp.h */
#include <linux/xtcp.h>

#define XTCP_ECHO_VERSION	"0.1"
#define FAMILY_PARAM		"/sys/module/xtcp/parameters/family"
#define DEFAULT_MESSAGE		"hello from xtcp-echo\n"
#define DEFAULT_TIMEOUT_S	30
#define LISTEN_BACKLOG		16
#define BUF_SIZE		65536

struct options {
	int family;			/* socket family number */
	struct in_addr addr;		/* -a, -b */
	int have_addr;
	unsigned int port;		/* -p */
	int have_port;
	unsigned long count;		/* server -n: 0 is forever */
	unsigned long long size;	/* client -s */
	int have_size;
	const char *msg;		/* client -m */
	int wait;			/* client -w */
	int timeout_s;			/* client -t: 0 is none */
};

/* Room for any of the address structures this program uses. */
union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_xtcp x;
	struct sockaddr_storage ss;
};

static_assert(sizeof(struct sockaddr_xtcp) == sizeof(struct sockaddr_in),
	      "sockaddr_xtcp must have the layout of sockaddr_in");

static void try_help(void)
{
	fprintf(stderr, "Try 'xtcp-echo -h' for more information.\n");
}

static void usage(void)
{
	printf("Usage: xtcp-echo [-4 | -F NUM] server [-b ADDR] -p PORT [-n COUNT]\n"
	       "       xtcp-echo [-4 | -F NUM] client -a ADDR -p PORT [-s BYTES | -m MSG]\n"
	       "                 [-w] [-t SECONDS]\n"
	       "       xtcp-echo [-4 | -F NUM] hold [-b ADDR] -p PORT -n SOCKETS\n"
	       "\n"
	       "Echo server and client over AF_XTCP (family %d by default, or the\n"
	       "value in " FAMILY_PARAM " when present).\n"
	       "\n"
	       "Common options (before or after the mode):\n"
	       "  -4          use TCP (AF_INET, SOCK_STREAM) instead of XTCP\n"
	       "  -F NUM      use address family number NUM for XTCP\n"
	       "  -h          show this help;  -V  show the version\n"
	       "\n"
	       "server: listen on ADDR:PORT (ADDR defaults to 0.0.0.0; PORT 0\n"
	       "picks one), print \"listening on ADDR:PORT\", then accept COUNT\n"
	       "connections (default: forever) one after another, echoing each\n"
	       "until end of file.  Exits 1 if any connection failed.\n"
	       "  -b ADDR  -p PORT  -n COUNT\n"
	       "\n"
	       "client: connect to ADDR:PORT and print \"connected LOCAL -> PEER\";\n"
	       "send MSG (default \"hello from xtcp-echo\") or BYTES bytes of a\n"
	       "fixed pattern (suffix K, M or G for binary multiples), shut down\n"
	       "the sending side, read the echo to end of file and check it.\n"
	       "Exits 1 if anything fails or the echo differs.\n"
	       "  -a ADDR  -p PORT  -s BYTES  -m MSG\n"
	       "  -w          after connecting, wait for a line (or end of file) on\n"
	       "              standard input before sending\n"
	       "  -t SECONDS  fail after SECONDS without progress, in connecting\n"
	       "              or echoing (default %d, 0 for never)\n"
	       "\n"
	       "hold: open SOCKETS idle sockets on ADDR (default 127.0.0.1): a\n"
	       "listener on PORT (and one on PORT+1 when SOCKETS is even) and\n"
	       "connections to it, each as its client and its accepted end;\n"
	       "print \"holding SOCKETS sockets\" and keep them until SIGTERM or\n"
	       "SIGINT, then reset them all (no TIME_WAIT is left behind).\n"
	       "The clients bind ports 1024, 1025 ...; PORT must be below 1023.\n"
	       "\n"
	       "Addresses are dotted-quad IPv4; XTCP has no name resolution.\n"
	       "The \"bench\" mode is not implemented yet.\n",
	       AF_XTCP, DEFAULT_TIMEOUT_S);
}

static unsigned long long parse_number(const char *s, const char *what,
				       unsigned long long max, int suffix_ok)
{
	unsigned long long v, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		errx(2, "invalid %s '%s'", what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (suffix_ok && *end && !end[1]) {
		switch (*end) {
		case 'k': case 'K':
			mult = 1ULL << 10;
			end++;
			break;
		case 'm': case 'M':
			mult = 1ULL << 20;
			end++;
			break;
		case 'g': case 'G':
			mult = 1ULL << 30;
			end++;
			break;
		}
	}
	if (errno || *end || v > max / mult)
		errx(2, "invalid %s '%s'", what, s);
	return v * mult;
}

static struct in_addr parse_addr(const char *s)
{
	struct in_addr addr;

	if (inet_pton(AF_INET, s, &addr) != 1)
		errx(2, "invalid IPv4 address '%s' (dotted quad expected)", s);
	return addr;
}

/* The live family number of the loaded module, or AF_XTCP. */
static int default_family(void)
{
	FILE *f = fopen(FAMILY_PARAM, "r");
	int family;

	if (!f)
		return AF_XTCP;
	if (fscanf(f, "%d", &family) != 1 || family <= 0 || family > 255) {
		warnx("%s: unreadable, using family %d", FAMILY_PARAM, AF_XTCP);
		family = AF_XTCP;
	}
	fclose(f);
	return family;
}

static socklen_t make_sockaddr(const struct options *o, union sockaddr_any *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (o->family == AF_INET) {
		sa->in.sin_family = AF_INET;
		sa->in.sin_port = htons(o->port);
		sa->in.sin_addr = o->addr;
		return sizeof(sa->in);
	}
	sa->x.sxtcp_family = o->family;
	sa->x.sxtcp_port = htons(o->port);
	sa->x.sxtcp_addr = o->addr.s_addr;
	return sizeof(sa->x);
}

/* Format an AF_INET or XTCP address (same layout) as "10.0.0.1:80". */
static const char *format_sockaddr(const union sockaddr_any *sa, char *buf,
				   size_t size)
{
	char addr[INET_ADDRSTRLEN];
	struct in_addr in;
	unsigned int port;

	if (sa->sa.sa_family == AF_INET) {
		in = sa->in.sin_addr;
		port = ntohs(sa->in.sin_port);
	} else {
		in.s_addr = sa->x.sxtcp_addr;
		port = ntohs(sa->x.sxtcp_port);
	}
	if (!inet_ntop(AF_INET, &in, addr, sizeof(addr)))
		strcpy(addr, "?");
	snprintf(buf, size, "%s:%u", addr, port);
	return buf;
}

/* getsockname() or getpeername() of FD, formatted. */
static const char *sock_name(int fd, int peer, char *buf, size_t size)
{
	union sockaddr_any sa;
	socklen_t len = sizeof(sa);
	int ret;

	memset(&sa, 0, sizeof(sa));
	ret = peer ? getpeername(fd, &sa.sa, &len) :
		     getsockname(fd, &sa.sa, &len);
	if (ret) {
		snprintf(buf, size, "?(%s)", strerror(errno));
		return buf;
	}
	return format_sockaddr(&sa, buf, size);
}

static int open_socket(int family)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0) {
		int e = errno;

		errx(1, "socket(family %d, SOCK_STREAM): %s%s", family,
		     strerror(e),
		     family != AF_INET && e == EAFNOSUPPORT ?
		     " (is the xtcp module loaded?)" : "");
	}
	return fd;
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Echo everything read from FD back to it until end of file.  Returns 0,
 * or -1 with a warning.  *BYTES counts what was echoed.
 */
static int echo_connection(int fd, const char *peer, unsigned long long *bytes)
{
	static unsigned char buf[BUF_SIZE];
	ssize_t n;

	*bytes = 0;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			warn("read from %s", peer);
			return -1;
		}
		if (write_all(fd, buf, n)) {
			warn("write to %s", peer);
			return -1;
		}
		*bytes += n;
	}
}

static int accept_one(int fd, union sockaddr_any *sa)
{
	socklen_t len;
	int cfd;

	for (;;) {
		len = sizeof(*sa);
		cfd = accept(fd, &sa->sa, &len);
		if (cfd >= 0)
			return cfd;
		/* A connection that died in the queue is not ours to count. */
		if (errno != EINTR && errno != ECONNABORTED)
			err(1, "accept");
	}
}

static int run_server(const struct options *o)
{
	unsigned long served, failed = 0;
	char name[64], peer[64];
	union sockaddr_any sa;
	unsigned long long bytes;
	socklen_t len;
	int fd, cfd, one = 1;

	fd = open_socket(o->family);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		warn("setsockopt(SO_REUSEADDR)");
	len = make_sockaddr(o, &sa);
	if (bind(fd, &sa.sa, len))
		err(1, "bind to %s", format_sockaddr(&sa, name, sizeof(name)));
	if (listen(fd, LISTEN_BACKLOG))
		err(1, "listen");
	printf("listening on %s (family %d)\n",
	       sock_name(fd, 0, name, sizeof(name)), o->family);

	for (served = 0; !o->count || served < o->count; served++) {
		cfd = accept_one(fd, &sa);
		format_sockaddr(&sa, peer, sizeof(peer));
		printf("accepted %s\n", peer);
		if (echo_connection(cfd, peer, &bytes)) {
			failed++;
			printf("failed %s after %llu bytes\n", peer, bytes);
		} else {
			printf("closed %s: %llu bytes echoed\n", peer, bytes);
		}
		if (close(cfd))
			warn("close connection from %s", peer);
	}
	close(fd);
	printf("served %lu connections, %lu failed\n", served, failed);
	return failed ? 1 : 0;
}

/*
 * The byte at offset POS of the -s pattern: a hash of the position, so a
 * lost, repeated or reordered block shows up at once.
 */
static unsigned char pattern_byte(unsigned long long pos)
{
	__u32 x = (__u32)pos ^ (__u32)(pos >> 32) * 0x9e3779b9u;

	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return (unsigned char)x;
}

/* Bytes POS to POS + LEN - 1 of what the client sends. */
static void fill(const struct options *o, unsigned long long pos,
		 unsigned char *buf, size_t len)
{
	size_t i;

	if (o->msg) {
		memcpy(buf, o->msg + pos, len);
		return;
	}
	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(pos + i);
}

/* Check that BUF holds bytes POS to POS + LEN - 1 of what was sent. */
static void check_echo(const struct options *o, unsigned long long pos,
		       const unsigned char *buf, size_t len)
{
	static unsigned char expect[BUF_SIZE];
	size_t i;

	fill(o, pos, expect, len);
	for (i = 0; i < len; i++)
		if (buf[i] != expect[i])
			errx(1, "echo differs at byte %llu: sent 0x%02x, received 0x%02x",
			     pos + i, expect[i], buf[i]);
}

/* Wait for a line, or end of file, on standard input. */
static void wait_for_go(void)
{
	int c;

	do {
		c = getchar();
	} while (c != EOF && c != '\n');
	if (ferror(stdin))
		warn("reading standard input");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Send TOTAL bytes and read the echo at the same time, so that neither
 * side's buffers can fill up and deadlock a large transfer.
 */
static void exchange(const struct options *o, int fd, unsigned long long total)
{
	static unsigned char txbuf[BUF_SIZE], rxbuf[BUF_SIZE];
	unsigned long long sent = 0, received = 0;
	int timeout_ms = o->timeout_s ? o->timeout_s * 1000 : -1;
	int shut = 0;
	struct pollfd pfd;
	ssize_t n;
	size_t len;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		err(1, "fcntl(O_NONBLOCK)");

	for (;;) {
		if (sent == total && !shut) {
			if (shutdown(fd, SHUT_WR))
				err(1, "shutdown(SHUT_WR)");
			shut = 1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN | (shut ? 0 : POLLOUT);
		pfd.revents = 0;
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (n == 0)
			errx(1, "no progress for %d s: sent %llu of %llu bytes, received %llu",
			     o->timeout_s, sent, total, received);

		if (!shut && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
			len = total - sent < sizeof(txbuf) ?
			      total - sent : sizeof(txbuf);
			fill(o, sent, txbuf, len);
			n = write(fd, txbuf, len);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				err(1, "send after %llu bytes", sent);
			if (n > 0)
				sent += n;
		}

		if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		n = read(fd, rxbuf, sizeof(rxbuf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err(1, "receive after %llu bytes", received);
		}
		if (n == 0)
			break;
		if (received + n > sent)
			errx(1, "echo has more bytes (%llu) than were sent (%llu)",
			     received + n, sent);
		check_echo(o, received, rxbuf, n);
		received += n;
	}
	if (received != total)
		errx(1, "echo ended after %llu of %llu bytes", received, total);
}

static void set_send_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		warn("setsockopt(SO_SNDTIMEO)");
}

static int run_client(const struct options *o)
{
	unsigned long long total = o->msg ? strlen(o->msg) : o->size;
	char local[64], peer[64];
	union sockaddr_any sa;
	double start, secs;
	socklen_t len;
	int fd;

	fd = open_socket(o->family);
	len = make_sockaddr(o, &sa);
	format_sockaddr(&sa, peer, sizeof(peer));
	/* A blocking connect() gives up after SO_SNDTIMEO. */
	set_send_timeout(fd, o->timeout_s);
	if (connect(fd, &sa.sa, len)) {
		if (errno == EINPROGRESS || errno == EAGAIN)
			errx(1, "connect to %s: no answer in %d s", peer,
			     o->timeout_s);
		err(1, "connect to %s", peer);
	}
	set_send_timeout(fd, 0);
	sock_name(fd, 0, local, sizeof(local));
	sock_name(fd, 1, peer, sizeof(peer));
	printf("connected %s -> %s (family %d)\n", local, peer, o->family);

	if (o->wait)
		wait_for_go();

	start = now();
	exchange(o, fd, total);
	secs = now() - start;
	if (close(fd))
		err(1, "close");
	printf("echo ok: %llu bytes sent and received back in %.3f s (%.1f MB/s), %s -> %s\n",
	       total, secs, secs > 0 ? total / secs / 1e6 : 0.0, local, peer);
	return 0;
}

/* Connections made before they are accepted: below somaxconn (4096). */
#define HOLD_BATCH		1000
/* The clients' ports: HOLD_FIRST_PORT, the next ... */
#define HOLD_FIRST_PORT		1024u

/* SO_LINGER 0: close resets, so nothing lingers in TIME_WAIT after. */
static void set_abortive(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)))
		err(1, "setsockopt(SO_LINGER)");
}

static int hold_listener(const struct options *o, unsigned int port)
{
	struct options lo = *o;
	union sockaddr_any sa;
	char name[64];
	socklen_t len;
	int fd;

	fd = open_socket(o->family);
	lo.port = port;
	len = make_sockaddr(&lo, &sa);
	if (bind(fd, &sa.sa, len))
		err(1, "bind to %s", format_sockaddr(&sa, name, sizeof(name)));
	if (listen(fd, 4096))
		err(1, "listen");
	set_abortive(fd);
	return fd;
}

/*
 * hold: O->count sockets, a listener (two when the count is even) and
 * connections to it, kept until a signal.  Their descriptors need not be
 * remembered: the exit closes them all.
 */
static int run_hold(const struct options *o)
{
	unsigned long pairs = (o->count - 1) / 2, i, j, end;
	struct rlimit rl = { .rlim_cur = o->count + 64,
			     .rlim_max = o->count + 64 };
	union sockaddr_any sa, ca;
	struct options cl = *o;
	socklen_t len, clen;
	sigset_t mask;
	int lfd, fd, sig;

	if (pairs > 65536 - HOLD_FIRST_PORT || o->port + 1 >= HOLD_FIRST_PORT)
		errx(2, "hold: at most %u connections, PORT below %u",
		     65536 - HOLD_FIRST_PORT, HOLD_FIRST_PORT - 1);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		err(1, "setrlimit(RLIMIT_NOFILE, %lu)", o->count + 64);
	/* Blocked: taken by sigwait() once the sockets are up. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	lfd = hold_listener(o, o->port);
	if (!(o->count & 1))
		hold_listener(o, o->port + 1);
	len = make_sockaddr(o, &sa);
	for (i = 0; i < pairs; i = end) {
		end = i + HOLD_BATCH < pairs ? i + HOLD_BATCH : pairs;
		for (j = i; j < end; j++) {
			fd = open_socket(o->family);
			/*
			 * Each client on a port of its own, from 1024 up: no
			 * stack's ephemeral port search (TCP's tries every
			 * busy port of the range before a free one).
			 */
			cl.port = HOLD_FIRST_PORT + j;
			clen = make_sockaddr(&cl, &ca);
			if (bind(fd, &ca.sa, clen))
				err(1, "bind to port %u", cl.port);
			if (connect(fd, &sa.sa, len))
				err(1, "connection %lu of %lu", j + 1, pairs);
			set_abortive(fd);
		}
		for (j = i; j < end; j++) {
			fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				err(1, "accept %lu of %lu", j + 1, pairs);
			set_abortive(fd);
		}
	}
	printf("holding %lu sockets\n", o->count);
	sigwait(&mask, &sig);
	return 0;
}

/* Options every mode takes.  Returns 0 if OPT was one of them. */
static int common_option(int opt, struct options *o, int *family_set)
{
	switch (opt) {
	case '4':
		if (*family_set && o->family != AF_INET)
			errx(2, "-4 and -F exclude each other");
		o->family = AF_INET;
		*family_set = 1;
		return 0;
	case 'F':
		if (*family_set && o->family == AF_INET)
			errx(2, "-4 and -F exclude each other");
		o->family = parse_number(optarg, "family", 255, 0);
		if (!o->family)
			errx(2, "invalid family '%s'", optarg);
		*family_set = 1;
		return 0;
	case 'h':
		usage();
		exit(0);
	case 'V':
		printf("xtcp-echo %s (AF_XTCP %d)\n", XTCP_ECHO_VERSION,
		       AF_XTCP);
		exit(0);
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ NULL,		0,		NULL, 0 }
	};
	struct options o = { .timeout_s = DEFAULT_TIMEOUT_S };
	const char *mode, *optstring;
	int family_set = 0, server, hold = 0;
	int opt;

	/* A failed write should be an error message, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	while ((opt = getopt_long(argc, argv, "+4F:hV", longopts, NULL)) != -1) {
		if (common_option(opt, &o, &family_set)) {
			try_help();
			return 2;
		}
	}
	if (optind >= argc) {
		warnx("no mode given: server, client or hold");
		try_help();
		return 2;
	}
	mode = argv[optind];
	if (strcmp(mode, "server") == 0) {
		server = 1;
		optstring = ":4F:hVb:p:n:";
	} else if (strcmp(mode, "client") == 0) {
		server = 0;
		optstring = ":4F:hVa:p:s:m:wt:";
	} else if (strcmp(mode, "hold") == 0) {
		server = 0;
		hold = 1;
		optstring = ":4F:hVb:p:n:";
	} else if (strcmp(mode, "bench") == 0) {
		errx(2, "the bench mode is not implemented yet");
	} else {
		warnx("unknown mode '%s'", mode);
		try_help();
		return 2;
	}

	/* Parse the mode's options, with the mode as argv[0]. */
	argc -= optind;
	argv += optind;
	optind = 1;
	while ((opt = getopt_long(argc, argv, optstring, longopts,
				  NULL)) != -1) {
		if (!common_option(opt, &o, &family_set))
			continue;
		switch (opt) {
		case 'a':
		case 'b':
			o.addr = parse_addr(optarg);
			o.have_addr = 1;
			break;
		case 'p':
			o.port = parse_number(optarg, "port", 65535, 0);
			o.have_port = 1;
			break;
		case 'n':
			o.count = parse_number(optarg, "count", ULONG_MAX, 0);
			if (!o.count)
				errx(2, "-n COUNT must be at least 1");
			break;
		case 's':
			o.size = parse_number(optarg, "size", ULLONG_MAX, 1);
			o.have_size = 1;
			break;
		case 'm':
			o.msg = optarg;
			break;
		case 'w':
			o.wait = 1;
			break;
		case 't':
			o.timeout_s = parse_number(optarg, "timeout", 86400, 0);
			break;
		case ':':
			warnx("%s: option -%c needs an argument", mode, optopt);
			try_help();
			return 2;
		default:
			if (optopt)
				warnx("%s: unknown option -%c", mode, optopt);
			else
				warnx("%s: unknown option %s", mode,
				      argv[optind - 1]);
			try_help();
			return 2;
		}
	}
	if (optind < argc)
		errx(2, "unexpected argument '%s'", argv[optind]);
	if (!family_set)
		o.family = default_family();
	if (!o.have_port)
		errx(2, "%s: -p PORT is required", mode);

	if (hold) {
		if (!o.have_addr)
			o.addr.s_addr = htonl(INADDR_LOOPBACK);
		if (o.count < 1 || o.count > 10000000)
			errx(2, "hold: -n SOCKETS, 1 to 10000000, is required");
		return run_hold(&o);
	}
	if (server) {
		if (!o.have_addr)
			o.addr.s_addr = htonl(INADDR_ANY);
		return run_server(&o);
	}
	if (!o.have_addr)
		errx(2, "client: -a ADDR is required");
	if (o.have_size && o.msg)
		errx(2, "client: -s and -m exclude each other");
	if (!o.have_size && !o.msg)
		o.msg = DEFAULT_MESSAGE;
	return run_client(&o);
}
