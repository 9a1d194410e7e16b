// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-bench - the workloads of "make bench", over AF_XTCP or over TCP (-4),
 * the same code for both.
 *
 *   xtcp-bench [-4 | -F NUM] server [-b ADDR] -p PORT
 *   xtcp-bench [-4 | -F NUM] bulk -a ADDR -p PORT -s BYTES [-P STREAMS]
 *   xtcp-bench [-4 | -F NUM] rr   -a ADDR -p PORT [-l SECONDS] [-T PORT2 [-t SLICE]]
 *   xtcp-bench [-4 | -F NUM] crr  -a ADDR -p PORT [-l SECONDS] [-T PORT2 [-t SLICE]]
 *
 * The server listens on PORT, where it discards what each connection
 * sends and answers its end of file with the count of bytes it read (8
 * bytes, network order), and on PORT + 1, where it echoes.  One thread
 * serves every connection through poll().
 *
 * bulk sends BYTES over STREAMS connections at once (BYTES / STREAMS each)
 * to PORT, one thread a connection; the clock runs from when all are
 * connected to when the last has the server's count, i.e. to the last
 * byte received.  rr sends 1 byte and waits for its echo, again and again,
 * over one connection (netperf's TCP_RR); crr connects, sends 1 byte,
 * reads the echo and closes, again and again (TCP_CRR).  Each prints one
 * line with its rate.  With -T, rr and crr run XTCP against PORT and TCP
 * against PORT2 in turns of SLICE seconds, SECONDS each, and print a line
 * for each.
 *
 * Plain C and libc (with POSIX threads) only.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/socket.h>	/* __kernel_sa_family_t, used by xtcp.h */
#include <linux/xtcp.h>

#define FAMILY_PARAM		"/sys/module/xtcp/parameters/family"
#define MAX_CONNS		1024
#define MAX_STREAMS		64
#define IO_SIZE			(128 * 1024)
#define DEFAULT_SECONDS		2
#define TIMEOUT_S		60

struct options {
	int family;
	struct in_addr addr;
	unsigned int port;
	int have_port, have_addr;
	unsigned long long bytes;	/* bulk -s */
	unsigned int streams;		/* bulk -P */
	double seconds;			/* rr, crr -l */
	unsigned int tcp_port;		/* rr, crr -T: TCP's server too */
	double slice;			/* rr, crr -t: a turn, in seconds */
};

union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_xtcp x;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: xtcp-bench [-4 | -F NUM] server [-b ADDR] -p PORT\n"
		"       xtcp-bench [-4 | -F NUM] bulk -a ADDR -p PORT -s BYTES [-P STREAMS]\n"
		"       xtcp-bench [-4 | -F NUM] rr   -a ADDR -p PORT [-l SECONDS] [-T PORT2 [-t SLICE]]\n"
		"       xtcp-bench [-4 | -F NUM] crr  -a ADDR -p PORT [-l SECONDS] [-T PORT2 [-t SLICE]]\n"
		"\n"
		"server: discard on PORT (the byte count answers end of file),\n"
		"        echo on PORT + 1.\n"
		"bulk:   BYTES (suffix K, M, G) over STREAMS (1) connections to PORT;\n"
		"        prints the aggregate MB/s to the last byte received.\n"
		"rr:     1-byte request and response over one connection to PORT + 1\n"
		"        for SECONDS (%d); prints transactions per second.\n"
		"crr:    connect, 1-byte request and response, close, to PORT + 1,\n"
		"        for SECONDS; prints connections per second.\n"
		"-T:     rr or crr over XTCP to PORT and over TCP to PORT2, in turns\n"
		"        of SLICE (0.1) seconds, SECONDS each; a line for each.\n"
		"-4 uses TCP; XTCP's family is read from " FAMILY_PARAM ".\n",
		DEFAULT_SECONDS);
	exit(status);
}

