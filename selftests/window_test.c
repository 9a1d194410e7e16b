// SPDX-License-Identifier: GPL-2.0
/*
 * The send window, the peer's MSS, the right edge of the receive window and
 * the retransmission backoff that ends in ETIMEDOUT, each driven by the
 * scripted peer (xtcp_peer.h):
 *
 * - snd_wnd__*: RFC 9293 3.10.7.4, fifth check.  SND.WND takes SEG.WND
 *   only from a segment no older than the one it last came from:
 *   SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK.  The
 *   peer offers a window of WIN0 bytes and XTCP sends exactly that much;
 *   a window update lets it send more, a stale one must not.
 * - mss__*: RFC 9293 3.7.1.  XTCP's segments are no larger than the MSS
 *   option of the peer's SYN, 536 when it has none, and XTCP_MAXSEG says
 *   so.
 * - rcv_wnd__*: RFC 9293 3.10.7.4, seventh check.  Of a segment that runs
 *   past RCV.NXT + RCV.WND, only the part inside the window is taken; a FIN
 *   beyond the edge is not.
 * - data_rtx__*: RFC 6298 5.5 and RFC 9293 3.8.3.  Unacknowledged data is
 *   retransmitted with a doubling timeout, retries2 times, and then the
 *   connection is aborted with ETIMEDOUT.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.  ISS and
 * IRS below are XTCP's, as the peer learned them.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000

/*
 * The peer's first window.  XTCP cuts its segments at half the largest
 * window the peer has offered (sender-side silly window avoidance), so
 * every segment below is SEG_LEN bytes long and WIN0 holds two.
 */
#define WIN0	2000
#define SEG_LEN	(WIN0 / 2)
#define SEND_LEN (8 * SEG_LEN)

FIXTURE(win) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the connection's socket */
};

FIXTURE_SETUP(win)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/*
	 * No retransmission may come in the middle of a script, however
	 * slow the machine: the data_rtx tests set their own timers.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 60000));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 60000));
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(win)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* SND.WND of @fd, from XTCP_INFO; -1 if it cannot be read. */
static long snd_wnd(int fd)
{
	struct xtcp_info info;

	return xtcp_get_info(fd, &info) ? -1 : (long)info.xtcpi_snd_wnd;
}

static int maxseg(int fd)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, SOL_XTCP, XTCP_MAXSEG, &v, &len))
		return -1;
	return v;
}

/*
 * The next segment must be data: <SEQ=@seq><ACK=RCV.NXT><CTL=@flags>
 * with @len bytes.
 */
static int expect_text(struct xtcp_peer *p, __u8 flags, __u32 seq,
		       unsigned int len)
{
	struct peer_seg s;

	if (peer_expect(p, &s, flags, seq, p->rcv_nxt))
		return -1;
	if (s.len != len) {
		peer_log("the segment at %u has %u bytes, expected %u", seq,
			 s.len, len);
		return -1;
	}
	return 0;
}

/*
 * A segment of the one write of SEND_LEN bytes: PSH only on the write's
 * last (RFC 9293 3.9.1).
 */
static int expect_data(struct xtcp_peer *p, __u32 seq, unsigned int len)
{
	bool last = seq + len == p->iss + 1 + SEND_LEN;

	return expect_text(p, last ? PEER_ACK | PEER_PSH : PEER_ACK, seq, len);
}

/* The peer acknowledges up to @ack, with window @win: a bare ACK. */
static int peer_ack(struct xtcp_peer *p, __u32 seq, __u32 ack, __u16 win)
{
	p->win = win;
	if ((__s32)(ack - p->snd_una) > 0)
		p->snd_una = ack;
	return peer_send(p, PEER_ACK, seq, ack, NULL, 0);
}

