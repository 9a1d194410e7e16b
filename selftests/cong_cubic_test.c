// SPDX-License-Identifier: GPL-2.0
/*
 * CUBIC (RFC 9438, module/cong_cubic.c), choosing an algorithm
 * (net.xtcp.congestion_control, XTCP_CONGESTION, module/cong.c) and the
 * pacing rate the fq qdisc reads (sk_pacing_rate):
 *
 * - select__*: the default is cubic; the sysctl and the socket option
 *   take a registered name and refuse others with ENOENT, as TCP's; new
 *   sockets follow the namespace's default, accepted ones their
 *   listener's; a connection can switch.
 * - loss__*: against the scripted peer, three duplicate ACKs cut SSTHRESH
 *   to beta_cubic = 0.7 of the flight (Reno: 0.5), and recovery ends with
 *   SND.CWND = SSTHRESH.
 * - growth__*: after that loss the peer ACKs a whole window every half
 *   second; each ACK must bring SND.CWND to W_cubic(t + RTT) (4.2),
 *   concave below W_max, flat around it at t = K, convex beyond.
 * - pacing__*: XTCP_INFO's pacing rate is 200% (slow start) of
 *   SND.CWND * MSS / SRTT, capped by SO_MAX_PACING_RATE; under fq a
 *   low SO_MAX_PACING_RATE spaces XTCP's segments.
 * - hystart__*: HyStart++ (RFC 9406): the peer holds each round's ACKs;
 *   a round whose least RTT lies well above the last one's ends slow
 *   start (SSTHRESH = SND.CWND), a steady RTT lets SND.CWND double.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT; XTCP's
 * segments carry SEG bytes each (the peer's MSS).
 */
#include <netinet/in.h>
#include <linux/sockios.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000
#define SEG	1000
#define IW	10

/* The algorithm @fd uses, by XTCP_CONGESTION, into @name. */
static int get_cc(int fd, char name[XTCP_CA_NAME_MAX])
{
	socklen_t len = XTCP_CA_NAME_MAX;

	memset(name, 0, XTCP_CA_NAME_MAX);
	return getsockopt(fd, SOL_XTCP, XTCP_CONGESTION, name, &len);
}

static int set_cc(int fd, const char *name)
{
	return setsockopt(fd, SOL_XTCP, XTCP_CONGESTION, name, strlen(name));
}

static bool default_is(const char *want)
{
	char buf[64];

	return !xtcp_sysctl_get_str("congestion_control", buf, sizeof(buf)) &&
	       !strcmp(buf, want);
}

TEST(select__default_is_cubic)
{
	char name[XTCP_CA_NAME_MAX], avail[256];
	int fd;

	ASSERT_EQ(0, xtcp_netns_enter());
	EXPECT_TRUE(default_is("cubic"));
	ASSERT_EQ(0, xtcp_sysctl_get_str("available_congestion_control",
					 avail, sizeof(avail)));
	EXPECT_NE(NULL, strstr(avail, "cubic"));
	EXPECT_NE(NULL, strstr(avail, "reno"));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_cc(fd, name));
	EXPECT_STREQ("cubic", name);
	close(fd);
}

/* The sysctl round-trips; an unknown name is ENOENT and changes nothing. */
TEST(select__sysctl_round_trip_enoent)
{
	char name[XTCP_CA_NAME_MAX];
	int fd;

	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "reno"));
	EXPECT_TRUE(default_is("reno"));
	errno = 0;
	EXPECT_EQ(-1, xtcp_sysctl_set_str("congestion_control", "nosuchcc"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(default_is("reno"));
	/* A new socket follows the changed default. */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_cc(fd, name));
	EXPECT_STREQ("reno", name);
	close(fd);
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "cubic\n"));
	EXPECT_TRUE(default_is("cubic"));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_cc(fd, name));
	EXPECT_STREQ("cubic", name);
	close(fd);
}

