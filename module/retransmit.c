// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP retransmission: what the retransmission timer (timer.c) sends, and
 * the handshake (state.c) when its SYN or SYN,ACK must go again; fast
 * recovery and the loss probe (recovery.c, tlp.c) resend through
 * xtcp_retransmit_skb() too.  On a timeout the oldest unacknowledged
 * segment goes again (RFC 6298 5.4), and what was in flight after it and
 * is not SACKed is presumed lost and goes again as the window allows
 * (RFC 5681 3.1, RFC 6675 5.1).  When nothing
 * is in flight and the peer's window is shut, the same timer probes the
 * window (RFC 9293 3.8.6.1).  The RTO itself (RFC 6298) is computed in
 * rtt.c and backed off in timer.c.
 */
#include <net/sock.h>

#include "xtcp.h"
#include "xtcp_trace.h"

/*
 * Send @skb, sent before, again, for the reason @kind (XTCP_RETRANS_*):
 * at most @max_segs segments of it; the rest is cut off to wait.
 */
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int kind,
			u32 max_segs)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 segs;
	int err;

	xtcp_split_segs(sk, skb, max_segs);
	segs = xtcp_len_segs(sk, skb->len);
	/* Cut with another MSS since it was sent: it counts so now. */
	if (segs != cb->segs)
		xtcp_skb_set_segs(sk, skb, segs);
	err = xtcp_transmit_queued(sk, skb);
	if (err)
		return err;
	xtcp_skb_resent(sk, skb);
	xtcp_recovery_sent(sk, true, segs);
	cb->retransmitted = 1;
	xtcp_sk(sk)->total_retrans += segs;
	trace_xtcp_retransmit(sk, skb, kind);
	XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS, segs);
	return 0;
}

/* Retransmit the oldest unacknowledged segment. */
int xtcp_retransmit_head(struct sock *sk, int kind)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb)
		return 0;
	if (skb == xtcp_sk(sk)->send_head) {
		/* Nothing in flight: the window is closed, probe it. */
		xtcp_send_probe(sk);
		return 0;
	}
	return xtcp_retransmit_skb(sk, skb, kind, 1);
}

/*
 * A retransmission timeout: what was in flight after the head goes again
 * (xtcp_push() skips what the peer SACKed), as the window allows, from
 * the next ACK on.
 * SND.NXT stays the highest sequence sent, so ACKs for what did arrive
 * remain acceptable.
 */
void xtcp_rewind_send_head(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue), *skb;
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!head || head == xs->send_head)
		return;
	for (skb = head; skb != xs->send_head;
	     skb = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL :
								 skb->next)
		XTCP_SKB_CB(skb)->retransmitted = 1;
	xs->send_head = skb_queue_is_last(&sk->sk_write_queue, head) ?
			NULL : head->next;
}

/*
 * Window probe: a segment the peer must find unacceptable (SEQ below
 * RCV.NXT), so that it answers with an ACK carrying its window.
 */
void xtcp_send_probe(struct sock *sk)
{
	struct sk_buff *skb = xtcp_alloc_ctl_skb(GFP_ATOMIC);

	if (skb)
		xtcp_transmit(sk, skb, xtcp_sk(sk)->snd_una - 1,
			      XTCP_FLAG_ACK);
}

/*
 * The window probe timer fired: send what fits of the next segment even
 * if silly window avoidance held it back, else a bare probe.
 */
void xtcp_write_wakeup(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = xs->send_head;
	s32 usable;

	if (skb && skb->len) {
		usable = (s32)(xs->snd_una + xs->snd_wnd - XTCP_SKB_CB(skb)->seq);
		if (usable > 0 && (usable >= (s32)skb->len ||
				   !xtcp_split(sk, skb, usable))) {
			xtcp_push(sk);
			return;
		}
	}
	xtcp_send_probe(sk);
}
