// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP receive window: the window a segment advertises, its scale, and
 * when a reader draining the receive queue announces that it opened.
 * The right edge never moves left (RFC 9293 3.8.6, no shrinking of the
 * window), and the window reopens only in steps worth a segment (RFC 9293
 * 3.8.6.2.2, the receiver side of silly window avoidance).
 *
 * Window scale (RFC 7323 2): a SYN offers a shift when net.xtcp.
 * window_scaling says so, a SYN,ACK only in answer to a SYN that offered
 * one; when both did, SEG.WND of every later segment counts in units of
 * 2^shift, each direction with its own shift (at most 14).  The window
 * field of a SYN is never scaled.  A scaled window is rounded up, so that
 * the right edge the peer computes never moves left (2.4).  Our shift is
 * the least at which 65535 units cover the largest buffer the socket may
 * come to have: net.xtcp.rmem[2] (autotuning, bufauto.c), net.core.
 * rmem_max (a later SO_RCVBUF), or the SO_RCVBUF the user fixed, as
 * Linux's tcp_select_initial_window() chooses it.
 */
#include <net/sock.h>

#include "xtcp.h"

/* The largest window a segment can announce: 65535 units of our scale. */
u32 xtcp_max_window(const struct xtcp_sock *xs)
{
	return XTCP_MAX_WINDOW << xs->rcv_wscale;
}

/* RMSS: the peer's full segment as we saw it (delack.c), ours before. */
static u32 xtcp_rmss(const struct xtcp_sock *xs)
{
	return xs->rcv_mss ?: xs->mss;
}

/* The shift our SYN or SYN,ACK announces for the socket's buffer. */
static u8 xtcp_choose_wscale(const struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	u32 space = max(READ_ONCE(sk->sk_rcvbuf), 0);
	u8 shift = 0;

	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
		space = max_t(u32, space, READ_ONCE(xn->sysctl.rmem[2]));
		space = max_t(u32, space, READ_ONCE(sysctl_rmem_max));
	}
	while (shift < XTCP_MAX_WSCALE && space > XTCP_MAX_WINDOW << shift)
		shift++;
	return shift;
}

/*
 * The share of the receive buffer a window may offer, in 256ths: what
 * the text of the peer's full segments is of the memory they are
 * charged (skb->truesize), as Linux's TCP has measured since 6.6
 * (scaling_ratio).  At least half, the share offered before any is
 * measured (and Linux 6.1's, tcp_adv_win_scale 1): segments that cost
 * more than twice their text then fill the buffer as they did before.
 */
#define XTCP_RCV_RATIO_MIN	128

void xtcp_rcv_ratio_init(struct xtcp_sock *xs)
{
	xs->rcv_ratio = XTCP_RCV_RATIO_MIN;
}

/* @skb, in-order text at least a full segment long, was queued. */
void xtcp_rcv_ratio_measure(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 ratio;

	if (skb->len < xtcp_rmss(xs) || !skb->truesize)
		return;
	ratio = div_u64((u64)skb->len << 8, skb->truesize);
	xs->rcv_ratio = clamp_t(u32, ratio, XTCP_RCV_RATIO_MIN, U8_MAX);
}

/*
 * The window to advertise, in bytes: the text the free receive buffer
 * holds at the measured share (the rest covers skb overhead), never
 * moving the right edge left (RFC 9293 3.8.6), rounded up to the unit
 * the segment counts in (RFC 7323 2.4), at most what the field can say.
 * @syn: the unscaled field of a SYN.  While less than a segment, or a
 * sixteenth of the buffer's window, is free, the edge stays: offered in
 * slivers, it would have the sender send a segment or two per ACK; the
 * read reopens it in one step (xtcp_rcv_space_update()), as TCP's
 * __tcp_select_window() does.
 */
