/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP internal definitions: the connection block, the segment header, the
 * per-namespace tables and counters, and the interfaces between the files.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/percpu.h>
#include <linux/ip.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/netns/generic.h>
#include <linux/xtcp.h>

#include "compat.h"

/* Segment header, RFC 9293 section 3.1. */
struct xtcphdr {
	__be16	source;
	__be16	dest;
	__be32	seq;
	__be32	ack_seq;
	__u8	doff_res;	/* data offset (high 4 bits), reserved */
	__u8	flags;		/* XTCP_FLAG_* */
	__be16	window;
	__sum16	check;
	__be16	urg_ptr;
};

#define XTCP_FLAG_FIN	0x01
#define XTCP_FLAG_SYN	0x02
#define XTCP_FLAG_RST	0x04
#define XTCP_FLAG_PSH	0x08
#define XTCP_FLAG_ACK	0x10
#define XTCP_FLAG_URG	0x20

#define XTCP_HDR_LEN		sizeof(struct xtcphdr)
#define XTCP_MAX_OPT_LEN	40
#define XTCP_MAX_HEADER		(MAX_HEADER + sizeof(struct iphdr) + \
				 XTCP_HDR_LEN + XTCP_MAX_OPT_LEN)

/* Options we send and parse (RFC 9293 section 3.2). */
#define XTCPOPT_EOL		0
#define XTCPOPT_NOP		1
#define XTCPOPT_MSS		2
#define XTCPOLEN_MSS		4
#define XTCPOPT_WINDOW		3	/* RFC 7323 2: window scale */
#define XTCPOLEN_WINDOW		3
#define XTCPOLEN_WSCALE_ALIGNED	4	/* NOP, kind 3: on a SYN */
#define XTCP_MAX_WSCALE		14	/* RFC 7323 2.3 */
#define XTCPOPT_SACK_PERM	4	/* RFC 2018 */
#define XTCPOLEN_SACK_PERM	2
#define XTCPOPT_SACK		5
#define XTCPOLEN_SACK_BASE	2
#define XTCPOLEN_SACK_PERBLOCK	8
#define XTCP_SACK_BLOCKS	4	/* what fits 40 bytes of options */
#define XTCPOPT_TIMESTAMP	8	/* RFC 7323 */
#define XTCPOLEN_TIMESTAMP	10
#define XTCPOLEN_TSTAMP_ALIGNED	12	/* NOP, NOP, kind 8: every segment */

/* A block of sequence space, [start, end). */
struct xtcp_sack_block {
	u32	start;
	u32	end;
};

/* Options to send with a segment, see options.c. */
struct xtcp_out_options {
	u16	mss;		/* 0: none */
	u8	sack_perm:1,
		ts:1,		/* a timestamps option, RFC 7323 */
		ws:1;		/* a window scale option, RFC 7323 */
	u8	wscale;		/* its shift, when ws */
	u8	num_sacks;
	u32	tsval;		/* TSval and TSecr, when ts */
	u32	tsecr;
	struct xtcp_sack_block sacks[XTCP_SACK_BLOCKS];
};

/* Options of a received segment. */
struct xtcp_in_options {
	u16	mss;		/* 0: none */
	u8	sack_perm:1,
		saw_ts:1,	/* a timestamps option: tsval, tsecr */
		saw_ws:1;	/* a window scale option: wscale */
	u8	wscale;		/* its shift, at most XTCP_MAX_WSCALE */
	u8	num_sacks;
	const u8 *sack;		/* the blocks, in the segment, unaligned */
	u32	tsval;
	u32	tsecr;
};

/* The timestamps option of the segment being processed (rtt.c). */
struct xtcp_rx_ts {
	u32	tsval;		/* SEG.TSval */
	u32	tsecr;		/* SEG.TSecr */
	u8	saw:1,		/* the segment carried the option */
		rtt_taken:1;	/* its TSecr gave the RTT sample */
};

#define XTCP_DEFAULT_MSS	536	/* RFC 9293 3.7.1, when no option */
#define XTCP_MIN_MSS		88
#define XTCP_MAX_WINDOW		65535U

static inline unsigned int xtcp_hdr_doff(const struct xtcphdr *th)
{
	return (th->doff_res >> 4) * 4;
}

static inline struct xtcphdr *xtcp_hdr(const struct sk_buff *skb)
{
	return (struct xtcphdr *)skb_transport_header(skb);
}

/*
 * Per-segment metadata kept in skb->cb, for both received segments and
 * those on the retransmission queue.  SYN and FIN occupy sequence space,
 * so end_seq = seq + SYN + len + FIN.
 */
struct xtcp_skb_cb {
	u32	seq;
	u32	end_seq;
	u32	ack_seq;
	u32	window;
	u32	sent;		/* jiffies of the last transmission */
	u32	xmit_us;	/* ... and its time, xtcp_now_us() */
	u32	copied;		/* payload read (merged skbs pass 64 KiB) */
	u8	flags;
	u8	retransmitted;
	u8	sacked:1,	/* the peer holds it (scoreboard.c) */
		lost:1,		/* presumed lost: a timeout */
		rexmit:1;	/* its retransmission is in flight */
	union {
		u16	mss_opt;	/* MSS option of a received SYN, or 0 */
		u16	segs;	/* queued, once sent: segments it counts as */
	};
	/* Delivery rate (rate.c): the connection when it was last sent. */
	u32	tx_delivered;	/* bytes delivered, modulo 2^32 */
	u32	tx_delivered_us;	/* ... and when the last of them was */
	u32	tx_first_us;	/* send time of the flight's first */
};

#define XTCP_SKB_CB(skb)	((struct xtcp_skb_cb *)&((skb)->cb[0]))

/* Sequence number comparisons, modulo 2^32 (RFC 9293 section 3.4). */
static inline bool xtcp_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

#define xtcp_after(a, b)	xtcp_before(b, a)

static inline bool xtcp_between(u32 seq, u32 lo, u32 hi)
{
	/* lo <= seq <= hi */
	return hi - lo >= seq - lo;
}

/* Bits of xtcp_sock.deferred: timer work postponed while a user owns it. */
enum {
	XTCP_RTX_DEFERRED,
	XTCP_TW_DEFERRED,
	XTCP_DELACK_DEFERRED,
	XTCP_MTU_DEFERRED,	/* an ICMP lowered the path MTU */
};

