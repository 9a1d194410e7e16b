// SPDX-License-Identifier: GPL-2.0
/*
 * GSO: XTCP's super-segments (output.c) and their segmentation in software
 * (offload.c).  Two namespaces joined by a veth pair: A (xtcp0, 10.82.0.1)
 * sends, B (xtcp1, 10.82.0.2) receives and captures every frame that
 * crosses with a packet socket.
 *
 * - whole: the veth takes XTCP's GSO type; super-segments cross it whole.
 * - split: A's end cannot (tx-sctp-segmentation off): offload.c cuts each
 *   super-segment and leaves the sums to the device (CHECKSUM_PARTIAL).
 * - split_summed: nor can it checksum (tx-checksum-ip-generic off):
 *   offload.c sums every segment in software.
 *
 * In each the receiver reads the bytes sent, in order, and every captured
 * data frame carries the sender's bytes at its SEQ, with a valid checksum;
 * frames longer than the MTU cross only in "whole".  Text left unread,
 * whose segments merge in the receive queue, is read intact in pieces.
 */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <linux/sockios.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define GSO_PORT	5082
#define GSO_BYTES	(2 * 1024 * 1024)
#define GSO_MTU		1500
#define GSO_FRAME_MAX	(PEER_ETH_LEN + 65535)

FIXTURE(gso) {
	int ns_a, ns_b;
	int cap;	/* B's packet socket on xtcp1 */
	int lfd;	/* B's listener */
};

FIXTURE_VARIANT(gso) {
	bool split;	/* A's veth cannot segment XTCP */
	bool summed;	/* ... nor checksum it */
};

FIXTURE_VARIANT_ADD(gso, whole) {
	.split = false,
	.summed = false,
};

FIXTURE_VARIANT_ADD(gso, split) {
	.split = true,
	.summed = false,
};

FIXTURE_VARIANT_ADD(gso, split_summed) {
	.split = true,
	.summed = true,
};

/* A packet socket on @ifname, with room for every frame of a transfer. */
static int capture_open(const char *ifname)
{
	int one = 1, size = 256 << 20;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
	};
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (fd < 0)
		return -1;
	sll.sll_ifindex = if_nametoindex(ifname);
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(gso)
{
	struct sockaddr_xtcp addr;
	int fd;

	self->ns_a = -1;
	self->ns_b = -1;
	self->cap = -1;
	self->lfd = -1;
	if (XTCP_UNMET(!system("command -v ip >/dev/null 2>&1"),
		       "ip (iproute2) is not installed"))
		return;
	ASSERT_EQ(0, xtcp_netns_enter());
	self->ns_a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns_a);
	ASSERT_EQ(0, xtcp_netns_enter());
	self->ns_b = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ns_b);

	/* B: the receiver, its capture and its listener. */
	ASSERT_EQ(0, xtcp_sh("ip link add xtcp1 type veth peer name xtcp0 netns /proc/%d/fd/%d",
			     getpid(), self->ns_a));
	ASSERT_EQ(0, xtcp_sh("ip addr add 10.82.0.2/24 dev xtcp1"));
	ASSERT_EQ(0, xtcp_link_up("xtcp1"));
	self->cap = capture_open("xtcp1");
	ASSERT_LE(0, self->cap);
	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	addr = xtcp_addr("10.82.0.2", GSO_PORT);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(self->lfd, 1));

	/* A: the sender, its veth end as the variant has it. */
	ASSERT_EQ(0, setns(self->ns_a, CLONE_NEWNET));
	ASSERT_EQ(0, xtcp_sh("ip addr add 10.82.0.1/24 dev xtcp0"));
	if (variant->split)
		ASSERT_EQ(0, xtcp_set_feature("xtcp0", "tx-sctp-segmentation",
					      false));
	if (variant->summed)
		ASSERT_EQ(0, xtcp_set_feature("xtcp0", "tx-checksum-ip-generic",
					      false));
	ASSERT_EQ(0, xtcp_link_up("xtcp0"));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, peer_if_wait_running(fd, "xtcp0"));
	close(fd);
}

FIXTURE_TEARDOWN(gso)
{
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->cap >= 0)
		close(self->cap);
	if (self->ns_b >= 0)
		close(self->ns_b);
	if (self->ns_a >= 0)
		close(self->ns_a);
}

/* What the capture saw of A's stream. */
struct gso_seen {
	unsigned int frames;	/* A's data frames */
	unsigned int max_len;	/* the longest frame's IP length */
	unsigned int bad_sum;	/* frames whose checksum fails */
	unsigned int bad_text;	/* frames whose bytes are not A's */
	unsigned int ahead;	/* frames beyond the next byte expected */
	bool synced;		/* A's SYN seen: start is known */
	__u32 start;		/* SEQ of the stream's first byte */
	__u32 next;		/* SEQ after the highest byte seen */
	unsigned char got[GSO_BYTES / 8];	/* a bit per byte seen */
};

