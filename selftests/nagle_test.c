// SPDX-License-Identifier: GPL-2.0
/*
 * Small writes (RFC 896, RFC 9293 3.7.4): the Nagle algorithm by default,
 * XTCP_NODELAY, XTCP_CORK and MSG_MORE with TCP's meaning, driven by the
 * scripted peer (xtcp_peer.h), which acknowledges only when told.
 *
 * - nagle__*: a partial segment waits while a partial one sent before is
 *   unacknowledged, and joins what follows it; full segments never wait.
 * - nodelay__*: every write goes at once; setting it sends what waited.
 * - cork__*: partial segments wait, even with nothing in flight, until
 *   the cork is removed; no timer runs for them meanwhile.
 * - more__*: MSG_MORE holds the call's partial tail for the next call.
 * - acked__*: once nothing is in flight, /proc shows no timer.
 *
 * "Not sent" is proven with a barrier (peer_expect_none()).  XTCP's
 * socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT; the peer's
 * MSS option makes XTCP's segments FULL bytes.
 */
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define SMALL	100
#define FULL	1000

FIXTURE(nagle) {
	struct xtcp_peer p;
	int lfd, fd;
};

FIXTURE_SETUP(nagle)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	/* No loss probe resends what the peer holds unacknowledged. */
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	self->p.port = PPORT;
	self->p.mss = FULL;
	self->p.win = 65535;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(nagle)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

static int put(int fd, size_t len, int flags)
{
	static char text[4 * FULL];

	return send(fd, text, len, flags) == (ssize_t)len ? 0 : -1;
}

/*
 * The next segment is text at SND.NXT of @len bytes (the peer learns the
 * new SND.NXT from it).
 */
static int expect_text(struct xtcp_peer *p, unsigned int len)
{
	__u32 seq = p->snd_nxt;
	struct peer_seg s;

	if (peer_recv(p, &s, PEER_REPLY_MS)) {
		peer_log("no segment of %u bytes", len);
		return -1;
	}
	if (s.seq != seq || s.len != len) {
		peer_log("SEQ %u len %u, expected SEQ %u len %u", s.seq, s.len,
			 seq, len);
		return -1;
	}
	return 0;
}

/* The peer acknowledges all that XTCP sent. */
static int ack_all(struct xtcp_peer *p)
{
	p->snd_una = p->snd_nxt;
	return peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0);
}

static int set_opt(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_XTCP, opt, &val, sizeof(val));
}

/* The "tr" column of the connection's /proc/net/xtcp line: 0, no timer. */
static int timer_active(int lport, int rport)
{
	FILE *f = fopen("/proc/net/xtcp", "r");
	unsigned int lp, rp, tr;
	char line[512];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*8X:%4X %*8X:%4X %*2X %*8X:%*8X %2X",
			   &lp, &rp, &tr) == 3 &&
		    (int)lp == lport && (int)rp == rport)
			ret = (int)tr;
	fclose(f);
	return ret;
}

/* Nothing in flight: a small write goes at once. */
TEST_F(nagle, nagle__first_small_write_goes)
{
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
}

/*
 * A small segment unacknowledged: the next small writes wait, and go as
 * one segment when the ACK comes.
 */
TEST_F(nagle, nagle__small_writes_wait_for_the_ack)
{
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, ack_all(&self->p));
	ASSERT_EQ(0, expect_text(&self->p, 2 * SMALL));
	ASSERT_EQ(0, peer_expect_none(&self->p));
}

/* Small writes that fill a segment send it, small segment in flight or not. */
TEST_F(nagle, nagle__full_segment_goes)
{
	int i;

	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	for (i = 0; i < FULL / SMALL + 1; i++)
		ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, FULL));
	/* The last write's SMALL bytes wait for the ACK. */
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, ack_all(&self->p));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
}

/* Minshall: a full segment in flight does not hold a small one. */
TEST_F(nagle, nagle__full_in_flight_does_not_hold)
{
	ASSERT_EQ(0, put(self->fd, FULL, 0));
	ASSERT_EQ(0, expect_text(&self->p, FULL));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
}

TEST_F(nagle, nodelay__each_write_goes)
{
	int val = 0;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, set_opt(self->fd, XTCP_NODELAY, 1));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_XTCP, XTCP_NODELAY, &val,
				&len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
}

/* Setting XTCP_NODELAY sends what Nagle held, as TCP_NODELAY does. */
TEST_F(nagle, nodelay__set_sends_what_waited)
{
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, set_opt(self->fd, XTCP_NODELAY, 1));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
}

/*
 * Corked, nothing in flight: small writes wait, with no timer armed for
 * them (no window probe comes), and go as one segment when uncorked.
 */
TEST_F(nagle, cork__holds_until_uncorked)
{
	int val = 0;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, set_opt(self->fd, XTCP_CORK, 1));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_XTCP, XTCP_CORK, &val, &len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	EXPECT_EQ(0, timer_active(XPORT, PPORT));
	ASSERT_EQ(0, set_opt(self->fd, XTCP_CORK, 0));
	ASSERT_EQ(0, expect_text(&self->p, 3 * SMALL));
	ASSERT_EQ(0, peer_expect_none(&self->p));
}

