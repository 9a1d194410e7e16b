// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP connections on loopback: the three-way handshake, data both ways,
 * the four-way teardown with TIME_WAIT on the active closer, and RST for
 * a port nobody listens on.  States are read from /proc/net/xtcp.
 */

#include "xtcp_util.h"
#include "kselftest_harness.h"

FIXTURE(conn) {
	int lfd;	/* listener */
	int cfd;	/* client */
	int afd;	/* accepted */
	int lport;
	int cport;
	int old_msl;
};

FIXTURE_SETUP(conn)
{
	self->afd = -1;
	self->old_msl = xtcp_sysctl_get("msl_ms");
	ASSERT_LT(0, self->old_msl);
	/* TIME_WAIT = 2 * 100 ms, so tests can watch it end. */
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 100));

	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);
	self->cfd = xtcp_socket();
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, xtcp_connect_to(self->cfd, "127.0.0.1", self->lport));
	self->cport = xtcp_local_port(self->cfd);
	ASSERT_LT(0, self->cport);
}

FIXTURE_TEARDOWN(conn)
{
	if (self->afd >= 0)
		close(self->afd);
	close(self->cfd);
	close(self->lfd);
	xtcp_sysctl_set("msl_ms", self->old_msl);
}

/* connect() returned: both ends ESTABLISHED, before accept() even. */
TEST_F(conn, handshake_both_established)
{
	struct sockaddr_xtcp peer;
	socklen_t len = sizeof(peer);

	EXPECT_EQ(XTCP_ESTABLISHED,
		  xtcp_proc_state(self->cport, self->lport));
	ASSERT_TRUE(xtcp_wait_state(self->lport, self->cport,
				    XTCP_ESTABLISHED));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(self->lport, 0));

	self->afd = accept(self->lfd, (struct sockaddr *)&peer, &len);
	ASSERT_LE(0, self->afd);
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(xtcp_af(), peer.sxtcp_family);
	EXPECT_EQ(self->cport, ntohs(peer.sxtcp_port));
	EXPECT_EQ(inet_addr("127.0.0.1"), peer.sxtcp_addr);

	len = sizeof(peer);
	ASSERT_EQ(0, getpeername(self->cfd, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(self->lport, ntohs(peer.sxtcp_port));
}

TEST_F(conn, xtcp_info_sequence_space)
{
	struct xtcp_info ci, ai;
	socklen_t len = sizeof(ci);

	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_XTCP, XTCP_INFO, &ci, &len));
	ASSERT_EQ(sizeof(ci), len);
	ASSERT_EQ(0, getsockopt(self->afd, SOL_XTCP, XTCP_INFO, &ai, &len));
	EXPECT_EQ(XTCP_ESTABLISHED, ci.xtcpi_state);
	/* Each side's SYN took one sequence number. */
	EXPECT_EQ(ci.xtcpi_iss + 1, ci.xtcpi_snd_nxt);
	EXPECT_EQ(ci.xtcpi_snd_nxt, ci.xtcpi_snd_una);
	EXPECT_EQ(ai.xtcpi_irs, ci.xtcpi_iss);
	EXPECT_EQ(ci.xtcpi_irs, ai.xtcpi_iss);
	EXPECT_EQ(ai.xtcpi_rcv_nxt, ci.xtcpi_snd_nxt);
	EXPECT_EQ(ci.xtcpi_rcv_nxt, ai.xtcpi_snd_nxt);
}

/* 4 MiB through the echo server and back, byte for byte. */
TEST_F(conn, data_echoed_intact)
{
	const size_t total = 4 << 20;
	struct xtcp_roundtrip r;

	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_EQ(0, xtcp_echo_roundtrip(self->cfd, self->afd, total, &r));
	EXPECT_EQ(0, r.last);
	EXPECT_EQ(0, r.send_err);
	EXPECT_EQ(0, r.echo_err);
	EXPECT_EQ(total, r.got);
	EXPECT_EQ(0, r.bad);
}

/* A message each way, as an application would. */
TEST_F(conn, request_response)
{
	char buf[64] = { 0 };

	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	ASSERT_EQ(0, xtcp_read_all(self->afd, buf, 5));
	EXPECT_STREQ("hello", buf);
	ASSERT_EQ(6, send(self->afd, "world!", 6, 0));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, xtcp_read_all(self->cfd, buf, 6));
	EXPECT_STREQ("world!", buf);
}

/*
 * Active close: the client ends in TIME_WAIT for 2 MSL, the server
 * passes CLOSE_WAIT and LAST_ACK and is gone.
 */
