/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP tracepoints.  Field names follow sock:inet_sock_set_state and
 * tcp:tcp_retransmit_skb, tcp:tcp_send_reset, tcp:tcp_receive_reset, so a
 * bpftrace script written for TCP ports by renaming the probe.  Each prints
 * "name=value" pairs that xtcpstat --states, --life and --retrans read from
 * tracefs, so keep the names when adding fields.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#if !defined(_XTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_TRACE_H

#include <linux/tracepoint.h>
#include <net/inet_sock.h>
#include <net/ip.h>

#include "xtcp.h"

#define xtcp_show_state(state)						\
	__print_symbolic(state,						\
			 { XTCP_ESTABLISHED,	"ESTABLISHED" },	\
			 { XTCP_SYN_SENT,	"SYN_SENT" },		\
			 { XTCP_SYN_RECV,	"SYN_RCVD" },		\
			 { XTCP_FIN_WAIT1,	"FIN_WAIT1" },		\
			 { XTCP_FIN_WAIT2,	"FIN_WAIT2" },		\
			 { XTCP_TIME_WAIT,	"TIME_WAIT" },		\
			 { XTCP_CLOSE,		"CLOSED" },		\
			 { XTCP_CLOSE_WAIT,	"CLOSE_WAIT" },		\
			 { XTCP_LAST_ACK,	"LAST_ACK" },		\
			 { XTCP_LISTEN,		"LISTEN" },		\
			 { XTCP_CLOSING,	"CLOSING" })

#ifndef _XTCP_TRACE_HELPERS
#define _XTCP_TRACE_HELPERS
/*
 * What caused the state change of @sk (XTCP_CAUSE_*), and for a segment
 * its header; zeros else.
 */
static inline u8 xtcp_trace_cause(const struct sock *sk, u8 *flags, u32 *seq,
				  u32 *ack, u32 *len)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	bool seg = xs->cause == XTCP_CAUSE_SEGMENT;

	*flags = seg ? xs->cause_flags : 0;
	*seq = seg ? xs->cause_seq : 0;
	*ack = seg ? xs->cause_ack : 0;
	*len = seg ? xs->cause_len : 0;
	return xs->cause;
}

/*
 * The ends of a RST sent: the socket's, or for a segment no socket wanted
 * (@sk NULL), those of @skb seen from this side.  The state it was sent in.
 */
static inline int xtcp_rst_ends(const struct sock *sk,
				const struct sk_buff *skb, u16 *sport,
				u16 *dport, u8 *saddr, u8 *daddr)
{
	const struct inet_sock *inet;
	const struct xtcphdr *th;

	if (!sk) {
		th = xtcp_hdr(skb);
		*sport = ntohs(th->dest);
		*dport = ntohs(th->source);
		memcpy(saddr, &ip_hdr(skb)->daddr, 4);
		memcpy(daddr, &ip_hdr(skb)->saddr, 4);
		return XTCP_CLOSE;
	}
	inet = inet_sk(sk);
	*sport = ntohs(inet->inet_sport);
	*dport = ntohs(inet->inet_dport);
	memcpy(saddr, &inet->inet_rcv_saddr, 4);
	memcpy(daddr, &inet->inet_daddr, 4);
	return sk->sk_state;
}
#endif

#define xtcp_show_retrans_kind(kind)					\
	__print_symbolic(kind,						\
			 { XTCP_RETRANS_RTO,	"RTO" },		\
			 { XTCP_RETRANS_FAST,	"fast" },		\
			 { XTCP_RETRANS_TLP,	"TLP" },		\
			 { XTCP_RETRANS_SYN,	"SYN" })

#define xtcp_show_cause(cause)						\
	__print_symbolic(cause,						\
			 { XTCP_CAUSE_CALL,	"call" },		\
			 { XTCP_CAUSE_SEGMENT,	"segment" },		\
			 { XTCP_CAUSE_TIMER,	"timer" })

/* tcpdump's letters; none (empty) when the cause is not a segment. */
#define xtcp_show_seg_flags(flags)					\
	__print_flags(flags, "",					\
		      { XTCP_FLAG_SYN,	"S" },				\
		      { XTCP_FLAG_FIN,	"F" },				\
		      { XTCP_FLAG_RST,	"R" },				\
		      { XTCP_FLAG_PSH,	"P" },				\
		      { XTCP_FLAG_ACK,	"." })

/*
 * A state change, and what caused it: a socket call, a timer, or a
 * segment, whose header it records (its SEQ, ACK, flags and length).
 * bytes_acked and bytes_received are the text delivered each way, as
 * bcc's tcplife counts; bytes_sent counts resends too.
 */