/* Bytes of the stream no captured frame carried. */
static unsigned int gso_holes(const struct gso_seen *g)
{
	unsigned int i, holes = 0;

	for (i = 0; i < GSO_BYTES; i++)
		if (!(g->got[i / 8] & (1u << (i % 8))))
			holes++;
	return holes;
}

/* One frame of @n bytes, its sum finished if it was left to the device. */
static void gso_frame(struct gso_seen *g, unsigned char *f, size_t n,
		      int proto)
{
	unsigned char *ip = f + PEER_ETH_LEN, *th;
	unsigned int ihl, tot, doff, len, i;
	__be32 saddr, daddr;
	bool bad = false;
	__u32 seq;

	if (n < PEER_ETH_LEN + PEER_IP_LEN || ip[9] != proto)
		return;
	ihl = (ip[0] & 0xf) * 4;
	tot = peer_get16(ip + 2);
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	if (saddr != inet_addr("10.82.0.1") || tot > n - PEER_ETH_LEN)
		return;
	th = ip + ihl;
	doff = (th[12] >> 4) * 4;
	len = tot - ihl - doff;
	seq = peer_get32(th + 4);
	if (th[13] & 0x02) {		/* SYN: the stream starts after it */
		g->synced = true;
		g->start = seq + 1;
		g->next = seq + 1;
	}
	if (!len || !g->synced)
		return;
	g->frames++;
	if (tot > g->max_len)
		g->max_len = tot;
	if (peer_seg_csum(saddr, daddr, proto, th, tot - ihl))
		g->bad_sum++;
	/* A frame lost on the way leaves a hole its retransmission fills. */
	if ((__s32)(seq - g->next) > 0)
		g->ahead++;
	for (i = 0; i < len; i++) {
		__u32 off = seq - g->start + i;

		if (th[doff + i] != xtcp_pattern(off))
			bad = true;
		if (off < GSO_BYTES)
			g->got[off / 8] |= 1u << (off % 8);
	}
	g->bad_text += bad;
	if ((__s32)(seq + len - g->next) > 0)
		g->next = seq + len;
}

