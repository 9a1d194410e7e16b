// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side of loss recovery, driven by the scripted peer
 * (xtcp_peer.h): the peer sends text out of order and reads XTCP's ACKs.
 *
 * - ofo__*: RFC 9293 3.10.7.4, seventh check, and RFC 5681 4.2.  Text
 *   beyond a hole is held, and an ACK for RCV.NXT goes at once (a
 *   duplicate ACK); when the hole fills, the ACK covers everything that
 *   waited, and the reader gets it all in order.  Overlapping and
 *   duplicate segments are trimmed; a FIN beyond a hole waits with its
 *   text.  A receive buffer too small for what waits gives up the highest
 *   segments, and what the peer then resends still arrives intact.
 * - sack__*: RFC 2018.  SACK is used only when both SYNs offer it; the
 *   ACK's first block is the one that holds the latest segment, the
 *   others repeat earlier blocks.
 * - dsack__*: RFC 2883.  A duplicate segment is reported once, in a
 *   first block below the ACK number, or inside a SACK block.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.  Offsets
 * below count bytes from the first byte the peer sends.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define SEG	100

FIXTURE(ofo) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the accepted connection */
	__u32 base;	/* SEQ of offset 0 */
};

FIXTURE_SETUP(ofo)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/* Nothing of XTCP's may be retransmitted in the middle of a script. */
	ASSERT_EQ(0, peer_quiet_timers());
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(ofo)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* The byte at stream offset @off: no two nearby offsets alike. */
static unsigned char pattern(unsigned int off)
{
	return (unsigned char)(off * 131u + (off >> 8) + 7u);
}

/* Open the connection; the peer offers SACK-permitted if @sack. */
static int open_conn(struct _test_data_ofo *self, bool sack)
{
	self->p.sack = sack;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	if (self->fd < 0)
		return -1;
	self->base = self->p.rcv_nxt;
	return 0;
}

/* The peer sends [@off, @off + @len) of the stream, with @extra flags. */
static int send_at(struct _test_data_ofo *self, unsigned int off,
		   unsigned int len, __u8 extra)
{
	unsigned char buf[PEER_MAX_DATA];
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(off + i);
	return peer_send(&self->p, PEER_ACK | extra, self->base + off,
			 self->p.snd_nxt, buf, len);
}

/* XTCP's next segment must be a bare ACK of offset @off. */
static int expect_ack(struct _test_data_ofo *self, unsigned int off,
		      struct peer_seg *s)
{
	if (peer_recv(&self->p, s, PEER_REPLY_MS)) {
		peer_log("no ACK of offset %u", off);
		return -1;
	}
	if (peer_check(s, PEER_ACK, self->p.snd_nxt, self->base + off))
		return -1;
	if (s->len) {
		peer_log("the ACK carries %u bytes", s->len);
		return -1;
	}
	return 0;
}

/* The peer sends [@off, @off + @len); XTCP ACKs offset @ack at once. */
static int send_expect(struct _test_data_ofo *self, unsigned int off,
		       unsigned int len, unsigned int ack, struct peer_seg *s)
{
	return send_at(self, off, len, 0) || expect_ack(self, ack, s) ? -1 : 0;
}

/* SACK block @i of @s must be [@start, @end) in offsets. */
static int expect_block(struct _test_data_ofo *self, const struct peer_seg *s,
			unsigned int i, unsigned int start, unsigned int end)
{
	if (i >= s->num_sacks || s->sacks[i][0] != self->base + start ||
	    s->sacks[i][1] != self->base + end) {
		peer_log("SACK block %u: want [%u, %u), got %u blocks%s", i,
			 start, end, s->num_sacks,
			 i < s->num_sacks ? ":" : "");
		if (i < s->num_sacks)
			peer_log("  [%d, %d)",
				 (int)(s->sacks[i][0] - self->base),
				 (int)(s->sacks[i][1] - self->base));
		return -1;
	}
	return 0;
}

/* Read exactly @len bytes and check them against the stream pattern. */
static int read_stream(int fd, unsigned int off, unsigned int len)
{
	static unsigned char buf[1 << 17];
	unsigned int got = 0, i;

	if (len > sizeof(buf))
		return -1;
	xtcp_set_timeouts(fd, 10);
	fcntl(fd, F_SETFL, 0);
	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n <= 0) {
			peer_log("read %u of %u bytes: %s", got, len,
				 n ? strerror(errno) : "EOF");
			return -1;
		}
		got += n;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] != pattern(off + i)) {
			peer_log("byte at offset %u is wrong", off + i);
			return -1;
		}
	}
	return 0;
}

