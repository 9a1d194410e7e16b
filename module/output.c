// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP output: building segments (RFC 9293 3.1) and handing them to IPv4,
 * and the send queue: what is sent when, as far as the peer's window
 * allows (RFC 9293 3.8.6.2.1, the sender side of silly window avoidance).
 *
 * Everything that occupies sequence space (SYN, data, FIN) sits on
 * sk_write_queue until it is acknowledged, so one retransmission path
 * serves the handshake, the stream and the teardown.  What goes out is a
 * new skb; the queued original keeps the payload.
 *
 * The route and the MSS are in route.c, the window we advertise in
 * rcvwnd.c, retransmission and window probes in retransmit.c, resets in
 * rst.c and the ISN in isn.c.
 */
#include <net/ip.h>
#include <net/route.h>
#include <net/checksum.h>

#include "xtcp.h"
#include "xtcp_trace.h"

/*
 * The checksum of the segment at skb->data.  A device that sums any
 * protocol (NETIF_F_HW_CSUM: loopback, veth, most virtual devices) is left
 * to finish it from the pseudo-header sum (CHECKSUM_PARTIAL); the stack
 * sums it in software before a device that turns out unable to
 * (validate_xmit_skb()), so this only picks the likely cheaper way.
 * Between namespaces the sum is never computed at all: the receiver trusts
 * CHECKSUM_PARTIAL as TCP does.
 */
