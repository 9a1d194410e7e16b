// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP connection state machine: RFC 9293 section 3.10.7, "SEGMENT
 * ARRIVES", in the order of checks the RFC gives, with the RFC 5961
 * defences, RFC 1337 for TIME_WAIT and RFC 7323 PAWS in front of the
 * sequence check (the timestamps themselves are in rtt.c).
 *
 * Every state change goes through xtcp_set_state(), the one place that
 * rehashes the socket and counts the transition.  It is static: the
 * socket calls (sock.c) and the tables (hash.c) change state through the
 * functions here that name their arcs, xtcp_state_connect(),
 * xtcp_state_listen(), xtcp_state_close(), xtcp_state_close_listener(),
 * xtcp_close_send(), xtcp_abort() and xtcp_done().  Runs under the socket
 * lock: in softirq, from the backlog when a process owned the socket, or
 * in a socket call.
 */
#include <net/ip.h>

#include "xtcp.h"

#define CREATE_TRACE_POINTS
#include "xtcp_trace.h"

static const char *const xtcp_state_names[] = XTCP_STATE_NAMES;

const char *xtcp_state_name(int state)
{
	if (state <= 0 || state >= XTCP_MAX_STATES)
		return xtcp_state_names[0];
	return xtcp_state_names[state];
}

static bool xtcp_state_counts_as_estab(int state)
{
	/* RFC 4022 tcpCurrEstab: ESTABLISHED or CLOSE-WAIT. */
	return state == XTCP_ESTABLISHED || state == XTCP_CLOSE_WAIT;
}

/* A TIME_WAIT counts against max_tw_buckets, not max_orphans. */
static void xtcp_time_waits_add(struct sock *sk, int n)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	atomic_add(n, &xn->time_waits);
	if (sock_flag(sk, SOCK_DEAD))
		atomic_sub(n, &xn->orphans);
}

/* The one door for state changes. */
static void xtcp_set_state(struct sock *sk, int state)
{
	struct xtcp_mib __percpu *mib = xtcp_pernet(sock_net(sk))->mib;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int old = sk->sk_state;

	if (old == state)
		return;

	if (xtcp_state_counts_as_estab(state) &&
	    !xtcp_state_counts_as_estab(old))
		this_cpu_inc(mib->mibs[XTCP_MIB_CURRESTAB]);
	else if (!xtcp_state_counts_as_estab(state) &&
		 xtcp_state_counts_as_estab(old))
		this_cpu_dec(mib->mibs[XTCP_MIB_CURRESTAB]);

	if (state == XTCP_SYN_SENT)
		this_cpu_inc(mib->mibs[XTCP_MIB_ACTIVEOPENS]);
	else if (state == XTCP_SYN_RECV && old == XTCP_LISTEN)
		this_cpu_inc(mib->mibs[XTCP_MIB_PASSIVEOPENS]);
	else if (state == XTCP_CLOSE &&
		 (old == XTCP_SYN_SENT || old == XTCP_SYN_RECV))
		this_cpu_inc(mib->mibs[XTCP_MIB_ATTEMPTFAILS]);
	else if (state == XTCP_CLOSE && xtcp_state_counts_as_estab(old))
		this_cpu_inc(mib->mibs[XTCP_MIB_ESTABRESETS]);
	this_cpu_inc(mib->transitions[old][state]);
	trace_xtcp_set_state(sk, old, state);

	if (state == XTCP_TIME_WAIT)
		xtcp_time_waits_add(sk, 1);
	else if (old == XTCP_TIME_WAIT)
		xtcp_time_waits_add(sk, -1);

	if (state == XTCP_CLOSE) {
		/* Out of the tables before anyone can see CLOSED there. */
		xtcp_unhash(sk);
		if (!xs->user_bound)
			xtcp_unbind(sk);
	}
	/* Lockless readers (/proc, poll) load it with acquire. */
	smp_store_release(&sk->sk_state, state);
}

/*
 * @skb, received, is the cause of the state changes that follow, until
 * the caller puts back the cause this returns.  Its header is copied
 * only while someone traces them.
 */
static u8 xtcp_cause_segment(struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u8 prev = xs->cause;

	xs->cause = XTCP_CAUSE_SEGMENT;
	if (trace_xtcp_set_state_enabled()) {
		xs->cause_flags = cb->flags;
		xs->cause_seq = cb->seq;
		xs->cause_ack = cb->ack_seq;
		xs->cause_len = skb->len;	/* the header is pulled */
	}
	return prev;
}

static void xtcp_purge_write_queue(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	xs->send_head = NULL;
}

/* Take a child off its listener's list; the caller holds the child lock. */
static void xtcp_child_unlink(struct sock *child)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct sock *parent = xs->parent;
	bool unlinked = false;

	if (!parent)
		return;
	spin_lock_bh(&xtcp_sk(parent)->accept_lock);
	if (!list_empty(&xs->child_node)) {
		list_del_init(&xs->child_node);
		xtcp_sk(parent)->nr_children--;
		if (xs->established_child)
			sk_acceptq_removed(parent);
		unlinked = true;
	}
	spin_unlock_bh(&xtcp_sk(parent)->accept_lock);
	if (!unlinked)
		return;	/* the listener's close owns it now */
	xs->parent = NULL;
	sock_put(parent);
	/* The list's reference: the caller still holds its own. */
	sock_put(child);
}

/*
 * The connection is gone: enter CLOSED, stop timers, free what no process
 * will read.  The caller holds a reference of its own.
 */
