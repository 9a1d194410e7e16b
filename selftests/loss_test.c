// SPDX-License-Identifier: GPL-2.0
/*
 * The byte stream survives a lossy, reordering, duplicating path: tc netem
 * on the loopback of a namespace of the test's own.  Every byte must come
 * back intact and in order, within the harness's time limit.
 */
#include "xtcp_util.h"
#include "kselftest_harness.h"

FIXTURE(lossy) {
	int lfd, cfd, afd, lport;
};

FIXTURE_VARIANT(lossy) {
	const char *netem;	/* tc netem arguments */
	size_t bytes;
};

FIXTURE_VARIANT_ADD(lossy, loss_5_percent) {
	.netem = "loss 5%", .bytes = 1 << 20 };
FIXTURE_VARIANT_ADD(lossy, reorder_25_percent) {
	.netem = "delay 2ms reorder 25% 50%", .bytes = 1 << 20 };
FIXTURE_VARIANT_ADD(lossy, duplicate_5_percent) {
	.netem = "duplicate 5%", .bytes = 1 << 20 };
FIXTURE_VARIANT_ADD(lossy, corrupt_2_percent) {
	.netem = "corrupt 2%", .bytes = 1 << 20 };

FIXTURE_SETUP(lossy)
{
	char cmd[160];

	self->afd = -1;
	self->cfd = -1;
	self->lfd = -1;
	ASSERT_EQ(0, xtcp_netns_enter());
	if (system("command -v tc >/dev/null 2>&1"))
		SKIP(return, "tc is not installed");
	snprintf(cmd, sizeof(cmd), "tc qdisc add dev lo root netem %s",
		 variant->netem);
	ASSERT_EQ(0, system(cmd));
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
	struct xtcp_roundtrip r;

	ASSERT_EQ(0, xtcp_echo_roundtrip(self->cfd, self->afd, variant->bytes,
					 &r));
	EXPECT_EQ(0, r.last);
	EXPECT_EQ(0, r.send_err);
	EXPECT_EQ(0, r.echo_err);
	EXPECT_EQ(variant->bytes, r.got);
	EXPECT_EQ(0, r.bad);
	TH_LOG("%s: RetransSegs %lld, InCsumErrors %lld, OutOfWindow %lld",
	       variant->netem, xtcp_counter("RetransSegs"),
	       xtcp_counter("InCsumErrors"), xtcp_counter("OutOfWindow"));
}

TEST_HARNESS_MAIN