static int default_family(void)
{
	FILE *f = fopen(FAMILY_PARAM, "r");
	int family = AF_XTCP;

	if (f) {
		if (fscanf(f, "%d", &family) != 1 || family <= 0 ||
		    family > 255)
			family = AF_XTCP;
		fclose(f);
	}
	return family;
}

static unsigned long long parse_size(const char *s)
{
	unsigned long long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
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
	if (errno || end == s || *end || v > ~0ULL / mult)
		errx(2, "invalid number '%s'", s);
	return v * mult;
}

/* A duration in seconds, above 0. */
static double parse_seconds(const char *s)
{
	double v = atof(s);

	if (!(v > 0))
		errx(2, "invalid duration '%s'", s);
	return v;
}

static socklen_t make_sockaddr(const struct options *o, unsigned int port,
			       union sockaddr_any *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (o->family == AF_INET) {
		sa->in.sin_family = AF_INET;
		sa->in.sin_port = htons(port);
		sa->in.sin_addr = o->addr;
		return sizeof(sa->in);
	}
	sa->x.sxtcp_family = o->family;
	sa->x.sxtcp_port = htons(port);
	sa->x.sxtcp_addr = o->addr.s_addr;
	return sizeof(sa->x);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_socket(int family)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		err(1, "socket(family %d, SOCK_STREAM)", family);
	return fd;
}

/* A client's socket: a stall fails the run instead of hanging it. */
static int connect_to(const struct options *o, unsigned int port)
{
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	union sockaddr_any sa;
	socklen_t len = make_sockaddr(o, port, &sa);
	int fd = open_socket(o->family);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		err(1, "setsockopt(SO_SNDTIMEO/SO_RCVTIMEO)");
	if (connect(fd, &sa.sa, len))
		err(1, "connect to port %u", port);
	return fd;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err(1, "write");
		}
		p += n;
		len -= n;
	}
}

/* Read exactly LEN bytes; an early end of file is an error. */
static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "read");
		if (n == 0)
			errx(1, "end of file %zu bytes early", len);
		p += n;
		len -= n;
	}
}

/* ---- server ---------------------------------------------------------- */

struct conn {
	int echo;
	uint64_t bytes;
};

static int listen_on(const struct options *o, unsigned int port)
{
	union sockaddr_any sa;
	socklen_t len = make_sockaddr(o, port, &sa);
	int fd = open_socket(o->family), one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		warn("setsockopt(SO_REUSEADDR)");
	if (bind(fd, &sa.sa, len))
		err(1, "bind to port %u", port);
	if (listen(fd, 256))
		err(1, "listen");
	return fd;
}

static void drop(struct pollfd *pfd, struct conn *c, nfds_t *n, nfds_t i)
{
	close(pfd[i].fd);
	(*n)--;
	pfd[i] = pfd[*n];
	c[i] = c[*n];
}

static int run_server(const struct options *o)
{
	static struct pollfd pfd[MAX_CONNS];
	static struct conn c[MAX_CONNS];
	static char buf[IO_SIZE];
	nfds_t n = 2, i;
	uint64_t count;
	ssize_t r;
	int fd;

	pfd[0].fd = listen_on(o, o->port);
	pfd[1].fd = listen_on(o, o->port + 1);
	pfd[0].events = POLLIN;
	pfd[1].events = POLLIN;
	printf("listening on ports %u and %u (family %d)\n", o->port,
	       o->port + 1, o->family);
	fflush(stdout);

	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			fd = accept(pfd[i].fd, NULL, NULL);
			if (fd < 0) {
				if (errno != EINTR && errno != ECONNABORTED)
					warn("accept");
				continue;
			}
			if (n == MAX_CONNS) {
				warnx("more than %d connections", MAX_CONNS);
				close(fd);
				continue;
			}
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			c[n].echo = i;
			c[n].bytes = 0;
			n++;
		}
		for (i = n; i-- > 2;) {
			if (!pfd[i].revents)
				continue;
			r = read(pfd[i].fd, buf, c[i].echo ? 65536 : IO_SIZE);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				if (errno != ECONNRESET)
					warn("read");
				drop(pfd, c, &n, i);
				continue;
			}
			if (r == 0) {
				if (!c[i].echo) {
					count = htobe64(c[i].bytes);
					if (write(pfd[i].fd, &count,
						  sizeof(count)) < 0)
						warn("write count");
				}
				drop(pfd, c, &n, i);
				continue;
			}
			c[i].bytes += r;
			if (c[i].echo && write(pfd[i].fd, buf, r) != r) {
				warn("echo");
				drop(pfd, c, &n, i);
			}
		}
	}
}