/* XTCP_CONGESTION by name, as TCP_CONGESTION. */
TEST(select__setsockopt_by_name)
{
	char name[XTCP_CA_NAME_MAX];
	socklen_t len = 3;
	int fd;

	ASSERT_EQ(0, xtcp_netns_enter());
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_cc(fd, "reno"));
	ASSERT_EQ(0, get_cc(fd, name));
	EXPECT_STREQ("reno", name);
	EXPECT_EQ(-1, set_cc(fd, "nosuchcc"));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, get_cc(fd, name));
	EXPECT_STREQ("reno", name);
	/* The terminating NUL may come with the name. */
	ASSERT_EQ(0, setsockopt(fd, SOL_XTCP, XTCP_CONGESTION, "cubic", 6));
	ASSERT_EQ(0, get_cc(fd, name));
	EXPECT_STREQ("cubic", name);
	/* A short buffer gets the start of the name, as TCP_CONGESTION. */
	memset(name, 0, sizeof(name));
	ASSERT_EQ(0, getsockopt(fd, SOL_XTCP, XTCP_CONGESTION, name, &len));
	EXPECT_EQ(3, len);
	EXPECT_STREQ("cub", name);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, XTCP_CONGESTION, "", 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/*
 * An accepted socket takes its listener's algorithm, not the default;
 * XTCP_CONGESTION switches it mid-connection.
 */
TEST(select__accepted_child_inherits_listener)
{
	static const char * const algos[] = { "reno", "cubic" };
	char name[XTCP_CA_NAME_MAX], buf[5];
	int i, lfd, cfd, afd, port;

	ASSERT_EQ(0, xtcp_netns_enter());
	for (i = 0; i < 2; i++) {
		/* The default is the other one. */
		ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control",
						 algos[!i]));
		lfd = xtcp_listener(&port);
		ASSERT_LE(0, lfd);
		ASSERT_EQ(0, set_cc(lfd, algos[i]));
		cfd = xtcp_socket();
		ASSERT_LE(0, cfd);
		ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.1", port));
		afd = accept(lfd, NULL, NULL);
		ASSERT_LE(0, afd);
		ASSERT_EQ(0, get_cc(afd, name));
		EXPECT_STREQ(algos[i], name);
		/* The connecting socket has the default. */
		ASSERT_EQ(0, get_cc(cfd, name));
		EXPECT_STREQ(algos[!i], name);
		/* Switched mid-connection, it goes on carrying text. */
		ASSERT_EQ(0, set_cc(afd, algos[!i]));
		ASSERT_EQ(0, get_cc(afd, name));
		EXPECT_STREQ(algos[!i], name);
		ASSERT_EQ(5, send(afd, "hello", 5, 0));
		ASSERT_EQ(0, xtcp_read_all(cfd, buf, 5));
		EXPECT_EQ(0, memcmp(buf, "hello", 5));
		close(afd);
		close(cfd);
		close(lfd);
	}
}

/*
 * XTCP sends to the scripted peer, with @cc as the namespace's default
 * (the accepted socket takes it through the listener).  No timer may fire
 * mid-script: the RTO (5 s), the loss probe and RACK's reordering timer
 * (the growth test holds each ACK 0.5 s).  Returns the socket or -1.
 */
static int open_sender(struct xtcp_peer *p, const char *cc, int *lfd)
{
	if (peer_setup(p) || peer_quiet_timers() ||
	    xtcp_sysctl_set("recovery", 0) ||
	    xtcp_sysctl_set("early_retrans", 0) ||
	    xtcp_sysctl_set_str("congestion_control", cc))
		return -1;
	return peer_open_sender(p, XPORT, PPORT, SEG, 60 * SEG, lfd);
}

/* CUBIC's own: its curve, and the pacing rate. */
FIXTURE(cubic) {
	struct xtcp_peer p;
	int lfd, fd;
	__u32 una;	/* XTCP's SND.UNA before the text */
};

