// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP input: the IPv4 protocol handler.  Runs in NET_RX softirq for every
 * segment: validate, find the socket under RCU, and run the state machine
 * now or queue the segment to the socket's backlog if a process owns it.
 */
#include <linux/icmp.h>
#include <net/ip.h>
#include <net/icmp.h>
#include <net/checksum.h>

#include "xtcp.h"

/*
 * Check the header and checksum and fill the control block; 0 if the
 * segment is good, else why it is dropped.
 */
static enum skb_drop_reason xtcp_validate(struct net *net,
					  struct sk_buff *skb)
{
	enum skb_drop_reason reason = SKB_DROP_REASON_PKT_TOO_SMALL;
	struct xtcp_skb_cb *cb;
	const struct xtcphdr *th;
	unsigned int doff;

	if (!pskb_may_pull(skb, XTCP_HDR_LEN))
		goto bad;
	th = xtcp_hdr(skb);
	doff = xtcp_hdr_doff(th);
	if (doff < XTCP_HDR_LEN || doff > skb->len)
		goto bad;
	if (!pskb_may_pull(skb, doff))
		goto bad;

	if (skb_checksum_init(skb, xtcp_ipproto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb)) {
		XTCP_INC_STATS(net, XTCP_MIB_INCSUMERRORS);
		reason = SKB_DROP_REASON_TCP_CSUM;
		goto bad;
	}

	th = xtcp_hdr(skb);
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->flags = th->flags;
	cb->end_seq = cb->seq + skb->len - doff +
		      !!(th->flags & XTCP_FLAG_SYN) +
		      !!(th->flags & XTCP_FLAG_FIN);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	__skb_pull(skb, doff);
	return SKB_NOT_DROPPED_YET;
bad:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
	return reason;
}

int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct iphdr *iph;
	const struct xtcphdr *th;
	enum skb_drop_reason reason = SKB_DROP_REASON_OTHERHOST;
	struct sock *sk;
	int ret = 0;

	if (skb->pkt_type != PACKET_HOST)
		goto drop;
	XTCP_INC_STATS(net, XTCP_MIB_INSEGS);
	skb_reset_transport_header(skb);
	reason = xtcp_validate(net, skb);
	if (reason)
		goto drop;

	iph = ip_hdr(skb);
	th = xtcp_hdr(skb);
	sk = xtcp_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	if (!sk) {
		XTCP_INC_STATS(net, XTCP_MIB_NOSOCKET);
		xtcp_reply_rst(net, skb);
		reason = SKB_DROP_REASON_NO_SOCKET;
		goto drop;
	}

process:
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		ret = xtcp_do_rcv(sk, skb);
		if (ret == XTCP_RCV_REOPEN) {
			struct sock *lsk;

			ret = 0;
			lsk = xtcp_lookup_listener(net, iph->daddr, th->dest);
			if (lsk) {
				/* The new connection replaces TIME_WAIT. */
				XTCP_INC_STATS(net, XTCP_MIB_TWREOPENS);
				xtcp_done(sk);
				bh_unlock_sock(sk);
				sock_put(sk);
				sk = lsk;
				goto process;
			}
			xtcp_send_ack(sk);
			kfree_skb(skb);
		}
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
					   READ_ONCE(sk->sk_sndbuf))) {
		XTCP_INC_STATS(net, XTCP_MIB_BACKLOGDROPS);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_BACKLOG);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return ret;

drop:
	kfree_skb_reason(skb, reason);
	return 0;
}

/* ICMP errors for our segments: hard errors abort a connecting socket. */
int xtcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct xtcphdr *th;
	struct net *net = dev_net(skb->dev);
	int type = icmp_hdr(skb)->type;
	int code = icmp_hdr(skb)->code;
	struct sock *sk;
	int err;

	if (!pskb_may_pull(skb, iph->ihl * 4 + 8))
		return -EINVAL;
	iph = (const struct iphdr *)skb->data;
	th = (const struct xtcphdr *)(skb->data + iph->ihl * 4);

	if (type != ICMP_DEST_UNREACH || code > NR_ICMP_UNREACH ||
	    code == ICMP_FRAG_NEEDED)
		return 0;
	err = icmp_err_convert[code].errno;

	/* The quoted segment went from us (iph->saddr) to the peer. */
	sk = xtcp_lookup(net, iph->daddr, th->dest, iph->saddr, th->source);
	if (!sk)
		return -ENOENT;
	bh_lock_sock(sk);
	if (sk->sk_state == XTCP_SYN_SENT && !sock_owned_by_user(sk) &&
	    icmp_err_convert[code].fatal) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
		xtcp_done(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
