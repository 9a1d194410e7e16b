// SPDX-License-Identifier: GPL-2.0
/*
 * The SEGMENT ARRIVES matrix (RFC 9293 section 3.10.7, with RFC 5961 and
 * RFC 1337): for each state the scripted peer can put an XTCP socket in,
 * each kind of segment, and the SEQ and ACK values that change the
 * outcome, the reply XTCP must send and the state it must be in after.
 *
 * Each row of the table below is one FIXTURE_VARIANT, named
 * STATE__rcv_KIND[__seq_VARIANT][__ack_VARIANT]; the single test, "arrives",
 * drives a fresh socket to STATE in a fresh namespace, sends the segment,
 * and checks the reply, the state in /proc/net/xtcp, SO_ERROR and the
 * bytes the user can read.
 *
 * How the states are reached (XTCP on 10.0.0.1:XPORT, the peer on
 * 10.0.0.2:PPORT): CLOSED is a port nobody has bound; LISTEN a listener;
 * SYN_SENT a non-blocking connect(); SYN_RCVD a listener's child after the
 * peer's SYN; ESTABLISHED that child after the peer's ACK, accepted.
 * FIN_WAIT1, FIN_WAIT2, CLOSING and LAST_ACK use shutdown(SHUT_WR), so the
 * user still holds the socket (an orphan resets on data: arcs_test checks
 * that).  TIME_WAIT is reached by close() and is an orphan, as in Linux,
 * with the listener still open.
 *
 * Values, from the connection block the peer mirrors: RCV.NXT, the window
 * XTCP last advertised (RCV.WND), SND.UNA, SND.NXT; MAX.SND.WND is the
 * peer's window, PEER_DEF_WIN.
 */
#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define DATA_LEN	100

/* States, short for the table; GONE: no such connection any more. */
enum {
	GONE		= 0,
	CLOSED		= XTCP_CLOSE,	/* start: nothing on the port */
	LISTEN		= XTCP_LISTEN,
	SYN_SENT	= XTCP_SYN_SENT,
	SYN_RCVD	= XTCP_SYN_RECV,
	ESTAB		= XTCP_ESTABLISHED,
	FW1		= XTCP_FIN_WAIT1,
	FW2		= XTCP_FIN_WAIT2,
	CLOSING		= XTCP_CLOSING,
	TW		= XTCP_TIME_WAIT,
	CW		= XTCP_CLOSE_WAIT,
	LA		= XTCP_LAST_ACK,
};

/* Segment kinds. */
enum {
	K_SYN, K_SYNACK, K_SYNRST, K_ACK, K_FIN, K_FINACK, K_RST, K_RSTACK,
	K_DATA, K_DATA_NOACK, K_DATAFIN,
};

static const struct {
	__u8 flags;
	unsigned int len;
} kinds[] = {
	[K_SYN]		= { PEER_SYN, 0 },
	[K_SYNACK]	= { PEER_SYN | PEER_ACK, 0 },
	[K_SYNRST]	= { PEER_SYN | PEER_RST, 0 },
	[K_ACK]		= { PEER_ACK, 0 },
	[K_FIN]		= { PEER_FIN, 0 },
	[K_FINACK]	= { PEER_FIN | PEER_ACK, 0 },
	[K_RST]		= { PEER_RST, 0 },
	[K_RSTACK]	= { PEER_RST | PEER_ACK, 0 },
	[K_DATA]	= { PEER_ACK | PEER_PSH, DATA_LEN },
	[K_DATA_NOACK]	= { PEER_PSH, DATA_LEN },
	[K_DATAFIN]	= { PEER_FIN | PEER_ACK | PEER_PSH, DATA_LEN },
};