FIXTURE_SETUP(cubic)
{
	self->lfd = -1;
	self->p.fd = -1;
	self->fd = open_sender(&self->p, "cubic", &self->lfd);
	ASSERT_LE(0, self->fd);
	self->una = self->p.snd_nxt;
}

FIXTURE_TEARDOWN(cubic)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/* A loss, with each algorithm. */
FIXTURE(loss) {
	struct xtcp_peer p;
	int lfd, fd;
	__u32 una;
};

FIXTURE_VARIANT(loss) {
	const char *cc;
	__u32 ssthresh;	/* after a loss from a flight of 20 */
};

/* beta_cubic = 0.7: 14 of 20 (RFC 9438 4.6). */
FIXTURE_VARIANT_ADD(loss, cubic) { .cc = "cubic", .ssthresh = 14 };
/* Reno halves it (RFC 5681 3.2, equation 4). */
FIXTURE_VARIANT_ADD(loss, reno) { .cc = "reno", .ssthresh = 10 };

FIXTURE_SETUP(loss)
{
	self->lfd = -1;
	self->p.fd = -1;
	self->fd = open_sender(&self->p, variant->cc, &self->lfd);
	ASSERT_LE(0, self->fd);
	self->una = self->p.snd_nxt;
}

FIXTURE_TEARDOWN(loss)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

static int info(int fd, struct xtcp_info *i)
{
	return xtcp_get_info(fd, i);
}

/* The peer ACKs everything XTCP has sent. */
static int ack_all(struct xtcp_peer *p)
{
	return peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0);
}

/* Keep @want bytes queued beyond what XTCP sent, as far as send() takes. */
static void top_up(int fd, struct xtcp_peer *p, __u32 want)
{
	static char text[1 << 16];
	struct xtcp_info i;
	__u32 queued;
	int n = 0;

	if (info(fd, &i) || ioctl(fd, SIOCOUTQ, &n))
		return;
	queued = n - (i.xtcpi_snd_nxt - i.xtcpi_snd_una);
	if (queued < want)
		send(fd, text, want - queued, MSG_DONTWAIT);
}

/*
 * A flight of 20, then segments 2..4 of it reported by duplicate ACKs
 * (no SACK): the first is lost, recovery begins (RFC 5681 3.2, RFC 6582);
 * then everything is ACKed and recovery ends.
 */
static int loss_of_twenty(struct xtcp_peer *p, int fd, __u32 una,
			  __u32 *ssthresh)
{
	struct xtcp_info i;
	struct peer_seg s;
	__u32 hole, nxt;
	int k;

	if (peer_expect_run(p, una, IW, SEG) || ack_all(p) ||
	    peer_expect_run(p, una + IW * SEG, 2 * IW, SEG))
		return -1;
	hole = p->snd_nxt - 2 * IW * SEG;
	for (k = 0; k < 3; k++)
		if (peer_send(p, PEER_ACK, p->rcv_nxt, hole, NULL, 0))
			return -1;
	/* The hole goes again; Limited Transmit and PRR send new text. */
	while (!peer_recv(p, &s, 300))
		;
	if (info(fd, &i))
		return -1;
	*ssthresh = i.xtcpi_snd_ssthresh;
	/* Recovery ends with SND.CWND = SSTHRESH: that many new go out. */
	nxt = p->snd_nxt;
	return ack_all(p) || peer_expect_run(p, nxt, *ssthresh, SEG);
}

TEST_F(loss, loss__ssthresh_is_beta_of_flight)
{
	struct xtcp_info i;
	__u32 ssthresh;

	ASSERT_EQ(0, loss_of_twenty(&self->p, self->fd, self->una, &ssthresh));
	EXPECT_EQ(variant->ssthresh, ssthresh);
	ASSERT_EQ(0, info(self->fd, &i));
	/* Recovery ended at RecoveryPoint: SND.CWND = SSTHRESH. */
	EXPECT_EQ(variant->ssthresh, i.xtcpi_snd_cwnd);
	EXPECT_EQ(variant->ssthresh, i.xtcpi_snd_ssthresh);
}

