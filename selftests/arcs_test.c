// SPDX-License-Identifier: GPL-2.0
/*
 * One test per arc of the RFC 9293 state diagram (section 3.3.2), plus the
 * RST and timeout arcs, RFC 5961 (challenge ACKs) and RFC 1337 (TIME_WAIT
 * ignores RST).  Each test is named FROM__EVENT__TO and drives an XTCP
 * socket through a scripted peer (xtcp_peer.h), checking every segment
 * XTCP sends (control bits, SEQ, ACK), the state in /proc/net/xtcp after
 * each step, the errno the user sees and the /proc/net/xtcp_snmp counters.
 *
 * XTCP's socket is on 10.0.0.1:XPORT; the peer is 10.0.0.2:PPORT.  "No
 * reply" is proven by a barrier (peer_expect_none()): a probe whose RST
 * must come after any reply.  Each one adds one InSegs, OutSegs, OutRsts
 * and NoSocket to the counters, which the tests account for.
 */
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000

FIXTURE(arcs) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the connection's socket */
};

FIXTURE_SETUP(arcs)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(arcs)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* Wait, bounded, for a non-blocking connect() to end; its SO_ERROR. */
static int connect_result(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (poll(&pfd, 1, XTCP_WAIT_MS) != 1)
		return -1;
	return peer_so_error(fd);
}

/* The socket's current RTO, from XTCP_INFO; -1 if it cannot be read. */
static int rto_ms(int fd)
{
	struct xtcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, SOL_XTCP, XTCP_INFO, &info, &len))
		return -1;
	return info.xtcpi_rto_ms;
}

/* ---- opening ------------------------------------------------------------ */

/*
 * A passive connection the process has closed: an orphan in FIN_WAIT1,
 * its FIN seen by the peer.
 */
static int orphan_in_fin_wait1(struct _test_data_arcs *self)
{
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	if (self->fd < 0)
		return -1;
	close(self->fd);
	self->fd = -1;
	return peer_expect_fin(&self->p);
}

/* The same, its FIN acknowledged: an orphan in FIN_WAIT2. */
static int orphan_in_fin_wait2(struct _test_data_arcs *self)
{
	struct xtcp_peer *p = &self->p;

	if (orphan_in_fin_wait1(self) ||
	    peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0))
		return -1;
	p->snd_una = p->snd_nxt;
	return peer_wait_state(p, XTCP_FIN_WAIT2) ? 0 : -1;
}

TEST_F(arcs, listen__rcv_syn__syn_rcvd)
{
	struct xtcp_peer *p = &self->p;
	long long opens = XTCP_COUNTER("PassiveOpens");
	long long arc = XTCP_COUNTER("ListenSynRcvd");

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
	ASSERT_EQ(0, peer_state(p));

	/* SYN -> <SEQ=ISS><ACK=IRS+1><CTL=SYN,ACK>, MSS 1460 its only option */
	ASSERT_EQ(0, peer_open_syn(p));
	EXPECT_EQ(XTCP_SYN_RECV, peer_state(p));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
	EXPECT_EQ(opens + 1, XTCP_COUNTER("PassiveOpens"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("ListenSynRcvd"));
}

TEST_F(arcs, syn_rcvd__rcv_syn_again__synack_again)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_open_syn(p));
	/* Our SYN,ACK was "lost": the same SYN again gets the same answer. */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_SYN | PEER_ACK, p->iss,
				 p->irs + 1));
	EXPECT_EQ(0, peer_check_syn_options(&s));
	EXPECT_EQ(XTCP_SYN_RECV, peer_state(p));
}

TEST_F(arcs, syn_rcvd__rcv_ack__established)
{
	struct xtcp_peer *p = &self->p;
	struct sockaddr_xtcp a;
	socklen_t len = sizeof(a);
	long long estab, arc;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_open_syn(p));
	estab = XTCP_COUNTER("CurrEstab");
	arc = XTCP_COUNTER("SynRcvdEstablished");

	/* <SEQ=IRS+1><ACK=ISS+1><CTL=ACK>: no reply, ESTABLISHED */
	ASSERT_EQ(0, peer_open_ack(p));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(estab + 1, XTCP_COUNTER("CurrEstab"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynRcvdEstablished"));

	self->fd = peer_accept(self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, getpeername(self->fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(PPORT, ntohs(a.sxtcp_port));
	EXPECT_EQ(inet_addr(PEER_IP), a.sxtcp_addr);
}

TEST_F(arcs, syn_rcvd__rcv_rst__listen)
{
	struct xtcp_peer *p = &self->p;
	long long arc = XTCP_COUNTER("SynRcvdClosed");

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_open_syn(p));

	/* <SEQ=RCV.NXT><CTL=RST>: the child goes, silently; LISTEN stays */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynRcvdClosed"));
	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);

	/* The listener takes the next attempt from the same port. */
	p->irs += 100000;
	ASSERT_EQ(0, peer_open_syn(p));
	EXPECT_EQ(XTCP_SYN_RECV, peer_state(p));
}

TEST_F(arcs, syn_rcvd__rcv_syn__listen)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_open_syn(p));
	arc = XTCP_COUNTER("SynRcvdClosed");

	/*
	 * A SYN in the window that is not the one we answered: the passive
	 * child "returns to LISTEN" (RFC 9293 3.10.7.4, fourth): it goes,
	 * silently, and the listener stays.
	 */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->rcv_nxt + 1000, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynRcvdClosed"));

	/* The peer's next SYN starts afresh. */
	p->irs += 100000;
	ASSERT_EQ(0, peer_open_syn(p));
	EXPECT_EQ(XTCP_SYN_RECV, peer_state(p));
}

