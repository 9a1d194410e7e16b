// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU discovery (RFC 1191, RFC 5927 4.1).
 *
 * - frag.*: the scripted peer (xtcp_peer.h, 10.0.0.2:PPORT) plays the
 *   router.  XTCP's segments carry DF; an ICMP "fragmentation needed"
 *   quoting a sequence number in flight lowers its MSS to what the
 *   next-hop MTU leaves, and later segments fit; one quoting a guessed
 *   sequence number changes nothing and is counted.
 * - path.*: a real path of three namespaces, A - R - B, whose middle link
 *   (R to B) has an MTU of MID_MTU where the ends have 1500.  Both SYNs
 *   offer an MSS of 1460: only R's ICMP tells A.  A's text reaches B
 *   whole, R fragments nothing, and A's MSS ends at what MID_MTU leaves.
 */
#include <netinet/in.h>
#include <poll.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT		5000
#define PPORT		40000
#define HOP_MTU		1000
#define MID_MTU		1200
#define PATH_BYTES	(256 * 1024)

/* The payload a segment may carry on a link of @mtu, beside @opts. */
static unsigned int mss_for(unsigned int mtu, unsigned int opts)
{
	return mtu - 20 - 20 - opts;
}

static unsigned int send_mss(int fd)
{
	struct xtcp_info info;

	return xtcp_get_info(fd, &info) ? 0 : info.xtcpi_mss;
}

FIXTURE(frag) {
	struct xtcp_peer p;
	int fd;
	unsigned int mss;	/* XTCP's before any ICMP */
};

FIXTURE_SETUP(frag)
{
	int one = 1;

	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	self->p.port = PPORT;
	self->p.win = 65535;
	self->fd = peer_open_active(&self->p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));
	self->mss = send_mss(self->fd);
	/* The peer's MSS option, less the timestamps if they are on. */
	ASSERT_EQ(PEER_MSS - (self->p.ts_ok ? 12 : 0), self->mss);
}

FIXTURE_TEARDOWN(frag)
{
	if (self->fd >= 0)
		close(self->fd);
	peer_close(&self->p);
}

/*
 * XTCP sends @len bytes; the peer gets segments of @seg bytes, the last
 * one of what is left, each with DF.  It ACKs them all.
 */
static int text_in_segments(struct xtcp_peer *p, int fd, unsigned int len,
			    unsigned int seg)
{
	static char text[4 * PEER_MSS];
	unsigned int got = 0;
	struct peer_seg s;

	if (len > sizeof(text) || send(fd, text, len, 0) != (ssize_t)len)
		return -1;
	while (got < len) {
		if (peer_recv(p, &s, PEER_REPLY_MS)) {
			peer_log("%u of %u bytes came", got, len);
			return -1;
		}
		if (s.len != (len - got < seg ? len - got : seg) || !s.df) {
			peer_log("a segment of %u bytes, DF %d; expected %u",
				 s.len, s.df, seg);
			return -1;
		}
		got += s.len;
	}
	return peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0);
}

TEST_F(frag, frag_needed__mss_follows)
{
	long long reduced = XTCP_COUNTER("PathMtuReduced");
	unsigned int mss = self->mss - (PEER_MSS - mss_for(HOP_MTU, 0));
	static char text[2 * PEER_MSS];
	struct xtcp_peer *p = &self->p;
	unsigned int got = 0;
	struct peer_seg s;

	ASSERT_EQ(0, text_in_segments(p, self->fd, 2 * self->mss, self->mss));

	/* The peer's window shuts: text queues in segments of self->mss. */
	p->win = 0;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, send(self->fd, text, sizeof(text), 0) == sizeof(text) ?
		     0 : -1);
	ASSERT_EQ(0, peer_expect_none(p));

	/* A router on the way has a link of HOP_MTU. */
	ASSERT_EQ(0, peer_send_icmp_unreach(p, 4, p->snd_nxt, HOP_MTU));
	ASSERT_EQ(0, peer_settle(p));
	EXPECT_EQ(reduced + 1, XTCP_COUNTER("PathMtuReduced"));
	EXPECT_EQ(mss, send_mss(self->fd));

	/* The window opens: what was queued goes cut to the new MSS. */
	p->win = 65535;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	while (got < sizeof(text)) {
		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		EXPECT_GE(mss, s.len);
		EXPECT_TRUE(s.df);
		got += s.len;
	}
	EXPECT_EQ(sizeof(text), got);
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));

	/* And new text fits it, with DF. */
	ASSERT_EQ(0, text_in_segments(p, self->fd, 3 * mss + 10, mss));
}

