// SPDX-License-Identifier: GPL-2.0
/*
 * TCP timestamps (RFC 7323), driven by the scripted peer (xtcp_peer.h).
 *
 * - negotiate__*: RFC 7323 3.2.  XTCP's SYN offers the option (TSecr 0)
 *   when net.xtcp.timestamps is 1; a SYN,ACK carries it only back to a
 *   SYN that had it; then every segment but a RST carries it (peer_check()
 *   wants it there and nowhere else), and 12 bytes of each go to it: the
 *   MSS shrinks by as much.
 * - echo__*: RFC 7323 4.3.  TSecr is TS.Recent, the TSval of the latest
 *   segment that began at or below the last ACK sent: not one beyond a
 *   hole, but the one that fills it.
 * - paws__*: RFC 7323 5.  A segment whose TSval is older than TS.Recent
 *   is dropped and answered with an ACK (PAWSEstab), with a D-SACK when
 *   its text is below RCV.NXT; a RST is not judged by its timestamp.
 * - rtt__*: RFC 7323 4.  An ACK's TSecr gives the RTT sample (SRTT in
 *   XTCP_INFO), also for a segment that was retransmitted, where Karn's
 *   rule leaves a connection without timestamps with none.
 * - sack__*: SACK blocks and timestamps share the 40 bytes of options.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000

FIXTURE(ts) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the connection under test */
};

FIXTURE_SETUP(ts)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	/* Nothing of XTCP's may be retransmitted in the middle of a script. */
	ASSERT_EQ(0, peer_quiet_timers());
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(ts)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* A passive open; the peer's SYN offers timestamps if @ts. */
static int open_passive(struct _test_data_ts *self, bool ts)
{
	self->p.ts = ts;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	return self->fd < 0 ? -1 : 0;
}

/* The next segment must be the ACK <SEQ=SND.NXT><ACK=RCV.NXT>, no text. */
static int expect_ack(struct xtcp_peer *p, struct peer_seg *s)
{
	if (peer_expect(p, s, PEER_ACK, p->snd_nxt, p->rcv_nxt))
		return -1;
	if (s->len) {
		peer_log("the ACK carries %u bytes", s->len);
		return -1;
	}
	return 0;
}

/* The peer sends @len bytes at RCV.NXT with TSval @tsval. */
static int send_data(struct xtcp_peer *p, __u32 tsval, unsigned int len)
{
	p->ts_val = tsval;
	if (peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, len))
		return -1;
	p->rcv_nxt += len;
	return 0;
}

/* XTCP's TSecr must be @want. */
static int expect_tsecr(const struct peer_seg *s, __u32 want)
{
	if (!s->ts || s->tsecr != want) {
		peer_log("TSecr %u%s, expected %u", s->tsecr,
			 s->ts ? "" : " (no option)", want);
		return -1;
	}
	return 0;
}

/* The user writes @len bytes; XTCP's segment of them comes to the peer. */
static int user_send(struct _test_data_ts *self, unsigned int len,
		     struct peer_seg *s)
{
	__u32 seq = self->p.snd_nxt;
	char buf[PEER_MAX_DATA];

	memset(buf, 'u', sizeof(buf));
	if (len > sizeof(buf) || send(self->fd, buf, len, 0) != (ssize_t)len)
		return -1;
	return peer_expect(&self->p, s, PEER_ACK | PEER_PSH, seq,
			   self->p.rcv_nxt);
}

/* A connect() to the peer; its SYN is read into @s. */
static int connect_syn(struct _test_data_ts *self, struct peer_seg *s)
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

static __u32 info_options(int fd)
{
	struct xtcp_info info;

	if (xtcp_get_info(fd, &info))
		return ~0u;
	return info.xtcpi_options;
}

/* Both SYNs have it: the option on every segment, TSecr the peer's. */
TEST_F(ts, negotiate__passive_both)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	__u32 tsval;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	p->ts = true;
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	p->rcv_nxt = p->irs + 1;
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	p->iss = s.seq;
	p->snd_una = s.seq;
	p->snd_nxt = s.seq + 1;
	ASSERT_EQ(0, peer_check(&s, PEER_SYN | PEER_ACK, p->iss, p->rcv_nxt));
	EXPECT_EQ(0, peer_check_syn_options(&s));
	ASSERT_TRUE(s.ts);
	EXPECT_EQ(0, expect_tsecr(&s, PEER_TS_VAL));
	ASSERT_TRUE(p->ts_ok);
	tsval = s.tsval;
	ASSERT_EQ(0, peer_open_ack(p));
	self->fd = peer_accept(self->lfd);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(XTCPI_OPT_TIMESTAMPS,
		  info_options(self->fd) & XTCPI_OPT_TIMESTAMPS);

	/* Text with a later TSval: the ACK echoes it. */
	ASSERT_EQ(0, send_data(p, PEER_TS_VAL + 5, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, PEER_TS_VAL + 5));
	EXPECT_LE(0, (__s32)(s.tsval - tsval));

	/* XTCP's text carries it too, TSval not going back. */
	tsval = s.tsval;
	ASSERT_EQ(0, user_send(self, 200, &s));
	EXPECT_EQ(200, s.len);
	EXPECT_EQ(0, expect_tsecr(&s, PEER_TS_VAL + 5));
	EXPECT_LE(0, (__s32)(s.tsval - tsval));

	/* And its FIN. */
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	ASSERT_EQ(0, peer_expect_fin(p));
}

