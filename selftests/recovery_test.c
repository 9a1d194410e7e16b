// SPDX-License-Identifier: GPL-2.0
/*
 * Loss recovery (module/recovery.c), driven by the scripted peer
 * (xtcp_peer.h).  XTCP sends its initial window of ten segments; the
 * peer plays the receiver that lost the first of them.  The RTO is 5 s
 * (peer_quiet_timers()), so a segment that comes again within
 * PEER_REPLY_MS was resent by fast retransmit, not by the timer.
 *
 * Before the third duplicate ACK, each of the first two lets one new
 * segment out (Limited Transmit, RFC 3042): it left the network.
 *
 * The recovery fixture turns RACK off (net.xtcp.recovery=0): its
 * reordering timer would make the hole lost a few milliseconds after
 * the first SACK, in the middle of the script, where these tests count
 * duplicate ACKs.  The reo fixture keeps it and tests it.
 *
 * - sack__*: RFC 6675.  Three SACKed segments above the hole make it
 *   lost: it goes again at once; recovery ends when RecoveryPoint is
 *   ACKed, with SND.CWND = SSTHRESH.
 * - reno__*: RFC 5681 3.2, RFC 6582.  Without SACK, the third duplicate
 *   ACK resends the oldest segment; a partial ACK resends the next one.
 * - undo__*: RFC 2883, RFC 3708.  A D-SACK that reports the resent
 *   segment as a duplicate undoes the window reduction; so does, with
 *   timestamps (the sack_ts variant), an ACK of the hole that echoes a
 *   TSval sent before the recovery began (RFC 3522).
 * - tail__*: RFC 8985 7.  The last segment of a flight is lost: no
 *   duplicate ACK comes, and the probe timeout (about two round trips,
 *   plus 200 ms for a lone segment) resends it long before the RTO.
 *
 * - reo__*: RFC 8985 6.3.  One segment SACKed above a hole, and no ACK
 *   after it: RACK's reordering timer makes the hole lost a reordering
 *   window later, long before the RTO (no loss probe: that is for the
 *   open state).
 *
 * - reord__*: RFC 8985 6.2, as Linux's tcp_is_rack().  Once the peer
 *   has shown reordering, DupThresh SACKed above a hole no longer makes
 *   it lost at once: RACK alone decides, after its reordering window.
 *
 * - spurious__*: RFC 3522, RFC 4015.  With timestamps, the first ACK
 *   after a timeout that echoes the original's TSval shows the timeout
 *   was needless: the window comes back, nothing else is resent.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define SEG	1000
#define IW	10
#define TOTAL	(40 * SEG)

FIXTURE(recovery) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the accepted connection */
	__u32 una;	/* XTCP's SND.UNA before the text */
	__u32 flight_tsval;	/* with timestamps: the first flight's last */
};

FIXTURE_VARIANT(recovery) {
	bool sack;	/* the peer offers SACK-permitted */
	bool ts;	/* ... and timestamps */
};

FIXTURE_VARIANT_ADD(recovery, sack) { .sack = true };
FIXTURE_VARIANT_ADD(recovery, reno) { .sack = false };
FIXTURE_VARIANT_ADD(recovery, sack_ts) { .sack = true, .ts = true };

FIXTURE_SETUP(recovery)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/* Reno halves the window: the numbers below are Reno's. */
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "reno"));
	ASSERT_EQ(0, peer_quiet_timers());
	/*
	 * Neither RACK's reordering timer nor the loss probe (10 ms after
	 * the flight when nothing comes back) may fire mid-script on a slow
	 * VM: the scripts drive recovery with ACKs alone.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("recovery", 0));
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	self->p.sack = variant->sack;
	self->p.ts = variant->ts;
	/* Segments of SEG bytes beside the 12 of the option. */
	self->fd = peer_open_sender(&self->p, XPORT, PPORT,
				    SEG + (variant->ts ? 12 : 0), TOTAL,
				    &self->lfd);
	ASSERT_LE(0, self->fd);
	self->una = self->p.snd_nxt;
	ASSERT_EQ(0, peer_expect_run(&self->p, self->una, IW, SEG));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	self->flight_tsval = self->p.ts_recent;
}

FIXTURE_TEARDOWN(recovery)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/*
 * The peer ACKs up to @ack bytes of XTCP's text; with SACK, it holds
 * [@start, @end) beyond (none if @start == @end), and @dup_start/@dup_end
 * as a D-SACK first block if they differ.
 */
