// SPDX-License-Identifier: GPL-2.0
/*
 * The life of an XTCP connection on loopback, each test in a network
 * namespace of its own (fresh /proc/net/xtcp, counters and net.xtcp.*):
 * non-blocking connect, half and simultaneous close, the aborts (unread
 * data, SO_LINGER 0, data after close), a lingering close, TIME_WAIT and
 * its length, the bind rules (SO_REUSEADDR, privileged and ephemeral
 * ports), the listen backlog, accept, MSG_PEEK and the queue ioctls, and
 * namespaces that die with orphans in them.  What Linux TCP does is what
 * is expected.
 */
#include <linux/capability.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

static const char *const state_names[] = XTCP_STATE_NAMES;

static const char *state_name(int st)
{
	if (st < 0 || st >= XTCP_MAX_STATES)
		return "?";
	return st ? state_names[st] : "(gone)";
}

/* Wait at most @ms for @events on @fd; the revents, 0 on timeout. */
static short wait_events(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, ms) != 1)
		return 0;
	return p.revents;
}

/* SO_ERROR: the pending error, which reading clears. */
static int so_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

static int set_reuseaddr(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}

static int ioctl_int(int fd, unsigned long req)
{
	int n = -1;

	if (ioctl(fd, req, &n))
		return -1;
	return n;
}

/* Wait, bounded, until ioctl @req on @fd reports @want. */
static bool wait_ioctl(int fd, unsigned long req, int want)
{
	long end = xtcp_now_ms() + XTCP_WAIT_MS;

	do {
		if (ioctl_int(fd, req) == want)
			return true;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	return false;
}

/* Wait, bounded, until lport -> rport is in TIME_WAIT or gone. */
static int wait_final(int lport, int rport)
{
	long end = xtcp_now_ms() + XTCP_WAIT_MS;
	int st;

	do {
		st = xtcp_proc_state(lport, rport);
		if (st == XTCP_TIME_WAIT || st == 0)
			break;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	return st;
}

/* A port that was free a moment ago. */
static int free_port(void)
{
	int fd = xtcp_socket(), port = -1;

	if (fd < 0)
		return -1;
	if (!xtcp_bind_to(fd, "127.0.0.1", 0))
		port = xtcp_local_port(fd);
	close(fd);
	return port;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * est: an established connection in a fresh namespace, accepted, with
 * MSL 200 ms and socket timeouts so that no call hangs.
 */
FIXTURE(est) {
	int lfd;	/* listener */
	int cfd;	/* client */
	int afd;	/* accepted */
	int lport;
	int cport;
};

FIXTURE_SETUP(est)
{
	self->lfd = -1;
	self->cfd = -1;
	self->afd = -1;
	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 200));
	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);
	xtcp_set_timeouts(self->lfd, 10);
	self->cfd = xtcp_socket();
	ASSERT_LE(0, self->cfd);
	xtcp_set_timeouts(self->cfd, 10);
	ASSERT_EQ(0, xtcp_connect_to(self->cfd, "127.0.0.1", self->lport));
	self->cport = xtcp_local_port(self->cfd);
	ASSERT_LT(0, self->cport);
	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	xtcp_set_timeouts(self->afd, 10);
}

FIXTURE_TEARDOWN(est)
{
	close_fd(&self->afd);
	close_fd(&self->cfd);
	close_fd(&self->lfd);
}

