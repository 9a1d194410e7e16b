// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown everywhere: connections held in every state, by a process and
 * as orphans, lose their namespace and then the module; close races an
 * arriving RST, FIN or text and a firing timer, thousands of times.  The
 * assertions here are that everything ends, within a bound, and that the
 * module loads again; the runner's kmemleak and dmesg checks after this
 * program catch whatever was leaked, touched after free or locked out of
 * order on the way (make check-debug).
 *
 * This program unloads the module and loads it again as the runner did
 * ($XTCP_ROOT/xtcp.ko with $XTCP_MODPARAMS).
 */
#include <netinet/in.h>
#include <pthread.h>
#include <sys/wait.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT		5000
#define PPORT		40000
#define RMMOD_BOUND_MS	40000	/* the module's own bound is 30 s */

/*
 * Where sockets pin the module (xtcp_socks_pin_module()), rmmod cannot end
 * the orphans: they must end on their own.  Short timers, set in each
 * namespace before its connections are built: one retransmission of a 5 s
 * RTO, FIN_WAIT2 for 30 s, TIME_WAIT for 20 s; then the namespace goes.
 */
static long rmmod_bound_ms(void)
{
	return xtcp_socks_pin_module() ? 90000 : RMMOD_BOUND_MS;
}

static int orphans_end_by_themselves(void)
{
	if (!xtcp_socks_pin_module())
		return 0;
	return xtcp_sysctl_set("retries2", 1) ||
	       xtcp_sysctl_set("orphan_retries", 1) ||
	       xtcp_sysctl_set("rto_max_ms", 5000) ||
	       xtcp_sysctl_set("fin_timeout_ms", 30000) ||
	       xtcp_sysctl_set("msl_ms", 10000);
}

/* rmmod, timed; then insmod as the runner did.  Milliseconds, or -1. */
static long reload_module(void)
{
	const char *root = getenv("XTCP_ROOT");
	const char *params = getenv("XTCP_MODPARAMS");
	long start = xtcp_now_ms(), took;

	if (!root)
		root = "..";
	/* Refused while the orphans live, where they pin the module. */
	while (xtcp_sh("rmmod xtcp 2>/dev/null")) {
		if (!xtcp_socks_pin_module() ||
		    xtcp_now_ms() - start > rmmod_bound_ms())
			return -1;
		usleep(100 * 1000);
	}
	took = xtcp_now_ms() - start;
	if (access("/sys/module/xtcp", F_OK) == 0)
		return -1;
	if (xtcp_sh("insmod %s/xtcp.ko %s", root, params ? params : ""))
		return -1;
	return took;
}

/* @pid built its world and exited 0; then rmmod ends it, bounded. */
static void expect_child_then_reload(struct __test_metadata *_metadata,
				     pid_t pid)
{
	int status;
	long took;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	took = reload_module();
	ASSERT_LE(0, took);
	TH_LOG("rmmod took %ld ms", took);
	EXPECT_GT(rmmod_bound_ms(), took);
}

/* No shared state: the fixture is here for TEST_F_TIMEOUT. */
FIXTURE(teardown) {
	int unused;
};

FIXTURE_SETUP(teardown)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(teardown)
{
}

/* ---- every state, then the namespace goes, then the module -------------- */

struct conn {
	struct xtcp_peer q;
	int fd, lfd;
	int state;		/* what /proc must show */
};

static int conn_passive(struct xtcp_peer *base, struct conn *c, int i)
{
	c->q = *base;
	c->q.port = PPORT + i;
	c->q.irs = PEER_DEF_ISS + i * 100000;
	c->q.rcv_nxt = c->q.irs;
	c->fd = peer_open_passive(&c->q, XPORT + i, &c->lfd);
	return c->fd < 0 ? -1 : 0;
}

/* ESTABLISHED, then our close (or shutdown): FIN_WAIT1, FIN seen. */
static int conn_fin_wait1(struct xtcp_peer *base, struct conn *c, int i,
			  bool orphan)
{
	if (conn_passive(base, c, i))
		return -1;
	if (orphan) {
		close(c->fd);
		c->fd = -1;
	} else if (shutdown(c->fd, SHUT_WR)) {
		return -1;
	}
	return peer_expect_fin(&c->q);
}