void xtcp_done(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_set_state(sk, XTCP_CLOSE);
	xtcp_stop_timers(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	xtcp_purge_write_queue(sk);

	if (xs->passive && xs->parent) {
		xtcp_child_unlink(sk);
	} else if (sock_flag(sk, SOCK_DEAD)) {
		/* An orphan: nobody will ever read or close it. */
		xtcp_rcv_queues_purge(sk);
		xtcp_unbind(sk);
		atomic_dec(&xtcp_pernet(sock_net(sk))->orphans);
	} else {
		sk->sk_state_change(sk);
	}
}

/* Abort: RST to a synchronized peer, error to the user, CLOSED. */
void xtcp_abort(struct sock *sk, int err)
{
	switch (sk->sk_state) {
	case XTCP_SYN_RECV:
	case XTCP_ESTABLISHED:
	case XTCP_FIN_WAIT1:
	case XTCP_FIN_WAIT2:
	case XTCP_CLOSE_WAIT:
	case XTCP_CLOSING:
	case XTCP_LAST_ACK:
		xtcp_send_rst(sk);
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD) && err) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	xtcp_done(sk);
}

/* A valid RST arrived: the error the user sees depends on the state. */
static void xtcp_reset(struct sock *sk)
{
	int err;

	trace_xtcp_receive_reset(sk);
	switch (sk->sk_state) {
	case XTCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case XTCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case XTCP_SYN_RECV:
		/* A passive child "returns to LISTEN": nobody to tell. */
		err = xtcp_sk(sk)->passive ? 0 : ECONNREFUSED;
		break;
	case XTCP_CLOSING:
	case XTCP_LAST_ACK:
		err = 0;
		break;
	default:
		err = ECONNRESET;
	}
	if (err && !sock_flag(sk, SOCK_DEAD)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	}
	xtcp_done(sk);
}

/* (Re)start TIME_WAIT's 2 MSL. */
static void xtcp_restart_time_wait(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	xtcp_arm_time_wait(sk, msecs_to_jiffies(2 * xn->sysctl.msl_ms));
}

/*
 * A TIME_WAIT or FIN_WAIT2 orphan does not keep its namespace alive, as
 * Linux's timewait sockets (which serve both) do not: once nothing else
 * holds the namespace, its exit ends the orphan
 * (xtcp_net_destroy_sockets()) rather than wait up to 2 MSL, or
 * net.xtcp.fin_timeout_ms for a peer that never sends its FIN.  Until
 * then the namespace lives through its other holders.  Nothing the
 * socket does after its end reads the namespace.
 */
void xtcp_orphan_release_net(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (!sk->sk_net_refcnt || !sock_flag(sk, SOCK_DEAD) ||
	    !((1 << sk->sk_state) & (TCPF_TIME_WAIT | TCPF_FIN_WAIT2)))
		return;
	sk->sk_net_refcnt = 0;
	sock_inuse_add(net, -1);
	put_net_track(net, &sk->ns_tracker);
}

/*
 * An orphan in FIN_WAIT2 waits fin_timeout_ms for the peer's FIN, without
 * its namespace.
 */
void xtcp_orphan_fin_wait2(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	xtcp_arm_time_wait(sk, msecs_to_jiffies(xn->sysctl.fin_timeout_ms));
	xtcp_orphan_release_net(sk);
}

void xtcp_enter_time_wait(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	/*
	 * Past max_tw_buckets the connection ends without TIME_WAIT, as
	 * TCP's does (TCPTimeWaitOverflow): its last ACK is sent, only the
	 * guard against old duplicates is given up.
	 */
	if (atomic_read(&xn->time_waits) >=
	    READ_ONCE(xn->sysctl.max_tw_buckets)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TWOVERFLOW);
		xtcp_done(sk);
		return;
	}
	xtcp_set_state(sk, XTCP_TIME_WAIT);
	sk_stop_timer(sk, &xtcp_sk(sk)->rtx_timer);
	xtcp_disarm_rtx(sk);
	xtcp_purge_write_queue(sk);
	xtcp_restart_time_wait(sk);
	xtcp_orphan_release_net(sk);
}

/*
 * Has @sk answered an out-of-window segment too recently?  One answer per
 * invalid_ratelimit_ms and socket, so that two endpoints cannot keep each
 * other in an ACK loop and a blind attacker gets little back.
 */
static bool xtcp_oow_rate_limited(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long gap = msecs_to_jiffies(READ_ONCE(xn->sysctl.invalid_ratelimit_ms));

	if (gap && xs->last_oow_ack &&
	    time_before(jiffies, xs->last_oow_ack + gap)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OOWACKSKIPPED);
		return true;
	}
	xs->last_oow_ack = jiffies ? : 1;
	return false;
}

/*
 * An ACK for a segment outside the window (RFC 9293 3.10.7.4 first
 * check).  Segments with text are always answered (they are no ACK
 * loop); bare ones at most once per invalid_ratelimit_ms.
 */
static void xtcp_send_oow_ack(struct sock *sk, const struct sk_buff *skb)
{
	if (!skb->len && xtcp_oow_rate_limited(sk))
		return;
	xtcp_send_ack(sk);
}

/*
 * RFC 5961 section 7: challenge ACKs are rate limited per socket, and per
 * namespace to about challenge_ack_limit a second.  The namespace budget
 * is drawn at random each second from [limit / 2, limit * 3 / 2), so that
 * counting challenge ACKs tells an off-path attacker nothing about other
 * connections (CVE-2016-5696).
 */