/* RFC 5927 4.1: a sequence number not in flight is someone's guess. */
TEST_F(frag, frag_needed__guessed_seq_ignored)
{
	long long reduced = XTCP_COUNTER("PathMtuReduced");
	long long oow = XTCP_COUNTER("OutOfWindowIcmps");
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, text_in_segments(p, self->fd, self->mss, self->mss));
	ASSERT_EQ(0, peer_send_icmp_unreach(p, 4, p->snd_nxt + 100000,
					    HOP_MTU));
	ASSERT_EQ(0, peer_settle(p));
	EXPECT_EQ(oow + 1, XTCP_COUNTER("OutOfWindowIcmps"));
	EXPECT_EQ(reduced, XTCP_COUNTER("PathMtuReduced"));
	EXPECT_EQ(self->mss, send_mss(self->fd));
	ASSERT_EQ(0, text_in_segments(p, self->fd, 2 * self->mss, self->mss));
}

/* ---- a real path: A - R - B ---------------------------------------------- */

enum { NS_A, NS_R, NS_B, NS_MAX };

FIXTURE(path) {
	int ns[NS_MAX];
};

static int path_enter(int nsfd)
{
	return setns(nsfd, CLONE_NEWNET);
}

/* IP fragments this namespace made; -1 if unreadable. */
static long long frags_created(void)
{
	return xtcp_snmp_value("/proc/net/snmp", "Ip", "FragCreates");
}

FIXTURE_SETUP(path)
{
	int i;

	for (i = 0; i < NS_MAX; i++)
		self->ns[i] = -1;
	if (XTCP_UNMET(!system("command -v ip >/dev/null 2>&1"),
		       "ip (iproute2) is not installed"))
		return;
	/* A, R, then B: this process ends in B. */
	for (i = 0; i < NS_MAX; i++) {
		ASSERT_EQ(0, xtcp_netns_enter());
		self->ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->ns[i]);
	}
	/* B's xtcp2 (1500) to R's xtcp3 (MID_MTU): R cannot pass 1500. */
	ASSERT_EQ(0, xtcp_sh("ip link add xtcp2 type veth peer name xtcp3 netns /proc/%d/fd/%d",
			     getpid(), self->ns[NS_R]));
	ASSERT_EQ(0, xtcp_sh("ip addr add 10.81.2.1/24 dev xtcp2"));
	ASSERT_EQ(0, xtcp_link_up("xtcp2"));
	ASSERT_EQ(0, xtcp_sh("ip route add default via 10.81.2.2"));

	ASSERT_EQ(0, path_enter(self->ns[NS_R]));
	ASSERT_EQ(0, xtcp_sh("ip link add xtcp1 type veth peer name xtcp0 netns /proc/%d/fd/%d",
			     getpid(), self->ns[NS_A]));
	ASSERT_EQ(0, xtcp_sh("ip addr add 10.81.1.2/24 dev xtcp1"));
	ASSERT_EQ(0, xtcp_sh("ip addr add 10.81.2.2/24 dev xtcp3"));
	ASSERT_EQ(0, xtcp_sh("ip link set xtcp3 mtu %d", MID_MTU));
	ASSERT_EQ(0, xtcp_link_up("xtcp1"));
	ASSERT_EQ(0, xtcp_link_up("xtcp3"));
	ASSERT_EQ(0, xtcp_write_file("/proc/sys/net/ipv4/ip_forward", "1"));

	ASSERT_EQ(0, path_enter(self->ns[NS_A]));
	ASSERT_EQ(0, xtcp_sh("ip addr add 10.81.1.1/24 dev xtcp0"));
	ASSERT_EQ(0, xtcp_link_up("xtcp0"));
	ASSERT_EQ(0, xtcp_sh("ip route add default via 10.81.1.2"));
	/* No carrier waits: the handshake's retransmissions cover it. */
}

