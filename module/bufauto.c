// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP buffer autotuning, as Linux's TCP does it (receive-side Dynamic
 * Right-Sizing, tcp_rcv_space_adjust(); tcp_clamp_window();
 * tcp_sndbuf_expand() and tcp_new_space()), bounded per namespace by
 * net.xtcp.rmem and net.xtcp.wmem (min, default, max):
 *
 * - A new socket starts with rmem[1] and wmem[1] (tcp_init_sock()); a
 *   listener's children start with the listener's.
 * - Receive buffer: once per round trip the bytes the reader took in it
 *   are measured.  When it took more than in the round trip before, the
 *   buffer grows to hold twice that (a loss must not stall the sender),
 *   more as the rate grew (the sender in slow start doubles it each round
 *   trip, and what we advertise now is used a round trip later), and
 *   room for 16 segments; the window is at least half of it (rcvwnd.c).
 *   Up to rmem[2].
 * - The receiver's round trip: from the TSecr of in-order full segments
 *   (RFC 7323 4: it echoes the TSval of the ACK that let them go), or
 *   without timestamps, the time a window's worth of text takes to come
 *   (the least seen); else the RTT of our own segments (RFC 6298).
 * - Text inside the window for which the buffer has no room (skb
 *   overhead beyond what the window assumed, or text held beyond a hole)
 *   grows the buffer to what it needs, up to rmem[2], before anything is
 *   dropped (tcp_clamp_window()).
 * - Send buffer: at establishment, and when ACKs free room for a writer
 *   that waits for it while SND.CWND is not full, room for twice SND.CWND
 *   segments (a recovery keeps the old ones queued while it sends new
 *   ones), up to wmem[2].
 *
 * A buffer the user set with SO_RCVBUF or SO_SNDBUF (SOCK_RCVBUF_LOCK,
 * SOCK_SNDBUF_LOCK in sk_userlocks, set by sock_setsockopt()) stays as
 * the user set it.  XTCP keeps no global memory account: rmem[2] and
 * wmem[2] are what bounds a connection.
 */
#include <net/sock.h>

#include "xtcp.h"

#define XTCP_RCVQ_INIT_SEGS	10	/* the first measure: RFC 6928 IW */
#define XTCP_RCVQ_CUSHION_SEGS	16	/* room beyond twice the rate */

/* A new socket's buffers: rmem[1] and wmem[1]. */
void xtcp_buf_init_sock(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	WRITE_ONCE(sk->sk_rcvbuf, max_t(int, READ_ONCE(xn->sysctl.rmem[1]),
					SOCK_MIN_RCVBUF));
	WRITE_ONCE(sk->sk_sndbuf, max_t(int, READ_ONCE(xn->sysctl.wmem[1]),
					SOCK_MIN_SNDBUF));
}

/*
 * Room for twice SND.CWND segments (at least the initial window, and
 * what reordering holds back), each the memory of the skb sendmsg()
 * builds for a full segment: a head for the headers, and the text in the
 * socket's page fragment.  Up to wmem[2].
 */
static void xtcp_sndbuf_expand(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 per_mss, segs;
	u64 sndmem;

	per_mss = SKB_TRUESIZE(XTCP_MAX_HEADER) + xs->mss;
	segs = max3(XTCP_RCVQ_INIT_SEGS, xs->snd_cwnd,
		    (u32)xs->reordering + 1);
	sndmem = 2ULL * segs * per_mss;
	sndmem = min_t(u64, sndmem, READ_ONCE(xn->sysctl.wmem[2]));
	if (sndmem > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, sndmem);
}

/* Both handshake arcs to ESTABLISHED: start the measures. */
void xtcp_buf_established(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcvq_space = max(min_t(u32, xs->rcv_wnd,
				   XTCP_RCVQ_INIT_SEGS * (u32)xs->mss), 1U);
	xs->rcvq_seq = xs->copied_seq;
	xs->rcvq_time_us = xtcp_event_us(xs);
	xs->rcv_rtt_us = 0;
	xs->rcv_rtt_time_us = 0;
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		xtcp_sndbuf_expand(sk);
}

/*
 * A receiver's RTT sample: the least with @win_dep (a window's worth can
 * only take longer than a round trip, never less), else smoothed by 1/8.
 */
static void xtcp_rcv_rtt_update(struct xtcp_sock *xs, u32 sample_us,
				bool win_dep)
{
	u32 old = xs->rcv_rtt_us;

	if (!old || sample_us < old)
		xs->rcv_rtt_us = sample_us;
	else if (!win_dep)
		xs->rcv_rtt_us = old - old / 8 + sample_us / 8;
}