static void xtcp_send_challenge_ack(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int limit = READ_ONCE(xn->sysctl.challenge_ack_limit);
	unsigned long now = jiffies / HZ;

	if (xtcp_oow_rate_limited(sk))
		return;
	if (READ_ONCE(xn->challenge_second) != now) {
		u32 half = (limit + 1) / 2;

		WRITE_ONCE(xn->challenge_second, now);
		atomic_set(&xn->challenge_count,
			   limit ? min_t(u64, (u64)half +
					 get_random_u32() % limit, INT_MAX) : 0);
	}
	if (atomic_dec_if_positive(&xn->challenge_count) < 0) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CHALLENGESKIPPED);
		return;
	}
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CHALLENGEACKS);
	xtcp_send_ack(sk);
}

/*
 * The user closed the sending side (close() or shutdown(SHUT_WR)): queue
 * FIN behind any data.
 */
void xtcp_close_send(struct sock *sk)
{
	switch (sk->sk_state) {
	case XTCP_SYN_RECV:
	case XTCP_ESTABLISHED:
		/* established__close__fin_wait1 */
		xtcp_set_state(sk, XTCP_FIN_WAIT1);
		xtcp_send_fin(sk);
		break;
	case XTCP_CLOSE_WAIT:
		/* close_wait__close__last_ack */
		xtcp_set_state(sk, XTCP_LAST_ACK);
		xtcp_send_fin(sk);
		break;
	}
}

/*
 * time_wait__connect__closed: connect() from @sk on the 4-tuple of @tw, a
 * TIME_WAIT orphan hash.c found reusable, ends that TIME_WAIT.  The new
 * ISS lies a full unscaled window beyond the old SND.NXT, so that the
 * peer, were it still in TIME_WAIT itself, takes the SYN for a new
 * connection, and nothing the old one sent falls into the new window (as
 * Linux's tcp_twsk_unique()).  Puts @tw.
 */
static void xtcp_time_wait_reuse(struct sock *sk, struct sock *tw)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	local_bh_disable();
	bh_lock_sock(tw);
	if (!sock_owned_by_user(tw) && tw->sk_state == XTCP_TIME_WAIT) {
		xs->iss = xtcp_sk(tw)->snd_nxt + 65535 + 2;
		xs->write_seq = xs->iss;
		xtcp_sk(tw)->cause = XTCP_CAUSE_CALL;
		xtcp_done(tw);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TWREUSED);
	}
	bh_unlock_sock(tw);
	local_bh_enable();
	sock_put(tw);
}

/*
 * closed__connect__syn_sent: connect(), once sock.c has chosen the route,
 * the local port and the ISS.  In SYN_SENT before it is hashed: the
 * tables never hold a CLOSED socket.  If it cannot be hashed it is CLOSED
 * again, an attempt that failed.
 */
int xtcp_state_connect(struct sock *sk)
{
	struct sock *tw = NULL;
	int err;

	xtcp_set_state(sk, XTCP_SYN_SENT);
	err = xtcp_hash_established(sk, &tw);
	if (err == -EEXIST) {
		xtcp_time_wait_reuse(sk, tw);
		err = xtcp_hash_established(sk, NULL);
	}
	if (err)
		xtcp_set_state(sk, XTCP_CLOSE);
	return err;
}

/*
 * closed__listen__listen: listen().  hash.c calls it with the bind lock
 * and the listener chain's lock held, so that the port check, the state
 * and the listener table change together.
 */
void xtcp_state_listen(struct sock *sk)
{
	xtcp_set_state(sk, XTCP_LISTEN);
}

/*
 * Close the listener's door: no new children, and every child it holds,
 * half-open or waiting for accept(), is reset.
 */
static void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *lxs = xtcp_sk(sk), *xs;

	spin_lock_bh(&lxs->accept_lock);
	lxs->listen_closed = true;
	spin_unlock_bh(&lxs->accept_lock);

	for (;;) {
		struct sock *child;

		spin_lock_bh(&lxs->accept_lock);
		xs = list_first_entry_or_null(&lxs->children,
					      struct xtcp_sock, child_node);
		if (xs) {
			list_del_init(&xs->child_node);
			lxs->nr_children--;
			if (xs->established_child)
				sk_acceptq_removed(sk);
		}
		spin_unlock_bh(&lxs->accept_lock);
		if (!xs)
			break;

		child = &xs->inet.sk;
		local_bh_disable();
		bh_lock_sock(child);
		xs->parent = NULL;
		xtcp_abort(child, ECONNABORTED);
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(sk);		/* the child's reference on us */
		sock_put(child);	/* the list's reference */
	}
}

/* listen__close__closed: close() or shutdown(SHUT_RD) of a listener. */
void xtcp_state_close_listener(struct sock *sk)
{
	xtcp_set_state(sk, XTCP_CLOSE);
	xtcp_listen_stop(sk);
}

/*
 * The user's close() (RFC 9293 3.10.4).  Returns true when it took the
 * orderly way, FIN after any queued data, which SO_LINGER may wait for;
 * false when the socket was dropped or aborted.
 */
bool xtcp_state_close(struct sock *sk)
{
	if (sk->sk_state == XTCP_LISTEN) {
		xtcp_state_close_listener(sk);
	} else if (sk->sk_state == XTCP_SYN_SENT) {
		/* syn_sent__close__closed: delete the TCB, nothing is sent. */
		xtcp_done(sk);
	} else if (!skb_queue_empty(&sk->sk_receive_queue) ||
		   (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)) {
		/*
		 * any__close_unread__closed, any__linger0_close__closed: data
		 * would be lost, tell the peer (RFC 9293 3.10.4).
		 */
		xtcp_abort(sk, 0);
	} else {
		xtcp_close_send(sk);
		return true;
	}
	return false;
}