static void xtcp_csum_out(struct sk_buff *skb, const struct net_device *dev,
			  __be32 saddr, __be32 daddr)
{
	struct xtcphdr *th = xtcp_hdr(skb);
	unsigned int len = skb->len;

	/* A super-segment is summed per segment: by the device or GSO. */
	if (skb_is_gso(skb) || (dev->features & NETIF_F_HW_CSUM)) {
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct xtcphdr, check);
		th->check = ~csum_tcpudp_magic(saddr, daddr, len, xtcp_ipproto,
					       0);
		return;
	}
	th->check = 0;
	th->check = csum_tcpudp_magic(saddr, daddr, len, xtcp_ipproto,
				      skb_checksum(skb, 0, len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

/*
 * Checksum the segment, push the IPv4 header and send; consumes @skb and
 * the reference on @rt.
 */
int xtcp_ip_xmit(struct net *net, struct sock *sk, struct sk_buff *skb,
		 struct rtable *rt, __be32 saddr, __be32 daddr)
{
	struct iphdr *iph;
	int segs, err;

	xtcp_csum_out(skb, rt->dst.dev, saddr, daddr);
	/* skb->cb held our control block; IP reads it as IPCB. */
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->tot_len = htons(skb->len);
	/*
	 * DF for path MTU discovery (RFC 1191), as the socket's IP_MTU_DISCOVER
	 * allows.  A segment cut before the path MTU fell is still larger:
	 * it goes in fragments rather than not at all.
	 */
	iph->frag_off = 0;
	if (sk && ip_dont_fragment(sk, &rt->dst) &&
	    (skb_is_gso(skb) || skb->len <= dst_mtu(&rt->dst)))
		iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = xtcp_ipproto;
	iph->saddr = saddr;
	iph->daddr = daddr;
	skb->protocol = htons(ETH_P_IP);
	if (sk) {
		skb->priority = sk->sk_priority;
		skb->mark = sk->sk_mark;
	}
	skb_dst_set(skb, &rt->dst);
	segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	ip_select_ident_segs(net, skb, sk, segs);

	XTCP_ADD_STATS(net, XTCP_MIB_OUTSEGS, segs);
	err = ip_local_out(net, sk, skb);
	/* Congestion notification (NET_XMIT_CN) means sent, not failed. */
	return net_xmit_eval(err);
}

/*
 * Push the segment header in front of the payload; xtcp_ip_xmit() sums
 * it, once the route tells what the device can do.
 */
void xtcp_push_header(struct sk_buff *skb, __be16 sport, __be16 dport,
		      u32 seq, u32 ack, u8 flags, u16 window,
		      const struct xtcp_out_options *opts)
{
	unsigned int optlen = xtcp_options_len(opts);
	struct xtcphdr *th;

	th = skb_push(skb, XTCP_HDR_LEN + optlen);
	skb_reset_transport_header(skb);
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff_res = ((XTCP_HDR_LEN + optlen) / 4) << 4;
	th->flags = flags;
	th->window = htons(window);
	th->check = 0;
	th->urg_ptr = 0;
	if (optlen)
		xtcp_options_write((u8 *)(th + 1), opts);
}

/*
 * Send one segment of @sk.  @skb carries the payload (if any) with room
 * for the headers; it is consumed.
 */
int xtcp_transmit(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int payload = skb->len, seg_len = payload;
	struct xtcp_out_options opts = {};
	struct rtable *rt;
	u16 win;

	rt = xtcp_route(sk);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}
	if (skb_is_gso(skb))
		seg_len = skb_shinfo(skb)->gso_size;

	if (flags & XTCP_FLAG_SYN) {
		opts.mss = xtcp_mss_for_mtu(dst_mtu(&rt->dst));
		/* A SYN+ACK offers it only back (RFC 2018 2). */
		opts.sack_perm = (flags & XTCP_FLAG_ACK) ? xs->sack_ok :
			xtcp_pernet(sock_net(sk))->sysctl.sack;
		xtcp_ts_syn_options(sk, &opts, flags);
		xtcp_ws_syn_options(sk, &opts, flags);
	} else {
		xtcp_ts_options(sk, &opts, flags);
	}
	if (xs->sack_ok && (flags & (XTCP_FLAG_SYN | XTCP_FLAG_ACK)) ==
	    XTCP_FLAG_ACK) {
		/*
		 * As many blocks as the 40 bytes of options leave room for
		 * beside the timestamps (3 with them, as TCP), and beside the
		 * text as many as the MSS leaves: xs->mss is net of the
		 * timestamps already.
		 */
		int room = XTCP_MAX_OPT_LEN - (int)xtcp_options_len(&opts) -
			   XTCPOLEN_SACK_BASE - 2;

		if (payload)
			room = min(room, (int)xs->mss - (int)seg_len -
					 XTCPOLEN_SACK_BASE - 2);
		xtcp_sack_fill(sk, &opts, room / XTCPOLEN_SACK_PERBLOCK);
	}
	win = xtcp_select_window(sk, flags & XTCP_FLAG_SYN);
	/* Data and FIN carry the ACK too: none is owed after this. */
	if (flags & XTCP_FLAG_ACK)
		xtcp_delack_sent(sk);

	xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, seq,
			 (flags & XTCP_FLAG_ACK) ? xs->rcv_nxt : 0, flags,
			 win, &opts);
	xs->bytes_sent += payload;
	/*
	 * The segment carries its socket: egress cgroup BPF, netfilter's
	 * owner match, LSMs and fq see it, and sk_wmem_alloc counts it.
	 */
	skb_set_owner_w(skb, sk);
	return xtcp_ip_xmit(sock_net(sk), sk, skb, rt, inet->inet_saddr,
			    inet->inet_daddr);
}

/* An empty skb with room for the headers; @flags as for __alloc_skb(). */
static struct sk_buff *xtcp_alloc_skb(gfp_t gfp, int flags)
{
	struct sk_buff *skb = __alloc_skb(XTCP_MAX_HEADER, gfp, flags,
					  NUMA_NO_NODE);

	if (skb)
		skb_reserve(skb, XTCP_MAX_HEADER);
	return skb;
}

struct sk_buff *xtcp_alloc_ctl_skb(gfp_t gfp)
{
	return xtcp_alloc_skb(gfp, 0);
}

/*
 * An skb for the send queue's text, with a fast clone beside it: sent
 * alone as one segment, it goes out as that clone, without allocating
 * (xtcp_burst_send()), as TCP's tcp_stream_alloc_skb().
 */
