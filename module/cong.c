// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control (RFC 5681): the hooks the data path calls, and the
 * algorithms behind them.  An algorithm is a struct xtcp_cong_ops, as
 * Linux's tcp_congestion_ops: it grows SND.CWND as ACKs come (slow start,
 * congestion avoidance) and says what SSTHRESH becomes on a loss.  What
 * every algorithm shares stays here: the initial window (RFC 6928), the
 * loss window after a timeout (RFC 5681 3.1), the count of segments in
 * flight that SND.CWND bounds, and the pacing rate derived from SND.CWND.
 *
 * Algorithms are registered by name, as TCP's are, so that another module
 * can add one: xtcp_register_congestion_control().  Each namespace has a
 * default (net.xtcp.congestion_control, CUBIC unless changed), which new
 * sockets take; a listener's children take the listener's; XTCP_CONGESTION
 * changes one socket's.  Every socket, and every namespace default, holds
 * the module of its algorithm, which cannot unload under them.  The two
 * algorithms built in (Reno, CUBIC) have no owner: sockets must not pin
 * XTCP itself (see af_xtcp.c).
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rculist.h>

#include "xtcp.h"

#define XTCP_INIT_CWND	10	/* segments, RFC 6928 */
#define XTCP_INFINITE_SSTHRESH	0x7fffffff

/* Pacing rate: this percentage of SND.CWND per SRTT, as Linux's TCP. */
#define XTCP_PACING_SS_RATIO	200	/* slow start: the window doubles */
#define XTCP_PACING_CA_RATIO	120	/* congestion avoidance */

/* Writers take the lock; lookups walk the list under RCU. */
static DEFINE_SPINLOCK(xtcp_cong_list_lock);
static LIST_HEAD(xtcp_cong_list);

static struct xtcp_cong_ops *xtcp_cong_find(const char *name)
{
	struct xtcp_cong_ops *ca;

	list_for_each_entry_rcu(ca, &xtcp_cong_list, list,
				lockdep_is_held(&xtcp_cong_list_lock)) {
		if (!strcmp(ca->name, name))
			return ca;
	}
	return NULL;
}

/* The algorithm called @name, with a reference on its module. */
static struct xtcp_cong_ops *xtcp_cong_get(const char *name)
{
	struct xtcp_cong_ops *ca;

	rcu_read_lock();
	ca = xtcp_cong_find(name);
	if (ca && !try_module_get(ca->owner))
		ca = NULL;	/* its module is going away */
	rcu_read_unlock();
	return ca;
}

/*
 * Make @ca known by its name.  Its module must stay until it calls
 * xtcp_unregister_congestion_control(), from its exit function at the
 * latest; sockets using @ca hold the module.
 */
int xtcp_register_congestion_control(struct xtcp_cong_ops *ca)
{
	int err = 0;

	if (!ca->cong_avoid || !ca->ssthresh || !ca->name[0]) {
		pr_err("xtcp: congestion control \"%s\" lacks required hooks\n",
		       ca->name);
		return -EINVAL;
	}
	spin_lock(&xtcp_cong_list_lock);
	if (xtcp_cong_find(ca->name)) {
		pr_notice("xtcp: congestion control \"%s\" already registered\n",
			  ca->name);
		err = -EEXIST;
	} else {
		list_add_tail_rcu(&ca->list, &xtcp_cong_list);
	}
	spin_unlock(&xtcp_cong_list_lock);
	return err;
}
EXPORT_SYMBOL_GPL(xtcp_register_congestion_control);

/*
 * No socket uses @ca (each would hold its module); a lookup may still be
 * walking past it: wait for those.
 */
