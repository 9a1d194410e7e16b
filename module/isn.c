// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP initial sequence numbers (RFC 9293 3.4.1, RFC 6528): a clock that
 * ticks every 4 microseconds plus a keyed hash of the 4-tuple, so that
 * consecutive incarnations of a connection do not overlap in sequence
 * space and an off-path attacker cannot guess the ISN.
 */
#include <linux/siphash.h>
#include <linux/random.h>

#include "xtcp.h"

/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4 microsecond clock. */
u32 xtcp_new_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	static siphash_aligned_key_t isn_key;
	u32 hash;

	net_get_random_once(&isn_key, sizeof(isn_key));
	hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    ((__force u32)sport << 16) | (__force u32)dport,
			    &isn_key);
	return hash + (u32)(ktime_get_real_ns() >> 12);
}
