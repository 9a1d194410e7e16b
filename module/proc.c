// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP /proc/net files, per network namespace:
 *   xtcp       one line per socket, byte-compatible with /proc/net/tcp, so
 *              ss and netstat read it (PROC_NET_TCP=/proc/net/xtcp ss -tan);
 *   xtcp_ext   one line per socket with what that format cannot carry: the
 *              state's name, the RFC 9293 sequence variables, the window
 *              scale shifts (RFC 7323) and the buffer sizes;
 *   xtcp_snmp  RFC 4022 counters and the state transition counts, in the
 *              "Prefix: names" / "Prefix: values" shape of /proc/net/snmp.
 */
#include <linux/proc_fs.h>
#include <linux/rculist_nulls.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "xtcp.h"

#define XTCP_PROC_LINE	150	/* /proc/net/tcp's TMPSZ */

/*
 * Walk listeners, then connections, one chain at a time, under RCU alone:
 * the walk takes no lock that softirq or the socket calls need, and the
 * sockets it shows stay readable (SOCK_RCU_FREE).  Between read() chunks
 * it remembers the chain and the position in it, so a whole read is
 * linear; sockets that come and go meanwhile may be missed or shown
 * twice, as in /proc/net/tcp.
 */
struct xtcp_iter_state {
	struct seq_net_private	p;
	unsigned int		bucket;	/* chain, see xtcp_hbucket_at() */
	unsigned int		offset;	/* sockets of it before this one */
	loff_t			last_pos;	/* *pos of the walk's position */
};

/* The socket at (bucket, offset), or the first one after it. */
static struct sock *xtcp_iter_seek(struct xtcp_net *xn,
				   struct xtcp_iter_state *st)
{
	for (; st->bucket < XTCP_HBUCKETS; st->bucket++, st->offset = 0) {
		struct xtcp_hbucket *b = xtcp_hbucket_at(xn, st->bucket);
		struct hlist_nulls_node *node;
		unsigned int skip = st->offset;
		struct xtcp_sock *xs;

		hlist_nulls_for_each_entry_rcu(xs, node, &b->chain, hash_node) {
			if (!skip--)
				return &xs->inet.sk;
		}
	}
	return NULL;
}

static struct sock *xtcp_iter_next(struct xtcp_net *xn,
				   struct xtcp_iter_state *st, struct sock *sk)
{
	struct hlist_nulls_node *node;

	node = rcu_dereference(hlist_nulls_next_rcu(&xtcp_sk(sk)->hash_node));
	st->offset++;
	if (!is_a_nulls(node))
		return &hlist_nulls_entry(node, struct xtcp_sock,
					  hash_node)->inet.sk;
	st->bucket++;
	st->offset = 0;
	return xtcp_iter_seek(xn, st);
}

static void *xtcp_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));
	struct xtcp_iter_state *st = seq->private;
	struct sock *sk;
	loff_t n;

	rcu_read_lock();
	/* The next chunk of a read: go on from where the last one ended. */
	if (*pos && *pos == st->last_pos)
		return xtcp_iter_seek(xn, st);

	st->bucket = 0;
	st->offset = 0;
	st->last_pos = *pos;
	if (!*pos)
		return SEQ_START_TOKEN;
	sk = xtcp_iter_seek(xn, st);
	for (n = *pos - 1; sk && n; n--)
		sk = xtcp_iter_next(xn, st, sk);
	return sk;
}

static void *xtcp_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));
	struct xtcp_iter_state *st = seq->private;
	struct sock *sk;

	if (v == SEQ_START_TOKEN)
		sk = xtcp_iter_seek(xn, st);
	else
		sk = xtcp_iter_next(xn, st, v);
	st->last_pos = ++*pos;
	return sk;
}

static void xtcp_seq_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

/* The "tr" column: 1 retransmit, 2 another timer, 3 TIME_WAIT, 4 probe. */
static int xtcp_timer_info(struct sock *sk, unsigned long *expires)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->rtx_armed && timer_pending(&xs->rtx_timer)) {
		*expires = xs->rtx_timer.expires;
		return skb_peek(&sk->sk_write_queue) == xs->send_head ? 4 : 1;
	}
	if (timer_pending(&xs->tw_timer)) {
		*expires = xs->tw_timer.expires;
		return sk->sk_state == XTCP_TIME_WAIT ? 3 : 2;
	}
	*expires = jiffies;
	return 0;
}