TEST(nonblocking_connect__einprogress_then_poll_so_error)
{
	struct sockaddr_xtcp peer;
	socklen_t len = sizeof(peer);
	int lport, lfd, fd, afd, ret;
	short rev;
	char c = 0;

	ASSERT_EQ(0, xtcp_netns_enter());
	lfd = xtcp_listener(&lport);
	ASSERT_LE(0, lfd);
	fd = socket(xtcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);

	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", lport));
	EXPECT_EQ(EINPROGRESS, errno);
	rev = wait_events(fd, POLLOUT, XTCP_WAIT_MS);
	EXPECT_TRUE(rev & POLLOUT);
	EXPECT_FALSE(rev & (POLLERR | POLLHUP));
	EXPECT_EQ(0, so_error(fd));
	ASSERT_EQ(0, getpeername(fd, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(lport, ntohs(peer.sxtcp_port));
	EXPECT_EQ(inet_addr("127.0.0.1"), peer.sxtcp_addr);
	EXPECT_EQ(XTCP_ESTABLISHED,
		  xtcp_proc_state(xtcp_local_port(fd), lport));

	/* As TCP: connect() again reports the outcome, 0, then EISCONN. */
	ret = xtcp_connect_to(fd, "127.0.0.1", lport);
	if (ret)
		EXPECT_EQ(EISCONN, errno);
	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", lport));
	EXPECT_EQ(EISCONN, errno);

	/* And it carries data. */
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	EXPECT_EQ(1, send(fd, "x", 1, 0));
	EXPECT_TRUE(wait_events(afd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(1, recv(afd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ('x', c);
	close(afd);
	close(fd);
	close(lfd);
}

TEST(nonblocking_connect__refused_so_error)
{
	const short want = POLLOUT | POLLERR | POLLHUP;
	long long fails;
	int fd, port;
	short rev;

	ASSERT_EQ(0, xtcp_netns_enter());
	port = free_port();
	ASSERT_LT(0, port);
	fails = XTCP_COUNTER("AttemptFails");
	ASSERT_LE(0, fails);
	fd = socket(xtcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);

	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", port));
	EXPECT_EQ(EINPROGRESS, errno);
	rev = wait_events(fd, POLLOUT, XTCP_WAIT_MS);
	EXPECT_EQ(want, rev & want);
	EXPECT_EQ(ECONNREFUSED, so_error(fd));
	/* Reading SO_ERROR cleared it. */
	EXPECT_EQ(0, so_error(fd));
	EXPECT_EQ(fails + 1, XTCP_COUNTER("AttemptFails"));
	EXPECT_EQ(0, xtcp_proc_count());
	close(fd);
}

TEST_F(est, half_close__peer_reads_eof_and_still_sends)
{
	const size_t total = 100 * 1024;
	struct xtcp_sender sa = { .fd = self->afd, .len = total };
	unsigned char *buf = malloc(total);
	size_t i, bad = 0;
	pthread_t th;
	char c;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_TRUE(wait_events(self->afd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(0, read(self->afd, &c, 1));
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport,
				    XTCP_FIN_WAIT2));
	EXPECT_EQ(XTCP_CLOSE_WAIT,
		  xtcp_proc_state(self->lport, self->cport));
	/* The client's sending side is shut. */
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);

	/* The other direction still works: 100 KB, byte for byte. */
	ASSERT_EQ(0, pthread_create(&th, NULL, xtcp_send_pattern, &sa));
	EXPECT_EQ(0, xtcp_read_all(self->cfd, buf, total));
	pthread_join(th, NULL);
	EXPECT_EQ(0, sa.err);
	for (i = 0; i < total; i++)
		if (buf[i] != xtcp_pattern(i))
			bad++;
	EXPECT_EQ(0, bad);
	free(buf);

	/* The server closes: LAST_ACK, then gone; the client TIME_WAIT. */
	close_fd(&self->afd);
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport,
				    XTCP_TIME_WAIT));
	EXPECT_EQ(0, read(self->cfd, &c, 1));
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport, 0));
}

struct closer {
	int fd;
	pthread_barrier_t *barrier;
	int err;
};

static void *shut_after_barrier(void *arg)
{
	struct closer *a = arg;

	pthread_barrier_wait(a->barrier);
	if (shutdown(a->fd, SHUT_WR))
		a->err = errno;
	return NULL;
}

/*
 * Both ends shut down at once.  On a bare loopback one FIN is usually
 * processed before the other end's shutdown() runs, so that end passes
 * CLOSE_WAIT and LAST_ACK and only the other has TIME_WAIT.  With netem
 * delaying every packet 100 ms (when tc is there) the two FINs cross:
 * both ends pass FIN_WAIT1 -> CLOSING -> TIME_WAIT (RFC 9293 3.6, case 2).
 */
TEST_F(est, simultaneous_close__closing_then_time_wait)
{
	const int msl = 1000;
	struct closer a = { .fd = self->cfd }, b = { .fd = self->afd };
	pthread_barrier_t barrier;
	pthread_t ta, tb;
	int cst, sst, crossed;
	char c;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", msl));
	crossed = !xtcp_sh("tc qdisc add dev lo root netem delay 100ms");
	if (!crossed) {
		ASSERT_FALSE(xtcp_strict())
			TH_LOG("tc qdisc add dev lo root netem delay 100ms failed");
		TH_LOG("no tc netem: the FINs may not cross");
	}
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	a.barrier = &barrier;
	b.barrier = &barrier;
	ASSERT_EQ(0, pthread_create(&ta, NULL, shut_after_barrier, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, shut_after_barrier, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(0, b.err);

	/* Each end reads the other's FIN. */
	EXPECT_TRUE(wait_events(self->cfd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(0, read(self->cfd, &c, 1));
	EXPECT_TRUE(wait_events(self->afd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(0, read(self->afd, &c, 1));

	cst = wait_final(self->cport, self->lport);
	sst = wait_final(self->lport, self->cport);
	TH_LOG("client %s, server %s; FIN_WAIT1->CLOSING %lld",
	       state_name(cst), state_name(sst),
	       xtcp_counter("FinWait1Closing"));
	if (crossed) {
		EXPECT_EQ(XTCP_TIME_WAIT, cst);
		EXPECT_EQ(XTCP_TIME_WAIT, sst);
		EXPECT_EQ(2, XTCP_COUNTER("FinWait1Closing"));
	} else {
		/* Without netem (foreign kernels only): one or both crossed. */
		EXPECT_TRUE(cst == XTCP_TIME_WAIT || cst == 0);
		EXPECT_TRUE(sst == XTCP_TIME_WAIT || sst == 0);
		EXPECT_TRUE(cst == XTCP_TIME_WAIT || sst == XTCP_TIME_WAIT);
	}
	/* Whoever passed CLOSING went on to TIME_WAIT from it. */
	EXPECT_EQ(XTCP_COUNTER("FinWait1Closing"),
		  XTCP_COUNTER("ClosingTimeWait"));

	/* 2 MSL later nothing is left. */
	close_fd(&self->cfd);
	close_fd(&self->afd);
	close_fd(&self->lfd);
	EXPECT_TRUE(xtcp_wait_count(0, 2 * msl + XTCP_WAIT_MS));
}

/* RFC 9293 3.10.4: closing with unread data resets the connection. */
TEST_F(est, close_with_unread_data__rst)
{
	long long rsts = XTCP_COUNTER("OutRsts");
	char buf[100] = "unread";
	char c;

	ASSERT_LE(0, rsts);
	ASSERT_EQ(sizeof(buf), send(self->cfd, buf, sizeof(buf), 0));
	ASSERT_TRUE(wait_ioctl(self->afd, SIOCINQ, sizeof(buf)));
	close_fd(&self->afd);
	EXPECT_LT(rsts, XTCP_COUNTER("OutRsts"));
	/* No FIN handshake, no TIME_WAIT: the server end is gone at once. */
	EXPECT_EQ(0, xtcp_proc_state(self->lport, self->cport));

	EXPECT_TRUE(wait_events(self->cfd, POLLIN, XTCP_WAIT_MS) &
		    (POLLERR | POLLHUP));
	EXPECT_EQ(-1, recv(self->cfd, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport, 0));
}

TEST_F(est, so_linger_zero__rst_no_time_wait)
{
	long long rsts = XTCP_COUNTER("OutRsts");
	char c;

	ASSERT_LE(0, rsts);
	ASSERT_EQ(0, xtcp_set_linger(self->cfd, 1, 0));
	close_fd(&self->cfd);
	/* An abort, not a close: no FIN_WAIT, no TIME_WAIT. */
	EXPECT_EQ(0, xtcp_proc_state(self->cport, self->lport));
	EXPECT_LT(rsts, XTCP_COUNTER("OutRsts"));

	EXPECT_TRUE(wait_events(self->afd, POLLIN, XTCP_WAIT_MS) &
		    (POLLERR | POLLHUP));
	EXPECT_EQ(-1, recv(self->afd, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport, 0));
	EXPECT_EQ(0, xtcp_proc_state(self->cport, self->lport));
}

/*
 * SO_LINGER {1, 5}: close() returns once the data and the FIN are
 * acknowledged.  With netem delaying every packet 200 ms on lo (when tc
 * is there), that is a 400 ms round trip that close() must wait for,
 * where a plain close() returns at once in FIN_WAIT1.
 */
TEST_F(est, so_linger_timeout__close_waits_for_fin_ack)
{
	char buf[4096] = "linger";
	int delayed, st, fd, port;
	long t0, took;

	delayed = !xtcp_sh("tc qdisc add dev lo root netem delay 200ms");
	if (!delayed) {
		ASSERT_FALSE(xtcp_strict())
			TH_LOG("tc qdisc add dev lo root netem delay 200ms failed");
		TH_LOG("no tc netem: only the end state is checked");
	}

	ASSERT_EQ(0, xtcp_set_linger(self->cfd, 1, 5));
	ASSERT_EQ(sizeof(buf), send(self->cfd, buf, sizeof(buf), 0));
	t0 = xtcp_now_ms();
	EXPECT_EQ(0, close(self->cfd));
	took = xtcp_now_ms() - t0;
	self->cfd = -1;
	/* Our FIN is acknowledged; the server has not closed. */
	st = xtcp_proc_state(self->cport, self->lport);
	EXPECT_EQ(XTCP_FIN_WAIT2, st) {
		TH_LOG("after close(): %s", state_name(st));
	}
	EXPECT_GT(5000, took);
	if (delayed)
		EXPECT_LE(350, took);

	if (!delayed)
		return;
	/* Without SO_LINGER, close() does not wait for the ACK. */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_connect_to(fd, "127.0.0.1", self->lport));
	port = xtcp_local_port(fd);
	ASSERT_EQ(sizeof(buf), send(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(XTCP_FIN_WAIT1, xtcp_proc_state(port, self->lport));
}

TEST_F(est, time_wait_lasts_2msl)
{
	long ts, t0, t1;
	char c;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 500));
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	EXPECT_TRUE(wait_events(self->afd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(0, read(self->afd, &c, 1));

	/* The client enters TIME_WAIT after this moment. */
	ts = xtcp_now_ms();
	close_fd(&self->afd);
	ASSERT_TRUE(xtcp_wait_state(self->cport, self->lport,
				    XTCP_TIME_WAIT));
	t0 = xtcp_now_ms();
	/* Still there a little later... */
	usleep(200 * 1000);
	EXPECT_EQ(XTCP_TIME_WAIT, xtcp_proc_state(self->cport, self->lport));
	/* ...and gone 2 MSL = 1 s after it began. */
	ASSERT_TRUE(xtcp_wait_state(self->cport, self->lport, 0));
	t1 = xtcp_now_ms();
	TH_LOG("TIME_WAIT seen %ld ms after close(), gone %ld ms after",
	       t0 - ts, t1 - ts);
	EXPECT_LE(950, t1 - ts);
	EXPECT_GE(1000 + 2000, t1 - t0);
	EXPECT_EQ(0, xtcp_proc_state(self->lport, self->cport));
}

static int sigpipes;

static void on_sigpipe(int sig)
{
	sigpipes++;
}

TEST_F(est, send_after_peer_reset__epipe)
{
	int i, err = 0;

	ASSERT_EQ(0, xtcp_set_linger(self->afd, 1, 0));
	close_fd(&self->afd);
	/*
	 * No events asked: poll() returns when the RST has set POLLERR or
	 * POLLHUP, not at once for the POLLOUT a connected socket has.
	 */
	EXPECT_TRUE(wait_events(self->cfd, 0, XTCP_WAIT_MS) &
		    (POLLERR | POLLHUP));

	/*
	 * The first send after the RST fails with the reset: ECONNRESET in
	 * ESTABLISHED (Documentation/state-machine.rst, RST).
	 */
	for (i = 0; i < 100 && !err; i++)
		if (send(self->cfd, "x", 1, MSG_NOSIGNAL) < 0)
			err = errno;
	EXPECT_EQ(1, i);
	EXPECT_EQ(ECONNRESET, err) {
		TH_LOG("send: %s", strerror(err));
	}
	/* The error is reported once; then EPIPE for good. */
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);

	/* Without MSG_NOSIGNAL, SIGPIPE comes with it. */
	signal(SIGPIPE, on_sigpipe);
	EXPECT_EQ(-1, send(self->cfd, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	signal(SIGPIPE, SIG_DFL);
}

/*
 * The server closes first, so the TIME_WAIT is on its port P.  As in TCP,
 * P is in use until TIME_WAIT ends, unless both the old socket (it
 * inherited SO_REUSEADDR from its listener) and the new one set it.
 */
TEST(reuseaddr__bind_while_time_wait)
{
	const int port = 5000;
	int lfd, cfd, afd, fd, cport, fd2;
	char c;

	ASSERT_EQ(0, xtcp_netns_enter());
	lfd = xtcp_socket();
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_reuseaddr(lfd));
	ASSERT_EQ(0, xtcp_bind_to(lfd, "127.0.0.1", port));
	ASSERT_EQ(0, listen(lfd, 4));
	cfd = xtcp_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.1", port));
	cport = xtcp_local_port(cfd);
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);

	ASSERT_EQ(0, close(afd));
	EXPECT_TRUE(wait_events(cfd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(0, read(cfd, &c, 1));
	ASSERT_EQ(0, close(cfd));
	ASSERT_TRUE(xtcp_wait_state(port, cport, XTCP_TIME_WAIT));
	ASSERT_EQ(0, close(lfd));
	EXPECT_EQ(0, xtcp_proc_state(port, 0));

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_bind_to(fd, "127.0.0.1", port));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, xtcp_bind_to(fd, NULL, port));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_reuseaddr(fd));
	EXPECT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", port));
	EXPECT_EQ(0, listen(fd, 4));
	EXPECT_EQ(XTCP_TIME_WAIT, xtcp_proc_state(port, cport));

	/* And the new listener serves while the TIME_WAIT lives on. */
	fd2 = xtcp_socket();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, xtcp_connect_to(fd2, "127.0.0.1", port));
	afd = accept(fd, NULL, NULL);
	EXPECT_LE(0, afd);
	close(afd);
	close(fd2);
	close(fd);
}

TEST(reuseaddr__two_listeners_eaddrinuse)
{
	const int port = 5001;
	int a, b, c;

	ASSERT_EQ(0, xtcp_netns_enter());
	a = xtcp_socket();
	b = xtcp_socket();
	c = xtcp_socket();
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, set_reuseaddr(a));
	ASSERT_EQ(0, set_reuseaddr(b));
	ASSERT_EQ(0, set_reuseaddr(c));
	/* Neither listens yet: both may hold the port. */
	EXPECT_EQ(0, xtcp_bind_to(a, "127.0.0.1", port));
	EXPECT_EQ(0, xtcp_bind_to(b, "127.0.0.1", port));
	EXPECT_EQ(0, listen(a, 4));
	EXPECT_EQ(-1, listen(b, 4));
	EXPECT_EQ(EADDRINUSE, errno);
	/* A listener's port is not shared, SO_REUSEADDR or not. */
	EXPECT_EQ(-1, xtcp_bind_to(c, "127.0.0.1", port));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(port, 0));
	/* Once the first is gone the second may listen. */
	close(a);
	EXPECT_EQ(0, listen(b, 4));
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(port, 0));
	close(b);
	close(c);
}

/* Take @cap out of this process's effective and permitted sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data);
}

TEST(bind_privileged_port__needs_cap_net_bind_service)
{
	const char *start = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
	int fd;

	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_write_file(start, "1024"));

	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", 80));
	close(fd);

	/* This test's process only: the harness forked it. */
	ASSERT_EQ(0, drop_cap(CAP_NET_BIND_SERVICE));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_bind_to(fd, "127.0.0.1", 80));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, xtcp_bind_to(fd, NULL, 1023));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", 1024));
	close(fd);

	/* The namespace's threshold is what counts, as for TCP. */
	ASSERT_EQ(0, xtcp_write_file(start, "80"));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", 80));
	close(fd);
}