static int ack_sack(struct _test_data_recovery *self, unsigned int ack,
		    unsigned int start, unsigned int end,
		    unsigned int dup_start, unsigned int dup_end)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg a;

	peer_seg_init(p, &a, PEER_ACK, p->rcv_nxt, self->una + ack, NULL, 0);
	if (p->sack && dup_start != dup_end) {
		a.sacks[a.num_sacks][0] = self->una + dup_start;
		a.sacks[a.num_sacks][1] = self->una + dup_end;
		a.num_sacks++;
	}
	if (p->sack && start != end) {
		a.sacks[a.num_sacks][0] = self->una + start;
		a.sacks[a.num_sacks][1] = self->una + end;
		a.num_sacks++;
	}
	return peer_xmit(p, &a, false);
}

/*
 * Segments @from..@upto (counted from 1) arrived, the first did not: a
 * duplicate ACK for each, SACKing segments 2..it with SACK.
 */
static int dupacks(struct _test_data_recovery *self, int from, int upto)
{
	int i;

	for (i = from; i <= upto; i++)
		if (ack_sack(self, 0, SEG, i * SEG, 0, 0))
			return -1;
	return 0;
}

/* The next segment XTCP sends is a full one at @off bytes past @una. */
static int expect_at(struct xtcp_peer *p, __u32 una, unsigned int off)
{
	struct peer_seg s;

	if (peer_recv(p, &s, PEER_REPLY_MS)) {
		peer_log("no segment at offset %u within %d ms", off,
			 PEER_REPLY_MS);
		return -1;
	}
	if (s.seq != una + off || s.len != SEG) {
		peer_log("SEQ %u len %u, expected offset %u (SEQ %u)", s.seq,
			 s.len, off, una + off);
		return -1;
	}
	return 0;
}

static int expect_seg(struct _test_data_recovery *self, unsigned int off)
{
	return expect_at(&self->p, self->una, off);
}

/*
 * Segments 2..4 arrive, not the first: two duplicate ACKs let two new
 * segments out (Limited Transmit), the third resends the first.
 */
static int enter_recovery(struct _test_data_recovery *self)
{
	if (dupacks(self, 2, 3) || expect_seg(self, IW * SEG) ||
	    expect_seg(self, (IW + 1) * SEG) || peer_expect_none(&self->p))
		return -1;
	return dupacks(self, 4, 4) || expect_seg(self, 0);
}

/* SND.CWND and SSTHRESH of @fd, from XTCP_INFO; 0 if it fails. */
static __u32 cwnd(int fd)
{
	struct xtcp_info info;

	return xtcp_get_info(fd, &info) ? 0 : info.xtcpi_snd_cwnd;
}

static __u32 ssthresh(int fd)
{
	struct xtcp_info info;

	return xtcp_get_info(fd, &info) ? 0 : info.xtcpi_snd_ssthresh;
}

/* Three duplicate ACKs (or three SACKed segments) resend the hole at once. */
TEST_F(recovery, third_dupack__fast_retransmit)
{
	const char *kind = variant->sack ? "SackRecovery" : "RenoRecovery";
	long long fast = XTCP_COUNTER("FastRetrans");
	long long dup = XTCP_COUNTER("DupAcksRecv");
	long long rec = XTCP_COUNTER(kind);

	/* Two: reordering is still possible, nothing goes again. */
	ASSERT_EQ(0, dupacks(self, 2, 3));
	ASSERT_EQ(0, expect_seg(self, IW * SEG));
	ASSERT_EQ(0, expect_seg(self, (IW + 1) * SEG));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	EXPECT_EQ(rec, XTCP_COUNTER(kind));
	/* The third: the oldest is lost. */
	ASSERT_EQ(0, dupacks(self, 4, 4));
	ASSERT_EQ(0, expect_seg(self, 0));
	EXPECT_EQ(fast + 1, XTCP_COUNTER("FastRetrans"));
	EXPECT_EQ(rec + 1, XTCP_COUNTER(kind));
	EXPECT_LE(dup + 3, XTCP_COUNTER("DupAcksRecv"));
	/*
	 * SSTHRESH is half of the ten in flight, Limited Transmit left out
	 * (RFC 5681 3.2 step 2).
	 */
	EXPECT_EQ(IW / 2, ssthresh(self->fd));
}