static int conn_ack_fin(struct conn *c)
{
	struct xtcp_peer *q = &c->q;

	if (peer_send(q, PEER_ACK, q->rcv_nxt, q->snd_nxt, NULL, 0))
		return -1;
	q->snd_una = q->snd_nxt;
	return peer_wait_state(q, XTCP_FIN_WAIT2) ? 0 : -1;
}

/* Build connection @i in @state; @orphan: the process closes it. */
static int conn_make(struct xtcp_peer *base, struct conn *c, int i,
		     int state, bool orphan)
{
	struct xtcp_peer *q = &c->q;
	struct peer_seg s;

	c->fd = -1;
	c->lfd = -1;
	c->state = state;
	switch (state) {
	case XTCP_SYN_SENT:
		c->q = *base;
		c->q.port = PPORT + i;
		c->fd = peer_connect(q, XPORT + i);
		return c->fd < 0 ? -1 : 0;
	case XTCP_SYN_RECV:
		c->q = *base;
		c->q.port = PPORT + i;
		c->lfd = peer_listener(q, XPORT + i);
		return c->lfd < 0 ? -1 : peer_open_syn(q);
	case XTCP_ESTABLISHED:
		if (conn_passive(base, c, i))
			return -1;
		/* Text both ways, unread and unacknowledged. */
		if (send(c->fd, "unacked", 7, 0) != 7 ||
		    peer_recv(q, &s, PEER_REPLY_MS))
			return -1;
		if (peer_send(q, PEER_ACK, q->rcv_nxt, q->snd_una, NULL, 50))
			return -1;
		q->rcv_nxt += 50;
		return peer_expect(q, &s, PEER_ACK, q->snd_nxt, q->rcv_nxt);
	case XTCP_CLOSE_WAIT:
	case XTCP_LAST_ACK:
		if (conn_passive(base, c, i) || peer_fin(q, q->snd_nxt))
			return -1;
		if (state == XTCP_CLOSE_WAIT)
			return 0;
		close(c->fd);
		c->fd = -1;
		return peer_expect_fin(q);
	case XTCP_FIN_WAIT1:
		return conn_fin_wait1(base, c, i, orphan);
	case XTCP_FIN_WAIT2:
		return conn_fin_wait1(base, c, i, orphan) || conn_ack_fin(c);
	case XTCP_CLOSING:
		if (conn_fin_wait1(base, c, i, orphan))
			return -1;
		/* Our FIN crosses theirs: theirs does not acknowledge ours. */
		if (peer_send(q, PEER_FIN | PEER_ACK, q->rcv_nxt, q->snd_una,
			      NULL, 0))
			return -1;
		q->rcv_nxt++;
		return peer_expect(q, &s, PEER_ACK, q->snd_nxt, q->rcv_nxt);
	case XTCP_TIME_WAIT:
		if (conn_fin_wait1(base, c, i, orphan) || conn_ack_fin(c))
			return -1;
		return peer_fin(q, q->snd_nxt);
	}
	return -1;
}

static const struct { int state; bool orphan; } every_state[] = {
	{ XTCP_SYN_SENT, false },
	{ XTCP_SYN_RECV, false },
	{ XTCP_ESTABLISHED, false },
	{ XTCP_CLOSE_WAIT, false },
	{ XTCP_LAST_ACK, true },
	{ XTCP_FIN_WAIT1, false },
	{ XTCP_FIN_WAIT1, true },
	{ XTCP_FIN_WAIT2, false },
	{ XTCP_FIN_WAIT2, true },
	{ XTCP_CLOSING, false },
	{ XTCP_CLOSING, true },
	{ XTCP_TIME_WAIT, false },
	{ XTCP_TIME_WAIT, true },
};

#define NCONN	ARRAY_SIZE(every_state)

/*
 * In a child process: a namespace with a connection in every state (and
 * listeners, LISTEN), checked in /proc; the process then exits, so that
 * the namespace is left to its orphans.  Exit status 0 if all was built.
 */