static void xtcp_format_sock(struct seq_file *f, struct sock *sk, int state,
			     int i)
{
	const struct inet_sock *inet = inet_sk(sk);
	const struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long expires;
	int timer, rx_queue, tx_queue;

	timer = xtcp_timer_info(sk, &expires);
	if (state == XTCP_LISTEN) {
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
		tx_queue = 0;
	} else {
		rx_queue = xtcp_unread(sk);
		tx_queue = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);
	}

	seq_printf(f, "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK %lu %lu %u %u %d",
		   i, inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   inet->inet_daddr, ntohs(inet->inet_dport), state,
		   tx_queue, rx_queue, timer,
		   jiffies_delta_to_clock_t(expires - jiffies), xs->retries,
		   from_kuid_munged(seq_user_ns(f), sock_i_uid(sk)), 0,
		   sock_i_ino(sk), refcount_read(&sk->sk_refcnt), sk,
		   jiffies_to_clock_t(xs->rto), 0UL, 0U, xs->snd_cwnd,
		   state == XTCP_LISTEN ? sk->sk_max_ack_backlog :
					  xtcp_ssthresh_shown(xs));
}

/*
 * The walk holds no chain lock, so a socket found in its chain may have
 * been unhashed and closed since; CLOSED is stored after the unhash, so
 * a socket seen CLOSED has left the table and is not shown.
 */
static bool xtcp_seq_gone(struct sock *sk, int *state)
{
	*state = inet_sk_state_load(sk);
	return *state == XTCP_CLOSE;
}

static int xtcp_seq_show(struct seq_file *seq, void *v)
{
	int state;

	if (v != SEQ_START_TOKEN && xtcp_seq_gone(v, &state))
		return SEQ_SKIP;
	seq_setwidth(seq, XTCP_PROC_LINE - 1);
	if (v == SEQ_START_TOKEN)
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	else
		xtcp_format_sock(seq, v, state, seq->index - 1);
	seq_pad(seq, '\n');
	return 0;
}

static const struct seq_operations xtcp_seq_ops = {
	.start	= xtcp_seq_start,
	.next	= xtcp_seq_next,
	.stop	= xtcp_seq_stop,
	.show	= xtcp_seq_show,
};

/* The congestion state (XTCP_CA_*), as xtcpstat -i shows it. */
static const char *const xtcp_ca_names[] = {
	[XTCP_CA_OPEN]		= "open",
	[XTCP_CA_DISORDER]	= "disorder",
	[XTCP_CA_RECOVERY]	= "recovery",
	[XTCP_CA_LOSS]		= "loss",
};

static int xtcp_ext_show(struct seq_file *seq, void *v)
{
	const struct xtcp_sock *xs = v;
	const struct inet_sock *inet = v;
	char local[24], remote[24];
	int state;

	if (v == SEQ_START_TOKEN) {
		seq_printf(seq, "%-21s %-21s %-11s %10s %10s %10s %10s %10s %10s %10s %5s %8s %8s %6s %7s %5s %8s %6s %6s %8s %8s %-8s\n",
			   "local", "remote", "state", "iss", "snd_una",
			   "snd_nxt", "snd_wnd", "irs", "rcv_nxt", "rcv_wnd",
			   "mss", "srtt_us", "rttvar", "rto_ms", "retrans",
			   "cwnd", "ssthresh", "snd_ws", "rcv_ws", "rcvbuf",
			   "sndbuf", "ca_state");
		return 0;
	}
	if (xtcp_seq_gone(v, &state))
		return SEQ_SKIP;
	snprintf(local, sizeof(local), "%pI4:%u", &inet->inet_rcv_saddr,
		 ntohs(inet->inet_sport));
	snprintf(remote, sizeof(remote), "%pI4:%u", &inet->inet_daddr,
		 ntohs(inet->inet_dport));
	seq_printf(seq, "%-21s %-21s %-11s %10u %10u %10u %10u %10u %10u %10u %5u %8u %8u %6u %7u %5u %8d %6u %6u %8d %8d %-8s\n",
		   local, remote, xtcp_state_name(state),
		   xs->iss, xs->snd_una, xs->snd_nxt, xs->snd_wnd, xs->irs,
		   xs->rcv_nxt, xs->rcv_wnd, xs->mss, xs->srtt_us,
		   xs->rttvar_us, jiffies_to_msecs(xs->rto),
		   xs->total_retrans, xs->snd_cwnd, xtcp_ssthresh_shown(xs),
		   xs->snd_wscale, xs->rcv_wscale,
		   READ_ONCE(xs->inet.sk.sk_rcvbuf),
		   READ_ONCE(xs->inet.sk.sk_sndbuf),
		   xs->ca_state < ARRAY_SIZE(xtcp_ca_names) ?
		   xtcp_ca_names[xs->ca_state] : "?");
	return 0;
}