/*
 * SEG.ACK advanced SND.UNA: drop what is acknowledged, rearm the timer.
 * Returns the segments of text or FIN acknowledged (a SYN is not: the
 * window starts at its initial size once established); @delivered gets
 * those of them the peer had not SACKed before.
 */
/*
 * SEG.ACK @ack covers the head of the multi-segment @skb: that part
 * leaves the queue, as its segments had been skbs of their own.  True
 * if it did.
 */
static bool xtcp_clean_partial(struct sock *sk, struct sk_buff *skb, u32 ack,
			       u32 *acked, u32 *delivered)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 seq = cb->seq, len = ack - seq;
	int segs;

	segs = xtcp_skb_trim_acked(sk, skb, ack);
	if (segs < 0)
		return false;
	if (!cb->retransmitted)
		xtcp_rtt_sample(sk, cb->sent);
	if (!cb->sacked) {
		xtcp_rack_delivered(sk, skb, seq, ack);
		xtcp_rate_skb_delivered(sk, skb, len);
		*delivered += segs;
	}
	*acked += segs;
	xs->bytes_acked += len;
	return true;
}

static u32 xtcp_clean_rtx_queue(struct sock *sk, u32 ack, u32 *delivered)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;
	bool freed = false;
	u32 acked = 0;

	xtcp_rtt_ts_ack(sk);
	while ((skb = skb_peek(&sk->sk_write_queue))) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (xtcp_after(cb->end_seq, ack)) {
			if (xtcp_after(ack, cb->seq) &&
			    xtcp_clean_partial(sk, skb, ack, &acked, delivered))
				freed = true;
			break;
		}
		/* Karn: only segments sent once give an RTT sample. */
		if (!cb->retransmitted)
			xtcp_rtt_sample(sk, cb->sent);
		/* Rewound by a timeout, yet it arrived the first time. */
		if (skb == xs->send_head)
			xs->send_head = skb_queue_is_last(&sk->sk_write_queue,
							  skb) ? NULL : skb->next;
		/* A SACKed one was delivered when it was SACKed. */
		if (!cb->sacked) {
			xtcp_rack_delivered(sk, skb, cb->seq, cb->end_seq);
			xtcp_rate_skb_delivered(sk, skb, skb->len);
		}
		if (!(cb->flags & XTCP_FLAG_SYN)) {
			acked += cb->segs;
			if (!cb->sacked)
				*delivered += cb->segs;
		}
		xtcp_skb_acked(sk, skb);
		xs->bytes_acked += skb->len;
		__skb_unlink(skb, &sk->sk_write_queue);
		sk_wmem_queued_add(sk, -skb->truesize);
		consume_skb(skb);
		freed = true;
	}
	xs->snd_una = ack;
	if (!freed)
		return 0;

	xs->retries = 0;
	if (skb_peek(&sk->sk_write_queue) == xs->send_head)
		xtcp_disarm_rtx(sk);
	else
		xtcp_rearm_rtx(sk);
	/* Room for the writer, and maybe a larger send buffer (bufauto.c). */
	xtcp_new_space(sk);
	return acked;
}

/* The handshake's ACK: the SYN leaves the queue, no window grows. */
static void xtcp_ack_of_syn(struct sock *sk, u32 ack)
{
	u32 delivered = 0;

	xtcp_clean_rtx_queue(sk, ack, &delivered);
}

/*
 * RFC 5681 2: a duplicate ACK acknowledges nothing new, carries no text,
 * SYN or FIN, leaves the window as it was, while something is in flight.
 */
static bool xtcp_is_dupack(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return cb->ack_seq == xs->snd_una && cb->end_seq == cb->seq &&
	       !(cb->flags & (XTCP_FLAG_SYN | XTCP_FLAG_FIN)) &&
	       cb->window == xs->snd_wnd && xs->packets_out;
}

/* RFC 9293 3.10.7.4, fifth check: window update. */
static void xtcp_update_window(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_before(xs->snd_wl1, cb->seq) ||
	    (xs->snd_wl1 == cb->seq && !xtcp_before(cb->ack_seq,
						     xs->snd_wl2))) {
		xs->snd_wnd = cb->window;
		xs->snd_wl1 = cb->seq;
		xs->snd_wl2 = cb->ack_seq;
		xs->max_snd_wnd = max(xs->max_snd_wnd, xs->snd_wnd);
	}
}

/*
 * The options of the peer's SYN: its MSS, whether both do SACK, TS and
 * window scale.
 */
static void xtcp_take_syn_options(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_in_options o;

	xtcp_options_parse(skb, &o);
	xs->peer_mss = o.mss ? max_t(u16, o.mss, XTCP_MIN_MSS) :
			       XTCP_DEFAULT_MSS;
	xs->sack_ok = o.sack_perm &&
		      xtcp_pernet(sock_net(sk))->sysctl.sack;
	xtcp_ts_take_syn(sk, &o);
	xtcp_ws_take_syn(sk, &o);
	xtcp_init_mss(sk);
}

