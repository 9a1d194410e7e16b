// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's generic receive offload: in-order segments of one connection
 * that arrive in one NAPI poll become one super-segment before IP, so
 * that the stack looks a connection up, takes its lock and runs the
 * state machine once per batch rather than once per segment.
 *
 * Only what segmentation (offload.c) could cut back into the very same
 * segments is merged: the same ports (IP matched the addresses), the
 * same ACK, window, urgent pointer and option bytes, contiguous SEQ,
 * every segment but the last as long as the first, ACK and PSH the only
 * flags.  A segment with PSH ends the batch after it joins; SYN, RST,
 * URG, FIN, a gap, a longer segment or any other difference end it
 * before.  The merged skb is a GSO skb of XTCP_GSO_TYPE, so that local
 * delivery takes it whole and forwarding cuts it again in
 * xtcp_gso_segment().
 *
 * The kernel's skb_gro_receive() is not exported to modules, so the
 * merge is done here: page fragments move to the held skb when they fit,
 * else the segment itself goes on its frag_list.
 */
#include <linux/skbuff.h>
#include <net/gro.h>
#include <net/ip.h>
#include <net/sock.h>

#include "xtcp.h"

/*
 * IPv4 must say the same for every segment but the length, checksum and
 * ID.  The ID of a datagram with DF means nothing (RFC 6864 4.1): when
 * forwarding cuts the merged segment again, inet_gso_segment() writes it
 * counting up.  Without DF it must already count up by one per segment,
 * from the first; @count segments are held.
 */
static bool xtcp_gro_ip_differs(const struct iphdr *iph,
				const struct iphdr *iph2, u16 count)
{
	if (iph->ttl != iph2->ttl || iph->tos != iph2->tos ||
	    ((iph->frag_off ^ iph2->frag_off) & htons(IP_DF)))
		return true;
	if (iph->frag_off & htons(IP_DF))
		return false;
	return (u16)(ntohs(iph->id) - ntohs(iph2->id)) != count;
}

/* Everything but SEQ, PSH and the checksum must match the held header. */
static bool xtcp_gro_hdr_differs(const struct xtcphdr *th,
				 const struct xtcphdr *th2, unsigned int thlen)
{
	if (th->doff_res != th2->doff_res || th->ack_seq != th2->ack_seq ||
	    th->window != th2->window || th->urg_ptr != th2->urg_ptr ||
	    ((th->flags ^ th2->flags) & ~XTCP_FLAG_PSH))
		return true;
	return memcmp(th + 1, th2 + 1, thlen - sizeof(*th)) != 0;
}

/*
 * Append the text of @skb (from its GRO offset on) to @p, the held
 * super-segment.  0 on success: @skb's memory is @p's then, and @skb is
 * either emptied of its fragments (GRO frees it) or on @p's frag_list.
 */
static int xtcp_gro_merge(struct sk_buff *p, struct sk_buff *skb)
{
	struct skb_shared_info *from = skb_shinfo(skb), *to;
	struct sk_buff *last = NAPI_GRO_CB(p)->last;
	unsigned int off = skb_gro_offset(skb);
	unsigned int len = skb_gro_len(skb);
	unsigned int headlen = skb_headlen(skb);
	unsigned int moved, limit;

	/*
	 * The held skb's owner comes to own the memory of both: the same
	 * socket or none (veth keeps the sender's, skb_prepare_for_gro()),
	 * and pages of one kind.
	 */
	if (p->sk != skb->sk || p->destructor != skb->destructor ||
	    (skb->destructor && skb->destructor != sock_wfree) ||
	    p->pp_recycle != skb->pp_recycle || skb_zcopy(p) || skb_zcopy(skb))
		return -EXDEV;
	/* The IPv4 total length is 16 bits. */
	limit = min_t(unsigned int, READ_ONCE(p->dev->gro_max_size),
		      GRO_LEGACY_MAX_SIZE);
	if (p->len + len >= limit)
		return -E2BIG;

	to = skb_shinfo(last);
	if (headlen <= off && from->nr_frags &&
	    skb_frag_size(&from->frags[0]) > off - headlen &&
	    to->nr_frags + from->nr_frags <= MAX_SKB_FRAGS) {
		unsigned int truesize = SKB_TRUESIZE(skb_end_offset(skb));
		skb_frag_t *frag = &to->frags[to->nr_frags];

		/* All its text is in pages: they move, the headers stay. */
		memcpy(frag, from->frags, from->nr_frags * sizeof(*frag));
		skb_frag_off_add(frag, off - headlen);
		skb_frag_size_sub(frag, off - headlen);
		to->nr_frags += from->nr_frags;
		to->flags |= from->flags & SKBFL_SHARED_FRAG;
		from->nr_frags = 0;
		skb->len = headlen;
		skb->data_len = 0;
		moved = skb->truesize - truesize;
		skb->truesize = truesize;
		NAPI_GRO_CB(skb)->free = NAPI_GRO_FREE;
	} else {
		/* Headers still in a page (frag0): into the head first. */
		if (off > headlen) {
			if (!pskb_may_pull(skb, off))
				return -ENOMEM;
			skb_gro_frag0_invalidate(skb);
		}
		__skb_pull(skb, off);
		/* Its truesize is @p's now, released with @p's (sock_wfree). */
		skb->destructor = NULL;
		skb->sk = NULL;
		moved = skb->truesize;
		if (last == p)
			skb_shinfo(p)->frag_list = skb;
		else
			last->next = skb;
		NAPI_GRO_CB(p)->last = skb;
		__skb_header_release(skb);
		last = p;
	}

	NAPI_GRO_CB(p)->count += NAPI_GRO_CB(skb)->count;
	p->len += len;
	p->data_len += len;
	p->truesize += moved;
	skb_shinfo(p)->flags |= from->flags & SKBFL_SHARED_FRAG;
	if (last != p) {
		last->len += len;
		last->data_len += len;
		last->truesize += moved;
	}
	NAPI_GRO_CB(skb)->same_flow = 1;
	return 0;
}