TEST_F(conn, active_closer_time_wait_passive_gone)
{
	char c;

	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);

	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	/* The server reads EOF and sits in CLOSE_WAIT. */
	EXPECT_EQ(0, read(self->afd, &c, 1));
	EXPECT_EQ(XTCP_CLOSE_WAIT,
		  xtcp_proc_state(self->lport, self->cport));
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport,
				    XTCP_FIN_WAIT2));

	ASSERT_EQ(0, close(self->afd));
	self->afd = -1;
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport,
				    XTCP_TIME_WAIT));
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport, 0));
	/* The client reads EOF too. */
	EXPECT_EQ(0, read(self->cfd, &c, 1));

	/* 2 MSL later TIME_WAIT ends. */
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport, 0));
}

/* close() with the peer still open: the closer is an orphan in TIME_WAIT. */
TEST_F(conn, close_orphan_reaches_time_wait)
{
	char c;

	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = xtcp_socket();
	EXPECT_EQ(0, read(self->afd, &c, 1));
	ASSERT_EQ(0, close(self->afd));
	self->afd = -1;
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport,
				    XTCP_TIME_WAIT));
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport, 0));
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport, 0));
}

TEST(connect_no_listener_econnrefused)
{
	int fd = xtcp_socket(), port, probe;
	long long rsts = XTCP_COUNTER("OutRsts");

	ASSERT_LE(0, fd);
	/* A port that was free a moment ago. */
	probe = xtcp_socket();
	ASSERT_EQ(0, xtcp_bind_to(probe, "127.0.0.1", 0));
	port = xtcp_local_port(probe);
	close(probe);

	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", port));
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_LT(rsts, XTCP_COUNTER("OutRsts"));
	close(fd);
}

TEST(connect_twice_eisconn)
{
	int port, lfd = xtcp_listener(&port), fd = xtcp_socket();

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_connect_to(fd, "127.0.0.1", port));
	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", port));
	EXPECT_EQ(EISCONN, errno);
	close(fd);
	close(lfd);
}

TEST(counters_follow_handshake)
{
	long long active = XTCP_COUNTER("ActiveOpens");
	long long passive = XTCP_COUNTER("PassiveOpens");
	int port, lfd = xtcp_listener(&port), fd = xtcp_socket(), afd;

	ASSERT_LE(0, active);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_connect_to(fd, "127.0.0.1", port));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	EXPECT_EQ(active + 1, XTCP_COUNTER("ActiveOpens"));
	EXPECT_EQ(passive + 1, XTCP_COUNTER("PassiveOpens"));
	EXPECT_LE(2, XTCP_COUNTER("CurrEstab"));
	close(afd);
	close(fd);
	close(lfd);
}

static long long real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Connect from 127.0.0.1:@cport to @lport; the ISN, then an abortive close. */
static int isn_of_connection(int lfd, int cport, int lport, unsigned int *iss)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	struct xtcp_info info;
	socklen_t len = sizeof(info);
	int one = 1, fd = xtcp_socket(), afd, ret = -1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!xtcp_bind_to(fd, "127.0.0.1", cport) &&
	    !xtcp_connect_to(fd, "127.0.0.1", lport) &&
	    !getsockopt(fd, SOL_XTCP, XTCP_INFO, &info, &len)) {
		*iss = info.xtcpi_iss;
		ret = 0;
	}
	afd = accept(lfd, NULL, NULL);
	/* RST instead of FIN: no TIME_WAIT holds the 4-tuple. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(fd);
	if (afd >= 0)
		close(afd);
	return ret;
}

/*
 * RFC 6528: ISN = M + F(4-tuple, secret), M a clock of about 4 us.  The
 * same 4-tuple again gets an ISN ahead by the time that passed; another
 * 4-tuple gets one unrelated to it.
 */
TEST(isn_rfc6528_clock_plus_hash)
{
	unsigned int iss1, iss2, iss3, ticks;
	int lport, lfd = xtcp_listener(&lport), p1, p2;
	long long t1, t2;

	ASSERT_LE(0, lfd);
	p1 = 40000 + getpid() % 10000;
	p2 = p1 + 1;
	t1 = real_ns();
	ASSERT_EQ(0, isn_of_connection(lfd, p1, lport, &iss1));
	ASSERT_EQ(0, isn_of_connection(lfd, p1, lport, &iss2));
	ASSERT_EQ(0, isn_of_connection(lfd, p2, lport, &iss3));
	t2 = real_ns();
	ticks = (t2 - t1) / 4096 + 2;

	EXPECT_LT(0, (int)(iss2 - iss1));
	EXPECT_GE(ticks, iss2 - iss1);
	/* Off the clock line by the hash: 2^-20 odds of a false failure. */
	EXPECT_LT(ticks, iss3 - iss1);
	close(lfd);
}

TEST_HARNESS_MAIN