void xtcp_unregister_congestion_control(struct xtcp_cong_ops *ca)
{
	spin_lock(&xtcp_cong_list_lock);
	list_del_rcu(&ca->list);
	spin_unlock(&xtcp_cong_list_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(xtcp_unregister_congestion_control);

int xtcp_cong_register_builtin(void)
{
	int err;

	err = xtcp_register_congestion_control(&xtcp_cubic);
	if (err)
		return err;
	err = xtcp_register_congestion_control(&xtcp_reno);
	if (err)
		xtcp_unregister_congestion_control(&xtcp_cubic);
	return err;
}

void xtcp_cong_unregister_builtin(void)
{
	xtcp_unregister_congestion_control(&xtcp_reno);
	xtcp_unregister_congestion_control(&xtcp_cubic);
}

/* The names registered, space-separated, for the sysctl that lists them. */
void xtcp_cong_available(char *buf, size_t size)
{
	struct xtcp_cong_ops *ca;
	size_t off = 0;

	buf[0] = '\0';
	rcu_read_lock();
	list_for_each_entry_rcu(ca, &xtcp_cong_list, list) {
		off += scnprintf(buf + off, size - off, "%s%s",
				 off ? " " : "", ca->name);
	}
	rcu_read_unlock();
}

/* net.xtcp.congestion_control: the algorithm new sockets take. */
int xtcp_cong_set_default(struct xtcp_net *xn, const char *name)
{
	struct xtcp_cong_ops *ca, *old;

	ca = xtcp_cong_get(name);
	if (!ca)
		return -ENOENT;
	spin_lock(&xtcp_cong_list_lock);
	old = rcu_replace_pointer(xn->sysctl.ca_default, ca,
				  lockdep_is_held(&xtcp_cong_list_lock));
	spin_unlock(&xtcp_cong_list_lock);
	module_put(old->owner);
	return 0;
}

/* @name has XTCP_CA_NAME_MAX bytes. */
void xtcp_cong_default_name(struct xtcp_net *xn, char *name)
{
	rcu_read_lock();
	strscpy(name, rcu_dereference(xn->sysctl.ca_default)->name,
		XTCP_CA_NAME_MAX);
	rcu_read_unlock();
}

/* The namespace goes: its default lets its module go. */
void xtcp_cong_net_exit(struct xtcp_net *xn)
{
	module_put(rcu_dereference_protected(xn->sysctl.ca_default, 1)->owner);
}

/* @sk now uses @ca, whose module the caller holds for it. */
static void xtcp_cong_assign(struct sock *sk, const struct xtcp_cong_ops *ca)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ca_ops = ca;
	memset(xs->ca_priv, 0, sizeof(xs->ca_priv));
	if (ca->init)
		ca->init(sk);
}

/* @sk is done with its algorithm (closed, or switching). */
void xtcp_cong_release(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_cong_ops *ca = xs->ca_ops;

	if (!ca)
		return;
	if (ca->release)
		ca->release(sk);
	xs->ca_ops = NULL;
	module_put(ca->owner);
}

/*
 * XTCP_CONGESTION: as TCP_CONGESTION, mid-connection too.  The windows
 * stay as they are; the new algorithm starts its own state afresh.
 */
int xtcp_set_congestion_control(struct sock *sk, const char *name)
{
	struct xtcp_cong_ops *ca = xtcp_cong_get(name);

	if (!ca)
		return -ENOENT;
	if (ca == xtcp_sk(sk)->ca_ops) {
		module_put(ca->owner);
		return 0;
	}
	xtcp_cong_release(sk);
	xtcp_cong_assign(sk, ca);
	return 0;
}

/* A listener's child uses the listener's algorithm, not the default. */
void xtcp_cong_inherit(struct sock *child, const struct sock *parent)
{
	const struct xtcp_cong_ops *ca = xtcp_sk(parent)->ca_ops;

	/* The listener holds the module: the reference cannot fail. */
	if (ca == xtcp_sk(child)->ca_ops || !try_module_get(ca->owner))
		return;
	xtcp_cong_release(child);
	xtcp_cong_assign(child, ca);
}

/* A new socket starts with its namespace's algorithm, and the window. */
void xtcp_cong_init(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_cong_ops *ca;

	rcu_read_lock();
	ca = rcu_dereference(xn->sysctl.ca_default);
	/* Replaced, and its module going: the built-in default then. */
	if (!try_module_get(ca->owner))
		ca = &xtcp_cubic;
	rcu_read_unlock();
	xtcp_cong_assign(sk, ca);
	xs->snd_cwnd = XTCP_INIT_CWND;
	xs->snd_ssthresh = XTCP_INFINITE_SSTHRESH;
	xs->snd_cwnd_cnt = 0;
	xs->packets_out = 0;
	xs->sacked_out = 0;
	xs->lost_out = 0;
	xs->retrans_out = 0;
	xs->ca_state = XTCP_CA_OPEN;
	xs->undo_armed = 0;
	xs->tlp_high_seq = 0;
	xs->reordering = XTCP_DUPTHRESH;
	xs->rack_reo_steps = 1;
}

/* May one more new segment go out now? */
bool xtcp_cwnd_allows(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return xtcp_in_flight(xs) < xs->snd_cwnd;
}

/*
 * Slow start for an algorithm's cong_avoid: one segment per segment
 * ACKed (RFC 3465, L = 1), up to SSTHRESH.  Returns the ACKed segments
 * left for congestion avoidance, as Linux's tcp_slow_start().
 */
u32 xtcp_slow_start(struct xtcp_sock *xs, u32 acked)
{
	u32 grow;

	if (xs->snd_cwnd >= xs->snd_ssthresh)
		return acked;
	grow = min(acked, xs->snd_ssthresh - xs->snd_cwnd);
	xs->snd_cwnd += grow;
	return acked - grow;
}
EXPORT_SYMBOL_GPL(xtcp_slow_start);

/*
 * Did SND.CWND hold text back in the last window (RFC 7661)?  Only then
 * may it grow; in slow start, up to twice the most that was in flight,
 * as Linux's tcp_is_cwnd_limited().  An application that sends less
 * than the window allows, or a CPU-bound sender, keeps a window it has
 * used, not one that ACKs alone inflated.
 */
static bool xtcp_is_cwnd_limited(const struct xtcp_sock *xs)
{
	if (xs->cwnd_limited)
		return true;
	if (xs->snd_cwnd < xs->snd_ssthresh)
		return xs->snd_cwnd < 2 * xs->max_packets_out;
	return false;
}

/*
 * xtcp_push() sent text, or stopped at SND.CWND (@limited): note how much
 * of the window this round trip used, as Linux's tcp_cwnd_validate().
 */
void xtcp_cwnd_validate(struct sock *sk, bool limited)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xtcp_before(xs->snd_una, xs->cwnd_usage_seq) || limited ||
	    (!xs->cwnd_limited && xs->packets_out > xs->max_packets_out)) {
		xs->cwnd_limited = limited;
		xs->max_packets_out = xs->packets_out;
		xs->cwnd_usage_seq = xs->snd_nxt;
	}
}

