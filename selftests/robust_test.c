// SPDX-License-Identifier: GPL-2.0
/*
 * The defects a netdev review found, one test each, named after the rule
 * it checks.  Each failed before its fix, on the kernel that shows it (the
 * sleeping allocation only on the debug kernel, through its dmesg scan).
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the scripted peer (xtcp_peer.h) is
 * 10.0.0.2:PPORT.  "No reply" is proven by a barrier.
 */
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pthread.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000

FIXTURE(robust) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the connection's socket */
};

FIXTURE_SETUP(robust)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	peer_quiet_timers();
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(robust)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* A counter that must exist: a missing one fails the test at once. */
static long long ctr(struct __test_metadata *_metadata, const char *name)
{
	long long v = xtcp_counter(name);

	if (v < 0) {
		TH_LOG("no counter %s in /proc/net/xtcp_snmp", name);
		abort();
	}
	return v;
}

#define CTR(name)	ctr(_metadata, name)

/* Wait, bounded, until counter @name reads @want. */
static bool wait_counter(struct __test_metadata *_metadata, const char *name,
			 long long want)
{
	long end = xtcp_now_ms() + XTCP_WAIT_MS;

	do {
		if (ctr(_metadata, name) == want)
			return true;
		usleep(2000);
	} while (xtcp_now_ms() < end);
	return false;
}

/* Wait, bounded, until the connection's state is @state (0: gone). */
static bool wait_state_ms(const struct xtcp_peer *p, int state, long ms)
{
	long end = xtcp_now_ms() + ms;

	do {
		if (peer_state(p) == state)
			return true;
		usleep(2000);
	} while (xtcp_now_ms() < end);
	return false;
}

/* ---- local transmit failures --------------------------------------------- */

/*
 * A qdisc that refuses everything: ip_local_out() fails for every segment
 * XTCP sends on xtcp0 (NET_XMIT_DROP).
 */
static int refuse_xmit(void)
{
	return xtcp_sh("tc qdisc replace dev %s root pfifo limit 0", PEER_XTCP_IF);
}

TEST_F(robust, xmit_failure__syn_sent__etimedout)
{
	struct xtcp_peer *p = &self->p;
	struct pollfd pfd;
	int fd;

	ASSERT_EQ(0, xtcp_sysctl_set("syn_retries", 2));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 100));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 100));
	ASSERT_EQ(0, refuse_xmit());

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	self->fd = fd;
	ASSERT_EQ(0, fcntl(fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, xtcp_bind_to(fd, PEER_XTCP_IP, XPORT));
	p->xport = XPORT;
	ASSERT_EQ(-1, xtcp_connect_to(fd, PEER_IP, PPORT));
	ASSERT_EQ(EINPROGRESS, errno);

	/* 100 + 200 + 400 ms of RTO, then the SYN is given up. */
	pfd.fd = fd;
	pfd.events = POLLOUT;
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_EQ(ETIMEDOUT, peer_so_error(fd));
	EXPECT_EQ(0, peer_state(p));
}

TEST_F(robust, xmit_failure__syn_rcvd__child_dropped)
{
	struct xtcp_peer *p = &self->p;
	long long fails;

	ASSERT_EQ(0, xtcp_sysctl_set("synack_retries", 2));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 100));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 100));
	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, xtcp_bind_to(self->lfd, PEER_XTCP_IP, XPORT));
	/* One slot: a child stuck in SYN_RCVD would hold it for ever. */
	ASSERT_EQ(0, listen(self->lfd, 1));
	p->xport = XPORT;
	fails = CTR("AttemptFails");
	ASSERT_EQ(0, refuse_xmit());

	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_TRUE(wait_state_ms(p, XTCP_SYN_RECV, 2000));
	ASSERT_TRUE(wait_state_ms(p, 0, 10000));
	EXPECT_EQ(fails + 1, CTR("AttemptFails"));

	/* The slot is free again: a new SYN is answered. */
	ASSERT_EQ(0, xtcp_sh("tc qdisc del dev %s root", PEER_XTCP_IF));
	p->port = PPORT + 1;
	p->irs += 1000;
	ASSERT_EQ(0, peer_open_syn(p));
}

/* ---- zero window ---------------------------------------------------------- */