/* SEG.SEQ */
enum {
	S_ANY,		/* no RCV.NXT yet (CLOSED, LISTEN, SYN_SENT): the IRS */
	S_AT,		/* RCV.NXT */
	S_OLD,		/* all of the segment before RCV.NXT */
	S_OVERLAP,	/* starts before RCV.NXT, ends after it */
	S_IN,		/* RCV.NXT + 1000: in the window, not at its left edge */
	S_EDGE,		/* RCV.NXT + RCV.WND - 1: the window's last number */
	S_EDGE_OVER,	/* starts in the window, ends beyond it */
	S_BEYOND,	/* RCV.NXT + RCV.WND: just past the window */
};

/* SEG.ACK */
enum {
	A_NONE,		/* no ACK bit: 0 */
	A_ANY,		/* CLOSED and LISTEN: any value */
	A_NXT,		/* SND.NXT: acknowledges all, FIN included */
	A_UNA,		/* SND.UNA: nothing new (=< ISS in SYN_SENT) */
	A_DUP,		/* SND.UNA - 1: old, still within MAX.SND.WND */
	A_TOO_OLD,	/* SND.UNA - MAX.SND.WND - 1 (RFC 5961 5.2) */
	A_BEYOND,	/* SND.NXT + 1: acknowledges what was never sent */
};

/* The reply XTCP must send. */
enum {
	R_NONE,
	R_ACK,		/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, RCV.NXT as before */
	R_ACK_SEG,	/* <SEQ=SND.NXT><ACK=SEG.SEQ+SEG.LEN><CTL=ACK> */
	R_RST,		/* <SEQ=SEG.ACK><CTL=RST> */
	R_RSTACK,	/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	R_SYNACK,	/* <SEQ=ISS><ACK=SEG.SEQ+1><CTL=SYN,ACK> */
	R_SYNACK_NEW,	/* a new connection's <ACK=SEG.SEQ+1><CTL=SYN,ACK> */
};

FIXTURE(matrix) {
	struct xtcp_peer p;
	int lfd;	/* listener, when the state has one */
	int fd;		/* the user's socket, when the state has one */
};

FIXTURE_VARIANT(matrix) {
	int state;	/* the state to start from */
	int kind;	/* K_* */
	int seq;	/* S_* */
	int ack;	/* A_* */
	int reply;	/* R_* */
	int next;	/* the state after, GONE if the connection is gone */
	int err;	/* SO_ERROR after, for a socket the user holds */
	int readable;	/* bytes the user can read after */
};

/*
 * The matrix, one variant a row:
 *	state, kind, seq, ack, reply, next state, SO_ERROR, readable
 */

/* CLOSED: RFC 9293 3.10.7.1 */
FIXTURE_VARIANT_ADD(matrix, closed__rcv_syn) {
	CLOSED, K_SYN, S_ANY, A_NONE, R_RSTACK, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_synack) {
	CLOSED, K_SYNACK, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_ack) {
	CLOSED, K_ACK, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_fin) {
	CLOSED, K_FIN, S_ANY, A_NONE, R_RSTACK, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_finack) {
	CLOSED, K_FINACK, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_rst) {
	CLOSED, K_RST, S_ANY, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_rstack) {
	CLOSED, K_RSTACK, S_ANY, A_ANY, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_data) {
	CLOSED, K_DATA, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_data_noack) {
	CLOSED, K_DATA_NOACK, S_ANY, A_NONE, R_RSTACK, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closed__rcv_datafin) {
	CLOSED, K_DATAFIN, S_ANY, A_ANY, R_RST, GONE, 0, 0 };

/* LISTEN: RFC 9293 3.10.7.2 */
FIXTURE_VARIANT_ADD(matrix, listen__rcv_syn) {
	LISTEN, K_SYN, S_ANY, A_NONE, R_SYNACK_NEW, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_synack) {
	LISTEN, K_SYNACK, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_synrst) {
	LISTEN, K_SYNRST, S_ANY, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_ack) {
	LISTEN, K_ACK, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_fin) {
	LISTEN, K_FIN, S_ANY, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_finack) {
	LISTEN, K_FINACK, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_rst) {
	LISTEN, K_RST, S_ANY, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_rstack) {
	LISTEN, K_RSTACK, S_ANY, A_ANY, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_data) {
	LISTEN, K_DATA, S_ANY, A_ANY, R_RST, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, listen__rcv_data_noack) {
	LISTEN, K_DATA_NOACK, S_ANY, A_NONE, R_NONE, GONE, 0, 0 };