/*
 * The common start of the snd_wnd tests: the peer opens with window WIN0,
 * the user writes SEND_LEN bytes, and XTCP sends the two segments that
 * fit, [ISS+1, ISS+1+WIN0), and nothing more.  SND.WL1 is then the SEQ of
 * the peer's handshake ACK, RCV.NXT, and SND.WL2 is ISS+1.
 */
static int open_with_window(struct _test_data_win *self)
{
	struct xtcp_peer *p = &self->p;
	char buf[SEND_LEN];

	p->win = WIN0;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	if (self->fd < 0)
		return -1;
	if (snd_wnd(self->fd) != WIN0) {
		peer_log("SND.WND %ld after the handshake, expected %d",
			 snd_wnd(self->fd), WIN0);
		return -1;
	}
	memset(buf, 'd', sizeof(buf));
	if (write(self->fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		peer_log("write: %s", strerror(errno));
		return -1;
	}
	if (expect_data(p, p->iss + 1, SEG_LEN) ||
	    expect_data(p, p->iss + 1 + SEG_LEN, SEG_LEN))
		return -1;
	/* The window is full. */
	return peer_expect_none(p);
}

TEST_F(win, snd_wnd__initial_window_limits_send)
{
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, open_with_window(self));
	EXPECT_EQ(p->iss + 1 + WIN0, p->snd_nxt);
	EXPECT_EQ(WIN0, snd_wnd(self->fd));
	/* The rest waits in the send queue. */
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

/* SND.WL1 = SEG.SEQ, SND.WL2 < SEG.ACK: the window slides with the ACK. */
TEST_F(win, snd_wnd__same_seq_newer_ack__updates)
{
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, open_with_window(self));
	ASSERT_EQ(0, peer_ack(p, p->rcv_nxt, p->iss + 1 + SEG_LEN, WIN0));
	/* SND.UNA + SND.WND = ISS+1+3*SEG_LEN: one more segment. */
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 2 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(WIN0, snd_wnd(self->fd));
}

/*
 * SND.WL1 = SEG.SEQ, SND.WL2 = SEG.ACK: a pure window update, nothing new
 * acknowledged, is taken.
 */
TEST_F(win, snd_wnd__same_seq_same_ack__updates)
{
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, open_with_window(self));
	ASSERT_EQ(0, peer_ack(p, p->rcv_nxt, p->iss + 1, WIN0 + SEG_LEN));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 2 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(WIN0 + SEG_LEN, snd_wnd(self->fd));
}

/* SND.WL1 < SEG.SEQ: a later segment's window is taken. */
TEST_F(win, snd_wnd__newer_seq__updates)
{
	struct xtcp_peer *p = &self->p;
	__u32 wl1;

	ASSERT_EQ(0, open_with_window(self));
	wl1 = p->rcv_nxt;
	/* 10 bytes at RCV.NXT, the same window: acknowledged, nothing sent. */
	p->win = WIN0;
	ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_PSH, p->rcv_nxt, p->iss + 1,
			       NULL, 10));
	p->rcv_nxt += 10;
	ASSERT_EQ(0, peer_expect_ack(p));
	ASSERT_EQ(0, peer_expect_none(p));

	/* SEG.SEQ = SND.WL1 + 10, the same ACK, a larger window. */
	ASSERT_EQ(0, peer_ack(p, wl1 + 10, p->iss + 1, WIN0 + 2 * SEG_LEN));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 2 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 3 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(WIN0 + 2 * SEG_LEN, snd_wnd(self->fd));
}

/*
 * SEG.SEQ < SND.WL1: a segment that left the peer before the one SND.WND
 * came from (here: overtaken by it) must not move the window, however
 * large the window it carries.  The peer first sends 10 bytes beyond a
 * hole, RCV.NXT + 100; XTCP keeps no out-of-order data and answers with a
 * duplicate ACK, but takes the window, so SND.WL1 = RCV.NXT + 100.
 */
static int overtake(struct xtcp_peer *p)
{
	p->win = WIN0;
	if (peer_send(p, PEER_ACK | PEER_PSH, p->rcv_nxt + 100, p->iss + 1,
		      NULL, 10) ||
	    peer_expect_ack(p))
		return -1;
	return peer_expect_none(p);
}

