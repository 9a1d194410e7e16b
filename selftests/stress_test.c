// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP under load and under races, each test in a network namespace of
 * its own: many short connections from several threads at once, close()
 * racing data that keeps arriving, and close() racing retransmission
 * timers on a lossy loopback.  Besides what each test asserts, the runner
 * checks the kernel log (WARNING, BUG, lockdep, KASAN) and kmemleak after
 * the program, and module unload waits for every socket to be freed.
 *
 * The VM may run under TCG emulation, where a connection setup costs a
 * few milliseconds: the tests carry timeouts of their own.
 */
#include <pthread.h>

#include "xtcp_util.h"
#include "kselftest_harness.h"

/* Join @th, waiting at most @secs; false if it is still running. */
static bool join_within(pthread_t th, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	return pthread_timedjoin_np(th, NULL, &ts) == 0;
}

/* Remember the first failure of a worker thread: where, and errno. */
struct failure {
	pthread_mutex_t lock;
	int count;
	int step;
	int err;
};

static void fail(struct failure *f, int step, int err)
{
	pthread_mutex_lock(&f->lock);
	if (!f->count++) {
		f->step = step;
		f->err = err;
	}
	pthread_mutex_unlock(&f->lock);
}

FIXTURE(stress) {
	int lfd;
	int lport;
	bool netem;
};

FIXTURE_SETUP(stress)
{
	self->lfd = -1;
	ASSERT_EQ(0, xtcp_netns_enter());
}

FIXTURE_TEARDOWN(stress)
{
	if (self->netem)
		xtcp_sh("tc qdisc del dev lo root");
	if (self->lfd >= 0)
		close(self->lfd);
}

#define CONN_THREADS	4
#define CONN_EACH	250
#define CONN_MSG	1024

struct conn_world {
	int lfd;
	int lport;
	int served;		/* connections the servers finished */
	int done;		/* connections the clients finished */
	struct failure server;
	struct failure client;
};

struct conn_client {
	struct conn_world *w;
	int id;
};

static unsigned char conn_byte(int id, int i, int j)
{
	return (unsigned char)(id * 131 + i * 7 + j * 3 + (j >> 8));
}

