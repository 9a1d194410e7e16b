// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's IP protocol offloads: software segmentation (GSO) of the
 * super-segments xtcp_push() builds, for any device that cannot pass them
 * on whole.
 *
 * A super-segment is one skb: one XTCP header, then up to 64 KiB of text
 * in page fragments, gso_size (the MSS) bytes per segment.  Nothing is cut
 * until the device is known: one that takes XTCP_GSO_TYPE (veth, loopback,
 * bridges) carries it whole to the next hop, the rest reach
 * xtcp_gso_segment() from validate_xmit_skb(), as TCP's tcp_offload.c.
 *
 * No hardware segments XTCP: it is not TCP to a TSO engine, so the type
 * borrowed is SCTP's, which only software devices claim.  The kernel then
 * takes the header to be 12 bytes when it estimates a segment's size
 * (skb_gso_transport_seglen()); our segments never exceed the MSS of the
 * route they were built for, so only a smaller MTU further on, within 20
 * bytes, could be misjudged.
 */
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/protocol.h>

#include "xtcp.h"

/*
 * Each segment's header: its own SEQ, FIN and PSH only on the last, and
 * its checksum, left to the device when it sums any protocol, else summed
 * here over what skb_segment() summed of the text.
 */
static void xtcp_gso_fix(struct sk_buff *seg, u32 seq, u8 flags, bool last)
{
	struct xtcphdr *th = xtcp_hdr(seg);
	const struct iphdr *iph = ip_hdr(seg);
	unsigned int len = seg->len - skb_transport_offset(seg);

	th->seq = htonl(seq);
	th->flags = last ? flags : flags & ~(XTCP_FLAG_FIN | XTCP_FLAG_PSH);
	/* The pseudo-header's sum, where the device or we finish it. */
	th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, len,
				       iph->protocol, 0);
	if (seg->ip_summed == CHECKSUM_PARTIAL)
		gso_reset_checksum(seg, ~csum_unfold(th->check));
	else
		th->check = gso_make_checksum(seg, ~csum_unfold(th->check));
}

static struct sk_buff *xtcp_gso_segment(struct sk_buff *skb,
					netdev_features_t features)
{
	struct sk_buff *segs, *seg;
	unsigned int hlen, mss;
	struct xtcphdr *th;
	u32 seq;
	u8 flags;

	if (!(skb_shinfo(skb)->gso_type & XTCP_GSO_TYPE) ||
	    !pskb_may_pull(skb, sizeof(*th)))
		return ERR_PTR(-EINVAL);
	th = xtcp_hdr(skb);
	hlen = xtcp_hdr_doff(th);
	if (hlen < sizeof(*th) || !pskb_may_pull(skb, hlen))
		return ERR_PTR(-EINVAL);
	th = xtcp_hdr(skb);
	mss = skb_shinfo(skb)->gso_size;
	if (skb->len <= hlen + mss)
		return ERR_PTR(-EINVAL);
	/* A device that segments it after all (untrusted source, DODGY). */
	if (skb_gso_ok(skb, features | NETIF_F_GSO_ROBUST)) {
		skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(skb->len - hlen, mss);
		return NULL;
	}
	seq = ntohl(th->seq);
	flags = th->flags;
	/*
	 * NETIF_F_IP_CSUM promises TCP and UDP only: anything short of
	 * NETIF_F_HW_CSUM has skb_segment() sum the text for us.
	 */
	if (!(features & NETIF_F_HW_CSUM))
		features &= ~NETIF_F_CSUM_MASK;
	__skb_pull(skb, hlen);
	segs = skb_segment(skb, features);
	if (IS_ERR(segs))
		return segs;

	for (seg = segs; seg; seg = seg->next) {
		xtcp_gso_fix(seg, seq, flags, !seg->next);
		seq += seg->len - skb_transport_offset(seg) - hlen;
		/* Each segment stays charged to its socket (fq, wmem). */
		if (skb->destructor == sock_wfree)
			skb_set_owner_w(seg, skb->sk);
	}
	return segs;
}

static const struct net_offload xtcp_offload = {
	.callbacks = {
		.gso_segment	= xtcp_gso_segment,
		.gro_receive	= xtcp_gro_receive,
		.gro_complete	= xtcp_gro_complete,
	},
};

int xtcp_offload_init(void)
{
	return inet_add_offload(&xtcp_offload, xtcp_ipproto);
}

void xtcp_offload_exit(void)
{
	/* inet_del_offload() waits for callers in flight (synchronize_net). */
	inet_del_offload(&xtcp_offload, xtcp_ipproto);
}