TEST_F(win, snd_wnd__older_seq__ignored)
{
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, open_with_window(self));
	ASSERT_EQ(0, overtake(p));

	/* <SEQ=RCV.NXT>, SND.WL1 - 100: the large window is stale. */
	ASSERT_EQ(0, peer_ack(p, p->rcv_nxt, p->iss + 1, 3 * WIN0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(WIN0, snd_wnd(self->fd));

	/* The same window from SEG.SEQ = SND.WL1 is taken: 4 more segments. */
	ASSERT_EQ(0, peer_ack(p, p->rcv_nxt + 100, p->iss + 1, 3 * WIN0));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 2 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 3 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 4 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 5 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(3 * WIN0, snd_wnd(self->fd));
}

/*
 * SEG.SEQ < SND.WL1 with a new ACK: SND.UNA advances (the window slides
 * by what was acknowledged), SND.WND keeps its value.
 */
TEST_F(win, snd_wnd__older_seq_newer_ack__acks_only)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;

	ASSERT_EQ(0, open_with_window(self));
	ASSERT_EQ(0, overtake(p));

	ASSERT_EQ(0, peer_ack(p, p->rcv_nxt, p->iss + 1 + SEG_LEN, 3 * WIN0));
	/* SND.UNA + WIN0 leaves room for one segment, 3 * WIN0 for five. */
	ASSERT_EQ(0, expect_data(p, p->iss + 1 + 2 * SEG_LEN, SEG_LEN));
	ASSERT_EQ(0, peer_expect_none(p));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(WIN0, info.xtcpi_snd_wnd);
	EXPECT_EQ(p->iss + 1 + SEG_LEN, info.xtcpi_snd_una);
}

/* ---- the peer's MSS -------------------------------------------------- */

/*
 * The user writes @total bytes; XTCP must send them in segments of
 * exactly @mss bytes, the last one shorter.  The peer's window (8192) is
 * large enough for all of it.
 */
static int expect_segments_of(struct xtcp_peer *p, int fd, unsigned int mss,
			      unsigned int total)
{
	unsigned char buf[4096];
	unsigned int off;

	if (total > sizeof(buf))
		return -1;
	memset(buf, 'm', total);
	if (write(fd, buf, total) != (ssize_t)total) {
		peer_log("write: %s", strerror(errno));
		return -1;
	}
	for (off = 0; off < total; off += mss) {
		unsigned int len = total - off < mss ? total - off : mss;
		/* PSH on the write's last segment only. */
		__u8 flags = off + len < total ? PEER_ACK : PEER_ACK | PEER_PSH;

		if (expect_text(p, flags, p->iss + 1 + off, len))
			return -1;
	}
	if (peer_ack(p, p->rcv_nxt, p->iss + 1 + total, p->win))
		return -1;
	return peer_expect_none(p);
}

static void check_mss(struct __test_metadata *_metadata,
		      struct _test_data_win *self, unsigned int mss)
{
	struct xtcp_info info;

	EXPECT_EQ((int)mss, maxseg(self->fd));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(mss, info.xtcpi_mss);
	EXPECT_EQ(0, expect_segments_of(&self->p, self->fd, mss,
					3 * mss + mss / 2));
}

TEST_F(win, mss__syn_option_536)
{
	self->p.mss = 536;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	check_mss(_metadata, self, 536);
}

TEST_F(win, mss__syn_option_200)
{
	self->p.mss = 200;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	check_mss(_metadata, self, 200);
}

/* No MSS option: 536, RFC 9293 3.7.1. */
TEST_F(win, mss__no_option__536)
{
	self->p.mss = 0;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	check_mss(_metadata, self, 536);
}