/* Nothing to read yet. */
static bool nothing_readable(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

TEST_F(ofo, hole_then_filled__delivered_in_order)
{
	long long queued = XTCP_COUNTER("OfoQueue");
	long long dup = XTCP_COUNTER("DupAcksSent");
	struct peer_seg s;

	ASSERT_EQ(0, open_conn(self, false));
	/* Segments 2 and 3 arrive, 1 is missing: each ACK says 0. */
	ASSERT_EQ(0, send_expect(self, SEG, SEG, 0, &s));
	EXPECT_EQ(0, s.optlen);	/* no SACK without SACK-permitted */
	ASSERT_EQ(0, send_expect(self, 2 * SEG, SEG, 0, &s));
	EXPECT_TRUE(nothing_readable(self->fd));
	EXPECT_EQ(queued + 2, XTCP_COUNTER("OfoQueue"));

	/* Segment 1: the ACK covers all three at once. */
	ASSERT_EQ(0, send_expect(self, 0, SEG, 3 * SEG, &s));
	EXPECT_EQ(0, read_stream(self->fd, 0, 3 * SEG));
	EXPECT_EQ(dup + 3, XTCP_COUNTER("DupAcksSent"));
	EXPECT_EQ(0, peer_expect_none(&self->p));
}

TEST_F(ofo, overlaps_and_duplicates__trimmed)
{
	struct peer_seg s;

	ASSERT_EQ(0, open_conn(self, false));
	/* [100, 300), then [200, 400) over its end, [150, 250) inside. */
	ASSERT_EQ(0, send_expect(self, 100, 200, 0, &s));
	ASSERT_EQ(0, send_expect(self, 200, 200, 0, &s));
	ASSERT_EQ(0, send_expect(self, 150, 100, 0, &s));
	/* [50, 450) covers them all; [0, 60) fills the hole. */
	ASSERT_EQ(0, send_expect(self, 50, 400, 0, &s));
	ASSERT_EQ(0, send_expect(self, 0, 60, 450, &s));
	EXPECT_EQ(0, read_stream(self->fd, 0, 450));
	EXPECT_TRUE(nothing_readable(self->fd));
}

TEST_F(ofo, fin_beyond_hole__waits_for_text)
{
	struct peer_seg s;
	char c;

	ASSERT_EQ(0, open_conn(self, false));
	/* The last text and the FIN come first. */
	ASSERT_EQ(0, send_at(self, SEG, SEG, PEER_FIN));
	ASSERT_EQ(0, expect_ack(self, 0, &s));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(&self->p));
	EXPECT_TRUE(nothing_readable(self->fd));
	/* The hole fills: the ACK takes the FIN too; CLOSE_WAIT. */
	ASSERT_EQ(0, send_expect(self, 0, SEG, 2 * SEG + 1, &s));
	EXPECT_TRUE(peer_wait_state(&self->p, XTCP_CLOSE_WAIT));
	EXPECT_EQ(0, read_stream(self->fd, 0, 2 * SEG));
	EXPECT_EQ(0, recv(self->fd, &c, 1, 0));
}

TEST_F(ofo, small_buffer__pruned_then_resent_intact)
{
	long long pruned = XTCP_COUNTER("OfoPruned");
	long long dropped = XTCP_COUNTER("OfoDrop");
	unsigned int i, n = 60, total = 20 * n + 20;
	struct peer_seg s;
	int buf = 4096;

	/*
	 * Small segments cost a whole buffer each: a few dozen beyond a
	 * hole, all inside the window, fill a small receive buffer.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("invalid_ratelimit_ms", 0));
	self->lfd = peer_listener(&self->p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &buf,
				sizeof(buf)));
	ASSERT_EQ(0, peer_open_syn(&self->p));
	ASSERT_EQ(0, peer_open_ack(&self->p));
	self->fd = peer_accept(self->lfd);
	ASSERT_LE(0, self->fd);
	self->base = self->p.rcv_nxt;

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, send_expect(self, 20 * i + 20, 10, 0, &s));
	EXPECT_LT(pruned + dropped, XTCP_COUNTER("OfoPruned") +
		  XTCP_COUNTER("OfoDrop"));
	/* The peer resends it all in order, the reader reading as it goes. */
	for (i = 0; i < total; i += SEG) {
		ASSERT_EQ(0, send_at(self, i, SEG, 0));
		ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
		ASSERT_EQ(0, read_stream(self->fd, i, SEG));
	}
}