/* A connection whose peer shuts its window at once; @fd has 100 bytes queued. */
static int zero_window_conn(struct _test_data_robust *self)
{
	struct xtcp_peer *p = &self->p;
	char buf[100];

	p->win = 0;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	if (self->fd < 0)
		return -1;
	memset(buf, 'z', sizeof(buf));
	if (send(self->fd, buf, sizeof(buf), 0) != sizeof(buf))
		return -1;
	return 0;
}

/* The next window probe: <SEQ=SND.UNA-1><ACK=RCV.NXT><CTL=ACK>, no text. */
static int expect_probe(struct xtcp_peer *p, int ms)
{
	struct peer_seg s;

	if (peer_recv(p, &s, ms))
		return -1;
	return peer_check(&s, PEER_ACK, p->snd_una - 1, p->rcv_nxt) ||
	       s.len ? -1 : 0;
}

TEST_F(robust, zero_window__silent_peer__etimedout)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	long long timeouts;
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("retries2", 3));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 100));
	timeouts = CTR("ProbeTimeouts");
	ASSERT_EQ(0, zero_window_conn(self));

	/* Three probes go unanswered; then the connection is given up. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, expect_probe(p, 5000));
	ASSERT_EQ(0, peer_recv(p, &s, 10000));
	EXPECT_EQ(0, peer_check(&s, PEER_RST | PEER_ACK, p->snd_nxt,
				p->rcv_nxt));
	EXPECT_TRUE(wait_state_ms(p, 0, 2000));
	EXPECT_EQ(ETIMEDOUT, peer_so_error(self->fd));
	EXPECT_EQ(timeouts + 1, CTR("ProbeTimeouts"));
}

TEST_F(robust, zero_window__answering_peer__kept_while_owned)
{
	struct xtcp_peer *p = &self->p;
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("retries2", 2));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 100));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_max_ms", 400));
	ASSERT_EQ(0, zero_window_conn(self));

	/* RFC 1122 4.2.2.17: probe as long as the peer answers. */
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, expect_probe(p, 5000));
		ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_una,
				       NULL, 0));
	}
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	EXPECT_EQ(0, peer_so_error(self->fd));
}

TEST_F(robust, zero_window__answering_peer__orphan_aborted)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	long long timeouts;
	int i, probes = 0;

	ASSERT_EQ(0, xtcp_sysctl_set("orphan_retries", 3));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 100));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_max_ms", 400));
	timeouts = CTR("ProbeTimeouts");
	ASSERT_EQ(0, zero_window_conn(self));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(XTCP_FIN_WAIT1, peer_state(p));

	/* The peer answers every probe, and still the orphan gives up. */
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, peer_recv(p, &s, 5000));
		if (s.flags & PEER_RST)
			break;
		ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_una - 1,
					p->rcv_nxt));
		probes++;
		ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_una,
				       NULL, 0));
	}
	EXPECT_EQ(3, probes);
	EXPECT_EQ(PEER_RST | PEER_ACK, s.flags);
	EXPECT_TRUE(wait_state_ms(p, 0, 2000));
	EXPECT_EQ(timeouts + 1, CTR("ProbeTimeouts"));
}

/* ---- a peer window below the segment size --------------------------------- */

TEST_F(robust, small_peer_window__segments_fit)
{
	struct xtcp_peer *p = &self->p;
	unsigned char out[1000], in[1000];
	unsigned int got = 0;
	struct peer_seg s;
	size_t i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = xtcp_pattern(i);
	p->win = 100;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ((ssize_t)sizeof(out), send(self->fd, out, sizeof(out), 0));

	/* Every segment fits the 100 bytes offered; all arrive, in order. */
	while (got < sizeof(out)) {
		ASSERT_EQ(0, peer_recv(p, &s, 3000));
		ASSERT_EQ(p->snd_una, s.seq);
		ASSERT_LT(0, s.len);
		ASSERT_GE(100, s.len);
		memcpy(in + got, s.data, s.len);
		got += s.len;
		p->snd_una = s.seq + s.len;
		ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_una,
				       NULL, 0));
	}
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
}

/* ---- segments carry their socket ------------------------------------------ */

