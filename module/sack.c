// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver's SACK blocks (RFC 2018) and D-SACK (RFC 2883).
 *
 * An ACK that leaves a hole tells the sender which blocks beyond RCV.NXT
 * have arrived.  RFC 2018 section 4: the first block is the one that holds
 * the segment that triggered the ACK, the others repeat the most recently
 * reported ones, so that each block is reported in several ACKs.  A
 * duplicate segment is reported once, in a D-SACK block in front of the
 * others (RFC 2883 section 4): the sender learns that a retransmission
 * was needless.
 */

#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "xtcp.h"

/* The run of touching out-of-order segments that holds @seq, or false. */
static bool xtcp_ofo_run(struct sock *sk, u32 seq, struct xtcp_sack_block *b)
{
	struct sk_buff *skb = xtcp_ofo_floor(sk, seq), *s;

	/* Queued segments do not overlap: only the floor can hold @seq. */
	if (!skb || !xtcp_before(seq, XTCP_SKB_CB(skb)->end_seq))
		return false;
	b->start = XTCP_SKB_CB(skb)->seq;
	b->end = XTCP_SKB_CB(skb)->end_seq;
	for (s = skb_rb_prev(skb); s && XTCP_SKB_CB(s)->end_seq == b->start;
	     s = skb_rb_prev(s))
		b->start = XTCP_SKB_CB(s)->seq;
	for (s = skb_rb_next(skb); s && XTCP_SKB_CB(s)->seq == b->end;
	     s = skb_rb_next(s))
		b->end = XTCP_SKB_CB(s)->end_seq;
	return true;
}

static bool xtcp_blocks_overlap(const struct xtcp_sack_block *a,
				const struct xtcp_sack_block *b)
{
	return xtcp_before(a->start, b->end) && xtcp_before(b->start, a->end);
}

/* [@seq, @end) went to the out-of-order queue: its run is reported first. */
void xtcp_sack_ofo_queued(struct sock *sk, u32 seq, u32 end)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_sack_block run = { seq, end }, keep[XTCP_SACK_BLOCKS];
	int i, n = 0;

	/* The run may reach beyond [seq, end): neighbours are queued. */
	xtcp_ofo_run(sk, seq, &run);
	for (i = 0; i < xs->num_sacks && n < XTCP_SACK_BLOCKS - 1; i++)
		if (!xtcp_blocks_overlap(&xs->sacks[i], &run) &&
		    xs->sacks[i].start != run.end && xs->sacks[i].end != run.start)
			keep[n++] = xs->sacks[i];
	xs->sacks[0] = run;
	memcpy(&xs->sacks[1], keep, n * sizeof(keep[0]));
	xs->num_sacks = n + 1;
}

/* RCV.NXT moved: blocks it passed are acknowledged, no more selective. */
void xtcp_sack_advance(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int i, n = 0;

	for (i = 0; i < xs->num_sacks; i++)
		if (xtcp_after(xs->sacks[i].start, xs->rcv_nxt))
			xs->sacks[n++] = xs->sacks[i];
	xs->num_sacks = n;
}

/*
 * The out-of-order queue gave segments up (RFC 2018 section 8 allows it,
 * the sender keeps what it cannot see acknowledged): report only the runs
 * still whole.
 */
void xtcp_sack_ofo_pruned(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_sack_block run;
	int i, n = 0;

	for (i = 0; i < xs->num_sacks; i++)
		if (xtcp_ofo_run(sk, xs->sacks[i].start, &run) &&
		    run.start == xs->sacks[i].start &&
		    !xtcp_before(run.end, xs->sacks[i].end))
			xs->sacks[n++] = run;
	xs->num_sacks = n;
}

/* [@start, @end) arrived again: the next ACK says so, once (RFC 2883). */
void xtcp_sack_dup(struct sock *sk, u32 start, u32 end)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->dsack_pending || !xtcp_before(start, end))
		return;
	xs->dsack.start = start;
	xs->dsack.end = end;
	xs->dsack_pending = 1;
}

/* Text [@start, @end) arrived again, as far as it lies below RCV.NXT. */
void xtcp_sack_dup_below(struct sock *sk, u32 start, u32 end)
{
	u32 rcv_nxt = xtcp_sk(sk)->rcv_nxt;

	xtcp_sack_dup(sk, start, xtcp_before(end, rcv_nxt) ? end : rcv_nxt);
}

void xtcp_sack_reset(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->num_sacks = 0;
	xs->dsack_pending = 0;
}

/*
 * The blocks of the ACK about to go, at most @room of them: a pending
 * D-SACK first (RFC 2883 4), then the latest blocks.  Returns how many.
 */
int xtcp_sack_fill(struct sock *sk, struct xtcp_out_options *o, int room)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int i, n = 0;

	room = min(room, XTCP_SACK_BLOCKS);
	if (room <= 0)
		return 0;
	if (xs->dsack_pending) {
		o->sacks[n++] = xs->dsack;
		xs->dsack_pending = 0;
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DSACKSENT);
	}
	for (i = 0; i < xs->num_sacks && n < room; i++)
		o->sacks[n++] = xs->sacks[i];
	o->num_sacks = n;
	if (n)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SACKSSENT);
	return n;
}
