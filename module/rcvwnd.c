// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP receive window: the window a segment advertises, and when a
 * reader draining the receive queue announces that it opened.  The right
 * edge never moves left (RFC 9293 3.8.6, no shrinking of the window), and
 * the window reopens only in steps worth a segment (RFC 9293 3.8.6.2.2,
 * the receiver side of silly window avoidance).
 */
#include <net/sock.h>

#include "xtcp.h"

/*
 * The window to advertise: half the free receive buffer (the rest covers
 * skb overhead), never moving the right edge left (RFC 9293 3.8.6).
 */
u32 xtcp_select_window(struct sock *sk, bool update)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int space = READ_ONCE(sk->sk_rcvbuf) -
		    atomic_read(&sk->sk_rmem_alloc);
	u32 win = space > 0 ? space / 2 : 0;
	u32 cur = xtcp_rcv_wnd_left(xs);

	win = min(win, XTCP_MAX_WINDOW);
	if (win < cur)
		win = cur;
	if (update) {
		xs->rcv_wnd = win;
		xs->rcv_wup = xs->rcv_nxt;
	}
	return win;
}

/*
 * Receiver side of silly window avoidance (RFC 9293 3.8.6.2.2): announce
 * a larger window only once it has grown by min(buffer / 2, MSS).
 */
void xtcp_rcv_space_update(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 cur, win, step;

	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	cur = xtcp_rcv_wnd_left(xs);
	win = xtcp_select_window(sk, false);
	/* The peer sends at most half our largest window at a time. */
	step = min3(READ_ONCE(sk->sk_rcvbuf) / 2, (int)xs->mss,
		    (int)XTCP_MAX_WINDOW / 2);
	if (win >= cur + step && !xtcp_delack_update_waits(sk, cur, win))
		xtcp_send_ack(sk);
}