TEST(ephemeral_ports__from_ip_local_port_range)
{
	const int lo = 40000, n = 10, lport = 5000;
	int fds[10], seen[10] = { 0 };
	int lfd, fd, i, port;

	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_write_file(XTCP_PORT_RANGE, "40000 40009"));
	lfd = xtcp_listener_on(lport, 16);
	ASSERT_LE(0, lfd);

	for (i = 0; i < n; i++) {
		fds[i] = xtcp_socket();
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, xtcp_connect_to(fds[i], "127.0.0.1", lport));
		port = xtcp_local_port(fds[i]);
		ASSERT_LE(lo, port);
		ASSERT_GT(lo + n, port);
		EXPECT_EQ(0, seen[port - lo]++);
	}

	/* The range is used up. */
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", lport));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(fd);

	/* An abort frees a port at once (no TIME_WAIT holds it). */
	port = xtcp_local_port(fds[3]);
	ASSERT_EQ(0, xtcp_set_linger(fds[3], 1, 0));
	close(fds[3]);
	fds[3] = xtcp_socket();
	ASSERT_LE(0, fds[3]);
	EXPECT_EQ(0, xtcp_connect_to(fds[3], "127.0.0.1", lport));
	EXPECT_EQ(port, xtcp_local_port(fds[3]));

	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
}

