// SPDX-License-Identifier: GPL-2.0
/*
 * Segment options, written and parsed with TCP's kind numbers and
 * encoding, so that a capture of XTCP decodes as TCP option by option:
 * MSS (RFC 9293 3.2), SACK-permitted and SACK (RFC 2018, D-SACK RFC 2883).
 * Options are padded with NOPs to 32-bit words as Linux lays them out.
 */

#include <linux/skbuff.h>
#include <asm/unaligned.h>

#include "xtcp.h"

/* Bytes @o takes on the wire, a multiple of 4. */
unsigned int xtcp_options_len(const struct xtcp_out_options *o)
{
	unsigned int len = 0;

	if (!o)
		return 0;
	if (o->mss)
		len += XTCPOLEN_MSS;
	if (o->sack_perm)
		len += 4;	/* NOP, NOP, SACK-permitted */
	if (o->num_sacks)
		len += 4 + o->num_sacks * XTCPOLEN_SACK_PERBLOCK;
	return len;
}

/* Write @o at @p, xtcp_options_len(@o) bytes. */
void xtcp_options_write(u8 *p, const struct xtcp_out_options *o)
{
	int i;

	if (o->mss) {
		*p++ = XTCPOPT_MSS;
		*p++ = XTCPOLEN_MSS;
		put_unaligned_be16(o->mss, p);
		p += 2;
	}
	if (o->sack_perm) {
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_SACK_PERM;
		*p++ = XTCPOLEN_SACK_PERM;
	}
	if (o->num_sacks) {
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_SACK;
		*p++ = XTCPOLEN_SACK_BASE +
		       o->num_sacks * XTCPOLEN_SACK_PERBLOCK;
		for (i = 0; i < o->num_sacks; i++) {
			put_unaligned_be32(o->sacks[i].start, p);
			put_unaligned_be32(o->sacks[i].end, p + 4);
			p += XTCPOLEN_SACK_PERBLOCK;
		}
	}
}

/*
 * Parse the options of a received segment into @o.  A malformed option
 * ends the parse: what came before it counts, nothing after.
 */
void xtcp_options_parse(const struct sk_buff *skb, struct xtcp_in_options *o)
{
	const struct xtcphdr *th = xtcp_hdr(skb);
	const u8 *opt = (const u8 *)(th + 1);
	int len = xtcp_hdr_doff(th) - XTCP_HDR_LEN;
	bool syn = th->flags & XTCP_FLAG_SYN;

	memset(o, 0, sizeof(*o));
	while (len > 0) {
		u8 kind = opt[0], olen;

		if (kind == XTCPOPT_EOL)
			break;
		if (kind == XTCPOPT_NOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			break;
		olen = opt[1];
		if (olen < 2 || olen > len)
			break;
		switch (kind) {
		case XTCPOPT_MSS:
			/* RFC 9293 3.7.1: only in a SYN. */
			if (olen == XTCPOLEN_MSS && syn)
				o->mss = get_unaligned_be16(opt + 2);
			break;
		case XTCPOPT_SACK_PERM:
			if (olen == XTCPOLEN_SACK_PERM && syn)
				o->sack_perm = 1;
			break;
		case XTCPOPT_SACK:
			if (olen >= XTCPOLEN_SACK_BASE + XTCPOLEN_SACK_PERBLOCK &&
			    !((olen - XTCPOLEN_SACK_BASE) % XTCPOLEN_SACK_PERBLOCK) &&
			    !syn) {
				o->sack = opt + 2;
				o->num_sacks = (olen - XTCPOLEN_SACK_BASE) /
					       XTCPOLEN_SACK_PERBLOCK;
			}
			break;
		}
		opt += olen;
		len -= olen;
	}
}
