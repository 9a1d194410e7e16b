// SPDX-License-Identifier: GPL-2.0
/*
 * 100,000 XTCP sockets at once (XTCP_SCALE_SOCKETS), in a namespace of
 * their own, all live on 127.0.0.1: two listeners, on ports 500 and 501,
 * and 49,999 connections made to them in turn, each as its client and
 * its accepted socket, all ESTABLISHED.  The client ports come from the
 * kernel's ephemeral range (widened to 1024-65535 for the test).
 *
 * Each test checks that the table lists every socket exactly once, none
 * missing, none twice, each with its own ports, state and inode:
 * /proc/net/xtcp itself (read in 4 KiB chunks, so the walk resumes
 * thousands of times), "xtcpstat -an", "xtcpstat -an -H" and an
 * xtcpstat filter.  How long the tool takes is measured by make bench,
 * not asserted here.
 *
 * Each setup logs how long each tenth of the connections took to make:
 * a per-socket cost that grows with the number of sockets (a long hash
 * chain, a port search) shows there.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "xtcp_util.h"
#include "kselftest_harness.h"

#define SCALE_SOCKETS	100000
#define PORT_A		500
#define PORT_B		501
/* Connections made before they are accepted: below somaxconn (4096). */
#define BATCH		1000

/* One socket: what /proc/net/xtcp and xtcpstat must show for it. */
struct sockent {
	int fd;
	unsigned int lport, rport, state;
	unsigned long long ino;
	unsigned int key;	/* lport << 16 | rport: unique here */
};

FIXTURE(scale) {
	struct sockent *s;
	int n;			/* sockets */
	int nr_a, nr_b;		/* connections to PORT_A, PORT_B */
	struct sockent **by_ino, **by_key;
	unsigned char *seen;	/* per socket, indexed as s[] */
};

static int sockets_wanted(void)
{
	const char *e = getenv("XTCP_SCALE_SOCKETS");
	int n = e && *e ? atoi(e) : SCALE_SOCKETS;

	/* Two listeners and whole pairs. */
	return n < 4 ? 4 : n & ~1;
}

