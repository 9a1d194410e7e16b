// SPDX-License-Identifier: GPL-2.0
/*
 * Keep-alives (RFC 9293 3.8.4), as TCP's: SO_KEEPALIVE turns them on,
 * XTCP_KEEPIDLE, XTCP_KEEPINTVL and XTCP_KEEPCNT (or net.xtcp.keepalive_*)
 * shape them.  A connection that has heard nothing for KEEPIDLE seconds
 * sends <SEQ=SND.UNA-1><ACK=RCV.NXT> without text; an ACK answers it and
 * the count starts again; KEEPCNT probes unanswered, KEEPINTVL apart,
 * reset the connection: RST to the peer, ETIMEDOUT to the user.
 *
 * The scripted peer (xtcp_peer.h) opens the connection to an XTCP
 * listener on 10.0.0.1:XPORT and answers, or not, as each test says.
 */
#include <errno.h>
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000

FIXTURE(ka) {
	struct xtcp_peer p;
	int lfd;
	int fd;
};

FIXTURE_SETUP(ka)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	self->p.port = PPORT;
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ka)
{
	peer_close(&self->p);
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
}

static int ka_opt(int fd, int name, int val)
{
	return setsockopt(fd, SOL_XTCP, name, &val, sizeof(val));
}

static int ka_get(int fd, int name)
{
	return xtcp_sockopt_int(fd, SOL_XTCP, name);
}

/* KEEPIDLE @idle s, KEEPINTVL 1 s, KEEPCNT @cnt, and SO_KEEPALIVE on. */
static int ka_on(int fd, int idle, int cnt)
{
	int on = 1;

	if (ka_opt(fd, XTCP_KEEPIDLE, idle) ||
	    ka_opt(fd, XTCP_KEEPINTVL, 1) || ka_opt(fd, XTCP_KEEPCNT, cnt))
		return -1;
	return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
}

/*
 * The next segment is a keep-alive probe, between @min_ms and @max_ms
 * from @since: <SEQ=SND.NXT-1><ACK=RCV.NXT><CTL=ACK>, no text.
 */
static int expect_probe(struct xtcp_peer *p, long since, long min_ms,
			long max_ms)
{
	struct peer_seg s;
	long at;

	if (peer_recv(p, &s, max_ms - (xtcp_now_ms() - since))) {
		peer_log("no keep-alive probe in %ld ms", max_ms);
		return -1;
	}
	at = xtcp_now_ms() - since;
	if (peer_check(&s, PEER_ACK, p->snd_nxt - 1, p->rcv_nxt))
		return -1;
	if (s.len || at < min_ms) {
		peer_log("probe of %u bytes after %ld ms", s.len, at);
		return -1;
	}
	return 0;
}

/* The peer answers a probe as RFC 9293 3.10.7.4 says: an ACK. */
static int answer(struct xtcp_peer *p)
{
	return peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0);
}