/* Accept, echo CONN_MSG bytes, read EOF, close; until accept() fails. */
static void *conn_server(void *arg)
{
	struct conn_world *w = arg;
	char buf[CONN_MSG], c;
	int fd;

	for (;;) {
		fd = accept(w->lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			break;	/* the listener was shut down */
		}
		xtcp_set_timeouts(fd, 10);
		if (xtcp_read_all(fd, buf, sizeof(buf)))
			fail(&w->server, 1, errno);
		else if (xtcp_write_all(fd, buf, sizeof(buf)))
			fail(&w->server, 2, errno);
		else if (read(fd, &c, 1) != 0)
			fail(&w->server, 3, errno);
		close(fd);
		__atomic_add_fetch(&w->served, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* CONN_EACH times: connect, send CONN_MSG bytes, check the echo, close. */
static void *conn_client(void *arg)
{
	struct conn_client *a = arg;
	struct conn_world *w = a->w;
	unsigned char out[CONN_MSG], in[CONN_MSG];
	int i, j, fd;

	for (i = 0; i < CONN_EACH; i++) {
		for (j = 0; j < CONN_MSG; j++)
			out[j] = conn_byte(a->id, i, j);
		fd = xtcp_socket();
		if (fd < 0) {
			fail(&w->client, 1, errno);
			continue;
		}
		xtcp_set_timeouts(fd, 10);
		if (xtcp_connect_to(fd, "127.0.0.1", w->lport))
			fail(&w->client, 2, errno);
		else if (xtcp_write_all(fd, out, sizeof(out)))
			fail(&w->client, 3, errno);
		else if (xtcp_read_all(fd, in, sizeof(in)))
			fail(&w->client, 4, errno);
		else if (memcmp(in, out, sizeof(in)))
			fail(&w->client, 5, 0);
		else
			__atomic_add_fetch(&w->done, 1, __ATOMIC_RELAXED);
		close(fd);
	}
	return NULL;
}

/*
 * 4 client threads, 250 connections each, against one listener served by
 * 4 accept() threads.  Clients close first: each leaves a TIME_WAIT of
 * 2 * 200 ms behind, and /proc/net/xtcp must drain to the listener alone.
 */
TEST_F_TIMEOUT(stress, thousand_connections_by_four_threads, 300)
{
	const int total = CONN_THREADS * CONN_EACH;
	struct conn_client clients[CONN_THREADS];
	pthread_t cth[CONN_THREADS], sth[CONN_THREADS];
	struct conn_world w;
	long t0;
	int i;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.server.lock, NULL);
	pthread_mutex_init(&w.client.lock, NULL);
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 200));
	ASSERT_EQ(0, XTCP_COUNTER("ActiveOpens"));
	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, xtcp_bind_to(self->lfd, "127.0.0.1", 0));
	ASSERT_EQ(0, listen(self->lfd, 128));
	self->lport = xtcp_local_port(self->lfd);
	w.lfd = self->lfd;
	w.lport = self->lport;

	t0 = xtcp_now_ms();
	for (i = 0; i < CONN_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&sth[i], NULL, conn_server, &w));
	for (i = 0; i < CONN_THREADS; i++) {
		clients[i].w = &w;
		clients[i].id = i;
		ASSERT_EQ(0, pthread_create(&cth[i], NULL, conn_client,
					    &clients[i]));
	}
	for (i = 0; i < CONN_THREADS; i++)
		pthread_join(cth[i], NULL);
	TH_LOG("%d connections in %ld ms", w.done, xtcp_now_ms() - t0);

	EXPECT_EQ(total, w.done);
	EXPECT_EQ(0, w.client.count) {
		TH_LOG("%d client failures, first at step %d: %s",
		       w.client.count, w.client.step,
		       strerror(w.client.err));
	}
	/* Every TIME_WAIT ends; the servers' LAST_ACKs end sooner. */
	EXPECT_TRUE(xtcp_wait_count(1, 20000)) {
		TH_LOG("%d sockets left", xtcp_proc_count());
	}
	EXPECT_EQ(XTCP_LISTEN, xtcp_proc_state(self->lport, 0));

	/* shutdown(SHUT_RD) on a listener stops it and wakes accept(). */
	EXPECT_EQ(0, shutdown(self->lfd, SHUT_RD));
	for (i = 0; i < CONN_THREADS; i++)
		EXPECT_TRUE(join_within(sth[i], 10));
	EXPECT_EQ(total, w.served);
	EXPECT_EQ(0, w.server.count) {
		TH_LOG("%d server failures, first at step %d: %s",
		       w.server.count, w.server.step,
		       strerror(w.server.err));
	}
	EXPECT_EQ(total, XTCP_COUNTER("ActiveOpens"));
	EXPECT_EQ(total, XTCP_COUNTER("PassiveOpens"));
	EXPECT_EQ(0, XTCP_COUNTER("AttemptFails"));
	EXPECT_EQ(0, XTCP_COUNTER("EstabResets"));
	EXPECT_EQ(0, XTCP_COUNTER("CurrEstab"));
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(0, xtcp_proc_count());
}

struct blaster {
	int fd;
	size_t sent;
	int err;
};

/* Send until the connection fails. */
static void *blast(void *arg)
{
	struct blaster *a = arg;
	char buf[65536];

	memset(buf, 'b', sizeof(buf));
	for (;;) {
		ssize_t n = send(a->fd, buf, sizeof(buf), MSG_NOSIGNAL);

		if (n < 0) {
			a->err = errno;
			return NULL;
		}
		a->sent += n;
	}
}

/*
 * 200 times: the client blasts data while the server reads a little and
 * closes at a random moment with data unread (or arriving), which resets
 * the connection.  The blaster must see the reset (not hang in send()),
 * and nothing may be left behind.
 */