static int build_every_state(void)
{
	struct conn c[NCONN];
	struct xtcp_peer base;
	unsigned int i;

	if (peer_setup(&base))
		return 1;
	/* No retransmission or FIN_WAIT2 timeout during the build. */
	peer_quiet_timers();
	xtcp_sysctl_set("fin_timeout_ms", 600000);
	if (orphans_end_by_themselves())
		return 1;
	for (i = 0; i < NCONN; i++) {
		if (conn_make(&base, &c[i], i, every_state[i].state,
			      every_state[i].orphan)) {
			peer_log("building connection %u (state %d)", i,
				 every_state[i].state);
			return 1;
		}
	}
	for (i = 0; i < NCONN; i++) {
		if (!peer_wait_state(&c[i].q, c[i].state)) {
			peer_log("connection %u: state %d, expected %d", i,
				 peer_state(&c[i].q), c[i].state);
			return 1;
		}
	}
	if (xtcp_proc_state(XPORT + 2, 0) != XTCP_LISTEN)
		return 1;
	/* Exit with everything open: the kernel closes what we hold. */
	return 0;
}

TEST_F_TIMEOUT(teardown, every_state__namespace_gone__rmmod_bounded, 300)
{
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(build_every_state());
	/* The namespace lives on only through its orphans: rmmod ends them. */
	expect_child_then_reload(_metadata, pid);
}

/* ---- two namespaces, one end deleted ------------------------------------ */

/*
 * Namespaces A and B, XTCP in both, joined by a veth pair, with
 * connections A -> B moving text both ways.  B (its process, its
 * namespace, its end of the link) goes away while A's sockets are busy;
 * then A closes: its orphans retransmit into a link that is gone, until
 * rmmod ends them.
 */
static int peer_b(int port, int ready_fd, int go_fd)
{
	char buf[1024], c = 'r';
	int lfd, fds[8], i;

	if (xtcp_netns_enter())
		return 1;
	if (xtcp_sh("ip link add xtcpa type veth peer name xtcpb") ||
	    xtcp_sh("ip addr add 10.9.0.2/24 dev xtcpb") ||
	    xtcp_sh("ip link set xtcpb up"))
		return 1;
	/* Hand the other end to A (its namespace is our parent's). */
	if (xtcp_sh("ip link set xtcpa netns %d", getppid()))
		return 1;
	lfd = xtcp_socket();
	if (lfd < 0 || xtcp_bind_to(lfd, "10.9.0.2", port) || listen(lfd, 8))
		return 1;
	if (write(ready_fd, &c, 1) != 1)
		return 1;
	for (i = 0; i < 8; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0)
			return 1;
		/* Read a little: the rest stays queued, unread. */
		xtcp_set_timeouts(fds[i], 10);
		if (recv(fds[i], buf, sizeof(buf), 0) <= 0)
			return 1;
	}
	/*
	 * Wait for A's word, then vanish with everything open, the link
	 * down first: A hears no RST and keeps its connections.
	 */
	if (read(go_fd, &c, 1) != 1 || xtcp_sh("ip link set xtcpb down"))
		return 1;
	return 0;
}

TEST_F_TIMEOUT(teardown, one_end_deleted__orphans_then_rmmod_bounded, 300)
{
	int ready[2], go[2], fds[8], i, status;
	char buf[8192], c = 'g';
	pid_t pid;

	/* A: this process, in a namespace of its own. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (xtcp_netns_enter() || pipe(ready) || pipe(go))
			_exit(1);
		pid = fork();
		if (pid < 0)
			_exit(1);
		if (!pid)
			_exit(peer_b(XPORT, ready[1], go[0]));
		if (read(ready[0], &c, 1) != 1 ||
		    xtcp_sh("ip addr add 10.9.0.1/24 dev xtcpa") ||
		    xtcp_sh("ip link set xtcpa up"))
			_exit(2);
		xtcp_sysctl_set("rto_min_ms", 200);
		if (orphans_end_by_themselves())
			_exit(2);
		for (i = 0; i < 8; i++) {
			fds[i] = xtcp_socket();
			if (fds[i] < 0 ||
			    xtcp_connect_to(fds[i], "10.9.0.2", XPORT))
				_exit(3);
			memset(buf, 'a', sizeof(buf));
			if (send(fds[i], buf, sizeof(buf), MSG_DONTWAIT) < 0)
				_exit(4);
		}
		/* B goes, its namespace and its end of the link with it. */
		if (write(go[1], &c, 1) != 1 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			_exit(5);
		/* A's sockets: some closed at once, the rest at exit. */
		for (i = 0; i < 4; i++)
			close(fds[i]);
		_exit(0);
	}
	expect_child_then_reload(_metadata, pid);
}