/* Adopt the peer's SYN: IRS, RCV.NXT and the first window. */
static void xtcp_take_syn(struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->rcv_wup = xs->rcv_nxt;
	xs->copied_seq = xs->rcv_nxt;
	xs->snd_wnd = cb->window;
	xs->max_snd_wnd = cb->window;
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = cb->ack_seq;
}

/* A passive child completed the handshake: hand it to accept(). */
static void xtcp_child_established(struct sock *child)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct sock *parent = xs->parent;

	if (!parent)
		return;
	spin_lock_bh(&xtcp_sk(parent)->accept_lock);
	if (!list_empty(&xs->child_node) && !xs->established_child) {
		xs->established_child = true;
		sk_acceptq_added(parent);
	}
	spin_unlock_bh(&xtcp_sk(parent)->accept_lock);
	parent->sk_data_ready(parent);
}

/* LISTEN, a SYN: create the child in SYN_RCVD and answer SYN+ACK. */
static void xtcp_rcv_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct xtcp_sock *xs;
	struct sock *child;
	bool full;

	spin_lock_bh(&lxs->accept_lock);
	full = lxs->nr_children >= max_t(u32, sk->sk_max_ack_backlog, 1);
	spin_unlock_bh(&lxs->accept_lock);
	if (full) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENOVERFLOWS);
		return;
	}

	child = xtcp_sk_alloc(sock_net(sk), NULL, GFP_ATOMIC, 0);
	if (!child)
		return;
	/* Our own reference for the time we work on it. */
	sock_hold(child);
	/*
	 * Hashed before it is complete: keep softirq on other CPUs out.
	 * From the listener's backlog this runs with BH enabled: disable
	 * it, or a segment for the child delivered by our own transmit
	 * would spin on this lock.
	 */
	local_bh_disable();
	bh_lock_sock_nested(child);
	xs = xtcp_sk(child);
	child->sk_reuse = sk->sk_reuse;
	child->sk_bound_dev_if = sk->sk_bound_dev_if;
	child->sk_mark = sk->sk_mark;
	child->sk_rcvbuf = sk->sk_rcvbuf;
	child->sk_sndbuf = sk->sk_sndbuf;
	child->sk_userlocks = sk->sk_userlocks;
	xs->nodelay = lxs->nodelay;
	sock_valbool_flag(child, SOCK_KEEPOPEN, sock_flag(sk, SOCK_KEEPOPEN));
	xs->ka_time = lxs->ka_time;
	xs->ka_intvl = lxs->ka_intvl;
	xs->ka_probes = lxs->ka_probes;
	xtcp_cong_inherit(child, sk);
	xs->passive = 1;
	inet_sk(child)->inet_rcv_saddr = iph->daddr;
	inet_sk(child)->inet_saddr = iph->daddr;
	inet_sk(child)->inet_daddr = iph->saddr;
	inet_sk(child)->inet_dport = xtcp_hdr(skb)->source;
	xtcp_inherit_port(child, sk);

	xtcp_take_syn(child, skb);
	xs->snd_wl2 = 0;
	xs->iss = xtcp_new_isn(iph->daddr, iph->saddr, xtcp_hdr(skb)->dest,
			       xtcp_hdr(skb)->source);
	xs->write_seq = xs->iss;
	xtcp_take_syn_options(child, skb);
	/*
	 * RFC 9293's arc: the child stands for the listener that got the
	 * SYN, so it leaves LISTEN (as Linux's clone of its listener does),
	 * and that SYN caused it.
	 */
	child->sk_state = XTCP_LISTEN;
	xtcp_cause_segment(child, skb);
	xtcp_set_state(child, XTCP_SYN_RECV);
	xs->cause = XTCP_CAUSE_CALL;

	if (xtcp_hash_established(child, NULL))
		goto drop_child;

	spin_lock_bh(&lxs->accept_lock);
	if (lxs->listen_closed) {
		spin_unlock_bh(&lxs->accept_lock);
		goto drop_child;
	}
	/* The list holds the child's initial reference; it holds ours. */
	list_add_tail(&xs->child_node, &lxs->children);
	lxs->nr_children++;
	sock_hold(sk);
	xs->parent = sk;
	spin_unlock_bh(&lxs->accept_lock);

	/* Under the child's spinlock, maybe in softirq: no sleeping. */
	if (xtcp_send_syn(child, GFP_ATOMIC))
		xtcp_done(child);
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
	return;

drop_child:
	xtcp_done(child);
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
	sock_put(child);
}