/* The kernel's model, in the same integer arithmetic (cong_cubic.c). */
#define MS3_PER_SEG	2500000000ULL	/* 1 / C, C = 0.4 segment/s^3 */

static unsigned int cbrt_u64(unsigned long long a)
{
	unsigned long long r = 0, step;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		r <<= 1;
		step = 3 * r * (r + 1) + 1;
		if ((a >> s) >= step) {
			a -= step << s;
			r++;
		}
	}
	return r;
}

/* W_cubic(t) = C (t - K)^3 + W_max, t and K in ms. */
static unsigned int w_cubic(long t, long k, unsigned int w_max)
{
	unsigned long long d = t > k ? t - k : k - t;
	unsigned long long delta = d * d * d / MS3_PER_SEG;

	if (t < k)
		return w_max > delta ? w_max - delta : 0;
	return w_max + delta;
}

/* What one ACK of a whole window at time @t (ms) makes of @cwnd. */
static unsigned int cubic_next(unsigned int cwnd, long t, long rtt, long k,
			       unsigned int w_max, unsigned int w_est)
{
	unsigned int target;

	if (w_cubic(t, k, w_max) < w_est)
		return w_est > cwnd ? w_est : cwnd;
	target = w_cubic(t + rtt, k, w_max);
	if (target > cwnd + cwnd / 2)
		target = cwnd + cwnd / 2;
	return target > cwnd ? target : cwnd;
}

#define ROUNDS		12
#define ROUND_MS	500

/*
 * RFC 9438 4.2: after the loss of a flight of 20 (W_max = 20, cwnd_epoch
 * = 14, K = cbrt(6 / 0.4) = 2.466 s), each ACK of a whole window brings
 * SND.CWND to W_cubic(t + RTT) (at most 1.5 times it).  The peer ACKs a
 * window every ROUND_MS: the sleep is the round trip, the time CUBIC's
 * window is a function of.  t as the kernel saw it lies between the
 * peer's clock readings around the first ACK of the epoch and around
 * this one (CLOCK_MONOTONIC both), RTT between SRTT before and after
 * the ACK: the window must lie between the model's values at the ends.
 * Reno's W_est (4.3) grows 9/17 of a segment per round and stays below
 * W_cubic at these times, which the model checks too.
 */
