// SPDX-License-Identifier: GPL-2.0
/*
 * Window scale (RFC 7323 2), the per-namespace buffer sizes net.xtcp.rmem
 * and net.xtcp.wmem, and buffer autotuning (module/bufauto.c).
 *
 * With the scripted peer (xtcp_peer.h):
 * - syn__*: XTCP's SYN offers the option (NOP, kind 3, length 3) with the
 *   least shift at which 65535 units cover the largest receive buffer the
 *   socket may have (rmem[2], net.core.rmem_max, or a fixed SO_RCVBUF);
 *   its window field is not scaled.  A SYN,ACK offers it only back.
 * - scale__*: without the option in both SYNs, no window is scaled,
 *   either way; with it, XTCP sends as far as the peer's window << its
 *   shift and no further, and its own ACKs carry RCV.WND >> our shift,
 *   rounded so that the right edge never moves left (RFC 7323 2.4).
 *   A shift above 14 is taken as 14 (2.3).
 * - sysctl__*: net.xtcp.window_scaling=0 offers no option and answers
 *   none; net.xtcp.rmem and wmem have TCP's defaults and set a new
 *   socket's buffers, and the SYN's window and shift follow rmem.
 * - rcvbuf__*: a reader taking more each round trip grows the receive
 *   buffer; one the user fixed with SO_RCVBUF stays as it was.
 *
 * Over loopback (its own namespace):
 * - lo__*: a bulk transfer grows the receiver's SO_RCVBUF and the
 *   sender's SO_SNDBUF, unless SO_SNDBUF fixed it; both ends scale.  The
 *   ACKs that drain a full send buffer wake writers, not a reader
 *   waiting on the same socket for the peer's reply.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.
 */
#include <netinet/in.h>
#include <sched.h>
#include <sys/syscall.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT		5000
#define PPORT		40000
#define PEER_SEG	1400	/* the peer's segments of text */
#define MAX_FIELD	65535	/* what SEG.WND can say */

/* The defaults, as net.ipv4.tcp_rmem and tcp_wmem. */
#define RMEM_MIN	4096
#define RMEM_DEF	131072
#define RMEM_MAX	6291456
#define WMEM_MIN	4096
#define WMEM_DEF	16384
#define WMEM_MAX	4194304

/* The least shift at which 65535 units cover @space bytes, at most 14. */
static unsigned int shift_for(unsigned long space)
{
	unsigned int s = 0;

	while (s < 14 && space > (unsigned long)MAX_FIELD << s)
		s++;
	return s;
}

/* net.xtcp.@name, three ints (rmem, wmem); 0 on success. */
static int sysctl_get3(const char *name, long v[3])
{
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%ld %ld %ld", &v[0], &v[1], &v[2]);
	fclose(f);
	return n == 3 ? 0 : -1;
}

static int sysctl_set3(const char *name, long a, long b, long c)
{
	char path[64], val[64];

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	snprintf(val, sizeof(val), "%ld %ld %ld\n", a, b, c);
	return xtcp_write_file(path, val);
}

/* net.core.rmem_max, 0 where this namespace does not show it. */
static long core_rmem_max(void)
{
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
	long v = 0;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* The shift a SYN must offer here, for a socket whose buffer is free. */
static unsigned int expected_shift(void)
{
	long r[3], space;

	if (sysctl_get3("rmem", r))
		return ~0u;
	space = r[2] > r[1] ? r[2] : r[1];
	if (core_rmem_max() > space)
		space = core_rmem_max();
	return shift_for(space);
}

FIXTURE(ws) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the connection under test */
};

FIXTURE_SETUP(ws)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/* Nothing of XTCP's may be retransmitted in the middle of a script. */
	ASSERT_EQ(0, peer_quiet_timers());
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(ws)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* A connect() to the peer; its SYN is read into @s. */
static int connect_syn(struct _test_data_ws *self, struct peer_seg *s)
{
	struct xtcp_peer *p = &self->p;

	self->fd = xtcp_socket();
	if (self->fd < 0 || fcntl(self->fd, F_SETFL, O_NONBLOCK) ||
	    xtcp_bind_to(self->fd, PEER_XTCP_IP, XPORT))
		return -1;
	p->xport = XPORT;
	if (!xtcp_connect_to(self->fd, PEER_IP, p->port) ||
	    errno != EINPROGRESS || peer_recv(p, s, PEER_REPLY_MS))
		return -1;
	p->iss = s->seq;
	p->snd_una = s->seq;
	p->snd_nxt = s->seq + 1;
	return peer_check(s, PEER_SYN, p->iss, 0) ||
	       peer_check_syn_options(s) ? -1 : 0;
}