struct xtcp_hbucket;

/* Room for a congestion control algorithm's per-socket state. */
#define XTCP_CA_PRIV_U64	13

/* The transmission control block (RFC 9293 section 3.3.1). */
struct xtcp_sock {
	struct inet_sock	inet;	/* must be first */

	/* Send sequence variables. */
	u32	snd_una;	/* SND.UNA: oldest unacknowledged */
	u32	snd_nxt;	/* SND.NXT: next to send */
	u32	snd_wnd;	/* SND.WND: peer's window */
	u32	snd_wl1;	/* SND.WL1: SEG.SEQ of last window update */
	u32	snd_wl2;	/* SND.WL2: SEG.ACK of last window update */
	u32	max_snd_wnd;	/* largest window the peer offered */
	u32	iss;		/* ISS */
	u32	write_seq;	/* end of what the user has queued */

	/* Receive sequence variables. */
	u32	rcv_nxt;	/* RCV.NXT: next expected */
	u32	rcv_wnd;	/* RCV.WND: window last advertised */
	u32	rcv_wup;	/* RCV.NXT when rcv_wnd was advertised */
	u32	irs;		/* IRS */
	u32	copied_seq;	/* next byte the user will read */

	u16	mss;		/* payload bytes per segment we send */
	u16	peer_mss;	/* MSS option the peer sent */
	u32	mtu_info;	/* next-hop MTU of the last "fragmentation needed" */
	u8	retries;	/* retransmissions of the head segment */
	u8	probes_out;	/* window probes since the peer last spoke */
	u8	probes;		/* window probes since the window shut */
	u8	nodelay:1,
		passive:1,	/* created by a listener */
		user_bound:1,	/* port chosen by bind(), keep it */
		hashed:1,	/* in the established or listen table */
		bound:1,	/* in the bind table */
		fin_queued:1,	/* FIN is on the send queue */
		sack_ok:1,	/* both ends sent SACK-permitted */
		dsack_pending:1;	/* dsack goes with the next ACK */
	u8	ts_ok:1,	/* both ends sent timestamps on SYN */
		ts_syn_sent:1,	/* our SYN offered them */
		wscale_ok:1,	/* both ends sent window scale on SYN */
		ws_syn_sent:1,	/* our SYN offered it */
		cork:1,		/* XTCP_CORK: hold partial segments */
		more:1,		/* MSG_MORE: this sendmsg() holds them too */
		push_now:1,	/* this push sends them anyway */
		port_shared:1;	/* connect() chose the port (hash.c) */
	u32	snd_sml;	/* end of the last partial segment sent */
	u8	snd_wscale;	/* SND.WND = SEG.WND << this (RFC 7323 2.3) */
	u8	rcv_wscale;	/* our SEG.WND = RCV.WND >> this */

	u32	rto;		/* retransmission timeout, jiffies */
	u32	srtt_us;	/* SRTT, RFC 6298; 0 before the first sample */
	u32	rttvar_us;	/* RTTVAR, RFC 6298 */

	/* Timestamps, RFC 7323 (rtt.c). */
	u32	ts_offset;	/* TSval = millisecond clock + ts_offset */
	u32	ts_recent;	/* TS.Recent */
	u32	last_ack_sent;	/* Last.ACK.sent: RCV.NXT of our last ACK */
	time64_t ts_recent_stamp;	/* seconds, when TS.Recent was taken */
	struct xtcp_rx_ts rx_ts;

	u32	total_retrans;
	u32	sacked_out;	/* segments in flight marked SACKed */
	u32	lost_out;	/* ... presumed lost */
	u32	retrans_out;	/* ... retransmitted, not yet ACKed */
	u32	packets_out;	/* segments sent, not yet ACKed */

	/* Loss recovery (recovery.c). */
	u8	ca_state;	/* XTCP_CA_* */
	u8	undo_armed:1,	/* the episode may still prove needless */
		undo_loss:1,	/* ... and it began with a timeout */
		eifel_pending:1,	/* the timeout's first ACK is to come */
		rtx_armed:1,	/* rtx_timer is due; it may run idle (timer.c) */
		rtx_probe:1,	/* rtx_timer is the probe timeout (tlp.c) */
		rtx_reo:1,	/* ... RACK's reordering timeout (rack.c) */
		tlp_retrans:1;	/* the probe out was a resend */
	u32	tlp_high_seq;	/* SND.NXT after the probe, 0 if none */
	u32	tlp_ssthresh;	/* SSTHRESH if the probe repairs a loss */

	/* RACK (rack.c): the most recently sent segment delivered. */
	u32	rack_xmit_us;	/* when it was sent */
	u32	rack_end_seq;	/* its end */
	u32	rack_rtt_us;	/* the round trip it took */
	u32	rack_min_rtt_us;	/* the least round trip seen */
	u32	rack_fack;	/* the highest end delivered */

	/* Delivery rate (rate.c), as the draft's C and rs. */
	u64	delivered_bytes;	/* C.delivered: ACKed or SACKed */
	u64	delivery_rate;	/* the last sample, bytes per second */
	u32	delivered_us;	/* C.delivered_time */
	u32	first_tx_us;	/* C.first_sent_time */
	u32	rs_prior_delivered;	/* the sample's P.delivered */
	u32	rs_xmit_us;	/* ... its send time */
	u32	rs_send_us;	/* ... its send interval */
	u32	rs_ack_us;	/* ... and ACK interval */
	u8	rs_valid:1;	/* this ACK delivered something */
	u16	reordering;	/* DupThresh: how far the peer reorders */
	u8	rack_reo_steps;	/* reordering window, in min RTT / 4 */
	u8	rack_reo_persist;	/* recoveries before it shrinks back */
	unsigned long rack_dsack_stamp;	/* jiffies of the last widening */
	u64	clock_ns;	/* the clock at this event's start (clock.c) */
	u8	clock_held:1,	/* ... while the event lasts */
		rack_valid:1,
		rack_fack_valid:1,
		rack_reordering:1;	/* the peer has shown reordering */
	u32	high_seq;	/* RecoveryPoint: SND.NXT when it began */
	u32	prior_cwnd;	/* SND.CWND and SSTHRESH before it, */
	u32	prior_ssthresh;	/* for undo */
	u32	undo_marker;	/* SND.UNA when it began */
	u32	undo_retrans;	/* resends not yet reported needless */
	u32	undo_tsval;	/* TSval when it began: its resends are later */
	u32	prr_delivered;	/* RFC 6937: delivered since it began */
	u32	prr_out;	/* ... and sent */
	u32	recover_fs;	/* ... RecoverFS, in segments */