static u32 xtcp_window(struct sock *sk, bool syn)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 rcvbuf = max(READ_ONCE(sk->sk_rcvbuf), 0);
	int space = (int)rcvbuf - atomic_read(&sk->sk_rmem_alloc);
	u32 win = space > 0 ? ((u64)space * xs->rcv_ratio) >> 8 : 0;
	u32 full = ((u64)rcvbuf * xs->rcv_ratio) >> 8;
	u32 unit = syn ? 1 : 1U << xs->rcv_wscale;
	/* A buffer whose window is less than a segment still opens. */
	u32 seg = min_t(u32, xtcp_rmss(xs), full);

	if (win < full / 16 || win < seg)
		win = 0;

	win = max(win, xtcp_rcv_wnd_left(xs));
	win = ALIGN(win, unit);
	return min(win, syn ? XTCP_MAX_WINDOW : xtcp_max_window(xs));
}

/* The window the next (non-SYN) segment would advertise, in bytes. */
u32 xtcp_offer_window(struct sock *sk)
{
	return xtcp_window(sk, false);
}

/*
 * The window field of a segment being sent: RCV.WND is set to what it
 * says, from RCV.NXT on (RCV.WUP), and SEG.WND is RCV.WND scaled, but
 * in a SYN or SYN,ACK.
 */
u16 xtcp_select_window(struct sock *sk, bool syn)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 win = xtcp_window(sk, syn);

	xs->rcv_wnd = win;
	xs->rcv_wup = xs->rcv_nxt;
	return syn ? win : win >> xs->rcv_wscale;
}

/*
 * A reader drained the receive queue: send the ACK held while it lagged
 * (delack.c), or announce the larger window at once when it is at least
 * twice what the peer has left, as TCP's __tcp_cleanup_rbuf(); a smaller
 * gain rides on the next ACK of text.  Never by
 * less than min(buffer / 2, RMSS), the peer's segment (RFC 9293
 * 3.8.6.2.2, the receiver side of silly window avoidance), unless the
 * window is a full segment then: at most the buffer's share (xtcp_window()),
 * it could never grow by a loopback segment of 64 KiB.
 */
void xtcp_rcv_space_update(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 cur, win, rmss, step;

	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	if (xtcp_delack_read(sk))
		return;
	cur = xtcp_rcv_wnd_left(xs);
	win = xtcp_offer_window(sk);
	if (win < 2 * cur || win <= cur)
		return;
	rmss = xtcp_rmss(xs);
	/* The peer sends at most half our largest window at a time. */
	step = min3((u32)READ_ONCE(sk->sk_rcvbuf) / 2, rmss,
		    xtcp_max_window(xs) / 2);
	if (win - cur >= step || win >= rmss)
		xtcp_send_ack(sk);
}

/*
 * The window scale option of a SYN (@flags without ACK: offered if the
 * sysctl says so, with the shift for the socket's buffer) or a SYN,ACK
 * (only back to a SYN that offered one, RFC 7323 2.2).
 */
void xtcp_ws_syn_options(struct sock *sk, struct xtcp_out_options *o,
			 u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!(flags & XTCP_FLAG_ACK)) {
		xs->ws_syn_sent = !!READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.window_scaling);
		xs->rcv_wscale = xs->ws_syn_sent ? xtcp_choose_wscale(sk) : 0;
		if (!xs->ws_syn_sent)
			return;
	} else if (!xs->wscale_ok) {
		return;
	}
	o->ws = 1;
	o->wscale = xs->rcv_wscale;
}

/*
 * The peer's SYN or SYN,ACK: scaling is on, both ways, if it carried the
 * option and we offer it (a SYN_SENT socket offered it in its SYN or not;
 * a new child answers as the sysctl says).  Else neither side scales.
 */
void xtcp_ws_take_syn(struct sock *sk, const struct xtcp_in_options *o)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool syn_sent = sk->sk_state == XTCP_SYN_SENT;
	bool offer = syn_sent ? xs->ws_syn_sent :
		     READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.window_scaling);

	xs->wscale_ok = offer && o->saw_ws;
	if (!xs->wscale_ok) {
		xs->snd_wscale = 0;
		xs->rcv_wscale = 0;
		return;
	}
	xs->snd_wscale = o->wscale;
	/* An active open keeps the shift its SYN announced. */
	if (!syn_sent)
		xs->rcv_wscale = xtcp_choose_wscale(sk);
}