TEST_F(arcs, syn_rcvd__timeout__closed)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	long t[3];
	int i;

	if (XTCP_UNMET(!xtcp_sysctl_set("rto_init_ms", 200),
		       "no net.xtcp.rto_init_ms"))
		return;
	ASSERT_EQ(0, xtcp_sysctl_set("synack_retries", 2));
	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_open_syn(p));
	t[0] = xtcp_now_ms();

	/* Two retransmissions, 200 then 400 ms apart, then silence. */
	for (i = 1; i < 3; i++) {
		ASSERT_EQ(0, peer_recv(p, &s, 3000));
		t[i] = xtcp_now_ms();
		ASSERT_EQ(0, peer_check(&s, PEER_SYN | PEER_ACK, p->iss,
					p->irs + 1));
		EXPECT_LE(200 << (i - 1), t[i] - t[i - 1] + 50)
			TH_LOG("retransmission %d after %ld ms", i,
			       t[i] - t[i - 1]);
	}
	/* Then the half-open child is removed, with no RST. */
	ASSERT_TRUE(peer_wait_state(p, 0));
	EXPECT_LE(800, xtcp_now_ms() - t[2] + 50);
	EXPECT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
}

TEST_F(arcs, closed__connect__syn_sent)
{
	struct xtcp_peer *p = &self->p;
	long long opens = XTCP_COUNTER("ActiveOpens");
	long long arc = XTCP_COUNTER("ClosedSynSent");

	/* connect(): <SEQ=ISS><CTL=SYN>, MSS 1460 its only option */
	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));
	EXPECT_EQ(opens + 1, XTCP_COUNTER("ActiveOpens"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("ClosedSynSent"));
	/* One SYN, nothing more before its RTO; connect() still waits. */
	EXPECT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_so_error(self->fd));
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));
}

TEST_F(arcs, syn_sent__rcv_synack__established)
{
	struct xtcp_peer *p = &self->p;
	long long opens = XTCP_COUNTER("ActiveOpens");
	long long estab = XTCP_COUNTER("CurrEstab");
	long long arc = XTCP_COUNTER("SynSentEstablished");

	/* connect(): <SEQ=ISS><CTL=SYN>, MSS 1460 its only option */
	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));
	EXPECT_EQ(opens + 1, XTCP_COUNTER("ActiveOpens"));

	/* SYN,ACK -> <SEQ=ISS+1><ACK=IRS+1><CTL=ACK> */
	ASSERT_EQ(0, peer_open_synack(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(0, connect_result(self->fd));
	EXPECT_EQ(estab + 1, XTCP_COUNTER("CurrEstab"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynSentEstablished"));
}

TEST_F(arcs, syn_sent__rcv_syn__syn_rcvd)
{
	struct xtcp_peer *p = &self->p;
	long long arc = XTCP_COUNTER("SynSentSynRcvd");
	struct peer_seg s;

	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);

	/* Simultaneous open: SYN -> <SEQ=ISS><ACK=IRS+1><CTL=SYN,ACK> */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	p->rcv_nxt = p->irs + 1;
	ASSERT_EQ(0, peer_expect(p, &s, PEER_SYN | PEER_ACK, p->iss,
				 p->irs + 1));
	EXPECT_EQ(0, peer_check_syn_options(&s));
	EXPECT_EQ(XTCP_SYN_RECV, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynSentSynRcvd"));

	/* The peer's ACK of it: ESTABLISHED, and connect() succeeds. */
	ASSERT_EQ(0, peer_open_ack(p));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(0, connect_result(self->fd));
}

TEST_F(arcs, syn_rcvd__rcv_synack__established)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_connect_simultaneous(p, XPORT);
	ASSERT_LE(0, self->fd);

	/*
	 * The other half of a simultaneous open (RFC 9293 figure 7, line 6):
	 * the peer's <SEQ=IRS><ACK=ISS+1><CTL=SYN,ACK> ends it, no reply.
	 */
	ASSERT_EQ(0, peer_send(p, PEER_SYN | PEER_ACK, p->irs, p->iss + 1,
			       NULL, 0));
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(0, connect_result(self->fd));
}

TEST_F(arcs, syn_rcvd__close__fin_wait1)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_connect_simultaneous(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(XTCP_SYN_RECV, peer_state(p));

	/* close() in SYN_RCVD: <SEQ=ISS+1><ACK=IRS+1><CTL=FIN,ACK> */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect_fin(p));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(p));

	/* One ACK for both the SYN and the FIN: FIN_WAIT2. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_FIN_WAIT2, peer_state(p));
}

TEST_F(arcs, syn_sent__rcv_rst__closed)
{
	struct xtcp_peer *p = &self->p;
	long long fails, arc;

	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	fails = XTCP_COUNTER("AttemptFails");
	arc = XTCP_COUNTER("SynSentClosed");

	/* <SEQ=0><ACK=ISS+1><CTL=RST,ACK>: connection refused */
	ASSERT_EQ(0, peer_send(p, PEER_RST | PEER_ACK, 0, p->iss + 1,
			       NULL, 0));
	EXPECT_EQ(ECONNREFUSED, connect_result(self->fd));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(fails + 1, XTCP_COUNTER("AttemptFails"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynSentClosed"));
}

TEST_F(arcs, syn_sent__rcv_rst_without_ack__ignored)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));
	EXPECT_EQ(0, peer_so_error(self->fd));
	/* and the handshake still completes */
	ASSERT_EQ(0, peer_open_synack(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

TEST_F(arcs, syn_sent__rcv_bad_ack__rst)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);

	/* SEG.ACK =< ISS: <SEQ=SEG.ACK><CTL=RST>, state unchanged */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->irs, p->iss, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, p->iss, 0));
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));

	/* SEG.ACK > SND.NXT, on a SYN,ACK: the same */
	ASSERT_EQ(0, peer_send(p, PEER_SYN | PEER_ACK, p->irs, p->iss + 5,
			       NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, p->iss + 5, 0));
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));

	/* RST with a bad ACK: dropped, no RST for a RST */
	ASSERT_EQ(0, peer_send(p, PEER_RST | PEER_ACK, 0, p->iss + 5,
			       NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));

	ASSERT_EQ(0, peer_open_synack(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(0, connect_result(self->fd));
}

TEST_F(arcs, syn_sent__close__closed)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	arc = XTCP_COUNTER("SynSentClosed");
	close(self->fd);
	self->fd = -1;
	/* RFC 9293 3.10.4: delete the TCB; nothing is sent */
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("SynSentClosed"));
}