	/* Congestion control (cong.c), windows in segments. */
	const struct xtcp_cong_ops *ca_ops;	/* holds its module */
	u32	snd_cwnd;	/* SND.CWND */
	u32	snd_ssthresh;	/* SSTHRESH */
	u32	snd_cwnd_cnt;	/* ACKed segments towards the next +1 */
	u32	max_packets_out;	/* the most in flight this window, */
	u32	cwnd_usage_seq;	/* ... which ends when this is ACKed */
	u8	cwnd_limited:1;	/* SND.CWND held text back this window */
	/* The algorithm's own state, as icsk_ca_priv: xtcp_ca_priv(). */
	u64	ca_priv[XTCP_CA_PRIV_U64];
	unsigned long last_oow_ack;	/* jiffies of the last OOW answer */
	u64	bytes_sent;	/* text sent, resends included */
	u64	bytes_acked;	/* text the peer acknowledged */
	u64	bytes_received;
	/*
	 * What the current event is, for the trace of the transitions it
	 * causes (XTCP_CAUSE_*), and the segment's header if it is one.
	 * A copy: the segment may be merged into the queue and freed
	 * before the transition it causes.
	 */
	u8	cause;
	u8	cause_flags;
	u32	cause_seq;
	u32	cause_ack;
	u32	cause_len;

	/* Text beyond RCV.NXT, and what the next ACK says of it (ofo.c). */
	struct rb_root	ofo_queue;	/* by SEG.SEQ, no two overlap */
	struct xtcp_sack_block sacks[XTCP_SACK_BLOCKS];	/* latest first */
	u8		num_sacks;
	struct xtcp_sack_block dsack;	/* a duplicate, RFC 2883 */

	struct sk_buff	*send_head;	/* first unsent skb, NULL if none */
	struct timer_list rtx_timer;	/* retransmission and SYN retries */
	struct timer_list tw_timer;	/* TIME_WAIT, orphan FIN_WAIT2, */
					/* keep-alives (keepalive.c) */
	unsigned long	deferred;

	/* Keep-alives: XTCP_KEEPIDLE, ...; 0 is the namespace's value. */
	u32		ka_time;	/* jiffies */
	u32		ka_intvl;	/* jiffies */
	u8		ka_probes;
	u8		ka_probes_out;	/* unanswered so far */
	unsigned long	rcv_tstamp;	/* jiffies: an acceptable ACK came */

	/* Buffer autotuning (bufauto.c). */
	u32	rcvq_space;	/* bytes the reader took in the last RTT */
	u32	rcvq_seq;	/* copied_seq when that measure began */
	u32	rcvq_time_us;	/* ... and its time, xtcp_now_us() */
	u32	rcv_rtt_us;	/* the receiver's RTT estimate, 0: none */
	u32	rcv_rtt_seq;	/* RCV.NXT that ends a window's measure */
	u32	rcv_rtt_time_us;	/* ... begun then, 0: none running */

	/* Delayed ACK (delack.c). */
	struct timer_list delack_timer;
	u16	rcv_mss;	/* the peer's full segment, as we saw it */
	u8	rcv_ratio;	/* text per byte of skb memory, /256 (rcvwnd.c) */
	u8	ack_quick;	/* in-order segments still ACKed at once */
	u8	ack_pending:1,	/* text is unacknowledged, the timer is due */
		ack_now:1,	/* ... and its ACK is owed at once */
		reading:1;	/* recvmsg() reads what comes before it returns */

	/* Lookup tables, see hash.c. */
	struct hlist_nulls_node hash_node;	/* established or listen */
	struct xtcp_hbucket *hbucket;	/* the chain of hash_node */
	struct hlist_node bind_node;	/* bind table: its port's holders */
	struct xtcp_bind_bucket *bind_bucket;	/* ... and their port */
	struct list_head all_node;	/* every socket, for unload */

	/*
	 * Listener side.  A listener keeps every child it created, half-open
	 * or established, on @children until accept() takes it; accept_lock
	 * guards that list because children change state in softirq under
	 * their own lock, not the listener's.
	 */
	spinlock_t	accept_lock;
	struct list_head children;
	u32		nr_children;
	bool		listen_closed;