static int cmp_ino(const void *a, const void *b)
{
	const struct sockent *x = *(struct sockent * const *)a;
	const struct sockent *y = *(struct sockent * const *)b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_key(const void *a, const void *b)
{
	const struct sockent *x = *(struct sockent * const *)a;
	const struct sockent *y = *(struct sockent * const *)b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static struct sockent *find_ino(struct _test_data_scale *self,
				unsigned long long ino)
{
	struct sockent key = { .ino = ino }, *k = &key, **r;

	r = bsearch(&k, self->by_ino, self->n, sizeof(*r), cmp_ino);
	return r ? *r : NULL;
}

static struct sockent *find_key(struct _test_data_scale *self,
				unsigned int lport, unsigned int rport)
{
	struct sockent key = { .key = lport << 16 | rport }, *k = &key, **r;

	r = bsearch(&k, self->by_key, self->n, sizeof(*r), cmp_key);
	return r ? *r : NULL;
}

/* Fill in @e for @fd: its inode, ports and state. */
static int describe(struct sockent *e, int fd, unsigned int rport,
		    unsigned int state)
{
	struct stat st;
	int lport = xtcp_local_port(fd);

	if (lport <= 0 || fstat(fd, &st))
		return -1;
	e->fd = fd;
	e->lport = lport;
	e->rport = rport;
	e->state = state;
	e->ino = st.st_ino;
	e->key = e->lport << 16 | e->rport;
	return 0;
}

/* An abortive close at the end: no orphan outlives the test. */
static int no_linger(int fd)
{
	return xtcp_set_linger(fd, 1, 0);
}

static int scale_listener(int port)
{
	int fd = socket(xtcp_af(), SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (xtcp_bind_to(fd, "127.0.0.1", port) || listen(fd, 4096) ||
	    no_linger(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(scale)
{
	int n = sockets_wanted(), pairs = (n - 2) / 2, lfd[2], i, j;
	int tenth = pairs / 10 ? pairs / 10 : 1, logged = 0;
	struct rlimit rl = { .rlim_cur = n + 64, .rlim_max = n + 64 };
	long start = xtcp_now_ms(), mark = start;
	struct sockent *s;

	self->n = 0;
	self->s = calloc(n, sizeof(*self->s));
	self->by_ino = calloc(n, sizeof(*self->by_ino));
	self->by_key = calloc(n, sizeof(*self->by_key));
	self->seen = calloc(n, 1);
	ASSERT_TRUE(self->s && self->by_ino && self->by_key && self->seen);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_write_file(XTCP_PORT_RANGE, "1024 65535"));

	s = self->s;
	lfd[0] = scale_listener(PORT_A);
	ASSERT_LE(0, lfd[0]);
	ASSERT_EQ(0, describe(&s[self->n++], lfd[0], 0, XTCP_LISTEN));
	lfd[1] = scale_listener(PORT_B);
	ASSERT_LE(0, lfd[1]);
	ASSERT_EQ(0, describe(&s[self->n++], lfd[1], 0, XTCP_LISTEN));

	/* Connection i goes to listener i % 2; clients, then their peers. */
	for (i = 0; i < pairs; i += BATCH) {
		int end = i + BATCH < pairs ? i + BATCH : pairs;

		for (j = i; j < end; j++) {
			int fd = socket(xtcp_af(), SOCK_STREAM | SOCK_CLOEXEC,
					0);

			ASSERT_LE(0, fd) TH_LOG("socket %d: %s", self->n,
						strerror(errno));
			ASSERT_EQ(0, xtcp_connect_to(fd, "127.0.0.1",
						     j % 2 ? PORT_B : PORT_A))
				TH_LOG("connect %d: %s", j, strerror(errno));
			ASSERT_EQ(0, no_linger(fd));
			ASSERT_EQ(0, describe(&s[self->n++], fd,
					      j % 2 ? PORT_B : PORT_A,
					      XTCP_ESTABLISHED));
		}
		for (j = i; j < end; j++) {
			struct sockaddr_xtcp peer;
			socklen_t len = sizeof(peer);
			int fd = accept4(lfd[j % 2], (struct sockaddr *)&peer,
					 &len, SOCK_CLOEXEC);

			ASSERT_LE(0, fd) TH_LOG("accept %d: %s", j,
						strerror(errno));
			ASSERT_EQ(0, no_linger(fd));
			ASSERT_EQ(0, describe(&s[self->n++], fd,
					      ntohs(peer.sxtcp_port),
					      XTCP_ESTABLISHED));
		}
		/* Each tenth's time: a cost that grows with n shows here. */
		if (end >= logged + tenth || end == pairs) {
			TH_LOG("connections %d-%d of %d: %ld ms", logged + 1,
			       end, pairs, xtcp_now_ms() - mark);
			logged = end;
			mark = xtcp_now_ms();
		}
	}
	self->nr_a = (pairs + 1) / 2;
	self->nr_b = pairs / 2;
	ASSERT_EQ(n, self->n);
	TH_LOG("%d sockets in %ld ms", self->n, xtcp_now_ms() - start);

	for (i = 0; i < n; i++) {
		self->by_ino[i] = &s[i];
		self->by_key[i] = &s[i];
	}
	qsort(self->by_ino, n, sizeof(*self->by_ino), cmp_ino);
	qsort(self->by_key, n, sizeof(*self->by_key), cmp_key);
	for (i = 1; i < n; i++) {
		ASSERT_NE(self->by_ino[i - 1]->ino, self->by_ino[i]->ino);
		ASSERT_NE(self->by_key[i - 1]->key, self->by_key[i]->key);
	}
}

FIXTURE_TEARDOWN(scale)
{
	long start = xtcp_now_ms();
	int i;

	for (i = 0; i < self->n; i++)
		close(self->s[i].fd);
	if (self->n)
		TH_LOG("%d sockets closed in %ld ms", self->n,
		       xtcp_now_ms() - start);
	free(self->s);
	free(self->by_ino);
	free(self->by_key);
	free(self->seen);
}

static const char *tool_path(void)
{
	static char path[PATH_MAX];
	const char *root = getenv("XTCP_ROOT");

	snprintf(path, sizeof(path), "%s/tools/xtcpstat",
		 root && *root ? root : "..");
	return path;
}

/* sl: local rem st tx:rx tr:when retrnsmt uid timeout inode */
#define PROC_LINE " %*d: %8X:%4X %8X:%4X %2X %*s %*s %*s %*s %*s %llu"

/*
 * Every line of /proc/net/xtcp is one of our sockets, with its ports,
 * state and inode, and each socket has exactly one line.
 */
static void check_proc(struct __test_metadata *_metadata,
		       struct _test_data_scale *self)
{
	int fd = open("/proc/net/xtcp", O_RDONLY | O_CLOEXEC);
	char buf[4096], line[256];
	size_t len = 0, lines = 0;
	ssize_t r;

	memset(self->seen, 0, self->n);
	ASSERT_LE(0, fd);
	/* read(2) in 4 KiB chunks: each one resumes the kernel's walk. */
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < r; i++) {
			unsigned int la, lp, ra, rp, st;
			unsigned long long ino;
			struct sockent *e;
			int fields;

			ASSERT_LT(len, sizeof(line) - 1);
			if (buf[i] != '\n') {
				line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			len = 0;
			if (!lines++)
				continue;	/* the header */
			fields = sscanf(line, PROC_LINE, &la, &lp, &ra, &rp,
					&st, &ino);
			ASSERT_EQ(6, fields) TH_LOG("line %zu: %s", lines, line);
			e = find_ino(self, ino);
			ASSERT_NE(NULL, e) TH_LOG("not ours: %s", line);
			ASSERT_EQ(0, self->seen[e - self->s])
				TH_LOG("twice: %s", line);
			self->seen[e - self->s] = 1;
			ASSERT_EQ(e->lport, lp) TH_LOG("%s", line);
			ASSERT_EQ(e->rport, rp) TH_LOG("%s", line);
			ASSERT_EQ(e->state, st) TH_LOG("%s", line);
			ASSERT_EQ(htonl(INADDR_LOOPBACK), la);
			ASSERT_EQ(e->rport ? htonl(INADDR_LOOPBACK) : 0, ra);
		}
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, len);
	close(fd);
	ASSERT_EQ(self->n + 1, lines);
}

/*
 * Run "xtcpstat @args"; check each table line it prints against our
 * sockets, each at most once, and that it exits 0.  The number of
 * sockets it listed, or -1.
 */
static int check_tool(struct __test_metadata *_metadata,
		      struct _test_data_scale *self, const char *args,
		      bool header)
{
	char cmd[PATH_MAX + 256], *line = NULL;
	size_t size = 0, lines = 0;
	int rows = 0, status;
	FILE *f;

	memset(self->seen, 0, self->n);
	snprintf(cmd, sizeof(cmd), "%s %s", tool_path(), args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (getline(&line, &size, f) >= 0) {
		char state[16], local[64], peer[64];
		unsigned int lp, rp;
		struct sockent *e;
		long rq, sq;

		if (!lines++ && header) {
			EXPECT_EQ(0, strncmp(line, "State", 5)) TH_LOG("%s", line);
			continue;
		}
		if (sscanf(line, "%15s %ld %ld %63s %63s", state, &rq, &sq,
			   local, peer) != 5 ||
		    sscanf(local, "127.0.0.1:%u", &lp) != 1) {
			TH_LOG("not a row: %s", line);
			rows = -1;
			break;
		}
		if (!strcmp(peer, "0.0.0.0:*"))
			rp = 0;
		else if (sscanf(peer, "127.0.0.1:%u", &rp) != 1)
			rp = 1 << 16;	/* no socket of ours */
		e = find_key(self, lp, rp);
		if (!e || self->seen[e - self->s] ||
		    strcmp(state, e->state == XTCP_LISTEN ? "LISTEN" :
							    "ESTABLISHED") ||
		    rq || sq) {
			TH_LOG("%s: %s", !e ? "not ours" :
			       self->seen[e - self->s] ? "twice" : "wrong",
			       line);
			rows = -1;
			break;
		}
		self->seen[e - self->s] = 1;
		rows++;
	}
	free(line);
	status = pclose(f);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("%s: status %#x", cmd, status);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return rows;
}

/*
 * The sockets take minutes to make under TCG, so one test checks them
 * all: /proc/net/xtcp; xtcpstat -an, every socket once under the
 * header; -H, one line per socket and nothing else; a filter on a port
 * (the listener on PORT_A and its accepted sockets), and one on the peer's
 * (the clients of PORT_B).
 */
TEST_F_TIMEOUT(scale, every_socket_listed_once, 1800)
{
	long t = xtcp_now_ms();
	int i;

	check_proc(_metadata, self);
	TH_LOG("/proc/net/xtcp checked in %ld ms", xtcp_now_ms() - t);

	t = xtcp_now_ms();
	ASSERT_EQ(self->n, check_tool(_metadata, self, "-an", true));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(1, self->seen[i]);
	TH_LOG("xtcpstat -an checked in %ld ms", xtcp_now_ms() - t);

	ASSERT_EQ(self->n, check_tool(_metadata, self, "-an -H", false));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(1, self->seen[i]);

	ASSERT_EQ(1 + self->nr_a,
		  check_tool(_metadata, self, "-an 'sport = :500'", true));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(self->s[i].lport == PORT_A, self->seen[i]);
	ASSERT_EQ(self->nr_b,
		  check_tool(_metadata, self, "-an 'dport = :501'", true));
	for (i = 0; i < self->n; i++)
		ASSERT_EQ(self->s[i].rport == PORT_B &&
			  self->s[i].lport != PORT_B, self->seen[i]);
}

TEST_HARNESS_MAIN