TEST_F(arcs, syn_sent__timeout__closed)
{
	struct xtcp_peer *p = &self->p;
	long long fails = XTCP_COUNTER("AttemptFails");
	long long rtx = XTCP_COUNTER("RetransSegs");
	struct peer_seg s;
	long t[3];
	int i;

	if (XTCP_UNMET(!xtcp_sysctl_set("rto_init_ms", 200),
		       "no net.xtcp.rto_init_ms"))
		return;
	ASSERT_EQ(0, xtcp_sysctl_set("syn_retries", 2));
	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	t[0] = xtcp_now_ms();
	EXPECT_EQ(200, rto_ms(self->fd));

	/* The SYN again after 200 ms, then after 400 ms more. */
	for (i = 1; i < 3; i++) {
		ASSERT_EQ(0, peer_recv(p, &s, 3000));
		t[i] = xtcp_now_ms();
		ASSERT_EQ(0, peer_check(&s, PEER_SYN, p->iss, 0));
		EXPECT_EQ(0, peer_check_syn_options(&s));
		EXPECT_LE(200 << (i - 1), t[i] - t[i - 1] + 50)
			TH_LOG("retransmission %d after %ld ms", i,
			       t[i] - t[i - 1]);
		/* RFC 6298 5.5: the RTO doubles */
		EXPECT_EQ(200 << i, rto_ms(self->fd));
	}
	/* After syn_retries retransmissions and one more RTO: ETIMEDOUT. */
	EXPECT_EQ(ETIMEDOUT, connect_result(self->fd));
	EXPECT_LE(800, xtcp_now_ms() - t[2] + 50);
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(fails + 1, XTCP_COUNTER("AttemptFails"));
	EXPECT_EQ(rtx + 2, XTCP_COUNTER("RetransSegs"));
}

/* ---- established -------------------------------------------------------- */

TEST_F(arcs, established__rcv_data__ack_and_read)
{
	struct xtcp_peer *p = &self->p;
	unsigned char data[500], buf[600];
	long long in;
	size_t i;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < sizeof(data); i++)
		data[i] = i * 7;
	in = XTCP_COUNTER("InSegs");

	/* in order: <SEQ=SND.NXT><ACK=RCV.NXT+500><CTL=ACK> */
	ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_PSH, p->rcv_nxt, p->snd_nxt,
			       data, sizeof(data)));
	p->rcv_nxt += sizeof(data);
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(in + 1, XTCP_COUNTER("InSegs"));
	ASSERT_EQ((ssize_t)sizeof(data),
		  peer_user_recv(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(data, buf, sizeof(data)));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

TEST_F(arcs, established__send_data__peer_acks)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	char buf[300];

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	memset(buf, 'd', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->fd, buf, sizeof(buf), 0));

	/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=PSH,ACK> with the 300 bytes */
	ASSERT_EQ(0, peer_expect(p, &s, PEER_ACK | PEER_PSH, p->snd_nxt,
				 p->rcv_nxt));
	EXPECT_EQ(sizeof(buf), s.len);
	EXPECT_EQ(0, memcmp(buf, s.data, sizeof(buf)));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

TEST_F(arcs, established__rcv_ooo_data__dup_ack)
{
	struct xtcp_peer *p = &self->p;
	char buf[400];

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);

	/* a hole before it: duplicate ACK <SEQ=SND.NXT><ACK=RCV.NXT> */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt + 100, p->snd_nxt,
			       NULL, 100));
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(0, peer_user_inq(self->fd));

	/*
	 * The hole filled: the ACK covers the text that waited beyond it
	 * too (ofo.c), and the reader gets both, in order.
	 */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL,
			       100));
	p->rcv_nxt += 200;
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(200, peer_user_recv(self->fd, buf, sizeof(buf)));
}

