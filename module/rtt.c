// SPDX-License-Identifier: GPL-2.0
/*
 * Round-trip time and the retransmission timeout (RFC 6298), and TCP
 * timestamps (RFC 7323): the option's negotiation on the SYNs, TSval and
 * TSecr on every segment but a RST (3.2), TS.Recent and Last.ACK.sent
 * (4.3), RTT measurement from TSecr (4, RTTM) and protection against
 * wrapped sequence numbers (5, PAWS).
 *
 * Without timestamps an RTT sample is taken from the time a segment sent
 * once waited for its ACK (Karn's rule, RFC 6298 3).  With them, every
 * ACK that advances SND.UNA gives a sample from its TSecr, retransmitted
 * or not: TSecr says which transmission the ACK answers (RFC 7323 4.1).
 *
 * TSval is a millisecond clock plus an offset per connection, a keyed
 * hash of the 4-tuple (RFC 7323 7.1, Linux's ts_offset): an observer
 * learns neither the host's uptime nor a clock shared by its
 * connections, and a later incarnation of the same 4-tuple still sees
 * TSval move forward, so PAWS keeps its old segments out.
 */
#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "xtcp.h"

/*
 * RFC 7323 5.5: a TS.Recent older than this is no longer valid, since the
 * millisecond clock may have moved by half its range (2^31 ms, 24.8 days).
 */
#define XTCP_PAWS_24DAYS	(60 * 60 * 24 * 24)

/* The timestamp clock, in milliseconds. */
static u32 xtcp_ts_clock(const struct xtcp_sock *xs)
{
	return (u32)div_u64(xtcp_now_ns(xs), NSEC_PER_MSEC) + xs->ts_offset;
}

/* TSval of a segment sent now; 0 without timestamps. */
u32 xtcp_ts_now(const struct xtcp_sock *xs)
{
	return xs->ts_ok ? xtcp_ts_clock(xs) : 0;
}

static u32 xtcp_ts_offset(const struct sock *sk)
{
	static siphash_aligned_key_t ts_key;
	const struct inet_sock *inet = inet_sk(sk);

	net_get_random_once(&ts_key, sizeof(ts_key));
	return siphash_3u32((__force u32)inet->inet_saddr,
			    (__force u32)inet->inet_daddr,
			    ((__force u32)inet->inet_sport << 16) |
			    (__force u32)inet->inet_dport, &ts_key);
}

/* RFC 6298: fold an RTT sample of @r_us into SRTT/RTTVAR, recompute RTO. */
static void xtcp_rtt_estimate(struct sock *sk, u32 r)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rto_us;

	if (!xs->srtt_us) {
		xs->srtt_us = max(r, 1U);
		xs->rttvar_us = r / 2;
	} else {
		u32 delta = abs((s32)(xs->srtt_us - r));

		xs->rttvar_us = (3 * xs->rttvar_us + delta) / 4;
		xs->srtt_us = max((7 * xs->srtt_us + r) / 8, 1U);
	}
	rto_us = xs->srtt_us + max(4 * xs->rttvar_us, jiffies_to_usecs(1));
	xs->rto = clamp_t(u32, usecs_to_jiffies(rto_us),
			  msecs_to_jiffies(xn->sysctl.rto_min_ms),
			  msecs_to_jiffies(xn->sysctl.rto_max_ms));
}

/*
 * A segment sent once at @sent (jiffies) was acknowledged: Karn's sample.
 * Skipped when the ACK's TSecr gave the sample already.
 */
void xtcp_rtt_sample(struct sock *sk, unsigned long sent)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->rx_ts.rtt_taken)
		return;
	xtcp_rtt_estimate(sk, jiffies_to_usecs(jiffies - sent));
}

/*
 * RFC 7323 4 (RTTM): the ACK being processed advances SND.UNA; its TSecr
 * is the TSval of the segment that made the peer send it.  A TSecr of 0
 * is taken for none, as Linux does (a peer may echo 0 before it has a
 * TSval), and one from the future for a broken peer.
 */
void xtcp_rtt_ts_ack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	s32 delta;

	if (!xs->ts_ok || !xs->rx_ts.saw || !xs->rx_ts.tsecr ||
	    xs->rx_ts.rtt_taken)
		return;
	delta = (s32)(xtcp_ts_clock(xs) - xs->rx_ts.tsecr);
	if (delta < 0 || delta > INT_MAX / USEC_PER_MSEC)
		return;
	xs->rx_ts.rtt_taken = 1;
	xtcp_rtt_estimate(sk, delta * USEC_PER_MSEC);
}

/* Bytes of options every segment of the connection carries. */
unsigned int xtcp_ts_optlen(const struct xtcp_sock *xs)
{
	return xs->ts_ok ? XTCPOLEN_TSTAMP_ALIGNED : 0;
}

static void xtcp_ts_fill(struct xtcp_sock *xs, struct xtcp_out_options *o,
			 u8 flags)
{
	o->ts = 1;
	o->tsval = xtcp_ts_clock(xs);
	o->tsecr = (flags & XTCP_FLAG_ACK) ? xs->ts_recent : 0;
	if (flags & XTCP_FLAG_ACK)
		xs->last_ack_sent = xs->rcv_nxt;
}