/* ---- close racing arriving segments and timers --------------------------- */

enum race { RACE_RST, RACE_FIN, RACE_DATA, RACE_KINDS };

struct racer {
	int fd;
	enum race kind;
	pthread_barrier_t *start;
};

/* The other end does its part on another CPU while the first closes. */
static void *race_other_end(void *arg)
{
	struct racer *r = arg;
	char buf[2048];

	memset(buf, 'r', sizeof(buf));
	pthread_barrier_wait(r->start);
	switch (r->kind) {
	case RACE_RST:
		xtcp_set_linger(r->fd, 1, 0);
		break;
	case RACE_FIN:
		shutdown(r->fd, SHUT_WR);
		break;
	default:
		send(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
		break;
	}
	close(r->fd);
	return NULL;
}

static int race_iters(void)
{
	const char *v = getenv("XTCP_RACE_ITERS");

	return v ? atoi(v) : 2000;
}

/*
 * Connect, then close one end while the other resets, closes or sends,
 * on another CPU; a fifth of all segments is lost and the RTO is 1 ms,
 * so retransmission timers fire in the middle of it too.
 */
TEST_F_TIMEOUT(teardown, close__races_rst_fin_data_timer, 900)
{
	pthread_barrier_t start;
	int i, n = race_iters(), lfd, port;
	long before = xtcp_now_ms();

	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 1));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 1));
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 10));
	/*
	 * An orphan in FIN_WAIT2 whose peer's RST was lost waits for
	 * fin_timeout: one second, not the 60 s the end of the test waits.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("fin_timeout_ms", 1000));
	/*
	 * A lost final ACK is answered by SYN,ACK retransmissions a jiffy
	 * apart; the challenge ACKs that answer them must not be rate
	 * limited, or the child gives up before the handshake completes.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("invalid_ratelimit_ms", 0));
	ASSERT_EQ(0, xtcp_sysctl_set("synack_retries", 20));
	/*
	 * Each SYN gets through with its SYN,ACK about two times in three:
	 * seven tries fail once in a thousand connects, and this test makes
	 * thousands.  Thirty tries a few jiffies apart never fail.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("syn_retries", 30));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_max_ms", 20));
	ASSERT_EQ(0, xtcp_sh("tc qdisc add dev lo root netem loss 20%%"));
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));

	for (i = 0; i < n; i++) {
		struct racer r = { .kind = i % RACE_KINDS, .start = &start };
		char buf[2048];
		pthread_t th;
		int c;

		c = xtcp_socket();
		ASSERT_LE(0, c);
		xtcp_set_timeouts(c, 10);
		ASSERT_EQ(0, xtcp_connect_to(c, "127.0.0.1", port))
			TH_LOG("connect %d of %d: %s", i + 1, n, strerror(errno));
		/* Text first: it completes the handshake if the ACK is lost. */
		memset(buf, 'c', sizeof(buf));
		send(c, buf, sizeof(buf), MSG_DONTWAIT);
		r.fd = peer_accept(lfd);
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, pthread_create(&th, NULL, race_other_end, &r));
		pthread_barrier_wait(&start);
		close(c);
		pthread_join(th, NULL);
	}
	pthread_barrier_destroy(&start);
	close(lfd);
	ASSERT_EQ(0, xtcp_sh("tc qdisc del dev lo root"));
	TH_LOG("%d races in %ld ms", n, xtcp_now_ms() - before);
	/* Everything ends: orphans finish or are aborted, TIME_WAIT is short. */
	EXPECT_TRUE(xtcp_wait_count(0, 60000)) {
		xtcp_sh("cat /proc/net/xtcp_ext /proc/net/xtcp_snmp >&2");
	}
}

TEST_HARNESS_MAIN