/*
 * In-order text of @seg_len bytes was queued: a sample of the receiver's
 * RTT, if it gives one.  Runs after xtcp_delack_rcv() measured RMSS.
 */
void xtcp_rcv_rtt_measure(struct sock *sk, u32 seg_len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 now;

	if (xs->ts_ok) {
		s32 delta;

		if (!xs->rx_ts.saw || !xs->rx_ts.tsecr || seg_len < xs->rcv_mss)
			return;
		delta = (s32)(xtcp_ts_now(xs) - xs->rx_ts.tsecr);
		if (delta < 0 || delta > INT_MAX / USEC_PER_MSEC)
			return;
		/* The clock ticks in milliseconds: a faster path is 1 ms. */
		xtcp_rcv_rtt_update(xs, max(delta, 1) * USEC_PER_MSEC, false);
		return;
	}
	now = xtcp_now_us(xs);
	if (xs->rcv_rtt_time_us) {
		if (xtcp_before(xs->rcv_nxt, xs->rcv_rtt_seq))
			return;
		xtcp_rcv_rtt_update(xs, max(now - xs->rcv_rtt_time_us, 1U),
				    true);
	}
	/* The next measure: until the window advertised now is used up. */
	xs->rcv_rtt_seq = xs->rcv_nxt + max(xs->rcv_wnd, 1U);
	xs->rcv_rtt_time_us = now ? : 1;
}

/*
 * The reader took text (recvmsg()): once per round trip, grow the
 * receive buffer to what the rate it reads at needs.
 */
void xtcp_rcv_space_adjust(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rtt = xs->rcv_rtt_us ? : xs->srtt_us;
	u32 now = xtcp_event_us(xs);
	u32 copied, space;

	if (!rtt || (s32)(now - xs->rcvq_time_us) < (s32)rtt)
		return;
	copied = xs->copied_seq - xs->rcvq_seq;
	space = max(xs->rcvq_space, 1U);
	if (copied <= space)
		goto new_measure;

	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
		u64 rcvwin, grow, rcvbuf;

		rcvwin = 2ULL * copied + XTCP_RCVQ_CUSHION_SEGS * (u64)xs->mss;
		grow = div_u64(rcvwin * (copied - space), space);
		rcvwin += 2 * grow;
		/* The window is at least half the buffer (rcvwnd.c). */
		rcvbuf = min_t(u64, 2 * rcvwin, READ_ONCE(xn->sysctl.rmem[2]));
		if (rcvbuf > READ_ONCE(sk->sk_rcvbuf))
			WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	}
	xs->rcvq_space = copied;
new_measure:
	xs->rcvq_seq = xs->copied_seq;
	xs->rcvq_time_us = now;
}

/*
 * The receive queues need @extra bytes more than the buffer holds: grow
 * it to fit, up to rmem[2], unless the user fixed it.  True if they fit
 * now.  The window bounds what a peer can make us hold this way.
 */
bool xtcp_clamp_window(struct sock *sk, unsigned int extra)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int rmem2 = READ_ONCE(xn->sysctl.rmem[2]);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	s64 need = (s64)atomic_read(&sk->sk_rmem_alloc) + extra;

	if (need <= rcvbuf)
		return true;
	if ((sk->sk_userlocks & SOCK_RCVBUF_LOCK) || rcvbuf >= rmem2)
		return false;
	rcvbuf = min_t(s64, need, rmem2);
	WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	return need <= rcvbuf;
}

/*
 * Should room freed by an ACK make the send buffer larger?  When a
 * writer waits for room (the caller knows) while SND.CWND is not full:
 * the buffer, not the network, holds it back.
 */
static bool xtcp_should_expand_sndbuf(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return false;
	return xtcp_in_flight(xs) < xs->snd_cwnd;
}

/*
 * ACKs freed room on the send queue: maybe grow it, wake writers.  Only
 * if one said it waits for room (SOCK_NOSPACE, as tcp_check_space()):
 * the socket's one wait queue also holds readers, and a reader waiting
 * for the peer's reply after its last write would wake on every ACK.
 */
void xtcp_new_space(struct sock *sk)
{
	/* The room before the bit: pairs with xtcp_poll()'s barrier. */
	smp_mb();
	if (!sk->sk_socket || !test_bit(SOCK_NOSPACE, &sk->sk_socket->flags))
		return;
	if (xtcp_should_expand_sndbuf(sk))
		xtcp_sndbuf_expand(sk);
	sk->sk_write_space(sk);
}
