// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream survives a lossy, reordering, duplicating path: tc netem
 * on the loopback of a namespace of the test's own.  Every byte must come
 * back intact and in order, within the harness's time limit.  And the path
 * must really have been bad: each variant proves what netem did (packets
 * dropped, segments retransmitted, duplicates or corrupt segments seen),
 * else the test proved nothing.  Segments are 8 KiB, not the 64 KiB
 * that lo allows, and each is a packet of its own (no super-segments:
 * netem's odds are per packet), so that a megabyte is enough packets.
 */
#include "xtcp_util.h"
#include "kselftest_harness.h"

FIXTURE(lossy) {
	int lfd, cfd, afd, lport;
};

/* What a variant must prove that netem did. */
enum {
	PROOF_DROPS	= 1,	/* the qdisc dropped packets */
	PROOF_RETRANS	= 2,	/* RetransSegs grew */
	PROOF_DUPS	= 4,	/* duplicates arrived: D-SACKs went back */
	PROOF_CSUM	= 8,	/* checksum or IP header errors grew */
	PROOF_OFO	= 16,	/* segments waited beyond a hole */
};

#define SEG_SIZE	8192

FIXTURE_VARIANT(lossy) {
	const char *netem;	/* tc netem arguments */
	size_t bytes;
	int proof;
};

FIXTURE_VARIANT_ADD(lossy, loss_5_percent) {
	.netem = "loss 5%", .bytes = 1 << 20,
	.proof = PROOF_DROPS | PROOF_RETRANS };
/* What comes out of order waits for the hole to fill (ofo.c). */
FIXTURE_VARIANT_ADD(lossy, reorder_25_percent) {
	.netem = "delay 2ms reorder 25% 50%", .bytes = 1 << 20,
	.proof = PROOF_OFO };
FIXTURE_VARIANT_ADD(lossy, duplicate_5_percent) {
	.netem = "duplicate 5%", .bytes = 1 << 20, .proof = PROOF_DUPS };
/*
 * A corrupted bare ACK is covered by the next: no retransmission needed.
 * netem flips a bit in the headers (the linear part) of 2% of the
 * packets.  Four in five such flips break the IP header or XTCP's
 * checksum; the rest hit the Ethernet header.  2 MiB is some 800
 * packets: the odds that no error is seen at all are below 1 in 10^5.
 */
FIXTURE_VARIANT_ADD(lossy, corrupt_2_percent) {
	.netem = "corrupt 2%", .bytes = 2 << 20, .proof = PROOF_CSUM };

/* The packets the root qdisc of lo dropped ("tc -s"), or -1. */
static long long qdisc_drops(void)
{
	FILE *f = popen("tc -s qdisc show dev lo 2>/dev/null", "r");
	long long drops = -1;
	char line[512], *p;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "(dropped ");
		if (p && drops < 0)
			drops = atoll(p + strlen("(dropped "));
	}
	if (pclose(f))
		return -1;
	return drops;
}

/* The IP headers that this namespace's IP layer found broken. */
static long long ip_hdr_errors(void)
{
	return xtcp_snmp_value("/proc/net/snmp", "Ip", "InHdrErrors");
}

static int set_maxseg(int fd, int mss)
{
	return setsockopt(fd, SOL_XTCP, XTCP_MAXSEG, &mss, sizeof(mss));
}

FIXTURE_SETUP(lossy)
{
	char cmd[160];

	self->afd = -1;
	self->cfd = -1;
	self->lfd = -1;
	ASSERT_EQ(0, xtcp_netns_enter());
	if (XTCP_UNMET(!system("command -v tc >/dev/null 2>&1"),
		       "tc is not installed"))
		return;
	snprintf(cmd, sizeof(cmd), "tc qdisc add dev lo root netem %s",
		 variant->netem);
	if (XTCP_UNMET(!system(cmd), cmd))
		return;
	ASSERT_EQ(0, system("ip link set dev lo gso_max_segs 1"));
	/* Short timeouts: a lost segment costs one RTO. */
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 20));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 100));

	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);
	self->cfd = xtcp_socket();
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, xtcp_connect_to(self->cfd, "127.0.0.1", self->lport));
	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	ASSERT_EQ(0, set_maxseg(self->cfd, SEG_SIZE));
	ASSERT_EQ(0, set_maxseg(self->afd, SEG_SIZE));
	xtcp_set_timeouts(self->cfd, 25);
	xtcp_set_timeouts(self->afd, 25);
}

FIXTURE_TEARDOWN(lossy)
{
	close(self->afd);
	close(self->cfd);
	close(self->lfd);
}

TEST_F(lossy, echo_intact)
{
	long long rtx = XTCP_COUNTER("RetransSegs");
	long long csum = XTCP_COUNTER("InCsumErrors");
	long long iphdr = ip_hdr_errors();
	long long in = XTCP_COUNTER("InSegs");
	long long out = XTCP_COUNTER("OutSegs");
	long long ofo = XTCP_COUNTER("OfoQueue");
	long long dsack = XTCP_COUNTER("DSackSent");
	long long drops = qdisc_drops();
	struct xtcp_roundtrip r;

	ASSERT_LE(0, drops) TH_LOG("cannot read tc -s qdisc show dev lo");
	ASSERT_LE(0, iphdr) TH_LOG("no Ip InHdrErrors in /proc/net/snmp");
	ASSERT_EQ(0, xtcp_echo_roundtrip(self->cfd, self->afd, variant->bytes,
					 &r));
	EXPECT_EQ(0, r.last);
	EXPECT_EQ(0, r.send_err);
	EXPECT_EQ(0, r.echo_err);
	EXPECT_EQ(variant->bytes, r.got);
	EXPECT_EQ(0, r.bad);

	/* Both ends live in this namespace: its counters see both. */
	rtx = XTCP_COUNTER("RetransSegs") - rtx;
	csum = XTCP_COUNTER("InCsumErrors") - csum;
	iphdr = ip_hdr_errors() - iphdr;
	in = XTCP_COUNTER("InSegs") - in;
	out = XTCP_COUNTER("OutSegs") - out;
	ofo = XTCP_COUNTER("OfoQueue") - ofo;
	dsack = XTCP_COUNTER("DSackSent") - dsack;
	drops = qdisc_drops() - drops;
	TH_LOG("%s: qdisc drops %lld, RetransSegs %lld, InCsumErrors %lld, Ip InHdrErrors %lld",
	       variant->netem, drops, rtx, csum, iphdr);
	TH_LOG("InSegs %lld, OutSegs %lld, OfoQueue %lld, DSackSent %lld",
	       in, out, ofo, dsack);
	if (variant->proof & PROOF_DROPS)
		EXPECT_LT(0, drops);
	if (variant->proof & PROOF_RETRANS)
		EXPECT_LT(0, rtx);
	/*
	 * A duplicate that arrived is told by a D-SACK (RFC 2883).  InSegs
	 * cannot show it: it counts a super-segment once, OutSegs each of
	 * its segments, as Linux's TCP does.
	 */
	if (variant->proof & PROOF_DUPS)
		EXPECT_LT(0, dsack);
	if (variant->proof & PROOF_CSUM)
		EXPECT_LT(0, csum + iphdr);
	if (variant->proof & PROOF_OFO)
		EXPECT_LT(0, ofo);
}

TEST_HARNESS_MAIN
