// SPDX-License-Identifier: GPL-2.0
/*
 * net.xtcp.max_orphans: a connection closed by its process lives on as an
 * orphan (FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK, TIME_WAIT) until it ends.
 * Past max_orphans of them in a namespace, close() aborts the connection
 * instead: RST to the peer, CLOSED at once, as Linux does when it has "too
 * many orphaned sockets".
 *
 * net.xtcp.max_tw_buckets: a TIME_WAIT, orphaned or not, counts against
 * that limit and not as an orphan.  Past it a connection that would enter
 * TIME_WAIT ends at once, its last ACK sent, as TCP's does
 * (TimeWaitOverflow).
 *
 * The scripted peer (xtcp_peer.h) opens each connection to an XTCP listener
 * on 10.0.0.1:XPORT from its own port PPORT + i and never acknowledges the
 * FIN, so each closed connection stays in FIN_WAIT1.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define NCONN	4

FIXTURE(orphans) {
	struct xtcp_peer p;		/* the listener's view */
	struct xtcp_peer c[NCONN];	/* one per connection */
	int lfd;
	int fd[NCONN];
};

FIXTURE_SETUP(orphans)
{
	int i;

	self->lfd = -1;
	for (i = 0; i < NCONN; i++) {
		self->fd[i] = -1;
		self->c[i].port = 0;
	}
	ASSERT_EQ(0, peer_setup(&self->p));
	peer_quiet_timers();
	self->lfd = peer_listener(&self->p, XPORT);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(orphans)
{
	int i;

	/*
	 * Orphans left in FIN_WAIT1 would retransmit for minutes, and on a
	 * lockdep kernel keep the module loaded (xtcp_socks_pin_module()):
	 * the peer resets every connection it opened.
	 */
	for (i = 0; i < NCONN; i++)
		if (self->c[i].port)
			peer_send(&self->c[i], PEER_RST, self->c[i].rcv_nxt, 0,
				  NULL, 0);
	for (i = 0; i < NCONN; i++)
		if (self->fd[i] >= 0)
			close(self->fd[i]);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* Connection @i: the peer opens it from PPORT + i, the user accepts it. */
static int open_conn(struct _test_data_orphans *self, int i)
{
	struct xtcp_peer *c = &self->c[i];

	*c = self->p;
	c->port = PPORT + i;
	c->irs = PEER_DEF_ISS + i * 0x1000000u;
	c->rcv_nxt = c->irs;
	if (peer_open_syn(c) || peer_open_ack(c))
		return -1;
	self->fd[i] = peer_accept(self->lfd);
	if (self->fd[i] < 0)
		return -1;
	return peer_wait_state(c, XTCP_ESTABLISHED) ? 0 : -1;
}

/* The user closes connection @i; its FIN goes out either way. */
static int close_conn(struct _test_data_orphans *self, int i)
{
	close(self->fd[i]);
	self->fd[i] = -1;
	return peer_expect_fin(&self->c[i]);
}

/* An orphan over the limit: <SEQ=SND.NXT><CTL=RST,ACK>, and it is gone. */
static int expect_abort(struct xtcp_peer *c)
{
	struct peer_seg s;

	if (peer_expect(c, &s, PEER_RST | PEER_ACK, c->snd_nxt, c->rcv_nxt))
		return -1;
	return peer_wait_state(c, 0) ? 0 : -1;
}

TEST_F(orphans, max_orphans_2__third_close__rst)
{
	long long rsts;
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("max_orphans", 2));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, open_conn(self, i));

	/* Two orphans are allowed: they wait in FIN_WAIT1. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, close_conn(self, i));
		ASSERT_EQ(0, peer_expect_none(&self->c[i]));
		EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[i]));
	}

	/* The third is one too many. */
	rsts = xtcp_counter("OutRsts");
	ASSERT_EQ(0, close_conn(self, 2));
	ASSERT_EQ(0, expect_abort(&self->c[2]));
	EXPECT_EQ(rsts + 1, xtcp_counter("OutRsts"));
	/* The two orphans are untouched. */
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[0]));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[1]));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
}

/* An orphan that ends makes room for the next one. */
TEST_F(orphans, max_orphans_2__orphan_ends__room_again)
{
	struct xtcp_peer *c0 = &self->c[0];
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("max_orphans", 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, open_conn(self, i));
		ASSERT_EQ(0, close_conn(self, i));
	}
	/* The peer resets the first orphan. */
	ASSERT_EQ(0, peer_send(c0, PEER_RST, c0->rcv_nxt, 0, NULL, 0));
	ASSERT_TRUE(peer_wait_state(c0, 0));

	/* Two orphans again, no RST. */
	ASSERT_EQ(0, open_conn(self, 2));
	ASSERT_EQ(0, close_conn(self, 2));
	ASSERT_EQ(0, peer_expect_none(&self->c[2]));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[2]));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[1]));

	/* And the limit still holds. */
	ASSERT_EQ(0, open_conn(self, 3));
	ASSERT_EQ(0, close_conn(self, 3));
	ASSERT_EQ(0, expect_abort(&self->c[3]));
}