struct sk_buff *xtcp_gro_receive(struct list_head *head, struct sk_buff *skb)
{
	unsigned int off, hlen, thlen, len, mss = 1;
	const struct xtcphdr *th;
	struct sk_buff *pp = NULL;
	struct xtcphdr *th2;
	struct sk_buff *p;
	int flush = 1;

	/* A segment that goes up alone anyway has its sum checked there. */
	if (!NAPI_GRO_CB(skb)->flush &&
	    skb_gro_checksum_validate(skb, xtcp_ipproto,
				      inet_gro_compute_pseudo))
		goto out;

	off = skb_gro_offset(skb);
	hlen = off + sizeof(*th);
	th = skb_gro_header(skb, hlen, off);
	if (unlikely(!th))
		goto out;
	thlen = xtcp_hdr_doff(th);
	if (thlen < sizeof(*th))
		goto out;
	hlen = off + thlen;
	if (skb_gro_header_hard(skb, hlen)) {
		th = skb_gro_header_slow(skb, hlen, off);
		if (unlikely(!th))
			goto out;
	}
	skb_gro_pull(skb, thlen);
	len = skb_gro_len(skb);

	list_for_each_entry(p, head, list) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		th2 = xtcp_hdr(p);
		if (th->source != th2->source || th->dest != th2->dest) {
			NAPI_GRO_CB(p)->same_flow = 0;
			continue;
		}
		goto found;
	}
	p = NULL;
	goto out_check_final;

found:
	/* The header the IP layer saw is right in front of ours. */
	flush = NAPI_GRO_CB(p)->flush;
	flush |= xtcp_gro_ip_differs((const struct iphdr *)th - 1, ip_hdr(p),
				     NAPI_GRO_CB(p)->count);
	flush |= xtcp_gro_hdr_differs(th, th2, thlen);
	/* Every segment but the last has the first one's size. */
	mss = skb_shinfo(p)->gso_size;
	flush |= len - 1 >= mss;
	flush |= ntohl(th2->seq) + skb_gro_len(p) != ntohl(th->seq);
	if (flush || xtcp_gro_merge(p, skb)) {
		mss = 1;
		goto out_check_final;
	}
	th2->flags |= th->flags & XTCP_FLAG_PSH;

out_check_final:
	/* A short segment, PSH or any flag but ACK ends the batch. */
	flush = len < mss || (th->flags & ~XTCP_FLAG_ACK);
	if (p && (!NAPI_GRO_CB(skb)->same_flow || flush))
		pp = p;
out:
	NAPI_GRO_CB(skb)->flush |= flush;
	return pp;
}

int xtcp_gro_complete(struct sk_buff *skb, int thoff)
{
	/* inet_gro_receive() merged no IPv4 header with options. */
	const struct iphdr *iph = (const struct iphdr *)(skb->data + thoff) - 1;
	struct xtcphdr *th = (struct xtcphdr *)(skb->data + thoff);

	/* The pseudo-header sum, as xtcp_gso_segment() and devices expect. */
	th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
				       skb->len - thoff, iph->protocol, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = (unsigned char *)th - skb->head;
	skb->csum_offset = offsetof(struct xtcphdr, check);
	skb_shinfo(skb)->gso_type |= XTCP_GSO_TYPE;
	skb_shinfo(skb)->gso_segs = NAPI_GRO_CB(skb)->count;
	if (skb->encapsulation)
		skb_set_inner_transport_header(skb, thoff);
	return 0;
}
