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
 * Slow start is Reno's, left early on a rising delay by HyStart++ (RFC
 * 9406, section 4.10 of RFC 9438), see xtcp_hystart_update().
 *
 * Windows are in segments, time in milliseconds from the socket's event
 * clock (clock.c), RTT is SRTT (rtt.c); all arithmetic is integer.  The
 * adjustment of the epoch for an application-limited sender is left out.
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

/* RFC 9406 4.2 constants: RTT thresholds in microseconds. */
#define XTCP_HYSTART_MIN_RTT_THRESH	4000
#define XTCP_HYSTART_MAX_RTT_THRESH	16000
#define XTCP_HYSTART_MIN_RTT_DIVISOR	8
#define XTCP_HYSTART_N_RTT_SAMPLE	8

/* HyStart++ (RFC 9406): the rounds of the initial slow start. */
struct xtcp_hystart {
	u32	window_end;	/* windowEnd: SND.NXT when the round began */
	u32	cur_min_us;	/* currentRoundMinRTT, U32_MAX: none yet */
	u32	last_min_us;	/* lastRoundMinRTT, U32_MAX: none */
	u32	end_seq;	/* the end of the last sample's segment */
	u8	samples;	/* rttSampleCount, saturating */
	u8	started:1,	/* a round is under way */
		done:1;		/* slow start was left, or met a loss */
};

/*
 * In xtcp_ca_priv(): the epoch, the one before the last cut (undo), and
 * HyStart++ (not undone: a loss ends it for good).
 */
struct xtcp_cubic {
	struct xtcp_cubic_epoch cur;
	struct xtcp_cubic_epoch prior;
	struct xtcp_hystart hs;
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

static void xtcp_hystart_round(struct xtcp_sock *xs, struct xtcp_hystart *hs)
{
	/* The first round has no last one to compare with. */
	hs->last_min_us = hs->started ? hs->cur_min_us : U32_MAX;
	hs->started = 1;
	hs->window_end = xs->snd_nxt;
	hs->cur_min_us = U32_MAX;
	hs->samples = 0;
}

/*
 * HyStart++ (RFC 9406 4.2), on each ACK of the initial slow start.  A
 * round ends when an ACK covers the SND.NXT of its start: the next ACK,
 * beyond it, is the first of the next round, as in Linux's HyStart, so
 * that the segments the round's last ACK let go still count in the next.
 * The RTT sample is RACK's (rack.c): that of the most recently sent
 * segment this ACK delivered, in microseconds, taken once per ACK that
 * delivered a segment beyond the last sample's (per ACK, as the RFC
 * says: one burst may be a whole flight, all sent at one time).  Once a
 * round has N_RTT_SAMPLE of them, its least RTT lying RttThresh =
 * lastRoundMinRTT / 8 (clamped to 4..16 ms) above the last round's means
 * a queue is building: slow start ends.
 *
 * It ends as Linux's HyStart ends it, SSTHRESH = SND.CWND and CUBIC's
 * congestion avoidance from there (a new epoch that probes from the
 * current window), not by the RFC's Conservative Slow Start: CSS would
 * keep growing by a quarter per round for up to five more rounds, on a
 * queue already shown to grow, which is what this is meant to stop (a
 * standing queue of a hundred milliseconds under netem), and CUBIC's
 * convex region probes beyond the exit point anyway.  RFC 9406 4.3 (and
 * Linux's HyStart) also stop a spurious exit only by that probing.  The
 * RFC's limit L on growth per ACK is not applied: XTCP paces (RFC 9406
 * 4.2 lets a paced sender take L as infinite).  A loss or a timeout
 * ends HyStart++ for the connection: later slow starts, up to the
 * SSTHRESH the loss set, are standard ones (RFC 9406 4.3).
 */
static void xtcp_hystart_update(struct xtcp_sock *xs, struct xtcp_hystart *hs)
{
	u32 rtt = xs->rack_rtt_us, thresh;

	if (!hs->started || xtcp_after(xs->snd_una, hs->window_end))
		xtcp_hystart_round(xs, hs);
	if (!xs->rack_valid || !rtt || xs->rack_end_seq == hs->end_seq)
		return;
	hs->end_seq = xs->rack_end_seq;
	hs->cur_min_us = min(hs->cur_min_us, rtt);
	if (hs->samples < U8_MAX)
		hs->samples++;
	if (hs->samples < XTCP_HYSTART_N_RTT_SAMPLE ||
	    hs->last_min_us == U32_MAX)
		return;
	thresh = clamp_t(u32, hs->last_min_us / XTCP_HYSTART_MIN_RTT_DIVISOR,
			 XTCP_HYSTART_MIN_RTT_THRESH,
			 XTCP_HYSTART_MAX_RTT_THRESH);
	if (hs->cur_min_us >= hs->last_min_us + thresh) {
		hs->done = 1;
		xs->snd_ssthresh = xs->snd_cwnd;
	}
}

static void xtcp_cubic_cong_avoid(struct sock *sk, u32 acked)
{
	struct xtcp_cubic *ca = xtcp_ca_priv(sk);
	struct xtcp_cubic_epoch *e = &ca->cur;
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 t_ms, target, cwnd, n;
	u64 sum;

	if (!ca->hs.done && xs->snd_cwnd < xs->snd_ssthresh)
		xtcp_hystart_update(xs, &ca->hs);
	/* Slow start, as Reno's (section 4.10), up to where HyStart++ left. */
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

	/* Slow start met a loss: no HyStart++ after (RFC 9406 4.3). */
	ca->hs.done = 1;
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