/*
 * A port connect() chose is shared with connections to other peers, as
 * TCP shares it: the range bounds the connections to each peer, not all
 * of them.  A port bind() or listen() took is never shared, and bind()
 * cannot take a shared one.
 */
TEST(ephemeral_ports__shared_by_other_peers)
{
	const int lport = 5000, eport = 40000;
	int lfd[2], fd[2], b, c, i;

	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_write_file(XTCP_PORT_RANGE, "40000 40000"));
	for (i = 0; i < 2; i++) {
		lfd[i] = xtcp_listener_on(lport + i, 4);
		ASSERT_LE(0, lfd[i]);
	}

	/* One port, two peers: both connections come from it. */
	for (i = 0; i < 2; i++) {
		fd[i] = xtcp_socket();
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, xtcp_connect_to(fd[i], "127.0.0.1", lport + i));
		EXPECT_EQ(eport, xtcp_local_port(fd[i]));
		EXPECT_TRUE(xtcp_wait_state(eport, lport + i,
					    XTCP_ESTABLISHED));
	}

	/* A second connection to one peer needs a second port. */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, xtcp_connect_to(c, "127.0.0.1", lport));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(c);

	/* bind() does not share the port. */
	b = xtcp_socket();
	ASSERT_LE(0, b);
	EXPECT_EQ(-1, xtcp_bind_to(b, "127.0.0.1", eport));
	EXPECT_EQ(EADDRINUSE, errno);
	close(b);

	/* Nor does connect() share a port bind(0) took... */
	ASSERT_EQ(0, xtcp_write_file(XTCP_PORT_RANGE, "40001 40001"));
	b = xtcp_socket();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, xtcp_bind_to(b, "127.0.0.1", 0));
	ASSERT_EQ(eport + 1, xtcp_local_port(b));
	c = xtcp_socket();
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, xtcp_connect_to(c, "127.0.0.1", lport + 1));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(c);
	close(b);

	/* ... or a listener's. */
	ASSERT_EQ(0, xtcp_write_file(XTCP_PORT_RANGE, "5000 5000"));
	c = xtcp_socket();
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, xtcp_connect_to(c, "127.0.0.1", lport + 1));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	close(c);

	for (i = 0; i < 2; i++) {
		close(fd[i]);
		close(lfd[i]);
	}
}