/* The peer's SYN to the listener on XPORT; XTCP's SYN,ACK into @s. */
static int listen_synack(struct _test_data_ws *self, struct peer_seg *s)
{
	struct xtcp_peer *p = &self->p;

	if (self->lfd < 0) {
		self->lfd = peer_listener(p, XPORT);
		if (self->lfd < 0)
			return -1;
	}
	if (peer_send(p, PEER_SYN, p->irs, 0, NULL, 0))
		return -1;
	p->rcv_nxt = p->irs + 1;
	if (peer_recv(p, s, PEER_REPLY_MS))
		return -1;
	p->iss = s->seq;
	p->snd_una = s->seq;
	p->snd_nxt = s->seq + 1;
	return peer_check(s, PEER_SYN | PEER_ACK, p->iss, p->rcv_nxt) ||
	       peer_check_syn_options(s) ? -1 : 0;
}

/*
 * The text XTCP sends up to a barrier: its bytes, in order from @seq;
 * -1 if a segment is out of place or no barrier came back.  The peer
 * learns SND.NXT from it.
 */
static long collect(struct xtcp_peer *p, __u32 seq)
{
	struct peer_seg s;
	long total = 0;
	int r;

	while ((r = peer_barrier(p, &s, PEER_REPLY_MS)) == 1) {
		peer_learn(p, &s);
		if (!s.len)
			continue;
		if (s.seq != seq + total) {
			peer_log("SEQ %u, expected %u", s.seq,
				 (__u32)(seq + total));
			return -1;
		}
		total += s.len;
	}
	return r ? -1 : total;
}

