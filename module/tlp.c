// SPDX-License-Identifier: GPL-2.0
/*
 * Tail Loss Probe (RFC 8985 section 7).  When the last segments of a
 * flight are lost no duplicate ACK follows, and only the retransmission
 * timeout would find out.  So while nothing is suspected (state OPEN,
 * with SACK), the retransmission timer first fires after a probe timeout
 * (PTO) of about two round trips: it sends one new segment, or the last
 * one again, so that the peer's ACK, with its SACK blocks, starts fast
 * recovery instead.  One probe at a time; after it the timer is the RTO
 * again.
 *
 * If the ACK of a probe that was a resend comes without a D-SACK, the
 * probe repaired a loss: the window is reduced as for one (RFC 8985 7.4).
 */

#include <linux/kernel.h>

#include "xtcp.h"

#define XTCP_WCDELACK_MS	200	/* RFC 8985 7.2: worst-case delayed ACK */
#define XTCP_PTO_MIN_MS		10

/* The PTO for now, or 0 if no probe is due (RFC 8985 7.2). */
unsigned long xtcp_tlp_timeout(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 pto_us;

	if (READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.early_retrans) <
	    XTCP_EARLY_RETRANS_TLP)
		return 0;
	if (!xs->sack_ok || xs->ca_state != XTCP_CA_OPEN || xs->tlp_high_seq ||
	    !xs->packets_out || !xs->srtt_us ||
	    !((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
	       TCPF_CLOSING | TCPF_LAST_ACK)))
		return 0;
	pto_us = 2 * xs->srtt_us;
	/* A lone segment may wait for the peer's delayed ACK. */
	if (xs->packets_out == 1)
		pto_us += XTCP_WCDELACK_MS * USEC_PER_MSEC;
	pto_us = max_t(u32, pto_us, XTCP_PTO_MIN_MS * USEC_PER_MSEC);
	return min_t(unsigned long, usecs_to_jiffies(pto_us), xs->rto);
}

/* The last segment sent: the one before send_head. */
static struct sk_buff *xtcp_last_sent(struct sock *sk)
{
	struct sk_buff *head = xtcp_sk(sk)->send_head;

	if (!head)
		return skb_peek_tail(&sk->sk_write_queue);
	if (head == skb_peek(&sk->sk_write_queue))
		return NULL;
	return head->prev;
}

/*
 * The probe timeout fired (RFC 8985 7.3): a new segment if the peer's
 * window takes one, congestion window or not; else the last again.
 */
void xtcp_tlp_fire(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = xs->send_head;
	u32 nxt = xs->snd_nxt;

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TLPPROBES);
	if (skb && skb->len &&
	    !xtcp_after(XTCP_SKB_CB(skb)->end_seq, xs->snd_una + xs->snd_wnd)) {
		xs->snd_cwnd++;
		xtcp_push(sk);
		xs->snd_cwnd--;
	}
	if (xs->snd_nxt != nxt) {
		xs->tlp_retrans = 0;
	} else {
		skb = xtcp_last_sent(sk);
		/* The last segment: cut from the skb that holds it. */
		if (skb && XTCP_SKB_CB(skb)->segs > 1 &&
		    !xtcp_split(sk, skb, (XTCP_SKB_CB(skb)->segs - 1) *
					  xs->mss))
			skb = skb->next;
		if (!skb || xtcp_retransmit_skb(sk, skb, XTCP_RETRANS_TLP, 1))
			return;
		xs->tlp_retrans = 1;
	}
	xs->tlp_high_seq = xs->snd_nxt;
	/* If it repairs a loss, the flight it was lost from counts. */
	xs->tlp_ssthresh = xs->ca_ops->ssthresh(sk);
}

/*
 * An ACK: once it covers the probe, the episode is over.  A resent
 * probe that the peer did not report twice (@dsack) repaired a loss.
 */
void xtcp_tlp_ack(struct sock *sk, bool dsack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->tlp_high_seq)
		return;
	if (dsack && xs->tlp_retrans) {
		xs->tlp_high_seq = 0;
		return;
	}
	if (xtcp_before(xs->snd_una, xs->tlp_high_seq))
		return;
	if (xs->tlp_retrans && xs->ca_state == XTCP_CA_OPEN) {
		xtcp_cong_cut(sk, xs->tlp_ssthresh);
		xs->snd_cwnd = min(xs->snd_cwnd, xs->snd_ssthresh);
		xs->snd_cwnd_cnt = 0;
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TLPRECOVERY);
	}
	xs->tlp_high_seq = 0;
}