TEST_F(cubic, growth__concave_then_convex)
{
	unsigned int cwnd[ROUNDS], w_est = 14, k, lo, hi;
	unsigned long long est_acked = 0;
	long start_lo = 0, start_hi = 0, before, after, wait;
	struct xtcp_info i0, i1;
	__u32 ssthresh, nxt;
	struct peer_seg s;
	int r;

	ASSERT_EQ(0, loss_of_twenty(&self->p, self->fd, self->una, &ssthresh));
	ASSERT_EQ(14, ssthresh);
	k = cbrt_u64((20 - 14) * MS3_PER_SEG);
	ASSERT_EQ(2466, k);

	for (r = 0; r < ROUNDS; r++) {
		unsigned int prev, acked;

		ASSERT_EQ(0, info(self->fd, &i0));
		prev = i0.xtcpi_snd_cwnd;
		acked = (self->p.snd_nxt - i0.xtcpi_snd_una) / SEG;
		/* A whole window is out: cwnd segments after the last ACK. */
		ASSERT_EQ(prev, acked);
		wait = start_lo + r * ROUND_MS - xtcp_now_ms();
		if (r && wait > 0)
			usleep(wait * 1000);
		top_up(self->fd, &self->p, 100 * SEG);
		nxt = self->p.snd_nxt;
		before = xtcp_now_ms();
		ASSERT_EQ(0, ack_all(&self->p));
		/*
		 * The first segment of the new window: the ACK is being
		 * handled, and XTCP_INFO waits for the socket's lock.
		 */
		ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
		ASSERT_EQ(nxt, s.seq);
		after = xtcp_now_ms() + 1;
		ASSERT_EQ(0, info(self->fd, &i1));
		if (!r) {
			/* This ACK began the epoch: t = 0. */
			start_lo = before;
			start_hi = after;
		}
		/* W_est, as the kernel grows it before comparing. */
		est_acked += (unsigned long long)acked *
			     (w_est >= 20 ? 17 : 9);
		w_est += est_acked / (prev * 17ULL);
		est_acked %= prev * 17ULL;
		lo = cubic_next(prev, r ? before - start_hi : 0,
				(i0.xtcpi_srtt_us < i1.xtcpi_srtt_us ?
				 i0.xtcpi_srtt_us : i1.xtcpi_srtt_us) / 1000,
				k, 20, w_est);
		hi = cubic_next(prev, r ? after - start_lo : 0,
				(i0.xtcpi_srtt_us > i1.xtcpi_srtt_us ?
				 i0.xtcpi_srtt_us : i1.xtcpi_srtt_us) / 1000,
				k, 20, w_est);
		cwnd[r] = i1.xtcpi_snd_cwnd;
		TH_LOG("round %d t %ld..%ld ms srtt %u us: cwnd %u -> %u, model %u..%u",
		       r, r ? before - start_hi : 0, r ? after - start_lo : 0,
		       i1.xtcpi_srtt_us, prev, cwnd[r], lo, hi);
		EXPECT_LE(lo, cwnd[r]);
		EXPECT_GE(hi, cwnd[r]);
		ASSERT_EQ(14, i1.xtcpi_snd_ssthresh);
		/* The new window goes out whole. */
		ASSERT_EQ(0, peer_expect_run(&self->p, nxt + SEG,
					     cwnd[r] - 1, SEG));
	}
	/* Concave: fast growth away from W_max, a plateau around it ... */
	EXPECT_LE(17, cwnd[1]);
	EXPECT_GE(20, cwnd[4]);
	EXPECT_LE(19, cwnd[4]);
	EXPECT_LE(cwnd[6] - cwnd[4], 1);
	/* ... convex beyond: growth speeds up (about 5, then 10). */
	EXPECT_LT(cwnd[9] - cwnd[7], cwnd[11] - cwnd[9]);
}

/*
 * sk_pacing_rate (XTCP_INFO) is 200% of SND.CWND * MSS / SRTT in slow
 * start, as Linux's tcp_update_pacing_rate(), and SO_MAX_PACING_RATE
 * caps it.
 */
TEST_F(cubic, pacing__rate_from_cwnd_capped_by_max)
{
	unsigned long long cap = 100000, want;
	struct xtcp_info i;

	ASSERT_EQ(0, info(self->fd, &i));
	EXPECT_EQ(~0ULL, i.xtcpi_max_pacing_rate);
	ASSERT_EQ(0, peer_expect_run(&self->p, self->una, IW, SEG));
	/* Five ACKed: cwnd 15, five in flight until the next ten go. */
	ASSERT_EQ(0, peer_send(&self->p, PEER_ACK, self->p.rcv_nxt,
			       self->una + 5 * SEG, NULL, 0));
	ASSERT_EQ(0, peer_expect_run(&self->p, self->una + IW * SEG, IW, SEG));
	ASSERT_EQ(0, info(self->fd, &i));
	ASSERT_EQ(15, i.xtcpi_snd_cwnd);
	ASSERT_LT(0, i.xtcpi_srtt_us);
	want = (unsigned long long)i.xtcpi_mss * 10000 * 200 * 15 /
	       i.xtcpi_srtt_us;
	EXPECT_EQ(want, i.xtcpi_pacing_rate);

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_MAX_PACING_RATE,
				&cap, sizeof(cap)));
	ASSERT_EQ(0, info(self->fd, &i));
	EXPECT_EQ(cap, i.xtcpi_max_pacing_rate);
	EXPECT_EQ(cap, i.xtcpi_pacing_rate);
	/* The next ACK's rate is capped too. */
	ASSERT_EQ(0, ack_all(&self->p));
	ASSERT_EQ(0, peer_settle(&self->p));
	ASSERT_EQ(0, info(self->fd, &i));
	EXPECT_EQ(cap, i.xtcpi_pacing_rate);
}

