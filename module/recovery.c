// SPDX-License-Identifier: GPL-2.0
/*
 * Loss recovery: what the sender does between a loss and its repair.
 *
 * Loss detection.  With SACK (RFC 6675 section 4), a segment is presumed
 * lost once DupThresh segments above it are SACKed (IsLost); without SACK
 * each duplicate ACK (RFC 5681 section 2) stands for one segment that left
 * the network, counted as if SACKed, as Linux does, and the oldest segment
 * is presumed lost after DupThresh of them (RFC 5681 3.2).
 *
 * Fast recovery.  A detected loss enters recovery (RFC 6675 section 5,
 * RFC 6582 for NewReno): SSTHRESH is cut once, RecoveryPoint is SND.NXT,
 * and what is presumed lost goes again before new data.  How much may go
 * on each ACK follows Proportional Rate Reduction (RFC 6937), so that the
 * window shrinks to SSTHRESH smoothly instead of stalling for half an
 * RTT.  A partial ACK presumes the next hole lost too (RFC 6582 3.2 step
 * 3); the ACK of RecoveryPoint ends recovery with SND.CWND = SSTHRESH.
 *
 * After a timeout (state LOSS) the segments are resent from SND.UNA on
 * (retransmit.c) until RecoveryPoint is ACKed.
 *
 * Undo.  If a D-SACK (RFC 2883, RFC 3708) reports that every segment
 * resent in an episode had arrived anyway, the loss was not one: the
 * window goes back to what it was before the episode, as Linux does.
 * With timestamps, a timeout is found needless sooner (Eifel, RFC 3522):
 * the first ACK after it echoes a TSval older than the resend, so it
 * answers the original, which was only late.  Then the window comes back
 * and sending goes on where it was (RFC 4015's response, as Linux).
 */

#include <linux/kernel.h>

#include "xtcp.h"

/*
 * Without SACK, a duplicate ACK counts one more segment out of the
 * network; at least one in flight is not (the hole).
 */
static void xtcp_reno_dupack(struct xtcp_sock *xs)
{
	if (xs->sacked_out + 1 < xs->packets_out)
		xs->sacked_out++;
}

/*
 * Without SACK, @acked segments left the queue: one of them was the
 * hole, the others had been counted by duplicate ACKs.  Returns how many
 * had been, so that they are not delivered twice.
 */
static u32 xtcp_reno_acked(struct xtcp_sock *xs, u32 acked)
{
	u32 counted = acked ? min(acked - 1, xs->sacked_out) : 0;

	xs->sacked_out -= counted;
	if (xs->sacked_out && xs->sacked_out >= xs->packets_out)
		xs->sacked_out = xs->packets_out ? xs->packets_out - 1 : 0;
	return counted;
}

/*
 * RACK's time-based detection (rack.c), which also finds resends lost
 * again; without it, RFC 6675 IsLost: DupThresh SACKed segments above,
 * for every segment.
 */
static void xtcp_sack_detect_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	u32 above = 0;

	if (xtcp_rack_on(sk)) {
		if (xs->sacked_out || xs->retrans_out)
			xtcp_rack_detect_lost(sk);
		return;
	}
	if (xs->sacked_out < xs->reordering)
		return;
	skb_queue_reverse_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->end_seq, xs->snd_nxt))
			continue;
		if (cb->sacked)
			above += cb->segs;
		else if (above >= xs->reordering)
			xtcp_skb_mark_lost(sk, skb);
	}
}

/*
 * RFC 6582 3.2 step 3, RFC 6675 5 step 3: the oldest segment goes again,
 * one segment of it.
 */
static void xtcp_head_lost(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || skb == xtcp_sk(sk)->send_head)
		return;
	xtcp_split_segs(sk, skb, 1);
	xtcp_skb_mark_lost(sk, skb);
}

/* Remember the window before an episode, for undo. */
static void xtcp_undo_init(struct xtcp_sock *xs, bool loss)
{
	xs->prior_cwnd = xs->snd_cwnd;
	xs->prior_ssthresh = xs->snd_ssthresh;
	xs->undo_marker = xs->snd_una;
	xs->undo_retrans = 0;
	xs->undo_armed = 1;
	xs->undo_loss = loss;
	/* What the episode resends carries at least this TSval. */
	xs->undo_tsval = xtcp_ts_now(xs);
}

static void xtcp_enter_recovery(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_undo_init(xs, false);
	xtcp_cong_cut(sk, xs->ca_ops->ssthresh(sk));
	xs->high_seq = xs->snd_nxt;
	xs->prr_delivered = 0;
	xs->prr_out = 0;
	xs->recover_fs = max(xs->packets_out, 1U);
	xs->snd_cwnd_cnt = 0;
	xs->ca_state = XTCP_CA_RECOVERY;
	xtcp_rack_recovery(sk);
	XTCP_INC_STATS(sock_net(sk), xs->sack_ok ? XTCP_MIB_SACKRECOVERY :
						   XTCP_MIB_RENORECOVERY);
	/* RACK marked what it found lost; the rest waits its turn. */
	if (!xtcp_rack_on(sk))
		xtcp_head_lost(sk);
}