TEST_F(robust, xmit__skb_owned_by_socket)
{
	struct xtcp_peer *p = &self->p;
	__u32 mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);
	char buf[20000];

	p->win = 65535;
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	/* A slow queue holds what XTCP sends, charged to its owner. */
	ASSERT_EQ(0, xtcp_sh("tc qdisc replace dev %s root tbf rate 8kbit burst 1600 limit 100000",
			     PEER_XTCP_IF));
	memset(buf, 'o', sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->fd, buf, sizeof(buf), 0));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_MEMINFO, mem, &len));
	EXPECT_LT(0, mem[SK_MEMINFO_WMEM_ALLOC]);
	TH_LOG("wmem_alloc %u with segments queued", mem[SK_MEMINFO_WMEM_ALLOC]);
	ASSERT_EQ(0, xtcp_sh("tc qdisc del dev %s root", PEER_XTCP_IF));
}

/* ---- input policy: socket filters and IPsec -------------------------------- */

TEST_F(robust, so_attach_filter__drops_input)
{
	struct sock_filter drop_all = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop_all };
	struct xtcp_peer *p = &self->p;
	long long drops;
	int zero = 0;

	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_ATTACH_FILTER,
				&prog, sizeof(prog)));
	drops = CTR("FilterDrops");

	/* The filter drops the text: no ACK, nothing to read. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 100));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_user_inq(self->fd));
	EXPECT_EQ(drops + 1, CTR("FilterDrops"));

	/* Without it, the retransmission is taken. */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_DETACH_FILTER,
				&zero, sizeof(zero)));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 100));
	p->rcv_nxt += 100;
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(100, peer_user_inq(self->fd));
}

TEST_F(robust, xfrm_policy__blocks_input)
{
	struct xtcp_peer *p = &self->p;
	long long drops;

	self->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, xtcp_sh("ip xfrm policy add src %s/32 dst %s/32 proto %d dir in action block",
			     PEER_IP, PEER_XTCP_IP, p->proto));
	drops = CTR("PolicyDrops");

	/*
	 * The policy blocks the SYN: no SYN,ACK, no child.  It would block
	 * the barrier probe too: flush it once the SYN is counted.
	 */
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_TRUE(wait_counter(_metadata, "PolicyDrops", drops + 1));
	ASSERT_EQ(0, xtcp_sh("ip xfrm policy flush"));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(drops + 1, CTR("PolicyDrops"));

	ASSERT_EQ(0, peer_open_syn(p));
}

/* ---- RFC 5961: challenge ACKs and out-of-window ACKs ---------------------- */

TEST_F(robust, challenge_ack__per_socket_limit)
{
	struct xtcp_peer *p = &self->p;
	long long chall, skipped;

	ASSERT_EQ(0, xtcp_sysctl_set("invalid_ratelimit_ms", 60000));
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	chall = CTR("ChallengeACKs");
	skipped = CTR("OutOfWindowAckSkipped");

	/* Two RSTs in the window, not exact: one challenge, then quiet. */
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt + 1, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_ack(p));
	ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt + 2, 0, NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(chall + 1, CTR("ChallengeACKs"));
	EXPECT_EQ(skipped + 1, CTR("OutOfWindowAckSkipped"));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
}

TEST_F(robust, challenge_ack__namespace_budget)
{
	struct xtcp_peer *p = &self->p;
	const int limit = 4, sent = 40;
	long long chall, skipped;
	struct peer_seg s;
	int i, acks = 0;

	/* No per-socket limit: only the namespace budget counts. */
	ASSERT_EQ(0, xtcp_sysctl_set("invalid_ratelimit_ms", 0));
	ASSERT_EQ(0, xtcp_sysctl_set("challenge_ack_limit", limit));
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);
	chall = CTR("ChallengeACKs");
	skipped = CTR("ChallengeACKSkipped");

	for (i = 0; i < sent; i++)
		ASSERT_EQ(0, peer_send(p, PEER_RST, p->rcv_nxt + 1 + i, 0,
				       NULL, 0));
	while (peer_barrier(p, &s, PEER_REPLY_MS) == 1) {
		ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_nxt, p->rcv_nxt));
		acks++;
	}
	/* A budget in [limit/2, 3 limit/2) a second; two seconds at most. */
	EXPECT_LE(limit / 2, acks);
	EXPECT_GE(2 * (3 * limit / 2 - 1), acks);
	EXPECT_EQ(chall + acks, CTR("ChallengeACKs"));
	EXPECT_EQ(skipped + sent - acks, CTR("ChallengeACKSkipped"));
}