/* An active open takes the MSS of the SYN,ACK. */
TEST_F(win, mss__synack_option_300)
{
	int flags;

	self->p.mss = 300;
	self->fd = peer_open_active(&self->p, XPORT);
	ASSERT_LE(0, self->fd);
	/* peer_connect() left it non-blocking. */
	flags = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, flags & ~O_NONBLOCK));
	check_mss(_metadata, self, 300);
}

/* ---- the right edge of the receive window -------------------------- */

/* Bytes of the peer's stream: patterned, by offset from IRS+1. */
static void fill_pattern(unsigned char *buf, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = xtcp_pattern(off + i);
}

/* Read all the user can read now, checking the pattern from @off on. */
static ssize_t read_now(int fd, size_t off, size_t *bad)
{
	unsigned char buf[4096];
	ssize_t n, got = 0, i;

	*bad = 0;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			return got;
		if (n <= 0)
			return n < 0 ? -1 : got;
		for (i = 0; i < n; i++)
			if (buf[i] != xtcp_pattern(off + got + i))
				(*bad)++;
		got += n;
	}
}

/*
 * XTCP with a small receive buffer: its window, a little over 2 KB, is
 * more than one segment can carry on the veth (1460 bytes), so the peer
 * first fills part of it, and then sends a segment (with FIN) that starts
 * at RCV.NXT and runs EXTRA bytes past the right edge.
 */
#define EXTRA	100

TEST_F(win, rcv_wnd__segment_past_right_edge__trimmed)
{
	struct xtcp_peer *p = &self->p;
	unsigned char data[PEER_MAX_DATA];
	__u32 start, edge, end;
	struct peer_seg s;
	int rcvbuf = 2048;
	size_t bad;
	ssize_t got;
	unsigned int len;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	/* A child takes its listener's buffer sizes. */
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, peer_open_syn(p));
	ASSERT_EQ(0, peer_open_ack(p));
	self->fd = peer_accept(self->lfd);
	ASSERT_LE(0, self->fd);
	start = p->rcv_nxt;
	edge = p->rcv_nxt + p->rcv_wnd;
	TH_LOG("RCV.WND %u in the SYN,ACK", p->rcv_wnd);
	ASSERT_LT(EXTRA, p->rcv_wnd);

	/* In-window data, until what is left fits in one segment. */
	while (edge - p->rcv_nxt + EXTRA > PEER_MAX_DATA - 40) {
		fill_pattern(data, p->rcv_nxt - start, 1000);
		ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_PSH, p->rcv_nxt,
				       p->snd_nxt, data, 1000));
		p->rcv_nxt += 1000;
		ASSERT_EQ(0, peer_expect(p, &s, PEER_ACK, p->snd_nxt,
					 p->rcv_nxt));
		/* The right edge never moves left (RFC 9293 3.8.6.2.1). */
		ASSERT_FALSE((__s32)(s.ack + s.win - edge) < 0);
		edge = s.ack + s.win;
	}
	ASSERT_TRUE((__s32)(edge - p->rcv_nxt) > 0);

	/* [RCV.NXT, edge + EXTRA) and FIN: only [RCV.NXT, edge) is taken. */
	len = edge - p->rcv_nxt + EXTRA;
	end = p->rcv_nxt + len;
	fill_pattern(data, p->rcv_nxt - start, len);
	ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_PSH | PEER_FIN, p->rcv_nxt,
			       p->snd_nxt, data, len));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_ACK, p->snd_nxt, edge));
	p->rcv_nxt = edge;
	ASSERT_EQ(0, peer_expect_none(p));
	/* The FIN lay beyond the edge: not received. */
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));

	/* The user reads exactly the bytes inside the window. */
	EXPECT_EQ((int)(edge - start), peer_user_inq(self->fd));
	got = read_now(self->fd, 0, &bad);
	EXPECT_EQ((ssize_t)(edge - start), got);
	EXPECT_EQ(0, bad);
	/* The buffer is empty: XTCP opens the window (RFC 9293 3.8.6.2.2). */
	ASSERT_EQ(0, peer_expect(p, &s, PEER_ACK, p->snd_nxt, edge));
	ASSERT_LT(EXTRA, s.win);

	/* The peer sends the rest and its FIN: taken, once. */
	fill_pattern(data, edge - start, EXTRA);
	ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_PSH | PEER_FIN, edge,
			       p->snd_nxt, data, EXTRA));
	p->rcv_nxt = end + 1;
	ASSERT_EQ(0, peer_expect_ack(p));
	ASSERT_TRUE(peer_wait_state(p, XTCP_CLOSE_WAIT));
	got = read_now(self->fd, edge - start, &bad);
	EXPECT_EQ(EXTRA, got);
	EXPECT_EQ(0, bad);
	/* Then end of stream. */
	EXPECT_EQ(0, recv(self->fd, data, sizeof(data), MSG_DONTWAIT));
}