	/* Child side: the listener it belongs to until accepted. */
	struct sock	*parent;
	struct list_head child_node;
	bool		established_child;
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/* Bytes received in order and not yet read (a FIN is not a byte). */
static inline int xtcp_unread(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int n = READ_ONCE(xs->rcv_nxt) - READ_ONCE(xs->copied_seq);

	if (sock_flag(sk, SOCK_DONE))
		n--;
	return max(n, 0);
}

/*
 * What is left of the window we last advertised: RCV.WND less what arrived
 * since, 0 once RCV.NXT has passed its right edge.  Lockless for poll().
 */
static inline u32 xtcp_rcv_wnd_left(const struct xtcp_sock *xs)
{
	u32 right = READ_ONCE(xs->rcv_wup) + READ_ONCE(xs->rcv_wnd);
	u32 nxt = READ_ONCE(xs->rcv_nxt);

	return xtcp_before(right, nxt) ? 0 : right - nxt;
}

/* Counters, RFC 4022 names, shown in /proc/net/xtcp_snmp. */
enum {
	XTCP_MIB_ACTIVEOPENS,
	XTCP_MIB_PASSIVEOPENS,
	XTCP_MIB_ATTEMPTFAILS,
	XTCP_MIB_ESTABRESETS,
	XTCP_MIB_CURRESTAB,	/* a gauge: per-CPU parts may be negative */
	XTCP_MIB_INSEGS,
	XTCP_MIB_OUTSEGS,
	XTCP_MIB_RETRANSSEGS,
	XTCP_MIB_INERRS,
	XTCP_MIB_OUTRSTS,
	XTCP_MIB_INCSUMERRORS,
	/* XTCP's own, past the RFC 4022 set. */
	XTCP_MIB_LISTENOVERFLOWS,
	XTCP_MIB_BACKLOGDROPS,
	XTCP_MIB_NOSOCKET,
	XTCP_MIB_OUTOFWINDOW,
	XTCP_MIB_RCVBUFDROPS,
	XTCP_MIB_TIMEOUTS,
	XTCP_MIB_CHALLENGEACKS,
	XTCP_MIB_ABORTONDATA,
	XTCP_MIB_TWREOPENS,
	XTCP_MIB_TWREUSED,	/* TIME_WAITs connect() took over */
	XTCP_MIB_OOWACKSKIPPED,
	XTCP_MIB_CHALLENGESKIPPED,
	XTCP_MIB_POLICYDROPS,
	XTCP_MIB_FILTERDROPS,
	XTCP_MIB_ICMPDROPS,
	XTCP_MIB_NOTUNICAST,
	XTCP_MIB_PROBETIMEOUTS,
	XTCP_MIB_OFOQUEUE,	/* segments held beyond RCV.NXT */
	XTCP_MIB_OFODROP,	/* ... dropped for want of room */
	XTCP_MIB_OFOPRUNED,	/* ... given up under memory pressure */
	XTCP_MIB_OFOMERGE,	/* ... merged into a neighbour */
	XTCP_MIB_DUPACKSSENT,	/* immediate ACKs for a hole */
	XTCP_MIB_DSACKSENT,	/* ACKs that reported a duplicate */
	XTCP_MIB_SACKSSENT,	/* ACKs that carried SACK blocks */
	XTCP_MIB_SACKBLOCKSRECV,	/* valid SACK blocks received */
	XTCP_MIB_DSACKRECV,	/* D-SACK blocks received */
	XTCP_MIB_SACKDISCARD,	/* SACK blocks outside what is in flight */
	XTCP_MIB_SACKRENEGING,	/* a timeout found the head SACKed */
	XTCP_MIB_SACKEDNOTRESENT,	/* SACKed segments a timeout skipped */
	XTCP_MIB_CWNDLOSS,	/* timeouts that cut SND.CWND to one */
	XTCP_MIB_DUPACKSRECV,	/* duplicate ACKs (RFC 5681 2) received */
	XTCP_MIB_FASTRETRANS,	/* segments resent before a timeout */
	XTCP_MIB_SACKRECOVERY,	/* recoveries begun with SACK (RFC 6675) */
	XTCP_MIB_RENORECOVERY,	/* ... without, NewReno (RFC 6582) */
	XTCP_MIB_DSACKUNDO,	/* recoveries undone by D-SACKs */
	XTCP_MIB_LOSSUNDO,	/* timeouts undone by D-SACKs */
	XTCP_MIB_TLPPROBES,	/* tail loss probes sent (RFC 8985 7) */
	XTCP_MIB_TLPRECOVERY,	/* ... that repaired a loss */
	XTCP_MIB_RACKREORDER,	/* connections that saw reordering */
	XTCP_MIB_LOSTRETRANSMIT,	/* resends found lost (RACK) */
	XTCP_MIB_RACKREOTIMEOUTS,	/* RACK reordering timeouts */
	XTCP_MIB_SPURIOUSRTOS,	/* timeouts Eifel found needless */
	XTCP_MIB_EIFELUNDO,	/* fast recoveries Eifel found needless */
	XTCP_MIB_DELAYEDACKS,	/* ACKs the delayed-ACK timer sent */
	XTCP_MIB_PAWSESTAB,	/* segments PAWS rejected (RFC 7323 5) */
	XTCP_MIB_PMTUREDUCED,	/* ICMPs that lowered the send MSS */
	XTCP_MIB_TWOVERFLOW,	/* TIME_WAITs skipped: max_tw_buckets */
	XTCP_MIB_KEEPALIVEPROBES,	/* keep-alive probes sent */
	XTCP_MIB_KEEPALIVETIMEOUTS,	/* ... connections they reset */
	XTCP_MIB_RCVCOALESCE,	/* in-order text appended to the last skb */
	XTCP_MIB_MAX
};

struct xtcp_mib {
	u64	mibs[XTCP_MIB_MAX];
	u64	transitions[XTCP_MAX_STATES][XTCP_MAX_STATES];
};

#define XTCP_EHASH_BITS	12
#define XTCP_LHASH_BITS	6
#define XTCP_BHASH_BITS	12
#define XTCP_EHASH_SIZE	BIT(XTCP_EHASH_BITS)
#define XTCP_LHASH_SIZE	BIT(XTCP_LHASH_BITS)
#define XTCP_BHASH_SIZE	BIT(XTCP_BHASH_BITS)

/*
 * One chain of the established or listen table: read under RCU, written
 * under its own lock.  The chain ends in a nulls marker naming the chain
 * (see hash.c), so a reader led astray by a socket that moved can tell.
 */
struct xtcp_hbucket {
	struct hlist_nulls_head	chain;
	spinlock_t		lock;	/* writers of chain */
};

/* net.xtcp.recovery, as Linux's net.ipv4.tcp_recovery */
#define XTCP_RECOVERY_RACK	0x1	/* RACK loss detection and its timer */

/* net.xtcp.early_retrans, as net.ipv4.tcp_early_retrans: 3 and 4 are TLP */
#define XTCP_EARLY_RETRANS_TLP	3

/* net.xtcp.tw_reuse, as net.ipv4.tcp_tw_reuse */
#define XTCP_TW_REUSE_LOOPBACK	2	/* 1: any peer; 2: loopback only */

/* Policy knobs, per namespace: net.xtcp.* */
struct xtcp_sysctl {
	int	msl_ms;		/* TIME_WAIT lasts 2 * MSL */
	int	fin_timeout_ms;	/* orphans in FIN_WAIT2 */
	int	syn_retries;
	int	synack_retries;
	int	retries2;	/* data and FIN retransmissions */
	int	max_orphans;	/* not counting TIME_WAIT */
	int	max_tw_buckets;	/* sockets in TIME_WAIT */
	int	keepalive_time_ms;	/* idle before the first probe */
	int	keepalive_intvl_ms;	/* between probes */
	int	keepalive_probes;	/* unanswered ones before a reset */
	int	rto_min_ms;
	int	rto_max_ms;
	int	rto_init_ms;	/* RFC 6298 2.1: 1 s */
	int	challenge_ack_limit;	/* per second, RFC 5961 7 */
	int	invalid_ratelimit_ms;	/* per socket, OOW and challenge ACKs */
	int	orphan_retries;	/* an orphan gives up sooner */
	int	sack;		/* offer SACK-permitted (RFC 2018) */
	int	recovery;	/* XTCP_RECOVERY_* bits, as tcp_recovery */
	int	early_retrans;	/* TLP from XTCP_EARLY_RETRANS_TLP on */
	int	delayed_ack;	/* delay ACKs of in-order text (RFC 9293 3.8.6.3) */
	int	delack_ms;	/* ... by at most this long */
	int	timestamps;	/* offer timestamps (RFC 7323) */
	int	window_scaling;	/* offer window scale (RFC 7323) */
	int	reuse_tw;	/* net.xtcp.tw_reuse: XTCP_TW_REUSE_* */
	int	rmem[3];	/* receive buffer: min, default, max */
	int	wmem[3];	/* send buffer: min, default, max */
	/* New sockets' algorithm, holding its module (cong.c). */
	struct xtcp_cong_ops __rcu *ca_default;
};

/* Per network namespace state. */
struct xtcp_net {
	struct xtcp_hbucket	*ehash;	/* XTCP_EHASH_SIZE chains */
	struct xtcp_hbucket	*lhash;	/* XTCP_LHASH_SIZE chains */
	spinlock_t		bind_lock;	/* bhash, and port choices */
	struct hlist_head	*bhash;	/* XTCP_BHASH_SIZE chains (bind.c) */
	u32			hash_seed;
	atomic_t		orphans;	/* dead, but not in TIME_WAIT */
	atomic_t		time_waits;	/* in TIME_WAIT, dead or not */
	unsigned long		challenge_second;
	atomic_t		challenge_count;

