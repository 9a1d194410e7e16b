// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream survives a real link: two network namespaces joined by
 * a veth pair (xtcp0 10.77.0.1 in A, xtcp1 10.77.0.2 in B), tc netem on
 * the root qdisc of both ends, so that data and ACKs both suffer.  Each
 * test moves XTCP_LINK_BYTES (64 MiB by default) each way at once, a
 * sender and a receiver thread at each end of each connection, and
 * compares the SHA-256 of what each sender wrote with that of what its
 * peer read.  Each variant also proves that netem did what it was asked
 * (qdisc drops, retransmissions, segments out of order, duplicates or
 * checksum errors in the two namespaces' counters), else it proved
 * nothing.
 *
 * The same code runs over AF_XTCP (the default) and over Linux TCP
 * (XTCP_LINK_FAMILY=inet): that the TCP run passes shows the test asks
 * for nothing a mature stack cannot do.  Both stacks put one segment in
 * each packet (gso_max_segs 1 on the veth), so "loss 1%" is 1% of the
 * segments for both, as on a wire.
 *
 * Environment:
 *   XTCP_LINK_BYTES=64M      bytes each way per test (K, M, G suffixes)
 *   XTCP_LINK_FAMILY=xtcp    or inet: Linux TCP over the same link
 *   XTCP_LINK_ONLY=NAME      run only the variant NAME, skip the others
 *   XTCP_LINK_VERIFY=0       count the bytes, do not hash them: under TCG
 *                            SHA-256 costs more CPU than either stack
 *                            (selftests/bench.sh measures goodput so)
 *
 * Each test logs "goodput N MB/s": the bytes delivered, both ways, over
 * the time the transfer took (or until it was given up).
 */
#include <sys/stat.h>

#include "xtcp_util.h"
#include "kselftest_harness.h"

#define LINK_IF_A	"xtcp0"
#define LINK_IF_B	"xtcp1"
#define LINK_ADDR_A	"10.77.0.1"
#define LINK_ADDR_B	"10.77.0.2"
#define LINK_MAX_CONNS	8
#define LINK_CHUNK	65536
/* A blocked send() or recv() looks at the stop flag this often. */
#define LINK_POLL_S	1
/* connect() and accept() under loss: several SYN retransmissions. */
#define LINK_CONNECT_S	30

/* ---- SHA-256 (FIPS 180-4) ----------------------------------------------- */

struct sha256 {
	__u32 h[8];
	__u64 len;		/* bytes hashed */
	unsigned char buf[64];
	size_t n;		/* bytes in buf */
};

static const __u32 sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline __u32 ror32(__u32 x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_block(__u32 h[8], const unsigned char *p)
{
	__u32 w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (__u32)p[4 * i] << 24 | (__u32)p[4 * i + 1] << 16 |
		       (__u32)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		       (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0]; b = h[1]; c = h[2]; d = h[3];
	e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		k = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
	h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha256_init(struct sha256 *s)
{
	static const __u32 iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	if (s->n) {
		size_t take = 64 - s->n < len ? 64 - s->n : len;

		memcpy(s->buf + s->n, p, take);
		s->n += take;
		p += take;
		len -= take;
		if (s->n < 64)
			return;
		sha256_block(s->h, s->buf);
		s->n = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s->h, p);
	memcpy(s->buf, p, len);
	s->n = len;
}

static void sha256_final(struct sha256 *s, unsigned char out[32])
{
	__u64 bits = s->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = (s->n < 56 ? 56 : 120) - s->n;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = bits >> (56 - 8 * i);
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 32; i++)
		out[i] = s->h[i / 4] >> (24 - 8 * (i % 4));
}

static void sha256_hex(const unsigned char d[32], char hex[65])
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

/* FIPS 180-4's examples: one block, and two ("abcdbcde..."). */
static bool sha256_selftest(void)
{
	static const char *const msg[2] = {
		"abc",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	};
	static const char *const want[2] = {
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	};
	unsigned char d[32];
	struct sha256 s;
	char hex[65];
	size_t i, j;

	for (i = 0; i < 2; i++) {
		/* Byte by byte: the partial-block path too. */
		sha256_init(&s);
		for (j = 0; j < strlen(msg[i]); j++)
			sha256_update(&s, msg[i] + j, 1);
		sha256_final(&s, d);
		sha256_hex(d, hex);
		if (strcmp(hex, want[i]))
			return false;
	}
	return true;
}

/* ---- the data: a pseudo-random stream per direction (splitmix64) ------ */

static __u64 link_rand(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void link_fill(__u64 *state, unsigned char *buf, size_t len)
{
	__u64 v;
	size_t i;

	for (i = 0; i < len; i += sizeof(v)) {
		v = link_rand(state);
		memcpy(buf + i, &v, len - i < sizeof(v) ? len - i : sizeof(v));
	}
}

/* ---- the transfer -------------------------------------------------------- */

struct link_run;

/* One direction of one connection: a sender and a receiver thread. */
struct link_dir {
	struct link_run *run;
	int wfd, rfd;		/* the sender's socket, the receiver's */
	__u64 seed;
	size_t len;		/* bytes to send */
	size_t sent, got;	/* got: read by the main thread, atomically */
	unsigned char sent_sha[32], got_sha[32];
	int send_err, recv_err;	/* errno, or 0 */
	bool eof;		/* the receiver read a clean end of file */
	bool hash;		/* XTCP_LINK_VERIFY: fresh data, hashed */
};

struct link_run {
	int stop;		/* set: give up, threads end within LINK_POLL_S */
	int done;		/* threads that have ended */
	struct link_dir dir[2 * LINK_MAX_CONNS];
	pthread_t tid[4 * LINK_MAX_CONNS];
	int threads;
};

static bool link_stopped(struct link_dir *d)
{
	return __atomic_load_n(&d->run->stop, __ATOMIC_RELAXED);
}

/* A call that timed out after LINK_POLL_S: go on unless told to stop. */
static bool link_retry(struct link_dir *d, ssize_t n)
{
	return n < 0 && (errno == EAGAIN || errno == EINTR) && !link_stopped(d);
}

static void *link_sender(void *arg)
{
	struct link_dir *d = arg;
	__u64 data = d->seed, sizes = d->seed ^ 0x5a5a5a5a5a5a5a5aULL;
	unsigned char *buf = malloc(LINK_CHUNK);
	struct sha256 s;

	sha256_init(&s);
	if (!buf) {
		d->send_err = ENOMEM;
		goto out;
	}
	/* Unhashed, the same 64 KiB of noise goes out again and again. */
	link_fill(&data, buf, LINK_CHUNK);
	while (d->sent < d->len && !link_stopped(d)) {
		/* Writes of every size up to 64 KiB, not only full ones. */
		size_t n = 1 + link_rand(&sizes) % LINK_CHUNK, off = 0;

		if (n > d->len - d->sent)
			n = d->len - d->sent;
		if (d->hash)
			link_fill(&data, buf, n);
		while (off < n) {
			ssize_t w = send(d->wfd, buf + off, n - off,
					 MSG_NOSIGNAL);

			if (w > 0) {
				if (d->hash)
					sha256_update(&s, buf + off, w);
				off += w;
				d->sent += w;
			} else if (!link_retry(d, w)) {
				d->send_err = w < 0 ? errno : EIO;
				goto out;
			}
		}
	}
	if (d->sent == d->len && shutdown(d->wfd, SHUT_WR))
		d->send_err = errno;
out:
	sha256_final(&s, d->sent_sha);
	free(buf);
	__atomic_fetch_add(&d->run->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *link_receiver(void *arg)
{
	struct link_dir *d = arg;
	unsigned char *buf = malloc(LINK_CHUNK);
	struct sha256 s;
	ssize_t n;

	sha256_init(&s);
	if (!buf) {
		d->recv_err = ENOMEM;
		goto out;
	}
	for (;;) {
		n = recv(d->rfd, buf, LINK_CHUNK, 0);
		if (n > 0) {
			if (d->hash)
				sha256_update(&s, buf, n);
			__atomic_fetch_add(&d->got, n, __ATOMIC_RELAXED);
		} else if (!n) {
			d->eof = true;
			break;
		} else if (!link_retry(d, n)) {
			d->recv_err = errno;
			break;
		}
	}
out:
	sha256_final(&s, d->got_sha);
	free(buf);
	__atomic_fetch_add(&d->run->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static size_t link_delivered(struct link_run *run, int ndir)
{
	size_t sum = 0;
	int i;

	for (i = 0; i < ndir; i++)
		sum += __atomic_load_n(&run->dir[i].got, __ATOMIC_RELAXED);
	return sum;
}

/* ---- the namespaces, the link and the counters -------------------------- */

enum {
	NS_A,
	NS_B,
};

static const char *const link_ifname[2] = { LINK_IF_A, LINK_IF_B };

/* Make namespace @ns (an fd of /proc/self/ns/net) the calling thread's. */
static int link_enter(int nsfd)
{
	return setns(nsfd, CLONE_NEWNET);
}

/* An interface of the current namespace is up and has its carrier. */
static bool link_running(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		up = (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) ==
		     (IFF_UP | IFF_RUNNING);
	close(fd);
	return up;
}

/* The packets the root qdisc of @ifname dropped ("tc -s"), or -1. */
static long long link_qdisc_drops(const char *ifname)
{
	char cmd[128], out[4096], *p;

	snprintf(cmd, sizeof(cmd), "tc -s qdisc show dev %s 2>/dev/null",
		 ifname);
	if (xtcp_sh_output(cmd, out, sizeof(out)))
		return -1;
	p = strstr(out, "(dropped ");
	return p ? atoll(p + strlen("(dropped ")) : -1;
}

/* What the two namespaces counted, summed; a field is -1 if unreadable. */
struct link_counters {
	long long drops;	/* qdisc: netem's loss */
	long long retrans;	/* segments retransmitted */
	long long csum;		/* transport and IP checksum errors */
	long long ofo;		/* segments queued beyond a hole */
	long long in, out;	/* segments received, sent */
};

#define LINK_NCOUNTERS	(sizeof(struct link_counters) / sizeof(long long))

static void link_count_one(bool inet, struct link_counters *c, int ifidx)
{
	/* The calling thread's namespace, whatever the process's is. */
	const char *x = "/proc/thread-self/net/xtcp_snmp";
	const char *snmp = "/proc/thread-self/net/snmp";
	const char *ext = "/proc/thread-self/net/netstat";
	struct link_counters o = {
		.drops = link_qdisc_drops(link_ifname[ifidx]),
		.retrans = inet ? xtcp_snmp_value(snmp, "Tcp", "RetransSegs") :
				  xtcp_snmp_value(x, "XTcp", "RetransSegs"),
		.csum = inet ? xtcp_snmp_value(snmp, "Tcp", "InCsumErrors") :
			       xtcp_snmp_value(x, "XTcp", "InCsumErrors"),
		.ofo = inet ? xtcp_snmp_value(ext, "TcpExt", "TCPOFOQueue") :
			      xtcp_snmp_value(x, "XTcp", "OfoQueue"),
		.in = inet ? xtcp_snmp_value(snmp, "Tcp", "InSegs") :
			     xtcp_snmp_value(x, "XTcp", "InSegs"),
		.out = inet ? xtcp_snmp_value(snmp, "Tcp", "OutSegs") :
			      xtcp_snmp_value(x, "XTcp", "OutSegs"),
	};
	long long ipcsum = xtcp_snmp_value(ext, "IpExt", "InCsumErrors");
	long long *dst = (long long *)c, *src = (long long *)&o;
	size_t i;

	/* A flipped bit in the IP header is the IP layer's to count. */
	o.csum = o.csum < 0 || ipcsum < 0 ? -1 : o.csum + ipcsum;
	for (i = 0; i < LINK_NCOUNTERS; i++)
		dst[i] = dst[i] < 0 || src[i] < 0 ? -1 : dst[i] + src[i];
}

/* ---- the fixture --------------------------------------------------------- */

/* What a variant must prove that netem did. */
enum {
	PROOF_DROPS	= 1,	/* the qdiscs dropped packets */
	PROOF_RETRANS	= 2,	/* segments were retransmitted */
	PROOF_DUPS	= 4,	/* more segments arrived than were sent */
	PROOF_CSUM	= 8,	/* checksum errors were counted */
	PROOF_OFO	= 16,	/* segments waited beyond a hole */
	PROOF_OUTAGE	= 32,	/* retransmissions went on while it was down */
};

/* The two namespaces and what the test runs in them. */
struct link_net {
	int ns[2];		/* fds of the namespaces A and B */
	FILE *tc[2];		/* tc -batch in A and B, for an outage */
	bool inet;		/* Linux TCP, not XTCP */
};

FIXTURE(link) {
	struct link_net net;
	size_t bytes;		/* each way, all connections together */
	bool hash;		/* compare SHA-256 digests (the default) */
	struct link_run run;
};

FIXTURE_VARIANT(link) {
	const char *name;	/* for XTCP_LINK_ONLY */
	const char *netem;	/* tc netem arguments, both ends */
	int conns;		/* connections at once; the bytes split */
	int limit_s;		/* the transfer must end within this */
	int outage_ms;		/* the link drops all for this long */
	int proof;
};

/*
 * Limits: Linux TCP moves 64 MiB each way in a few seconds on each of
 * these links under TCG (Documentation/bench.rst); the goal for XTCP is
 * 0.8 of its goodput.  Each limit leaves room for a loaded host, no more:
 * a stack that needs longer fails.
 */
FIXTURE_VARIANT_ADD(link, loss_1_percent) {
	.name = "loss_1_percent", .netem = "loss 1%", .conns = 1,
	.limit_s = 150, .proof = PROOF_DROPS | PROOF_RETRANS };
FIXTURE_VARIANT_ADD(link, loss_5_percent) {
	.name = "loss_5_percent", .netem = "loss 5%", .conns = 1,
	.limit_s = 150, .proof = PROOF_DROPS | PROOF_RETRANS };
/* A quarter of the packets overtake the rest, which wait 10 ms. */
FIXTURE_VARIANT_ADD(link, reorder_25_percent) {
	.name = "reorder_25_percent", .netem = "delay 10ms reorder 25% 50%",
	.conns = 1, .limit_s = 150, .proof = PROOF_OFO };
FIXTURE_VARIANT_ADD(link, duplicate_5_percent) {
	.name = "duplicate_5_percent", .netem = "duplicate 5%", .conns = 1,
	.limit_s = 150, .proof = PROOF_DUPS };
FIXTURE_VARIANT_ADD(link, corrupt_2_percent) {
	.name = "corrupt_2_percent", .netem = "corrupt 2%", .conns = 1,
	.limit_s = 150, .proof = PROOF_CSUM };
FIXTURE_VARIANT_ADD(link, all_8_connections) {
	.name = "all_8_connections",
	.netem = "delay 10ms reorder 25% 50% loss 1% duplicate 5% corrupt 2%",
	.conns = 8, .limit_s = 150,
	.proof = PROOF_DROPS | PROOF_RETRANS | PROOF_CSUM | PROOF_OFO };
/*
 * Nothing gets through for 8 s, several RTOs (200 ms at least, doubling:
 * about five), once a quarter of the bytes has arrived; then the link is
 * back and the transfer must complete.
 */
FIXTURE_VARIANT_ADD(link, link_down_8s) {
	.name = "link_down_8s", .netem = "delay 1ms", .conns = 1,
	.limit_s = 150, .outage_ms = 8000,
	.proof = PROOF_DROPS | PROOF_OUTAGE };

/* XTCP_LINK_BYTES: a size with an optional K, M or G; 64 MiB if unset. */
static size_t link_bytes(void)
{
	const char *s = getenv("XTCP_LINK_BYTES");
	unsigned long long v;
	const char *unit;
	char *end;

	if (!s || !*s)
		return 64ULL << 20;
	v = strtoull(s, &end, 0);
	unit = *end ? strchr("KMG", *end & ~0x20) : NULL;
	if (unit)
		v <<= 10 * (unit - "KMG" + 1);
	return v;
}

/* tc netem on the root qdisc of the current namespace's end. */
static int link_netem(const char *verb, int ifidx, const char *netem,
		      const char *more)
{
	return xtcp_sh("tc qdisc %s dev %s root netem %s %s", verb,
		       link_ifname[ifidx], netem, more);
}

FIXTURE_SETUP(link)
{
	const char *only = getenv("XTCP_LINK_ONLY");
	const char *family = getenv("XTCP_LINK_FAMILY");
	char peer[128];
	int i;

	self->net.ns[NS_A] = -1;
	self->net.ns[NS_B] = -1;
	if (only && *only && strcmp(only, variant->name))
		SKIP(return, "XTCP_LINK_ONLY=%s", only);
	self->net.inet = family && (!strcmp(family, "inet") ||
				!strcmp(family, "tcp"));
	self->bytes = link_bytes();
	self->hash = !getenv("XTCP_LINK_VERIFY") ||
		     strcmp(getenv("XTCP_LINK_VERIFY"), "0");
	ASSERT_LT(0, self->bytes);
	ASSERT_TRUE(sha256_selftest());
	ASSERT_NE(SIG_ERR, signal(SIGPIPE, SIG_IGN));
	if (XTCP_UNMET(!system("command -v tc >/dev/null 2>&1"),
		       "tc is not installed"))
		return;

	/* A, then B: this process ends in B, where the veth is made. */
	for (i = NS_A; i <= NS_B; i++) {
		ASSERT_EQ(0, xtcp_netns_enter());
		self->net.ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->net.ns[i]);
	}
	/* One segment a packet (no GSO): netem's odds are per segment. */
	snprintf(peer, sizeof(peer), "%s gso_max_segs 1 netns /proc/%d/fd/%d",
		 LINK_IF_A, getpid(), self->net.ns[NS_A]);
	ASSERT_EQ(0, xtcp_sh("ip link add %s gso_max_segs 1 type veth peer name %s",
			     LINK_IF_B, peer));
	for (i = NS_B; i >= NS_A; i--) {
		ASSERT_EQ(0, link_enter(self->net.ns[i]));
		ASSERT_EQ(0, xtcp_sh("ip addr add %s/24 dev %s",
				     i == NS_A ? LINK_ADDR_A : LINK_ADDR_B,
				     link_ifname[i]));
		ASSERT_EQ(0, xtcp_link_up(link_ifname[i]));
		if (XTCP_UNMET(!link_netem("add", i, variant->netem, ""),
			       "tc qdisc add ... netem (sch_netem)"))
			return;
	}
	for (i = NS_A; i <= NS_B; i++) {
		long end = xtcp_now_ms() + XTCP_WAIT_MS;

		ASSERT_EQ(0, link_enter(self->net.ns[i]));
		while (!link_running(link_ifname[i]) && xtcp_now_ms() < end)
			usleep(10000);
		ASSERT_TRUE(link_running(link_ifname[i]))
			TH_LOG("%s has no carrier", link_ifname[i]);
	}
}

FIXTURE_TEARDOWN(link)
{
	/* The namespaces, the veth and what is left go with this process. */
	if (self->net.tc[NS_A])
		pclose(self->net.tc[NS_A]);
	if (self->net.tc[NS_B])
		pclose(self->net.tc[NS_B]);
	if (self->net.ns[NS_A] >= 0)
		close(self->net.ns[NS_A]);
	if (self->net.ns[NS_B] >= 0)
		close(self->net.ns[NS_B]);
}

/* A socket of the family under test, in the current namespace. */
static int link_socket(bool inet)
{
	int fd = socket(inet ? AF_INET : xtcp_af(), SOCK_STREAM | SOCK_CLOEXEC,
			0);

	if (fd >= 0)
		xtcp_set_timeouts(fd, LINK_CONNECT_S);
	return fd;
}

static int link_sockaddr(bool inet, const char *ip, int port,
			 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (inet) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = inet_addr(ip);
		return sizeof(*in);
	}
	*(struct sockaddr_xtcp *)ss = xtcp_addr(ip, port);
	return sizeof(struct sockaddr_xtcp);
}

/* The local or peer port of @fd: both families put it where sin_port is. */
static int link_port(int fd, bool peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (peer ? getpeername(fd, (struct sockaddr *)&a, &len) :
		   getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

#define LINK_SEP	"\n\t "

/* The calling thread's namespace's non-zero XTCP counters, on stdout. */
static void link_dump_counters(void)
{
	static char names[8192], values[8192];
	char *n, *v, *sn, *sv;
	FILE *f = fopen("/proc/thread-self/net/xtcp_snmp", "r");

	if (!f)
		return;
	if (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		printf("#");
		n = strtok_r(names, LINK_SEP, &sn);
		v = strtok_r(values, LINK_SEP, &sv);
		while ((n = strtok_r(NULL, LINK_SEP, &sn)) &&
		       (v = strtok_r(NULL, LINK_SEP, &sv)))
			if (strcmp(v, "0"))
				printf(" %s=%s", n, v);
		printf("\n");
		fflush(stdout);	/* the harness's child ends with _exit() */
	}
	fclose(f);
}

static void link_counters(struct __test_metadata *_metadata,
			  struct link_net *net, struct link_counters *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = NS_A; i <= NS_B; i++) {
		ASSERT_EQ(0, link_enter(net->ns[i]));
		link_count_one(net->inet, c, i);
		/* XTCP_LINK_DUMP=1: every counter, to see how it recovered. */
		if (!net->inet && getenv("XTCP_LINK_DUMP"))
			link_dump_counters();
	}
}

/* Retransmitted segments, both namespaces; -1 if unreadable. */
static long long link_retrans(struct link_net *net)
{
	long long sum = 0, v;
	int i;

	for (i = NS_A; i <= NS_B; i++) {
		if (link_enter(net->ns[i]))
			return -1;
		v = net->inet ?
		    xtcp_snmp_value("/proc/thread-self/net/snmp", "Tcp", "RetransSegs") :
		    xtcp_snmp_value("/proc/thread-self/net/xtcp_snmp", "XTcp", "RetransSegs");
		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}

/*
 * A tc in each namespace that reads commands from a pipe, started before
 * the transfer: under TCG a tc started while it runs takes seconds to
 * come up, and the transfer may be over by then.
 */
static void link_tc_start(struct __test_metadata *_metadata,
			  struct link_net *net)
{
	int i;

	for (i = NS_A; i <= NS_B; i++) {
		ASSERT_EQ(0, link_enter(net->ns[i]));
		net->tc[i] = popen("exec tc -batch - >/dev/null", "we");
		ASSERT_NE(NULL, net->tc[i]);
	}
}

/* Take the link down (all packets dropped, both ends) or bring it back. */
static void link_outage(struct __test_metadata *_metadata,
			struct link_net *net, const char *netem, bool down)
{
	int i;

	for (i = NS_A; i <= NS_B; i++) {
		ASSERT_LT(0, fprintf(net->tc[i],
				     "qdisc change dev %s root netem %s%s\n",
				     link_ifname[i], netem,
				     down ? " loss 100%" : ""));
		ASSERT_EQ(0, fflush(net->tc[i]));
	}
}

TEST_F_TIMEOUT(link, transfer_intact, 200)
{
	struct link_run *run = &self->run;
	int conns = variant->conns, ndir = 2 * conns, lfd, i, port;
	int a[LINK_MAX_CONNS], b[LINK_MAX_CONNS];
	struct link_counters before, after;
	long start, end, t_down = 0, t_up = 0;
	long long rtx_down = -1, rtx_up = -1;
	struct sockaddr_storage ss;
	int sslen, done = 0;
	size_t total = 2 * self->bytes, delivered;
	double secs;

	/* The harness of this kernel runs the test after a SKIP in setup. */
	if (_metadata->skip)
		return;
	ASSERT_LE(conns, LINK_MAX_CONNS);
	if (variant->outage_ms)
		link_tc_start(_metadata, &self->net);
	link_counters(_metadata, &self->net, &before);

	/* The listener in A, the clients in B. */
	ASSERT_EQ(0, link_enter(self->net.ns[NS_A]));
	lfd = link_socket(self->net.inet);
	ASSERT_LE(0, lfd);
	sslen = link_sockaddr(self->net.inet, LINK_ADDR_A, 0, &ss);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&ss, sslen));
	ASSERT_EQ(0, listen(lfd, 16));
	port = xtcp_local_port(lfd);
	ASSERT_LT(0, port);
	ASSERT_EQ(0, link_enter(self->net.ns[NS_B]));
	sslen = link_sockaddr(self->net.inet, LINK_ADDR_A, port, &ss);
	for (i = 0; i < conns; i++) {
		b[i] = link_socket(self->net.inet);
		ASSERT_LE(0, b[i]);
		ASSERT_EQ(0, connect(b[i], (struct sockaddr *)&ss, sslen))
			TH_LOG("connect %d: %s", i, strerror(errno));
	}
	/* Accepted in the order the handshakes ended: pair them by port. */
	for (i = 0; i < conns; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), j;

		ASSERT_LE(0, fd) TH_LOG("accept %d: %s", i, strerror(errno));
		for (j = 0; j < conns; j++)
			if (link_port(b[j], false) == link_port(fd, true))
				break;
		ASSERT_GT(conns, j) TH_LOG("accepted a connection of no client");
		a[j] = fd;
	}
	for (i = 0; i < conns; i++) {
		xtcp_set_timeouts(a[i], LINK_POLL_S);
		xtcp_set_timeouts(b[i], LINK_POLL_S);
	}
	close(lfd);

	/* dir[2i]: A -> B on connection i; dir[2i + 1]: B -> A. */
	for (i = 0; i < ndir; i++) {
		struct link_dir *d = &run->dir[i];

		d->run = run;
		d->wfd = i % 2 ? b[i / 2] : a[i / 2];
		d->rfd = i % 2 ? a[i / 2] : b[i / 2];
		d->seed = 0x786c696e6b000000ULL + i;
		d->hash = self->hash;
		d->len = self->bytes / conns + (i < 2 ? self->bytes % conns : 0);
	}
	start = xtcp_now_ms();
	for (i = 0; i < ndir; i++) {
		ASSERT_EQ(0, pthread_create(&run->tid[run->threads++], NULL,
					    link_sender, &run->dir[i]));
		ASSERT_EQ(0, pthread_create(&run->tid[run->threads++], NULL,
					    link_receiver, &run->dir[i]));
	}

	/* Wait, bounded; take the link down and up on the way if asked. */
	end = start + variant->limit_s * 1000L;
	while (xtcp_now_ms() < end) {
		done = __atomic_load_n(&run->done, __ATOMIC_ACQUIRE);
		if (done == run->threads)
			break;
		if (variant->outage_ms && !t_down &&
		    link_delivered(run, ndir) >= total / 4) {
			link_outage(_metadata, &self->net, variant->netem, true);
			t_down = xtcp_now_ms();
			rtx_down = link_retrans(&self->net);
		}
		if (t_down && !t_up && xtcp_now_ms() >= t_down + variant->outage_ms) {
			rtx_up = link_retrans(&self->net);
			link_outage(_metadata, &self->net, variant->netem, false);
			t_up = xtcp_now_ms();
		}
		usleep(20000);
	}
	done = __atomic_load_n(&run->done, __ATOMIC_ACQUIRE);
	secs = (xtcp_now_ms() - start) / 1000.0;
	delivered = link_delivered(run, ndir);
	__atomic_store_n(&run->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < run->threads; i++)
		pthread_join(run->tid[i], NULL);
	if (t_down && !t_up)
		link_outage(_metadata, &self->net, variant->netem, false);
	TH_LOG("%s over \"%s\", %d connection(s): %zu of %zu bytes",
	       self->net.inet ? "TCP" : "XTCP", variant->netem, conns,
	       delivered, total);
	TH_LOG("in %.1f s, goodput %.2f MB/s%s%s",
	       secs, delivered / secs / 1e6,
	       done == run->threads ? "" : " (given up)",
	       self->hash ? "" : " (not hashed: XTCP_LINK_VERIFY=0)");
	if (t_down)
		TH_LOG("link down %.1f s after the start, for %ld ms: %lld retransmissions",
		       (t_down - start) / 1000.0, (t_up ? t_up : end) - t_down,
		       rtx_up - rtx_down);

	link_counters(_metadata, &self->net, &after);
	for (i = 0; i < ndir; i++) {
		struct link_dir *d = &run->dir[i];
		char hs[65], hr[65];

		sha256_hex(d->sent_sha, hs);
		sha256_hex(d->got_sha, hr);
		EXPECT_EQ(0, d->send_err) TH_LOG("dir %d send: %s", i,
						 strerror(d->send_err));
		EXPECT_EQ(0, d->recv_err) TH_LOG("dir %d recv: %s", i,
						 strerror(d->recv_err));
		EXPECT_EQ(d->len, d->sent) TH_LOG("dir %d sent", i);
		EXPECT_EQ(d->len, d->got) TH_LOG("dir %d received", i);
		EXPECT_TRUE(d->eof) TH_LOG("dir %d: no end of file", i);
		EXPECT_STREQ(hs, hr) TH_LOG("dir %d: SHA-256 differs", i);
	}
	EXPECT_EQ(done, run->threads)
		TH_LOG("not done within %d s", variant->limit_s);
	if (variant->outage_ms) {
		EXPECT_TRUE(t_up) TH_LOG("the link never went down and up");
		/* tc ran every command it was given. */
		EXPECT_EQ(0, pclose(self->net.tc[NS_A]));
		EXPECT_EQ(0, pclose(self->net.tc[NS_B]));
		self->net.tc[NS_A] = NULL;
		self->net.tc[NS_B] = NULL;
	}

	for (i = 0; i < conns; i++) {
		/* Given up: reset, leave no orphan retransmitting. */
		if (done != run->threads) {
			xtcp_set_linger(a[i], 1, 0);
			xtcp_set_linger(b[i], 1, 0);
		}
		close(a[i]);
		close(b[i]);
	}

	for (i = 0; i < (int)LINK_NCOUNTERS; i++) {
		ASSERT_LE(0, ((long long *)&before)[i]);
		ASSERT_LE(0, ((long long *)&after)[i]);
	}
	after.drops -= before.drops;
	after.retrans -= before.retrans;
	after.csum -= before.csum;
	after.ofo -= before.ofo;
	after.in -= before.in;
	after.out -= before.out;
	TH_LOG("qdisc drops %lld, retransmitted %lld, csum errors %lld",
	       after.drops, after.retrans, after.csum);
	TH_LOG("out of order %lld, segments in %lld, out %lld",
	       after.ofo, after.in, after.out);
	if (variant->proof & PROOF_DROPS)
		EXPECT_LT(0, after.drops);
	if (variant->proof & PROOF_RETRANS)
		EXPECT_LT(0, after.retrans);
	if (variant->proof & PROOF_DUPS)
		EXPECT_LT(after.out, after.in);
	if (variant->proof & PROOF_CSUM)
		EXPECT_LT(0, after.csum);
	if (variant->proof & PROOF_OFO)
		EXPECT_LT(0, after.ofo);
	/* Both senders kept retransmitting, several RTOs each. */
	if (variant->proof & PROOF_OUTAGE) {
		EXPECT_LE(0, rtx_down);
		EXPECT_LE(0, rtx_up);
		EXPECT_LE(6, rtx_up - rtx_down);
	}
}

TEST_HARNESS_MAIN
