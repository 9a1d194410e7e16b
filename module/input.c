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
#include <net/route.h>
#include <net/xfrm.h>
#include <linux/filter.h>
#include <linux/netfilter.h>

#include "xtcp.h"

/*
 * Check the header and checksum; 0 if the segment is good, else why it
 * is dropped.  The header stays in front of skb->data, where a socket
 * filter expects it.
 */
static enum skb_drop_reason xtcp_validate(struct net *net,
					  struct sk_buff *skb)
{
	enum skb_drop_reason reason = SKB_DROP_REASON_PKT_TOO_SMALL;
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
	return SKB_NOT_DROPPED_YET;
bad:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
	return reason;
}

/* Fill the control block from the header, and pull the header. */
static void xtcp_fill_cb(struct sk_buff *skb)
{
	const struct xtcphdr *th = xtcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	unsigned int doff = xtcp_hdr_doff(th);

	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->flags = th->flags;
	cb->end_seq = cb->seq + skb->len - doff +
		      !!(th->flags & XTCP_FLAG_SYN) +
		      !!(th->flags & XTCP_FLAG_FIN);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	__skb_pull(skb, doff);
}

/*
 * How much the backlog of an owned socket may hold, counted with its
 * receive queues (sk_add_backlog()).  Its length is reset only when the
 * owner has run all of it, so a backlog being run and the receive queue
 * may each reach the receive buffer: room for both, half the send buffer
 * for ACKs, and some slack, as TCP allows.
 */
static u32 xtcp_backlog_limit(const struct sock *sk)
{
	u64 limit = 2ULL * READ_ONCE(sk->sk_rcvbuf) +
		    (u32)READ_ONCE(sk->sk_sndbuf) / 2 + SZ_64K;

	return min_t(u64, limit, UINT_MAX);
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

	/*
	 * A connection has one peer: nothing addressed to a broadcast or
	 * multicast address opens one or draws a RST (RFC 1122 4.2.3.10).
	 */
	if (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST)) {
		XTCP_INC_STATS(net, XTCP_MIB_NOTUNICAST);
		reason = SKB_DROP_REASON_NOT_SPECIFIED;
		goto drop;
	}

	iph = ip_hdr(skb);
	th = xtcp_hdr(skb);
	sk = xtcp_lookup(net, iph->saddr, th->source, iph->daddr, th->dest,
			 inet_iif(skb), inet_sdif(skb));
	if (!sk) {
		if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
			reason = SKB_DROP_REASON_XFRM_POLICY;
			goto drop;
		}
		xtcp_fill_cb(skb);
		XTCP_INC_STATS(net, XTCP_MIB_NOSOCKET);
		xtcp_reply_rst(net, skb);
		reason = SKB_DROP_REASON_NO_SOCKET;
		goto drop;
	}

process:
	/* IPsec policy, then the socket's own filter (SO_ATTACH_FILTER). */
	if (!xfrm4_policy_check(sk, XFRM_POLICY_IN, skb)) {
		XTCP_INC_STATS(net, XTCP_MIB_POLICYDROPS);
		reason = SKB_DROP_REASON_XFRM_POLICY;
		goto put_and_drop;
	}
	nf_reset_ct(skb);
	if (sk_filter_trim_cap(sk, skb, xtcp_hdr_doff(xtcp_hdr(skb)))) {
		XTCP_INC_STATS(net, XTCP_MIB_FILTERDROPS);
		reason = SKB_DROP_REASON_SOCKET_FILTER;
		goto put_and_drop;
	}
	xtcp_fill_cb(skb);

	/* A listener's child is locked inside it, one level down. */
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		ret = xtcp_do_rcv(sk, skb);
		if (ret == XTCP_RCV_REOPEN) {
			struct sock *lsk;

			ret = 0;
			lsk = xtcp_lookup_listener(net, iph->daddr, th->dest,
						   inet_iif(skb),
						   inet_sdif(skb));
			if (lsk) {
				/* The new connection replaces TIME_WAIT. */
				XTCP_INC_STATS(net, XTCP_MIB_TWREOPENS);
				xtcp_done(sk);
				bh_unlock_sock(sk);
				sock_put(sk);
				sk = lsk;
				/* Give the listener its header back. */
				__skb_push(skb, skb->data -
					   skb_transport_header(skb));
				goto process;
			}
			xtcp_send_ack(sk);
			kfree_skb(skb);
		}
	} else if (sk_add_backlog(sk, skb, xtcp_backlog_limit(sk))) {
		XTCP_INC_STATS(net, XTCP_MIB_BACKLOGDROPS);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_BACKLOG);
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return ret;

put_and_drop:
	sock_put(sk);
drop:
	kfree_skb_reason(skb, reason);
	return 0;
}

/*
 * ICMP errors for our segments.  The quoted SEQ must lie in
 * [SND.UNA, SND.NXT] (RFC 5927 4.1; SND.NXT too, as Linux: a bare ACK
 * carries it), or anyone could abort a connection, or shrink its
 * segments, by guessing its ports; "fragmentation needed" then lowers the
 * path MTU, a hard error aborts a connecting socket, and others are only
 * noted.
 */
int xtcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct xtcphdr *th;
	struct net *net = dev_net(skb->dev);
	int type = icmp_hdr(skb)->type;
	int code = icmp_hdr(skb)->code;
	struct xtcp_sock *xs;
	struct sock *sk;
	u32 seq;
	int err;

	/* ICMP quotes at least the ports and SEQ: 8 bytes of our header. */
	if (!pskb_may_pull(skb, iph->ihl * 4 + 8))
		return -EINVAL;
	iph = (const struct iphdr *)skb->data;
	th = (const struct xtcphdr *)(skb->data + iph->ihl * 4);

	if (type != ICMP_DEST_UNREACH || code > NR_ICMP_UNREACH)
		return 0;
	err = icmp_err_convert[code].errno;

	/* The quoted segment went from us (iph->saddr) to the peer. */
	sk = xtcp_lookup(net, iph->daddr, th->dest, iph->saddr, th->source,
			 inet_iif(skb), 0);
	if (!sk)
		return -ENOENT;
	xs = xtcp_sk(sk);
	seq = ntohl(th->seq);
	bh_lock_sock(sk);
	if (sk->sk_state == XTCP_LISTEN || sk->sk_state == XTCP_CLOSE ||
	    !xtcp_between(seq, xs->snd_una, xs->snd_nxt)) {
		XTCP_INC_STATS(net, XTCP_MIB_ICMPDROPS);
	} else if (code == ICMP_FRAG_NEEDED) {
		/* Path MTU discovery (route.c), once no process owns it. */
		WRITE_ONCE(xs->mtu_info, info);
		if (!sock_owned_by_user(sk))
			xtcp_mtu_reduced(sk);
		else if (!test_and_set_bit(XTCP_MTU_DEFERRED, &xs->deferred))
			sock_hold(sk);
	} else if (sk->sk_state == XTCP_SYN_SENT && !sock_owned_by_user(sk) &&
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