/* ---- bulk ------------------------------------------------------------ */

struct stream {
	const struct options *o;
	pthread_t thread;
	pthread_barrier_t *go;
	unsigned long long bytes;
	double done;
};

static void *bulk_stream(void *arg)
{
	static char buf[IO_SIZE];
	struct stream *s = arg;
	unsigned long long left = s->bytes;
	uint64_t count;
	size_t len;
	int fd;

	fd = connect_to(s->o, s->o->port);
	pthread_barrier_wait(s->go);
	while (left) {
		len = left < sizeof(buf) ? left : sizeof(buf);
		write_all(fd, buf, len);
		left -= len;
	}
	if (shutdown(fd, SHUT_WR))
		err(1, "shutdown");
	read_all(fd, &count, sizeof(count));
	s->done = now();
	if (be64toh(count) != s->bytes)
		errx(1, "the server read %llu bytes of %llu",
		     (unsigned long long)be64toh(count), s->bytes);
	close(fd);
	return NULL;
}

static int run_bulk(const struct options *o)
{
	static struct stream s[MAX_STREAMS];
	pthread_barrier_t go;
	double start, end = 0, secs;
	unsigned int i;

	pthread_barrier_init(&go, NULL, o->streams + 1);
	for (i = 0; i < o->streams; i++) {
		s[i].o = o;
		s[i].go = &go;
		s[i].bytes = o->bytes / o->streams +
			     (i < o->bytes % o->streams);
		errno = pthread_create(&s[i].thread, NULL, bulk_stream, &s[i]);
		if (errno)
			err(1, "pthread_create");
	}
	pthread_barrier_wait(&go);
	start = now();
	for (i = 0; i < o->streams; i++) {
		pthread_join(s[i].thread, NULL);
		if (s[i].done > end)
			end = s[i].done;
	}
	secs = end - start;
	printf("bulk: %llu bytes over %u streams in %.3f s (%.2f MB/s)\n",
	       o->bytes, o->streams, secs, secs > 0 ? o->bytes / secs / 1e6 : 0);
	return 0;
}

/* ---- rr and crr ------------------------------------------------------- */

/* One 1-byte request and its response on FD. */
static void transact(int fd)
{
	char b = 'x';

	write_all(fd, &b, 1);
	read_all(fd, &b, 1);
}

/* One stack's side of a run: its client and what it has done so far. */
struct rr_side {
	struct options o;
	int fd;
	unsigned long n;
	double secs;
};

static void rr_open(struct rr_side *s, int crr)
{
	s->fd = crr ? -1 : connect_to(&s->o, s->o.port + 1);
}

/* Transactions on @s for @secs, added to its count and time. */
static void rr_turn(struct rr_side *s, int crr, double secs)
{
	double start = now(), end = start + secs, t;

	do {
		/* Read the clock every 16: under TCG a read may trap. */
		for (unsigned int k = 0; k < 16; k++, s->n++) {
			if (crr)
				s->fd = connect_to(&s->o, s->o.port + 1);
			transact(s->fd);
			if (crr)
				close(s->fd);
		}
		t = now();
	} while (t < end);
	s->secs += t - start;
}

static void rr_close(struct rr_side *s, int crr)
{
	if (!crr)
		close(s->fd);
}