/* Queue @len bytes on the socket under test. */
static int user_send(int fd, size_t len)
{
	static char buf[1 << 16];

	if (len > sizeof(buf))
		return -1;
	memset(buf, 'w', len);
	return send(fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* XTCP's SYN offers the shift for rmem[2]; the SYN's window is unscaled. */
TEST_F(ws, syn__offers_shift)
{
	struct peer_seg s;
	struct xtcp_info info;

	ASSERT_EQ(0, connect_syn(self, &s));
	ASSERT_TRUE(s.ws);
	EXPECT_EQ(expected_shift(), s.wscale);
	TH_LOG("shift %u for rmem[2] %d", s.wscale, RMEM_MAX);
	/* MSS; SACK-permitted, TS; NOP, WS: Linux's 20 bytes. */
	EXPECT_EQ(20, s.optlen);
	/* Half of the buffer, rmem[1], but no more than the field holds. */
	EXPECT_EQ(RMEM_DEF / 2 > MAX_FIELD ? MAX_FIELD : RMEM_DEF / 2, s.win);
	/* Not agreed until the SYN,ACK says so. */
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(0, info.xtcpi_options & XTCPI_OPT_WSCALE);
}

/* A SYN,ACK carries the option only in answer to a SYN that had it. */
TEST_F(ws, syn__synack_only_back)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	p->ws = false;
	ASSERT_EQ(0, listen_synack(self, &s));
	EXPECT_FALSE(s.ws);
	EXPECT_FALSE(p->ws_ok);

	p->port = PPORT + 1;
	p->irs += 1000;
	p->ws = true;
	p->wscale = 2;
	ASSERT_EQ(0, listen_synack(self, &s));
	ASSERT_TRUE(s.ws);
	EXPECT_EQ(expected_shift(), s.wscale);
	EXPECT_TRUE(p->ws_ok);
	/* The window of a SYN,ACK is not scaled either. */
	EXPECT_EQ(RMEM_DEF / 2 > MAX_FIELD ? MAX_FIELD : RMEM_DEF / 2, s.win);
}

/*
 * XTCP offered, the peer's SYN,ACK did not: neither side scales.  The
 * peer's window of 1000 lets 1000 bytes go; XTCP's ACK says RCV.WND as
 * it is.
 */
TEST_F(ws, scale__synack_without_option__none_either_way)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;
	struct peer_seg s;
	__u32 seq;

	p->win = 1000;
	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(0, info.xtcpi_options & XTCPI_OPT_WSCALE);
	EXPECT_EQ(0, info.xtcpi_snd_wscale);
	EXPECT_EQ(0, info.xtcpi_rcv_wscale);
	EXPECT_EQ(1000, info.xtcpi_snd_wnd);

	/* A window update of the same 1000, now in a segment without SYN. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	seq = p->snd_nxt;
	ASSERT_EQ(0, user_send(self->fd, 3000));
	EXPECT_EQ(1000, collect(p, seq));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(1000, info.xtcpi_snd_wnd);

	/* Text from the peer: XTCP's ACK has RCV.WND in bytes. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_una, NULL,
			       PEER_SEG));
	p->rcv_nxt += PEER_SEG;
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_nxt, p->rcv_nxt));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(info.xtcpi_rcv_wnd, s.win);
	EXPECT_LT(0, s.win);
}

/*
 * Both SYNs had it, the peer's shift 3: SND.WND is its SYN,ACK's window
 * as it is, then SEG.WND << 3.  XTCP sends up to it, not beyond.
 */
TEST_F(ws, scale__peer_window_honoured)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;
	__u32 seq;

	p->ws = true;
	p->wscale = 3;
	p->win = 2000;
	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(p->ws_ok);
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(XTCPI_OPT_WSCALE, info.xtcpi_options & XTCPI_OPT_WSCALE);
	EXPECT_EQ(3, info.xtcpi_snd_wscale);
	EXPECT_EQ(expected_shift(), info.xtcpi_rcv_wscale);
	EXPECT_EQ(p->xwscale, info.xtcpi_rcv_wscale);
	/* The SYN,ACK's 2000 is not scaled (RFC 7323 2.2). */
	EXPECT_EQ(2000, info.xtcpi_snd_wnd);

	seq = p->snd_nxt;
	ASSERT_EQ(0, user_send(self->fd, 12000));
	EXPECT_EQ(2000, collect(p, seq));

	/* The peer takes it all and offers 500 units: 4000 bytes. */
	p->win = 500;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	p->snd_una = p->snd_nxt;
	seq = p->snd_nxt;
	EXPECT_EQ(4000, collect(p, seq));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(4000, info.xtcpi_snd_wnd);

	/* 750 units: 2000 more than it has sent, and the rest fits. */
	p->win = 750;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, seq, NULL, 0));
	EXPECT_EQ(2000, collect(p, seq + 4000));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(6000, info.xtcpi_snd_wnd);
}

/* RFC 7323 2.3: a shift of 15 is taken as 14. */
TEST_F(ws, scale__shift_over_14_taken_as_14)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;

	p->ws = true;
	p->wscale = 15;
	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(14, info.xtcpi_snd_wscale);
	p->win = 1;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(1U << 14, info.xtcpi_snd_wnd);
}

/*
 * XTCP's ACKs carry RCV.WND >> its shift: with a buffer of 1 MB the
 * window is more than the field holds unscaled, a multiple of the unit,
 * and its right edge never moves left.
 */
