// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control (RFC 5681, module/cong.c, cong_reno.c), with Reno
 * chosen by net.xtcp.congestion_control (CUBIC's are cong_cubic_test's),
 * driven by the scripted peer (xtcp_peer.h), which offers a window far
 * larger than what XTCP may send and ACKs when the script says so:
 *
 * - initial_window__*: RFC 6928.  Ten segments go out, no more, before
 *   the first ACK; SSTHRESH is unbounded (XTCP_INFO says ~0, /proc -1).
 * - slow_start__*: RFC 5681 3.1.  Each segment ACKed lets two go out.
 * - syn_timeout__*: RFC 5681 3.1.  After a lost SYN the window is one
 *   segment; SSTHRESH stays unbounded.
 * - timeout__*: RFC 5681 3.1, equation 4.  A timeout sets SSTHRESH to half
 *   of what was in flight and SND.CWND to one segment: the oldest goes
 *   again, alone, until its ACK comes.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT; XTCP's
 * segments carry SEG bytes each (the peer's MSS).
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define SEG	1000
#define TOTAL	(40 * SEG)

FIXTURE(cong) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the accepted connection */
	__u32 una;	/* XTCP's SND.UNA before the text */
};

FIXTURE_SETUP(cong)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	/* Reno's numbers; CUBIC's are cong_cubic_test's. */
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "reno"));
	self->fd = peer_open_sender(&self->p, XPORT, PPORT, SEG, TOTAL,
				    &self->lfd);
	ASSERT_LE(0, self->fd);
	self->una = self->p.snd_nxt;
}

FIXTURE_TEARDOWN(cong)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* The next @n segments XTCP sends, in order from @seq; then nothing. */
static int expect_burst(struct xtcp_peer *p, __u32 seq, int n)
{
	return peer_expect_run(p, seq, n, SEG) || peer_expect_none(p);
}

/* The peer ACKs XTCP's text up to @off bytes. */
static int ack_to(struct _test_data_cong *self, unsigned int off)
{
	return peer_send(&self->p, PEER_ACK, self->p.rcv_nxt, self->una + off,
			 NULL, 0);
}

TEST_F(cong, initial_window__ten_segments)
{
	struct xtcp_info info;

	ASSERT_EQ(0, expect_burst(&self->p, self->una, 10));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(10, info.xtcpi_snd_cwnd);
	EXPECT_EQ(~0U, info.xtcpi_snd_ssthresh);
}

TEST_F(cong, slow_start__two_for_each_acked)
{
	struct xtcp_info info;

	ASSERT_EQ(0, expect_burst(&self->p, self->una, 10));
	/* Five ACKed: five leave the pipe, ten more may enter it. */
	ASSERT_EQ(0, ack_to(self, 5 * SEG));
	ASSERT_EQ(0, expect_burst(&self->p, self->una + 10 * SEG, 10));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(15, info.xtcpi_snd_cwnd);
	/* All twenty ACKed: cwnd 30, the twenty segments left go out. */
	ASSERT_EQ(0, ack_to(self, 20 * SEG));
	ASSERT_EQ(0, expect_burst(&self->p, self->una + 20 * SEG, 20));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(30, info.xtcpi_snd_cwnd);
}

TEST_F(cong, timeout__one_segment_then_slow_start)
{
	long long resets = XTCP_COUNTER("RtoCwndResets");
	struct xtcp_info info;
	struct peer_seg s;

	ASSERT_EQ(0, expect_burst(&self->p, self->una, 10));
	/* No ACK: the timeout resends the oldest segment, alone. */
	ASSERT_EQ(0, peer_recv(&self->p, &s, 15000));
	EXPECT_EQ(self->una, s.seq);
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(1, info.xtcpi_snd_cwnd);
	EXPECT_EQ(5, info.xtcpi_snd_ssthresh);
	EXPECT_EQ(resets + 1, XTCP_COUNTER("RtoCwndResets"));
	/* Its ACK: cwnd 2, the next two presumed lost go. */
	ASSERT_EQ(0, ack_to(self, SEG));
	ASSERT_EQ(0, expect_burst(&self->p, self->una + SEG, 2));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(2, info.xtcpi_snd_cwnd);
}

/* A lost SYN: the window after the handshake is one segment. */
TEST(syn_timeout__window_one)
{
	struct xtcp_peer p = { .fd = -1 };
	struct xtcp_info info;
	struct peer_seg s;
	int fd;

	ASSERT_EQ(0, peer_setup(&p));
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "reno"));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 300));
	p.port = PPORT;
	fd = peer_connect(&p, XPORT);
	ASSERT_LE(0, fd);
	/* The first SYN is "lost": the peer answers the second. */
	ASSERT_EQ(0, peer_recv(&p, &s, 5000));
	ASSERT_EQ(PEER_SYN, s.flags);
	ASSERT_EQ(0, peer_open_synack(&p));
	ASSERT_TRUE(peer_wait_state(&p, XTCP_ESTABLISHED));
	ASSERT_EQ(0, xtcp_get_info(fd, &info));
	EXPECT_EQ(1, info.xtcpi_snd_cwnd);
	EXPECT_EQ(~0U, info.xtcpi_snd_ssthresh);
	close(fd);
	peer_close(&p);
}

TEST_HARNESS_MAIN
