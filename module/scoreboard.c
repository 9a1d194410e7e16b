// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's SACK scoreboard (RFC 2018, RFC 6675 section 4): which of
 * the segments in flight the peer holds, from the SACK blocks of its ACKs.
 *
 * A block is taken only if it lies inside [SND.UNA, SND.NXT]; a first
 * block below the cumulative ACK, or inside the second block, is a D-SACK
 * (RFC 2883 section 4) and reports a duplicate instead.  A segment wholly
 * inside a block is marked SACKed: a timeout does not send it again.  A
 * receiver may renege (RFC 2018 section 8, ofo.c prunes): if a timeout
 * finds the oldest segment SACKed, its marks are cleared, as Linux does.
 */

#include <linux/skbuff.h>
#include <asm/unaligned.h>

#include "xtcp.h"

/*
 * The segment after @skb (the first if NULL) that was sent at least once,
 * SND.NXT not passed: after a timeout send_head is rewound, yet what lies
 * beyond it was sent and may be SACKed.
 */
static struct sk_buff *xtcp_sent_next(struct sock *sk, struct sk_buff *skb)
{
	if (!skb)
		skb = skb_peek(&sk->sk_write_queue);
	else if (skb_queue_is_last(&sk->sk_write_queue, skb))
		skb = NULL;
	else
		skb = skb->next;
	if (skb && xtcp_after(XTCP_SKB_CB(skb)->end_seq, xtcp_sk(sk)->snd_nxt))
		return NULL;
	return skb;
}

/*
 * Mark what [@start, @end) covers SACKed; returns how many segments are
 * new.  A multi-segment skb the block covers in part is cut at the
 * block's edges first, so that each skb is SACKed whole or not at all.
 */
static u32 xtcp_sack_mark(struct sock *sk, u32 start, u32 end)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	u32 newly = 0;

	for (skb = xtcp_sent_next(sk, NULL); skb; skb = xtcp_sent_next(sk, skb)) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (!xtcp_after(cb->end_seq, start) || cb->sacked)
			continue;
		if (!xtcp_before(cb->seq, end))
			break;
		/* Begins below the block: the part inside is the next skb. */
		if (xtcp_before(cb->seq, start)) {
			xtcp_split(sk, skb, start - cb->seq);
			continue;
		}
		if (xtcp_after(cb->end_seq, end) &&
		    xtcp_split(sk, skb, end - cb->seq))
			break;
		cb->sacked = 1;
		xs->sacked_out += cb->segs;
		newly += cb->segs;
		xtcp_rack_delivered(sk, skb, cb->seq, cb->end_seq);
		xtcp_rate_skb_delivered(sk, skb, skb->len);
		/* Neither lost nor in flight again any more. */
		if (cb->lost) {
			cb->lost = 0;
			xs->lost_out -= cb->segs;
		}
		if (cb->rexmit) {
			cb->rexmit = 0;
			xs->retrans_out -= cb->segs;
		}
	}
	return newly;
}

/* RFC 2883 4: a first block inside the second one is a D-SACK too. */
static bool xtcp_first_inside_second(const struct xtcp_in_options *o,
				     u32 start, u32 end)
{
	u32 start2 = get_unaligned_be32(o->sack + XTCPOLEN_SACK_PERBLOCK);
	u32 end2 = get_unaligned_be32(o->sack + XTCPOLEN_SACK_PERBLOCK + 4);

	return !xtcp_before(start, start2) && !xtcp_after(end, end2);
}

/*
 * The SACK option of an ACK for SEG.ACK @ack, after SND.UNA moved: what
 * it newly marks SACKed is delivered, and whether it holds a D-SACK.
 */