/* A peer whose SYN has no timestamps gets none, on no segment. */
TEST_F(ts, negotiate__passive_peer_without)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	ASSERT_EQ(0, open_passive(self, false));
	EXPECT_FALSE(p->ts_ok);
	EXPECT_EQ(0, info_options(self->fd) & XTCPI_OPT_TIMESTAMPS);
	ASSERT_EQ(0, send_data(p, PEER_TS_VAL, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_FALSE(s.ts);
	ASSERT_EQ(0, user_send(self, 100, &s));
	EXPECT_FALSE(s.ts);
	EXPECT_EQ(0, s.optlen);
}

/* connect(): the SYN offers them, TSecr 0; the SYN,ACK's are echoed. */
TEST_F(ts, negotiate__active_both)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	p->ts = true;
	ASSERT_EQ(0, connect_syn(self, &s));
	ASSERT_TRUE(s.ts);
	EXPECT_EQ(0, s.tsecr);
	EXPECT_TRUE(p->ts_ok);
	p->ts_val = PEER_TS_VAL + 7;
	ASSERT_EQ(0, peer_send(p, PEER_SYN | PEER_ACK, p->irs, p->iss + 1,
			       NULL, 0));
	p->rcv_nxt = p->irs + 1;
	p->snd_una = p->iss + 1;
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, PEER_TS_VAL + 7));
	ASSERT_TRUE(peer_wait_state(p, XTCP_ESTABLISHED));
	EXPECT_EQ(XTCPI_OPT_TIMESTAMPS,
		  info_options(self->fd) & XTCPI_OPT_TIMESTAMPS);
	fcntl(self->fd, F_SETFL, 0);
	ASSERT_EQ(0, user_send(self, 100, &s));
	EXPECT_EQ(0, expect_tsecr(&s, PEER_TS_VAL + 7));
}

/* connect() to a peer that answers without them: none from then on. */
TEST_F(ts, negotiate__active_peer_without)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	ASSERT_EQ(0, connect_syn(self, &s));
	ASSERT_TRUE(s.ts);
	EXPECT_FALSE(p->ts_ok);
	ASSERT_EQ(0, peer_open_synack(p));
	ASSERT_TRUE(peer_wait_state(p, XTCP_ESTABLISHED));
	EXPECT_EQ(0, info_options(self->fd) & XTCPI_OPT_TIMESTAMPS);
	fcntl(self->fd, F_SETFL, 0);
	ASSERT_EQ(0, user_send(self, 100, &s));
	EXPECT_FALSE(s.ts);
}

/* net.xtcp.timestamps=0: not offered, not answered. */
TEST_F(ts, negotiate__sysctl_off)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	ASSERT_EQ(0, xtcp_sysctl_set("timestamps", 0));
	ASSERT_EQ(0, connect_syn(self, &s));
	EXPECT_FALSE(s.ts);
	/* MSS; NOP, window scale; NOP, NOP, SACK-permitted */
	EXPECT_EQ(4 + 4 + 4, s.optlen);
	close(self->fd);
	self->fd = -1;

	/* A SYN with them: the SYN,ACK has none, nor does what follows. */
	p->port = PPORT + 1;
	p->irs += 1000;
	ASSERT_EQ(0, open_passive(self, true));
	EXPECT_FALSE(p->ts_ok);
	EXPECT_EQ(0, info_options(self->fd) & XTCPI_OPT_TIMESTAMPS);
	ASSERT_EQ(0, send_data(p, PEER_TS_VAL, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_FALSE(s.ts);
	ASSERT_EQ(0, user_send(self, 100, &s));
	EXPECT_FALSE(s.ts);
}

/* MSS 1460 less the 12 bytes every segment gives the option. */
TEST_F(ts, negotiate__mss_less_option)
{
	struct xtcp_peer *p = &self->p;
	static char buf[4000];
	struct xtcp_info info;
	unsigned int got = 0;
	struct peer_seg s;
	socklen_t len = sizeof(int);
	int v = 0;

	ASSERT_EQ(0, open_passive(self, true));
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_EQ(PEER_MSS - 12, info.xtcpi_mss);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_XTCP, XTCP_MAXSEG, &v, &len));
	EXPECT_EQ(PEER_MSS - 12, v);

	/* Full segments: 1448 bytes of text and 12 of options. */
	memset(buf, 'm', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->fd, buf, sizeof(buf), 0));
	while (got < sizeof(buf)) {
		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		ASSERT_NE(0, s.len);
		EXPECT_EQ(12, s.optlen);
		EXPECT_TRUE(s.ts);
		EXPECT_EQ(got < sizeof(buf) - s.len ? PEER_MSS - 12 :
			  sizeof(buf) - got, s.len);
		got += s.len;
	}
}