/*
 * A connect() on a port range of two, retried while it finds no port:
 * EADDRNOTAVAIL is the only error allowed, for at most XTCP_WAIT_MS.
 */
static int connect_retrying(int lport)
{
	long end = xtcp_now_ms() + XTCP_WAIT_MS;

	for (;;) {
		int fd = xtcp_socket(), err;

		if (fd < 0)
			return -1;
		if (!xtcp_connect_to(fd, "127.0.0.1", lport))
			return fd;
		err = errno;
		close(fd);
		if (err != EADDRNOTAVAIL || xtcp_now_ms() > end)
			return -1;
		usleep(20 * 1000);
	}
}

/*
 * Connect, request, reply, close, the client first (so its port is held
 * by TIME_WAIT for 2 MSL), six times from a range of two ports: each
 * connection but a port's first takes over the TIME_WAIT of its 4-tuple,
 * once the peer's last timestamp there is from an earlier second.
 * Loopback: net.xtcp.tw_reuse 2, the default, allows it; 0 does not.
 */
TEST(time_wait__reused_by_connect_over_loopback)
{
	const int lport = 5000, n = 6;
	int lfd, fd, afd, i, used = 0;
	bool seen[2] = { false };
	long long reused;
	long sec = 0;
	char c = 'x';

	ASSERT_EQ(0, xtcp_netns_enter());
	ASSERT_EQ(0, xtcp_write_file(XTCP_PORT_RANGE, "40000 40001"));
	lfd = xtcp_listener_on(lport, 4);
	ASSERT_LE(0, lfd);
	reused = XTCP_COUNTER("TimeWaitReused");

	for (i = 0; i < n; i++) {
		int cport;

		fd = connect_retrying(lport);
		ASSERT_LE(0, fd) TH_LOG("connection %d: %s", i, strerror(errno));
		cport = xtcp_local_port(fd);
		ASSERT_TRUE(cport == 40000 || cport == 40001);
		if (!seen[cport - 40000]) {
			seen[cport - 40000] = true;
			used++;
		}
		xtcp_set_timeouts(fd, 10);
		afd = accept(lfd, NULL, NULL);
		ASSERT_LE(0, afd);
		xtcp_set_timeouts(afd, 10);
		ASSERT_EQ(1, write(fd, &c, 1));
		ASSERT_EQ(1, read(afd, &c, 1));
		ASSERT_EQ(1, write(afd, &c, 1));
		ASSERT_EQ(1, read(fd, &c, 1));
		ASSERT_EQ(0, close(fd));
		EXPECT_EQ(0, read(afd, &c, 1));
		ASSERT_EQ(0, close(afd));
		ASSERT_TRUE(xtcp_wait_state(cport, lport, XTCP_TIME_WAIT));
		sec = xtcp_now_ms() / 1000;
	}
	/* Each connection but a port's first took a TIME_WAIT over. */
	EXPECT_EQ(reused + n - used, XTCP_COUNTER("TimeWaitReused"));

	/* The rule's second is over; 0 refuses. */
	xtcp_wait_past_second(sec);
	ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", 0));
	fd = xtcp_socket();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_connect_to(fd, "127.0.0.1", lport));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	ASSERT_EQ(0, xtcp_sysctl_set("tw_reuse", 2));
	EXPECT_EQ(0, xtcp_connect_to(fd, "127.0.0.1", lport));
	close(fd);
	close(lfd);
}

/*
 * listen(fd, 2): the backlog bounds the children a listener holds, which
 * in XTCP are the half-open ones (SYN_RCVD) plus the established ones not
 * yet accepted.  A SYN that finds the listener full is dropped without an
 * answer and counted as ListenOverflows; its client stays in SYN_SENT and
 * retransmits the SYN, which gets in once accept() has made room.  (Linux
 * TCP differs in detail: it lets backlog + 1 wait for accept().)
 */
TEST(listen_backlog__bounds_half_open_and_unaccepted)
{
	const int n = 4, backlog = 2;
	struct pollfd pfd[4];
	long long over;
	int lfd, lport, i, ready = 0, afd;
	long end;

	ASSERT_EQ(0, xtcp_netns_enter());
	/* A quicker SYN retransmission, where the module has the knob. */
	xtcp_sysctl_set("rto_init_ms", 200);
	lfd = xtcp_socket();
	ASSERT_LE(0, lfd);
	xtcp_set_timeouts(lfd, 10);
	ASSERT_EQ(0, xtcp_bind_to(lfd, "127.0.0.1", 0));
	ASSERT_EQ(0, listen(lfd, backlog));
	lport = xtcp_local_port(lfd);
	over = XTCP_COUNTER("ListenOverflows");
	ASSERT_LE(0, over);

	for (i = 0; i < n; i++) {
		pfd[i].fd = socket(xtcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
		pfd[i].events = POLLOUT;
		ASSERT_LE(0, pfd[i].fd);
		EXPECT_EQ(-1, xtcp_connect_to(pfd[i].fd, "127.0.0.1", lport));
		EXPECT_EQ(EINPROGRESS, errno);
	}

	/* Watch for a second: two get in, no more. */
	end = xtcp_now_ms() + 1000;
	do {
		ready = 0;
		if (poll(pfd, n, 50) < 0)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLOUT)
				ready++;
	} while (xtcp_now_ms() < end);
	EXPECT_EQ(backlog, ready);
	for (i = 0; i < n; i++)
		EXPECT_FALSE(pfd[i].revents & POLLERR);
	EXPECT_LE(over + n - backlog, XTCP_COUNTER("ListenOverflows"));

	/* accept() makes room; the others get in on a retransmitted SYN. */
	for (i = 0; i < backlog; i++) {
		afd = accept(lfd, NULL, NULL);
		EXPECT_LE(0, afd);
		close(afd);
	}
	end = xtcp_now_ms() + 15000;
	do {
		ready = 0;
		if (poll(pfd, n, 100) < 0)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLOUT)
				ready++;
	} while (ready < n && xtcp_now_ms() < end);
	EXPECT_EQ(n, ready);
	for (i = 0; i < n - backlog; i++) {
		afd = accept(lfd, NULL, NULL);
		EXPECT_LE(0, afd);
		close(afd);
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, so_error(pfd[i].fd));
		close(pfd[i].fd);
	}
	close(lfd);
}