/* ---- retransmission backoff to ETIMEDOUT ---------------------------- */

#define RTO_MIN_MS	250
#define RETRIES2	3
#define DATA_LEN	100

/* The clock of the packet socket's timestamps. */
static long now_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The next segment on the peer's connection, and when the peer's packet
 * socket got it (the kernel's receive timestamp, in ms): the time the
 * peer process takes to read it plays no part.
 */
static int recv_stamped(struct xtcp_peer *p, struct peer_seg *s, int ms,
			long *when)
{
	long end = xtcp_now_ms() + ms;
	unsigned char frame[2048];

	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		long left = end - xtcp_now_ms();
		bool partial;
		ssize_t n;

		n = peer_read_frame(p, frame, sizeof(frame), &partial, when);
		if (n < 0) {
			if (left <= 0)
				return -1;
			poll(&pfd, 1, left);
			continue;
		}
		if (!n || !peer_parse(p, frame, n, s) || s->dport != p->port)
			continue;
		s->csum_partial = partial;
		peer_learn(p, s);
		return *when < 0 ? -1 : 0;
	}
}

/*
 * The peer never acknowledges DATA_LEN bytes: on a connection XTCP opened
 * (@active), or one it accepted.  Returns the receive times of the first
 * transmission and of the RETRIES2 retransmissions in @t, each of them
 * checked to be the same segment, and the RTO before the first in @rto.
 * The socket is left blocking.
 */
static int unacked_data(struct _test_data_win *self, bool active,
			long t[RETRIES2 + 1], long *rto)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;
	char buf[DATA_LEN];
	int i, one = 1;

	if (xtcp_sysctl_set("rto_init_ms", RTO_MIN_MS) ||
	    xtcp_sysctl_set("rto_min_ms", RTO_MIN_MS) ||
	    xtcp_sysctl_set("retries2", RETRIES2) ||
	    setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		return -1;
	if (active)
		self->fd = peer_open_active(p, XPORT);
	else
		self->fd = peer_open_passive(p, XPORT, &self->lfd);
	if (self->fd < 0 || fcntl(self->fd, F_SETFL, 0) ||
	    xtcp_get_info(self->fd, &info))
		return -1;
	*rto = info.xtcpi_rto_ms;
	memset(buf, 'r', sizeof(buf));
	if (write(self->fd, buf, sizeof(buf)) != sizeof(buf))
		return -1;
	for (i = 0; i <= RETRIES2; i++) {
		struct peer_seg s;

		/* 8 RTOs for the last, and time to spare. */
		if (recv_stamped(p, &s, 20 * RTO_MIN_MS, &t[i])) {
			peer_log("transmission %d of the data did not come", i);
			return -1;
		}
		if (peer_check(&s, PEER_ACK | PEER_PSH, p->iss + 1,
			       p->rcv_nxt) || s.len != DATA_LEN)
			return -1;
	}
	return 0;
}