static void rr_print(const char *mode, const char *stack,
		     const struct rr_side *s)
{
	printf("%s%s: %lu transactions in %.3f s (%.1f per s)\n", mode,
	       stack, s->n, s->secs, s->n / s->secs);
}

/*
 * With -T, XTCP (PORT) and TCP (PORT2) take turns of -t SLICE seconds,
 * in the order XTCP, TCP, TCP, XTCP, ..., for SECONDS each: a change in
 * the host's load that outlasts a turn or two falls on both alike.
 */
static int run_rr(const struct options *o, int crr)
{
	const char *mode = crr ? "crr" : "rr";
	struct rr_side x = { .o = *o }, t = { .o = *o };
	unsigned int turns, i;

	if (!o->tcp_port) {
		rr_open(&x, crr);
		rr_turn(&x, crr, o->seconds);
		rr_close(&x, crr);
		rr_print(mode, "", &x);
		return 0;
	}
	t.o.family = AF_INET;
	t.o.port = o->tcp_port;
	rr_open(&x, crr);
	rr_open(&t, crr);
	turns = o->seconds / o->slice + 0.5;
	for (i = 0; i < (turns ?: 1); i++) {
		struct rr_side *a = (i & 1) ? &t : &x, *b = (i & 1) ? &x : &t;

		rr_turn(a, crr, o->slice);
		rr_turn(b, crr, o->slice);
	}
	rr_close(&x, crr);
	rr_close(&t, crr);
	rr_print(mode, " xtcp", &x);
	rr_print(mode, " tcp", &t);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .streams = 1, .seconds = DEFAULT_SECONDS,
			     .slice = 0.1 };
	const char *mode;
	int opt, family_set = 0;

	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "+4F:h")) != -1) {
		switch (opt) {
		case '4':
			o.family = AF_INET;
			family_set = 1;
			break;
		case 'F':
			o.family = atoi(optarg);
			family_set = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind >= argc)
		usage(2);
	mode = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	while ((opt = getopt(argc, argv, "a:b:p:s:P:l:T:t:")) != -1) {
		switch (opt) {
		case 'a':
		case 'b':
			if (inet_pton(AF_INET, optarg, &o.addr) != 1)
				errx(2, "invalid address '%s'", optarg);
			o.have_addr = 1;
			break;
		case 'p':
			o.port = parse_size(optarg);
			if (!o.port || o.port > 65534)
				errx(2, "invalid port '%s'", optarg);
			o.have_port = 1;
			break;
		case 's':
			o.bytes = parse_size(optarg);
			break;
		case 'P':
			o.streams = parse_size(optarg);
			if (!o.streams || o.streams > MAX_STREAMS)
				errx(2, "-P: 1 to %d streams", MAX_STREAMS);
			break;
		case 'l':
			o.seconds = parse_seconds(optarg);
			break;
		case 'T':
			o.tcp_port = parse_size(optarg);
			if (!o.tcp_port || o.tcp_port > 65534)
				errx(2, "invalid port '%s'", optarg);
			break;
		case 't':
			o.slice = parse_seconds(optarg);
			break;
		default:
			usage(2);
		}
	}
	if (optind < argc || !o.have_port)
		usage(2);
	if (o.tcp_port && o.family == AF_INET)
		errx(2, "-T: TCP runs against PORT2, XTCP against PORT; not with -4");
	if (!family_set)
		o.family = default_family();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "server")) {
		if (!o.have_addr)
			o.addr.s_addr = htonl(INADDR_ANY);
		return run_server(&o);
	}
	if (!o.have_addr)
		errx(2, "%s: -a ADDR is required", mode);
	if (!strcmp(mode, "bulk")) {
		if (o.bytes < o.streams)
			errx(2, "bulk: -s BYTES, at least one per stream");
		return run_bulk(&o);
	}
	if (!strcmp(mode, "rr"))
		return run_rr(&o, 0);
	if (!strcmp(mode, "crr"))
		return run_rr(&o, 1);
	warnx("unknown mode '%s'", mode);
	usage(2);
	return 2;
}