struct sk_buff *xtcp_alloc_text_skb(gfp_t gfp)
{
	return xtcp_alloc_skb(gfp, SKB_ALLOC_FCLONE);
}

/* @skb goes out now: its send time, and the flight it joins (rate.c). */
static void xtcp_stamp_sent(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	cb->sent = jiffies;
	cb->xmit_us = xtcp_now_us(xtcp_sk(sk));
	xtcp_rate_skb_sent(sk, skb);
}

/* Send a copy of the queued @skb, SYN or FIN: the original stays queued. */
static int xtcp_transmit_copy(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *copy;

	/* A clone still in flight owns the headroom: copy the header then. */
	if (skb_cloned(skb))
		copy = pskb_copy(skb, GFP_ATOMIC);
	else
		copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy)
		return -ENOBUFS;
	return xtcp_transmit(sk, copy, cb->seq, cb->flags);
}

/*
 * New text that leaves at once goes as one super-segment (offload.c), up
 * to what the device takes in one (sk_gso_max_size, sk_gso_max_segs): one
 * pass through IP and the qdisc for many segments, as TCP's TSO/GSO.  A
 * queued skb holds up to a super-segment's text (xtcp_skb_goal()) and
 * counts as the segments it is cut into (xtcp_skb_cb.segs, as TCP's
 * tcp_skb_pcount()); what goes out is a new skb that takes references on
 * the queued skbs' pages, so that a queued skb may be cut (xtcp_split())
 * when the scoreboard, a window or a partial ACK needs fewer segments of
 * it.  One segment sent alone goes as a clone instead, as TCP sends: it
 * needs no cutting, and the clone costs no allocation.
 */
struct xtcp_burst {
	struct sk_buff	*first, *last;
	unsigned int	max_segs;	/* xtcp_burst_goal() */
	unsigned int	len, segs, nr_frags;
	struct page	*page;	/* the page the last fragment ends in, */
	unsigned int	end;	/* ... and where: the next may join it */
};

/* Segments @len bytes of text are cut into, with the MSS of now. */
u32 xtcp_len_segs(const struct sock *sk, u32 len)
{
	return max_t(u32, DIV_ROUND_UP(len, max_t(u32, xtcp_sk(sk)->mss, 1)),
		     1);
}

/*
 * Segments per super-segment, as TCP's tcp_tso_autosize(): what the
 * pacing rate sends in about a millisecond (sk_pacing_shift), so that fq
 * spaces a super-segment as one packet, plus a share of the device's
 * largest that halves with every 512 us of the least RTT seen: on a short
 * path the ACKs come back before a small burst would have left, and the
 * packets a burst saves are the CPU the path costs.  At least two.
 */
#define XTCP_BURST_RTT_LOG	9	/* 512 us, as net.ipv4.tcp_tso_rtt_log */

static unsigned int xtcp_burst_goal(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long bytes = READ_ONCE(sk->sk_pacing_rate) >>
			      READ_ONCE(sk->sk_pacing_shift);
	u32 shift = xs->rack_min_rtt_us >> XTCP_BURST_RTT_LOG;

	/* Not when the user capped the rate: that asks for spacing. */
	if (xs->rack_min_rtt_us && shift < 32 &&
	    READ_ONCE(sk->sk_max_pacing_rate) == ~0UL)
		bytes += sk->sk_gso_max_size >> shift;
	bytes = min_t(unsigned long, bytes, sk->sk_gso_max_size);
	return clamp_t(unsigned int, bytes / xs->mss, 2,
		       sk->sk_gso_max_segs ?: 2);
}

/* Start the next burst. */
static void xtcp_burst_reset(struct xtcp_burst *b)
{
	unsigned int max_segs = b->max_segs;

	memset(b, 0, sizeof(*b));
	b->max_segs = max_segs;
}

/*
 * Fragments @b holds with @skb's appended, the adjacent ones joined (the
 * stream's text is written into one page fragment after another).
 */