static void expect_addr(struct __test_metadata *_metadata,
			const struct sockaddr_xtcp *a, const char *ip, int port)
{
	EXPECT_EQ(xtcp_af(), a->sxtcp_family);
	EXPECT_EQ(inet_addr(ip), a->sxtcp_addr);
	EXPECT_EQ(port, ntohs(a->sxtcp_port));
}

/*
 * A wildcard listener; the client binds 127.0.0.3 and connects to
 * 127.0.0.2 (all of 127/8 is local): the child's local address is the one
 * the SYN was sent to.
 */
TEST(accept_returns_established_child_with_correct_addresses)
{
	struct sockaddr_xtcp a;
	struct xtcp_info info;
	socklen_t len = sizeof(a);
	int lfd, cfd, afd, lport, cport;

	ASSERT_EQ(0, xtcp_netns_enter());
	lfd = xtcp_socket();
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_bind_to(lfd, NULL, 0));
	ASSERT_EQ(0, listen(lfd, 4));
	lport = xtcp_local_port(lfd);
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &len));
	expect_addr(_metadata, &a, "0.0.0.0", lport);
	EXPECT_EQ(-1, getpeername(lfd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);

	cfd = xtcp_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, xtcp_bind_to(cfd, "127.0.0.3", 0));
	ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.2", lport));
	cport = xtcp_local_port(cfd);
	/* The child is ESTABLISHED before accept() takes it. */
	EXPECT_TRUE(xtcp_wait_state(lport, cport, XTCP_ESTABLISHED));

	len = sizeof(a);
	afd = accept(lfd, (struct sockaddr *)&a, &len);
	ASSERT_LE(0, afd);
	EXPECT_EQ(sizeof(a), len);
	expect_addr(_metadata, &a, "127.0.0.3", cport);

	len = sizeof(a);
	ASSERT_EQ(0, getsockname(afd, (struct sockaddr *)&a, &len));
	expect_addr(_metadata, &a, "127.0.0.2", lport);
	len = sizeof(a);
	ASSERT_EQ(0, getpeername(afd, (struct sockaddr *)&a, &len));
	expect_addr(_metadata, &a, "127.0.0.3", cport);
	len = sizeof(a);
	ASSERT_EQ(0, getsockname(cfd, (struct sockaddr *)&a, &len));
	expect_addr(_metadata, &a, "127.0.0.3", cport);
	len = sizeof(a);
	ASSERT_EQ(0, getpeername(cfd, (struct sockaddr *)&a, &len));
	expect_addr(_metadata, &a, "127.0.0.2", lport);

	len = sizeof(info);
	ASSERT_EQ(0, getsockopt(afd, SOL_XTCP, XTCP_INFO, &info, &len));
	EXPECT_EQ(XTCP_ESTABLISHED, info.xtcpi_state);
	/* The listener has nothing more to give. */
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(afd);
	close(cfd);
	close(lfd);
}

/* MSG_PEEK leaves the bytes for the next read, across segments too. */
TEST_F(est, recv_peek__then_read_same_bytes)
{
	const char *all = "0123456789abcdefghij";
	char buf[32];

	ASSERT_EQ(10, send(self->cfd, all, 10, 0));
	ASSERT_EQ(10, send(self->cfd, all + 10, 10, 0));
	ASSERT_TRUE(wait_ioctl(self->afd, SIOCINQ, 20));

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(20, recv(self->afd, buf, sizeof(buf), MSG_PEEK));
	EXPECT_STREQ(all, buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(20, recv(self->afd, buf, sizeof(buf), MSG_PEEK));
	EXPECT_STREQ(all, buf);
	EXPECT_EQ(20, ioctl_int(self->afd, SIOCINQ));

	/* Read a little, then peek from where the read stopped. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(3, read(self->afd, buf, 3));
	EXPECT_STREQ("012", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(10, recv(self->afd, buf, 10, MSG_PEEK));
	EXPECT_STREQ("3456789abc", buf);
	EXPECT_EQ(17, ioctl_int(self->afd, SIOCINQ));

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(17, recv(self->afd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_STREQ(all + 3, buf);
	EXPECT_EQ(0, ioctl_int(self->afd, SIOCINQ));
	EXPECT_EQ(-1, recv(self->afd, buf, 1, MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * SIOCINQ: bytes received and not read (a FIN is not a byte).  SIOCOUTQ:
 * bytes sent and not acknowledged; with netem delaying lo (when tc is
 * there) they stay unacknowledged for a round trip.
 */
TEST_F(est, ioctl__siocinq_siocoutq)
{
	char buf[3000];
	int delayed, n = -1;

	EXPECT_EQ(-1, ioctl(self->lfd, SIOCINQ, &n));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl_int(self->cfd, SIOCINQ));
	EXPECT_EQ(0, ioctl_int(self->cfd, SIOCOUTQ));

	delayed = !xtcp_sh("tc qdisc add dev lo root netem delay 200ms");
	if (!delayed) {
		ASSERT_FALSE(xtcp_strict())
			TH_LOG("tc qdisc add dev lo root netem delay 200ms failed");
		TH_LOG("no tc netem: SIOCOUTQ is checked only once acked");
	}
	memset(buf, 'q', sizeof(buf));
	ASSERT_EQ(sizeof(buf), send(self->cfd, buf, sizeof(buf), 0));
	if (delayed)
		EXPECT_EQ(sizeof(buf), ioctl_int(self->cfd, SIOCOUTQ));
	EXPECT_TRUE(wait_ioctl(self->cfd, SIOCOUTQ, 0));
	EXPECT_TRUE(wait_ioctl(self->afd, SIOCINQ, sizeof(buf)));
	EXPECT_EQ(1000, read(self->afd, buf, 1000));
	EXPECT_EQ(2000, ioctl_int(self->afd, SIOCINQ));
	EXPECT_EQ(0, ioctl_int(self->afd, SIOCOUTQ));

	/* The FIN arrives: still 2000 bytes to read, then none. */
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport,
				    XTCP_CLOSE_WAIT));
	EXPECT_EQ(2000, ioctl_int(self->afd, SIOCINQ));
	EXPECT_EQ(0, xtcp_read_all(self->afd, buf, 2000));
	EXPECT_EQ(0, ioctl_int(self->afd, SIOCINQ));
	EXPECT_EQ(0, read(self->afd, buf, 1));
	if (delayed)
		xtcp_sh("tc qdisc del dev lo root");
}

