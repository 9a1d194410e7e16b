// SPDX-License-Identifier: GPL-2.0
/*
 * Segment text: the receive queue and the out-of-order queue.
 *
 * RFC 9293 3.10.7.4 ("seventh, process the segment text") lets a receiver
 * keep text that arrives beyond RCV.NXT for later; RFC 1122 4.2.2.20 and
 * RFC 5681 4.2 ask that every such segment, and the one that fills a
 * hole, be acknowledged at once.  Segments beyond RCV.NXT wait in a
 * red-black tree keyed by SEG.SEQ, trimmed on arrival so that no two
 * overlap, merged with their neighbours where the buffers allow, and
 * move to the receive queue as RCV.NXT reaches them.  The queue is bound
 * by the receive buffer, which first grows while autotuning lets it
 * (bufauto.c, up to net.xtcp.rmem[2]); under pressure it gives up its
 * highest segments first, as Linux's tcp_prune_ofo_queue() does, because
 * those are the ones the sender will retransmit last.
 */

#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "xtcp.h"

static u32 xtcp_text_end(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->seq + skb->len;
}

static void xtcp_ofo_erase(struct sock *sk, struct sk_buff *skb)
{
	rb_erase(&skb->rbnode, &xtcp_sk(sk)->ofo_queue);
}

/*
 * Make room for @extra bytes: grow the receive buffer if it may grow,
 * else drop the highest segments until the memory of both queues fits
 * it, or nothing above @keep (a sequence number) is left.  True if it
 * fits.
 */
static bool xtcp_ofo_prune(struct sock *sk, u32 keep, unsigned int extra)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool pruned = false;
	struct rb_node *node;

	/* A buffer that may still grow grows first (bufauto.c). */
	if (xtcp_clamp_window(sk, extra))
		return true;
	while (atomic_read(&sk->sk_rmem_alloc) + extra >
	       READ_ONCE(sk->sk_rcvbuf)) {
		struct sk_buff *skb;

		node = rb_last(&xs->ofo_queue);
		if (!node)
			break;
		skb = rb_to_skb(node);
		if (!xtcp_after(XTCP_SKB_CB(skb)->seq, keep))
			break;
		xtcp_ofo_erase(sk, skb);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOPRUNED);
		kfree_skb(skb);
		pruned = true;
	}
	if (pruned)
		xtcp_sack_ofo_pruned(sk);
	return atomic_read(&sk->sk_rmem_alloc) + extra <=
	       READ_ONCE(sk->sk_rcvbuf);
}

/*
 * Append @from to @to, which it follows in sequence, if the buffers allow
 * it without a copy of the headers; @from is consumed then.  @from may be
 * charged to the socket already: its destructor gives that back.
 */
static bool xtcp_skb_merge(struct sock *sk, struct sk_buff *to,
			   struct sk_buff *from)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(to), *fcb = XTCP_SKB_CB(from);
	bool stolen;
	int delta;

	if ((tcb->flags & XTCP_FLAG_FIN) || xtcp_text_end(to) != fcb->seq)
		return false;
	if (!skb_try_coalesce(to, from, &stolen, &delta))
		return false;
	/* @to now holds @from's memory too: charge it to the socket. */
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	tcb->end_seq = fcb->end_seq;
	tcb->flags |= fcb->flags & XTCP_FLAG_FIN;
	kfree_skb_partial(from, stolen);
	return true;
}

static bool xtcp_ofo_merge(struct sock *sk, struct sk_buff *to,
			   struct sk_buff *from)
{
	if (!xtcp_skb_merge(sk, to, from))
		return false;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
	return true;
}

/*
 * Append in-order text (it may start before RCV.NXT) to the receive
 * queue: to its last skb where the buffers allow, as TCP's
 * tcp_try_coalesce(), so that a read copies from fewer, larger skbs.
 * @skb may be freed then.
 */
static void xtcp_rcv_queue_tail(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *last = skb_peek_tail(&sk->sk_receive_queue);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 skip = xs->rcv_nxt - cb->seq;
	u32 end = xtcp_text_end(skb);

	xs->bytes_received += skb->len - skip;
	if (!skip && last && xtcp_skb_merge(sk, last, skb)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVCOALESCE);
	} else {
		cb->copied = skip;
		__skb_queue_tail(&sk->sk_receive_queue, skb);
	}
	xs->rcv_nxt = end;
}