/* SYN_SENT: RFC 9293 3.10.7.3 */
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_synack) {
	SYN_SENT, K_SYNACK, S_ANY, A_NXT, R_ACK_SEG, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_synack__ack_una) {
	SYN_SENT, K_SYNACK, S_ANY, A_UNA, R_RST, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_synack__ack_beyond) {
	SYN_SENT, K_SYNACK, S_ANY, A_BEYOND, R_RST, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_syn) {
	SYN_SENT, K_SYN, S_ANY, A_NONE, R_SYNACK, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_ack) {
	SYN_SENT, K_ACK, S_ANY, A_NXT, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_ack__ack_una) {
	SYN_SENT, K_ACK, S_ANY, A_UNA, R_RST, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_ack__ack_beyond) {
	SYN_SENT, K_ACK, S_ANY, A_BEYOND, R_RST, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_rst) {
	SYN_SENT, K_RST, S_ANY, A_NONE, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_rstack) {
	SYN_SENT, K_RSTACK, S_ANY, A_NXT, R_NONE, GONE, ECONNREFUSED, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_rstack__ack_una) {
	SYN_SENT, K_RSTACK, S_ANY, A_UNA, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_rstack__ack_beyond) {
	SYN_SENT, K_RSTACK, S_ANY, A_BEYOND, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_fin) {
	SYN_SENT, K_FIN, S_ANY, A_NONE, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_finack) {
	SYN_SENT, K_FINACK, S_ANY, A_NXT, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_finack__ack_beyond) {
	SYN_SENT, K_FINACK, S_ANY, A_BEYOND, R_RST, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_data) {
	SYN_SENT, K_DATA, S_ANY, A_NXT, R_NONE, SYN_SENT, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_sent__rcv_data__ack_beyond) {
	SYN_SENT, K_DATA, S_ANY, A_BEYOND, R_RST, SYN_SENT, 0, 0 };

/* SYN_RCVD, a listener's child: RFC 9293 3.10.7.4 */
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_ack) {
	SYN_RCVD, K_ACK, S_AT, A_NXT, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_ack__ack_una) {
	SYN_RCVD, K_ACK, S_AT, A_UNA, R_RST, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_ack__ack_beyond) {
	SYN_RCVD, K_ACK, S_AT, A_BEYOND, R_RST, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_ack__seq_old) {
	SYN_RCVD, K_ACK, S_OLD, A_NXT, R_ACK, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_ack__seq_beyond) {
	SYN_RCVD, K_ACK, S_BEYOND, A_NXT, R_ACK, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_syn__seq_old) {
	SYN_RCVD, K_SYN, S_OLD, A_NONE, R_SYNACK, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_syn__seq_in_window) {
	SYN_RCVD, K_SYN, S_IN, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_synack) {
	SYN_RCVD, K_SYNACK, S_AT, A_NXT, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_rst__seq_at) {
	SYN_RCVD, K_RST, S_AT, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_rst__seq_in_window) {
	SYN_RCVD, K_RST, S_IN, A_NONE, R_ACK, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_rst__seq_old) {
	SYN_RCVD, K_RST, S_OLD, A_NONE, R_NONE, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_rst__seq_beyond) {
	SYN_RCVD, K_RST, S_BEYOND, A_NONE, R_NONE, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_rstack__seq_at) {
	SYN_RCVD, K_RSTACK, S_AT, A_NXT, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_fin) {
	SYN_RCVD, K_FIN, S_AT, A_NONE, R_NONE, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_finack) {
	SYN_RCVD, K_FINACK, S_AT, A_NXT, R_ACK_SEG, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_data) {
	SYN_RCVD, K_DATA, S_AT, A_NXT, R_ACK_SEG, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, syn_rcvd__rcv_data_noack) {
	SYN_RCVD, K_DATA_NOACK, S_AT, A_NONE, R_NONE, SYN_RCVD, 0, 0 };

