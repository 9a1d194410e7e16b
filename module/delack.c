// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP delayed acknowledgments: RFC 9293 3.8.6.3 and RFC 1122 4.2.3.2.
 *
 * The ACK of in-order text waits a little (net.xtcp.delack_ms, 40 ms by
 * default, at most the 500 ms the RFCs allow) in the hope that data of
 * our own, or a window update, carries it; but an ACK goes at least for
 * every second full-sized segment, 2 * RMSS bytes unacknowledged, so
 * that a bulk sender's ACK clock keeps running, as long as the reader
 * has taken all text acknowledged before.  A reader that lags sends the
 * ACK itself when it next reads, with the window the read opens (as
 * Linux's __tcp_ack_snd_check() and __tcp_cleanup_rbuf()): a bulk
 * receiver sends an ACK per read, not one per two segments.  Some ACKs
 * always go at once: those for text beyond a hole and for the segment
 * that fills it (RFC 5681 4.2), for a FIN, for a duplicate (its D-SACK),
 * for text that found no room, and when the window we advertised has
 * less than a full segment left and the ACK would let the next one in
 * with a window no smaller than the last, since the sender cannot go on
 * without hearing from us.  A read that doubles the window announces it
 * at once (rcvwnd.c).
 *
 * Quick ACKs, as Linux's quick-ACK mode: the first XTCP_QUICKACKS
 * in-order segments of a connection, and again after reordering, are
 * ACKed one by one, so that slow start and loss recovery at the sender
 * are not slowed by our delays.
 *
 * RMSS is measured as Linux's icsk_ack.rcv_mss: the largest segment the
 * peer sent, starting from the default MSS of 536 (at most our send MSS).
 *
 * Any segment that carries ACK (xtcp_transmit()) acknowledges what is
 * pending and stops the timer.  The timer (timer.c) runs in softirq, as
 * the others: it takes the socket lock and defers to release_sock() if a
 * process owns the socket.
 */
#include "xtcp.h"

/* In-order segments ACKed one by one at the start and after reordering. */
#define XTCP_QUICKACKS	16

void xtcp_delack_init(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ack_quick = XTCP_QUICKACKS;
	xs->ack_pending = 0;
	xs->rcv_mss = 0;
}

/* Note the size of a segment from the peer (Linux's tcp_measure_rcv_mss). */
static void xtcp_delack_measure(struct xtcp_sock *xs, u32 seg_len)
{
	if (!xs->rcv_mss)
		xs->rcv_mss = min_t(u32, xs->mss, XTCP_DEFAULT_MSS);
	if (seg_len > xs->rcv_mss)
		xs->rcv_mss = min_t(u32, seg_len, U16_MAX);
}

static void xtcp_delack_arm(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	sk_reset_timer(sk, &xtcp_sk(sk)->delack_timer, jiffies +
		       msecs_to_jiffies(READ_ONCE(xn->sysctl.delack_ms)));
}

/*
 * Text waits for its ACK: the timer is due, unless it was already.  It
 * may still be pending, idle, from an ACK sent before (timer.c).
 */
static void xtcp_delack_schedule(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ack_pending)
		return;
	xs->ack_pending = 1;
	xtcp_delack_arm(sk);
}

/*
 * Will a read take the text just queued, as soon as its task runs?  A
 * recvmsg() under way does before it returns (asleep in it, or taking
 * the backlog); a task asleep on the socket in poll() is woken for it
 * once SO_RCVLOWAT bytes wait (TCP ACKs at once below that too).  (A
 * writer asleep for room is taken for a reader: then the ACK waits for
 * the timer, as TCP's would.)
 */
static bool xtcp_read_coming(struct sock *sk)
{
	bool asleep;

	if (xtcp_sk(sk)->reading)
		return true;
	if (xtcp_unread(sk) < READ_ONCE(sk->sk_rcvlowat))
		return false;
	rcu_read_lock();
	asleep = skwq_has_sleeper(rcu_dereference(sk->sk_wq));
	rcu_read_unlock();
	return asleep;
}

/*
 * Text arrived (RFC 9293 3.10.7.4, seventh check) and xtcp_data_queue()
 * said what became of it in @text; @seg_len is the segment's length.
 * True if the ACK must go now; false if it waits for the timer, or for a
 * segment of ours that carries it.
 */
bool xtcp_delack_rcv(struct sock *sk, const struct xtcp_rcv_text *text,
		     u32 seg_len)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 left;

	/* RFC 5681 4.2: a hole, or its filling; the sender is recovering. */
	if (text->out_of_order || text->filled_hole) {
		xs->ack_quick = XTCP_QUICKACKS;
		return true;
	}
	/* A FIN, a duplicate (with its D-SACK), or text that found no room. */
	if (text->fin || !text->queued || xs->dsack_pending)
		return true;

	xtcp_delack_measure(xs, seg_len);
	if (xs->ack_quick) {
		xs->ack_quick--;
		return true;
	}
	if (!READ_ONCE(xn->sysctl.delayed_ack))
		return true;
	/*
	 * RFC 9293 3.8.6.3: at least every second full-sized segment, while
	 * the reader has taken all we acknowledged before; else the read
	 * sends it (xtcp_delack_read()) with the window it opens.  So does
	 * a read about to take this text, when an ACK now would offer less
	 * than RCV.WND: its one ACK has the window reopened, where an ACK
	 * now would need a window update after it (TCP's
	 * __tcp_ack_snd_check() holds such an ACK for any reader).
	 */
	if (xs->rcv_nxt - xs->rcv_wup >= 2 * (u32)xs->rcv_mss &&
	    !xtcp_after(xs->rcv_wup, READ_ONCE(xs->copied_seq)) &&
	    !(xtcp_offer_window(sk) < xs->rcv_wnd && xtcp_read_coming(sk)))
		return true;
	/*
	 * The sender cannot send another full segment until we answer: do,
	 * if our answer lets one in and offers no less than RCV.WND did.
	 * A smaller offer means the reader lags: each answer would halve
	 * the last, a burst each smaller than the one before; its read
	 * announces the window instead (rcvwnd.c), as TCP's
	 * __tcp_ack_snd_check().
	 */
	left = xtcp_rcv_wnd_left(xs);
	if (left < xs->rcv_mss) {
		u32 offer = xtcp_offer_window(sk);

		if (offer >= left + xs->rcv_mss && offer >= xs->rcv_wnd)
			return true;
	}
	xtcp_delack_schedule(sk);
	return false;
}

/*
 * A reader took text, or is about to wait for more: the ACK held back
 * while it lagged goes now, if more than a segment waits for it, as
 * TCP's __tcp_cleanup_rbuf().  True if it went.
 */
bool xtcp_delack_read(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->ack_pending || xs->rcv_nxt - xs->rcv_wup <= xs->rcv_mss)
		return false;
	xtcp_send_ack(sk);
	return true;
}

/* A segment with ACK is being sent: nothing is pending any more. */
void xtcp_delack_sent(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ack_now = 0;
	xs->ack_pending = 0;
}

/* The delayed-ACK timer expired, under the socket lock (timer.c). */
void xtcp_delack_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->ack_pending)
		return;
	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
	       TCPF_CLOSE_WAIT | TCPF_CLOSING | TCPF_LAST_ACK))) {
		xs->ack_pending = 0;
		return;
	}
	xtcp_send_ack(sk);
	if (!xs->ack_pending)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DELAYEDACKS);
	else if (!timer_pending(&xs->delack_timer))
		xtcp_delack_arm(sk);	/* no memory, no route: again */
}