TEST_F(arcs, established__rcv_fin__close_wait)
{
	struct xtcp_peer *p = &self->p;
	long long estab, arc;
	char buf[16];

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	estab = XTCP_COUNTER("CurrEstab");
	arc = XTCP_COUNTER("EstablishedCloseWait");

	/* FIN -> <SEQ=SND.NXT><ACK=RCV.NXT+1><CTL=ACK> */
	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	EXPECT_EQ(XTCP_CLOSE_WAIT, peer_state(p));
	EXPECT_EQ(0, peer_user_recv(self->fd, buf, sizeof(buf)));
	/* CLOSE_WAIT still counts in CurrEstab (RFC 4022). */
	EXPECT_EQ(estab, XTCP_COUNTER("CurrEstab"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("EstablishedCloseWait"));
}

TEST_F(arcs, established__close__fin_wait1)
{
	struct xtcp_peer *p = &self->p;
	long long estab, arc;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	estab = XTCP_COUNTER("CurrEstab");
	arc = XTCP_COUNTER("EstablishedFinWait1");

	/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK> */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect_fin(p));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(p));
	EXPECT_EQ(estab - 1, XTCP_COUNTER("CurrEstab"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("EstablishedFinWait1"));
}

TEST_F(arcs, established__shutdown_wr__fin_wait1_still_receives)
{
	struct xtcp_peer *p = &self->p;
	char buf[200];

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, shutdown(self->fd, SHUT_WR));
	ASSERT_EQ(0, peer_expect_fin(p));
	EXPECT_EQ(XTCP_FIN_WAIT1, peer_state(p));

	/* Data that also acknowledges the FIN: accepted, FIN_WAIT2. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL,
			       100));
	p->rcv_nxt += 100;
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(XTCP_FIN_WAIT2, peer_state(p));
	EXPECT_EQ(100, peer_user_recv(self->fd, buf, sizeof(buf)));

	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
	EXPECT_EQ(0, peer_user_recv(self->fd, buf, sizeof(buf)));
}

TEST_F(arcs, any__close_unread__closed)
{
	struct xtcp_peer *p = &self->p;
	long long rsts, resets;
	struct peer_seg s;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 50));
	p->rcv_nxt += 50;
	ASSERT_EQ(0, peer_expect_ack(p));
	rsts = XTCP_COUNTER("OutRsts");
	resets = XTCP_COUNTER("EstabResets");

	/* RFC 9293 3.10.4: data would be lost, so RST, not FIN. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, p->snd_nxt,
				 p->rcv_nxt));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(rsts + 1, XTCP_COUNTER("OutRsts"));
	EXPECT_EQ(resets + 1, XTCP_COUNTER("EstabResets"));
}

TEST_F(arcs, any__linger0_close__closed)
{
	struct xtcp_peer *p = &self->p;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct peer_seg s;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, p->snd_nxt,
				 p->rcv_nxt));
	EXPECT_EQ(0, peer_state(p));
}

TEST_F(arcs, established__rcv_rst__closed)
{
	struct xtcp_peer *p = &self->p;
	long long resets, estab, arc;
	char buf[16];

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	resets = XTCP_COUNTER("EstabResets");
	estab = XTCP_COUNTER("CurrEstab");
	arc = XTCP_COUNTER("EstablishedClosed");

	/* <SEQ=RCV.NXT><CTL=RST>: reset, silently */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(-1, recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(resets + 1, XTCP_COUNTER("EstabResets"));
	EXPECT_EQ(estab - 1, XTCP_COUNTER("CurrEstab"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("EstablishedClosed"));
}

TEST_F(arcs, established__rcv_rst_in_window__challenge_ack)
{
	struct xtcp_peer *p = &self->p;
	long long chall;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	chall = XTCP_COUNTER("ChallengeACKs");

	/* RFC 5961 3.2: in the window, not exact: challenge ACK */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt + 1, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(0, peer_so_error(self->fd));
	EXPECT_EQ(chall + 1, XTCP_COUNTER("ChallengeACKs"));

	/* A legitimate peer answers with the exact RST: that one resets. */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(ECONNRESET, peer_so_error(self->fd));
}

TEST_F(arcs, established__rcv_syn__challenge_ack)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);

	/* RFC 5961 4.2: a SYN in a synchronized state: challenge ACK */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->rcv_nxt + 10, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));

	/* A peer that restarted answers the ACK with <SEQ=SEG.ACK><RST>. */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(ECONNRESET, peer_so_error(self->fd));
}

TEST_F(arcs, established__rcv_ack_beyond_snd_nxt__ack_and_drop)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);

	/* RFC 9293: SEG.ACK > SND.NXT: send an ACK, drop the segment */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt + 1000,
			       NULL, 100));
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(0, peer_user_inq(self->fd));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