TEST_F(robust, out_of_window_ack__rate_limited)
{
	struct xtcp_peer *p = &self->p;

	ASSERT_EQ(0, xtcp_sysctl_set("invalid_ratelimit_ms", 60000));
	self->fd = peer_open_passive(p, XPORT, &self->lfd);
	ASSERT_LE(0, self->fd);

	/* Bare segments outside the window: one ACK, then quiet. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt + 100000, p->snd_nxt,
			       NULL, 0));
	ASSERT_EQ(0, peer_expect_ack(p));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt + 100000, p->snd_nxt,
			       NULL, 0));
	ASSERT_EQ(0, peer_expect_none(p));

	/* Old text is no ACK loop: always answered. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt - 10, p->snd_nxt,
			       NULL, 10));
	ASSERT_EQ(0, peer_expect_ack(p));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt - 10, p->snd_nxt,
			       NULL, 10));
	ASSERT_EQ(0, peer_expect_ack(p));
}

/* ---- ICMP errors (RFC 5927) ------------------------------------------------ */

TEST_F(robust, icmp_unreach__syn_sent__quoted_seq_checked)
{
	struct xtcp_peer *p = &self->p;
	long long oow;

	self->fd = peer_connect(p, XPORT);
	ASSERT_LE(0, self->fd);
	oow = CTR("OutOfWindowIcmps");

	/* A guess at the ports with the wrong SEQ: ignored, counted. */
	ASSERT_EQ(0, peer_send_icmp_unreach(p, 3, p->iss + 12345, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_SYN_SENT, peer_state(p));
	EXPECT_EQ(oow + 1, CTR("OutOfWindowIcmps"));
	EXPECT_EQ(0, peer_so_error(self->fd));

	/* Port unreachable quoting our SYN: a hard error, connect fails. */
	ASSERT_EQ(0, peer_send_icmp_unreach(p, 3, p->iss, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(0, peer_state(p));
	EXPECT_EQ(ECONNREFUSED, peer_so_error(self->fd));
}

TEST_F(robust, icmp_unreach__established__soft_error_only)
{
	struct xtcp_peer *p = &self->p;

	self->fd = peer_open_active(p, XPORT);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, send(self->fd, "abc", 3, 0) == 3 ? 0 : -1);
	ASSERT_EQ(0, peer_recv(p, &(struct peer_seg){ 0 }, 2000));

	/* A hard error for a synchronized connection is only noted. */
	ASSERT_EQ(0, peer_send_icmp_unreach(p, 1, p->snd_una, 0));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(XTCP_ESTABLISHED, peer_state(p));
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_una, NULL, 5));
	p->rcv_nxt += 5;
	ASSERT_EQ(0, peer_expect_ack(p));
}

/* ---- addresses: devices, broadcast, multicast ------------------------------ */

TEST_F(robust, so_bindtodevice__listener_hears_its_device_only)
{
	struct xtcp_peer *p = &self->p;
	struct peer_seg s;
	int fd2;

	/* A listener on any address, bound to lo: the SYN on xtcp0 is not its. */
	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_BINDTODEVICE, "lo",
				3));
	ASSERT_EQ(0, xtcp_bind_to(self->lfd, "0.0.0.0", XPORT));
	ASSERT_EQ(0, listen(self->lfd, 4));
	p->xport = XPORT;
	ASSERT_EQ(0, peer_send(p, PEER_SYN, p->irs, 0, NULL, 0));
	ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
	EXPECT_EQ(0, peer_check(&s, PEER_RST | PEER_ACK, 0, p->irs + 1));

	/* One bound to xtcp0 on the same port answers it. */
	fd2 = xtcp_socket();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, setsockopt(fd2, SOL_SOCKET, SO_BINDTODEVICE, PEER_XTCP_IF,
				strlen(PEER_XTCP_IF) + 1));
	ASSERT_EQ(0, xtcp_bind_to(fd2, "0.0.0.0", XPORT));
	ASSERT_EQ(0, listen(fd2, 4));
	EXPECT_EQ(0, peer_open_syn(p));
	close(fd2);
}

/* A SYN from the peer to @dst, which is not 10.0.0.1's unicast address. */
static int syn_to(struct xtcp_peer *p, const char *dst)
{
	__be32 xaddr = p->xaddr;
	int err;

	p->xaddr = inet_addr(dst);
	err = peer_send(p, PEER_SYN, p->irs, 0, NULL, 0);
	p->xaddr = xaddr;
	return err;
}