/*
 * Recovery ends when RecoveryPoint (SND.NXT when it began, the end of
 * the twelfth segment) is ACKed: SND.CWND is SSTHRESH.
 */
TEST_F(recovery, full_ack__ends_with_cwnd_ssthresh)
{
	int i;

	ASSERT_EQ(0, enter_recovery(self));
	/* The rest arrive: PRR lets new text out as they are delivered. */
	for (i = 5; i <= IW + 2; i++)
		ASSERT_EQ(0, ack_sack(self, 0, SEG, i * SEG, 0, 0));
	while (!peer_recv(&self->p, &(struct peer_seg){}, 300))
		;
	ASSERT_EQ(0, ack_sack(self, (IW + 2) * SEG, 0, 0, 0, 0));
	ASSERT_EQ(0, peer_settle(&self->p));
	EXPECT_EQ(IW / 2, cwnd(self->fd));
	EXPECT_EQ(IW / 2, ssthresh(self->fd));
}

/* NewReno's partial ACK (RFC 6582 3.2 step 3): the next hole goes at once. */
TEST_F(recovery, partial_ack__next_hole_resent)
{
	long long fast = XTCP_COUNTER("FastRetrans");

	ASSERT_EQ(0, enter_recovery(self));
	/*
	 * The resent first arrives, and all after it but the fifth: with
	 * SACK the fifth is lost at once (IsLost); without, the
	 * partial ACK makes it lost and PRR lets it go on the next
	 * duplicate ACK.  Nothing else is resent.
	 */
	ASSERT_EQ(0, ack_sack(self, 4 * SEG, 5 * SEG, (IW + 2) * SEG, 0, 0));
	ASSERT_EQ(0, ack_sack(self, 4 * SEG, 5 * SEG, (IW + 2) * SEG, 0, 0));
	ASSERT_EQ(0, expect_seg(self, 4 * SEG));
	EXPECT_EQ(fast + 2, XTCP_COUNTER("FastRetrans"));
}

/*
 * The first segment was only delayed: the peer reports the resent copy
 * as a duplicate (D-SACK), so the reduction is undone when recovery
 * ends.  Without SACK there is no D-SACK and the reduction stays.
 */
TEST_F(recovery, undo__dsack_restores_the_window)
{
	long long undo = XTCP_COUNTER("DSackUndo");

	ASSERT_EQ(0, enter_recovery(self));
	/* Everything arrives, the first twice. */
	ASSERT_EQ(0, ack_sack(self, (IW + 2) * SEG, 0, 0, 0, SEG));
	ASSERT_EQ(0, peer_settle(&self->p));
	if (variant->sack) {
		EXPECT_EQ(undo + 1, XTCP_COUNTER("DSackUndo"));
		EXPECT_LE(IW, cwnd(self->fd));
		EXPECT_EQ(~0U, ssthresh(self->fd));
	} else {
		EXPECT_EQ(undo, XTCP_COUNTER("DSackUndo"));
		EXPECT_EQ(IW / 2, cwnd(self->fd));
	}
}

/*
 * The first segment was only late: the ACK of everything echoes the first
 * flight's TSval.  With timestamps that undoes the recovery (EifelUndo);
 * without them nothing tells the original from the resend.
 */
TEST_F(recovery, undo__original_echoed)
{
	long long undo = XTCP_COUNTER("EifelUndo");
	struct peer_seg a;

	ASSERT_EQ(0, enter_recovery(self));
	peer_seg_init(&self->p, &a, PEER_ACK, self->p.rcv_nxt,
		      self->una + (IW + 2) * SEG, NULL, 0);
	a.tsecr = self->flight_tsval;
	ASSERT_EQ(0, peer_xmit(&self->p, &a, false));
	ASSERT_EQ(0, peer_settle(&self->p));
	if (variant->ts) {
		EXPECT_EQ(undo + 1, XTCP_COUNTER("EifelUndo"));
		EXPECT_LE(IW, cwnd(self->fd));
		EXPECT_EQ(~0U, ssthresh(self->fd));
	} else {
		EXPECT_EQ(undo, XTCP_COUNTER("EifelUndo"));
		EXPECT_EQ(IW / 2, ssthresh(self->fd));
	}
}

/* A first flight of IW segments, nothing ACKed yet, with SACK. */
FIXTURE(reo) {
	struct xtcp_peer p;
	int lfd, fd;
	__u32 una;
};