static unsigned int xtcp_burst_frags(const struct xtcp_burst *b,
				     const struct sk_buff *skb,
				     struct page **page, unsigned int *end)
{
	const struct skb_shared_info *si = skb_shinfo(skb);
	unsigned int nr = b->nr_frags;
	int i;

	*page = b->page;
	*end = b->end;
	for (i = 0; i < si->nr_frags; i++) {
		const skb_frag_t *f = &si->frags[i];

		if (!nr || skb_frag_page(f) != *page ||
		    skb_frag_off(f) != *end)
			nr++;
		*page = skb_frag_page(f);
		*end = skb_frag_off(f) + skb_frag_size(f);
	}
	return nr;
}

/*
 * Take @skb, new text cleared to go, into the burst: it starts one, or
 * joins the one pending when that may grow by a segment.
 */
static bool xtcp_burst_add(struct sock *sk, struct xtcp_burst *b,
			   struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 segs = xtcp_len_segs(sk, skb->len);
	unsigned int nr, end;
	struct page *page;

	if (!skb->len || skb_headlen(skb) ||
	    cb->retransmitted || xtcp_before(cb->seq, xs->snd_nxt) ||
	    (cb->flags & (XTCP_FLAG_SYN | XTCP_FLAG_FIN)))
		return false;
	/* All but the last full-sized; PSH only on the last (offload.c). */
	if (b->first && (b->last->len % xs->mss ||
			 XTCP_SKB_CB(b->last)->flags != XTCP_FLAG_ACK ||
			 (cb->flags & ~XTCP_FLAG_PSH) != XTCP_FLAG_ACK ||
			 b->len + skb->len > sk->sk_gso_max_size ||
			 b->segs + segs > b->max_segs))
		return false;
	nr = xtcp_burst_frags(b, skb, &page, &end);
	if (nr > MAX_SKB_FRAGS)
		return false;
	if (!b->first)
		b->first = skb;
	b->last = skb;
	b->len += skb->len;
	b->segs += segs;
	b->nr_frags = nr;
	b->page = page;
	b->end = end;
	return true;
}

/* One skb for the burst: the segments' text, by reference. */
static struct sk_buff *xtcp_burst_build(struct sock *sk,
					const struct xtcp_burst *b)
{
	struct sk_buff *gso, *skb = b->first;
	struct skb_shared_info *gi;

	gso = xtcp_alloc_ctl_skb(GFP_ATOMIC);
	if (!gso)
		return NULL;
	gi = skb_shinfo(gso);
	for (;;) {
		const struct skb_shared_info *si = skb_shinfo(skb);
		int i;

		for (i = 0; i < si->nr_frags; i++) {
			const skb_frag_t *f = &si->frags[i];
			int n = gi->nr_frags;

			if (n && skb_can_coalesce(gso, n, skb_frag_page(f),
						  skb_frag_off(f))) {
				skb_frag_size_add(&gi->frags[n - 1],
						  skb_frag_size(f));
				continue;
			}
			skb_frag_ref(skb, i);
			skb_fill_page_desc(gso, n, skb_frag_page(f),
					   skb_frag_off(f), skb_frag_size(f));
		}
		skb_len_add(gso, skb->len);
		if (skb == b->last)
			break;
		skb = skb->next;
	}
	if (b->segs > 1) {
		gi->gso_size = xtcp_sk(sk)->mss;
		gi->gso_segs = b->segs;
		gi->gso_type = sk->sk_gso_type;
	}
	return gso;
}

/*
 * Send the burst pending, if any, and start a new one.  A device that
 * cannot take it whole has it cut in software (offload.c).
 */
static int xtcp_burst_send(struct sock *sk, struct xtcp_burst *b)
{
	struct sk_buff *first = b->first, *last = b->last, *gso;

	if (!first)
		return 0;
	/*
	 * One segment is one skb.  A clone in flight owns the headroom:
	 * build a new skb then.
	 */
	if (b->segs == 1 && !skb_cloned(first))
		gso = skb_clone(first, GFP_ATOMIC);
	else
		gso = xtcp_burst_build(sk, b);
	xtcp_burst_reset(b);
	if (!gso)
		return -ENOBUFS;
	return xtcp_transmit(sk, gso, XTCP_SKB_CB(first)->seq,
			     XTCP_SKB_CB(last)->flags);
}