/* ESTABLISHED */
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack) {
	ESTAB, K_ACK, S_AT, A_NXT, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__seq_old) {
	ESTAB, K_ACK, S_OLD, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__seq_in_window) {
	ESTAB, K_ACK, S_IN, A_NXT, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__seq_window_edge) {
	ESTAB, K_ACK, S_EDGE, A_NXT, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__seq_beyond) {
	ESTAB, K_ACK, S_BEYOND, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__ack_dup) {
	ESTAB, K_ACK, S_AT, A_DUP, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__ack_too_old) {
	ESTAB, K_ACK, S_AT, A_TOO_OLD, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_ack__ack_beyond) {
	ESTAB, K_ACK, S_AT, A_BEYOND, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_syn__seq_at) {
	ESTAB, K_SYN, S_AT, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_syn__seq_in_window) {
	ESTAB, K_SYN, S_IN, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_syn__seq_old) {
	ESTAB, K_SYN, S_OLD, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_syn__seq_beyond) {
	ESTAB, K_SYN, S_BEYOND, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_synack) {
	ESTAB, K_SYNACK, S_AT, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rst__seq_at) {
	ESTAB, K_RST, S_AT, A_NONE, R_NONE, GONE, ECONNRESET, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rst__seq_in_window) {
	ESTAB, K_RST, S_IN, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rst__seq_window_edge) {
	ESTAB, K_RST, S_EDGE, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rst__seq_old) {
	ESTAB, K_RST, S_OLD, A_NONE, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rst__seq_beyond) {
	ESTAB, K_RST, S_BEYOND, A_NONE, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rstack__seq_at) {
	ESTAB, K_RSTACK, S_AT, A_NXT, R_NONE, GONE, ECONNRESET, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rstack__seq_at__ack_beyond) {
	ESTAB, K_RSTACK, S_AT, A_BEYOND, R_NONE, GONE, ECONNRESET, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_rstack__seq_in_window) {
	ESTAB, K_RSTACK, S_IN, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_fin) {
	ESTAB, K_FIN, S_AT, A_NONE, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_fin__seq_old) {
	ESTAB, K_FIN, S_OLD, A_NONE, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_finack) {
	ESTAB, K_FINACK, S_AT, A_NXT, R_ACK_SEG, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_finack__seq_old) {
	ESTAB, K_FINACK, S_OLD, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_finack__seq_in_window) {
	ESTAB, K_FINACK, S_IN, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_finack__seq_beyond) {
	ESTAB, K_FINACK, S_BEYOND, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_finack__ack_beyond) {
	ESTAB, K_FINACK, S_AT, A_BEYOND, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data) {
	ESTAB, K_DATA, S_AT, A_NXT, R_ACK_SEG, ESTAB, 0, DATA_LEN };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__seq_old) {
	ESTAB, K_DATA, S_OLD, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__seq_overlap) {
	ESTAB, K_DATA, S_OVERLAP, A_NXT, R_ACK_SEG, ESTAB, 0, DATA_LEN / 2 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__seq_in_window) {
	ESTAB, K_DATA, S_IN, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__seq_window_edge) {
	ESTAB, K_DATA, S_EDGE_OVER, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__seq_beyond) {
	ESTAB, K_DATA, S_BEYOND, A_NXT, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__ack_dup) {
	ESTAB, K_DATA, S_AT, A_DUP, R_ACK_SEG, ESTAB, 0, DATA_LEN };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__ack_too_old) {
	ESTAB, K_DATA, S_AT, A_TOO_OLD, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data__ack_beyond) {
	ESTAB, K_DATA, S_AT, A_BEYOND, R_ACK, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_data_noack) {
	ESTAB, K_DATA_NOACK, S_AT, A_NONE, R_NONE, ESTAB, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, established__rcv_datafin) {
	ESTAB, K_DATAFIN, S_AT, A_NXT, R_ACK_SEG, CW, 0, DATA_LEN };