/*
 * @t: the first transmission, the retransmissions, the abort; @rto: the
 * first RTO.  RFC 6298 5.5: the RTO doubles at each timeout, and the next
 * timer runs from when the last one fired.  A late timer makes its own
 * interval longer, never the next one shorter, so each interval is at
 * least twice the nominal one before it, rto * 2^k (less a little for the
 * rounding to jiffies); that is the "at least 1.5 times the previous" of
 * exponential backoff, without the noise of a slow machine.
 */
static void check_backoff(struct __test_metadata *_metadata, const long *t,
			  int n, long rto)
{
	int i;

	TH_LOG("RTO %ld ms", rto);
	for (i = 1; i < n - 1; i++)
		TH_LOG("retransmission %d after %ld ms", i, t[i] - t[i - 1]);
	TH_LOG("abort after %ld ms more", t[n - 1] - t[n - 2]);
	EXPECT_LE(RTO_MIN_MS, rto);
	for (i = 1; i < n; i++)
		EXPECT_LE((rto << (i - 1)) - 20, t[i] - t[i - 1]);
}

/* After the abort: nothing more on the wire, the connection gone. */
static void check_aborted(struct __test_metadata *_metadata,
			  struct xtcp_peer *p, long long timeouts,
			  long long rtx)
{
	/* No more retransmissions, and no RST: the peer is unreachable. */
	EXPECT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(timeouts + 1, xtcp_counter("Timeouts"));
	EXPECT_EQ(rtx + RETRIES2, xtcp_counter("RetransSegs"));
}

/* The user waits in recv() for the end: ETIMEDOUT. */
static void recv_etimedout(struct __test_metadata *_metadata,
			   struct _test_data_win *self, bool active)
{
	long long timeouts = xtcp_counter("Timeouts");
	long long rtx = xtcp_counter("RetransSegs");
	struct timeval tv = { .tv_sec = 15 };
	long t[RETRIES2 + 2], rto;
	char c;

	ASSERT_EQ(0, unacked_data(self, active, t, &rto));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	EXPECT_EQ(-1, recv(self->fd, &c, 1, 0));
	EXPECT_EQ(ETIMEDOUT, errno);
	t[RETRIES2 + 1] = now_realtime_ms();
	check_backoff(_metadata, t, RETRIES2 + 2, rto);
	check_aborted(_metadata, &self->p, timeouts, rtx);
	/* The error was reported once; the socket is closed. */
	EXPECT_EQ(0, peer_so_error(self->fd));
	EXPECT_EQ(-1, send(self->fd, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

/* The same, seen through poll() and SO_ERROR. */
static void so_error_etimedout(struct __test_metadata *_metadata,
			       struct _test_data_win *self, bool active)
{
	long long timeouts = xtcp_counter("Timeouts");
	long long rtx = xtcp_counter("RetransSegs");
	long t[RETRIES2 + 2], rto;
	struct pollfd pfd;

	ASSERT_EQ(0, unacked_data(self, active, t, &rto));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(&self->p));
	pfd.fd = self->fd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 40 * RTO_MIN_MS));
	t[RETRIES2 + 1] = now_realtime_ms();
	EXPECT_TRUE(pfd.revents & POLLERR);
	EXPECT_EQ(ETIMEDOUT, peer_so_error(self->fd));
	check_backoff(_metadata, t, RETRIES2 + 2, rto);
	check_aborted(_metadata, &self->p, timeouts, rtx);
}

TEST_F(win, data_rtx__backoff__recv_etimedout)
{
	recv_etimedout(_metadata, self, true);
}

TEST_F(win, data_rtx__backoff__so_error_etimedout)
{
	so_error_etimedout(_metadata, self, true);
}

/* An accepted connection is no different once it is established. */
TEST_F(win, data_rtx__accepted__recv_etimedout)
{
	recv_etimedout(_metadata, self, false);
}

TEST_F(win, data_rtx__accepted__so_error_etimedout)
{
	so_error_etimedout(_metadata, self, false);
}

TEST_HARNESS_MAIN