/*
 * Data that arrives after close() has nobody to read it: the orphan
 * resets (RFC 9293 3.10.4, RFC 1122 4.2.2.13; Linux does so in
 * FIN_WAIT1/2), rather than queueing it and stalling the sender.
 */
TEST_F(est, data_after_close__orphan_resets)
{
	long long rsts = XTCP_COUNTER("OutRsts");
	char c;
	int err;

	ASSERT_LE(0, rsts);
	/* Nothing unread: a FIN, not an RST. */
	close_fd(&self->afd);
	EXPECT_TRUE(wait_events(self->cfd, POLLIN, XTCP_WAIT_MS) & POLLIN);
	EXPECT_EQ(0, read(self->cfd, &c, 1));
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport,
				    XTCP_FIN_WAIT2));
	EXPECT_EQ(XTCP_CLOSE_WAIT, xtcp_proc_state(self->cport, self->lport));
	EXPECT_EQ(rsts, XTCP_COUNTER("OutRsts"));

	/* The client, half open, sends: the orphan answers RST. */
	EXPECT_EQ(4, send(self->cfd, "late", 4, MSG_NOSIGNAL));
	EXPECT_TRUE(xtcp_wait_state(self->lport, self->cport, 0));
	EXPECT_TRUE(xtcp_wait_state(self->cport, self->lport, 0));
	EXPECT_LT(rsts, XTCP_COUNTER("OutRsts"));
	/* The client was in CLOSE_WAIT: the reset reads EPIPE there. */
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	err = errno;
	EXPECT_EQ(EPIPE, err) {
		TH_LOG("send: %s", strerror(err));
	}
}

/*
 * In a namespace of its own, leave orphans of every kind behind, then
 * return (and the caller exits, so the namespace dies with them): client
 * TIME_WAIT, client FIN_WAIT2, server FIN_WAIT2, connections still open
 * that exit() closes, children never accepted and, when tc is there,
 * FIN_WAIT1 orphans retransmitting into a lo that drops everything.
 * Returns 0, or the step that failed.
 */
static int make_orphans(void)
{
	int lfd, lport, cfd, afd, cport, k;
	char c;

	if (xtcp_netns_enter())
		return 1;
	if (xtcp_sysctl_set("msl_ms", 60000) ||
	    xtcp_sysctl_set("fin_timeout_ms", 60000))
		return 2;
	lfd = xtcp_listener(&lport);
	if (lfd < 0)
		return 3;
	for (k = 0; k < 8; k++) {
		cfd = xtcp_socket();
		if (cfd < 0 || xtcp_connect_to(cfd, "127.0.0.1", lport))
			return 4;
		cport = xtcp_local_port(cfd);
		xtcp_set_timeouts(lfd, 10);
		xtcp_set_timeouts(cfd, 10);
		afd = accept(lfd, NULL, NULL);
		if (afd < 0)
			return 5;
		switch (k % 4) {
		case 0:		/* client TIME_WAIT */
			close(cfd);
			if (read(afd, &c, 1) != 0)
				return 6;
			close(afd);
			if (!xtcp_wait_state(cport, lport, XTCP_TIME_WAIT))
				return 7;
			break;
		case 1:		/* client FIN_WAIT2, server CLOSE_WAIT */
			close(cfd);
			if (!xtcp_wait_state(cport, lport, XTCP_FIN_WAIT2))
				return 8;
			break;
		case 2:		/* server FIN_WAIT2, client CLOSE_WAIT */
			close(afd);
			if (!xtcp_wait_state(lport, cport, XTCP_FIN_WAIT2))
				return 9;
			break;
		default:	/* open until exit() */
			break;
		}
	}
	/* Children nobody accepts. */
	for (k = 0; k < 3; k++) {
		cfd = xtcp_socket();
		if (cfd < 0 || xtcp_connect_to(cfd, "127.0.0.1", lport))
			return 10;
	}
	if (xtcp_sh("tc qdisc add dev lo root netem loss 100%%")) {
		/* In strict mode the FIN_WAIT1 orphans are not optional. */
		if (xtcp_strict())
			return 12;
	} else {
		/* SYN_SENT, retrying, when the namespace dies. */
		for (k = 0; k < 2; k++) {
			cfd = socket(xtcp_af(), SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (cfd < 0 ||
			    !xtcp_connect_to(cfd, "127.0.0.1", lport) ||
			    errno != EINPROGRESS)
				return 11;
		}
	}
	/* exit() closes the rest: FIN_WAIT1 and LAST_ACK, retransmitting. */
	return 0;
}

/* waitpid(), bounded: false if @pid had to be killed after @ms. */
static bool wait_child(pid_t pid, int *status, long ms)
{
	long end = xtcp_now_ms() + ms;

	do {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return false;
}

/*
 * Five namespaces, each with orphans, each ended: on the debug kernel,
 * beside a program in the second lane and a kmemleak scan, that took
 * longer than the harness's default 30 s.
 */
FIXTURE(netns) {
};

FIXTURE_SETUP(netns)
{
}

FIXTURE_TEARDOWN(netns)
{
}

TEST_F_TIMEOUT(netns, orphans_and_netns_exit, 120)
{
	int lfd, lport, i, status, cfd, afd;
	pid_t pid;
	char c = 0;

	ASSERT_EQ(0, xtcp_netns_enter());
	lfd = xtcp_listener(&lport);
	ASSERT_LE(0, lfd);
	xtcp_set_timeouts(lfd, 10);

	for (i = 0; i < 5; i++) {
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(make_orphans());
		ASSERT_TRUE(wait_child(pid, &status, 20000));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) {
			TH_LOG("namespace %d: step %d failed", i,
			       WEXITSTATUS(status));
		}
		/* This namespace saw none of it. */
		EXPECT_EQ(1, xtcp_proc_count());
		EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(lport, 0));
	}

	/* And it still works. */
	cfd = xtcp_socket();
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.1", lport));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	EXPECT_EQ(1, send(cfd, "z", 1, 0));
	EXPECT_EQ(1, read(afd, &c, 1));
	EXPECT_EQ('z', c);
	close(afd);
	close(cfd);
	close(lfd);
}