/*
 * Trim @skb so that it starts at @seq (its head is queued already).
 * False if the segment could not be changed.
 */
static bool xtcp_trim_head(struct sk_buff *skb, u32 seq)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 n = seq - cb->seq;

	if (!pskb_pull(skb, n))
		return false;
	cb->seq = seq;
	return true;
}

/* Trim @skb so that its text ends at @end, and its FIN with it. */
static bool xtcp_trim_tail(struct sk_buff *skb, u32 end)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (pskb_trim(skb, end - cb->seq))
		return false;
	cb->flags &= ~XTCP_FLAG_FIN;
	cb->end_seq = end;
	return true;
}

/* Link @skb into the tree where its SEG.SEQ puts it. */
static void xtcp_ofo_link(struct sock *sk, struct sk_buff *skb)
{
	struct rb_node **link = &xtcp_sk(sk)->ofo_queue.rb_node, *parent = NULL;
	u32 seq = XTCP_SKB_CB(skb)->seq;

	while (*link) {
		parent = *link;
		if (xtcp_before(seq, XTCP_SKB_CB(rb_to_skb(parent))->seq))
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&skb->rbnode, parent, link);
	rb_insert_color(&skb->rbnode, &xtcp_sk(sk)->ofo_queue);
}

/* The queued segment with the highest SEG.SEQ not above @seq, or NULL. */
struct sk_buff *xtcp_ofo_floor(struct sock *sk, u32 seq)
{
	struct rb_node *node = xtcp_sk(sk)->ofo_queue.rb_node;
	struct sk_buff *best = NULL;

	while (node) {
		struct sk_buff *s = rb_to_skb(node);

		if (xtcp_before(seq, XTCP_SKB_CB(s)->seq)) {
			node = node->rb_left;
		} else {
			best = s;
			node = node->rb_right;
		}
	}
	return best;
}

/* Merge @skb, queued, with the segment after it, if they touch. */
static void xtcp_ofo_merge_next(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *next = skb_rb_next(skb);

	if (!next)
		return;
	xtcp_ofo_erase(sk, next);
	if (!xtcp_ofo_merge(sk, skb, next))
		xtcp_ofo_link(sk, next);
}

/*
 * Queue @skb, whose text starts beyond RCV.NXT.  False if it added
 * nothing or there was no room for it; the caller frees it then.
 */
static bool xtcp_ofo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *prev, *next;
	u32 seq, end;

	/* What the segment before it holds already is a duplicate. */
	prev = xtcp_ofo_floor(sk, cb->seq);
	if (prev && xtcp_after(XTCP_SKB_CB(prev)->end_seq, cb->seq)) {
		u32 pend = XTCP_SKB_CB(prev)->end_seq;

		if (!xtcp_after(cb->end_seq, pend)) {
			xtcp_sack_dup(sk, cb->seq, cb->end_seq);
			return false;
		}
		xtcp_sack_dup(sk, cb->seq, pend);
		if (!xtcp_trim_head(skb, pend))
			return false;
	}
	/* Segments it covers whole go; one it runs into keeps its text. */
	next = prev ? skb_rb_next(prev) : skb_rb_first(&xtcp_sk(sk)->ofo_queue);
	while (next && xtcp_after(cb->end_seq, XTCP_SKB_CB(next)->seq)) {
		struct xtcp_skb_cb *ncb = XTCP_SKB_CB(next);
		struct sk_buff *covered = next;

		if (xtcp_before(cb->end_seq, ncb->end_seq)) {
			xtcp_sack_dup(sk, ncb->seq, xtcp_text_end(skb));
			if (!xtcp_trim_tail(skb, ncb->seq))
				return false;
			break;
		}
		xtcp_sack_dup(sk, ncb->seq, ncb->end_seq);
		next = skb_rb_next(next);
		xtcp_ofo_erase(sk, covered);
		kfree_skb(covered);
	}
	if (!xtcp_ofo_prune(sk, cb->seq, skb->truesize)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFODROP);
		return false;
	}

	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOQUEUE);
	seq = cb->seq;
	end = cb->end_seq;
	/* Fewer, larger buffers: merge with the neighbours where possible. */
	prev = xtcp_ofo_floor(sk, seq);
	if (prev && xtcp_ofo_merge(sk, prev, skb))
		skb = prev;
	else
		xtcp_ofo_link(sk, skb);
	xtcp_ofo_merge_next(sk, skb);
	/* Its run, as it stands in the queue now, goes first in the SACKs. */
	xtcp_sack_ofo_queued(sk, seq, end);
	return true;
}