/*
 * TS.Recent moves only with a segment at or below the last ACK: one
 * beyond a hole leaves TSecr alone; the one that fills the hole sets it.
 */
TEST_F(ts, echo__ts_recent_in_sequence)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	__u32 base;

	ASSERT_EQ(0, open_passive(self, true));
	ASSERT_EQ(0, send_data(p, 2000, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, 2000));

	/* Beyond a hole of 100 bytes, a later TSval. */
	base = p->rcv_nxt;
	p->ts_val = 3000;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, base + 100, p->snd_nxt, NULL, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, 2000));

	/* The hole fills: its TSval is echoed, and the ACK covers both. */
	ASSERT_EQ(0, send_data(p, 2500, 100));
	p->rcv_nxt += 100;
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, 2500));
}

/* PAWS: an older TSval is dropped, counted and answered with an ACK. */
TEST_F(ts, paws__old_segment_dropped)
{
	struct xtcp_peer *p = &self->p;
	long long paws = XTCP_COUNTER("PAWSEstab");
	char buf[400];
	struct peer_seg s;

	ASSERT_EQ(0, open_passive(self, true));
	ASSERT_EQ(0, send_data(p, 2000, 100));
	ASSERT_EQ(0, expect_ack(p, &s));

	/* In the window, at RCV.NXT, but from before TS.Recent. */
	ASSERT_EQ(0, send_data(p, 1999, 100));
	p->rcv_nxt -= 100;
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, 2000));
	EXPECT_EQ(paws + 1, XTCP_COUNTER("PAWSEstab"));

	/* Half the TSval space ahead is behind, too (RFC 7323 5.2). */
	ASSERT_EQ(0, send_data(p, 2000 + 0x80000000u, 100));
	p->rcv_nxt -= 100;
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, expect_tsecr(&s, 2000));
	EXPECT_EQ(paws + 2, XTCP_COUNTER("PAWSEstab"));
	EXPECT_EQ(100, peer_user_inq(self->fd));

	/* The same TSval as TS.Recent is not older: taken. */
	ASSERT_EQ(0, send_data(p, 2000, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(200, peer_user_recv(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(paws + 2, XTCP_COUNTER("PAWSEstab"));
}

/*
 * An original that its resend overtook fails PAWS; its text is below
 * RCV.NXT, and the ACK D-SACKs it (RFC 2883), so the sender learns that
 * the resend was needless.
 */
TEST_F(ts, paws__old_duplicate_dsacked)
{
	struct xtcp_peer *p = &self->p;
	long long paws = XTCP_COUNTER("PAWSEstab");
	struct peer_seg s;
	__u32 base;

	p->sack = true;
	ASSERT_EQ(0, open_passive(self, true));
	base = p->rcv_nxt;
	ASSERT_EQ(0, send_data(p, 2000, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(0, s.num_sacks);

	/* The original of those 100 bytes, sent before the resend. */
	p->ts_val = 1990;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, base, p->snd_nxt, NULL, 100));
	ASSERT_EQ(0, expect_ack(p, &s));
	EXPECT_EQ(paws + 1, XTCP_COUNTER("PAWSEstab"));
	ASSERT_EQ(1, s.num_sacks);
	EXPECT_EQ(base, s.sacks[0][0]);
	EXPECT_EQ(base + 100, s.sacks[0][1]);
	EXPECT_EQ(0, expect_tsecr(&s, 2000));
}

/* A RST is judged by its SEQ alone (RFC 7323 5.2): an old TSval resets. */
TEST_F(ts, paws__rst_not_judged)
{
	struct xtcp_peer *p = &self->p;
	long long paws = XTCP_COUNTER("PAWSEstab");
	struct peer_seg s;

	ASSERT_EQ(0, open_passive(self, true));
	ASSERT_EQ(0, send_data(p, 2000, 100));
	ASSERT_EQ(0, expect_ack(p, &s));

	peer_seg_init(p, &s, PEER_RST, p->rcv_nxt, 0, NULL, 0);
	s.ts = true;
	s.tsval = 1;
	ASSERT_EQ(0, peer_xmit(p, &s, false));
	ASSERT_TRUE(peer_wait_state(p, 0));
	EXPECT_EQ(ECONNRESET, peer_so_error(self->fd));
	EXPECT_EQ(paws, XTCP_COUNTER("PAWSEstab"));
	p->xport = 0;	/* nothing left to reset */
}

/*
 * SRTT from TSecr: the peer echoes a TSval 300 ms older than the one of
 * the SYN,ACK, and the first sample is that far back.
 */
TEST_F(ts, rtt__from_tsecr)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_info info;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	p->ts = true;
	ASSERT_EQ(0, peer_open_syn(p));
	ASSERT_TRUE(p->ts_ok);
	p->ts_recent -= 300;
	ASSERT_EQ(0, peer_open_ack(p));
	self->fd = peer_accept(self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xtcp_get_info(self->fd, &info));
	EXPECT_LE(300000, info.xtcpi_srtt_us);
	/* What the handshake really took comes on top; TCG is slow. */
	EXPECT_GT(300000 + 250000, info.xtcpi_srtt_us);
}

/*
 * The SYN,ACK goes twice and the peer's ACK acknowledges the second, its
 * SYN offering timestamps if @ts; XTCP_INFO of the accepted connection.
 */
static int retransmitted_synack(struct _test_data_ts *self, bool ts,
				struct xtcp_info *info)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	if (xtcp_sysctl_set("rto_init_ms", 200))
		return -1;
	self->lfd = peer_listener(p, XPORT);
	if (self->lfd < 0)
		return -1;
	p->ts = ts;
	if (peer_open_syn(p))
		return -1;
	/* Lost: the retransmission comes after the initial RTO. */
	if (peer_expect(p, &s, PEER_SYN | PEER_ACK, p->iss, p->rcv_nxt) ||
	    s.ts != ts || peer_open_ack(p))
		return -1;
	self->fd = peer_accept(self->lfd);
	if (self->fd < 0 || xtcp_get_info(self->fd, info))
		return -1;
	if (info->xtcpi_retransmits < 1) {
		peer_log("no retransmission counted");
		return -1;
	}
	return 0;
}

/* With timestamps the ACK of a retransmission is a sample (RFC 7323 4.1). */
TEST_F(ts, rtt__retransmitted_synack_with_ts)
{
	struct xtcp_info info;

	ASSERT_EQ(0, retransmitted_synack(self, true, &info));
	EXPECT_LT(0, info.xtcpi_srtt_us);
	/* From the second SYN,ACK, not the first: under the RTO. */
	EXPECT_GT(200000, info.xtcpi_srtt_us);
}

/* Without, Karn's rule leaves it without a sample (RFC 6298 3). */
TEST_F(ts, rtt__retransmitted_synack_without_ts)
{
	struct xtcp_info info;

	ASSERT_EQ(0, retransmitted_synack(self, false, &info));
	EXPECT_EQ(0, info.xtcpi_srtt_us);
}

/* Each connection its own TSval clock: an offset of its own. */
TEST_F(ts, tsval__offset_per_connection)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	__u32 first;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	p->ts = true;
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	ASSERT_TRUE(s.ts);
	first = s.tsval;
	p->port = PPORT + 1;
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	ASSERT_TRUE(s.ts);
	/* Two clocks a second apart or more: 2^-21 to meet by chance. */
	EXPECT_LT(1000u, (__u32)abs((__s32)(s.tsval - first)));
}

/* SACK beside timestamps: three blocks, 40 bytes of options in all. */
TEST_F(ts, sack__three_blocks_with_ts)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	unsigned int i;
	__u32 base;

	p->sack = true;
	ASSERT_EQ(0, open_passive(self, true));
	base = p->rcv_nxt;
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, peer_send(p, PEER_ACK, base + 200 * i,
				       p->snd_nxt, NULL, 100));
		ASSERT_EQ(0, expect_ack(p, &s));
	}
	EXPECT_TRUE(s.ts);
	ASSERT_EQ(3, s.num_sacks);
	EXPECT_EQ(40, s.optlen);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(base + 200 * (4 - i), s.sacks[i][0]);
		EXPECT_EQ(base + 200 * (4 - i) + 100, s.sacks[i][1]);
	}
}

TEST_HARNESS_MAIN