/* FIN_WAIT1 (shutdown(SHUT_WR): our FIN is SND.UNA .. SND.NXT) */
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_ack) {
	FW1, K_ACK, S_AT, A_NXT, R_NONE, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_ack__ack_una) {
	FW1, K_ACK, S_AT, A_UNA, R_NONE, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_ack__ack_beyond) {
	FW1, K_ACK, S_AT, A_BEYOND, R_ACK, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_ack__seq_old) {
	FW1, K_ACK, S_OLD, A_NXT, R_ACK, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_syn) {
	FW1, K_SYN, S_AT, A_NONE, R_ACK, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_rst__seq_at) {
	FW1, K_RST, S_AT, A_NONE, R_NONE, GONE, ECONNRESET, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_rst__seq_in_window) {
	FW1, K_RST, S_IN, A_NONE, R_ACK, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_rst__seq_beyond) {
	FW1, K_RST, S_BEYOND, A_NONE, R_NONE, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_rstack__seq_at) {
	FW1, K_RSTACK, S_AT, A_UNA, R_NONE, GONE, ECONNRESET, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_fin) {
	FW1, K_FIN, S_AT, A_NONE, R_NONE, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_finack) {
	FW1, K_FINACK, S_AT, A_NXT, R_ACK_SEG, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_finack__ack_una) {
	FW1, K_FINACK, S_AT, A_UNA, R_ACK_SEG, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_finack__seq_old) {
	FW1, K_FINACK, S_OLD, A_NXT, R_ACK, FW1, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_data) {
	FW1, K_DATA, S_AT, A_NXT, R_ACK_SEG, FW2, 0, DATA_LEN };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_data__ack_una) {
	FW1, K_DATA, S_AT, A_UNA, R_ACK_SEG, FW1, 0, DATA_LEN };
FIXTURE_VARIANT_ADD(matrix, fin_wait1__rcv_data__seq_in_window__ack_una) {
	FW1, K_DATA, S_IN, A_UNA, R_ACK, FW1, 0, 0 };

/* FIN_WAIT2 (shutdown(SHUT_WR), our FIN acknowledged) */
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_ack) {
	FW2, K_ACK, S_AT, A_NXT, R_NONE, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_ack__ack_beyond) {
	FW2, K_ACK, S_AT, A_BEYOND, R_ACK, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_ack__seq_beyond) {
	FW2, K_ACK, S_BEYOND, A_NXT, R_ACK, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_syn) {
	FW2, K_SYN, S_AT, A_NONE, R_ACK, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_rst__seq_at) {
	FW2, K_RST, S_AT, A_NONE, R_NONE, GONE, ECONNRESET, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_rst__seq_in_window) {
	FW2, K_RST, S_IN, A_NONE, R_ACK, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_fin) {
	FW2, K_FIN, S_AT, A_NONE, R_NONE, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_finack) {
	FW2, K_FINACK, S_AT, A_NXT, R_ACK_SEG, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_finack__seq_old) {
	FW2, K_FINACK, S_OLD, A_NXT, R_ACK, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_data) {
	FW2, K_DATA, S_AT, A_NXT, R_ACK_SEG, FW2, 0, DATA_LEN };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_data__seq_in_window) {
	FW2, K_DATA, S_IN, A_NXT, R_ACK, FW2, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, fin_wait2__rcv_datafin) {
	FW2, K_DATAFIN, S_AT, A_NXT, R_ACK_SEG, TW, 0, DATA_LEN };