/* @acked segments left the retransmission queue on an ACK. */
void xtcp_cong_on_ack(struct sock *sk, u32 acked)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (acked && xtcp_is_cwnd_limited(xs))
		xs->ca_ops->cong_avoid(sk, acked);
}

/*
 * A congestion event: SSTHRESH is cut to @ssthresh, and the algorithm
 * learns of it while SND.CWND is still the window that met congestion.
 */
void xtcp_cong_cut(struct sock *sk, u32 ssthresh)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_ssthresh = ssthresh;
	if (xs->ca_ops->cwnd_event)
		xs->ca_ops->cwnd_event(sk, XTCP_CA_EVENT_LOSS);
}

/* The last cut was needless: SND.CWND to restore. */
u32 xtcp_cong_undo_cwnd(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->ca_ops->undo_cwnd)
		return xs->ca_ops->undo_cwnd(sk);
	return max(xs->snd_cwnd, xs->prior_cwnd);
}

/*
 * sk_pacing_rate, which the fq qdisc enforces on every segment the socket
 * owns (skb->sk, output.c): SND.CWND per SRTT, with headroom so that
 * pacing does not become the limit, as Linux's tcp_update_pacing_rate().
 * Twice that in slow start (the window doubles each round trip), 1.2
 * times in congestion avoidance; never above SO_MAX_PACING_RATE.  Until
 * an RTT is measured it stays unbounded.
 */
void xtcp_update_pacing_rate(struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u64 rate;

	if (!xs->srtt_us)
		return;
	rate = (u64)xs->mss * (USEC_PER_SEC / 100);
	rate *= xs->snd_cwnd < xs->snd_ssthresh / 2 ? XTCP_PACING_SS_RATIO :
						     XTCP_PACING_CA_RATIO;
	rate *= max(xs->snd_cwnd, xs->packets_out);
	rate = div_u64(rate, xs->srtt_us);
	WRITE_ONCE(sk->sk_pacing_rate,
		   min_t(u64, rate, READ_ONCE(sk->sk_max_pacing_rate)));
}

/*
 * The retransmission timer fired: SND.CWND is the loss window, one
 * segment, and SSTHRESH comes from what was in flight if @cut_ssthresh,
 * once per episode (RFC 5681 3.1, equation 4; recovery.c decides).
 */
void xtcp_cong_on_timeout(struct sock *sk, bool cut_ssthresh)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	/*
	 * A lost SYN or SYN,ACK: the window after the handshake is one
	 * segment (RFC 5681 3.1, RFC 6928 2); SSTHRESH stays unbounded.
	 */
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		xs->snd_cwnd = 1;
		return;
	}
	if (cut_ssthresh)
		xtcp_cong_cut(sk, xs->ca_ops->ssthresh(sk));
	xs->snd_cwnd = 1;
	xs->snd_cwnd_cnt = 0;
	if (xs->ca_ops->cwnd_event)
		xs->ca_ops->cwnd_event(sk, XTCP_CA_EVENT_TIMEOUT);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CWNDLOSS);
}

/* SSTHRESH for /proc: -1 while still "infinite", as /proc/net/tcp. */
int xtcp_ssthresh_shown(const struct xtcp_sock *xs)
{
	return xs->snd_ssthresh >= XTCP_INFINITE_SSTHRESH ? -1 :
	       (int)xs->snd_ssthresh;
}