/*
 * RFC 6937 3: on each ACK in recovery, SND.CWND lets out in proportion
 * to what was delivered while more than SSTHRESH is in flight, and
 * rebuilds towards SSTHRESH (slow start reduction bound) below it.
 */
static void xtcp_prr(struct sock *sk, u32 delivered)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 pipe = xtcp_in_flight(xs);
	s64 sndcnt;

	xs->prr_delivered += delivered;
	if (pipe > xs->snd_ssthresh) {
		u64 allowed = (u64)xs->prr_delivered * xs->snd_ssthresh +
			      xs->recover_fs - 1;

		sndcnt = div_u64(allowed, xs->recover_fs) - xs->prr_out;
	} else {
		sndcnt = min_t(s64, xs->snd_ssthresh - pipe,
			       max_t(s64, (s64)xs->prr_delivered - xs->prr_out,
				     delivered) + 1);
	}
	/* The first retransmission must go (RFC 6675 5 step 4). */
	if (sndcnt <= 0 && !xs->prr_out && xs->lost_out > xs->retrans_out)
		sndcnt = 1;
	xs->snd_cwnd = pipe + max_t(s64, sndcnt, 0);
}

/*
 * The window before the episode comes back, and the algorithm's state
 * with it (CUBIC's W_max); it is over for undo.
 */
static void xtcp_undo_window(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_cwnd = xtcp_cong_undo_cwnd(sk);
	xs->snd_ssthresh = max(xs->snd_ssthresh, xs->prior_ssthresh);
	xs->undo_armed = 0;
}

/*
 * Every resend of the episode was reported needless: the window before
 * it comes back (RFC 3708's response).  Late D-SACKs may come after the
 * episode ended, so this is tried on every ACK until the next episode.
 */
static bool xtcp_try_undo(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->undo_armed || xs->undo_retrans)
		return false;
	xtcp_undo_window(sk);
	XTCP_INC_STATS(sock_net(sk), xs->undo_loss ? XTCP_MIB_LOSSUNDO :
						     XTCP_MIB_DSACKUNDO);
	return true;
}

/* RecoveryPoint is acknowledged: the episode is over. */
static void xtcp_end_episode(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ca_state == XTCP_CA_RECOVERY)
		xs->snd_cwnd = max(xs->snd_ssthresh, 1U);
	xs->ca_state = XTCP_CA_OPEN;
	xtcp_try_undo(sk);
}

/*
 * RFC 3522 3.2: does this ACK answer a segment sent before the episode
 * began (the original), not one of its resends?
 */
static bool xtcp_eifel_spurious(const struct xtcp_sock *xs)
{
	return xs->ts_ok && xs->rx_ts.saw && xs->rx_ts.tsecr &&
	       xtcp_before(xs->rx_ts.tsecr, xs->undo_tsval);
}

/* The timeout was needless: undo it all. */
static void xtcp_undo_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_undo_window(sk);
	xtcp_unmark_lost(sk);
	xs->ca_state = XTCP_CA_OPEN;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SPURIOUSRTOS);
}

/*
 * Fast recovery was needless (RFC 3522 with SACK or NewReno, Linux's
 * tcp_try_undo_partial()): the ACK of the hole echoes the original's
 * TSval, which was only late, and no resend is left in flight.  The
 * window comes back, the presumed losses are unmarked, and the peer has
 * shown reordering that RACK must wait for.
 */
static bool xtcp_try_undo_eifel(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!acked || !xs->undo_armed || xs->retrans_out ||
	    !xtcp_eifel_spurious(xs))
		return false;
	xtcp_undo_window(sk);
	xtcp_unmark_lost(sk);
	xs->ca_state = xs->sacked_out ? XTCP_CA_DISORDER : XTCP_CA_OPEN;
	xtcp_rack_late_original(sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_EIFELUNDO);
	return true;
}