/* CLOSING (shutdown(SHUT_WR), then the peer's FIN; ours unacknowledged) */
FIXTURE_VARIANT_ADD(matrix, closing__rcv_ack) {
	CLOSING, K_ACK, S_AT, A_NXT, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_ack__ack_una) {
	CLOSING, K_ACK, S_AT, A_UNA, R_NONE, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_ack__ack_beyond) {
	CLOSING, K_ACK, S_AT, A_BEYOND, R_ACK, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_ack__seq_old) {
	CLOSING, K_ACK, S_OLD, A_NXT, R_ACK, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_syn) {
	CLOSING, K_SYN, S_AT, A_NONE, R_ACK, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_rst__seq_at) {
	CLOSING, K_RST, S_AT, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_rst__seq_in_window) {
	CLOSING, K_RST, S_IN, A_NONE, R_ACK, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_fin__seq_old) {
	CLOSING, K_FIN, S_OLD, A_NONE, R_ACK, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_finack__seq_old) {
	CLOSING, K_FINACK, S_OLD, A_NXT, R_ACK, CLOSING, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, closing__rcv_data__ack_una) {
	CLOSING, K_DATA, S_AT, A_UNA, R_NONE, CLOSING, 0, 0 };

/* TIME_WAIT (an orphan; the listener it came from is still there) */
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_ack) {
	TW, K_ACK, S_AT, A_NXT, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_ack__seq_old) {
	TW, K_ACK, S_OLD, A_NXT, R_ACK, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_fin) {
	TW, K_FIN, S_AT, A_NONE, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_fin__seq_old) {
	TW, K_FIN, S_OLD, A_NONE, R_ACK, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_finack__seq_old) {
	TW, K_FINACK, S_OLD, A_NXT, R_ACK, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_rst__seq_at) {
	TW, K_RST, S_AT, A_NONE, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_rstack__seq_at) {
	TW, K_RSTACK, S_AT, A_NXT, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_rst__seq_in_window) {
	TW, K_RST, S_IN, A_NONE, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_rst__seq_old) {
	TW, K_RST, S_OLD, A_NONE, R_NONE, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_syn__seq_at) {
	TW, K_SYN, S_AT, A_NONE, R_ACK, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_syn__seq_in_window) {
	TW, K_SYN, S_IN, A_NONE, R_SYNACK_NEW, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_syn__seq_beyond) {
	TW, K_SYN, S_BEYOND, A_NONE, R_SYNACK_NEW, SYN_RCVD, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_syn__seq_old) {
	TW, K_SYN, S_OLD, A_NONE, R_ACK, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_synack) {
	TW, K_SYNACK, S_AT, A_NXT, R_ACK, TW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, time_wait__rcv_data) {
	TW, K_DATA, S_AT, A_NXT, R_NONE, TW, 0, 0 };

/* CLOSE_WAIT */
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_ack) {
	CW, K_ACK, S_AT, A_NXT, R_NONE, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_ack__ack_beyond) {
	CW, K_ACK, S_AT, A_BEYOND, R_ACK, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_ack__seq_old) {
	CW, K_ACK, S_OLD, A_NXT, R_ACK, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_syn) {
	CW, K_SYN, S_AT, A_NONE, R_ACK, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_rst__seq_at) {
	CW, K_RST, S_AT, A_NONE, R_NONE, GONE, EPIPE, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_rst__seq_in_window) {
	CW, K_RST, S_IN, A_NONE, R_ACK, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_rst__seq_old) {
	CW, K_RST, S_OLD, A_NONE, R_NONE, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_fin) {
	CW, K_FIN, S_AT, A_NONE, R_NONE, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_fin__seq_old) {
	CW, K_FIN, S_OLD, A_NONE, R_ACK, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_finack__seq_old) {
	CW, K_FINACK, S_OLD, A_NXT, R_ACK, CW, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, close_wait__rcv_data) {
	CW, K_DATA, S_AT, A_NXT, R_NONE, CW, 0, 0 };