/* That flight; after peer_setup(), for the reo and reord fixtures. */
static int reo_flight(struct xtcp_peer *p, int *lfd, __u32 *una)
{
	int fd;

	/* Reno halves the window: the numbers below are Reno's. */
	if (xtcp_sysctl_set_str("congestion_control", "reno") ||
	    peer_quiet_timers())
		return -1;
	p->sack = true;
	fd = peer_open_sender(p, XPORT, PPORT, SEG, TOTAL, lfd);
	if (fd < 0)
		return -1;
	*una = p->snd_nxt;
	if (peer_expect_run(p, *una, IW, SEG)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(reo)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	self->fd = reo_flight(&self->p, &self->lfd, &self->una);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(reo)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/*
 * The second segment arrives, not the first, and then nothing: one SACKed
 * segment is not DupThresh, but RACK's timer marks the first lost a
 * reordering window after the second was delivered, and recovery resends
 * it, where before only the 5 s RTO would have.
 */
TEST_F(reo, lone_sack__hole_resent_by_timer)
{
	long long reo = XTCP_COUNTER("RackReoTimeouts");
	long long fast = XTCP_COUNTER("FastRetrans");
	long long rec = XTCP_COUNTER("SackRecovery");
	struct xtcp_peer *p = &self->p;
	struct peer_seg a;

	peer_seg_init(p, &a, PEER_ACK, p->rcv_nxt, self->una, NULL, 0);
	a.sacks[0][0] = self->una + SEG;
	a.sacks[0][1] = self->una + 2 * SEG;
	a.num_sacks = 1;
	ASSERT_EQ(0, peer_xmit(p, &a, false));
	/* Limited Transmit: one new segment at once. */
	ASSERT_EQ(0, expect_at(p, self->una, IW * SEG));
	/* Then, with no ACK in between, the hole. */
	ASSERT_EQ(0, expect_at(p, self->una, 0));
	/*
	 * At least one: a timer armed while jiffies lagged the clock (a
	 * stalled tick on the debug kernel) fires early, finds the hole not
	 * yet overdue and arms again.
	 */
	EXPECT_LE(reo + 1, XTCP_COUNTER("RackReoTimeouts"));
	EXPECT_EQ(rec + 1, XTCP_COUNTER("SackRecovery"));
	EXPECT_EQ(fast + 1, XTCP_COUNTER("FastRetrans"));
	ASSERT_EQ(0, peer_expect_none(p));
}

/*
 * The same flight, with RACK off (net.xtcp.recovery=0) and no loss probe
 * until the test turns RACK on: the peer shows reordering first, with
 * no timer of RACK's racing its script.
 */
FIXTURE(reord) {
	struct xtcp_peer p;
	int lfd, fd;
	__u32 una;
};

FIXTURE_SETUP(reord)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, xtcp_sysctl_set("recovery", 0));
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	self->fd = reo_flight(&self->p, &self->lfd, &self->una);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(reord)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/*
 * Segment 3 arrives before 1 and 2: the peer reorders.  Later four
 * segments are SACKed above the hole at segment 4: DupThresh, but with
 * RACK on RACK alone decides (as Linux's tcp_is_rack()), and it gives a
 * peer that reorders its reordering window.  So new text goes first, on
 * that ACK, and the hole after it, when RACK's timer finds it overdue;
 * IsLost would have resent the hole at once, before any new text.
 */
TEST_F(reord, shown__dupthresh_waits_for_rack)
{
	long long shown = XTCP_COUNTER("RackReorder");
	long long fast = XTCP_COUNTER("FastRetrans");
	long long reo = XTCP_COUNTER("RackReoTimeouts");
	struct xtcp_peer *p = &self->p;
	unsigned int fresh = 0;
	struct peer_seg a, s;

	/* Segment 3, SACKed: Limited Transmit lets one new segment out. */
	peer_seg_init(p, &a, PEER_ACK, p->rcv_nxt, self->una, NULL, 0);
	a.sacks[0][0] = self->una + 2 * SEG;
	a.sacks[0][1] = self->una + 3 * SEG;
	a.num_sacks = 1;
	ASSERT_EQ(0, peer_xmit(p, &a, false));
	ASSERT_EQ(0, expect_at(p, self->una, IW * SEG));
	/* Then 1 and 2: delivered below a segment delivered before. */
	peer_seg_init(p, &a, PEER_ACK, p->rcv_nxt, self->una + 3 * SEG,
		      NULL, 0);
	ASSERT_EQ(0, peer_xmit(p, &a, false));
	ASSERT_EQ(0, peer_settle(p));
	EXPECT_EQ(shown + 1, XTCP_COUNTER("RackReorder"));

	/* Segments 5 to 8 above the hole at 4, RACK on. */
	ASSERT_EQ(0, xtcp_sysctl_set("recovery", 1));
	peer_seg_init(p, &a, PEER_ACK, p->rcv_nxt, self->una + 3 * SEG,
		      NULL, 0);
	a.sacks[0][0] = self->una + 4 * SEG;
	a.sacks[0][1] = self->una + 8 * SEG;
	a.num_sacks = 1;
	ASSERT_EQ(0, peer_xmit(p, &a, false));
	for (;;) {
		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		if (s.seq == self->una + 3 * SEG)
			break;
		/* Only new text may come before the hole. */
		ASSERT_LE(IW * SEG, s.seq - self->una);
		fresh++;
	}
	EXPECT_LT(0, fresh);
	EXPECT_EQ(reo + 1, XTCP_COUNTER("RackReoTimeouts"));
	EXPECT_EQ(fast + 1, XTCP_COUNTER("FastRetrans"));
}

/* A flight of four segments whose last is lost, the first three ACKed. */
FIXTURE(tail) {
	struct xtcp_peer p;
	int lfd, fd;
	__u32 una;
	/* Read before the flight: a slow kernel may probe before the test. */
	long long probes, repaired;
};

/*
 * After peer_setup(), with SACK: that flight, and the ACK of the first
 * three.  Returns XTCP's socket, or -1.
 */
static int tail_flight(struct xtcp_peer *p, int *lfd, __u32 *una)
{
	int fd;

	p->sack = true;
	fd = peer_open_sender(p, XPORT, PPORT, SEG, 4 * SEG, lfd);
	if (fd < 0)
		return -1;
	*una = p->snd_nxt;
	if (peer_expect_run(p, *una, 4, SEG) ||
	    peer_send(p, PEER_ACK, p->rcv_nxt, *una + 3 * SEG, NULL, 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(tail)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/* Reno halves the window: the numbers below are Reno's. */
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "reno"));
	ASSERT_EQ(0, peer_quiet_timers());
	self->probes = XTCP_COUNTER("TlpProbes");
	self->repaired = XTCP_COUNTER("TlpRecovery");
	self->fd = tail_flight(&self->p, &self->lfd, &self->una);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(tail)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* The probe: the last segment again, well before the 5 s RTO. */
static int expect_probe(struct _test_data_tail *self)
{
	struct peer_seg s;

	if (peer_recv(&self->p, &s, PEER_REPLY_MS)) {
		peer_log("no probe within %d ms", PEER_REPLY_MS);
		return -1;
	}
	if (s.seq != self->una + 3 * SEG || s.len != SEG) {
		peer_log("probe SEQ %u len %u, expected SEQ %u", s.seq, s.len,
			 self->una + 3 * SEG);
		return -1;
	}
	return 0;
}

/* The probe repaired the loss: the window is reduced as for one. */
TEST_F(tail, lost__probe_repairs_and_reduces)
{
	ASSERT_EQ(0, expect_probe(self));
	EXPECT_EQ(self->probes + 1, XTCP_COUNTER("TlpProbes"));
	ASSERT_EQ(0, peer_send(&self->p, PEER_ACK, self->p.rcv_nxt,
			       self->una + 4 * SEG, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	EXPECT_EQ(self->repaired + 1, XTCP_COUNTER("TlpRecovery"));
	EXPECT_NE(~0U, ssthresh(self->fd));
}

/* The last segment had arrived; the D-SACK says so: nothing changes. */
TEST_F(tail, dsacked__no_reduction)
{
	struct peer_seg a;

	ASSERT_EQ(0, expect_probe(self));
	peer_seg_init(&self->p, &a, PEER_ACK, self->p.rcv_nxt,
		      self->una + 4 * SEG, NULL, 0);
	a.num_sacks = 1;
	a.sacks[0][0] = self->una + 3 * SEG;
	a.sacks[0][1] = self->una + 4 * SEG;
	ASSERT_EQ(0, peer_xmit(&self->p, &a, false));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	EXPECT_EQ(self->repaired, XTCP_COUNTER("TlpRecovery"));
	EXPECT_EQ(~0U, ssthresh(self->fd));
}

/*
 * net.xtcp.early_retrans below 3 (as net.ipv4.tcp_early_retrans): no
 * probe; the lost tail waits for the RTO (5 s, peer_quiet_timers()).
 */
TEST(tail_early_retrans_off__no_probe)
{
	struct xtcp_peer p;
	struct peer_seg s;
	int lfd = -1, fd;
	long long probes;
	__u32 una;

	ASSERT_EQ(0, peer_setup(&p));
	/* Counted in the peer's own netns, which peer_setup() entered. */
	probes = XTCP_COUNTER("TlpProbes");
	ASSERT_EQ(0, peer_quiet_timers());
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 2));
	fd = tail_flight(&p, &lfd, &una);
	ASSERT_LE(0, fd);
	/* A probe would come within PEER_REPLY_MS; the RTO comes later. */
	EXPECT_NE(0, peer_recv(&p, &s, PEER_REPLY_MS));
	EXPECT_EQ(probes, XTCP_COUNTER("TlpProbes"));
	ASSERT_EQ(0, peer_recv(&p, &s, 5000 + PEER_REPLY_MS));
	EXPECT_EQ(una + 3 * SEG, s.seq);
	EXPECT_EQ(SEG, s.len);
	close(fd);
	close(lfd);
	peer_close(&p);
}

/*
 * Ten segments, all of which arrive, but their ACK is late: the timeout
 * (300 ms) resends the first.  first_tsval is the original's TSval.
 */
FIXTURE(spurious) {
	struct xtcp_peer p;
	int lfd, fd;
	__u32 una, first_tsval;
};

FIXTURE_SETUP(spurious)
{
	struct peer_seg s;
	int i;

	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/* Reno halves the window: the numbers below are Reno's. */
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "reno"));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 300));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 300));
	self->p.sack = true;
	self->p.ts = true;
	/* Segments of SEG bytes beside the 12 of the option. */
	self->fd = peer_open_sender(&self->p, XPORT, PPORT, SEG + 12,
				    IW * SEG, &self->lfd);
	ASSERT_LE(0, self->fd);
	self->una = self->p.snd_nxt;
	for (i = 0; i < IW; i++) {
		ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
		ASSERT_EQ(self->una + i * SEG, s.seq);
		ASSERT_TRUE(s.ts);
		if (!i)
			self->first_tsval = s.tsval;
	}
	/*
	 * The timeout: the first again, with a later TSval; a loss probe of
	 * the last (tlp.c) comes before it.
	 */
	ASSERT_EQ(0, peer_recv(&self->p, &s, 3000));
	if (s.seq == self->una + (IW - 1) * SEG)
		ASSERT_EQ(0, peer_recv(&self->p, &s, 3000));
	ASSERT_EQ(self->una, s.seq);
	ASSERT_NE(self->first_tsval, s.tsval);
}