/* Answered probes keep the connection: the count starts again. */
TEST_F_TIMEOUT(ka, idle_1s__answered__probes_go_on, 30)
{
	long long probes = xtcp_counter("KeepAliveProbes");
	long t;
	int i;

	ASSERT_EQ(0, ka_on(self->fd, 1, 2));
	t = xtcp_now_ms();
	/* More probes than KEEPCNT: each answer resets the count. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, expect_probe(&self->p, t, 900, 3000));
		t = xtcp_now_ms();
		ASSERT_EQ(0, answer(&self->p));
	}
	EXPECT_EQ(probes + 3, xtcp_counter("KeepAliveProbes"));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(&self->p));
	EXPECT_EQ(0, peer_so_error(self->fd));
}

/* KEEPCNT 2 unanswered probes, a second apart: RST, then ETIMEDOUT. */
TEST_F_TIMEOUT(ka, unanswered__keepcnt_2__rst_and_etimedout, 30)
{
	long long timeouts = xtcp_counter("KeepAliveTimeouts");
	struct peer_seg s;
	char c;
	long t;

	ASSERT_EQ(0, ka_on(self->fd, 1, 2));
	t = xtcp_now_ms();
	ASSERT_EQ(0, expect_probe(&self->p, t, 900, 3000));
	t = xtcp_now_ms();
	ASSERT_EQ(0, expect_probe(&self->p, t, 900, 3000));
	ASSERT_EQ(0, peer_recv(&self->p, &s, 3000));
	ASSERT_EQ(0, peer_check(&s, PEER_RST | PEER_ACK, self->p.snd_nxt,
				self->p.rcv_nxt));
	EXPECT_TRUE(peer_wait_state(&self->p, 0));
	EXPECT_EQ(-1, recv(self->fd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(timeouts + 1, xtcp_counter("KeepAliveTimeouts"));
}

/* Without SO_KEEPALIVE, KEEPIDLE alone sends nothing. */
TEST_F_TIMEOUT(ka, keepidle_without_so_keepalive__no_probe, 30)
{
	struct peer_seg s;

	ASSERT_EQ(0, ka_opt(self->fd, XTCP_KEEPIDLE, 1));
	EXPECT_NE(0, peer_recv(&self->p, &s, 2500));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(&self->p));
}

/* SO_KEEPALIVE off again stops them. */
TEST_F_TIMEOUT(ka, so_keepalive_off__no_more_probes, 30)
{
	struct peer_seg s;
	int off = 0;

	ASSERT_EQ(0, ka_on(self->fd, 1, 2));
	ASSERT_EQ(0, expect_probe(&self->p, xtcp_now_ms(), 900, 3000));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_KEEPALIVE, &off,
				sizeof(off)));
	EXPECT_NE(0, peer_recv(&self->p, &s, 2500));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(&self->p));
}

/* An accepted connection takes SO_KEEPALIVE and KEEPIDLE from its listener. */
TEST_F_TIMEOUT(ka, listener_options__inherited, 30)
{
	struct xtcp_peer c = self->p;
	int lfd, fd;

	c.port = PPORT + 1;
	c.irs = PEER_DEF_ISS + 0x1000000u;
	c.rcv_nxt = c.irs;
	lfd = peer_listener(&c, XPORT + 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, ka_on(lfd, 1, 5));
	ASSERT_EQ(0, peer_open_syn(&c));
	ASSERT_EQ(0, peer_open_ack(&c));
	fd = peer_accept(lfd);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, ka_get(fd, XTCP_KEEPIDLE));
	EXPECT_EQ(5, ka_get(fd, XTCP_KEEPCNT));
	EXPECT_EQ(0, expect_probe(&c, xtcp_now_ms(), 0, 3000));
	peer_send(&c, PEER_RST, c.rcv_nxt, 0, NULL, 0);
	close(fd);
	close(lfd);
}

/* TCP's defaults and bounds; the namespace's sysctls are the defaults. */
TEST_F(ka, options__defaults_bounds_sysctl)
{
	int fd;

	EXPECT_EQ(7200, ka_get(self->fd, XTCP_KEEPIDLE));
	EXPECT_EQ(75, ka_get(self->fd, XTCP_KEEPINTVL));
	EXPECT_EQ(9, ka_get(self->fd, XTCP_KEEPCNT));

	EXPECT_EQ(-1, ka_opt(self->fd, XTCP_KEEPIDLE, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ka_opt(self->fd, XTCP_KEEPIDLE, 32768));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ka_opt(self->fd, XTCP_KEEPINTVL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ka_opt(self->fd, XTCP_KEEPCNT, 128));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ka_opt(self->fd, XTCP_KEEPIDLE, 32767));
	EXPECT_EQ(32767, ka_get(self->fd, XTCP_KEEPIDLE));

	ASSERT_EQ(0, xtcp_sysctl_set("keepalive_time_ms", 5000));
	ASSERT_EQ(0, xtcp_sysctl_set("keepalive_intvl_ms", 2000));
	ASSERT_EQ(0, xtcp_sysctl_set("keepalive_probes", 3));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, ka_get(fd, XTCP_KEEPIDLE));
	EXPECT_EQ(2, ka_get(fd, XTCP_KEEPINTVL));
	EXPECT_EQ(3, ka_get(fd, XTCP_KEEPCNT));
	close(fd);
}

TEST_HARNESS_MAIN
