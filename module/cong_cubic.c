// SPDX-License-Identifier: GPL-2.0
/*
 * CUBIC (RFC 9438), XTCP's default congestion control.
 *
 * After a congestion event the window follows a cubic function of the
 * time t since congestion avoidance began (section 4.2, Figure 1):
 *
 *	W_cubic(t) = C * (t - K)^3 + W_max
 *
 * concave while below W_max, the window before the event (section 4.4),
 * flat around it, convex beyond (section 4.5), so that a flow probes
 * slowly near the rate that met congestion and fast away from it.  K is
 * the time the curve takes from cwnd_epoch, the window at the start of
 * the epoch, to W_max.  Each ACK moves SND.CWND towards W_cubic(t + RTT),
 * at most half a window per round trip.  Where Reno would have a larger
 * window (short RTTs, small windows), CUBIC follows W_est, Reno's window
 * as AIMD(alpha_cubic, beta_cubic) would grow it (the Reno-friendly
 * region, section 4.3).  On a loss SSTHRESH is beta_cubic = 0.7 of the
 * flight (section 4.6), W_max lowered further if the last one had not
 * been reached (fast convergence, section 4.7).
 *
 * Windows are in segments, time in milliseconds from the socket's event
 * clock (clock.c), RTT is SRTT (rtt.c); all arithmetic is integer.  Slow
 * start is Reno's: HyStart is left out, as RFC 9438 4.10 allows, and so
 * is the adjustment of the epoch for an application-limited sender.
 */

#include <linux/kernel.h>
#include <linux/math64.h>

#include "xtcp.h"

/* beta_cubic (section 4.6): the window after a loss. */
#define XTCP_CUBIC_BETA_NUM	7
#define XTCP_CUBIC_BETA_DEN	10
/* alpha_cubic = 3 (1 - beta_cubic) / (1 + beta_cubic) = 9 / 17 (4.3). */
#define XTCP_CUBIC_ALPHA_NUM	9
#define XTCP_CUBIC_ALPHA_DEN	17
/*
 * C = 0.4 segment/s^3 (section 5): with t in milliseconds, one segment
 * per 2.5e9 ms^3.
 */
#define XTCP_CUBIC_MS3_PER_SEG	2500000000ULL
/* |t - K| is capped (35 minutes) so that its cube fits in 64 bits. */
#define XTCP_CUBIC_MAX_MS	BIT(21)

/* One congestion avoidance stage, the epoch. */
struct xtcp_cubic_epoch {
	u64	est_acked;	/* ACKed segments for W_est, in 1/17ths */
	u64	start_ns;	/* when the epoch began */
	u32	w_max;		/* W_max: the window before the last cut */
	u32	cwnd_prior;	/* cwnd_prior: the window at the last cut */
	u32	origin;		/* the plateau of this epoch's curve */
	u32	k_ms;		/* K */
	u32	w_est;		/* W_est, segments */
	u8	started:1,	/* start_ns, k_ms ... w_est are set */
		after_rto:1;	/* the cut was a timeout (section 4.8) */
};

/* In xtcp_ca_priv(): the epoch, and the one before the last cut (undo). */
struct xtcp_cubic {
	struct xtcp_cubic_epoch cur;
	struct xtcp_cubic_epoch prior;
};

/* Integer cube root, bit by bit: the largest r with r^3 <= a. */
static u32 xtcp_cubic_cbrt(u64 a)
{
	u64 r = 0;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		/* (r + 1)^3 - r^3, at this digit */
		u64 step;

		r <<= 1;
		step = 3 * r * (r + 1) + 1;
		if ((a >> s) >= step) {
			a -= step << s;
			r++;
		}
	}
	return r;
}

/* W_cubic(t) of Figure 1, @t_ms since the epoch began. */
static u32 xtcp_cubic_w(const struct xtcp_cubic_epoch *e, u32 t_ms)
{
	u64 d = t_ms > e->k_ms ? t_ms - e->k_ms : e->k_ms - t_ms;
	u64 delta;

	d = min_t(u64, d, XTCP_CUBIC_MAX_MS);
	delta = div64_u64(d * d * d, XTCP_CUBIC_MS3_PER_SEG);
	if (t_ms < e->k_ms)
		return e->origin > delta ? e->origin - delta : 0;
	return min_t(u64, e->origin + delta, U32_MAX);
}

/* The first ACK in congestion avoidance after a cut begins an epoch. */
static void xtcp_cubic_begin(struct xtcp_sock *xs, struct xtcp_cubic_epoch *e)
{
	u32 cwnd = xs->snd_cwnd;

	e->started = 1;
	e->start_ns = xtcp_now_ns(xs);
	e->w_est = cwnd;	/* section 4.3: W_est = cwnd_epoch */
	e->est_acked = 0;
	/* After a timeout the curve starts flat where it is (4.8). */
	if (e->after_rto) {
		e->after_rto = 0;
		e->w_max = cwnd;
	}
	if (e->w_max <= cwnd) {
		/* Above the last W_max (undone, or none yet): probe from here. */
		e->k_ms = 0;
		e->origin = cwnd;
	} else {
		/* Figure 2: K = cubic_root((W_max - cwnd_epoch) / C). */
		e->k_ms = xtcp_cubic_cbrt((u64)(e->w_max - cwnd) *
					  XTCP_CUBIC_MS3_PER_SEG);
		e->origin = e->w_max;
	}
	xs->snd_cwnd_cnt = 0;
}