TEST_F_TIMEOUT(stress, close_racing_arriving_data, 240)
{
	const int rounds = 200;
	struct blaster b;
	pthread_t th;
	char buf[8192];
	int i, cfd, afd, hung = 0, bad = 0, first_bad = 0;
	unsigned int seed = 1;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 100));
	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);
	xtcp_set_timeouts(self->lfd, 10);

	for (i = 0; i < rounds && !hung; i++) {
		cfd = xtcp_socket();
		ASSERT_LE(0, cfd);
		xtcp_set_timeouts(cfd, 10);
		ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.1", self->lport));
		afd = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, afd);

		memset(&b, 0, sizeof(b));
		b.fd = cfd;
		ASSERT_EQ(0, pthread_create(&th, NULL, blast, &b));
		/* Data is arriving: read some of it, or none. */
		recv(afd, buf, rand_r(&seed) % sizeof(buf), 0);
		/* A random moment, 0 to 2 ms on. */
		usleep(rand_r(&seed) % 2000);
		close(afd);

		if (!join_within(th, 15)) {
			TH_LOG("round %d: send() still blocked after close()",
			       i);
			hung = 1;
			pthread_cancel(th);
			pthread_join(th, NULL);
		} else if (b.err != ECONNRESET && b.err != EPIPE) {
			if (!bad++)
				first_bad = b.err;
		}
		close(cfd);
	}
	EXPECT_EQ(0, hung);
	EXPECT_EQ(0, bad) {
		TH_LOG("%d blasters ended with another error, first %s",
		       bad, strerror(first_bad));
	}
	EXPECT_TRUE(xtcp_wait_count(1, 10000)) {
		TH_LOG("%d sockets left", xtcp_proc_count());
	}
	/* Every round reset at least one established end. */
	EXPECT_LE(i, XTCP_COUNTER("EstabResets"));
	EXPECT_EQ(0, XTCP_COUNTER("CurrEstab"));
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(0, xtcp_proc_count());
}

#define RTX_CONNS	100

/*
 * 100 connections, data in flight both ways and lo dropping half of all
 * packets (netem), so that retransmission timers are armed, firing and
 * backing off while both ends close, abort or shut down in every order.
 * A tiny RTO floor and ceiling make the timers fire often; short MSL,
 * FIN_WAIT2 and retries2 bound how long the orphans can live.
 */