/*
 * Under fq, the socket's rate spaces its segments: at 20 kB/s segments
 * of SEG + 54 bytes on the wire leave 52 ms apart (fq paces each
 * packet below its low_rate_threshold): eight take 7 * 52 ms; 5 * 52 ms
 * leaves room for the peer's late reading of the first.  Unpaced, the
 * window comes within a few milliseconds.
 */
TEST_F(cubic, pacing__fq_spaces_segments)
{
	unsigned long long cap = 20000;
	long first, last;
	struct peer_seg s;
	int n;

	/*
	 * The debug tier's kernel is built without fq (tools/vm/debug.config);
	 * Debian's has it as a module.  Only a kernel with none skips.
	 */
	if (xtcp_sh("modprobe sch_fq") && access("/sys/module/sch_fq", F_OK))
		SKIP(return, "this kernel has no sch_fq");
	/* The initial window has gone already: ACK it, pace what follows. */
	ASSERT_EQ(0, peer_expect_run(&self->p, self->una, IW, SEG));
	ASSERT_EQ(0, xtcp_sh("tc qdisc replace dev " PEER_XTCP_IF
			     " root fq quantum 1514 initial_quantum 1514"));
	/* The rate: SO_MAX_PACING_RATE caps sk_pacing_rate, fq reads it. */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_MAX_PACING_RATE,
				&cap, sizeof(cap)));
	ASSERT_EQ(0, ack_all(&self->p));
	ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	first = xtcp_now_ms();
	for (n = 1; n < 8; n++)
		ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	last = xtcp_now_ms();
	TH_LOG("8 segments in %ld ms", last - first);
	EXPECT_LE(5 * 52, last - first);
}

/*
 * HyStart++ (RFC 9406).  The peer offers window scaling, so that slow
 * start is not held by a 64 KB window, and XTCP may queue plenty.
 */
/* ACKs per round: each an RTT sample, N_RTT_SAMPLE (8) are needed. */
#define HS_ACKS		10

FIXTURE(hystart) {
	struct xtcp_peer p;
	int lfd, fd;
	long long sent_us[HS_ACKS];	/* when the last round's ACKs went */
	bool sent;		/* ... if there was one */
};

FIXTURE_SETUP(hystart)
{
	int sndbuf = 32 << 20, rcvbuf = 32 << 20;

	self->lfd = -1;
	self->p.fd = -1;
	self->sent = false;
	ASSERT_EQ(0, peer_setup(&self->p));
	/*
	 * The peer's packet socket holds a whole flight, up to 160
	 * segments, and the barrier's RST behind them.
	 */
	ASSERT_EQ(0, setsockopt(self->p.fd, SOL_SOCKET, SO_RCVBUFFORCE,
				&rcvbuf, sizeof(rcvbuf)));
	ASSERT_EQ(0, peer_quiet_timers());
	ASSERT_EQ(0, xtcp_sysctl_set("recovery", 0));
	ASSERT_EQ(0, xtcp_sysctl_set("early_retrans", 0));
	ASSERT_EQ(0, xtcp_sysctl_set_str("congestion_control", "cubic"));
	self->p.ws = true;
	self->p.wscale = 5;
	self->fd = peer_open_sender(&self->p, XPORT, PPORT, SEG, 60 * SEG,
				    &self->lfd);
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(self->p.ws_ok);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUFFORCE,
				&sndbuf, sizeof(sndbuf)));
}

FIXTURE_TEARDOWN(hystart)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

/*
 * The steady hold: RttThresh is then its maximum, 16 ms, so that a late
 * wake-up of the peer on a busy VM does not look like a queue.
 */