/*
 * Section 4.3: W_est grows by alpha_cubic segments per window ACKed, by
 * one once it has passed cwnd_prior, where Reno and CUBIC would meet.
 */
static void xtcp_cubic_grow_est(struct xtcp_sock *xs,
				struct xtcp_cubic_epoch *e, u32 acked)
{
	u64 per_seg = (u64)xs->snd_cwnd * XTCP_CUBIC_ALPHA_DEN;
	u64 n;

	e->est_acked += (u64)acked * (e->w_est >= e->cwnd_prior ?
				      XTCP_CUBIC_ALPHA_DEN :
				      XTCP_CUBIC_ALPHA_NUM);
	n = div64_u64(e->est_acked, per_seg);
	e->w_est += n;
	e->est_acked -= n * per_seg;
}

static void xtcp_cubic_cong_avoid(struct sock *sk, u32 acked)
{
	struct xtcp_cubic_epoch *e = &((struct xtcp_cubic *)xtcp_ca_priv(sk))->cur;
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 t_ms, target, cwnd, n;
	u64 sum;

	/* Slow start, as Reno's (section 4.10). */
	acked = xtcp_slow_start(xs, acked);
	if (!acked)
		return;
	if (!e->started)
		xtcp_cubic_begin(xs, e);
	cwnd = xs->snd_cwnd;
	/* Bounded, so that t + RTT cannot wrap; W_cubic is capped below. */
	t_ms = min_t(u64, div_u64(xtcp_now_ns(xs) - e->start_ns, NSEC_PER_MSEC),
		     U32_MAX / 2);

	xtcp_cubic_grow_est(xs, e, acked);
	if (xtcp_cubic_w(e, t_ms) < e->w_est) {
		/* Reno-friendly region: cwnd = W_est. */
		if (e->w_est > cwnd) {
			xs->snd_cwnd = e->w_est;
			xs->snd_cwnd_cnt = 0;
		}
		return;
	}

	/*
	 * Concave or convex region: towards W_cubic(t + RTT), but neither
	 * down nor by more than half the window in a round trip (4.2).
	 */
	target = xtcp_cubic_w(e, t_ms + xs->srtt_us / USEC_PER_MSEC);
	target = min_t(u64, target, cwnd + cwnd / 2);
	if (target <= cwnd)
		return;
	/*
	 * (target - cwnd) / cwnd per segment ACKed; snd_cwnd_cnt carries
	 * the fraction, in 1/cwnd segments: a window ACKed reaches target.
	 */
	sum = xs->snd_cwnd_cnt + (u64)acked * (target - cwnd);
	n = div_u64_rem(sum, cwnd, &xs->snd_cwnd_cnt);
	xs->snd_cwnd += n;
}

/* Section 4.6: beta_cubic of the flight, at least two segments. */
static u32 xtcp_cubic_ssthresh(struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u64 flight = min(xs->packets_out, xs->snd_cwnd);

	return max_t(u32, div_u64(flight * XTCP_CUBIC_BETA_NUM,
				  XTCP_CUBIC_BETA_DEN), 2);
}

static void xtcp_cubic_cwnd_event(struct sock *sk, enum xtcp_ca_event ev)
{
	struct xtcp_cubic *ca = xtcp_ca_priv(sk);
	struct xtcp_cubic_epoch *e = &ca->cur;
	u32 cwnd = xtcp_sk(sk)->snd_cwnd;

	switch (ev) {
	case XTCP_CA_EVENT_LOSS:
		ca->prior = *e;
		e->started = 0;
		/*
		 * Fast convergence (4.7): short of the last W_max, the flow
		 * leaves room for newcomers, W_max = cwnd (1 + beta) / 2.
		 */
		if (cwnd < e->w_max)
			e->w_max = div_u64((u64)cwnd * (XTCP_CUBIC_BETA_DEN +
							XTCP_CUBIC_BETA_NUM),
					   2 * XTCP_CUBIC_BETA_DEN);
		else
			e->w_max = cwnd;
		e->cwnd_prior = cwnd;
		break;
	case XTCP_CA_EVENT_TIMEOUT:
		e->started = 0;
		e->after_rto = 1;
		break;
	}
}

/*
 * Section 4.9: a needless cut is undone whole, the epoch it ended too,
 * so the curve goes on as if it had not happened.
 */
static u32 xtcp_cubic_undo_cwnd(struct sock *sk)
{
	struct xtcp_cubic *ca = xtcp_ca_priv(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);

	ca->cur = ca->prior;
	return max(xs->snd_cwnd, xs->prior_cwnd);
}

static void xtcp_cubic_init(struct sock *sk)
{
	BUILD_BUG_ON(sizeof(struct xtcp_cubic) >
		     sizeof_field(struct xtcp_sock, ca_priv));
}

/* Built in: no owner, so that sockets do not pin XTCP (cong.c). */
struct xtcp_cong_ops xtcp_cubic = {
	.name		= "cubic",
	.owner		= NULL,
	.init		= xtcp_cubic_init,
	.cong_avoid	= xtcp_cubic_cong_avoid,
	.ssthresh	= xtcp_cubic_ssthresh,
	.cwnd_event	= xtcp_cubic_cwnd_event,
	.undo_cwnd	= xtcp_cubic_undo_cwnd,
};