TEST_F(ws, scale__ack_window_scaled)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;
	unsigned int shift, i;
	struct peer_seg s;
	__u32 edge;

	ASSERT_EQ(0, sysctl_set3("rmem", RMEM_MIN, 1 << 20, RMEM_MAX));
	p->ws = true;
	p->wscale = 0;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(p->ws_ok);
	shift = p->xwscale;
	EXPECT_EQ(expected_shift(), shift);
	/* The SYN,ACK: 65535, unscaled, though half the buffer is more. */
	EXPECT_EQ(MAX_FIELD, p->rcv_wnd);
	edge = p->rcv_nxt + p->rcv_wnd;

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt,
				       NULL, PEER_SEG));
		p->rcv_nxt += PEER_SEG;
		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_nxt, p->rcv_nxt));
		/* p->rcv_wnd is SEG.WND << shift. */
		EXPECT_EQ((__u32)s.win << shift, p->rcv_wnd);
		EXPECT_LT(MAX_FIELD, p->rcv_wnd);
		EXPECT_FALSE((__s32)(s.ack + p->rcv_wnd - edge) < 0)
			TH_LOG("the right edge moved left by %d",
			       (int)(edge - s.ack - p->rcv_wnd));
		edge = s.ack + p->rcv_wnd;
		ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
		EXPECT_EQ(p->rcv_wnd, info.xtcpi_rcv_wnd);
		EXPECT_EQ(shift, info.xtcpi_rcv_wscale);
		EXPECT_EQ(0, info.xtcpi_snd_wscale);
	}
}

/* net.xtcp.window_scaling=0: no option offered, none answered. */
TEST_F(ws, sysctl__window_scaling_off)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;
	struct peer_seg s;

	ASSERT_EQ(0, xtcp_sysctl_set("window_scaling", 0));
	ASSERT_EQ(0, connect_syn(self, &s));
	EXPECT_FALSE(s.ws);
	EXPECT_EQ(16, s.optlen);	/* MSS; SACK-permitted, TS */
	close(self->fd);
	self->fd = -1;

	/* The peer's SYN has it: the SYN,ACK has not; nothing is scaled. */
	p->port = PPORT + 1;
	p->irs += 1000;
	p->ws = true;
	p->wscale = 5;
	p->win = 1000;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	EXPECT_FALSE(p->ws_ok);
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(0, info.xtcpi_options & XTCPI_OPT_WSCALE);
	EXPECT_EQ(0, info.xtcpi_snd_wscale);
	EXPECT_EQ(0, info.xtcpi_rcv_wscale);
	EXPECT_EQ(1000, info.xtcpi_snd_wnd);
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL,
			       PEER_SEG));
	p->rcv_nxt += PEER_SEG;
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_nxt, p->rcv_nxt));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(info.xtcpi_rcv_wnd, s.win);
	EXPECT_EQ(1000, info.xtcpi_snd_wnd);
}

/* TCP's defaults; the ranges refuse what TCP's refuse. */
TEST_F(ws, sysctl__defaults_and_ranges)
{
	long v[3];

	EXPECT_EQ(1, xtcp_sysctl_get("window_scaling"));
	ASSERT_EQ(0, sysctl_get3("rmem", v));
	EXPECT_EQ(RMEM_MIN, v[0]);
	EXPECT_EQ(RMEM_DEF, v[1]);
	EXPECT_EQ(RMEM_MAX, v[2]);
	ASSERT_EQ(0, sysctl_get3("wmem", v));
	EXPECT_EQ(WMEM_MIN, v[0]);
	EXPECT_EQ(WMEM_DEF, v[1]);
	EXPECT_EQ(WMEM_MAX, v[2]);

	EXPECT_NE(0, xtcp_sysctl_set("window_scaling", 2));
	EXPECT_NE(0, xtcp_sysctl_set("window_scaling", -1));
	EXPECT_EQ(1, xtcp_sysctl_get("window_scaling"));
	EXPECT_NE(0, sysctl_set3("rmem", 0, RMEM_DEF, RMEM_MAX));
	EXPECT_NE(0, sysctl_set3("wmem", WMEM_MIN, WMEM_DEF, -1));
	ASSERT_EQ(0, sysctl_get3("rmem", v));
	EXPECT_EQ(RMEM_MIN, v[0]);
	ASSERT_EQ(0, sysctl_get3("wmem", v));
	EXPECT_EQ(WMEM_MAX, v[2]);
}

/*
 * net.xtcp.rmem[1] and wmem[1] are a new socket's buffers; the SYN's
 * window is half of rmem[1] and its shift fits rmem[2].
 */