FIXTURE_TEARDOWN(spurious)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* The peer ACKs everything, echoing @tsecr. */
static int ack_all_echo(struct _test_data_spurious *self, __u32 tsecr)
{
	struct peer_seg a;

	peer_seg_init(&self->p, &a, PEER_ACK, self->p.rcv_nxt,
		      self->una + IW * SEG, NULL, 0);
	a.tsecr = tsecr;
	return peer_xmit(&self->p, &a, false);
}

/* The ACK echoes the original: Eifel undoes the timeout. */
TEST_F(spurious, original_echoed__undone)
{
	long long undone = XTCP_COUNTER("SpuriousRtos");

	ASSERT_EQ(0, ack_all_echo(self, self->first_tsval));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	EXPECT_EQ(undone + 1, XTCP_COUNTER("SpuriousRtos"));
	EXPECT_LE(IW, cwnd(self->fd));
	EXPECT_EQ(~0U, ssthresh(self->fd));
}

/* The ACK echoes the resend: the timeout stands. */
TEST_F(spurious, resend_echoed__kept)
{
	long long undone = XTCP_COUNTER("SpuriousRtos");

	ASSERT_EQ(0, ack_all_echo(self, self->p.ts_recent));
	ASSERT_EQ(0, peer_settle(&self->p));
	EXPECT_EQ(undone, XTCP_COUNTER("SpuriousRtos"));
	EXPECT_EQ(IW / 2, ssthresh(self->fd));
}

TEST_HARNESS_MAIN