#define HS_HOLD_MS	200
#define HS_MORE_MS	100	/* what the growing delay adds */
/*
 * A round whose every ACK the peer sent this late (a busy VM) may be the
 * 16 ms rise that ends slow start: where it did, the test skips.  A
 * quarter of the rise: the peer sees only its own lateness, not its
 * frames' wait on the way into XTCP, and on the debug kernel a round
 * the peer saw 7.6 ms late ended slow start.
 */
#define HS_LATE_US	4000
/*
 * RttThresh at HS_HOLD_MS.  XTCP's own samples may carry delays the peer
 * cannot see: its frames' wait on the way in and the time XTCP takes to
 * answer a burst (on the debug kernel, SRTT came to 266 ms for a 200 ms
 * hold).  Where SRTT lies that far above the hold, the rise that ended
 * slow start may have been the VM's: the test skips then too.
 */
#define HS_THRESH_US	16000

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Queue text until @want bytes wait beyond SND.NXT, as send() takes. */
static int fill(int fd, __u32 want)
{
	static char text[1 << 16];
	struct xtcp_info i;
	__u32 queued;
	int n;

	for (;;) {
		if (info(fd, &i) || ioctl(fd, SIOCOUTQ, &n))
			return -1;
		queued = n - (i.xtcpi_snd_nxt - i.xtcpi_snd_una);
		if (queued >= want)
			return 0;
		if (send(fd, text, want - queued < sizeof(text) ?
			 want - queued : sizeof(text),
			 MSG_DONTWAIT) <= 0)
			return -1;
	}
}

/*
 * One round trip: XTCP's flight, all of SND.NXT - SND.UNA once XTCP has
 * handled the last round's ACKs (peer_settle(): the peer passes over the
 * segments, XTCP_INFO counts them), ACKed in HS_ACKS ACKs, each an RTT
 * sample of @hold_ms.  In slow start the last round's ACK j let go the
 * segments up to the end of this round's ACK j (each ACKed segment lets
 * two go), so ACK j goes @hold_ms after that one: how long the peer
 * takes to read a flight does not count.  The first round's go @hold_ms
 * after the flight is read (its RTT is longer: the initial window went
 * at the connection's start).  *@i gets XTCP_INFO after them, *@flight
 * the segments ACKed, *@late_us how late the least late ACK went.
 */
static int hs_round(struct xtcp_peer *p, int fd, long long sent_us[HS_ACKS],
		    bool *sent, long hold_ms, struct xtcp_info *i,
		    __u32 *flight, long long *late_us)
{
	long long base, until, now;
	__u32 una, n;
	int j;

	if (peer_settle(p))
		return -1;
	base = now_us() + hold_ms * 1000;
	if (info(fd, i))
		return -1;
	una = i->xtcpi_snd_una;
	n = (i->xtcpi_snd_nxt - una) / SEG;
	if (n < HS_ACKS || fill(fd, 4 * n * SEG)) {
		peer_log("flight of %u, or no text queued", n);
		return -1;
	}
	*late_us = LLONG_MAX;
	for (j = 0; j < HS_ACKS; j++) {
		/* The hold is the round trip: the delay HyStart++ measures. */
		until = *sent ? sent_us[j] + hold_ms * 1000 : base;
		while ((now = now_us()) < until)
			usleep(until - now);
		if (now - until < *late_us)
			*late_us = now - until;
		if (peer_send(p, PEER_ACK, p->rcv_nxt,
			      una + (j + 1) * n / HS_ACKS * SEG, NULL, 0))
			return -1;
		sent_us[j] = now_us();
	}
	*sent = true;
	*flight = n;
	return peer_settle(p) || info(fd, i);
}

/*
 * A steady round trip: no sign of a queue, slow start goes on, SND.CWND
 * doubles each round (10, 20, 40, 80, 160) and SSTHRESH stays unbounded.
 */