TEST_F(robust, syn_to_broadcast_or_multicast__dropped)
{
	struct xtcp_peer *p = &self->p;
	long long notuni;

	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, xtcp_bind_to(self->lfd, "0.0.0.0", XPORT));
	ASSERT_EQ(0, listen(self->lfd, 4));
	p->xport = XPORT;
	notuni = CTR("NotUnicast");

	ASSERT_EQ(0, syn_to(p, "10.0.0.255"));
	ASSERT_EQ(0, syn_to(p, "224.0.0.1"));
	ASSERT_EQ(0, peer_expect_none(p));
	EXPECT_EQ(1, xtcp_proc_count());	/* the listener alone */
	EXPECT_EQ(notuni + 2, CTR("NotUnicast"));
}

/* ---- /proc never shows CLOSED ---------------------------------------------- */

struct proc_reader {
	bool stop;	/* read and written with __atomic builtins */
	int closed_lines;
	int reads;
};

static void *read_proc_loop(void *arg)
{
	struct proc_reader *r = arg;
	char line[512];

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		FILE *f = fopen("/proc/net/xtcp", "r");

		if (!f)
			break;
		while (fgets(line, sizeof(line), f)) {
			unsigned int st;

			if (sscanf(line, " %*d: %*8X:%*4X %*8X:%*4X %2X", &st) == 1 &&
			    st == XTCP_CLOSE)
				r->closed_lines++;
		}
		fclose(f);
		r->reads++;
	}
	return NULL;
}

/*
 * 300 handshakes and resets beside a reader: on the debug kernel, beside
 * another program (make check-debug's second lane), that takes more than
 * the harness's 30 s.  No shared state: the fixture is for the bound.
 */
FIXTURE(proc_race) {
	int unused;
};

FIXTURE_SETUP(proc_race)
{
}

FIXTURE_TEARDOWN(proc_race)
{
}

TEST_F_TIMEOUT(proc_race, proc__never_shows_closed, 180)
{
	struct proc_reader r = { 0 };
	pthread_t th;
	int i, lfd, port;

	ASSERT_EQ(0, xtcp_netns_enter());
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pthread_create(&th, NULL, read_proc_loop, &r));
	for (i = 0; i < 300; i++) {
		int c = xtcp_socket(), a;

		ASSERT_LE(0, c);
		ASSERT_EQ(0, xtcp_connect_to(c, "127.0.0.1", port));
		a = accept(lfd, NULL, NULL);
		ASSERT_LE(0, a);
		/* Reset both ways: CLOSED at once on both ends. */
		ASSERT_EQ(0, xtcp_set_linger(c, 1, 0));
		close(c);
		close(a);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	close(lfd);
	TH_LOG("%d reads of /proc/net/xtcp", r.reads);
	EXPECT_LT(0, r.reads);
	EXPECT_EQ(0, r.closed_lines);
}

/* ---- /proc reads in small pieces: every socket once ----------------------- */

/* 600 listeners take more than 30 s on the debug kernel beside a VM. */
FIXTURE(proc_small) {
};

FIXTURE_SETUP(proc_small)
{
}

FIXTURE_TEARDOWN(proc_small)
{
}

TEST_F_TIMEOUT(proc_small, proc__small_reads_see_every_socket_once, 120)
{
	const int n = 600;
	int fds[600], ports[600], i, lines = 0, seen = 0;
	char *text, *line, *save;
	size_t cap = 1 << 20, len = 0;
	ssize_t k;
	int fd;

	ASSERT_EQ(0, xtcp_netns_enter());
	for (i = 0; i < n; i++) {
		fds[i] = xtcp_listener(&ports[i]);
		ASSERT_LE(0, fds[i]);
	}
	text = malloc(cap);
	ASSERT_NE(NULL, text);
	fd = open("/proc/net/xtcp", O_RDONLY);
	ASSERT_LE(0, fd);
	/* Reads smaller than a line: the walk resumes hundreds of times. */
	while ((k = read(fd, text + len, 97)) > 0) {
		len += k;
		ASSERT_GT(cap - 100, len);
	}
	close(fd);
	text[len] = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int lp, st;

		if (sscanf(line, " %*d: %*8X:%4X %*8X:%*4X %2X", &lp, &st) != 2)
			continue;
		lines++;
		for (i = 0; i < n; i++)
			if (ports[i] == (int)lp && st == XTCP_LISTEN) {
				seen++;
				ports[i] = -1;
				break;
			}
	}
	free(text);
	EXPECT_EQ(n, lines);
	EXPECT_EQ(n, seen);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