/* RFC 9293 3.10.7.2: LISTEN. */
static void xtcp_rcv_listen(struct sock *sk, struct sk_buff *skb)
{
	u8 flags = XTCP_SKB_CB(skb)->flags;

	if (flags & XTCP_FLAG_RST)
		return;
	if (flags & XTCP_FLAG_ACK) {
		xtcp_reply_rst(sock_net(sk), skb);
		return;
	}
	if (flags & XTCP_FLAG_SYN)
		xtcp_rcv_listen_syn(sk, skb);	/* listen__rcv_syn__syn_rcvd */
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static void xtcp_rcv_syn_sent(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool ack_ok = false;

	if (cb->flags & XTCP_FLAG_ACK) {
		/* Acceptable only if it acknowledges our SYN. */
		if (!xtcp_after(cb->ack_seq, xs->iss) ||
		    xtcp_after(cb->ack_seq, xs->snd_nxt)) {
			xtcp_reply_rst(sock_net(sk), skb);
			return;
		}
		ack_ok = true;
	}

	if (cb->flags & XTCP_FLAG_RST) {
		if (ack_ok)
			xtcp_reset(sk);	/* syn_sent__rcv_rst__closed */
		return;
	}

	if (!(cb->flags & XTCP_FLAG_SYN))
		return;

	xtcp_take_syn(sk, skb);
	xtcp_take_syn_options(sk, skb);
	if (ack_ok) {
		/* syn_sent__rcv_synack__established */
		xtcp_ack_of_syn(sk, cb->ack_seq);
		xtcp_set_state(sk, XTCP_ESTABLISHED);
		xtcp_send_ack(sk);
		xtcp_buf_established(sk);
		xtcp_keepalive_established(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		xtcp_push(sk);
		return;
	}

	/* syn_sent__rcv_syn__syn_rcvd: simultaneous open, answer SYN+ACK. */
	xs->snd_wl2 = xs->iss;
	xtcp_set_state(sk, XTCP_SYN_RECV);
	XTCP_SKB_CB(skb_peek(&sk->sk_write_queue))->flags |= XTCP_FLAG_ACK;
	xtcp_retransmit_head(sk, XTCP_RETRANS_SYN);
}

/*
 * RFC 9293 3.10.7.4, first check: is any of the segment inside the
 * receive window?  A zero window still takes a bare segment at RCV.NXT,
 * so that ACKs and RSTs get through.
 */
static bool xtcp_seq_acceptable(const struct xtcp_sock *xs, u32 seq, u32 len)
{
	u32 wnd = xtcp_rcv_wnd_left(xs);
	u32 nxt = xs->rcv_nxt;

	if (!len)
		return wnd ? xtcp_between(seq, nxt, nxt + wnd - 1) : seq == nxt;
	if (!wnd)
		return seq == nxt;
	return xtcp_between(seq, nxt, nxt + wnd - 1) ||
	       xtcp_between(seq + len - 1, nxt, nxt + wnd - 1);
}

/* RFC 9293 3.10.7.4, eighth check: FIN in sequence. */
static void xtcp_rcv_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcv_nxt++;
	sk->sk_shutdown |= RCV_SHUTDOWN;
	sock_set_flag(sk, SOCK_DONE);

	switch (sk->sk_state) {
	case XTCP_SYN_RECV:
	case XTCP_ESTABLISHED:
		/* established__rcv_fin__close_wait */
		xtcp_set_state(sk, XTCP_CLOSE_WAIT);
		break;
	case XTCP_FIN_WAIT1:
		/*
		 * fin_wait1__rcv_fin__closing: our FIN is unacknowledged, or
		 * the ACK check would have moved us to FIN_WAIT2 already.
		 */
		xtcp_set_state(sk, XTCP_CLOSING);
		break;
	case XTCP_FIN_WAIT2:
		/* fin_wait2__rcv_fin__time_wait, and fin_wait1__rcv_finack */
		xtcp_send_ack(sk);
		xtcp_enter_time_wait(sk);
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
	}
}

/* The ACK check for SYN_RCVD; false if the segment must be dropped. */
static bool xtcp_ack_syn_recv(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_between(cb->ack_seq, xs->snd_una + 1, xs->snd_nxt)) {
		xtcp_reply_rst(sock_net(sk), skb);
		return false;
	}
	/* syn_rcvd__rcv_ack__established */
	xs->snd_wnd = cb->window;
	xs->max_snd_wnd = cb->window;
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = cb->ack_seq;
	xtcp_ack_of_syn(sk, cb->ack_seq);
	xtcp_set_state(sk, XTCP_ESTABLISHED);
	xtcp_buf_established(sk);
	xtcp_keepalive_established(sk);
	if (xs->passive) {
		xtcp_child_established(sk);
	} else {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
	return true;
}

/* The ACK check for the other synchronized states. */
static bool xtcp_ack_synchronized(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_ack_sample sample = {};
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_after(cb->ack_seq, xs->snd_nxt)) {
		/* Acknowledges what we never sent (RFC 5961 5.2). */
		xtcp_send_challenge_ack(sk);
		return false;
	}
	if (xtcp_before(cb->ack_seq, xs->snd_una - xs->max_snd_wnd)) {
		/* Too old to be in flight: a blind injection (RFC 5961 5.2). */
		xtcp_send_challenge_ack(sk);
		return false;
	}
	sample.dupack = xtcp_is_dupack(sk, skb);
	if (xtcp_after(cb->ack_seq, xs->snd_una))
		sample.acked = xtcp_clean_rtx_queue(sk, cb->ack_seq,
						    &sample.delivered);
	if (xs->sack_ok && xtcp_hdr_doff(xtcp_hdr(skb)) > XTCP_HDR_LEN) {
		struct xtcp_in_options o;

		xtcp_options_parse(skb, &o);
		if (o.num_sacks)
			xtcp_sacktag(sk, cb->ack_seq, &o, &sample);
	}
	if (!xtcp_before(cb->ack_seq, xs->snd_una))
		xtcp_update_window(sk, cb);
	xtcp_rate_gen(sk);
	xtcp_recovery_on_ack(sk, &sample);
	/* The peer is alive: window probes start counting again. */
	xs->probes_out = 0;
	return true;
}

static bool xtcp_fin_acked(const struct xtcp_sock *xs)
{
	return xs->fin_queued && xs->snd_una == xs->write_seq;
}