/* Send a queued skb (its text by reference, or a copy of a SYN or FIN). */
int xtcp_transmit_queued(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_burst b = {
		.first = skb, .last = skb,
		.segs = xtcp_len_segs(sk, skb->len),
	};

	xtcp_stamp_sent(sk, skb);
	if (!skb->len || skb_headlen(skb))
		return xtcp_transmit_copy(sk, skb);
	return xtcp_burst_send(sk, &b);
}

/* Append to the send queue; SND.NXT moves when it is sent. */
void xtcp_queue_data(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	__skb_queue_tail(&sk->sk_write_queue, skb);
	sk_wmem_queued_add(sk, skb->truesize);
	xs->write_seq = XTCP_SKB_CB(skb)->end_seq;
	if (!xs->send_head)
		xs->send_head = skb;
}

/*
 * Cut @skb after @len bytes; the rest becomes the next skb on the queue.
 * A sent skb keeps its marks in both parts, and each counts the segments
 * its own text is cut into.
 */
int xtcp_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb), *rcb;
	struct sk_buff *rest;
	u32 moved;

	if (!len || len >= skb->len || skb_cloned(skb) ||
	    (cb->flags & (XTCP_FLAG_SYN | XTCP_FLAG_FIN)))
		return -EINVAL;
	rest = xtcp_alloc_ctl_skb(GFP_ATOMIC);
	if (!rest)
		return -ENOBUFS;
	sk_wmem_queued_add(sk, rest->truesize);
	moved = skb->len - len;
	skb_split(skb, rest, len);
	/* The text's share of truesize goes with it. */
	rest->truesize += moved;
	skb->truesize -= moved;
	rcb = XTCP_SKB_CB(rest);
	*rcb = *cb;
	rcb->seq = cb->seq + len;
	cb->end_seq = rcb->seq;
	/* PSH marks the end of a write: it stays with the text's end. */
	cb->flags &= ~XTCP_FLAG_PSH;
	__skb_queue_after(&sk->sk_write_queue, skb, rest);
	if (cb->segs) {
		rcb->segs = 0;
		xtcp_skb_set_segs(sk, skb, xtcp_len_segs(sk, skb->len));
		xtcp_skb_set_segs(sk, rest, xtcp_len_segs(sk, rest->len));
	}
	return 0;
}

/* Cut @skb, if need be, so that it holds at most @segs segments. */
int xtcp_split_segs(struct sock *sk, struct sk_buff *skb, u32 segs)
{
	u32 mss = xtcp_sk(sk)->mss;

	if (!segs || xtcp_len_segs(sk, skb->len) <= segs)
		return 0;
	return xtcp_split(sk, skb, segs * mss);
}

/*
 * SEG.ACK @ack falls inside the sent @skb: its acknowledged head leaves
 * it, without an allocation, as TCP's tcp_trim_head().  Returns how many
 * of its segments that was, or -EINVAL if it cannot be trimmed.
 */