TEST_F(ws, sysctl__rmem_sets_initial_buffer)
{
	struct peer_seg s;
	int fd;

	ASSERT_EQ(0, sysctl_set3("rmem", RMEM_MIN, 32768, 1 << 20));
	ASSERT_EQ(0, sysctl_set3("wmem", WMEM_MIN, 20000, WMEM_MAX));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(32768, xtcp_sockopt_int(fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(20000, xtcp_sockopt_int(fd, SOL_SOCKET, SO_SNDBUF));
	close(fd);

	ASSERT_EQ(0, connect_syn(self, &s));
	EXPECT_EQ(32768, xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_EQ(16384, s.win);
	ASSERT_TRUE(s.ws);
	EXPECT_EQ(expected_shift(), s.wscale);
	if (core_rmem_max() <= 1 << 20)
		EXPECT_EQ(5, s.wscale);
}

/*
 * XTCP's segments up to a barrier: the right edge of its window, as the
 * last of them says, goes to *@edge.  0, or -1 if no barrier came.
 */
static int drain_acks(struct xtcp_peer *p, __u32 *edge)
{
	struct peer_seg s;
	int r;

	while ((r = peer_barrier(p, &s, PEER_REPLY_MS)) == 1) {
		peer_learn(p, &s);
		if (s.flags & PEER_ACK)
			*edge = s.ack + p->rcv_wnd;
	}
	if (r)
		peer_log("no answer to a barrier probe");
	return r;
}

#define BURST	16	/* segments the peer sends between barriers */

/*
 * The peer sends @total bytes in segments of PEER_SEG as XTCP's window
 * allows, a burst at a time, and the user reads what has come after
 * each.  Delayed ACKs off: every segment, and every window update, is
 * answered before the barrier.  0 on success.
 */
static int stream_in(struct _test_data_ws *self, unsigned int total)
{
	static char buf[1 << 16];
	struct xtcp_peer *p = &self->p;
	unsigned int sent = 0, got = 0, rounds = 0, i;
	__u32 edge = p->rcv_nxt + p->rcv_wnd;
	int big = 4 << 20;
	ssize_t n;

	/* Its own frames come back to the packet socket: room for them. */
	setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	while (got < total) {
		if (++rounds > 4 * (total / PEER_SEG) + 10) {
			peer_log("no progress: %u sent, %u read", sent, got);
			return -1;
		}
		for (i = 0; i < BURST && sent < total &&
		     (__s32)(edge - p->rcv_nxt) >= PEER_SEG; i++) {
			if (peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL,
				      PEER_SEG))
				return -1;
			p->rcv_nxt += PEER_SEG;
			sent += PEER_SEG;
		}
		if (drain_acks(p, &edge))
			return -1;
		while ((n = recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			got += n;
		/* The window update the reads sent. */
		if (drain_acks(p, &edge))
			return -1;
	}
	if (got != total)
		peer_log("read %u of %u bytes", got, total);
	return got == total ? 0 : -1;
}

#define STREAM_BYTES	(1000 * PEER_SEG)

/* A reader that takes more each round trip grows the buffer. */
TEST_F(ws, rcvbuf__grows_with_reader)
{
	struct xtcp_peer *p = &self->p;
	int before;

	ASSERT_EQ(0, xtcp_sysctl_set("delayed_ack", 0));
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	before = xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF);
	EXPECT_EQ(RMEM_DEF, before);
	ASSERT_EQ(0, stream_in(self, STREAM_BYTES));
	EXPECT_LT(before, xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_GE(RMEM_MAX, xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF));
	TH_LOG("SO_RCVBUF %d -> %d", before, xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF));
}

/* The same with SO_RCVBUF set (on the listener): the buffer stays. */
TEST_F(ws, rcvbuf__so_rcvbuf_locks_autotuning)
{
	struct xtcp_peer *p = &self->p;
	int val = RMEM_DEF / 2;

	ASSERT_EQ(0, xtcp_sysctl_set("delayed_ack", 0));
	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	/* The kernel doubles it, as for TCP: the same buffer as above. */
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &val,
				sizeof(val)));
	ASSERT_EQ(0, peer_open_syn(p));
	ASSERT_EQ(0, peer_open_ack(p));
	self->fd = peer_accept(self->lfd);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(RMEM_DEF, xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, stream_in(self, STREAM_BYTES));
	EXPECT_EQ(RMEM_DEF, xtcp_sockopt_int(self->fd, SOL_SOCKET, SO_RCVBUF));
}