/*
 * Move what RCV.NXT has reached from the out-of-order queue to the
 * receive queue.  True if a FIN is next in sequence now.
 */
static bool xtcp_ofo_drain(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct rb_node *node;

	while ((node = rb_first(&xs->ofo_queue))) {
		struct sk_buff *skb = rb_to_skb(node);
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		bool fin;

		if (xtcp_after(cb->seq, xs->rcv_nxt))
			break;
		xtcp_ofo_erase(sk, skb);
		if (!xtcp_after(xtcp_text_end(skb), xs->rcv_nxt)) {
			/* In-order text got there first. */
			xtcp_sack_dup(sk, cb->seq, xtcp_text_end(skb));
			if (cb->flags & XTCP_FLAG_FIN &&
			    xtcp_text_end(skb) == xs->rcv_nxt) {
				kfree_skb(skb);
				return true;
			}
			kfree_skb(skb);
			continue;
		}
		fin = cb->flags & XTCP_FLAG_FIN;
		xtcp_rcv_queue_tail(sk, skb);
		if (fin)
			return true;
	}
	return false;
}

/*
 * Seventh check of RFC 9293 3.10.7.4, the segment text of @skb (in an
 * acceptable segment, in a state that takes text).  Reports what became
 * of it in @out; the skb belongs to a queue if out->queued.
 */
void xtcp_data_queue(struct sock *sk, struct sk_buff *skb,
		     struct xtcp_rcv_text *out)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 right = xs->rcv_wup + xs->rcv_wnd;
	bool had_ofo = !RB_EMPTY_ROOT(&xs->ofo_queue);

	memset(out, 0, sizeof(*out));
	if (!skb->len && !(cb->flags & XTCP_FLAG_FIN))
		return;
	/* Beyond the right window edge: trim, and the FIN with it. */
	if (xtcp_after(xtcp_text_end(skb), right)) {
		if (!xtcp_after(right, cb->seq) || !xtcp_trim_tail(skb, right))
			return;
	}
	if (xtcp_before(cb->seq, xs->rcv_nxt))
		xtcp_sack_dup_below(sk, cb->seq, xtcp_text_end(skb));

	if (xtcp_after(cb->seq, xs->rcv_nxt)) {
		/* A hole before it: hold it, and say so at once. */
		out->out_of_order = true;
		out->queued = xtcp_ofo_insert(sk, skb);
		return;
	}
	if (!xtcp_after(xtcp_text_end(skb), xs->rcv_nxt)) {
		/* All of its text is here already; its FIN may be next. */
		out->fin = (cb->flags & XTCP_FLAG_FIN) &&
			   xtcp_text_end(skb) == xs->rcv_nxt;
		return;
	}

	if (atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf) &&
	    !xtcp_ofo_prune(sk, xs->rcv_nxt, 0) &&
	    atomic_read(&sk->sk_rmem_alloc) > 2 * READ_ONCE(sk->sk_rcvbuf)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVBUFDROPS);
		return;
	}
	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	xtcp_rcv_ratio_measure(sk, skb);
	out->queued = true;
	out->fin = cb->flags & XTCP_FLAG_FIN;
	xtcp_rcv_queue_tail(sk, skb);
	if (had_ofo) {
		/* It filled a hole: the ACK goes at once (RFC 5681 4.2). */
		out->filled_hole = true;
		if (!out->fin)
			out->fin = xtcp_ofo_drain(sk);
		xtcp_sack_advance(sk);
	}
}

/* Free both queues of text: nobody will read them. */
void xtcp_rcv_queues_purge(struct sock *sk)
{
	struct rb_root *root = &xtcp_sk(sk)->ofo_queue;
	struct rb_node *node;

	__skb_queue_purge(&sk->sk_receive_queue);
	/* skb_rbtree_purge() is not exported to modules in 6.1. */
	while ((node = rb_first(root))) {
		rb_erase(node, root);
		kfree_skb(rb_to_skb(node));
	}
	xtcp_sack_reset(sk);
}