TEST_F(ofo, sack__blocks_latest_first)
{
	long long sacks = XTCP_COUNTER("SackSent");
	struct peer_seg s;

	ASSERT_EQ(0, open_conn(self, true));
	/* [100, 200): one block. */
	ASSERT_EQ(0, send_expect(self, 100, 100, 0, &s));
	ASSERT_EQ(1, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 100, 200));
	/* [300, 400): the new block first, the older one after it. */
	ASSERT_EQ(0, send_expect(self, 300, 100, 0, &s));
	ASSERT_EQ(2, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 300, 400));
	EXPECT_EQ(0, expect_block(self, &s, 1, 100, 200));
	/* [500, 600), then [200, 300) joins the first two. */
	ASSERT_EQ(0, send_expect(self, 500, 100, 0, &s));
	ASSERT_EQ(3, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 500, 600));
	ASSERT_EQ(0, send_expect(self, 200, 100, 0, &s));
	ASSERT_EQ(2, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 100, 400));
	EXPECT_EQ(0, expect_block(self, &s, 1, 500, 600));
	/* The hole before 100 fills: one block is left beyond 400. */
	ASSERT_EQ(0, send_expect(self, 0, 100, 400, &s));
	ASSERT_EQ(1, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 500, 600));
	ASSERT_EQ(0, send_expect(self, 400, 100, 600, &s));
	EXPECT_EQ(0, s.num_sacks);
	EXPECT_EQ(0, s.optlen);
	EXPECT_EQ(0, read_stream(self->fd, 0, 600));
	EXPECT_EQ(sacks + 5, XTCP_COUNTER("SackSent"));
}

TEST_F(ofo, sack__at_most_four_blocks)
{
	struct peer_seg s;
	unsigned int i;

	ASSERT_EQ(0, open_conn(self, true));
	/* Six separate blocks: the four latest are reported. */
	for (i = 1; i <= 6; i++)
		ASSERT_EQ(0, send_expect(self, 200 * i, 100, 0, &s));
	ASSERT_EQ(4, s.num_sacks);
	EXPECT_EQ(4 + 4 * 8, s.optlen);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, expect_block(self, &s, i, 200 * (6 - i),
					  200 * (6 - i) + 100));
}

TEST_F(ofo, dsack__duplicate_below_ack)
{
	long long dsacks = XTCP_COUNTER("DSackSent");
	struct peer_seg s;

	ASSERT_EQ(0, open_conn(self, true));
	ASSERT_EQ(0, send_expect(self, 0, SEG, SEG, &s));
	EXPECT_EQ(0, s.num_sacks);
	/* The same segment again: D-SACK [0, SEG), below the ACK. */
	ASSERT_EQ(0, send_expect(self, 0, SEG, SEG, &s));
	ASSERT_EQ(1, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 0, SEG));
	EXPECT_EQ(dsacks + 1, XTCP_COUNTER("DSackSent"));
	/* Reported once: the next ACK has no block. */
	ASSERT_EQ(0, send_expect(self, SEG, SEG, 2 * SEG, &s));
	EXPECT_EQ(0, s.num_sacks);
	EXPECT_EQ(0, read_stream(self->fd, 0, 2 * SEG));
}

TEST_F(ofo, dsack__duplicate_beyond_hole)
{
	struct peer_seg s;

	ASSERT_EQ(0, open_conn(self, true));
	ASSERT_EQ(0, send_expect(self, 200, SEG, 0, &s));
	/* Again: D-SACK first, then the block that holds it. */
	ASSERT_EQ(0, send_expect(self, 200, SEG, 0, &s));
	ASSERT_EQ(2, s.num_sacks);
	EXPECT_EQ(0, expect_block(self, &s, 0, 200, 200 + SEG));
	EXPECT_EQ(0, expect_block(self, &s, 1, 200, 200 + SEG));
}

/* The peer's bare ACK of XTCP's @ack, with one SACK block [@start, @end). */
static int sack_ack(struct xtcp_peer *p, __u32 ack, __u32 start, __u32 end)
{
	struct peer_seg a;

	peer_seg_init(p, &a, PEER_ACK, p->rcv_nxt, ack, NULL, 0);
	a.num_sacks = 1;
	a.sacks[0][0] = start;
	a.sacks[0][1] = end;
	return peer_xmit(p, &a, false);
}

/*
 * The sender's scoreboard (scoreboard.c): of three segments the first is
 * lost and the peer SACKs the other two (too few for fast retransmit,
 * recovery_test.c, and RACK off: its reordering timer would resend the
 * first long before the RTO); the timeout resends the first alone, and
 * once it is acknowledged nothing else goes out again.
 */