TEST_F_TIMEOUT(stress, close_racing_retransmit_timer, 240)
{
	int cfd[RTX_CONNS], afd[RTX_CONNS];
	long long rtx;
	char buf[2048];
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 50));
	ASSERT_EQ(0, xtcp_sysctl_set("fin_timeout_ms", 500));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_min_ms", 1));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_max_ms", 100));
	ASSERT_EQ(0, xtcp_sysctl_set("retries2", 8));
	ASSERT_EQ(0, xtcp_sysctl_set("rto_init_ms", 20));

	self->lfd = xtcp_socket();
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, xtcp_bind_to(self->lfd, "127.0.0.1", 0));
	ASSERT_EQ(0, listen(self->lfd, RTX_CONNS));
	self->lport = xtcp_local_port(self->lfd);
	xtcp_set_timeouts(self->lfd, 10);
	for (i = 0; i < RTX_CONNS; i++) {
		cfd[i] = xtcp_socket();
		ASSERT_LE(0, cfd[i]);
		ASSERT_EQ(0, xtcp_connect_to(cfd[i], "127.0.0.1",
					     self->lport));
		afd[i] = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, afd[i]);
	}

	if (XTCP_UNMET(!xtcp_sh("tc qdisc add dev lo root netem loss 50%%"),
		       "tc qdisc netem is not available"))
		return;
	self->netem = true;
	rtx = XTCP_COUNTER("RetransSegs");

	memset(buf, 'r', sizeof(buf));
	for (i = 0; i < RTX_CONNS; i++) {
		send(cfd[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		send(afd[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	for (i = 0; i < RTX_CONNS; i++) {
		switch (i % 5) {
		case 0:
			close(cfd[i]);
			close(afd[i]);
			break;
		case 1:
			close(afd[i]);
			close(cfd[i]);
			break;
		case 2:
			shutdown(cfd[i], SHUT_WR);
			shutdown(afd[i], SHUT_WR);
			close(afd[i]);
			close(cfd[i]);
			break;
		case 3:
			xtcp_set_linger(cfd[i], 1, 0);
			close(cfd[i]);
			close(afd[i]);
			break;
		default:
			/* Let a retransmission or two happen first. */
			usleep(10 * 1000);
			close(cfd[i]);
			close(afd[i]);
		}
	}
	/* The orphans retransmit, give up or finish, all within bounds. */
	EXPECT_TRUE(xtcp_wait_count(1, 60000)) {
		TH_LOG("%d sockets left", xtcp_proc_count());
	}
	EXPECT_LT(rtx, XTCP_COUNTER("RetransSegs"));
	EXPECT_EQ(0, XTCP_COUNTER("CurrEstab"));
	TH_LOG("RetransSegs %lld, Timeouts %lld, OutRsts %lld",
	       xtcp_counter("RetransSegs") - rtx, xtcp_counter("Timeouts"),
	       xtcp_counter("OutRsts"));
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(0, xtcp_proc_count());
}

struct owner {
	int fd;
	int stop;
	long rounds;
};

/* Take and release the listener's socket lock, over and over. */
static void *own_listener(void *arg)
{
	struct owner *o = arg;
	struct xtcp_info info;
	socklen_t len;
	int one = 1;

	while (!__atomic_load_n(&o->stop, __ATOMIC_RELAXED)) {
		len = sizeof(info);
		getsockopt(o->fd, SOL_XTCP, XTCP_INFO, &info, &len);
		setsockopt(o->fd, SOL_XTCP, XTCP_NODELAY, &one, sizeof(one));
		o->rounds++;
	}
	return NULL;
}

/*
 * A SYN that arrives while a process owns the listener waits in the
 * listener's backlog and is processed by release_sock(), in process
 * context with bottom halves enabled.  The SYN+ACK sent from there is
 * answered on loopback at once, in softirq on the same CPU, and that ACK
 * must find the new child's lock free: holding a socket spinlock across a
 * transmit without local_bh_disable() deadlocks here.  One thread keeps
 * taking the listener's lock while 200 connections are made.
 */
TEST_F_TIMEOUT(stress, syn_while_listener_owned__backlog_handshake, 120)
{
	const int n = 200;
	struct owner o = { 0 };
	pthread_t th;
	int i, cfd, afd, ok = 0;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 100));
	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);
	xtcp_set_timeouts(self->lfd, 10);
	o.fd = self->lfd;
	ASSERT_EQ(0, pthread_create(&th, NULL, own_listener, &o));

	for (i = 0; i < n; i++) {
		cfd = xtcp_socket();
		ASSERT_LE(0, cfd);
		xtcp_set_timeouts(cfd, 10);
		if (!xtcp_connect_to(cfd, "127.0.0.1", self->lport)) {
			afd = accept(self->lfd, NULL, NULL);
			if (afd >= 0) {
				ok++;
				close(afd);
			}
		}
		close(cfd);
	}
	__atomic_store_n(&o.stop, 1, __ATOMIC_RELAXED);
	EXPECT_TRUE(join_within(th, 10));
	TH_LOG("%d connections, the listener locked %ld times", ok,
	       o.rounds);
	EXPECT_EQ(n, ok);
	EXPECT_TRUE(xtcp_wait_count(1, 10000)) {
		TH_LOG("%d sockets left", xtcp_proc_count());
	}
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(0, xtcp_proc_count());
}

TEST_HARNESS_MAIN
