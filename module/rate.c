// SPDX-License-Identifier: GPL-2.0
/*
 * Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation,
 * as Linux's tcp_rate.c does it): each segment sent notes how much the
 * connection had delivered (ACKed or SACKed) and when; when it is
 * delivered in turn, the bytes delivered since, over the longer of the
 * send and the ACK intervals, is one sample of the rate the path carries.
 * Counted in bytes, so a sample is bytes per second as it stands.
 *
 * Each ACK takes the sample of the most recently sent segment it
 * delivered.  One shorter than the least round trip seen cannot be right
 * (an ACK compressed on the way) and is dropped.  Not done: marking
 * samples taken while the application, not the path, was the limit.
 */
#include <linux/math64.h>

#include "xtcp.h"

/* @skb goes out (again) now: note the connection's delivery so far. */
void xtcp_rate_skb_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	/* A flight starts from idle: its intervals start now. */
	if (!xs->packets_out) {
		xs->first_tx_us = cb->xmit_us;
		xs->delivered_us = cb->xmit_us;
	}
	cb->tx_first_us = xs->first_tx_us;
	cb->tx_delivered_us = xs->delivered_us;
	cb->tx_delivered = (u32)xs->delivered_bytes;
}

/* @len bytes of @skb were ACKed or SACKed for the first time. */
void xtcp_rate_skb_delivered(struct sock *sk, const struct sk_buff *skb,
			     u32 len)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now = xtcp_now_us(xs);

	xs->delivered_bytes += len;
	xs->delivered_us = now;
	/* The latest sent of what this ACK delivered gives the sample. */
	if (xs->rs_valid && xtcp_before(cb->xmit_us, xs->rs_xmit_us))
		return;
	xs->rs_valid = 1;
	xs->rs_xmit_us = cb->xmit_us;
	xs->rs_prior_delivered = cb->tx_delivered;
	xs->rs_send_us = cb->xmit_us - cb->tx_first_us;
	xs->rs_ack_us = now - cb->tx_delivered_us;
	/* The next flight's send interval starts at this one's send. */
	xs->first_tx_us = cb->xmit_us;
}

/* The ACK has been taken in: make its sample, if it gives one. */
void xtcp_rate_gen(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 delivered, interval;

	if (!xs->rs_valid)
		return;
	xs->rs_valid = 0;
	delivered = (u32)xs->delivered_bytes - xs->rs_prior_delivered;
	interval = max(xs->rs_send_us, xs->rs_ack_us);
	if (!delivered || !interval || interval < xs->rack_min_rtt_us)
		return;
	xs->delivery_rate = div_u64((u64)delivered * USEC_PER_SEC, interval);
}
