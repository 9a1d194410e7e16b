// SPDX-License-Identifier: GPL-2.0
/*
 * Delivery rate (module/rate.c), read from XTCP_INFO: the bytes a flight
 * delivered over the longer of its send and ACK intervals.
 *
 * The scripted peer (xtcp_peer.h) receives a flight and holds its ACK for
 * a while, as a path with that round trip would.  The interval XTCP
 * measures then lies between the time the peer held the ACK (the flight
 * was sent before the last segment arrived, and the ACK taken in after
 * it was sent) and the time from before the send() to after XTCP took
 * the ACK in: so the rate lies between the two quotients, however slow
 * the VM.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define SEG	1000

FIXTURE(rate) {
	struct xtcp_peer p;
	int lfd, fd;
};

FIXTURE_SETUP(rate)
{
	int one = 1;

	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	/* No loss probe while the peer holds its ACK. */
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	self->p.port = PPORT;
	self->p.mss = SEG;
	self->p.win = 65535;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));
}

FIXTURE_TEARDOWN(rate)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

static __u64 delivery_rate(int fd)
{
	struct xtcp_info info;

	return xtcp_get_info(fd, &info) ? 0 : info.xtcpi_delivery_rate;
}

/*
 * A flight of @segs segments, its ACK held @hold_ms after the last came;
 * the bounds on the rate XTCP may report for it, in bytes per second.
 */
static int flight(struct _test_data_rate *self, int segs, int hold_ms,
		  __u64 *lo, __u64 *hi)
{
	static char text[16 * SEG];
	struct xtcp_peer *p = &self->p;
	long t0, t_recv, t_ack, t1;
	size_t len = segs * SEG;
	struct peer_seg s;
	int i;

	t0 = xtcp_now_ms();
	if (len > sizeof(text) || send(self->fd, text, len, 0) != (ssize_t)len)
		return -1;
	for (i = 0; i < segs; i++)
		if (peer_recv(p, &s, PEER_REPLY_MS) || s.len != SEG)
			return -1;
	t_recv = xtcp_now_ms();
	/* The path's round trip: what the rate is measured against. */
	usleep(hold_ms * 1000);
	t_ack = xtcp_now_ms();
	if (peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0) ||
	    peer_settle(p))
		return -1;
	t1 = xtcp_now_ms();
	/* Whole milliseconds: one more below, one less above. */
	*lo = (__u64)len * 1000 / (t1 - t0 + 1);
	*hi = (__u64)len * 1000 / (t_ack - t_recv - 1);
	return 0;
}

TEST_F(rate, delivery_rate__flight_over_its_interval)
{
	__u64 lo, hi, first;

	/* The handshake delivered no text: no sample yet. */
	EXPECT_EQ(0, delivery_rate(self->fd));

	ASSERT_EQ(0, flight(self, 10, 400, &lo, &hi));
	first = delivery_rate(self->fd);
	EXPECT_LE(lo, first);
	EXPECT_GE(hi, first);

	/* More text, held a quarter as long: a fresh, faster sample. */
	ASSERT_EQ(0, flight(self, 16, 100, &lo, &hi));
	EXPECT_LE(lo, delivery_rate(self->fd));
	EXPECT_GE(hi, delivery_rate(self->fd));
	EXPECT_LT(first, delivery_rate(self->fd));
}

TEST_HARNESS_MAIN