/*
 * The timestamps of a SYN (@flags without ACK: offered if the sysctl
 * says so) or a SYN,ACK (only back to a SYN that offered them, RFC 7323
 * 3.2).  TSecr of a SYN is 0.
 */
void xtcp_ts_syn_options(struct sock *sk, struct xtcp_out_options *o,
			 u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!(flags & XTCP_FLAG_ACK))
		xs->ts_syn_sent =
			!!READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.timestamps);
	if (!((flags & XTCP_FLAG_ACK) ? xs->ts_ok : xs->ts_syn_sent))
		return;
	/* The same for every SYN of the 4-tuple: a hash, no state. */
	xs->ts_offset = xtcp_ts_offset(sk);
	xtcp_ts_fill(xs, o, flags);
}

/*
 * RFC 7323 3.2: once negotiated, every segment but a RST carries TSval
 * and, with ACK, TS.Recent as TSecr; an ACK sets Last.ACK.sent.
 */
void xtcp_ts_options(struct sock *sk, struct xtcp_out_options *o, u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ts_ok && !(flags & XTCP_FLAG_RST))
		xtcp_ts_fill(xs, o, flags);
}

static void xtcp_ts_store_recent(struct xtcp_sock *xs)
{
	xs->ts_recent = xs->rx_ts.tsval;
	xs->ts_recent_stamp = ktime_get_seconds();
}

/*
 * The peer's SYN or SYN,ACK: timestamps are on if it carried the option
 * and we offer them (a SYN_SENT socket offered them in its SYN or not).
 * TS.Recent starts at its TSval (RFC 7323 4.3 (2)).
 */
void xtcp_ts_take_syn(struct sock *sk, const struct xtcp_in_options *o)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool offer = sk->sk_state == XTCP_SYN_SENT ? xs->ts_syn_sent :
		     READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.timestamps);

	xs->ts_ok = offer && o->saw_ts;
	xs->rx_ts.saw = xs->ts_ok;
	xs->rx_ts.rtt_taken = 0;
	if (!xs->ts_ok)
		return;
	xs->rx_ts.tsval = o->tsval;
	xs->rx_ts.tsecr = o->tsecr;
	xtcp_ts_store_recent(xs);
}

/*
 * Take the timestamps option of a segment for a synchronized connection
 * (ignored where they were not negotiated, RFC 7323 3.2).  A segment
 * without it is processed as Linux does, with no PAWS test and no RTT
 * sample, where the RFC says it SHOULD be dropped.
 */
void xtcp_ts_rcv(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->ts_ok) {
		xs->rx_ts.saw = 0;
		xs->rx_ts.rtt_taken = 0;
		return;
	}
	xtcp_options_parse_ts(skb, &xs->rx_ts);
}

/* Is TS.Recent too old to judge by (RFC 7323 5.5)? */
static bool xtcp_ts_recent_stale(const struct xtcp_sock *xs)
{
	return ktime_get_seconds() >= xs->ts_recent_stamp + XTCP_PAWS_24DAYS;
}

/*
 * A duplicate ACK overtaken by a later one is old, yet not a wrapped
 * sequence: it is no text, at RCV.NXT, for SND.UNA, the window as it
 * was, and older by less than an RTO.  Its SACK blocks are news: let it
 * through PAWS, as Linux does (tcp_disordered_ack()).
 */
static bool xtcp_disordered_ack(const struct sock *sk,
				const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return (cb->flags & XTCP_FLAG_ACK) && cb->seq == cb->end_seq &&
	       cb->seq == xs->rcv_nxt && cb->ack_seq == xs->snd_una &&
	       cb->window == xs->snd_wnd &&
	       xs->ts_recent - xs->rx_ts.tsval <= jiffies_to_msecs(xs->rto);
}

/*
 * RFC 7323 5.3 R1: a segment with SEG.TSval < TS.Recent is an old
 * duplicate, to be dropped with an ACK, unless TS.Recent is stale or the
 * segment is a RST (those are judged by their sequence number alone).
 */
bool xtcp_paws_reject(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->rx_ts.saw || (XTCP_SKB_CB(skb)->flags & XTCP_FLAG_RST) ||
	    (s32)(xs->rx_ts.tsval - xs->ts_recent) >= 0 ||
	    xtcp_ts_recent_stale(xs) || xtcp_disordered_ack(sk, skb))
		return false;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PAWSESTAB);
	return true;
}

/*
 * RFC 7323 5.3 R3 (and 4.3 (2)): an acceptable segment that starts at or
 * below Last.ACK.sent sets TS.Recent, so that TSecr echoes the oldest
 * segment our next ACK acknowledges: the RTT then includes a delayed ACK,
 * and a segment beyond a hole does not move TS.Recent.
 */
void xtcp_ts_update_recent(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->rx_ts.saw ||
	    xtcp_after(XTCP_SKB_CB(skb)->seq, xs->last_ack_sent))
		return;
	if ((s32)(xs->rx_ts.tsval - xs->ts_recent) >= 0 ||
	    xtcp_ts_recent_stale(xs))
		xtcp_ts_store_recent(xs);
}
