// SPDX-License-Identifier: GPL-2.0
/*
 * Keep-alives (RFC 9293 3.8.4, RFC 1122 4.2.3.6), as TCP's SO_KEEPALIVE.
 * Off unless asked for.  On, a connection that has heard nothing from its
 * peer for the keep-alive time sends a probe, <SEQ=SND.UNA-1><ACK=RCV.NXT>
 * without text, which a live peer answers with an ACK; after the probe
 * count of unanswered probes, an interval apart, the connection is reset
 * and its user gets ETIMEDOUT.  Only an idle connection is probed: with
 * text (or a FIN) in flight or queued, retransmission finds a dead peer.
 *
 * The timer is the one of TIME_WAIT and of an orphan's FIN_WAIT2
 * (timer.c), free in the states that keep alive: from ESTABLISHED to
 * LAST_ACK while a process holds the socket.
 */
#include "xtcp.h"

#define XTCP_KA_STATES	(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 | \
			 TCPF_FIN_WAIT2 | TCPF_CLOSING | TCPF_LAST_ACK)

/* The socket's values (XTCP_KEEPIDLE, ...), else the namespace's. */
static u32 xtcp_ka_time(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	return xtcp_sk(sk)->ka_time ?:
	       msecs_to_jiffies(READ_ONCE(xn->sysctl.keepalive_time_ms));
}

static u32 xtcp_ka_intvl(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	return xtcp_sk(sk)->ka_intvl ?:
	       msecs_to_jiffies(READ_ONCE(xn->sysctl.keepalive_intvl_ms));
}

static u8 xtcp_ka_probes(const struct sock *sk)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	return xtcp_sk(sk)->ka_probes ?:
	       READ_ONCE(xn->sysctl.keepalive_probes);
}

/* A state that keeps alive, in a socket a process holds. */
static bool xtcp_ka_state(const struct sock *sk)
{
	return !sock_flag(sk, SOCK_DEAD) &&
	       ((1 << sk->sk_state) & XTCP_KA_STATES);
}

static bool xtcp_ka_applies(const struct sock *sk)
{
	return sock_flag(sk, SOCK_KEEPOPEN) && xtcp_ka_state(sk);
}

/* The keep-alive time less what has passed since the peer was heard. */
static unsigned long xtcp_ka_left(const struct sock *sk)
{
	unsigned long idle = jiffies - xtcp_sk(sk)->rcv_tstamp;
	u32 time = xtcp_ka_time(sk);

	return time > idle ? time - idle : 0;
}

/* getsockopt(): seconds for XTCP_KEEPIDLE and _KEEPINTVL, a count else. */
int xtcp_keepalive_get(const struct sock *sk, int optname)
{
	switch (optname) {
	case XTCP_KEEPIDLE:
		return xtcp_ka_time(sk) / HZ;
	case XTCP_KEEPINTVL:
		return xtcp_ka_intvl(sk) / HZ;
	default:
		return xtcp_ka_probes(sk);
	}
}

/* ESTABLISHED entered: the peer was just heard. */
void xtcp_keepalive_established(struct sock *sk)
{
	xtcp_keepalive_heard(sk);
	if (xtcp_ka_applies(sk))
		xtcp_arm_time_wait(sk, xtcp_ka_time(sk));
}

/*
 * proto.keepalive: SO_KEEPALIVE set or cleared, the socket locked; the
 * flag changes after this returns.
 */
void xtcp_keepalive(struct sock *sk, int on)
{
	if (!xtcp_ka_state(sk))
		return;
	if (on)
		xtcp_arm_time_wait(sk, xtcp_ka_time(sk));
	else
		sk_stop_timer(sk, &xtcp_sk(sk)->tw_timer);
}

/* XTCP_KEEPIDLE changed: count the new time from the last segment heard. */
void xtcp_keepalive_reset(struct sock *sk)
{
	if (xtcp_ka_applies(sk))
		xtcp_arm_time_wait(sk, xtcp_ka_left(sk));
}

/* The timer ran in a state keep-alives probe. */
void xtcp_keepalive_expired(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long left;

	if (!xtcp_ka_applies(sk))
		return;
	if (!skb_queue_empty(&sk->sk_write_queue)) {
		/* Busy: retransmissions (or window probes) watch the peer. */
		xtcp_arm_time_wait(sk, xtcp_ka_time(sk));
		return;
	}
	left = xtcp_ka_left(sk);
	if (left) {
		/* Heard from meanwhile. */
		xtcp_arm_time_wait(sk, left);
		return;
	}
	if (xs->ka_probes_out >= xtcp_ka_probes(sk)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_KEEPALIVETIMEOUTS);
		xtcp_abort(sk, ETIMEDOUT);
		return;
	}
	xtcp_send_probe(sk);
	xs->ka_probes_out++;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_KEEPALIVEPROBES);
	xtcp_arm_time_wait(sk, xtcp_ka_intvl(sk));
}