	struct xtcp_mib __percpu *mib;
	struct ctl_table_header	*sysctl_hdr;

	struct xtcp_sysctl	sysctl;
};

extern unsigned int xtcp_net_id;
extern int xtcp_family;
extern int xtcp_ipproto;
extern struct proto xtcp_prot;

/*
 * net_generic() without its rcu_read_lock(), a function call each under
 * preemptible RCU, on every segment, several times: net->gen is freed
 * after a grace period (net_assign_generic()), which a section without
 * preemption holds off as well.
 */
static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	struct xtcp_net *xn;

	rcu_read_lock_sched();
	xn = rcu_dereference_sched(net->gen)->ptr[xtcp_net_id];
	rcu_read_unlock_sched();
	return xn;
}

#define XTCP_INC_STATS(net, field) \
	this_cpu_inc(xtcp_pernet(net)->mib->mibs[field])
#define XTCP_ADD_STATS(net, field, n) \
	this_cpu_add(xtcp_pernet(net)->mib->mibs[field], n)

/* af_xtcp.c */
struct sock *xtcp_sk_alloc(struct net *net, struct socket *sock,
			   gfp_t gfp, int kern);
extern const struct proto_ops xtcp_stream_ops;

/* sock.c: the socket calls */
int xtcp_release(struct socket *sock);
int xtcp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len);
int xtcp_connect(struct socket *sock, struct sockaddr *uaddr,
		 int addr_len, int flags);
int xtcp_listen(struct socket *sock, int backlog);
int xtcp_accept_common(struct socket *sock, struct socket *newsock, int flags);
int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer);
__poll_t xtcp_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait);
int xtcp_shutdown(struct socket *sock, int how);
int xtcp_setsockopt(struct socket *sock, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct socket *sock, int level, int optname,
		    char __user *optval, int __user *optlen);
int xtcp_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);

/* stream.c: the byte stream */
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size);
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
		 int flags);
void xtcp_write_space(struct sock *sk);

/* hash.c: lookup tables and ports */
struct sock *xtcp_lookup_listener(struct net *net, __be32 laddr,
				  __be16 lport, int dif, int sdif);
struct sock *xtcp_lookup(struct net *net, __be32 saddr, __be16 sport,
			 __be32 daddr, __be16 dport, int dif, int sdif);
int xtcp_hash_init(struct xtcp_net *xn);
void xtcp_hash_exit(struct xtcp_net *xn);
struct xtcp_hbucket *xtcp_hbucket_at(struct xtcp_net *xn, unsigned int i);
#define XTCP_HBUCKETS	(XTCP_LHASH_SIZE + XTCP_EHASH_SIZE)
int xtcp_hash_established(struct sock *sk, struct sock **tw);
void xtcp_lhash_add(struct sock *sk);
void xtcp_unhash(struct sock *sk);
bool xtcp_same_tuple(const struct sock *sk, __be32 laddr, __be16 lport,
		     __be32 faddr, __be16 fport);
bool xtcp_tw_reusable(const struct sock *sk, const struct sock *tw);
void xtcp_net_destroy_sockets(struct net *net);

/* bind.c: the bind table of local ports */
int xtcp_bind_cache_init(void);
void xtcp_bind_cache_exit(void);
bool xtcp_bind_init(struct xtcp_net *xn);
void xtcp_bind_exit(struct xtcp_net *xn);
int xtcp_bind_port(struct sock *sk, __be32 addr, u16 port);
int xtcp_connect_port(struct sock *sk);
int xtcp_listen_hash(struct sock *sk);
void xtcp_inherit_port(struct sock *child, struct sock *parent);
void xtcp_unbind(struct sock *sk);

/* input.c: segments from IP */
int xtcp_v4_rcv(struct sk_buff *skb);
int xtcp_v4_err(struct sk_buff *skb, u32 info);

/* state.c: the state machine */
int xtcp_state_connect(struct sock *sk);
void xtcp_state_listen(struct sock *sk);
void xtcp_state_close_listener(struct sock *sk);
bool xtcp_state_close(struct sock *sk);
#define XTCP_RCV_REOPEN	1	/* a SYN for a TIME_WAIT 4-tuple */
int xtcp_do_rcv(struct sock *sk, struct sk_buff *skb);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_done(struct sock *sk);
void xtcp_abort(struct sock *sk, int err);
void xtcp_enter_time_wait(struct sock *sk);
void xtcp_orphan_release_net(struct sock *sk);
void xtcp_orphan_fin_wait2(struct sock *sk);
void xtcp_close_send(struct sock *sk);
const char *xtcp_state_name(int state);

struct rtable;
struct flowi4;