int xtcp_skb_trim_acked(struct sock *sk, struct sk_buff *skb, u32 ack)
{
	struct skb_shared_info *si = skb_shinfo(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 len = ack - cb->seq, eat = len, old = cb->segs, segs;
	int i, k = 0;

	if (!xtcp_after(ack, cb->seq) || !xtcp_before(ack, cb->end_seq) ||
	    skb_cloned(skb) || skb_headlen(skb) || !old)
		return -EINVAL;
	for (i = 0; i < si->nr_frags; i++) {
		skb_frag_t *f = &si->frags[i];

		if (skb_frag_size(f) <= eat) {
			eat -= skb_frag_size(f);
			skb_frag_unref(skb, i);
			continue;
		}
		si->frags[k] = *f;
		if (eat) {
			skb_frag_off_add(&si->frags[k], eat);
			skb_frag_size_sub(&si->frags[k], eat);
			eat = 0;
		}
		k++;
	}
	si->nr_frags = k;
	skb->len -= len;
	skb->data_len -= len;
	skb->truesize -= len;
	sk_wmem_queued_add(sk, -(int)len);
	cb->seq = ack;
	segs = min(xtcp_len_segs(sk, skb->len), old);
	xtcp_skb_set_segs(sk, skb, segs);
	return old - segs;
}

/*
 * Does the next unsent segment fit the peer's window?  If only part of
 * it fits, send that part when it is at least half the largest window
 * the peer ever offered (sender side of silly window avoidance, RFC 9293
 * 3.8.6.2.1): a peer whose window never reaches a segment is still
 * served.  SYN and FIN need no window.
 */
static bool xtcp_fits_window(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	s32 usable = (s32)(xs->snd_una + xs->snd_wnd - cb->seq);
	u32 goal = xtcp_size_goal(xs);

	if (!skb->len || usable >= (s32)skb->len)
		return true;
	if (usable <= 0)
		return false;
	/* Whole segments of a larger skb go as far as the window reaches. */
	if (usable >= goal)
		return !xtcp_split(sk, skb, rounddown(usable, goal));
	if (usable < xs->max_snd_wnd / 2)
		return false;
	return !xtcp_split(sk, skb, usable);
}

/*
 * Segment size for new data: the MSS, but at most half the largest window
 * the peer has offered (all of it when that is below the default MSS), so
 * that a segment fits once the window is half open (sender side of silly
 * window avoidance, RFC 9293 3.8.6.2.1).
 */
unsigned int xtcp_size_goal(const struct xtcp_sock *xs)
{
	u32 cutoff = xs->max_snd_wnd;

	if (cutoff > XTCP_DEFAULT_MSS)
		cutoff /= 2;
	if (cutoff && cutoff < xs->mss)
		return cutoff;
	return xs->mss;
}

/*
 * Text one queued skb may hold: a super-segment's worth of full
 * segments (xtcp_push() cuts it as the windows and the burst need), or
 * one segment when they are smaller than the MSS or no device segments.
 */
unsigned int xtcp_skb_goal(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int goal = xtcp_size_goal(xs), segs;

	if (goal < xs->mss || !sk_can_gso(sk))
		return goal;
	segs = min3(sk->sk_gso_max_size / goal, sk->sk_gso_max_segs, U16_MAX);
	return max(segs, 1U) * goal;
}

/*
 * Does the Nagle algorithm (RFC 896, RFC 9293 3.7.4) hold back @skb, the
 * next to send?  Only a partial segment at the tail of the queue waits:
 * while the user corks (XTCP_CORK, MSG_MORE), or, unless XTCP_NODELAY,
 * while a partial segment sent before is unacknowledged (Minshall's
 * refinement, as Linux: a full segment in flight does not hold it).
 * Full segments in front of it in the same skb go (they are cut from
 * it).  Text sent before goes again at once.
 */
static bool xtcp_nagle_holds(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 part = skb->len % xtcp_size_goal(xs);

	if (xs->push_now || !part ||
	    !skb_queue_is_last(&sk->sk_write_queue, skb) ||
	    xtcp_before(XTCP_SKB_CB(skb)->seq, xs->snd_nxt))
		return false;
	if (!xs->cork && !xs->more &&
	    (xs->nodelay || !xtcp_after(xs->snd_sml, xs->snd_una)))
		return false;
	if (skb->len > part) {
		xtcp_split(sk, skb, skb->len - part);
		return false;
	}
	return true;
}

/*
 * Hold new text back for the next ACK when the windows let only a sliver
 * of a super-segment go, as TCP's tcp_tso_should_defer(): each ACK frees
 * a segment or two, and sending them at once cuts the flight into runs
 * of two or three, each a packet through the qdisc, the device and the
 * receiver's backlog.  Only while an ACK is due within half an RTT (the
 * oldest segment in flight left more than half an SRTT ago), the last
 * send was less than a millisecond ago (so the link is not left idle),
 * and more text waits than the windows let go now.
 */
static bool xtcp_defer(struct sock *sk, const struct sk_buff *skb,
		       unsigned int goal_segs)
{
	const struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 in_flight = xtcp_in_flight(xs);
	u32 now, limit, chunk;

	if (goal_segs < 3 || !in_flight || head == skb ||
	    xs->ca_state != XTCP_CA_OPEN ||
	    xtcp_before(cb->seq, xs->snd_nxt) ||
	    (cb->flags & (XTCP_FLAG_SYN | XTCP_FLAG_FIN)))
		return false;
	now = xtcp_now_us(xs);
	if (now - XTCP_SKB_CB(skb->prev)->xmit_us > USEC_PER_MSEC)
		return false;
	limit = min_t(u32, xs->snd_una + xs->snd_wnd - cb->seq,
		      (xs->snd_cwnd - in_flight) * xs->mss);
	/* A whole super-segment may go, or all that is queued. */
	if (limit >= goal_segs * xs->mss || xs->write_seq - cb->seq <= limit)
		return false;
	/* A third of the windows is worth sending (tcp_tso_win_divisor). */
	chunk = min_t(u32, xs->snd_wnd, xs->snd_cwnd * xs->mss) / 3;
	if (limit >= chunk)
		return false;
	return now - XTCP_SKB_CB(head)->xmit_us > xs->srtt_us / 2;
}

/* @skb was sent, or counts as sent and lost: the send head moves on. */
static void xtcp_sent_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 segs = xtcp_len_segs(sk, skb->len);

	if (xtcp_after(cb->end_seq, xs->snd_nxt)) {
		xs->snd_nxt = cb->end_seq;
		cb->segs = segs;
		xs->packets_out += segs;
		if (skb->len % xtcp_size_goal(xs))
			xs->snd_sml = cb->end_seq;
		xtcp_recovery_sent(sk, false, segs);
	} else {
		/* Resent with another MSS: it counts as cut now. */
		xtcp_skb_set_segs(sk, skb, segs);
		xtcp_skb_resent(sk, skb);
		xtcp_recovery_sent(sk, true, segs);
	}
	if (skb->len)
		xs->probes = 0;
	xs->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
			NULL : skb->next;
}