/* RFC 9293 3.10.7.4: the synchronized states. */
static int xtcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 seg_len = cb->end_seq - cb->seq;
	bool queued = false, ack_now = false, dropped = false;
	u8 ctl = cb->flags & (XTCP_FLAG_SYN | XTCP_FLAG_ACK | XTCP_FLAG_RST);

	xtcp_ts_rcv(sk, skb);
	/*
	 * time_wait__rcv_syn__reopen: a new SYN beyond RCV.NXT may end an
	 * orphan's TIME_WAIT (RFC 9293 3.6.1, as Linux does); the caller
	 * looks for a listener and falls back to an ACK.
	 */
	if (sk->sk_state == XTCP_TIME_WAIT && ctl == XTCP_FLAG_SYN &&
	    xtcp_after(cb->seq, xs->rcv_nxt) && sock_flag(sk, SOCK_DEAD))
		return XTCP_RCV_REOPEN;

	/*
	 * syn_rcvd__rcv_synack__established: in a simultaneous open the
	 * peer's SYN+ACK acknowledges our SYN; its SYN is an old one.
	 */
	if (sk->sk_state == XTCP_SYN_RECV && !xs->passive &&
	    ctl == (XTCP_FLAG_SYN | XTCP_FLAG_ACK) && cb->seq == xs->irs &&
	    cb->ack_seq == xs->snd_nxt) {
		xtcp_ack_syn_recv(sk, skb);
		goto drop;
	}

	/* PAWS (RFC 7323 5.3 R1): an old duplicate, whatever its SEQ. */
	if (xtcp_paws_reject(sk, skb)) {
		/*
		 * Often an original that its resend overtook: a D-SACK
		 * tells the sender the resend was needless (RFC 2883), as
		 * the out-of-window check below does.
		 */
		if (seg_len && xtcp_before(cb->seq, xs->rcv_nxt))
			xtcp_sack_dup_below(sk, cb->seq, cb->end_seq);
		xtcp_send_oow_ack(sk, skb);
		goto drop;
	}

	/* First: sequence number. */
	if (!xtcp_seq_acceptable(xs, cb->seq, seg_len)) {
		if (sk->sk_state == XTCP_SYN_RECV &&
		    (cb->flags & XTCP_FLAG_SYN) && cb->seq == xs->irs &&
		    !(cb->flags & (XTCP_FLAG_RST | XTCP_FLAG_ACK))) {
			/* The peer lost our SYN+ACK and sends SYN again. */
			xtcp_retransmit_head(sk, XTCP_RETRANS_SYN);
			goto drop;
		}
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTOFWINDOW);
		/* Text we have already: a D-SACK tells the sender (RFC 2883). */
		if (seg_len && xtcp_before(cb->seq, xs->rcv_nxt))
			xtcp_sack_dup_below(sk, cb->seq, cb->end_seq);
		if (!(cb->flags & XTCP_FLAG_RST)) {
			xtcp_send_oow_ack(sk, skb);
			/* A retransmitted FIN restarts TIME_WAIT's 2 MSL. */
			if (sk->sk_state == XTCP_TIME_WAIT &&
			    (cb->flags & XTCP_FLAG_FIN))
				xtcp_restart_time_wait(sk);
		}
		goto drop;
	}

	/* Second: RST (RFC 5961 3.2: exact match, else challenge ACK). */
	if (cb->flags & XTCP_FLAG_RST) {
		/*
		 * time_wait__rcv_rst__time_wait: RFC 1337, an RST does not
		 * cut TIME_WAIT short, and earns no challenge either.
		 */
		if (sk->sk_state == XTCP_TIME_WAIT)
			goto drop;
		if (cb->seq != xs->rcv_nxt) {
			xtcp_send_challenge_ack(sk);
			goto drop;
		}
		/* established__rcv_rst__closed, syn_rcvd__rcv_rst__listen, ... */
		xtcp_reset(sk);
		goto drop;
	}

	/*
	 * Fourth: SYN.  syn_rcvd__rcv_syn__listen: a passive child returns to
	 * LISTEN, that is, it goes (RFC 9293 3.10.7.4); in the synchronized
	 * states a challenge ACK answers (RFC 5961 4.2).
	 */
	if (cb->flags & XTCP_FLAG_SYN) {
		if (sk->sk_state == XTCP_SYN_RECV && xs->passive)
			xtcp_done(sk);
		else
			xtcp_send_challenge_ack(sk);
		goto drop;
	}

	/* The segment is acceptable: its TSval may become TS.Recent. */
	xtcp_ts_update_recent(sk, skb);

	/* Fifth: ACK. */
	if (!(cb->flags & XTCP_FLAG_ACK))
		goto drop;
	if (sk->sk_state == XTCP_SYN_RECV) {
		if (!xtcp_ack_syn_recv(sk, skb))
			goto drop;
	} else if (!xtcp_ack_synchronized(sk, skb)) {
		goto drop;
	}
	xtcp_keepalive_heard(sk);

	switch (sk->sk_state) {
	case XTCP_FIN_WAIT1:
		if (xtcp_fin_acked(xs)) {
			/* fin_wait1__rcv_ack_of_fin__fin_wait2 */
			xtcp_set_state(sk, XTCP_FIN_WAIT2);
			if (sock_flag(sk, SOCK_DEAD))
				xtcp_orphan_fin_wait2(sk);
			else
				sk->sk_state_change(sk);
		}
		break;
	case XTCP_CLOSING:
		if (xtcp_fin_acked(xs)) {
			/* closing__rcv_ack_of_fin__time_wait */
			xtcp_enter_time_wait(sk);
			goto consume;
		}
		break;
	case XTCP_LAST_ACK:
		if (xtcp_fin_acked(xs)) {
			/* last_ack__rcv_ack_of_fin__closed */
			xtcp_done(sk);
			goto consume;
		}
		break;
	}

	/* Seventh: segment text. */
	if (skb->len && (sk->sk_shutdown & RCV_SHUTDOWN) &&
	    (sk->sk_state == XTCP_FIN_WAIT1 ||
	     sk->sk_state == XTCP_FIN_WAIT2) &&
	    xtcp_after(cb->seq + skb->len, xs->rcv_nxt)) {
		/*
		 * fin_wait__rcv_data_after_close__closed: nobody will read it,
		 * abort as Linux does (RFC 9293 3.10.4).
		 */
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONDATA);
		xtcp_reply_rst(sock_net(sk), skb);
		if (!sock_flag(sk, SOCK_DEAD)) {
			WRITE_ONCE(sk->sk_err, ECONNRESET);
			sk_error_report(sk);
		}
		xtcp_done(sk);
		goto drop;
	}
	/*
	 * Seventh and eighth: the text, and a FIN once it is next in
	 * sequence (ofo.c holds what comes beyond a hole).  After the
	 * peer's FIN there is no more text.
	 */
	if ((skb->len || (cb->flags & XTCP_FLAG_FIN)) &&
	    ((1 << sk->sk_state) &
	     (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2))) {
		/* A super-segment (GSO, GRO) counts as segments of gso_size. */
		u32 rmss_len = skb_is_gso(skb) ? skb_shinfo(skb)->gso_size :
						 seg_len;
		struct xtcp_rcv_text text;

		xtcp_data_queue(sk, skb, &text);
		queued = text.queued;
		/*
		 * Duplicate, beyond the window, or no room for it.  A queued
		 * skb may be merged and freed already: look at it only if not.
		 */
		dropped = !queued && skb->len;
		/* At once, or delayed (RFC 9293 3.8.6.3, delack.c). */
		ack_now = xtcp_delack_rcv(sk, &text, rmss_len);
		/*
		 * A duplicate ACK goes alone (RFC 5681 2), as does a D-SACK:
		 * a full segment of ours has no room for their blocks.
		 */
		if (ack_now && (text.out_of_order || xs->dsack_pending)) {
			xtcp_send_ack(sk);
			ack_now = false;
		}
		/* The receiver's RTT, for autotuning (bufauto.c). */
		if (text.queued && !text.out_of_order)
			xtcp_rcv_rtt_measure(sk, rmss_len);
		/* RFC 5681 4.2: a hole, or its filling, is told at once. */
		if (text.out_of_order || text.filled_hole)
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DUPACKSSENT);
		if (text.fin && !sock_flag(sk, SOCK_DONE)) {
			xtcp_rcv_fin(sk);
			/*
			 * fin_wait2__rcv_fin__time_wait has sent its ACK (and
			 * so has its CLOSED past max_tw_buckets).
			 */
			ack_now = !((1 << sk->sk_state) &
				    (TCPF_TIME_WAIT | TCPF_CLOSE));
		}
	} else if ((cb->flags & XTCP_FLAG_FIN) &&
		   cb->end_seq - 1 == xs->rcv_nxt &&
		   sk->sk_state == XTCP_TIME_WAIT) {
		/* time_wait__rcv_fin__time_wait */
		xtcp_restart_time_wait(sk);
		ack_now = true;
	}

	/*
	 * Our data goes after the text is queued, so that it carries the
	 * ACK of that text (TCP's tcp_data_snd_check() before its
	 * tcp_ack_snd_check()); an ACK owed at once goes alone only if
	 * no data of ours took it.
	 */
	xs->ack_now = ack_now;
	xtcp_push(sk);
	if (xs->ack_now)
		xtcp_send_ack(sk);
	if (queued && !sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	if (dropped)
		goto drop;
consume:
	/* Taken in whole, as an ACK is: not a drop (drop monitors). */
	if (!queued)
		consume_skb(skb);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

/*
 * Process one segment for @sk, which the caller has locked.  Consumes
 * @skb, except when it returns XTCP_RCV_REOPEN: then the segment belongs
 * to a listener, if there is one, and @sk may give way to it.
 */
int xtcp_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	bool held = xtcp_clock_start(sk);
	u8 cause = xtcp_cause_segment(sk, skb);
	int ret = 0;

	/*
	 * RFC 7323 2.3: SEG.WND of all but a SYN counts in units of the
	 * peer's shift; 0 until both SYNs agreed on scaling.
	 */
	if (!(cb->flags & XTCP_FLAG_SYN))
		cb->window <<= xtcp_sk(sk)->snd_wscale;

	switch (sk->sk_state) {
	case XTCP_CLOSE:
		/* Closed after the lookup found it: as if no socket. */
		xtcp_reply_rst(sock_net(sk), skb);
		break;
	case XTCP_LISTEN:
		xtcp_rcv_listen(sk, skb);
		break;
	case XTCP_SYN_SENT:
		xtcp_rcv_syn_sent(sk, skb);
		break;
	default:
		ret = xtcp_rcv_synchronized(sk, skb);
		goto out;
	}
	kfree_skb(skb);
out:
	xtcp_sk(sk)->cause = cause;
	xtcp_clock_release(sk, held);
	return ret;
}

/* proto.backlog_rcv: no relookup from process context, drop instead. */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	if (xtcp_do_rcv(sk, skb) == XTCP_RCV_REOPEN)
		kfree_skb(skb);
	return 0;
}
