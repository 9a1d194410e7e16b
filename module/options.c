// SPDX-License-Identifier: GPL-2.0
/*
 * Segment options, written and parsed with TCP's kind numbers and
 * encoding, so that a capture of XTCP decodes as TCP option by option:
 * MSS (RFC 9293 3.2), SACK-permitted and SACK (RFC 2018, D-SACK RFC 2883),
 * timestamps (RFC 7323 3) and window scale (RFC 7323 2).  Options are
 * padded with NOPs to 32-bit words as Linux lays them out: MSS, then
 * timestamps behind NOP, NOP (or behind SACK-permitted on a SYN that has
 * both), then window scale behind one NOP, then SACK-permitted behind
 * NOP, NOP if the timestamps did not carry it, then SACK blocks.  A SYN
 * with all four takes 20 bytes.
 */

#include <linux/skbuff.h>
#include <asm/unaligned.h>

#include "xtcp.h"

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
	if (o->ts) {
		if (o->sack_perm) {
			*p++ = XTCPOPT_SACK_PERM;
			*p++ = XTCPOLEN_SACK_PERM;
		} else {
			*p++ = XTCPOPT_NOP;
			*p++ = XTCPOPT_NOP;
		}
		*p++ = XTCPOPT_TIMESTAMP;
		*p++ = XTCPOLEN_TIMESTAMP;
		put_unaligned_be32(o->tsval, p);
		put_unaligned_be32(o->tsecr, p + 4);
		p += 8;
	}
	if (o->ws) {
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_WINDOW;
		*p++ = XTCPOLEN_WINDOW;
		*p++ = o->wscale;
	}
	if (o->sack_perm && !o->ts) {
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
		case XTCPOPT_WINDOW:
			/*
			 * RFC 7323 2.2: only in a SYN.  2.3: a shift above 14
			 * is taken as 14.
			 */
			if (olen == XTCPOLEN_WINDOW && syn) {
				o->saw_ws = 1;
				o->wscale = min_t(u8, opt[2], XTCP_MAX_WSCALE);
			}
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
		case XTCPOPT_TIMESTAMP:
			if (olen == XTCPOLEN_TIMESTAMP) {
				o->saw_ts = 1;
				o->tsval = get_unaligned_be32(opt + 2);
				o->tsecr = get_unaligned_be32(opt + 6);
			}
			break;
		}
		opt += olen;
		len -= olen;
	}
}

/*
 * The timestamps option of @skb into @ts.  Most segments of a connection
 * with timestamps carry just NOP, NOP, TS: read that layout directly, as
 * Linux's tcp_parse_aligned_timestamp() does, and parse the rest.
 */
void xtcp_options_parse_ts(const struct sk_buff *skb, struct xtcp_rx_ts *ts)
{
	const struct xtcphdr *th = xtcp_hdr(skb);
	const u8 *opt = (const u8 *)(th + 1);
	struct xtcp_in_options o;

	ts->saw = 0;
	ts->rtt_taken = 0;
	if (xtcp_hdr_doff(th) == XTCP_HDR_LEN + XTCPOLEN_TSTAMP_ALIGNED &&
	    opt[0] == XTCPOPT_NOP && opt[1] == XTCPOPT_NOP &&
	    opt[2] == XTCPOPT_TIMESTAMP && opt[3] == XTCPOLEN_TIMESTAMP) {
		ts->saw = 1;
		ts->tsval = get_unaligned_be32(opt + 4);
		ts->tsecr = get_unaligned_be32(opt + 8);
		return;
	}
	if (xtcp_hdr_doff(th) == XTCP_HDR_LEN)
		return;
	xtcp_options_parse(skb, &o);
	ts->saw = o.saw_ts;
	ts->tsval = o.tsval;
	ts->tsecr = o.tsecr;
}
