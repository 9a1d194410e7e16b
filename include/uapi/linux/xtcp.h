/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XTCP: an experimental TCP-like transport in its own address family.
 *
 * This header is shared by the kernel module, the xtcpstat tool and the
 * selftests.  It is self-contained: it compiles on its own in C and C++.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

#include <linux/types.h>
#include <linux/socket.h>

/*
 * Address family.  Slot 25 has never been implemented by mainline Linux
 * (it was reserved for AF_WANPIPE), so it is free on every kernel XTCP
 * supports.  The module parameter "family=" can move it; the live value is
 * in /sys/module/xtcp/parameters/family.
 */
#define AF_XTCP		25
#define PF_XTCP		AF_XTCP

/* IP protocol number carried in the IPv4 header (RFC 3692 experiments). */
#define IPPROTO_XTCP	253

/* Socket option level, as SOL_TCP is for TCP. */
#define SOL_XTCP	292

/*
 * An XTCP endpoint: same layout as struct sockaddr_in, so it fits in a
 * struct sockaddr and can be printed with the usual inet_ntop().
 */
struct sockaddr_xtcp {
	__kernel_sa_family_t	sxtcp_family;	/* AF_XTCP */
	__be16			sxtcp_port;	/* port, network order */
	__be32			sxtcp_addr;	/* IPv4 address, network order */
	unsigned char		sxtcp_zero[8];	/* pad to sizeof(sockaddr) */
};

/*
 * Connection states, numbered as Linux numbers TCP's, so the "st" column of
 * /proc/net/xtcp means what it means in /proc/net/tcp.
 */
enum {
	XTCP_ESTABLISHED = 1,
	XTCP_SYN_SENT,
	XTCP_SYN_RECV,
	XTCP_FIN_WAIT1,
	XTCP_FIN_WAIT2,
	XTCP_TIME_WAIT,
	XTCP_CLOSE,
	XTCP_CLOSE_WAIT,
	XTCP_LAST_ACK,
	XTCP_LISTEN,
	XTCP_CLOSING,
	XTCP_MAX_STATES		/* one past the last state */
};

/* RFC 9293 names of the states, indexed by the numbers above. */
#define XTCP_STATE_NAMES {		\
	"UNKNOWN",			\
	"ESTABLISHED",			\
	"SYN_SENT",			\
	"SYN_RCVD",			\
	"FIN_WAIT1",			\
	"FIN_WAIT2",			\
	"TIME_WAIT",			\
	"CLOSED",			\
	"CLOSE_WAIT",			\
	"LAST_ACK",			\
	"LISTEN",			\
	"CLOSING",			\
}

/* Socket options at level SOL_XTCP. */
#define XTCP_NODELAY	1	/* int: send small segments at once */
#define XTCP_MAXSEG	2	/* int: largest segment payload to send */
#define XTCP_CORK	3	/* int: send only full segments until unset */
#define XTCP_KEEPIDLE	4	/* int: seconds idle before keep-alives */
#define XTCP_KEEPINTVL	5	/* int: seconds between keep-alives */
#define XTCP_KEEPCNT	6	/* int: unanswered keep-alives before reset */
#define XTCP_INFO	11	/* struct xtcp_info, read only */
#define XTCP_CONGESTION	13	/* char[]: congestion control by name */

/* Longest algorithm name with its NUL, as TCP_CA_NAME_MAX. */
#define XTCP_CA_NAME_MAX	16

/* XTCP_INFO: the connection as RFC 9293 describes it. */
struct xtcp_info {
	__u8	xtcpi_state;		/* XTCP_* state number */
	__u8	xtcpi_pad[3];
	__u32	xtcpi_mss;		/* segment payload we send */
	__u32	xtcpi_iss;		/* ISS */
	__u32	xtcpi_irs;		/* IRS */
	__u32	xtcpi_snd_una;		/* SND.UNA */
	__u32	xtcpi_snd_nxt;		/* SND.NXT */
	__u32	xtcpi_snd_wnd;		/* SND.WND */
	__u32	xtcpi_rcv_nxt;		/* RCV.NXT */
	__u32	xtcpi_rcv_wnd;		/* RCV.WND */
	__u32	xtcpi_rto_ms;		/* current retransmission timeout */
	__u32	xtcpi_retransmits;	/* retransmissions of this connection */
	__u64	xtcpi_bytes_sent;	/* payload bytes handed to IP */
	__u64	xtcpi_bytes_received;	/* payload bytes accepted in order */
	__u32	xtcpi_snd_cwnd;		/* SND.CWND, in segments */
	__u32	xtcpi_snd_ssthresh;	/* SSTHRESH, segments; ~0 unbounded */
	__u32	xtcpi_srtt_us;		/* SRTT (RFC 6298), 0: no sample yet */
	__u32	xtcpi_rttvar_us;	/* RTTVAR (RFC 6298) */
	__u32	xtcpi_options;		/* XTCPI_OPT_* the handshake agreed */
	__u32	xtcpi_ts_recent;	/* TS.Recent (RFC 7323 4.3) */
	/* Appended: a shorter struct from an older header still works. */
	__u8	xtcpi_snd_wscale;	/* the peer's window shift (RFC 7323 2) */
	__u8	xtcpi_rcv_wscale;	/* ours; both 0 without XTCPI_OPT_WSCALE */
	__u8	xtcpi_pad2[2];
	__u32	xtcpi_rcvbuf;		/* SO_RCVBUF now (autotuning grows it) */
	__u32	xtcpi_sndbuf;		/* SO_SNDBUF now */
	__u32	xtcpi_rcv_space;	/* bytes read in the last measured RTT */
	__u32	xtcpi_rcv_rtt_us;	/* the receiver's RTT estimate, 0: none */
	__u64	xtcpi_bytes_acked;	/* payload bytes the peer acknowledged */
	__u32	xtcpi_rcv_mss;		/* the peer's full segment, as seen */
	__u32	xtcpi_pad3;
	__u64	xtcpi_pacing_rate;	/* bytes/s for fq (sk_pacing_rate) */
	__u64	xtcpi_max_pacing_rate;	/* SO_MAX_PACING_RATE, ~0: none */
	__u64	xtcpi_delivery_rate;	/* bytes/s, the last sample (0: none) */
};

/* xtcpi_options bits, as TCP_INFO's tcpi_options. */
#define XTCPI_OPT_TIMESTAMPS	1	/* RFC 7323 timestamps */
#define XTCPI_OPT_SACK		2	/* RFC 2018 SACK */
#define XTCPI_OPT_WSCALE	4	/* RFC 7323 window scale */

#endif /* _UAPI_LINUX_XTCP_H */