/* Read every frame captured so far; -1 if the socket dropped any. */
static int gso_drain(int cap, struct gso_seen *g)
{
	static unsigned char frame[GSO_FRAME_MAX];
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	int proto = peer_ipproto();

	for (;;) {
		char cbuf[PEER_CMSG_SPACE];
		struct iovec iov = { frame, sizeof(frame) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		ssize_t n;

		n = recvmsg(cap, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;
		if ((size_t)n > sizeof(frame))
			return -1;
		peer_frame_finish(&msg, frame, n, NULL);
		gso_frame(g, frame, n, proto);
	}
	if (getsockopt(cap, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
		return -1;
	return st.tp_drops ? -1 : 0;
}

/*
 * B reads @len bytes of the pattern, @piece (at most 64 KiB) at a time;
 * how many came in order before a read failed or a byte differed.
 */
static size_t read_pattern(int fd, size_t len, size_t piece)
{
	static unsigned char buf[65536];
	size_t got = 0, i;

	if (piece > sizeof(buf))
		piece = sizeof(buf);
	while (got < len) {
		ssize_t n = read(fd, buf, piece);

		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != xtcp_pattern(got + i))
				return got;
		got += n;
	}
	return got;
}

/* Bytes unread at @fd once it holds @want, or after 20 s; -1 on error. */
static int wait_queued(int fd, int want)
{
	long end = xtcp_now_ms() + 20000;
	int queued = 0;

	while (queued < want && xtcp_now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (ioctl(fd, SIOCINQ, &queued))
			return -1;
		poll(&pfd, 1, 10);
	}
	return queued;
}

/*
 * A connects to B's listener @lfd: A's end in *@fd, B's in *@afd; each
 * gives up after 20 s.
 */
static void gso_connect(struct __test_metadata *_metadata, int lfd,
			int *fd, int *afd)
{
	struct sockaddr_xtcp addr = xtcp_addr("10.82.0.2", GSO_PORT);

	*fd = xtcp_socket();
	ASSERT_LE(0, *fd);
	xtcp_set_timeouts(*fd, 20);
	ASSERT_EQ(0, connect(*fd, (struct sockaddr *)&addr, sizeof(addr)));
	*afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, *afd);
	xtcp_set_timeouts(*afd, 20);
}

TEST_F(gso, bytes_intact_frames_summed)
{
	struct xtcp_sender tx = { .len = GSO_BYTES, .shut_wr = true };
	static struct gso_seen g;
	pthread_t th;
	int afd;

	gso_connect(_metadata, self->lfd, &tx.fd, &afd);
	ASSERT_EQ(0, pthread_create(&th, NULL, xtcp_send_pattern, &tx));
	EXPECT_EQ(GSO_BYTES, read_pattern(afd, GSO_BYTES, 65536));
	pthread_join(th, NULL);
	EXPECT_EQ(0, tx.err);
	close(afd);
	close(tx.fd);

	memset(&g, 0, sizeof(g));
	ASSERT_EQ(0, gso_drain(self->cap, &g));
	TH_LOG("%u data frames, the longest %u bytes; %u bad sums, %u bad text, %u ahead of a hole",
	       g.frames, g.max_len, g.bad_sum, g.bad_text, g.ahead);
	ASSERT_TRUE(g.synced);
	EXPECT_EQ(0, g.bad_sum);
	EXPECT_EQ(0, g.bad_text);
	EXPECT_EQ(0, gso_holes(&g));
	EXPECT_EQ(GSO_BYTES, g.next - g.start);
	if (variant->split) {
		/* Cut to the wire's size: at least one frame per MSS. */
		EXPECT_GE(GSO_MTU, g.max_len);
		EXPECT_LE(GSO_BYTES / GSO_MTU, g.frames);
	} else {
		/* Super-segments crossed whole. */
		EXPECT_LT(GSO_MTU, g.max_len);
	}
}

/*
 * In-order text the reader leaves unread joins the receive queue's last
 * skb where the buffers allow (RcvCoalesce, at B); read back, every
 * byte comes once, in order.  Without the capture: the clone it keeps
 * of each frame shares the skb, and a shared skb takes no more text.
 */
TEST_F_TIMEOUT(gso, unread_text__coalesced_intact, 60)
{
	struct xtcp_sender tx = { .len = GSO_BYTES / 2, .shut_wr = true };
	int afd, queued, rcvbuf = 4 << 20;
	long long before, after;
	pthread_t th;
	size_t got;

	close(self->cap);
	self->cap = -1;
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, setns(self->ns_b, CLONE_NEWNET));
	before = XTCP_COUNTER("RcvCoalesce");
	ASSERT_EQ(0, setns(self->ns_a, CLONE_NEWNET));
	gso_connect(_metadata, self->lfd, &tx.fd, &afd);
	ASSERT_EQ(0, pthread_create(&th, NULL, xtcp_send_pattern, &tx));
	/* All of it queued unread: it fits the buffer's window. */
	queued = wait_queued(afd, tx.len);
	ASSERT_LE(0, queued);
	EXPECT_EQ((int)tx.len, queued);
	got = read_pattern(afd, tx.len, 4096);
	EXPECT_EQ(tx.len, got) TH_LOG("read %zu bytes, then %m", got);
	pthread_join(th, NULL);
	EXPECT_EQ(0, tx.err);
	ASSERT_EQ(0, setns(self->ns_b, CLONE_NEWNET));
	after = XTCP_COUNTER("RcvCoalesce");
	ASSERT_EQ(0, setns(self->ns_a, CLONE_NEWNET));
	TH_LOG("RcvCoalesce %lld -> %lld", before, after);
	EXPECT_LT(before, after);
	close(afd);
	close(tx.fd);
}

/*
 * Text left unread piles up: with a lossy link (netem on A's end) what
 * waits beyond a hole merges in the out-of-order queue into skbs of more
 * than 64 KiB, which join the receive queue once the hole fills.  Read in
 * small pieces, every byte comes once, in order.
 */
TEST_F_TIMEOUT(gso, slow_reader__merged_text_intact, 90)
{
	struct xtcp_sender tx = { .len = GSO_BYTES, .shut_wr = true };
	int afd, queued, rcvbuf = 4 << 20;
	pthread_t th;
	size_t got;

	/* Room for half the transfer unread (the window is at least half). */
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	gso_connect(_metadata, self->lfd, &tx.fd, &afd);
	ASSERT_EQ(0, xtcp_sh("tc qdisc add dev xtcp0 root netem loss 5%%"));
	ASSERT_EQ(0, pthread_create(&th, NULL, xtcp_send_pattern, &tx));
	queued = wait_queued(afd, GSO_BYTES / 2);
	ASSERT_LE(0, queued);
	TH_LOG("%d bytes queued unread", queued);
	EXPECT_LE(GSO_BYTES / 2, queued);
	got = read_pattern(afd, GSO_BYTES, 1000);
	/* A stall shows here, as the bytes read when a read timed out. */
	EXPECT_EQ(GSO_BYTES, got) TH_LOG("read %zu bytes, then %m", got);
	pthread_join(th, NULL);
	EXPECT_EQ(0, tx.err);
	close(afd);
	close(tx.fd);
}

TEST_HARNESS_MAIN