/* Corked, full segments still go; only the partial tail waits. */
TEST_F(nagle, cork__full_segments_go)
{
	ASSERT_EQ(0, set_opt(self->fd, XTCP_CORK, 1));
	ASSERT_EQ(0, put(self->fd, 2 * FULL + SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, FULL));
	ASSERT_EQ(0, expect_text(&self->p, FULL));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, set_opt(self->fd, XTCP_CORK, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
}

/* Closing a corked socket sends what waited, then FIN. */
TEST_F(nagle, cork__close_sends_then_fin)
{
	ASSERT_EQ(0, set_opt(self->fd, XTCP_CORK, 1));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	ASSERT_EQ(0, peer_expect_fin(&self->p));
}

/* MSG_MORE: the call's partial tail waits for the next call. */
TEST_F(nagle, more__joins_the_next_write)
{
	ASSERT_EQ(0, put(self->fd, SMALL, MSG_MORE));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, 2 * SMALL));
}

/* XTCP_INFO: text sent counts at once, text acknowledged when the ACK comes. */
TEST_F(nagle, info__bytes_sent_and_acked)
{
	struct xtcp_info info;
	socklen_t len = sizeof(info);
	__u32 first;

	ASSERT_EQ(0, set_opt(self->fd, XTCP_NODELAY, 1));
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	first = self->p.snd_nxt;
	ASSERT_EQ(0, put(self->fd, FULL, 0));
	ASSERT_EQ(0, expect_text(&self->p, FULL));
	ASSERT_EQ(0, peer_send(&self->p, PEER_ACK, self->p.rcv_nxt, first,
			       NULL, 0));
	ASSERT_EQ(0, peer_expect_none(&self->p));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_XTCP, XTCP_INFO, &info, &len));
	ASSERT_EQ(sizeof(info), len);
	EXPECT_EQ(SMALL + FULL, info.xtcpi_bytes_sent);
	EXPECT_EQ(SMALL, info.xtcpi_bytes_acked);
	EXPECT_EQ(FULL, info.xtcpi_mss);
}

TEST_F(nagle, options__bad_length)
{
	char c = 1;

	EXPECT_EQ(-1, setsockopt(self->fd, SOL_XTCP, XTCP_CORK, &c, 1));
	EXPECT_EQ(EINVAL, errno);
}

/* What @fd's send queue is charged (SO_MEMINFO), -1 if unknown. */
static long wmem_queued(int fd)
{
	__u32 mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return -1;
	return mem[SK_MEMINFO_WMEM_QUEUED];
}

/* Everything @fd sent is acknowledged (SIOCOUTQ 0) within 5 s. */
static int wait_all_acked(int fd)
{
	long end = xtcp_now_ms() + 5000;
	int outq = -1;

	while (xtcp_now_ms() < end) {
		if (ioctl(fd, SIOCOUTQ, &outq) || !outq)
			break;
		usleep(10000);
	}
	return outq;
}

/*
 * Once all in flight is acknowledged, the retransmission timer is no
 * longer due: /proc shows none, though the timer is left pending to run
 * out (its expiry is rto_min_ms, 5 s, away).
 */
TEST_F(nagle, acked__no_timer_shows)
{
	ASSERT_EQ(0, put(self->fd, SMALL, 0));
	ASSERT_EQ(0, expect_text(&self->p, SMALL));
	EXPECT_EQ(1, timer_active(XPORT, PPORT));
	ASSERT_EQ(0, ack_all(&self->p));
	ASSERT_EQ(0, wait_all_acked(self->fd));
	EXPECT_EQ(0, timer_active(XPORT, PPORT));
}

/*
 * Text joined to the unsent tail is charged to the send buffer, and given
 * back when it is acknowledged.  Loopback, both ends XTCP: rounds of ten
 * small writes, corked, so that nine of each join the first.
 */
TEST(joined_text__send_buffer_given_back)
{
	int lfd, cfd, afd, port, round, i, cork;
	char buf[10 * SMALL];

	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	cfd = xtcp_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.1", port));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	for (round = 0; round < 50; round++) {
		cork = 1;
		ASSERT_EQ(0, setsockopt(cfd, SOL_XTCP, XTCP_CORK, &cork,
					sizeof(cork)));
		for (i = 0; i < 10; i++)
			ASSERT_EQ(SMALL, send(cfd, buf, SMALL, 0));
		cork = 0;
		ASSERT_EQ(0, setsockopt(cfd, SOL_XTCP, XTCP_CORK, &cork,
					sizeof(cork)));
		ASSERT_EQ(0, xtcp_read_all(afd, buf, sizeof(buf)));
	}
	/* All of it acknowledged: nothing queued, nothing charged. */
	ASSERT_EQ(0, wait_all_acked(cfd));
	EXPECT_EQ(0, wmem_queued(cfd));
	close(cfd);
	close(afd);
	close(lfd);
}

TEST_HARNESS_MAIN