/* max_orphans 0: every close() that would leave an orphan aborts. */
TEST_F(orphans, max_orphans_0__close__rst)
{
	long long rsts, arc;

	ASSERT_EQ(0, xtcp_sysctl_set("max_orphans", 0));
	ASSERT_EQ(0, open_conn(self, 0));
	rsts = xtcp_counter("OutRsts");
	arc = xtcp_counter("FinWait1Closed");
	ASSERT_EQ(0, close_conn(self, 0));
	ASSERT_EQ(0, expect_abort(&self->c[0]));
	EXPECT_EQ(rsts + 1, xtcp_counter("OutRsts"));
	EXPECT_EQ(arc + 1, xtcp_counter("FinWait1Closed"));
}

/* A connection that a process still holds is no orphan: no limit. */
TEST_F(orphans, max_orphans_0__shutdown__no_rst)
{
	ASSERT_EQ(0, xtcp_sysctl_set("max_orphans", 0));
	ASSERT_EQ(0, open_conn(self, 0));
	ASSERT_EQ(0, shutdown(self->fd[0], SHUT_WR));
	ASSERT_EQ(0, peer_expect_fin(&self->c[0]));
	ASSERT_EQ(0, peer_expect_none(&self->c[0]));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[0]));
}

/*
 * Connection @i ends from our side: the user closes it (or shuts down its
 * sending side, @hold), the peer acknowledges the FIN with its own, and
 * must get the ACK of that FIN.
 */
static int end_conn(struct _test_data_orphans *self, int i, bool hold)
{
	struct xtcp_peer *c = &self->c[i];

	if (hold) {
		if (shutdown(self->fd[i], SHUT_WR) || peer_expect_fin(c))
			return -1;
	} else if (close_conn(self, i)) {
		return -1;
	}
	return peer_fin(c, c->snd_nxt);
}

/* A TIME_WAIT is not an orphan: max_orphans 1 still allows one more. */
TEST_F(orphans, max_orphans_1__time_wait_and_an_orphan__no_rst)
{
	ASSERT_EQ(0, xtcp_sysctl_set("max_orphans", 1));
	ASSERT_EQ(0, open_conn(self, 0));
	ASSERT_EQ(0, open_conn(self, 1));
	ASSERT_EQ(0, end_conn(self, 0, false));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(&self->c[0]));

	ASSERT_EQ(0, close_conn(self, 1));
	ASSERT_EQ(0, peer_expect_none(&self->c[1]));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(&self->c[1]));
}

/*
 * max_tw_buckets 1: a TIME_WAIT held by its process fills it, as an
 * orphan's does; the next connection to get there ends without one, no
 * RST; and once the TIME_WAIT is over (2 MSL of 0.5 s), there is room.
 */
TEST_F(orphans, max_tw_buckets_1__second_time_wait__closed)
{
	long long over, rsts;
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("max_tw_buckets", 1));
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 500));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, open_conn(self, i));
	over = xtcp_counter("TimeWaitOverflow");
	rsts = xtcp_counter("OutRsts");

	ASSERT_EQ(0, end_conn(self, 0, true));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(&self->c[0]));
	ASSERT_EQ(0, end_conn(self, 1, false));
	EXPECT_TRUE(peer_wait_state(&self->c[1], 0));
	EXPECT_EQ(over + 1, xtcp_counter("TimeWaitOverflow"));

	/* Its process closing it leaves the TIME_WAIT where it was. */
	close(self->fd[0]);
	self->fd[0] = -1;
	ASSERT_EQ(0, end_conn(self, 2, false));
	EXPECT_TRUE(peer_wait_state(&self->c[2], 0));
	EXPECT_EQ(over + 2, xtcp_counter("TimeWaitOverflow"));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(&self->c[0]));
	/* No RST (the check of silence sends one of its own). */
	EXPECT_EQ(rsts, xtcp_counter("OutRsts"));
	EXPECT_EQ(0, peer_expect_none(&self->c[1]));

	ASSERT_TRUE(peer_wait_state(&self->c[0], 0));
	ASSERT_EQ(0, end_conn(self, 3, false));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(&self->c[3]));
	EXPECT_EQ(over + 2, xtcp_counter("TimeWaitOverflow"));
}

TEST_HARNESS_MAIN