TEST_F(ofo, scoreboard__timeout_resends_only_the_hole)
{
	long long blocks = XTCP_COUNTER("SackBlocksRecv");
	long long skipped = XTCP_COUNTER("SackedNotResent");
	long long rtx = XTCP_COUNTER("RetransSegs");
	struct xtcp_peer *p = &self->p;
	char buf[3 * 1000];
	struct peer_seg s;
	__u32 una;
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 1000));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 1000));
	ASSERT_EQ(0, xtcp_sysctl_set("recovery", 0));
	/* No tail loss probe before the SACK (a slow debug VM): the RTO. */
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	p->mss = 1000;
	ASSERT_EQ(0, open_conn(self, true));
	una = p->snd_nxt;
	memset(buf, 'd', sizeof(buf));
	ASSERT_EQ(sizeof(buf), send(self->fd, buf, sizeof(buf), 0));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		ASSERT_EQ(una + 1000 * i, s.seq);
		ASSERT_EQ(1000, s.len);
	}
	ASSERT_EQ(0, sack_ack(p, una, una + 1000, una + 3000));

	/* The timeout: the first segment, and only it. */
	ASSERT_EQ(0, peer_recv(p, &s, 5000));
	EXPECT_EQ(una, s.seq);
	EXPECT_EQ(1000, s.len);
	ASSERT_EQ(0, sack_ack(p, una + 1000, una + 1000, una + 3000));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(rtx + 1, XTCP_COUNTER("RetransSegs"));
	EXPECT_EQ(blocks + 2, XTCP_COUNTER("SackBlocksRecv"));
	EXPECT_EQ(skipped + 2, XTCP_COUNTER("SackedNotResent"));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, una + 3000, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
}

/* SACK blocks outside what is in flight are not taken. */
TEST_F(ofo, scoreboard__bad_blocks_discarded)
{
	long long discard = XTCP_COUNTER("SackDiscard");
	long long dsack = XTCP_COUNTER("DSackRecv");
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	__u32 una;

	p->mss = 1000;
	ASSERT_EQ(0, open_conn(self, true));
	una = p->snd_nxt;
	ASSERT_EQ(1, send(self->fd, "x", 1, 0));
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	/* Beyond SND.NXT, and empty. */
	ASSERT_EQ(0, sack_ack(p, una, una + 1, una + 5000));
	ASSERT_EQ(0, sack_ack(p, una, una + 1, una + 1));
	/* Below the ACK: a D-SACK. */
	ASSERT_EQ(0, sack_ack(p, una + 1, una - 100, una));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(discard + 2, XTCP_COUNTER("SackDiscard"));
	EXPECT_EQ(dsack + 1, XTCP_COUNTER("DSackRecv"));
}

/* SYN+ACK offers SACK-permitted back only to a SYN that offered it. */
TEST_F(ofo, sack_perm__only_in_answer)
{
	struct peer_seg s;

	self->lfd = peer_listener(&self->p, XPORT);
	ASSERT_LE(0, self->lfd);
	self->p.sack = true;
	ASSERT_EQ(0, peer_send(&self->p, PEER_SYN, self->p.irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	EXPECT_EQ(PEER_SYN | PEER_ACK, s.flags);
	EXPECT_TRUE(s.sack_perm);
	EXPECT_EQ(0, peer_check_syn_options(&s));

	self->p.port = PPORT + 1;
	self->p.sack = false;
	ASSERT_EQ(0, peer_send(&self->p, PEER_SYN, self->p.irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	EXPECT_EQ(PEER_SYN | PEER_ACK, s.flags);
	EXPECT_FALSE(s.sack_perm);
	EXPECT_EQ(0, peer_check_syn_options(&s));
}

/* The SYN of a connect() from XTCP port @xport to peer port @port. */
static int connect_syn(struct xtcp_peer *p, int xport, int port,
		       struct peer_seg *s)
{
	int fd = xtcp_socket(), err = -1;

	if (fd < 0)
		return -1;
	p->xport = xport;
	p->port = port;
	if (!fcntl(fd, F_SETFL, O_NONBLOCK) &&
	    !xtcp_bind_to(fd, PEER_XTCP_IP, xport) &&
	    xtcp_connect_to(fd, PEER_IP, port) && errno == EINPROGRESS)
		err = peer_recv(p, s, PEER_REPLY_MS);
	close(fd);
	return err;
}

/* net.xtcp.sack: the active SYN offers SACK-permitted, or not. */
TEST_F(ofo, sack_perm__sysctl)
{
	struct peer_seg s;

	/*
	 * SACK-permitted in its own NOP, NOP word: no timestamps beside;
	 * MSS, NOP, window scale before it.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("timestamps", 0));
	ASSERT_EQ(0, connect_syn(&self->p, XPORT, PPORT, &s));
	EXPECT_EQ(PEER_SYN, s.flags);
	EXPECT_TRUE(s.sack_perm);
	EXPECT_TRUE(s.ws);
	EXPECT_EQ(12, s.optlen);
	EXPECT_EQ(0, peer_check_syn_options(&s));

	ASSERT_EQ(0, xtcp_sysctl_set("sack", 0));
	ASSERT_EQ(0, connect_syn(&self->p, XPORT + 1, PPORT + 1, &s));
	EXPECT_EQ(PEER_SYN, s.flags);
	EXPECT_FALSE(s.sack_perm);
	EXPECT_EQ(8, s.optlen);
	EXPECT_EQ(0, peer_check_syn_options(&s));
}

TEST_HARNESS_MAIN
