// SPDX-License-Identifier: GPL-2.0
/*
 * RACK, time-based loss detection (RFC 8985 section 6), with SACK.
 *
 * Counting SACKed segments (recovery.c, RFC 6675 IsLost) cannot see a
 * resend that is lost again: the segments above it were SACKed long ago.
 * RACK compares send times instead.  It remembers the most recently sent
 * segment that was delivered (ACKed or SACKed) and the round trip it
 * took; a segment sent before it, not delivered one round trip and a
 * reordering window after it was sent, is lost, whether it is an
 * original or a resend.
 *
 * The reordering window (RFC 8985 6.2 step 4) is a quarter of the least
 * RTT seen, one more quarter for each round trip in which a D-SACK
 * showed a resend needless, at most SRTT; 16 recoveries without a D-SACK
 * shrink it back.  Until the peer has shown reordering (a segment
 * delivered below one delivered before), it is zero once a loss is
 * certain.  How far below the highest it was delivered also raises
 * DupThresh for IsLost (recovery.c), up to 300 segments, as Linux's
 * tp->reordering.
 *
 * A segment not yet overdue when an ACK looks arms the reordering timer
 * (RFC 8985 6.3) for when the last of them will be, so that a loss
 * inside the reordering window with no ACK after it does not wait for
 * the loss probe or the RTO.
 */

#include "xtcp.h"

/* A segment was delivered @distance bytes below the highest delivered. */
static void xtcp_rack_reordered(struct sock *sk, u32 distance)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 segs = DIV_ROUND_UP(distance, max_t(u32, xs->mss, 1));

	if (!xs->rack_reordering)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RACKREORDER);
	xs->rack_reordering = 1;
	if (segs > xs->reordering)
		xs->reordering = min_t(u32, segs, XTCP_MAX_REORDERING);
}

/* A D-SACK: widen the reordering window, once per round trip. */
void xtcp_rack_dsack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rack_reo_persist = 16;
	if (time_before(jiffies, xs->rack_dsack_stamp +
				 usecs_to_jiffies(xs->srtt_us)))
		return;
	xs->rack_dsack_stamp = jiffies;
	if (xs->rack_reo_steps < U8_MAX)
		xs->rack_reo_steps++;
}

/*
 * An ACK showed that a segment presumed lost was only late (recovery.c,
 * Eifel): reordering, and a wider window, as a D-SACK would.
 */
void xtcp_rack_late_original(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->rack_reordering)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RACKREORDER);
	xs->rack_reordering = 1;
	xtcp_rack_dsack(sk);
}

/* A recovery began: 16 in a row without a D-SACK shrink the window back. */
void xtcp_rack_recovery(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->rack_reo_persist && !--xs->rack_reo_persist)
		xs->rack_reo_steps = 1;
}

/*
 * [@seq, @end_seq) of @skb was just delivered, ACKed or SACKed (RFC 8985
 * 6.2 step 2): all of it, or the head a cumulative ACK took from it.  A
 * resend delivered sooner than the minimum RTT after it went can only be
 * the ACK of the original: it tells nothing of when what was sent.
 */
void xtcp_rack_delivered(struct sock *sk, const struct sk_buff *skb,
			 u32 seq, u32 end_seq)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rtt = xtcp_now_us(xs) - cb->xmit_us;

	if (!cb->retransmitted) {
		if (!xs->rack_min_rtt_us || rtt < xs->rack_min_rtt_us)
			xs->rack_min_rtt_us = max(rtt, 1U);
		/* Step 3: delivered below what was delivered before. */
		if (xs->rack_fack_valid &&
		    xtcp_before(end_seq, xs->rack_fack))
			xtcp_rack_reordered(sk, xs->rack_fack - seq);
	} else if (rtt < xs->rack_min_rtt_us) {
		return;
	}
	if (!xs->rack_fack_valid || xtcp_after(end_seq, xs->rack_fack)) {
		xs->rack_fack = end_seq;
		xs->rack_fack_valid = 1;
	}
	/* Sent together, the rest of @skb counts as sent after this part. */
	if (!xs->rack_valid || xtcp_after(cb->xmit_us, xs->rack_xmit_us) ||
	    (cb->xmit_us == xs->rack_xmit_us &&
	     xtcp_after(end_seq, xs->rack_end_seq))) {
		xs->rack_xmit_us = cb->xmit_us;
		xs->rack_end_seq = end_seq;
		xs->rack_rtt_us = rtt;
		xs->rack_valid = 1;
	}
}

/*
 * RFC 8985 6.2 step 4: until the peer has shown reordering, none is
 * waited for once a loss is certain (in recovery, or DupThresh SACKed).
 */
static u32 xtcp_rack_reo_wnd(const struct xtcp_sock *xs)
{
	if (!xs->rack_reordering && (xs->ca_state >= XTCP_CA_RECOVERY ||
				     xs->sacked_out >= xs->reordering))
		return 0;
	return min(xs->rack_min_rtt_us / 4 * xs->rack_reo_steps, xs->srtt_us);
}

/*
 * RFC 8985 6.2 step 5: every segment in flight sent before the most
 * recently delivered one, and not delivered a round trip and the
 * reordering window after it was sent, is lost.  A lost resend is
 * counted (LostRetransmit) and may go again.  If some are not overdue
 * yet, the reordering timer waits for the last of them: one timeout
 * then finds them all (as Linux's tcp_rack_detect_loss()).
 */
void xtcp_rack_detect_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = xtcp_now_us(xs), wait, reo_us = 0;
	struct sk_buff *skb;
	s32 remaining;

	if (!xs->rack_valid || !xtcp_rack_on(sk))
		return;
	wait = xs->rack_rtt_us + xtcp_rack_reo_wnd(xs);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->end_seq, xs->snd_nxt))
			break;
		if (cb->sacked || (cb->lost && !cb->rexmit))
			continue;
		if (!xtcp_after(xs->rack_xmit_us, cb->xmit_us) &&
		    !(xs->rack_xmit_us == cb->xmit_us &&
		      xtcp_after(xs->rack_end_seq, cb->end_seq)))
			continue;
		remaining = cb->xmit_us + wait - now;
		if (remaining > 0) {
			reo_us = max_t(u32, reo_us, remaining);
			continue;
		}
		if (cb->rexmit) {
			xtcp_skb_rexmit_lost(sk, skb);
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LOSTRETRANSMIT);
		} else {
			xtcp_skb_mark_lost(sk, skb);
		}
	}
	if (reo_us)
		xtcp_arm_reo(sk, reo_us);
}
