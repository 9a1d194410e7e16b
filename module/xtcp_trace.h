/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP tracepoints.  Field names follow sock:inet_sock_set_state, so a
 * bpftrace script written for TCP ports by renaming the probe.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xtcp

#if !defined(_XTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XTCP_TRACE_H

#include <linux/tracepoint.h>
#include <net/inet_sock.h>

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
			     __array(__u8, daddr, 4)),
	    TP_fast_assign(const struct inet_sock *inet = inet_sk(sk);
			   __entry->skaddr = sk;
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;
			   __entry->sport = ntohs(inet->inet_sport);
			   __entry->dport = ntohs(inet->inet_dport);
			   __entry->family = sk->sk_family;
			   __entry->protocol = sk->sk_protocol;
			   memcpy(__entry->saddr, &inet->inet_rcv_saddr, 4);
			   memcpy(__entry->daddr, &inet->inet_daddr, 4);),
	    TP_printk("family=%u protocol=%u sport=%u dport=%u saddr=%pI4 daddr=%pI4 oldstate=%s newstate=%s",
		      __entry->family, __entry->protocol,
		      __entry->sport, __entry->dport,
		      __entry->saddr, __entry->daddr,
		      xtcp_show_state(__entry->oldstate),
		      xtcp_show_state(__entry->newstate))
);

#endif /* _XTCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xtcp_trace
#include <trace/define_trace.h>