TEST_F(arcs, established__rcv_ack_too_old__ack_and_drop)
{
	struct xtcp_peer *p = &self->p;
	__u32 oldest;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	/* MAX.SND.WND is the peer's window: PEER_DEF_WIN. */
	oldest = p->snd_una - PEER_DEF_WIN;

	/* RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND: ACK, drop */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, oldest - 1, NULL,
			       100));
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(0, peer_user_inq(self->fd));

	/* SEG.ACK = SND.UNA - MAX.SND.WND is still acceptable. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, oldest, NULL, 100));
	p->rcv_nxt += 100;
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(100, peer_user_inq(self->fd));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

TEST_F(arcs, challenge_ack__rate_limited)
{
	struct xtcp_peer *p = &self->p;
	const int limit = 3, sent = 20;
	struct peer_seg s;
	int i, ret, acks = 0;
	long long chall;
	__u32 mark;

	if (XTCP_UNMET(!xtcp_sysctl_set("challenge_ack_limit", limit),
		       "no net.xtcp.challenge_ack_limit"))
		return;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	chall = XTCP_COUNTER("ChallengeACKs");

	for (i = 0; i < sent; i++)
		ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt + 1 + i, 0,
				       NULL, 0));
	/* Every challenge ACK comes before the barrier's RST. */
	mark = peer_barrier_send(p);
	ASSERT_NE(0, mark);
	while ((ret = peer_barrier_wait(p, &s, mark, PEER_REPLY_MS)) == 1) {
		ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_nxt, p->rcv_nxt));
		acks++;
	}
	ASSERT_EQ(0, ret) TH_LOG("no RST for the barrier probe");
	/* limit a second; the burst may straddle two seconds */
	EXPECT_LE(1, acks);
	EXPECT_GE(2 * limit, acks);
	EXPECT_EQ(chall + acks, XTCP_COUNTER("ChallengeACKs"));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));

	/* Ordinary ACKs are not challenge ACKs: data is still answered. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 10));
	p->rcv_nxt += 10;
	ASSERT_EQ(0, peer_expect_ack(p));
}

TEST_F(arcs, bad_checksum__dropped_counted)
{
	struct xtcp_peer *p = &self->p;
	long long csum, errs, in;
	struct peer_seg s;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	csum = XTCP_COUNTER("InCsumErrors");
	errs = XTCP_COUNTER("InErrs");
	in = XTCP_COUNTER("InSegs");

	/* in-order data with a bad checksum: dropped, counted, no reply */
	peer_seg_init(p, &s, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 100);
	ASSERT_EQ(0, peer_xmit(p, &s, true));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(csum + 1, XTCP_COUNTER("InCsumErrors"));
	EXPECT_EQ(errs + 1, XTCP_COUNTER("InErrs"));
	/* the bad segment and the barrier */
	EXPECT_EQ(in + 2, XTCP_COUNTER("InSegs"));
	EXPECT_EQ(0, peer_user_inq(self->fd));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));

	/* The same segment, checksum right: accepted. */
	ASSERT_EQ(0, peer_xmit(p, &s, false));
	p->rcv_nxt += 100;
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(100, peer_user_inq(self->fd));

	/* A SYN with a bad checksum to the listener: no child, no reply. */
	p->port = PPORT + 1;
	peer_seg_init(p, &s, PEER_SYN, p->irs, 0, NULL, 0);
	ASSERT_EQ(0, peer_xmit(p, &s, true));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(csum + 2, XTCP_COUNTER("InCsumErrors"));
	EXPECT_EQ(errs + 2, XTCP_COUNTER("InErrs"));
}

/* ---- closing ------------------------------------------------------------ */

TEST_F(arcs, fin_wait1__rcv_ack_of_fin__fin_wait2)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	ASSERT_EQ(0, orphan_in_fin_wait1(self));
	arc = XTCP_COUNTER("FinWait1FinWait2");

	/* the ACK of the FIN: no reply, FIN_WAIT2 */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_FIN_WAIT2, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("FinWait1FinWait2"));
}

TEST_F(arcs, fin_wait1__rcv_fin__closing)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	ASSERT_EQ(0, orphan_in_fin_wait1(self));
	arc = XTCP_COUNTER("FinWait1Closing");

	/* simultaneous close: a FIN that does not ack ours -> ACK, CLOSING */
	ASSERT_EQ(0, peer_fin(p, p->snd_una));
	EXPECT_EQ(XTCP_CLOSING, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("FinWait1Closing"));
}

TEST_F(arcs, fin_wait1__rcv_finack__time_wait)
{
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, orphan_in_fin_wait1(self));

	/* FIN and the ACK of our FIN in one segment: ACK, TIME_WAIT */
	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
}

TEST_F(arcs, closing__rcv_ack_of_fin__time_wait)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	ASSERT_EQ(0, orphan_in_fin_wait1(self));
	ASSERT_EQ(0, peer_fin(p, p->snd_una));
	ASSERT_EQ(XTCP_CLOSING, peer_state(p));
	arc = XTCP_COUNTER("ClosingTimeWait");

	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("ClosingTimeWait"));
}

TEST_F(arcs, fin_wait2__rcv_fin__time_wait)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	ASSERT_EQ(0, orphan_in_fin_wait2(self));
	arc = XTCP_COUNTER("FinWait2TimeWait");

	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("FinWait2TimeWait"));
}

TEST_F(arcs, fin_wait__rcv_data_after_close__closed__fin_wait1)
{
	struct xtcp_peer *p = &self->p;
	long long abort = XTCP_COUNTER("AbortOnData");
	struct peer_seg s;

	ASSERT_EQ(0, orphan_in_fin_wait1(self));

	/* Nobody can read it any more: <SEQ=SEG.ACK><CTL=RST>, CLOSED */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_una, NULL,
			       100));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, p->snd_una, 0));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(abort + 1, XTCP_COUNTER("AbortOnData"));
}

TEST_F(arcs, fin_wait__rcv_data_after_close__closed__fin_wait2)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	ASSERT_EQ(0, orphan_in_fin_wait2(self));

	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL,
			       100));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, p->snd_nxt, 0));
	EXPECT_EQ(0, peer_state(p));
}