void xtcp_sacktag(struct sock *sk, u32 ack, const struct xtcp_in_options *o,
		  struct xtcp_ack_sample *s)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 start, end;
	int i;

	for (i = 0; i < o->num_sacks; i++) {
		start = get_unaligned_be32(o->sack + i * XTCPOLEN_SACK_PERBLOCK);
		end = get_unaligned_be32(o->sack + i * XTCPOLEN_SACK_PERBLOCK + 4);

		if (!i && (xtcp_before(start, ack) ||
			   (o->num_sacks > 1 &&
			    xtcp_first_inside_second(o, start, end)))) {
			XTCP_INC_STATS(net, XTCP_MIB_DSACKRECV);
			xtcp_recovery_dsack(sk, start, end);
			s->dsack = true;
			continue;
		}
		if (!xtcp_before(start, end) ||
		    xtcp_before(start, xs->snd_una) ||
		    xtcp_after(end, xs->snd_nxt)) {
			XTCP_INC_STATS(net, XTCP_MIB_SACKDISCARD);
			continue;
		}
		XTCP_INC_STATS(net, XTCP_MIB_SACKBLOCKSRECV);
		s->delivered += xtcp_sack_mark(sk, start, end);
	}
}

/*
 * A timeout: if the oldest segment is SACKed yet not acknowledged, the
 * receiver has reneged and no mark can be trusted (RFC 2018 section 8).
 */
void xtcp_sack_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || !XTCP_SKB_CB(skb)->sacked)
		return;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SACKRENEGING);
	for (skb = xtcp_sent_next(sk, NULL); skb; skb = xtcp_sent_next(sk, skb))
		XTCP_SKB_CB(skb)->sacked = 0;
	xs->sacked_out = 0;
}

/*
 * A timeout: every segment sent and not SACKed is presumed lost, and no
 * retransmission is in flight any more (RFC 6675 5.1, RFC 5681 3.1).
 */
void xtcp_mark_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	xs->lost_out = 0;
	xs->retrans_out = 0;
	for (skb = xtcp_sent_next(sk, NULL); skb; skb = xtcp_sent_next(sk, skb)) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		cb->rexmit = 0;
		cb->lost = !cb->sacked;
		if (cb->lost)
			xs->lost_out += cb->segs;
	}
}

/* @skb, sent and neither SACKed nor lost, is presumed lost now. */
void xtcp_skb_mark_lost(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->lost || cb->sacked)
		return;
	cb->lost = 1;
	xtcp_sk(sk)->lost_out += cb->segs;
}

/* The resend of @skb, lost itself, is no longer in flight. */
void xtcp_skb_rexmit_lost(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (!cb->rexmit)
		return;
	cb->rexmit = 0;
	xtcp_sk(sk)->retrans_out -= cb->segs;
}

/*
 * A timeout proved needless (recovery.c): nothing is presumed lost, and
 * what the timeout rewound is in flight still, so sending goes on from
 * SND.NXT.
 */
void xtcp_unmark_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	for (skb = xtcp_sent_next(sk, NULL); skb; skb = xtcp_sent_next(sk, skb))
		XTCP_SKB_CB(skb)->lost = 0;
	xs->lost_out = 0;
	while ((skb = xs->send_head) &&
	       !xtcp_after(XTCP_SKB_CB(skb)->end_seq, xs->snd_nxt))
		xs->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
				NULL : skb->next;
}

/* @skb, sent before, goes out again. */
void xtcp_skb_resent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->lost && !cb->rexmit) {
		cb->rexmit = 1;
		xtcp_sk(sk)->retrans_out += cb->segs;
	}
}

/* @skb leaves the retransmission queue, acknowledged. */
void xtcp_skb_acked(struct sock *sk, struct sk_buff *skb)
{
	xtcp_skb_set_segs(sk, skb, 0);
}

/*
 * The sent @skb counts as @segs segments from now on: it was cut, part
 * of it was acknowledged, or it goes again with another MSS.  What it
 * counted in the flight and the scoreboard changes with it.
 */
void xtcp_skb_set_segs(struct sock *sk, struct sk_buff *skb, u32 segs)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	s32 delta = (s32)segs - (s32)cb->segs;

	xs->packets_out = max_t(s32, (s32)xs->packets_out + delta, 0);
	if (cb->sacked)
		xs->sacked_out += delta;
	if (cb->lost)
		xs->lost_out += delta;
	if (cb->rexmit)
		xs->retrans_out += delta;
	cb->segs = segs;
}
