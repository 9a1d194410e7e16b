// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP timers: retransmission (SYN, SYN+ACK, data, FIN, window probes),
 * the TIME_WAIT / orphan FIN_WAIT2 timer and the delayed-ACK timer (its
 * policy is in delack.c).
 *
 * A timer holds a socket reference while armed (sk_reset_timer()).  It runs
 * in softirq; if a process owns the socket it sets a bit in xs->deferred and
 * the work runs from release_sock() through proto.release_cb.
 *
 * The retransmission and delayed-ACK timers are stopped only on close.
 * When the ACK of all in flight, or an ACK of ours, makes one idle, a flag
 * says so (xs->rtx_armed, xs->ack_pending) and the timer runs out doing
 * nothing, as TCP's do: a request/response exchange then re-arms a pending
 * timer (mod_timer() of the same or a near expiry, often free) instead of
 * deleting and adding both timers on every message.
 */
#include "xtcp.h"

/* The retransmission timer is due at @expires. */
static void xtcp_rtx_due(struct sock *sk, unsigned long expires)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rtx_armed = 1;
	sk_reset_timer(sk, &xs->rtx_timer, expires);
}

/*
 * A window the peer keeps shut must not hold a socket for ever (as TCP's
 * probe timer): give up when the peer has not answered retries2 probes in
 * a row, and an orphan, which nobody reads for, after orphan_retries
 * probes, answered or not.
 */
static bool xtcp_probe_give_up(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->probes_out < READ_ONCE(xn->sysctl.retries2) &&
	    (!sock_flag(sk, SOCK_DEAD) ||
	     xs->probes < READ_ONCE(xn->sysctl.orphan_retries)))
		return false;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PROBETIMEOUTS);
	xtcp_abort(sk, ETIMEDOUT);
	return true;
}

static void xtcp_rtx_expired(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	int limit;

	if (!xs->rtx_armed)
		return;
	xs->rtx_armed = 0;
	if (!head || sk->sk_state == XTCP_CLOSE ||
	    sk->sk_state == XTCP_LISTEN || sk->sk_state == XTCP_TIME_WAIT)
		return;

	if (xs->rtx_reo) {
		xs->rtx_reo = 0;
		xtcp_recovery_on_reo_timeout(sk);
		return;
	}
	if (xs->rtx_probe) {
		/*
		 * The probe timeout: probe if one is still due, then the RTO
		 * (the probe's xtcp_push() may have armed a probe again).
		 */
		if (head != xs->send_head && xtcp_tlp_timeout(sk))
			xtcp_tlp_fire(sk);
		xs->rtx_probe = 0;
		xtcp_rtx_due(sk, jiffies + xs->rto);
		return;
	}

	if (head == xs->send_head) {
		/* Nothing in flight, the peer's window is shut: probe it. */
		if (xtcp_probe_give_up(sk))
			return;
		xs->probes_out++;
		xs->probes++;
		xtcp_write_wakeup(sk);
		goto backoff;
	}

	switch (sk->sk_state) {
	case XTCP_SYN_SENT:
		limit = xn->sysctl.syn_retries;
		break;
	case XTCP_SYN_RECV:
		limit = xn->sysctl.synack_retries;
		break;
	default:
		/* An orphan gives up sooner, as TCP's do (tcp_orphan_retries). */
		limit = sock_flag(sk, SOCK_DEAD) ?
			min(xn->sysctl.retries2, xn->sysctl.orphan_retries) :
			xn->sysctl.retries2;
	}
	if (xs->retries >= limit) {
		/* syn_sent__timeout__closed, syn_rcvd__timeout__closed, ... */
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TIMEOUTS);
		if (!sock_flag(sk, SOCK_DEAD)) {
			WRITE_ONCE(sk->sk_err, ETIMEDOUT);
			sk_error_report(sk);
		}
		xtcp_done(sk);
		return;
	}
	xtcp_recovery_on_timeout(sk);
	xtcp_retransmit_head(sk, XTCP_RETRANS_RTO);
	xtcp_rewind_send_head(sk);
	xs->retries++;
backoff:
	/* RFC 6298 5.5: back off. */
	xs->rto = min_t(u32, xs->rto * 2, msecs_to_jiffies(xn->sysctl.rto_max_ms));
	xtcp_rtx_due(sk, jiffies + xs->rto);
}

static void xtcp_tw_expired(struct sock *sk)
{
	/*
	 * time_wait__timeout__closed: 2 MSL are over;
	 * fin_wait2__timeout__closed: an orphan's peer never sent FIN.
	 */
	if (sk->sk_state == XTCP_TIME_WAIT ||
	    (sk->sk_state == XTCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)))
		xtcp_done(sk);
	else
		xtcp_keepalive_expired(sk);
}