/*
 * Send the unsent part of the queue as far as the peer's window allows.
 * A segment that the local stack fails to send (no route, a full qdisc)
 * counts as sent and lost: the retransmission timer recovers it, and
 * gives up after its retries, as for a segment lost on the way.
 */
void xtcp_push(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool held = xtcp_clock_hold(sk);
	struct xtcp_burst burst = { .max_segs = xtcp_burst_goal(sk) };
	bool nagle = false, deferred = false, limited;
	u32 nxt = xs->snd_nxt, room;
	struct sk_buff *skb;
	int err = 0;

	/* What is presumed lost goes before new data (RFC 6675 NextSeg). */
	xtcp_retransmit_lost(sk);
	while ((skb = xs->send_head)) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (cb->sacked) {
			/* Resent after a timeout, but the peer holds it. */
			XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_SACKEDNOTRESENT,
				       cb->segs);
			xs->send_head = skb_queue_is_last(&sk->sk_write_queue,
							  skb) ? NULL : skb->next;
			continue;
		}
		nagle = xtcp_nagle_holds(sk, skb);
		room = xtcp_cwnd_room(sk);
		if (!nagle && room && !burst.first)
			deferred = xtcp_defer(sk, skb, burst.max_segs);
		if (nagle || !room || deferred || !xtcp_fits_window(sk, skb))
			break;
		/* No more than the window lets go, nor a super-segment. */
		xtcp_split_segs(sk, skb, min(room, burst.max_segs));
		if (xtcp_burst_add(sk, &burst, skb)) {
			xtcp_stamp_sent(sk, skb);
			xtcp_sent_skb(sk, skb);
			continue;
		}
		err = xtcp_burst_send(sk, &burst);
		if (err)
			break;
		/* A resend after a timeout, a SYN or FIN, or the next burst. */
		if (xtcp_burst_add(sk, &burst, skb)) {
			xtcp_stamp_sent(sk, skb);
			xtcp_sent_skb(sk, skb);
			continue;
		}
		err = xtcp_transmit_queued(sk, skb);
		xtcp_sent_skb(sk, skb);
		if (!err && cb->retransmitted) {
			xs->total_retrans += cb->segs;
			/* Only a timeout rewinds the send head. */
			trace_xtcp_retransmit(sk, skb, XTCP_RETRANS_RTO);
			XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS,
				       cb->segs);
		}
		if (err)
			break;
	}
	if (!err)
		err = xtcp_burst_send(sk, &burst);
	if (err)
		WRITE_ONCE(sk->sk_err_soft, -err);
	/*
	 * RFC 7661: was it SND.CWND, not the application, that stopped us?
	 * A deferral counts when SND.CWND, not the peer's window, was less.
	 */
	room = xtcp_cwnd_room(sk);
	limited = !room ||
		  (deferred && (s64)room * xs->mss <
			       (s32)(xs->snd_una + xs->snd_wnd - xs->snd_nxt));
	if (limited || xs->snd_nxt != nxt)
		xtcp_cwnd_validate(sk, limited);
	xtcp_clock_release(sk, held);
	/*
	 * Retransmission, or probing a zero window (RFC 9293 3.8.6.1); not
	 * for text that only Nagle or the cork holds, with none in flight.
	 */
	if (!skb_queue_empty(&sk->sk_write_queue) &&
	    (!nagle || skb_peek(&sk->sk_write_queue) != xs->send_head))
		xtcp_arm_rtx(sk);
}