static const struct seq_operations xtcp_ext_seq_ops = {
	.start	= xtcp_seq_start,
	.next	= xtcp_seq_next,
	.stop	= xtcp_seq_stop,
	.show	= xtcp_ext_show,
};

static const char *const xtcp_mib_names[XTCP_MIB_MAX] = {
	[XTCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[XTCP_MIB_ESTABRESETS]		= "EstabResets",
	[XTCP_MIB_CURRESTAB]		= "CurrEstab",
	[XTCP_MIB_INSEGS]		= "InSegs",
	[XTCP_MIB_OUTSEGS]		= "OutSegs",
	[XTCP_MIB_RETRANSSEGS]		= "RetransSegs",
	[XTCP_MIB_INERRS]		= "InErrs",
	[XTCP_MIB_OUTRSTS]		= "OutRsts",
	[XTCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[XTCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[XTCP_MIB_BACKLOGDROPS]		= "BacklogDrops",
	[XTCP_MIB_NOSOCKET]		= "NoSocket",
	[XTCP_MIB_OUTOFWINDOW]		= "OutOfWindow",
	[XTCP_MIB_RCVBUFDROPS]		= "RcvbufDrops",
	[XTCP_MIB_TIMEOUTS]		= "Timeouts",
	[XTCP_MIB_CHALLENGEACKS]	= "ChallengeACKs",
	[XTCP_MIB_ABORTONDATA]		= "AbortOnData",
	[XTCP_MIB_TWREOPENS]		= "TimeWaitReopens",
	[XTCP_MIB_TWREUSED]		= "TimeWaitReused",
	[XTCP_MIB_OOWACKSKIPPED]	= "OutOfWindowAckSkipped",
	[XTCP_MIB_CHALLENGESKIPPED]	= "ChallengeACKSkipped",
	[XTCP_MIB_POLICYDROPS]		= "PolicyDrops",
	[XTCP_MIB_FILTERDROPS]		= "FilterDrops",
	[XTCP_MIB_ICMPDROPS]		= "OutOfWindowIcmps",
	[XTCP_MIB_NOTUNICAST]		= "NotUnicast",
	[XTCP_MIB_PROBETIMEOUTS]	= "ProbeTimeouts",
	[XTCP_MIB_OFOQUEUE]		= "OfoQueue",
	[XTCP_MIB_OFODROP]		= "OfoDrop",
	[XTCP_MIB_OFOPRUNED]		= "OfoPruned",
	[XTCP_MIB_OFOMERGE]		= "OfoMerge",
	[XTCP_MIB_DUPACKSSENT]		= "DupAcksSent",
	[XTCP_MIB_DSACKSENT]		= "DSackSent",
	[XTCP_MIB_SACKSSENT]		= "SackSent",
	[XTCP_MIB_SACKBLOCKSRECV]	= "SackBlocksRecv",
	[XTCP_MIB_DSACKRECV]		= "DSackRecv",
	[XTCP_MIB_SACKDISCARD]		= "SackDiscard",
	[XTCP_MIB_SACKRENEGING]		= "SackReneging",
	[XTCP_MIB_SACKEDNOTRESENT]	= "SackedNotResent",
	[XTCP_MIB_CWNDLOSS]		= "RtoCwndResets",
	[XTCP_MIB_DUPACKSRECV]		= "DupAcksRecv",
	[XTCP_MIB_FASTRETRANS]		= "FastRetrans",
	[XTCP_MIB_SACKRECOVERY]		= "SackRecovery",
	[XTCP_MIB_RENORECOVERY]		= "RenoRecovery",
	[XTCP_MIB_DSACKUNDO]		= "DSackUndo",
	[XTCP_MIB_LOSSUNDO]		= "LossUndo",
	[XTCP_MIB_TLPPROBES]		= "TlpProbes",
	[XTCP_MIB_TLPRECOVERY]		= "TlpRecovery",
	[XTCP_MIB_RACKREORDER]		= "RackReorder",
	[XTCP_MIB_LOSTRETRANSMIT]	= "LostRetransmit",
	[XTCP_MIB_RACKREOTIMEOUTS]	= "RackReoTimeouts",
	[XTCP_MIB_SPURIOUSRTOS]		= "SpuriousRtos",
	[XTCP_MIB_EIFELUNDO]		= "EifelUndo",
	[XTCP_MIB_DELAYEDACKS]		= "DelayedACKs",
	[XTCP_MIB_PAWSESTAB]		= "PAWSEstab",
	[XTCP_MIB_PMTUREDUCED]		= "PathMtuReduced",
	[XTCP_MIB_TWOVERFLOW]		= "TimeWaitOverflow",
	[XTCP_MIB_KEEPALIVEPROBES]	= "KeepAliveProbes",
	[XTCP_MIB_KEEPALIVETIMEOUTS]	= "KeepAliveTimeouts",
	[XTCP_MIB_RCVCOALESCE]		= "RcvCoalesce",
};

/* The state names in counter names: "CloseWait" for CLOSE_WAIT. */
static const char *const xtcp_camel_names[XTCP_MAX_STATES] = {
	[XTCP_ESTABLISHED]	= "Established",
	[XTCP_SYN_SENT]		= "SynSent",
	[XTCP_SYN_RECV]		= "SynRcvd",
	[XTCP_FIN_WAIT1]	= "FinWait1",
	[XTCP_FIN_WAIT2]	= "FinWait2",
	[XTCP_TIME_WAIT]	= "TimeWait",
	[XTCP_CLOSE]		= "Closed",
	[XTCP_CLOSE_WAIT]	= "CloseWait",
	[XTCP_LAST_ACK]		= "LastAck",
	[XTCP_LISTEN]		= "Listen",
	[XTCP_CLOSING]		= "Closing",
};

static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(seq));
	u64 sum[XTCP_MIB_MAX] = { 0 };
	int cpu, i, from, to;

	for_each_possible_cpu(cpu) {
		const struct xtcp_mib *m = per_cpu_ptr(xn->mib, cpu);

		for (i = 0; i < XTCP_MIB_MAX; i++)
			sum[i] += READ_ONCE(m->mibs[i]);
	}

	seq_puts(seq, "XTcp: RtoAlgorithm RtoMin RtoMax MaxConn");
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, " %s", xtcp_mib_names[i]);
	seq_printf(seq, "\nXTcp: 1 %d %d -1", xn->sysctl.rto_min_ms,
		   xn->sysctl.rto_max_ms);
	for (i = 0; i < XTCP_MIB_MAX; i++)
		seq_printf(seq, i == XTCP_MIB_CURRESTAB ? " %lld" : " %llu",
			   sum[i]);

	/*
	 * State transitions, "FromTo" from the one door: nstat prints
	 * "XTcpTransEstablishedCloseWait", under its 32 columns, and a name
	 * without '>' is safe to type unquoted as nstat's pattern.
	 */
	seq_puts(seq, "\nXTcpTrans:");
	for (from = 1; from < XTCP_MAX_STATES; from++)
		for (to = 1; to < XTCP_MAX_STATES; to++)
			if (from != to)
				seq_printf(seq, " %s%s", xtcp_camel_names[from],
					   xtcp_camel_names[to]);
	seq_puts(seq, "\nXTcpTrans:");
	for (from = 1; from < XTCP_MAX_STATES; from++) {
		for (to = 1; to < XTCP_MAX_STATES; to++) {
			u64 n = 0;

			if (from == to)
				continue;
			for_each_possible_cpu(cpu)
				n += READ_ONCE(per_cpu_ptr(xn->mib, cpu)->transitions[from][to]);
			seq_printf(seq, " %llu", n);
		}
	}
	seq_putc(seq, '\n');
	return 0;
}

int xtcp_proc_init_net(struct net *net)
{
	if (!proc_create_net("xtcp", 0444, net->proc_net, &xtcp_seq_ops,
			     sizeof(struct xtcp_iter_state)))
		return -ENOMEM;
	if (!proc_create_net("xtcp_ext", 0444, net->proc_net,
			     &xtcp_ext_seq_ops, sizeof(struct xtcp_iter_state)))
		goto out_xtcp;
	if (!proc_create_net_single("xtcp_snmp", 0444, net->proc_net,
				    xtcp_snmp_show, NULL))
		goto out_ext;
	return 0;

out_ext:
	remove_proc_entry("xtcp_ext", net->proc_net);
out_xtcp:
	remove_proc_entry("xtcp", net->proc_net);
	return -ENOMEM;
}

void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_entry("xtcp_snmp", net->proc_net);
	remove_proc_entry("xtcp_ext", net->proc_net);
	remove_proc_entry("xtcp", net->proc_net);
}