/* LAST_ACK (shutdown(SHUT_WR) in CLOSE_WAIT) */
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_ack) {
	LA, K_ACK, S_AT, A_NXT, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_ack__ack_una) {
	LA, K_ACK, S_AT, A_UNA, R_NONE, LA, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_ack__ack_beyond) {
	LA, K_ACK, S_AT, A_BEYOND, R_ACK, LA, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_ack__seq_old) {
	LA, K_ACK, S_OLD, A_NXT, R_ACK, LA, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_syn) {
	LA, K_SYN, S_AT, A_NONE, R_ACK, LA, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_rst__seq_at) {
	LA, K_RST, S_AT, A_NONE, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_rst__seq_in_window) {
	LA, K_RST, S_IN, A_NONE, R_ACK, LA, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_finack) {
	LA, K_FINACK, S_AT, A_NXT, R_NONE, GONE, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_finack__seq_old) {
	LA, K_FINACK, S_OLD, A_NXT, R_ACK, LA, 0, 0 };
FIXTURE_VARIANT_ADD(matrix, last_ack__rcv_data__ack_una) {
	LA, K_DATA, S_AT, A_UNA, R_NONE, LA, 0, 0 };

FIXTURE_SETUP(matrix)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(matrix)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* Drive a fresh socket to @state; 0 when it is there. */
static int drive(struct xtcp_peer *p, int *lfd, int *fd, int state)
{
	switch (state) {
	case CLOSED:
		p->xport = XPORT;
		return 0;
	case LISTEN:
		*lfd = peer_listener(p, XPORT);
		return *lfd < 0 ? -1 : 0;
	case SYN_SENT:
		*fd = peer_connect(p, XPORT);
		return *fd < 0 ? -1 : 0;
	case SYN_RCVD:
		*lfd = peer_listener(p, XPORT);
		return *lfd < 0 ? -1 : peer_open_syn(p);
	}

	*fd = peer_open_passive(p, XPORT, lfd);
	if (*fd < 0)
		return -1;
	switch (state) {
	case ESTAB:
		return 0;
	case CW:
		return peer_fin(p, p->snd_nxt);
	case LA:
		if (peer_fin(p, p->snd_nxt))
			return -1;
		shutdown(*fd, SHUT_WR);
		return peer_expect_fin(p);
	case TW:
		/* close(): TIME_WAIT is an orphan's state, as in Linux */
		close(*fd);
		*fd = -1;
		if (peer_expect_fin(p))
			return -1;
		return peer_fin(p, p->snd_nxt);
	}

	/* FIN_WAIT1, FIN_WAIT2, CLOSING */
	shutdown(*fd, SHUT_WR);
	if (peer_expect_fin(p))
		return -1;
	switch (state) {
	case FW2:
		if (peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0))
			return -1;
		p->snd_una = p->snd_nxt;
		return peer_wait_state(p, FW2) ? 0 : -1;
	case CLOSING:
		return peer_fin(p, p->snd_una);
	}
	return 0;
}

/* SEG.SEQ for the variant; @len is SEG.LEN (data, SYN and FIN). */
static __u32 pick_seq(const struct xtcp_peer *p, int v, __u32 len)
{
	__u32 nxt = p->rcv_nxt, wnd = p->rcv_wnd;

	switch (v) {
	case S_AT:
		return nxt;
	case S_OLD:
		return nxt - (len ? len : 1);
	case S_OVERLAP:
		return nxt - len / 2;
	case S_IN:
		return nxt + 1000;
	case S_EDGE:
		return nxt + wnd - 1;
	case S_EDGE_OVER:
		return nxt + wnd - len / 2;
	case S_BEYOND:
		return nxt + wnd;
	}
	return p->irs;	/* S_ANY */
}