/*
 * Send what Nagle held (XTCP_NODELAY set, XTCP_CORK unset), as TCP's
 * TCP_NAGLE_PUSH: once, whatever Nagle would say.
 */
void xtcp_push_pending(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		return;
	xs->push_now = 1;
	xtcp_push(sk);
	xs->push_now = 0;
}

/*
 * Queue and send SYN (active open) or SYN+ACK (SYN_RCVD).  @gfp: a passive
 * child answers from softirq, under its spinlock.
 */
int xtcp_send_syn(struct sock *sk, gfp_t gfp)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb;
	struct sk_buff *skb;

	skb = xtcp_alloc_ctl_skb(gfp);
	if (!skb)
		return -ENOBUFS;
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = xs->iss;
	cb->end_seq = xs->iss + 1;
	cb->flags = XTCP_FLAG_SYN;
	if (sk->sk_state == XTCP_SYN_RECV)
		cb->flags |= XTCP_FLAG_ACK;
	xs->snd_una = xs->iss;
	xs->snd_nxt = xs->iss;
	xs->snd_sml = xs->iss;
	xtcp_queue_data(sk, skb);
	xtcp_push(sk);
	return 0;
}

/* Queue FIN after all queued data; it is sent when its turn comes. */
void xtcp_send_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb;
	struct sk_buff *skb;

	if (xs->fin_queued)
		return;
	/* FIN must not be lost to an allocation failure: wait for memory. */
	skb = alloc_skb(XTCP_MAX_HEADER, sk->sk_allocation | __GFP_NOFAIL);
	skb_reserve(skb, XTCP_MAX_HEADER);
	cb = XTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = xs->write_seq;
	cb->end_seq = xs->write_seq + 1;
	cb->flags = XTCP_FLAG_FIN | XTCP_FLAG_ACK;
	xs->fin_queued = 1;
	xtcp_queue_data(sk, skb);
	xtcp_push(sk);
}

/* A bare ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
void xtcp_send_ack(struct sock *sk)
{
	struct sk_buff *skb = xtcp_alloc_ctl_skb(GFP_ATOMIC);

	if (skb)
		xtcp_transmit(sk, skb, xtcp_sk(sk)->snd_nxt, XTCP_FLAG_ACK);
}
