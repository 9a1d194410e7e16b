// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control (RFC 5681): the hooks the data path calls, and the
 * table of algorithms behind them.  An algorithm is a struct
 * xtcp_cong_ops, as Linux's tcp_congestion_ops: it grows SND.CWND as ACKs
 * come (slow start, congestion avoidance) and says what SSTHRESH becomes
 * on a loss.  What every algorithm shares stays here: the initial window
 * (RFC 6928), the loss window after a timeout (RFC 5681 3.1), and the
 * count of segments in flight that SND.CWND bounds.
 */

#include <linux/kernel.h>

#include "xtcp.h"

#define XTCP_INIT_CWND	10	/* segments, RFC 6928 */
#define XTCP_INFINITE_SSTHRESH	0x7fffffff

static const struct xtcp_cong_ops *const xtcp_cong_algos[] = {
	&xtcp_reno,
};

/* A new connection starts with the default algorithm and window. */
void xtcp_cong_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ca_ops = xtcp_cong_algos[0];
	xs->snd_cwnd = XTCP_INIT_CWND;
	xs->snd_ssthresh = XTCP_INFINITE_SSTHRESH;
	xs->snd_cwnd_cnt = 0;
	xs->packets_out = 0;
	xs->sacked_out = 0;
	xs->lost_out = 0;
	xs->retrans_out = 0;
	xs->ca_state = XTCP_CA_OPEN;
	xs->undo_armed = 0;
	xs->tlp_high_seq = 0;
	xs->reordering = XTCP_DUPTHRESH;
	xs->rack_reo_steps = 1;
}

/* RFC 6675's pipe: sent, neither SACKed nor lost, or resent. */
u32 xtcp_in_flight(const struct xtcp_sock *xs)
{
	return xs->packets_out - xs->sacked_out - xs->lost_out +
	       xs->retrans_out;
}

/* May one more new segment go out now? */
bool xtcp_cwnd_allows(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return xtcp_in_flight(xs) < xs->snd_cwnd;
}

/* @acked segments left the retransmission queue on an ACK. */
void xtcp_cong_on_ack(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (acked)
		xs->ca_ops->cong_avoid(sk, acked);
}

/*
 * The retransmission timer fired: SND.CWND is the loss window, one
 * segment, and SSTHRESH comes from what was in flight if @cut_ssthresh,
 * once per episode (RFC 5681 3.1, equation 4; recovery.c decides).
 */
void xtcp_cong_on_timeout(struct sock *sk, bool cut_ssthresh)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	/*
	 * A lost SYN or SYN,ACK: the window after the handshake is one
	 * segment (RFC 5681 3.1, RFC 6928 2); SSTHRESH stays unbounded.
	 */
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		xs->snd_cwnd = 1;
		return;
	}
	if (cut_ssthresh)
		xs->snd_ssthresh = xs->ca_ops->ssthresh(sk);
	xs->snd_cwnd = 1;
	xs->snd_cwnd_cnt = 0;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CWNDLOSS);
}

/* SSTHRESH for /proc: -1 while still "infinite", as /proc/net/tcp. */
int xtcp_ssthresh_shown(const struct xtcp_sock *xs)
{
	return xs->snd_ssthresh >= XTCP_INFINITE_SSTHRESH ? -1 :
	       (int)xs->snd_ssthresh;
}