TEST_F(arcs, fin_wait1__fin_timeout__closed)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	long long rtx;
	__u32 fin;
	int i;

	/* The RTO after the handshake's RTT sample is rto_min_ms. */
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 200));
	ASSERT_EQ(0, xtcp_sysctl_set("retries2", 2));
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	rtx = XTCP_COUNTER("RetransSegs");
	fin = p->snd_nxt;
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect_fin(p));

	/* retries2 retransmissions of the same FIN, then CLOSED */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, peer_recv(p, &s, 3000));
		ASSERT_EQ(0, peer_check(&s, PEER_FIN | PEER_ACK, fin,
					p->rcv_nxt));
	}
	ASSERT_TRUE(peer_wait_state(p, 0));
	EXPECT_EQ(rtx + 2, XTCP_COUNTER("RetransSegs"));
}

TEST_F(arcs, fin_wait2__timeout__closed)
{
	struct xtcp_peer *p = &self->p;
	long long arc;
	long t0;

	ASSERT_EQ(0, xtcp_sysctl_set("fin_timeout_ms", 300));
	ASSERT_EQ(0, orphan_in_fin_wait1(self));
	t0 = xtcp_now_ms();
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_TRUE(peer_wait_state(p, XTCP_FIN_WAIT2));
	arc = XTCP_COUNTER("FinWait2Closed");

	/* An orphan does not wait for the peer's FIN for ever. */
	ASSERT_TRUE(peer_wait_state(p, 0));
	EXPECT_LE(300, xtcp_now_ms() - t0 + 20);
	EXPECT_EQ(arc + 1, XTCP_COUNTER("FinWait2Closed"));
}

TEST_F(arcs, close_wait__close__last_ack)
{
	struct xtcp_peer *p = &self->p;
	long long estab, arc;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	ASSERT_EQ(XTCP_CLOSE_WAIT, peer_state(p));
	estab = XTCP_COUNTER("CurrEstab");
	arc = XTCP_COUNTER("CloseWaitLastAck");

	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect_fin(p));
	EXPECT_EQ(XTCP_LAST_ACK, peer_state(p));
	EXPECT_EQ(estab - 1, XTCP_COUNTER("CurrEstab"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("CloseWaitLastAck"));
}

TEST_F(arcs, close_wait__rcv_rst__closed_epipe)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	ASSERT_EQ(XTCP_CLOSE_WAIT, peer_state(p));

	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(EPIPE, peer_so_error(self->fd));
}

TEST_F(arcs, last_ack__rcv_ack_of_fin__closed)
{
	struct xtcp_peer *p = &self->p;
	long long arc;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, peer_fin(p, p->snd_nxt));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_expect_fin(p));
	ASSERT_EQ(XTCP_LAST_ACK, peer_state(p));
	arc = XTCP_COUNTER("LastAckClosed");

	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("LastAckClosed"));
}

/* ---- TIME_WAIT ---------------------------------------------------------- */

/* XTCP closes first and the peer's FIN,ACK puts it in TIME_WAIT. */
static int active_close_to_time_wait(struct xtcp_peer *p, int *fd)
{
	close(*fd);
	*fd = -1;
	if (peer_expect_fin(p) || peer_fin(p, p->snd_nxt))
		return -1;
	return peer_state(p) == XTCP_TIME_WAIT ? 0 : -1;
}

TEST_F(arcs, time_wait__timeout__closed)
{
	struct xtcp_peer *p = &self->p;
	const int msl = 250;
	long long arc;
	long t0;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", msl));
	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	t0 = xtcp_now_ms();
	ASSERT_EQ(0, active_close_to_time_wait(p, &self->fd));
	arc = XTCP_COUNTER("TimeWaitClosed");

	/* 2 MSL after entering TIME_WAIT, and not before */
	ASSERT_TRUE(peer_wait_state(p, 0));
	EXPECT_LE(2 * msl, xtcp_now_ms() - t0 + 20);
	EXPECT_EQ(arc + 1, XTCP_COUNTER("TimeWaitClosed"));
}