static __u32 pick_ack(const struct xtcp_peer *p, int v)
{
	switch (v) {
	case A_ANY:
		return 0x55667788;
	case A_NXT:
		return p->snd_nxt;
	case A_UNA:
		return p->snd_una;
	case A_DUP:
		return p->snd_una - 1;
	case A_TOO_OLD:
		return p->snd_una - PEER_DEF_WIN - 1;
	case A_BEYOND:
		return p->snd_nxt + 1;
	}
	return 0;	/* A_NONE */
}

static const char *state_name(int state)
{
	static const char *const names[] = XTCP_STATE_NAMES;

	if (state == GONE)
		return "gone";
	return state > 0 && state < XTCP_MAX_STATES ? names[state] : "?";
}

TEST_F(matrix, arrives)
{
	struct xtcp_peer *p = &self->p;
	__u8 flags = kinds[variant->kind].flags;
	unsigned int len = kinds[variant->kind].len;
	__u32 seg_len, seq, ack, snd_nxt, rcv_nxt;
	struct peer_seg seg, s;
	char buf[160];
	int state;

	ASSERT_EQ(0, drive(p, &self->lfd, &self->fd, variant->state))
		TH_LOG("could not reach %s", state_name(variant->state));
	if (variant->state != CLOSED && variant->state != LISTEN)
		ASSERT_EQ(variant->state, peer_state(p));

	seg_len = len + !!(flags & PEER_SYN) + !!(flags & PEER_FIN);
	seq = pick_seq(p, variant->seq, seg_len);
	ack = pick_ack(p, variant->ack);
	snd_nxt = p->snd_nxt;
	rcv_nxt = p->rcv_nxt;
	peer_seg_init(p, &seg, flags, seq, ack, NULL, len);
	TH_LOG("RCV.NXT %u RCV.WND %u SND.UNA %u SND.NXT %u; sending %s",
	       rcv_nxt, p->rcv_wnd, p->snd_una, snd_nxt,
	       peer_seg_str(&seg, buf, sizeof(buf)));
	ASSERT_EQ(0, peer_xmit(p, &seg, false));

	switch (variant->reply) {
	case R_NONE:
		EXPECT_EQ(0, peer_expect_none(p));
		break;
	case R_ACK:
		EXPECT_EQ(0, peer_expect(p, &s, PEER_ACK, snd_nxt, rcv_nxt));
		break;
	case R_ACK_SEG:
		EXPECT_EQ(0, peer_expect(p, &s, PEER_ACK, snd_nxt,
					 seq + seg_len));
		break;
	case R_RST:
		EXPECT_EQ(0, peer_expect(p, &s, PEER_RST, ack, 0));
		break;
	case R_RSTACK:
		EXPECT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0,
					 seq + seg_len));
		break;
	case R_SYNACK:
		EXPECT_EQ(0, peer_expect(p, &s, PEER_SYN | PEER_ACK, p->iss,
					 seq + 1));
		EXPECT_EQ(0, peer_check_syn_options(&s));
		break;
	case R_SYNACK_NEW:
		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		EXPECT_EQ(0, peer_check(&s, PEER_SYN | PEER_ACK, s.seq,
					seq + 1));
		EXPECT_EQ(0, peer_check_syn_options(&s));
		break;
	}

	state = peer_wait_state(p, variant->next) ? variant->next :
						     peer_state(p);
	EXPECT_EQ(variant->next, state)
		TH_LOG("in %s, expected %s", state_name(state),
		       state_name(variant->next));
	if (self->lfd >= 0)
		EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
	if (self->fd >= 0) {
		EXPECT_EQ(variant->err, peer_so_error(self->fd));
		if (state != GONE)
			EXPECT_EQ(variant->readable,
				  peer_user_inq(self->fd));
	}
}

TEST_HARNESS_MAIN