/* output.c: segments to IP, and the send queue */
int xtcp_ip_xmit(struct net *net, struct sock *sk, struct sk_buff *skb,
		 struct rtable *rt, __be32 saddr, __be32 daddr);
void xtcp_push_header(struct sk_buff *skb, __be16 sport, __be16 dport,
		      u32 seq, u32 ack, u8 flags, u16 window,
		      const struct xtcp_out_options *opts);
struct sk_buff *xtcp_alloc_ctl_skb(gfp_t gfp);
struct sk_buff *xtcp_alloc_text_skb(gfp_t gfp);
int xtcp_transmit(struct sock *sk, struct sk_buff *skb, u32 seq, u8 flags);
int xtcp_transmit_queued(struct sock *sk, struct sk_buff *skb);
int xtcp_send_syn(struct sock *sk, gfp_t gfp);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_fin(struct sock *sk);
void xtcp_push(struct sock *sk);
void xtcp_queue_data(struct sock *sk, struct sk_buff *skb);
int xtcp_split(struct sock *sk, struct sk_buff *skb, u32 len);
int xtcp_split_segs(struct sock *sk, struct sk_buff *skb, u32 segs);
u32 xtcp_len_segs(const struct sock *sk, u32 len);
unsigned int xtcp_skb_goal(const struct sock *sk);
unsigned int xtcp_size_goal(const struct xtcp_sock *xs);
void xtcp_push_pending(struct sock *sk);

/*
 * offload.c: software segmentation of super-segments.  Hardware never
 * segments XTCP, so the GSO type is one only software devices claim.
 */
#define XTCP_GSO_TYPE	SKB_GSO_SCTP
int xtcp_offload_init(void);
void xtcp_offload_exit(void);

/* gro.c: receive offload, in-order segments merged into super-segments */
struct sk_buff *xtcp_gro_receive(struct list_head *head, struct sk_buff *skb);
int xtcp_gro_complete(struct sk_buff *skb, int thoff);

/* ofo.c: segment text, in order and out of order */
struct xtcp_rcv_text {
	bool	queued;		/* the skb belongs to a queue now */
	bool	out_of_order;	/* beyond RCV.NXT: a hole is before it */
	bool	filled_hole;	/* it was in order while text waited beyond */
	bool	fin;		/* a FIN is next in sequence now */
};

void xtcp_data_queue(struct sock *sk, struct sk_buff *skb,
		     struct xtcp_rcv_text *out);
void xtcp_rcv_queues_purge(struct sock *sk);
struct sk_buff *xtcp_ofo_floor(struct sock *sk, u32 seq);

/* sack.c: the SACK blocks our ACKs carry */
void xtcp_sack_ofo_queued(struct sock *sk, u32 seq, u32 end);
void xtcp_sack_advance(struct sock *sk);
void xtcp_sack_ofo_pruned(struct sock *sk);
void xtcp_sack_dup(struct sock *sk, u32 start, u32 end);
void xtcp_sack_dup_below(struct sock *sk, u32 start, u32 end);
void xtcp_sack_reset(struct sock *sk);
int xtcp_sack_fill(struct sock *sk, struct xtcp_out_options *o, int room);

/* scoreboard.c: the SACK scoreboard */
struct xtcp_ack_sample;
void xtcp_sacktag(struct sock *sk, u32 ack, const struct xtcp_in_options *o,
		  struct xtcp_ack_sample *s);
void xtcp_sack_timeout(struct sock *sk);
void xtcp_mark_lost(struct sock *sk);
void xtcp_skb_mark_lost(struct sock *sk, struct sk_buff *skb);
void xtcp_skb_rexmit_lost(struct sock *sk, struct sk_buff *skb);
void xtcp_unmark_lost(struct sock *sk);
void xtcp_skb_acked(struct sock *sk, struct sk_buff *skb);
void xtcp_skb_resent(struct sock *sk, struct sk_buff *skb);
void xtcp_skb_set_segs(struct sock *sk, struct sk_buff *skb, u32 segs);
int xtcp_skb_trim_acked(struct sock *sk, struct sk_buff *skb, u32 ack);

/* cong.c: congestion control (RFC 5681), algorithms registered by name */
enum xtcp_ca_event {
	/*
	 * Congestion (a loss found, or a probe that repaired one): SSTHRESH
	 * was just cut, SND.CWND is still the window it was cut from.
	 */
	XTCP_CA_EVENT_LOSS,
	/* The retransmission timer fired: SND.CWND is one segment now. */
	XTCP_CA_EVENT_TIMEOUT,
};

/*
 * An algorithm, as Linux's struct tcp_congestion_ops.  cong_avoid and
 * ssthresh are required, the rest optional.  A module that registers one
 * sets owner to THIS_MODULE: each socket using it holds the module.
 */
struct xtcp_cong_ops {
	struct list_head list;	/* xtcp_cong_list, under RCU */
	char name[XTCP_CA_NAME_MAX];
	struct module *owner;
	/* A socket starts using it: set up xtcp_ca_priv(). */
	void (*init)(struct sock *sk);
	/* ... and stops (closed, or switched to another algorithm). */
	void (*release)(struct sock *sk);
	/* @acked segments were ACKed outside recovery: grow SND.CWND. */
	void (*cong_avoid)(struct sock *sk, u32 acked);
	/*
	 * SSTHRESH after a loss.  Only computes it: TLP asks ahead of the
	 * loss it may repair (tlp.c); the loss itself is an event.
	 */
	u32 (*ssthresh)(struct sock *sk);
	void (*cwnd_event)(struct sock *sk, enum xtcp_ca_event ev);
	/*
	 * The last reduction was needless (recovery.c's undo): SND.CWND to
	 * restore; the algorithm restores its own state with it.  Default:
	 * the larger of SND.CWND and the window before the reduction.
	 */
	u32 (*undo_cwnd)(struct sock *sk);
};

static inline void *xtcp_ca_priv(const struct sock *sk)
{
	return (void *)xtcp_sk(sk)->ca_priv;
}

extern struct xtcp_cong_ops xtcp_reno;
extern struct xtcp_cong_ops xtcp_cubic;

