// SPDX-License-Identifier: GPL-2.0
/*
 * Checksum offload on transmit, seen by the scripted peer (xtcp_peer.h)
 * on the far end of the veth pair.
 *
 * veth, like loopback, can sum any protocol (NETIF_F_HW_CSUM): XTCP
 * leaves each segment's sum to it (CHECKSUM_PARTIAL) with the
 * pseudo-header's sum in the checksum field.  veth never computes it; the
 * packet socket flags such a frame TP_STATUS_CSUMNOTREADY and the peer
 * finishes the sum itself, so a wrong pseudo-header sum still fails the
 * check.  With transmit checksumming turned off on XTCP's device (as
 * "ethtool -K xtcp0 tx off"), every frame carries its full sum.
 *
 * The text and its RST (from the barrier, sent with no socket) take the
 * two paths that build segments: output.c for a connection, rst.c for
 * replies without one.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.
 */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define TEXT	1000

FIXTURE(csum) {
	struct xtcp_peer p;
	int lfd, fd;
};

FIXTURE_SETUP(csum)
{
	int one = 1;

	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	self->p.port = PPORT;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	/* Each write is a segment of its own, unacknowledged as it may be. */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));
}

FIXTURE_TEARDOWN(csum)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* Transmit checksumming of @ifname on (@on) or off; 0 on success. */
static int set_tx_csum(const char *ifname, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = on };
	struct ifreq ifr = {};
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = (void *)&ev;
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	if (!ret) {
		/* Read back: the setting took. */
		ev.cmd = ETHTOOL_GTXCSUM;
		ev.data = !on;
		ret = ioctl(fd, SIOCETHTOOL, &ifr);
		if (!ret && ev.data != on)
			ret = -1;
	}
	close(fd);
	return ret;
}

/* XTCP sends TEXT bytes; the peer's copy of that segment in @s. */
static int text_segment(struct _test_data_csum *self, struct peer_seg *s)
{
	static const char text[TEXT] = "the checksummed text";

	if (send(self->fd, text, sizeof(text), 0) != sizeof(text))
		return -1;
	if (peer_recv(&self->p, s, PEER_REPLY_MS))
		return -1;
	return s->len == TEXT && !memcmp(s->data, text, TEXT) ? 0 : -1;
}

/* The RST that answers a barrier probe, in @s. */
static int rst_segment(struct _test_data_csum *self, struct peer_seg *s)
{
	return peer_barrier(&self->p, s, PEER_REPLY_MS) ? -1 : 0;
}

TEST_F(csum, partial__left_to_the_device)
{
	long long bad = XTCP_COUNTER("InCsumErrors");
	struct peer_seg s;

	ASSERT_EQ(0, text_segment(self, &s));
	EXPECT_TRUE(s.csum_partial);
	EXPECT_TRUE(s.csum_ok);

	ASSERT_EQ(0, rst_segment(self, &s));
	EXPECT_TRUE(s.csum_partial);
	EXPECT_TRUE(s.csum_ok);

	/* The peer's ACK, summed in full by the peer, is taken. */
	ASSERT_EQ(0, peer_send(&self->p, PEER_ACK, self->p.rcv_nxt,
			       self->p.snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_settle(&self->p));
	EXPECT_EQ(bad, XTCP_COUNTER("InCsumErrors"));
}

/*
 * The device cannot sum: XTCP sums each segment itself, from the next
 * segment on (the choice is made per segment, from the route's device).
 */
TEST_F(csum, full__when_the_device_cannot)
{
	struct peer_seg s;

	ASSERT_EQ(0, set_tx_csum(PEER_XTCP_IF, false));
	ASSERT_EQ(0, text_segment(self, &s));
	EXPECT_FALSE(s.csum_partial);
	EXPECT_TRUE(s.csum_ok);

	ASSERT_EQ(0, rst_segment(self, &s));
	EXPECT_FALSE(s.csum_partial);
	EXPECT_TRUE(s.csum_ok);

	/* And back: the device sums again. */
	ASSERT_EQ(0, set_tx_csum(PEER_XTCP_IF, true));
	ASSERT_EQ(0, text_segment(self, &s));
	EXPECT_TRUE(s.csum_partial);
	EXPECT_TRUE(s.csum_ok);
}

TEST_HARNESS_MAIN
