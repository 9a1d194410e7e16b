// SPDX-License-Identifier: GPL-2.0
/*
 * Reno (RFC 5681 3.1): slow start below SSTHRESH, one segment per window
 * of ACKed segments above it; on a loss SSTHRESH is half of what was in
 * flight, at least two segments (equation 4).  Windows count segments,
 * as Linux's do: SND.CWND * SMSS bytes.
 */

#include "xtcp.h"

static void xtcp_reno_cong_avoid(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	acked = xtcp_slow_start(xs, acked);
	if (!acked)
		return;
	/* Congestion avoidance: one segment per window ACKed. */
	xs->snd_cwnd_cnt += acked;
	if (xs->snd_cwnd_cnt >= xs->snd_cwnd) {
		xs->snd_cwnd_cnt -= xs->snd_cwnd;
		xs->snd_cwnd++;
	}
}

/*
 * FlightSize: what was sent and not yet acknowledged, less what Limited
 * Transmit (RFC 3042) sent beyond SND.CWND, which RFC 5681 3.2 step 2
 * leaves out.
 */
static u32 xtcp_reno_ssthresh(struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return max(min(xs->packets_out, xs->snd_cwnd) / 2, 2U);
}

/* Built in: no owner, so that sockets do not pin XTCP (cong.c). */
struct xtcp_cong_ops xtcp_reno = {
	.name		= "reno",
	.owner		= NULL,
	.cong_avoid	= xtcp_reno_cong_avoid,
	.ssthresh	= xtcp_reno_ssthresh,
};