/* ---- loopback ----------------------------------------------------------- */

#define LO_BYTES	(16 << 20)

FIXTURE(lo) {
	int lfd, cfd, afd;
};

FIXTURE_SETUP(lo)
{
	self->lfd = -1;
	self->cfd = -1;
	self->afd = -1;
	ASSERT_EQ(0, xtcp_netns_enter());
}

FIXTURE_TEARDOWN(lo)
{
	if (self->afd >= 0)
		close(self->afd);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->lfd >= 0)
		close(self->lfd);
}

/* A connection over loopback; @sndbuf > 0 sets the client's SO_SNDBUF. */
static int lo_connect(struct _test_data_lo *self, int sndbuf)
{
	int port;

	self->lfd = xtcp_listener(&port);
	if (self->lfd < 0)
		return -1;
	self->cfd = xtcp_socket();
	if (self->cfd < 0)
		return -1;
	if (sndbuf > 0 && setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF,
				     &sndbuf, sizeof(sndbuf)))
		return -1;
	if (xtcp_connect_to(self->cfd, "127.0.0.1", port))
		return -1;
	self->afd = accept(self->lfd, NULL, NULL);
	if (self->afd < 0)
		return -1;
	xtcp_set_timeouts(self->cfd, 60);
	xtcp_set_timeouts(self->afd, 60);
	return 0;
}