/* A timer's work is an event of its own (clock.c). */
static void xtcp_timer_fire(struct sock *sk, void (*fn)(struct sock *sk))
{
	bool held = xtcp_clock_start(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u8 cause = xs->cause;

	xs->cause = XTCP_CAUSE_TIMER;
	fn(sk);
	xs->cause = cause;
	xtcp_clock_release(sk, held);
}

/* Run @fn now, or defer it to release_sock() if a process owns @sk. */
static void xtcp_timer_run(struct sock *sk, int bit,
			   void (*fn)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		/* The deferred work keeps a reference until it runs. */
		if (!test_and_set_bit(bit, &xtcp_sk(sk)->deferred))
			sock_hold(sk);
	} else {
		xtcp_timer_fire(sk, fn);
	}
	bh_unlock_sock(sk);
	sock_put(sk);	/* the armed timer's reference */
}

static void xtcp_rtx_timer(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, rtx_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_RTX_DEFERRED, xtcp_rtx_expired);
}

static void xtcp_tw_timer(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, tw_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_TW_DEFERRED, xtcp_tw_expired);
}

static void xtcp_delack_timer(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, delack_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_DELACK_DEFERRED, xtcp_delack_expired);
}

/*
 * A timer's deferred work, unless the owner armed the timer again
 * meanwhile (an ACK restarted the RTO, a FIN restarted TIME-WAIT): the
 * new expiry stands for the old one, as TCP's timer handlers check
 * that their timeout is still due.
 */
static void xtcp_timer_deferred(struct sock *sk, struct timer_list *timer,
				void (*fn)(struct sock *sk))
{
	if (!timer_pending(timer))
		xtcp_timer_fire(sk, fn);
	__sock_put(sk);
}

/* proto.release_cb: run what the timers and ICMP (input.c) deferred. */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_RTX_DEFERRED, &xs->deferred))
		xtcp_timer_deferred(sk, &xs->rtx_timer, xtcp_rtx_expired);
	if (test_and_clear_bit(XTCP_TW_DEFERRED, &xs->deferred))
		xtcp_timer_deferred(sk, &xs->tw_timer, xtcp_tw_expired);
	if (test_and_clear_bit(XTCP_DELACK_DEFERRED, &xs->deferred))
		xtcp_timer_deferred(sk, &xs->delack_timer,
				    xtcp_delack_expired);
	if (test_and_clear_bit(XTCP_MTU_DEFERRED, &xs->deferred)) {
		xtcp_mtu_reduced(sk);
		__sock_put(sk);
	}
}

void xtcp_init_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	timer_setup(&xs->rtx_timer, xtcp_rtx_timer, 0);
	timer_setup(&xs->tw_timer, xtcp_tw_timer, 0);
	timer_setup(&xs->delack_timer, xtcp_delack_timer, 0);
	xtcp_delack_init(sk);
}

/* Stop every timer; each pending one gives back its reference. */
void xtcp_stop_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sk_stop_timer(sk, &xs->rtx_timer);
	sk_stop_timer(sk, &xs->tw_timer);
	sk_stop_timer(sk, &xs->delack_timer);
	xs->rtx_armed = 0;
	xs->ack_pending = 0;
	/* Work deferred to release_cb would find CLOSED and do nothing. */
	if (test_and_clear_bit(XTCP_RTX_DEFERRED, &xs->deferred))
		__sock_put(sk);
	if (test_and_clear_bit(XTCP_TW_DEFERRED, &xs->deferred))
		__sock_put(sk);
	if (test_and_clear_bit(XTCP_DELACK_DEFERRED, &xs->deferred))
		__sock_put(sk);
}

/* The retransmission timer, from now: a tail loss probe first if due. */
void xtcp_rearm_rtx(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long pto = xtcp_tlp_timeout(sk);

	xs->rtx_probe = !!pto;
	xs->rtx_reo = 0;
	xtcp_rtx_due(sk, jiffies + (pto ?: xs->rto));
}

/*
 * RACK's reordering timeout, @us from now, in place of the probe or the
 * RTO; the RTO restarts when it has run (RFC 8985 6.3).  One jiffy more:
 * a timer may fire up to a jiffy early, before the segment is overdue.
 */
void xtcp_arm_reo(struct sock *sk, u32 us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rtx_probe = 0;
	xs->rtx_reo = 1;
	xtcp_rtx_due(sk, jiffies + usecs_to_jiffies(us) + 1);
}

/* Arm the retransmission timer unless it is due already. */
void xtcp_arm_rtx(struct sock *sk)
{
	if (!xtcp_sk(sk)->rtx_armed)
		xtcp_rearm_rtx(sk);
}

/* Nothing to retransmit: the timer, if pending, runs out idle. */
void xtcp_disarm_rtx(struct sock *sk)
{
	xtcp_sk(sk)->rtx_armed = 0;
}

void xtcp_arm_time_wait(struct sock *sk, unsigned long timeout)
{
	sk_reset_timer(sk, &xtcp_sk(sk)->tw_timer, jiffies + timeout);
}