#define XTCP_DEBUGFS_SOCKS "/sys/kernel/debug/xtcp/sockets"

/* Sockets of the module in namespace @ino (debugfs lists every one). */
static int sockets_in_netns(unsigned long ino)
{
	FILE *f = fopen(XTCP_DEBUGFS_SOCKS, "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strtoul(line, NULL, 10) == ino)
			n++;
	fclose(f);
	return n;
}

/*
 * In a namespace of its own, a client TIME_WAIT orphan and nothing else
 * (2 MSL: 120 s); the namespace's inode to @fd.  Returns 0, or the step
 * that failed.
 */
static int make_time_wait(int fd)
{
	int lfd, lport, cfd, afd, cport;
	struct stat st;
	char c;

	if (xtcp_netns_enter() || stat("/proc/self/ns/net", &st))
		return 1;
	if (xtcp_sysctl_set("msl_ms", 60000))
		return 2;
	lfd = xtcp_listener(&lport);
	cfd = xtcp_socket();
	if (lfd < 0 || cfd < 0 || xtcp_connect_to(cfd, "127.0.0.1", lport))
		return 3;
	cport = xtcp_local_port(cfd);
	xtcp_set_timeouts(lfd, 10);
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		return 4;
	close(cfd);
	xtcp_set_timeouts(afd, 10);
	if (read(afd, &c, 1) != 0)
		return 5;
	close(afd);
	close(lfd);
	if (!xtcp_wait_state(cport, lport, XTCP_TIME_WAIT) ||
	    !xtcp_wait_state(lport, cport, 0) || xtcp_proc_count() != 1)
		return 6;
	if (write(fd, &st.st_ino, sizeof(st.st_ino)) != sizeof(st.st_ino))
		return 7;
	return 0;
}

/*
 * In a namespace of its own, behind xtcp_peer.h's veth, a FIN_WAIT2
 * orphan whose peer acknowledged its FIN and never sends one, and nothing
 * else (fin_timeout_ms: 60 s); the namespace's inode to @fd.  Returns 0,
 * or the step that failed.
 */
static int make_fin_wait2(int fd)
{
	struct xtcp_peer p = { 0 };
	struct stat st;
	int lfd, afd;

	if (peer_setup(&p) || stat("/proc/self/ns/net", &st))
		return 1;
	if (xtcp_sysctl_set("fin_timeout_ms", 60000))
		return 2;
	p.port = 40000;
	afd = peer_open_passive(&p, 5000, &lfd);
	if (afd < 0)
		return 3;
	close(lfd);
	close(afd);
	if (peer_expect_fin(&p) ||
	    peer_send(&p, PEER_ACK, p.rcv_nxt, p.snd_nxt, NULL, 0))
		return 4;
	p.snd_una = p.snd_nxt;
	if (!peer_wait_state(&p, XTCP_FIN_WAIT2) || xtcp_proc_count() != 1)
		return 5;
	/* Not peer_close(): its RST would end the orphan. */
	close(p.fd);
	if (write(fd, &st.st_ino, sizeof(st.st_ino)) != sizeof(st.st_ino))
		return 6;
	return 0;
}

/*
 * Run @make in a child, which leaves an orphan in a namespace of its own
 * and exits; then wait up to @ms for the namespace to be gone with it.
 * Returns the module's sockets left in it, or -1 if @make failed.
 */
static int orphan_outlives_netns(int (*make)(int), long ms)
{
	unsigned long ino = 0;
	int fds[2], status = 0, n;
	long end;
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fds[0]);
		_exit(make(fds[1]));
	}
	close(fds[1]);
	n = read(fds[0], &ino, sizeof(ino));
	close(fds[0]);
	if (!wait_child(pid, &status, 20000) || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || n != sizeof(ino)) {
		peer_log("the orphan's maker failed: status 0x%x", status);
		return -1;
	}
	end = xtcp_now_ms() + ms;
	while ((n = sockets_in_netns(ino)) > 0 && xtcp_now_ms() < end)
		usleep(20 * 1000);
	return n;
}

/*
 * A TIME_WAIT orphan does not hold its namespace, as Linux's timewait
 * sockets do not: once its processes are gone the namespace exits and
 * ends the orphan, long before 2 MSL.  (Before, the orphan kept the
 * namespace, and on a lockdep kernel the module, for the 2 MSL.)
 */
TEST_F_TIMEOUT(netns, time_wait_orphan__namespace_exit_ends_it, 120)
{
	if (XTCP_UNMET(!access(XTCP_DEBUGFS_SOCKS, R_OK),
		       "debugfs: " XTCP_DEBUGFS_SOCKS))
		return;
	/* Half of 2 MSL at most; the namespace's exit takes a moment. */
	EXPECT_EQ(0, orphan_outlives_netns(make_time_wait, 60000));
}

/*
 * Nor does a FIN_WAIT2 orphan, which Linux keeps as a timewait socket
 * too: a peer that never sends its FIN no longer holds the namespace
 * for fin_timeout_ms.
 */
TEST_F_TIMEOUT(netns, fin_wait2_orphan__namespace_exit_ends_it, 120)
{
	if (XTCP_UNMET(!access(XTCP_DEBUGFS_SOCKS, R_OK),
		       "debugfs: " XTCP_DEBUGFS_SOCKS))
		return;
	/* Half of fin_timeout_ms at most. */
	EXPECT_EQ(0, orphan_outlives_netns(make_fin_wait2, 30000));
}

TEST_HARNESS_MAIN