int xtcp_register_congestion_control(struct xtcp_cong_ops *ca);
void xtcp_unregister_congestion_control(struct xtcp_cong_ops *ca);
int xtcp_cong_register_builtin(void);
void xtcp_cong_unregister_builtin(void);
int xtcp_set_congestion_control(struct sock *sk, const char *name);
void xtcp_cong_inherit(struct sock *child, const struct sock *parent);
void xtcp_cong_release(struct sock *sk);
int xtcp_cong_set_default(struct xtcp_net *xn, const char *name);
void xtcp_cong_default_name(struct xtcp_net *xn, char *name);
void xtcp_cong_available(char *buf, size_t size);
void xtcp_cong_net_exit(struct xtcp_net *xn);
void xtcp_cong_cut(struct sock *sk, u32 ssthresh);
u32 xtcp_cong_undo_cwnd(struct sock *sk);
void xtcp_update_pacing_rate(struct sock *sk);

void xtcp_cong_init(struct sock *sk);

/* RFC 6675's pipe: sent, neither SACKed nor lost, or resent. */
static inline u32 xtcp_in_flight(const struct xtcp_sock *xs)
{
	return xs->packets_out - xs->sacked_out - xs->lost_out +
	       xs->retrans_out;
}

/* How many segments SND.CWND lets go now. */
static inline u32 xtcp_cwnd_room(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 pipe = xtcp_in_flight(xs);

	return pipe < xs->snd_cwnd ? xs->snd_cwnd - pipe : 0;
}

bool xtcp_cwnd_allows(const struct sock *sk);
void xtcp_cong_on_ack(struct sock *sk, u32 acked);
void xtcp_cwnd_validate(struct sock *sk, bool limited);
u32 xtcp_slow_start(struct xtcp_sock *xs, u32 acked);
void xtcp_cong_on_timeout(struct sock *sk, bool cut_ssthresh);
int xtcp_ssthresh_shown(const struct xtcp_sock *xs);

/* recovery.c: loss detection and fast recovery */
#define XTCP_DUPTHRESH		3	/* RFC 5681 2, RFC 6675 2 */
#define XTCP_MAX_REORDERING	300	/* as Linux's tcp_max_reordering */
enum {
	XTCP_CA_OPEN,		/* no loss suspected */
	XTCP_CA_DISORDER,	/* SACKs or duplicate ACKs, no loss yet */
	XTCP_CA_RECOVERY,	/* fast recovery (RFC 6675, RFC 6582) */
	XTCP_CA_LOSS,		/* after a retransmission timeout */
};

/* What one acceptable ACK reports. */
struct xtcp_ack_sample {
	u32	acked;		/* segments newly acknowledged */
	u32	delivered;	/* ... or SACKed, not SACKed before */
	bool	dupack;		/* a duplicate ACK, RFC 5681 2 */
	bool	dsack;		/* it reported a duplicate, RFC 2883 */
};

void xtcp_recovery_on_ack(struct sock *sk, const struct xtcp_ack_sample *s);
void xtcp_recovery_on_timeout(struct sock *sk);
void xtcp_recovery_dsack(struct sock *sk, u32 start, u32 end);
void xtcp_recovery_sent(struct sock *sk, bool resent, u32 segs);
void __xtcp_retransmit_lost(struct sock *sk);

/* Resend what is presumed lost; inline, as mostly nothing is. */
static inline void xtcp_retransmit_lost(struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->lost_out > xs->retrans_out)
		__xtcp_retransmit_lost(sk);
}

void xtcp_recovery_on_reo_timeout(struct sock *sk);

/*
 * clock.c: one reading of the clock per event.  The helpers are inline:
 * each segment calls them a dozen times.
 */
bool xtcp_clock_start(struct sock *sk);

/* As xtcp_clock_start(), but inside an event keep its reading. */
static inline bool xtcp_clock_hold(struct sock *sk)
{
	if (xtcp_sk(sk)->clock_held)
		return false;
	return xtcp_clock_start(sk);
}

static inline void xtcp_clock_release(struct sock *sk, bool began)
{
	if (began)
		xtcp_sk(sk)->clock_held = 0;
}

/* Now, in nanoseconds: the event's reading, or the clock outside one. */
static inline u64 xtcp_now_ns(const struct xtcp_sock *xs)
{
	return xs->clock_held ? xs->clock_ns : ktime_get_ns();
}

static inline u32 xtcp_now_us(const struct xtcp_sock *xs)
{
	return (u32)div_u64(xtcp_now_ns(xs), NSEC_PER_USEC);
}

u32 xtcp_event_us(const struct xtcp_sock *xs);

/* rate.c: delivery rate estimation */
void xtcp_rate_skb_sent(struct sock *sk, struct sk_buff *skb);
void xtcp_rate_skb_delivered(struct sock *sk, const struct sk_buff *skb,
			     u32 len);
void xtcp_rate_gen(struct sock *sk);

/* rack.c: time-based loss detection */
void xtcp_rack_delivered(struct sock *sk, const struct sk_buff *skb,
			 u32 seq, u32 end_seq);

/*
 * Does RACK find the losses (SACK, and net.xtcp.recovery)?  Then it
 * alone marks them, as Linux's tcp_is_rack(): DupThresh SACKed above a
 * hole marks it at once, however late the peer showed it may come.
 * Inline: every ACK asks.
 */
static inline bool xtcp_rack_on(const struct sock *sk)
{
	return xtcp_sk(sk)->sack_ok &&
	       (READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.recovery) &
		XTCP_RECOVERY_RACK);
}

void xtcp_rack_detect_lost(struct sock *sk);
void xtcp_rack_dsack(struct sock *sk);
void xtcp_rack_late_original(struct sock *sk);
void xtcp_rack_recovery(struct sock *sk);

/* tlp.c: tail loss probe */
unsigned long xtcp_tlp_timeout(const struct sock *sk);
void xtcp_tlp_fire(struct sock *sk);
void xtcp_tlp_ack(struct sock *sk, bool dsack);

/* options.c: TCP's option encoding */

/* Bytes @o takes on the wire, a multiple of 4; inline for every send. */
static inline unsigned int xtcp_options_len(const struct xtcp_out_options *o)
{
	unsigned int len = 0;

	if (!o)
		return 0;
	if (o->mss)
		len += XTCPOLEN_MSS;
	if (o->ts)
		len += XTCPOLEN_TSTAMP_ALIGNED;	/* SACK-permitted in its NOPs */
	else if (o->sack_perm)
		len += 4;	/* NOP, NOP, SACK-permitted */
	if (o->ws)
		len += XTCPOLEN_WSCALE_ALIGNED;
	if (o->num_sacks)
		len += 4 + o->num_sacks * XTCPOLEN_SACK_PERBLOCK;
	return len;
}