FIXTURE_TEARDOWN(path)
{
	int i;

	/* The namespaces and their links go with their last reference. */
	for (i = 0; i < NS_MAX; i++)
		if (self->ns[i] >= 0)
			close(self->ns[i]);
}

/*
 * Move PATH_BYTES from @a to @b, both non-blocking, checking every byte
 * that arrives; 0 when all came in order within @ms.
 */
static int pump(int a, int b, long ms)
{
	static unsigned char out[65536], in[65536];
	size_t sent = 0, got = 0;
	long end = xtcp_now_ms() + ms;
	size_t i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 3);
	while (got < PATH_BYTES && xtcp_now_ms() < end) {
		struct pollfd pfd[2] = {
			{ .fd = a, .events = sent < PATH_BYTES ? POLLOUT : 0 },
			{ .fd = b, .events = POLLIN },
		};
		ssize_t n;

		poll(pfd, 2, 100);
		if (sent < PATH_BYTES) {
			size_t off = sent % sizeof(out);
			size_t len = sizeof(out) - off;

			if (len > PATH_BYTES - sent)
				len = PATH_BYTES - sent;
			n = send(a, out + off, len, MSG_DONTWAIT);
			if (n > 0)
				sent += n;
			else if (errno != EAGAIN)
				return -1;
		}
		n = recv(b, in, sizeof(in), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			return -1;
		for (i = 0; n > 0 && i < (size_t)n; i++, got++)
			if (in[i] != out[got % sizeof(out)])
				return -1;
	}
	if (got != PATH_BYTES)
		fprintf(stderr, "# %zu bytes sent, %zu received\n", sent, got);
	return got == PATH_BYTES ? 0 : -1;
}

/* Seconds: a few on the stock kernel, ten times that on the debug tier. */
TEST_F_TIMEOUT(path, smaller_mtu_in_the_middle__mss_follows, 300)
{
	long long frags, reduced;
	int lfd, a, b, one = 1;
	unsigned int mss;

	ASSERT_EQ(0, path_enter(self->ns[NS_B]));
	lfd = xtcp_socket();
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_bind_to(lfd, "10.81.2.1", XPORT));
	ASSERT_EQ(0, listen(lfd, 1));

	ASSERT_EQ(0, path_enter(self->ns[NS_A]));
	reduced = XTCP_COUNTER("PathMtuReduced");
	a = xtcp_socket();
	ASSERT_LE(0, a);
	ASSERT_EQ(0, xtcp_connect_to(a, "10.81.2.1", XPORT));
	b = accept(lfd, NULL, NULL);
	ASSERT_LE(0, b);
	mss = send_mss(a);
	/* Both ends offered 1460; the timestamps may take 12 of it. */
	ASSERT_LE(mss_for(1500, 12), mss);
	ASSERT_EQ(0, setsockopt(a, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));

	ASSERT_EQ(0, path_enter(self->ns[NS_R]));
	frags = frags_created();
	ASSERT_LE(0, frags);

	ASSERT_EQ(0, pump(a, b, 240000));

	/* R fragmented nothing: A's segments carried DF and got smaller. */
	EXPECT_EQ(frags, frags_created());
	ASSERT_EQ(0, path_enter(self->ns[NS_A]));
	EXPECT_LE(reduced + 1, XTCP_COUNTER("PathMtuReduced"));
	EXPECT_EQ(mss - (1500 - MID_MTU), send_mss(a));
	close(a);
	close(b);
	close(lfd);
}

TEST_HARNESS_MAIN