TEST_F(arcs, time_wait__rcv_rst__time_wait)
{
	struct xtcp_peer *p = &self->p;
	long long out;

	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, active_close_to_time_wait(p, &self->fd));
	out = XTCP_COUNTER("OutSegs");

	/* RFC 1337: an exact RST does not end TIME_WAIT, nor gets a reply */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0));
	ASSERT_EQ(0, peer_send(p, PEER_RST | PEER_ACK, p->rcv_nxt, p->snd_nxt,
			       NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
	/* only the barrier's RST */
	EXPECT_EQ(out + 1, XTCP_COUNTER("OutSegs"));
}

TEST_F(arcs, time_wait__rcv_fin__time_wait)
{
	struct xtcp_peer *p = &self->p;
	const int msl = 1000;
	long t0, t_fin;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", msl));
	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, active_close_to_time_wait(p, &self->fd));
	t0 = xtcp_now_ms();

	/*
	 * Well into 2 MSL the FIN again.  The wait is the point of the test
	 * (time must pass); the barrier then proves XTCP sent nothing in it.
	 */
	usleep(msl * 3 / 4 * 1000);
	ASSERT_EQ(0, peer_expect_none(p));
	ASSERT_EQ(XTCP_TIME_WAIT, peer_state(p));
	t_fin = xtcp_now_ms();
	ASSERT_EQ(0, peer_send(p, PEER_FIN | PEER_ACK, p->rcv_nxt - 1,
			       p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_expect_ack(p));

	/* TIME_WAIT now ends 2 MSL after that FIN, not after the first. */
	ASSERT_TRUE(peer_wait_state(p, 0));
	EXPECT_LE(2 * msl, xtcp_now_ms() - t_fin + 20)
		TH_LOG("TIME_WAIT ended %ld ms after the first FIN, %ld after the second",
		       xtcp_now_ms() - t0, xtcp_now_ms() - t_fin);
}

TEST_F(arcs, time_wait__rcv_syn__reopen)
{
	struct xtcp_peer *p = &self->p;
	long long reopens = XTCP_COUNTER("TimeWaitReopens");
	struct peer_seg s;
	__u32 iss, old_snd_nxt;
	int fd;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, active_close_to_time_wait(p, &self->fd));

	/*
	 * A new SYN from the same port, above RCV.NXT, and a listener on
	 * the port: TIME_WAIT gives way to a new connection (Linux does so).
	 */
	old_snd_nxt = p->snd_nxt;
	p->irs = p->rcv_nxt + 100000;
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	iss = s.seq;
	ASSERT_EQ(0, peer_check(&s, PEER_SYN | PEER_ACK, iss, p->irs + 1));
	/*
	 * The new incarnation's sequence space starts beyond all the old
	 * one used (RFC 9293 3.4.1; RFC 6528's clock moved on meanwhile),
	 * so that no old duplicate falls into the new window.
	 */
	EXPECT_LT(0, (__s32)(iss - old_snd_nxt))
		TH_LOG("new ISS %u, old SND.NXT %u", iss, old_snd_nxt);
	EXPECT_EQ(0, peer_check_syn_options(&s));
	EXPECT_EQ(XTCP_SYN_RECV, peer_state(p));
	EXPECT_EQ(reopens + 1, XTCP_COUNTER("TimeWaitReopens"));

	p->iss = iss;
	p->rcv_nxt = p->irs + 1;
	p->snd_nxt = iss + 1;
	ASSERT_EQ(0, peer_open_ack(p));
	fd = peer_accept(self->lfd);
	ASSERT_LE(0, fd);
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 20));
	p->rcv_nxt += 20;
	EXPECT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(20, peer_user_inq(fd));
	close(fd);
}

TEST_F(arcs, time_wait__rcv_syn_no_listener__ack)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, active_close_to_time_wait(p, &self->fd));

	/* Nobody listens on XPORT: the SYN only gets an ACK. */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->rcv_nxt + 100000, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
}

/*
 * An orphan in TIME_WAIT that connect() made: XPORT is the only port
 * connect() may choose.  The peer's FIN sets TS.Recent in a second
 * (CLOCK_MONOTONIC's, as the module's ktime_get_seconds()) no later than
 * *@sec.
 */
static int time_wait_from_connect(struct xtcp_peer *p, bool ts, int *fd,
				  long *sec)
{
	char range[32];

	snprintf(range, sizeof(range), "%d %d", XPORT, XPORT);
	if (xtcp_write_file(XTCP_PORT_RANGE, range))
		return -1;
	p->ts = ts;
	p->xport = XPORT;
	*fd = xtcp_socket();
	if (*fd < 0 || peer_connect_fd(p, *fd) || peer_open_synack(p) ||
	    p->ts_ok != ts || active_close_to_time_wait(p, fd))
		return -1;
	*sec = xtcp_now_ms() / 1000;
	return 0;
}

/* A non-blocking connect() to the peer from a new socket: its errno. */
static int connect_errno(int *fd)
{
	*fd = xtcp_socket();
	if (*fd < 0 || fcntl(*fd, F_SETFL, O_NONBLOCK))
		return -1;
	return xtcp_connect_to(*fd, PEER_IP, PPORT) ? errno : 0;
}

TEST_F(arcs, time_wait__connect__closed)
{
	struct xtcp_peer *p = &self->p;
	long long reused, arc;
	__u32 old_snd_nxt;
	long sec;
	int fd;

	/* The peer is on veth: 2, the default, is for loopback alone. */
	ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", 1));
	ASSERT_EQ(0, time_wait_from_connect(p, true, &self->fd, &sec));
	old_snd_nxt = p->snd_nxt;
	reused = XTCP_COUNTER("TimeWaitReused");
	arc = XTCP_COUNTER("TimeWaitClosed");
	xtcp_wait_past_second(sec);

	/*
	 * A new connection on the same 4-tuple ends TIME_WAIT.  Its ISS lies
	 * 64 KiB + 1 beyond the old SND.NXT, so that the old sequence space
	 * is behind it (and a peer still in TIME_WAIT would take the SYN).
	 */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, peer_connect_fd(p, fd));
	EXPECT_EQ(old_snd_nxt + 65535 + 2, p->iss);
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));
	EXPECT_EQ(reused + 1, XTCP_COUNTER("TimeWaitReused"));
	EXPECT_EQ(arc + 1, XTCP_COUNTER("TimeWaitClosed"));

	/* The new incarnation works: handshake, then text both ways. */
	p->irs = p->rcv_nxt + 100000;
	ASSERT_EQ(0, peer_open_synack(p));
	ASSERT_TRUE(peer_wait_state(p, XTCP_ESTABLISHED));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 20));
	p->rcv_nxt += 20;
	EXPECT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(20, peer_user_inq(fd));
	close(fd);
}