void xtcp_options_write(u8 *p, const struct xtcp_out_options *o);
void xtcp_options_parse(const struct sk_buff *skb, struct xtcp_in_options *o);
void xtcp_options_parse_ts(const struct sk_buff *skb, struct xtcp_rx_ts *ts);

/* rtt.c: RTT and RTO (RFC 6298), timestamps and PAWS (RFC 7323) */
void xtcp_rtt_sample(struct sock *sk, unsigned long sent);
void xtcp_rtt_ts_ack(struct sock *sk);
u32 xtcp_ts_now(const struct xtcp_sock *xs);
void xtcp_ts_syn_options(struct sock *sk, struct xtcp_out_options *o,
			 u8 flags);
void xtcp_ts_options(struct sock *sk, struct xtcp_out_options *o, u8 flags);
unsigned int xtcp_ts_optlen(const struct xtcp_sock *xs);
void xtcp_ts_take_syn(struct sock *sk, const struct xtcp_in_options *o);
void xtcp_ts_rcv(struct sock *sk, const struct sk_buff *skb);
bool xtcp_paws_reject(struct sock *sk, const struct sk_buff *skb);
void xtcp_ts_update_recent(struct sock *sk, const struct sk_buff *skb);

/* rst.c: resets */
void xtcp_send_rst(struct sock *sk);
void xtcp_reply_rst(struct net *net, struct sk_buff *skb);

/* retransmit.c: retransmission and window probes */
/* What made a state change (trace xtcp_set_state). */
enum {
	XTCP_CAUSE_CALL,	/* a socket call, or the netns or module going */
	XTCP_CAUSE_SEGMENT,	/* a segment received */
	XTCP_CAUSE_TIMER,	/* a timer */
};

/* Why a segment goes again (trace xtcp_retransmit). */
enum {
	XTCP_RETRANS_RTO,	/* a retransmission timeout (RFC 6298 5.4) */
	XTCP_RETRANS_FAST,	/* loss recovery (RFC 6675, RFC 8985 RACK) */
	XTCP_RETRANS_TLP,	/* a tail loss probe (RFC 8985 7) */
	XTCP_RETRANS_SYN,	/* the handshake: SYN or SYN,ACK again */
};

int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int kind,
			u32 max_segs);
int xtcp_retransmit_head(struct sock *sk, int kind);
void xtcp_rewind_send_head(struct sock *sk);
void xtcp_send_probe(struct sock *sk);
void xtcp_write_wakeup(struct sock *sk);

/* isn.c: initial sequence numbers */
u32 xtcp_new_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);

/* route.c: the cached route and the MSS it allows */
unsigned int xtcp_mss_for_mtu(unsigned int mtu);
struct rtable *xtcp_route_flow(struct sock *sk, struct flowi4 *fl4,
			       __be32 daddr, __be32 saddr, __be16 dport,
			       __be16 sport);
struct rtable *xtcp_route(struct sock *sk);
void xtcp_init_mss(struct sock *sk);
void xtcp_mtu_reduced(struct sock *sk);

/* delack.c: delayed ACKs */
void xtcp_delack_init(struct sock *sk);
bool xtcp_delack_rcv(struct sock *sk, const struct xtcp_rcv_text *text,
		     u32 seg_len);
bool xtcp_delack_read(struct sock *sk);
void xtcp_delack_sent(struct sock *sk);
void xtcp_delack_expired(struct sock *sk);

/* rcvwnd.c: the receive window, and its scale (RFC 7323 2) */
u32 xtcp_max_window(const struct xtcp_sock *xs);
void xtcp_rcv_ratio_init(struct xtcp_sock *xs);
void xtcp_rcv_ratio_measure(struct sock *sk, const struct sk_buff *skb);
u32 xtcp_offer_window(struct sock *sk);
u16 xtcp_select_window(struct sock *sk, bool syn);
void xtcp_rcv_space_update(struct sock *sk);
void xtcp_ws_syn_options(struct sock *sk, struct xtcp_out_options *o,
			 u8 flags);
void xtcp_ws_take_syn(struct sock *sk, const struct xtcp_in_options *o);

/* bufauto.c: buffer autotuning */
void xtcp_buf_init_sock(struct sock *sk);
void xtcp_buf_established(struct sock *sk);
void xtcp_rcv_rtt_measure(struct sock *sk, u32 seg_len);
void xtcp_rcv_space_adjust(struct sock *sk);
bool xtcp_clamp_window(struct sock *sk, unsigned int extra);
void xtcp_new_space(struct sock *sk);

/* keepalive.c; the bounds of XTCP_KEEPIDLE and _INTVL, and _KEEPCNT */
#define XTCP_MAX_KEEPALIVE_S	32767
#define XTCP_MAX_KEEPCNT	127
void xtcp_keepalive_established(struct sock *sk);
void xtcp_keepalive(struct sock *sk, int on);
void xtcp_keepalive_reset(struct sock *sk);
void xtcp_keepalive_expired(struct sock *sk);
int xtcp_keepalive_get(const struct sock *sk, int optname);

/* The peer was heard from: keep-alives start counting again. */
static inline void xtcp_keepalive_heard(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcv_tstamp = jiffies;
	xs->ka_probes_out = 0;
}

/* timer.c */
void xtcp_init_timers(struct sock *sk);
void xtcp_stop_timers(struct sock *sk);
void xtcp_arm_rtx(struct sock *sk);
void xtcp_arm_reo(struct sock *sk, u32 us);
void xtcp_rearm_rtx(struct sock *sk);
void xtcp_disarm_rtx(struct sock *sk);
void xtcp_release_cb(struct sock *sk);
void xtcp_arm_time_wait(struct sock *sk, unsigned long timeout);

/* proc.c */
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);

/* af_xtcp.c: every socket of the module, for unload and debugfs.c */
extern struct list_head xtcp_all_socks;
extern spinlock_t xtcp_all_lock;

/* debugfs.c */
void xtcp_debugfs_init(void);
void xtcp_debugfs_exit(void);

/* netns.c */
int xtcp_netns_register(void);
void xtcp_netns_unregister(void);

#endif /* _XTCP_H */