/* What one acceptable ACK told the sender, after the scoreboard took it. */
void xtcp_recovery_on_ack(struct sock *sk, const struct xtcp_ack_sample *s)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 delivered = s->delivered;

	xtcp_tlp_ack(sk, s->dsack);
	if (s->dupack) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DUPACKSRECV);
		if (!xs->sack_ok) {
			xtcp_reno_dupack(xs);
			delivered++;
		}
	}
	if (!xs->sack_ok)
		delivered -= xtcp_reno_acked(xs, s->acked);

	switch (xs->ca_state) {
	case XTCP_CA_LOSS:
		if (xs->eifel_pending && s->acked) {
			xs->eifel_pending = 0;
			if (xs->undo_armed && xtcp_eifel_spurious(xs)) {
				xtcp_undo_timeout(sk);
				break;
			}
		}
		if (xs->sack_ok && xs->retrans_out)
			xtcp_rack_detect_lost(sk);
		if (!xtcp_before(xs->snd_una, xs->high_seq))
			xtcp_end_episode(sk);
		xtcp_cong_on_ack(sk, s->acked);
		break;
	case XTCP_CA_RECOVERY:
		if (xtcp_try_undo_eifel(sk, s->acked))
			break;
		if (!xtcp_before(xs->snd_una, xs->high_seq)) {
			xtcp_end_episode(sk);
			break;
		}
		if (xs->sack_ok)
			xtcp_sack_detect_lost(sk);
		else if (s->acked)
			xtcp_head_lost(sk);	/* a partial ACK */
		xtcp_prr(sk, delivered);
		break;
	default:
		if (xs->sack_ok)
			xtcp_sack_detect_lost(sk);
		if (xs->lost_out ||
		    (!xtcp_rack_on(sk) && xs->sacked_out >= xs->reordering)) {
			xtcp_enter_recovery(sk);
			xtcp_prr(sk, delivered);
			break;
		}
		xs->ca_state = xs->sacked_out ? XTCP_CA_DISORDER :
						XTCP_CA_OPEN;
		if (!xtcp_try_undo(sk))
			xtcp_cong_on_ack(sk, s->acked);
	}
	xtcp_update_pacing_rate(sk);
}

/*
 * RACK's reordering timer fired (RFC 8985 6.3): what it gave a reordering
 * window is overdue now.  Losses found start a recovery, as the ACK that
 * armed it would have, and go out at once; the RTO restarts after.
 */
void xtcp_recovery_on_reo_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 lost = xs->lost_out;

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RACKREOTIMEOUTS);
	xtcp_rack_detect_lost(sk);
	if (xs->lost_out != lost) {
		if (xs->ca_state < XTCP_CA_RECOVERY) {
			xtcp_enter_recovery(sk);
			xtcp_prr(sk, 0);
			xtcp_update_pacing_rate(sk);
		}
		xtcp_push(sk);
	}
	/* Unless it armed itself again, or the resends armed the RTO. */
	xtcp_arm_rtx(sk);
}

/*
 * The retransmission timer fired.  A timeout in the open state, or after
 * one that made progress, starts an episode and cuts SSTHRESH; during
 * recovery, or backed off, it goes on with the one already cut.  Every
 * segment not SACKed is presumed lost.  A lost SYN or SYN,ACK is
 * congestion control's alone (cong.c).
 */
void xtcp_recovery_on_timeout(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool episode;

	xtcp_sack_timeout(sk);
	xs->tlp_high_seq = 0;
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		xtcp_cong_on_timeout(sk, false);
		xtcp_mark_lost(sk);
		return;
	}
	episode = xs->ca_state < XTCP_CA_RECOVERY ||
		  (xs->ca_state == XTCP_CA_LOSS && !xs->retries);
	if (episode) {
		xtcp_undo_init(xs, true);
		xs->eifel_pending = xs->ts_ok;
	}
	xtcp_cong_on_timeout(sk, episode);
	xs->high_seq = xs->snd_nxt;
	xs->ca_state = XTCP_CA_LOSS;
	xtcp_mark_lost(sk);
	xtcp_update_pacing_rate(sk);
}

/*
 * A D-SACK for [@start, @end): if it reports a segment resent in this
 * episode, that resend was not needed (RFC 3708 2).
 */
void xtcp_recovery_dsack(struct sock *sk, u32 start, u32 end)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 segs;

	xtcp_rack_dsack(sk);
	if (!xs->undo_armed || xtcp_before(start, xs->undo_marker) ||
	    !xtcp_before(start, end))
		return;
	segs = DIV_ROUND_UP(end - start, max_t(u32, xs->mss, 1));
	xs->undo_retrans -= min(segs, xs->undo_retrans);
}

/* @segs segments went out (again): count them for PRR and for undo. */
void xtcp_recovery_sent(struct sock *sk, bool resent, u32 segs)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ca_state == XTCP_CA_RECOVERY)
		xs->prr_out += segs;
	if (resent && xs->undo_armed)
		xs->undo_retrans += segs;
}

/*
 * RFC 6675 NextSeg rule 1: resend what is presumed lost and not resent
 * yet, oldest first, while the window has room.  After a timeout the
 * segments past send_head go again through xtcp_push() instead.
 */
void __xtcp_retransmit_lost(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	u32 room;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (skb == xs->send_head)
			break;
		if (!cb->lost || cb->rexmit || cb->sacked)
			continue;
		room = xtcp_cwnd_room(sk);
		if (!room)
			break;
		if (xtcp_retransmit_skb(sk, skb, XTCP_RETRANS_FAST, room))
			break;
		XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_FASTRETRANS, cb->segs);
		if (xs->lost_out <= xs->retrans_out)
			break;
	}
}