/* Send LO_BYTES from cfd, read them on afd, check them; 0 if all came. */
static int lo_transfer(struct _test_data_lo *self)
{
	struct xtcp_sender sa = { .fd = self->cfd, .len = LO_BYTES,
				  .shut_wr = true };
	static unsigned char buf[1 << 16];
	size_t got = 0, bad = 0;
	pthread_t sender;
	ssize_t n, i;

	if (pthread_create(&sender, NULL, xtcp_send_pattern, &sa))
		return -1;
	while ((n = read(self->afd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			bad += buf[i] != xtcp_pattern(got + i);
		got += n;
	}
	pthread_join(sender, NULL);
	if (n < 0 || sa.err || got != LO_BYTES || bad) {
		fprintf(stderr, "# %zu of %d bytes, %zu bad, read %zd, send errno %d\n",
			got, LO_BYTES, bad, n, sa.err);
		return -1;
	}
	return 0;
}

/* Bulk over loopback: both ends scale, both buffers grow. */
TEST_F_TIMEOUT(lo, lo__bulk_grows_buffers, 120)
{
	struct xtcp_info info;
	char line[512];
	bool header = false;
	FILE *f;

	ASSERT_EQ(0, lo_connect(self, 0));
	EXPECT_EQ(RMEM_DEF, xtcp_sockopt_int(self->afd, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, xtcp_get_info(self->afd, &info));
	EXPECT_EQ(XTCPI_OPT_WSCALE, info.xtcpi_options & XTCPI_OPT_WSCALE);
	EXPECT_EQ(expected_shift(), info.xtcpi_rcv_wscale);
	EXPECT_EQ(expected_shift(), info.xtcpi_snd_wscale);

	ASSERT_EQ(0, lo_transfer(self));
	EXPECT_LT(RMEM_DEF, xtcp_sockopt_int(self->afd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_GE(RMEM_MAX, xtcp_sockopt_int(self->afd, SOL_SOCKET, SO_RCVBUF));
	EXPECT_LT(WMEM_DEF, xtcp_sockopt_int(self->cfd, SOL_SOCKET, SO_SNDBUF));
	EXPECT_GE(WMEM_MAX, xtcp_sockopt_int(self->cfd, SOL_SOCKET, SO_SNDBUF));
	ASSERT_EQ(0, xtcp_get_info(self->afd, &info));
	EXPECT_EQ(xtcp_sockopt_int(self->afd, SOL_SOCKET, SO_RCVBUF), (int)info.xtcpi_rcvbuf);
	TH_LOG("receiver SO_RCVBUF %d, sender SO_SNDBUF %d, RTT %u us",
	       xtcp_sockopt_int(self->afd, SOL_SOCKET, SO_RCVBUF),
	       xtcp_sockopt_int(self->cfd, SOL_SOCKET, SO_SNDBUF), info.xtcpi_rcv_rtt_us);

	/* /proc/net/xtcp_ext shows the shifts and buffers, then ca_state. */
	f = fopen("/proc/net/xtcp_ext", "r");
	ASSERT_NE(NULL, f);
	if (fgets(line, sizeof(line), f))
		header = strstr(line,
				" snd_ws rcv_ws   rcvbuf   sndbuf ca_state\n");
	fclose(f);
	EXPECT_TRUE(header);
}

/* SO_SNDBUF fixes the send buffer: the same transfer leaves it. */
TEST_F_TIMEOUT(lo, lo__so_sndbuf_locks, 120)
{
	int fixed;

	ASSERT_EQ(0, lo_connect(self, 32768));
	fixed = xtcp_sockopt_int(self->cfd, SOL_SOCKET, SO_SNDBUF);
	EXPECT_EQ(65536, fixed);
	ASSERT_EQ(0, lo_transfer(self));
	EXPECT_EQ(fixed, xtcp_sockopt_int(self->cfd, SOL_SOCKET, SO_SNDBUF));
	EXPECT_LT(RMEM_DEF, xtcp_sockopt_int(self->afd, SOL_SOCKET, SO_RCVBUF));
}

/* voluntary_ctxt_switches of thread @tid of this process, or -1. */
static long sleeps_of(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Thread @tid of this process sleeps ('S' in its stat). */
static bool sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	bool s = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		s = p && p[1] == ' ' && p[2] == 'S';
	}
	fclose(f);
	return s;
}

struct drainer {
	int fd;
	pid_t waiter;		/* starts once this thread sleeps */
	size_t want, got;
	int err;
};

/*
 * Read to end of file in small reads, each while the waiter sleeps, so
 * that every ACK they draw could wake it; then answer a byte.
 */
static void *drain(void *arg)
{
	struct drainer *d = arg;
	char buf[4096];
	ssize_t n;

	do {
		while (!sleeping(d->waiter))
			sched_yield();
		n = read(d->fd, buf, sizeof(buf));
		d->got += n > 0 ? n : 0;
	} while (n > 0);
	if (n < 0)
		d->err = errno;
	else if (d->got != d->want)
		d->err = EIO;		/* a short stream: no stale errno */
	else if (write(d->fd, "r", 1) != 1)
		d->err = errno ?: EIO;
	return NULL;
}

/*
 * A writer fills its send buffer, shuts down and waits for the reply.
 * The ACKs that drain the buffer meanwhile find no writer waiting for
 * room: they must not wake this reader on each of them.
 */
TEST_F(lo, lo__acks_wake_writers_only)
{
	static char text[1 << 16];
	struct drainer d = { .fd = -1 };
	long before, after;
	pthread_t t;
	ssize_t n;
	char c;

	/* One packet, one ACK's worth, per 1448 bytes: many ACKs. */
	ASSERT_EQ(0, xtcp_sh("ip link set dev lo mtu 1500 gso_max_segs 1"));
	ASSERT_EQ(0, lo_connect(self, 1 << 20));
	while ((n = send(self->cfd, text, sizeof(text), MSG_DONTWAIT)) > 0)
		d.want += n;
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	d.fd = self->afd;
	d.waiter = syscall(SYS_gettid);
	ASSERT_EQ(0, pthread_create(&t, NULL, drain, &d));
	before = sleeps_of(d.waiter);
	n = read(self->cfd, &c, 1);
	after = sleeps_of(d.waiter);
	pthread_join(t, NULL);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, d.err);
	TH_LOG("%zu bytes drained, the reader slept %ld time(s)", d.want,
	       after - before);
	ASSERT_LE(0, before);
	/*
	 * Woken by the reply; by the first room after its EAGAIN, which
	 * asked for it (SOCK_NOSPACE); by the ACK of its FIN (FIN-WAIT-2);
	 * one more for luck (a page fault).  Not once per ACK.
	 */
	EXPECT_GE(4, after - before);
}

TEST_HARNESS_MAIN