TRACE_EVENT(xtcp_set_state,
	    TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	    TP_ARGS(sk, oldstate, newstate),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(int, oldstate)
			     __field(int, newstate)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(__u16, family)
			     __field(__u16, protocol)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u64, bytes_sent)
			     __field(__u64, bytes_acked)
			     __field(__u64, bytes_received)
			     __field(__u8, cause)
			     __field(__u8, seg_flags)
			     __field(__u32, seg_seq)
			     __field(__u32, seg_ack)
			     __field(__u32, seg_len)),
	    TP_fast_assign(const struct inet_sock *inet = inet_sk(sk);
			   __entry->skaddr = sk;
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;
			   __entry->sport = ntohs(inet->inet_sport);
			   __entry->dport = ntohs(inet->inet_dport);
			   __entry->family = sk->sk_family;
			   __entry->protocol = sk->sk_protocol;
			   memcpy(__entry->saddr, &inet->inet_rcv_saddr, 4);
			   memcpy(__entry->daddr, &inet->inet_daddr, 4);
			   __entry->bytes_sent = xtcp_sk(sk)->bytes_sent;
			   __entry->bytes_acked = xtcp_sk(sk)->bytes_acked;
			   __entry->bytes_received =
				xtcp_sk(sk)->bytes_received;
			   __entry->cause = xtcp_trace_cause(sk,
							     &__entry->seg_flags,
							     &__entry->seg_seq,
							     &__entry->seg_ack,
							     &__entry->seg_len);),
	    TP_printk("family=%u protocol=%u sport=%u dport=%u saddr=%pI4 daddr=%pI4 oldstate=%s newstate=%s bytes_sent=%llu bytes_acked=%llu bytes_received=%llu cause=%s flags=%s seq=%u ack=%u len=%u",
		      __entry->family, __entry->protocol,
		      __entry->sport, __entry->dport,
		      __entry->saddr, __entry->daddr,
		      xtcp_show_state(__entry->oldstate),
		      xtcp_show_state(__entry->newstate),
		      __entry->bytes_sent, __entry->bytes_acked,
		      __entry->bytes_received,
		      xtcp_show_cause(__entry->cause),
		      xtcp_show_seg_flags(__entry->seg_flags),
		      __entry->seg_seq, __entry->seg_ack, __entry->seg_len)
);

/* The socket's addresses, as the events below record them. */
DECLARE_EVENT_CLASS(xtcp_event_sk,
		    TP_PROTO(const struct sock *sk),
		    TP_ARGS(sk),
		    TP_STRUCT__entry(__field(const void *, skaddr)
				     __field(int, state)
				     __field(__u16, sport)
				     __field(__u16, dport)
				     __field(__u16, family)
				     __array(__u8, saddr, 4)
				     __array(__u8, daddr, 4)),
		    TP_fast_assign(const struct inet_sock *inet = inet_sk(sk);
				   __entry->skaddr = sk;
				   __entry->state = sk->sk_state;
				   __entry->sport = ntohs(inet->inet_sport);
				   __entry->dport = ntohs(inet->inet_dport);
				   __entry->family = sk->sk_family;
				   memcpy(__entry->saddr, &inet->inet_rcv_saddr, 4);
				   memcpy(__entry->daddr, &inet->inet_daddr, 4);),
		    TP_printk("family=%u sport=%u dport=%u saddr=%pI4 daddr=%pI4 state=%s",
			      __entry->family, __entry->sport, __entry->dport,
			      __entry->saddr, __entry->daddr,
			      xtcp_show_state(__entry->state))
);

/* A valid RST arrived (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
DEFINE_EVENT(xtcp_event_sk, xtcp_receive_reset,
	     TP_PROTO(const struct sock *sk),
	     TP_ARGS(sk)
);

/*
 * A segment sent again; @skb is the segment (SEQ and length), @kind the
 * caller's reason (XTCP_RETRANS_*).  A SYN or SYN,ACK is the handshake's
 * whoever resends it.
 */
TRACE_EVENT(xtcp_retransmit,
	    TP_PROTO(const struct sock *sk, const struct sk_buff *skb,
		     int kind),
	    TP_ARGS(sk, skb, kind),
	    TP_STRUCT__entry(__field(const void *, skbaddr)
			     __field(const void *, skaddr)
			     __field(int, state)
			     __field(int, kind)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(__u16, family)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u32, seq)
			     __field(__u32, len)
			     __field(__u32, retrans)),
	    TP_fast_assign(const struct inet_sock *inet = inet_sk(sk);
			   __entry->skbaddr = skb;
			   __entry->skaddr = sk;
			   __entry->state = sk->sk_state;
			   __entry->kind = XTCP_SKB_CB(skb)->flags &
					   XTCP_FLAG_SYN ?
					   XTCP_RETRANS_SYN : kind;
			   __entry->sport = ntohs(inet->inet_sport);
			   __entry->dport = ntohs(inet->inet_dport);
			   __entry->family = sk->sk_family;
			   memcpy(__entry->saddr, &inet->inet_rcv_saddr, 4);
			   memcpy(__entry->daddr, &inet->inet_daddr, 4);
			   __entry->seq = XTCP_SKB_CB(skb)->seq;
			   __entry->len = XTCP_SKB_CB(skb)->end_seq -
					  XTCP_SKB_CB(skb)->seq;
			   __entry->retrans = xtcp_sk(sk)->total_retrans;),
	    TP_printk("family=%u sport=%u dport=%u saddr=%pI4 daddr=%pI4 state=%s kind=%s seq=%u len=%u retrans=%u",
		      __entry->family, __entry->sport, __entry->dport,
		      __entry->saddr, __entry->daddr,
		      xtcp_show_state(__entry->state),
		      xtcp_show_retrans_kind(__entry->kind),
		      __entry->seq, __entry->len, __entry->retrans)
);

/*
 * A RST sent: by a socket (@sk, the reset of a synchronized connection),
 * or for a segment no socket wanted (@sk NULL; the addresses are those of
 * @skb, the segment answered, seen from this side).
 */
TRACE_EVENT(xtcp_send_reset,
	    TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	    TP_ARGS(sk, skb),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(int, state)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)),
	    TP_fast_assign(__entry->skaddr = sk;
			   __entry->state = xtcp_rst_ends(sk, skb,
							  &__entry->sport,
							  &__entry->dport,
							  __entry->saddr,
							  __entry->daddr);),
	    TP_printk("sport=%u dport=%u saddr=%pI4 daddr=%pI4 state=%s",
		      __entry->sport, __entry->dport,
		      __entry->saddr, __entry->daddr,
		      xtcp_show_state(__entry->state))
);

#endif /* _XTCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xtcp_trace
#include <trace/define_trace.h>