TEST_F(arcs, time_wait__connect_not_reusable__eaddrnotavail)
{
	struct xtcp_peer *p = &self->p;
	long long reused;
	int fd, err, reuse;
	long sec, begin;

	ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", 1));
	ASSERT_EQ(0, time_wait_from_connect(p, true, &self->fd, &sec));
	reused = XTCP_COUNTER("TimeWaitReused");

	/*
	 * Within the second of the peer's last timestamp: not yet.  Half a
	 * second into one (the module's seconds clock may move a tick late),
	 * the peer sends a bare ACK at RCV.NXT, which sets TS.Recent (the
	 * barrier proves it was taken), and connect() follows in the same
	 * second.
	 */
	begin = xtcp_now_ms() / 1000 * 1000 + 500;
	if (xtcp_now_ms() > begin)
		begin += 1000;
	while (xtcp_now_ms() < begin)
		usleep(5 * 1000);
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	err = connect_errno(&fd);
	close(fd);
	if (xtcp_now_ms() / 1000 != begin / 1000)
		SKIP(return, "the ACK and connect() took half a second");
	EXPECT_EQ(EADDRNOTAVAIL, err);
	sec = begin / 1000;
	xtcp_wait_past_second(sec);

	/* 0: never; 2: loopback alone, and the peer is on veth. */
	for (reuse = 0; reuse <= 2; reuse += 2) {
		ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", reuse));
		EXPECT_EQ(EADDRNOTAVAIL, connect_errno(&fd))
			TH_LOG("tw_reuse %d", reuse);
		close(fd);
	}
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
	EXPECT_EQ(reused, XTCP_COUNTER("TimeWaitReused"));

	/* It was the sysctl: 1 lets the same connect() through. */
	ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", 1));
	EXPECT_EQ(EINPROGRESS, connect_errno(&fd));
	close(fd);
	EXPECT_EQ(reused + 1, XTCP_COUNTER("TimeWaitReused"));
}

TEST_F(arcs, time_wait__connect_without_timestamps__eaddrnotavail)
{
	struct xtcp_peer *p = &self->p;
	long sec;
	int fd;

	/* Without PAWS an old segment could land in the new connection. */
	ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", 1));
	ASSERT_EQ(0, time_wait_from_connect(p, false, &self->fd, &sec));
	xtcp_wait_past_second(sec);
	EXPECT_EQ(EADDRNOTAVAIL, connect_errno(&fd));
	close(fd);
	EXPECT_EQ(XTCP_TIME_WAIT, peer_state(p));
}

/* ---- LISTEN and CLOSED -------------------------------------------------- */

TEST_F(arcs, listen__rcv_ack__rst)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_send(p, PEER_ACK, 1234, 0xabcdef01, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, 0xabcdef01, 0));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
}

TEST_F(arcs, listen__rcv_rst__ignored)
{
	struct xtcp_peer *p = &self->p;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_send(p, PEER_RST, 1234, 0, NULL, 0));
	ASSERT_EQ(0, peer_send(p, PEER_RST | PEER_ACK, 1234, 5678, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(XPORT, 0));
}

TEST_F(arcs, listen__close__closed)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, peer_open_syn(p));
	close(self->lfd);
	self->lfd = -1;
	/* Closing a listener resets its children: <SEQ=SND.NXT><RST,ACK> */
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, p->snd_nxt,
				 p->rcv_nxt));
	EXPECT_EQ(0, xtcp_proc_state(XPORT, 0));
	EXPECT_TRUE(peer_wait_state(p, 0));
	EXPECT_EQ(0, peer_expect_none(p));

	/* and the port is closed: a SYN gets <SEQ=0><ACK=SEG.SEQ+1><RST,ACK> */
	p->port = PPORT + 1;
	ASSERT_EQ(0, peer_send(p, PEER_SYN, 777, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0, 778));
}

TEST_F(arcs, closed__rcv_syn__rst)
{
	struct xtcp_peer *p = &self->p;
	long long rsts = XTCP_COUNTER("OutRsts");
	struct peer_seg s;

	p->xport = XPORT;
	/* no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0, p->irs + 1));
	EXPECT_EQ(0, s.win);
	EXPECT_EQ(0, s.optlen);
	EXPECT_EQ(rsts + 1, XTCP_COUNTER("OutRsts"));
	EXPECT_EQ(0, peer_state(p));
}

TEST_F(arcs, closed__rcv_ack__rst)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	p->xport = XPORT;
	/* ACK bit: <SEQ=SEG.ACK><CTL=RST> */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, 1000, 0x80000001, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, 0x80000001, 0));
	ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_FIN, 1000, 42, NULL, 10));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST, 42, 0));
}

TEST_F(arcs, closed__rcv_fin_or_data__rst_ack_counts_seg_len)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;

	p->xport = XPORT;
	/* SEG.LEN counts FIN and data */
	ASSERT_EQ(0, peer_send(p, PEER_FIN, 1000, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0, 1001));
	ASSERT_EQ(0, peer_send(p, 0, 2000, 0, NULL, 100));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0, 2100));
	ASSERT_EQ(0, peer_send(p, PEER_FIN, 3000, 0, NULL, 100));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0, 3101));
	ASSERT_EQ(0, peer_send(p, PEER_SYN | PEER_FIN, 4000, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect(p, &s, PEER_RST | PEER_ACK, 0, 4002));
}

TEST_F(arcs, closed__rcv_rst__nothing)
{
	struct xtcp_peer *p = &self->p;
	long long rsts = XTCP_COUNTER("OutRsts");

	p->xport = XPORT;
	ASSERT_EQ(0, peer_send(p, PEER_RST, 1000, 0, NULL, 0));
	ASSERT_EQ(0, peer_send(p, PEER_RST | PEER_ACK, 1000, 2000, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	/* only the barrier's RST */
	EXPECT_EQ(rsts + 1, XTCP_COUNTER("OutRsts"));
}

TEST_HARNESS_MAIN
