// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP resets (RFC 9293 3.5.2, reset generation): the RST that aborts
 * one of our connections, and the RST that answers a segment, from its
 * own addresses: one that no connection owns (RFC 9293 3.10.7.1), or
 * one that a connection must refuse (state.c says when).  How received
 * RSTs are checked (RFC 5961) is in state.c.
 */
#include <net/ip.h>
#include <net/route.h>

#include "xtcp.h"
#include "xtcp_trace.h"

/* Abort a synchronized connection: <SEQ=SND.NXT><CTL=RST,ACK>. */
void xtcp_send_rst(struct sock *sk)
{
	struct sk_buff *skb = xtcp_alloc_ctl_skb(GFP_ATOMIC);

	if (!skb)
		return;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTRSTS);
	trace_xtcp_send_reset(sk, NULL);
	xtcp_transmit(sk, skb, xtcp_sk(sk)->snd_nxt,
		      XTCP_FLAG_RST | XTCP_FLAG_ACK);
}

/*
 * Answer a segment that belongs to no connection (RFC 9293 3.10.7.1):
 * if it has ACK, <SEQ=SEG.ACK><CTL=RST>; else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.  Never answer a RST.
 */
void xtcp_reply_rst(struct net *net, struct sk_buff *in)
{
	const struct xtcp_skb_cb *icb = XTCP_SKB_CB(in);
	const struct iphdr *iph = ip_hdr(in);
	const struct xtcphdr *ith = xtcp_hdr(in);
	struct sk_buff *skb;
	struct flowi4 fl4;
	struct rtable *rt;
	u32 seq = 0, ack = 0;
	u8 flags = XTCP_FLAG_RST;

	if (icb->flags & XTCP_FLAG_RST)
		return;
	if (icb->flags & XTCP_FLAG_ACK) {
		seq = icb->ack_seq;
	} else {
		ack = icb->end_seq;
		flags |= XTCP_FLAG_ACK;
	}

	flowi4_init_output(&fl4, 0, 0, 0, RT_SCOPE_UNIVERSE, xtcp_ipproto, 0,
			   iph->saddr, iph->daddr, ith->source, ith->dest,
			   sock_net_uid(net, NULL));
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return;
	skb = xtcp_alloc_ctl_skb(GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	xtcp_push_header(skb, ith->dest, ith->source, seq, ack, flags, 0, NULL);
	XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
	trace_xtcp_send_reset(NULL, in);
	xtcp_ip_xmit(net, NULL, skb, rt, iph->daddr, iph->saddr);
}