TEST_F(hystart, hystart__steady_rtt_stays_in_slow_start)
{
	struct xtcp_info i;
	long long late;
	__u32 flight;
	int r;

	for (r = 0; r < 4; r++) {
		ASSERT_EQ(0, hs_round(&self->p, self->fd, self->sent_us,
				      &self->sent, HS_HOLD_MS, &i, &flight,
				      &late));
		TH_LOG("round %d: %u ACKed (%lld us late), cwnd %u ssthresh %d srtt %u us",
		       r, flight, late, i.xtcpi_snd_cwnd,
		       (int)i.xtcpi_snd_ssthresh, i.xtcpi_srtt_us);
		if ((int)i.xtcpi_snd_ssthresh != -1 && late >= HS_LATE_US)
			SKIP(return, "the peer was late, a queue to XTCP");
		if ((int)i.xtcpi_snd_ssthresh != -1 &&
		    i.xtcpi_srtt_us >= HS_HOLD_MS * 1000 + HS_THRESH_US)
			SKIP(return, "XTCP's RTT samples were late by RttThresh");
		EXPECT_EQ(IW << r, flight);
		EXPECT_EQ(IW << (r + 1), i.xtcpi_snd_cwnd);
		EXPECT_EQ(-1, (int)i.xtcpi_snd_ssthresh);
	}
}

/*
 * The round trip grows by HS_MORE_MS in the third round (a flight of 40,
 * ACKed 4 segments at a time): its eighth ACK, the eighth RTT sample,
 * ends slow start before it grows the window: SSTHRESH = SND.CWND = 40 +
 * 7 * 4 = 68.  Loss-free slow start would double to 80, then 160;
 * congestion avoidance grows by a few segments a round instead.
 */
TEST_F(hystart, hystart__rising_rtt_leaves_slow_start)
{
	static const long hold[] = {
		HS_HOLD_MS, HS_HOLD_MS, HS_HOLD_MS + HS_MORE_MS,
		HS_HOLD_MS + HS_MORE_MS,
	};
	__u32 flight, ssthresh = 0;
	struct xtcp_info i;
	long long late;
	int r;

	for (r = 0; r < 4; r++) {
		ASSERT_EQ(0, hs_round(&self->p, self->fd, self->sent_us,
				      &self->sent, hold[r], &i, &flight, &late));
		TH_LOG("round %d, hold %ld ms: %u ACKed (%lld us late), cwnd %u ssthresh %d",
		       r, hold[r], flight, late, i.xtcpi_snd_cwnd,
		       (int)i.xtcpi_snd_ssthresh);
		if (r < 2) {
			if ((int)i.xtcpi_snd_ssthresh != -1 &&
			    late >= HS_LATE_US)
				SKIP(return, "the peer was late, a queue to XTCP");
			/* Steady so far: slow start. */
			ASSERT_EQ(IW << (r + 1), i.xtcpi_snd_cwnd);
			ASSERT_EQ(-1, (int)i.xtcpi_snd_ssthresh);
		} else if (r == 2) {
			ssthresh = i.xtcpi_snd_ssthresh;
			/* Left within the round, at its eighth ACK. */
			ASSERT_EQ(40, flight);
			EXPECT_EQ(68, ssthresh);
			ASSERT_LT(40, (int)ssthresh);
			ASSERT_GT(80, (int)ssthresh);
			EXPECT_GE(i.xtcpi_snd_cwnd, ssthresh);
			EXPECT_GT(80, i.xtcpi_snd_cwnd);
		} else {
			/* Congestion avoidance: SSTHRESH stays, no doubling. */
			EXPECT_EQ(ssthresh, i.xtcpi_snd_ssthresh);
			EXPECT_GE(i.xtcpi_snd_cwnd, ssthresh);
			EXPECT_GT(ssthresh + 8, i.xtcpi_snd_cwnd);
		}
	}
}

TEST_HARNESS_MAIN
