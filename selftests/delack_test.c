// SPDX-License-Identifier: GPL-2.0
/*
 * Delayed ACKs (RFC 9293 3.8.6.3, RFC 1122 4.2.3.2), driven by the
 * scripted peer (xtcp_peer.h):
 *
 * - quickack__*: the first QUICKACKS in-order segments of a connection
 *   are ACKed one by one, at once; then the ACK of in-order text waits.
 * - delack__*: a lone segment's ACK comes after net.xtcp.delack_ms, not
 *   at once and not much later, from the timer (DelayedACKs); the second
 *   full-sized segment is ACKed at once, one ACK for both, while the
 *   reader keeps up, and by the read when it lags or sleeps in recv() or
 *   poll() (with the window reopened; not below SO_RCVLOWAT, which does
 *   not wake poll()); when the window runs
 *   out, only an ACK that lets another full segment in, with a window no
 *   smaller than the last, goes at once; with net.xtcp.delayed_ack = 0
 *   every segment is ACKed at once; text beyond a hole, the segment
 *   that fills it, and a FIN are ACKed at once (RFC 5681 4.2); our own
 *   data carries the pending ACK, and so does our FIN; data that a
 *   segment's ACK releases carries the ACK of that segment's own text,
 *   with no bare ACK after it; an abort stops the timer.
 * - poll__*: POLLIN at SO_RCVLOWAT bytes, or once the window is spent.
 *
 * "At once" is proven with a barrier (peer_barrier()): the ACK comes
 * before XTCP's answer to a probe sent right after the segment.  "Not at
 * once" is the other order.  Queued text narrows the window (half the
 * free receive buffer), so a read that empties the queue may announce
 * the wider window at once (rcvwnd.c): read_all_then_update() takes it.
 *
 * XTCP's socket is on 10.0.0.1:XPORT, the peer on 10.0.0.2:PPORT.
 * Offsets count bytes from the first byte the peer sends.
 */
#include <netinet/in.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT		5000
#define PPORT		40000
#define SEG		100	/* a small segment */
#define FULL		1460	/* a full-sized one: XTCP's MSS on veth */
#define QUICKACKS	16	/* delack.c's XTCP_QUICKACKS */
#define DELACK_MS	200	/* long enough to tell from "at once" */
#define SLOP_MS		10	/* a timer may fire a jiffy early */
#define DELACK_MAX_MS	500	/* the longest delay (RFC 1122 4.2.3.2) */
#define LATE_MS		500	/* how late a slow VM may run a timer */
/* A burst stops for a DELACK_MAX_MS timer this long after arming it. */
#define TIMER_MARGIN_MS	200

FIXTURE(delack) {
	struct xtcp_peer p;
	int lfd;	/* listener */
	int fd;		/* the accepted connection */
	__u32 base;	/* SEQ of offset 0 */
	unsigned int off;	/* the next offset the peer sends */
	__u16 win;	/* the window of the last ACK check_ack() took */
};

FIXTURE_SETUP(delack)
{
	self->lfd = -1;
	self->fd = -1;
	ASSERT_EQ(0, peer_setup(&self->p));
	ASSERT_EQ(0, peer_quiet_timers());
	ASSERT_EQ(1, xtcp_sysctl_get("delayed_ack"));
	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", DELACK_MS));
	self->p.port = PPORT;
}

FIXTURE_TEARDOWN(delack)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->lfd >= 0)
		close(self->lfd);
	peer_close(&self->p);
}

static int open_conn(struct _test_data_delack *self)
{
	self->fd = peer_open_passive(&self->p, XPORT, &self->lfd);
	if (self->fd < 0)
		return -1;
	self->base = self->p.rcv_nxt;
	self->off = 0;
	return 0;
}

/* The peer sends [@off, @off + @len), with @extra flags. */
static int send_at(struct _test_data_delack *self, unsigned int off,
		   unsigned int len, __u8 extra)
{
	return peer_send(&self->p, PEER_ACK | extra, self->base + off,
			 self->p.snd_nxt, NULL, len);
}

/* The next @len bytes of the stream, in order. */
static int send_next(struct _test_data_delack *self, unsigned int len)
{
	if (send_at(self, self->off, len, 0))
		return -1;
	self->off += len;
	return 0;
}

/* @s must be a bare ACK of offset @ack. */
static int check_ack(struct _test_data_delack *self,
		     const struct peer_seg *s, unsigned int ack)
{
	if (peer_check(s, PEER_ACK, self->p.snd_nxt, self->base + ack))
		return -1;
	if (s->len) {
		peer_log("the ACK carries %u bytes", s->len);
		return -1;
	}
	self->win = s->win;
	return 0;
}

/*
 * An ACK at once, or nothing: 1 and the ACK of offset @ack (its window
 * in self->win), or 0 when the barrier's RST comes first.
 */
static int ack_or_nothing(struct _test_data_delack *self, unsigned int ack)
{
	__u32 mark = peer_barrier_send(&self->p);
	struct peer_seg s;
	int r;

	if (!mark)
		return -1;
	r = peer_barrier_wait(&self->p, &s, mark, PEER_REPLY_MS);
	if (r < 0)
		peer_log("neither an ACK of offset %u nor the barrier", ack);
	if (r != 1)
		return r;
	if (check_ack(self, &s, ack) ||
	    peer_barrier_wait(&self->p, &s, mark, PEER_REPLY_MS)) {
		peer_log("not one ACK of offset %u, then the barrier", ack);
		return -1;
	}
	return 1;
}

/* A bare ACK of offset @ack comes at once: before the barrier's RST. */
static int ack_at_once(struct _test_data_delack *self, unsigned int ack)
{
	int r = ack_or_nothing(self, ack);

	if (!r)
		peer_log("no ACK of offset %u before the barrier", ack);
	return r == 1 ? 0 : -1;
}

/* Nothing comes at once: the barrier's RST is first. */
static int nothing_at_once(struct _test_data_delack *self)
{
	return peer_expect_none(&self->p);
}

/* Nothing at all comes on the connection for @ms. */
static int nothing_within(struct _test_data_delack *self, int ms)
{
	struct peer_seg s;
	char buf[160];

	if (peer_recv(&self->p, &s, ms))
		return 0;
	peer_log("expected nothing for %d ms, got %s", ms,
		 peer_seg_str(&s, buf, sizeof(buf)));
	return -1;
}

/*
 * A bare ACK of offset @ack comes at least @min_ms after @t0 and within
 * @max_ms of it.
 */
static int ack_between(struct _test_data_delack *self, unsigned int ack,
		       long t0, long min_ms, long max_ms)
{
	struct peer_seg s;
	long left = t0 + max_ms - xtcp_now_ms(), took;

	if (peer_recv(&self->p, &s, left > 0 ? left : 0)) {
		peer_log("no ACK of offset %u within %ld ms", ack, max_ms);
		return -1;
	}
	took = xtcp_now_ms() - t0;
	if (check_ack(self, &s, ack))
		return -1;
	if (took < min_ms) {
		peer_log("the ACK came after %ld ms, before %ld ms", took,
			 min_ms);
		return -1;
	}
	return 0;
}

/* The first QUICKACKS segments of SEG bytes, each ACKed at once. */
static int quick_phase(struct _test_data_delack *self)
{
	int i;

	for (i = 0; i < QUICKACKS; i++) {
		if (send_next(self, SEG) || ack_at_once(self, self->off)) {
			peer_log("quick ACK %d of %d", i + 1, QUICKACKS);
			return -1;
		}
	}
	return 0;
}

/* Read @len bytes the peer sent. */
static int read_bytes(int fd, size_t len)
{
	static char buf[65536];
	size_t got = 0;

	while (got < len) {
		ssize_t n = peer_user_recv(fd, buf, len - got);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/*
 * Full segments into the window, the reader lagging, until less than one
 * fits (at most @max).  Every ACK that comes at once must move the right
 * edge a full segment on and, with @no_smaller, offer no less than the
 * window before it.  On a slow VM the delayed ACK's timer may
 * come due during the burst: before it can, the burst waits for that ACK
 * and goes on from its window.  Returns the number of ACKs at once, or -1.
 */
static int spend_window(struct _test_data_delack *self, int max,
			bool no_smaller)
{
	unsigned int edge = self->off + self->win, wnd = self->win;
	int sent = 0, r, acks = 0;
	long armed = 0;	/* when the oldest text not ACKed was sent */

	while (sent < max && edge - self->off >= FULL) {
		if (armed && xtcp_now_ms() - armed > TIMER_MARGIN_MS) {
			/* The timer's ACK, with the window it offers. */
			if (ack_between(self, self->off, armed, 0,
					DELACK_MAX_MS + LATE_MS))
				return -1;
			armed = 0;
		} else {
			if (!armed)
				armed = xtcp_now_ms();
			if (send_next(self, FULL))
				return -1;
			sent++;
			r = ack_or_nothing(self, self->off);
			if (r <= 0) {
				if (r < 0)
					return -1;
				continue;
			}
			armed = 0;
			if (self->off + self->win < edge + FULL) {
				peer_log("an ACK at %u moves the edge from %u to %u",
					 self->off, edge,
					 self->off + self->win);
				return -1;
			}
			if (no_smaller && self->win < wnd) {
				peer_log("an ACK at %u offers %u after %u",
					 self->off, self->win, wnd);
				return -1;
			}
			acks++;
		}
		wnd = self->win;
		edge = self->off + self->win;
	}
	if (edge - self->off >= FULL) {
		peer_log("the window is not spent after %d segments", sent);
		return -1;
	}
	peer_log("%d segments sent into the window, %d ACKs at once", sent,
		 acks);
	return acks;
}

/*
 * The user reads what came since offset @read: the read sends the ACK of
 * all at once, with room for a full segment.
 */
static int read_then_ack(struct _test_data_delack *self, unsigned int read)
{
	if (read_bytes(self->fd, self->off - read) ||
	    ack_at_once(self, self->off))
		return -1;
	if (self->win < FULL) {
		peer_log("the read opens %u bytes", self->win);
		return -1;
	}
	return 0;
}

/*
 * The user reads all @len bytes of the queue.  The window the text had
 * narrowed (half the free buffer, rcvwnd.c) opens again, and XTCP may say
 * so at once: a bare ACK of what it has, with a wider window, and
 * nothing else, before the barrier's RST.
 */
static int read_all_then_update(struct _test_data_delack *self, size_t len)
{
	__u16 win = self->win;
	struct peer_seg s;
	__u32 mark;
	int r;

	if (read_bytes(self->fd, len))
		return -1;
	mark = peer_barrier_send(&self->p);
	if (!mark)
		return -1;
	r = peer_barrier_wait(&self->p, &s, mark, PEER_REPLY_MS);
	if (r == 1) {
		if (check_ack(self, &s, self->off))
			return -1;
		if (s.win <= win) {
			peer_log("an ACK of window %u after %u: no update",
				 s.win, win);
			return -1;
		}
		r = peer_barrier_wait(&self->p, &s, mark, PEER_REPLY_MS);
	}
	if (r)
		peer_log("no barrier RST after the read");
	return r ? -1 : 0;
}

/*
 * A connection whose receive buffer is @rmem ("min default max"), past
 * its quick ACKs, with the reader caught up and the longest delay so the
 * timer does not race the segments that follow.
 */
static int open_caught_up(struct _test_data_delack *self, const char *rmem)
{
	if (xtcp_sysctl_set("delack_ms", DELACK_MAX_MS) ||
	    xtcp_sysctl_set_str("rmem", rmem) || open_conn(self) ||
	    quick_phase(self))
		return -1;
	return read_all_then_update(self, self->off);
}

TEST_F(delack, quickack__first_segments__then_delayed)
{
	long long delayed = XTCP_COUNTER("DelayedACKs");
	long t0;

	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));

	/* The next lone segment waits for the timer: DELACK_MS. */
	t0 = xtcp_now_ms();
	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, ack_between(self, self->off, t0, DELACK_MS - SLOP_MS,
				 DELACK_MS + LATE_MS));
	EXPECT_EQ(delayed + 1, XTCP_COUNTER("DelayedACKs"));

	/* And the one after it too: no quick ACKs come back by themselves. */
	t0 = xtcp_now_ms();
	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, ack_between(self, self->off, t0, DELACK_MS - SLOP_MS,
				 DELACK_MS + LATE_MS));
	EXPECT_EQ(delayed + 2, XTCP_COUNTER("DelayedACKs"));
	EXPECT_EQ(0, read_all_then_update(self, self->off));
	EXPECT_EQ(0, peer_expect_none(&self->p));
}

TEST_F(delack, delack__delack_ms__bounds_the_delay)
{
	long t0;

	/* A shorter delay applies to the next timer armed. */
	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", 40));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	t0 = xtcp_now_ms();
	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, ack_between(self, self->off, t0, 40 - SLOP_MS,
				 40 + LATE_MS));
	/* RFC 1122 4.2.3.2: the delay MUST be under 0.5 s. */
	EXPECT_NE(0, xtcp_sysctl_set("delack_ms", DELACK_MAX_MS + 1));
	EXPECT_NE(0, xtcp_sysctl_set("delack_ms", 0));
	EXPECT_EQ(40, xtcp_sysctl_get("delack_ms"));
}

TEST_F(delack, delack__two_full_segments__one_ack)
{
	long long delayed;

	/* The timer must not win against the second segment on a slow VM. */
	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", DELACK_MAX_MS));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	/* The reader keeps up: it took all that was acknowledged. */
	ASSERT_EQ(0, read_all_then_update(self, self->off));
	delayed = XTCP_COUNTER("DelayedACKs");

	/* One full segment waits; the second is ACKed at once, both. */
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	ASSERT_EQ(0, read_all_then_update(self, 2 * FULL));

	/* Two more: the same again. */
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
	EXPECT_EQ(0, read_bytes(self->fd, 2 * FULL));
}

/*
 * A reader that has not taken what was acknowledged before lags: the
 * ACK of two full segments waits for its read, which sends it at once
 * (as Linux's __tcp_ack_snd_check()), not for the timer.
 */
TEST_F(delack, delack__reader_behind__ack_on_read)
{
	long long delayed;

	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", DELACK_MAX_MS));
	ASSERT_EQ(0, open_conn(self));
	/* The quick phase's text stays unread. */
	ASSERT_EQ(0, quick_phase(self));
	delayed = XTCP_COUNTER("DelayedACKs");

	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));

	/* The read sends the ACK of both before it returns. */
	ASSERT_EQ(0, read_bytes(self->fd, self->off));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	EXPECT_GT(self->win, 0);
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
}

/*
 * A thread that waits for @len bytes asleep in recv(MSG_WAITALL), or in
 * poll() with SO_RCVLOWAT at @len (@in_poll), then takes them.
 */
struct asleep_reader {
	int fd;
	size_t len;
	bool in_poll;
	pid_t tid;	/* set by the thread before it waits */
	int done;	/* set when it has read */
	ssize_t got;
};

static void *asleep_read(void *arg)
{
	static char buf[4 * FULL];
	struct asleep_reader *r = arg;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	__atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	if (!r->in_poll)
		r->got = recv(r->fd, buf, r->len, MSG_WAITALL);
	else if (poll(&pfd, 1, XTCP_WAIT_MS) == 1)
		r->got = recv(r->fd, buf, r->len, MSG_DONTWAIT);
	else
		r->got = -1;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Is thread @tid asleep inside system call @nr?  Its /proc files say. */
static bool asleep_in(pid_t tid, long nr)
{
	char path[64], line[256], *end;
	bool asleep = false;
	long in = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f)) {
		end = strrchr(line, ')');
		asleep = end && end[1] == ' ' && end[2] == 'S';
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%ld", &in) != 1)
		in = -1;
	fclose(f);
	return asleep && in == nr;
}

/* Wait until @r's thread sleeps in its recv() or poll(), not done. */
static int wait_reader_asleep(struct asleep_reader *r)
{
	long nr = r->in_poll ? SYS_poll : SYS_recvfrom;
	long end = xtcp_now_ms() + XTCP_WAIT_MS;
	pid_t tid;

	do {
		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
			break;
		tid = __atomic_load_n(&r->tid, __ATOMIC_ACQUIRE);
		if (tid && asleep_in(tid, nr))
			return 0;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	peer_log("the reader is not asleep in %s (done: %d)",
		 r->in_poll ? "poll()" : "recv()", r->done);
	return -1;
}

/*
 * Two full segments for a reader asleep on the socket, which takes them
 * as soon as it runs: their ACK waits for its read, which sends one ACK
 * with the window the read reopened, instead of one at once offering
 * less than RCV.WND and a window update after the read (as Linux's
 * __tcp_ack_snd_check()).  A 64 KiB buffer, so that the 32 KiB window
 * of a peer without window scaling narrows with each queued segment.
 * The first segment does not end the reader's wait: MSG_WAITALL, or
 * SO_RCVLOWAT for poll().
 */
static int asleep_reader_one_ack(struct _test_data_delack *self,
				 bool in_poll)
{
	struct asleep_reader r = { .len = 2 * FULL, .in_poll = in_poll };
	int lowat = r.len, err = -1;
	long long delayed;
	pthread_t th;
	__u16 win;
	long t0;

	if (open_caught_up(self, "4096 65536 65536") ||
	    (in_poll && setsockopt(self->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				   sizeof(lowat))))
		return -1;
	/*
	 * An old segment (RFC 9293 3.10.7.4: not acceptable) has XTCP say
	 * RCV.WND for the empty queue.  The read empties it again, so its
	 * ACK offers no less (more, once full segments have shown what
	 * share of their memory is text: rcvwnd.c).
	 */
	if (send_at(self, self->off - 1, 0, 0) ||
	    ack_at_once(self, self->off))
		return -1;
	win = self->win;
	delayed = xtcp_counter("DelayedACKs");
	r.fd = self->fd;
	if (pthread_create(&th, NULL, asleep_read, &r))
		return -1;
	if (wait_reader_asleep(&r) || send_next(self, FULL) ||
	    nothing_at_once(self) || wait_reader_asleep(&r))
		goto out;
	t0 = xtcp_now_ms();
	/* The read's ACK, long before the timer's. */
	if (send_next(self, FULL) ||
	    ack_between(self, self->off, t0, 0, DELACK_MAX_MS / 2))
		goto out;
	if (self->win < win) {
		peer_log("the ACK offers %u, the window before %u", self->win,
			 win);
		goto out;
	}
	err = 0;
out:
	if (err)
		shutdown(self->fd, SHUT_RD);
	pthread_join(th, NULL);
	if (!err && r.got != (ssize_t)r.len) {
		peer_log("the reader took %zd bytes", r.got);
		err = -1;
	}
	if (!err && (delayed < 0 ||
		     delayed != xtcp_counter("DelayedACKs"))) {
		peer_log("the timer sent an ACK");
		err = -1;
	}
	/* Nothing after it: no window update. */
	return err ? err : nothing_at_once(self);
}

/*
 * A reader asleep in poll() with SO_RCVLOWAT beyond the text is not
 * woken for it: the ACK of two full segments goes at once, as for a
 * reader that keeps up (Linux's __tcp_ack_snd_check() does so below
 * SO_RCVLOWAT).
 */
TEST_F(delack, delack__poll_below_rcvlowat__ack_at_once)
{
	struct asleep_reader r = { .len = 16 * FULL, .in_poll = true };
	int lowat = r.len, err;
	pthread_t th;

	ASSERT_EQ(0, open_caught_up(self, "4096 65536 65536"));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				sizeof(lowat)));
	r.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, asleep_read, &r));
	err = wait_reader_asleep(&r) || send_next(self, FULL) ||
	      nothing_at_once(self) || send_next(self, FULL) ||
	      ack_at_once(self, self->off) || wait_reader_asleep(&r);
	/* The end of input wakes it. */
	shutdown(self->fd, SHUT_RD);
	pthread_join(th, NULL);
	ASSERT_EQ(0, err);
}

TEST_F(delack, delack__reader_asleep_in_recv__one_ack_after_read)
{
	ASSERT_EQ(0, asleep_reader_one_ack(self, false));
}

TEST_F(delack, delack__reader_asleep_in_poll__one_ack_after_read)
{
	ASSERT_EQ(0, asleep_reader_one_ack(self, true));
}

/*
 * A reader that lags while the window runs out (a 16 KiB buffer: a few
 * full segments fill it).  With less than a segment left, the ACK goes at
 * once only if its window lets another full segment in; once the queued
 * text leaves no room for that, the ACK waits for the read, which sends
 * it with the window it opens (as Linux's __tcp_ack_snd_check()).
 */
TEST_F(delack, delack__window_spent__ack_only_if_it_opens)
{
	unsigned int read;

	ASSERT_EQ(0, open_caught_up(self, "4096 16384 16384"));
	read = self->off;
	/* Two full segments while it keeps up: one ACK; then it lags. */
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	ASSERT_LE(0, spend_window(self, 64, false));
	ASSERT_EQ(0, read_then_ack(self, read));
}

/* What poll() says of @fd at once: its POLLIN, or -1. */
static int pollin_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 0) < 0)
		return -1;
	return !!(pfd.revents & POLLIN);
}

/*
 * SO_RCVLOWAT beyond what the window lets in (a 16 KiB buffer): poll()
 * reports no POLLIN for less, until less than a segment of the window is
 * left, when no more can come before a read (as Linux's
 * tcp_epollin_ready()).  Then the read takes it all.
 */
TEST_F(delack, poll__rcvlowat__pollin_at_lowat_or_spent_window)
{
	int lowat = 65536;
	unsigned int read;

	ASSERT_EQ(0, open_caught_up(self, "4096 16384 16384"));
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				sizeof(lowat)));
	read = self->off;
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));
	EXPECT_EQ(0, pollin_now(self->fd));
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	EXPECT_EQ(0, pollin_now(self->fd));
	ASSERT_LE(0, spend_window(self, 64, false));
	EXPECT_EQ(1, pollin_now(self->fd));
	ASSERT_EQ(0, read_then_ack(self, read));
	EXPECT_EQ(0, pollin_now(self->fd));
}

/*
 * A reader that lags behind a window it cannot fill with one read (a
 * 256 KiB buffer: the 64 KiB window of a peer without window scaling).
 * Queued text halves what the free buffer offers, so with less than a
 * segment left an ACK at once would offer less than RCV.WND did, then
 * half of that, and so on: a burst each smaller than the one before.
 * Such an ACK waits for the read instead (as Linux's
 * __tcp_ack_snd_check()); one at once offers no less than the last.
 */
TEST_F(delack, delack__window_spent__no_smaller_window_at_once)
{
	unsigned int read;

	ASSERT_EQ(0, open_caught_up(self, "4096 262144 262144"));
	read = self->off;
	ASSERT_LE(0, spend_window(self, 1000, true));
	ASSERT_EQ(0, read_then_ack(self, read));
}

TEST_F(delack, delack__off__every_segment_at_once)
{
	long long delayed = XTCP_COUNTER("DelayedACKs");
	int i;

	ASSERT_EQ(0, xtcp_sysctl_set("delayed_ack", 0));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, send_next(self, SEG));
		ASSERT_EQ(0, ack_at_once(self, self->off));
	}
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
	EXPECT_EQ(0, read_all_then_update(self, self->off));
	EXPECT_EQ(0, peer_expect_none(&self->p));
}

TEST_F(delack, delack__out_of_order__at_once)
{
	long long delayed;
	unsigned int hole;

	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	delayed = XTCP_COUNTER("DelayedACKs");

	/* Beyond a hole of SEG bytes: a duplicate ACK at once. */
	hole = self->off;
	ASSERT_EQ(0, send_at(self, hole + SEG, SEG, 0));
	ASSERT_EQ(0, ack_at_once(self, hole));
	/* The hole fills: the ACK covers both, at once (RFC 5681 4.2). */
	ASSERT_EQ(0, send_at(self, hole, SEG, 0));
	self->off = hole + 2 * SEG;
	ASSERT_EQ(0, ack_at_once(self, self->off));
	/* Reordering brought quick ACKs back: the next is at once too. */
	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, ack_at_once(self, self->off));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
	EXPECT_EQ(0, read_bytes(self->fd, self->off));
}

TEST_F(delack, delack__fin__at_once_and_cancels)
{
	long long delayed;
	struct peer_seg s;

	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", 100));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	delayed = XTCP_COUNTER("DelayedACKs");

	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, nothing_at_once(self));
	/* The FIN is ACKed at once, with the text before it. */
	ASSERT_EQ(0, send_at(self, self->off, 0, PEER_FIN));
	self->p.rcv_nxt = self->base + self->off + 1;
	ASSERT_EQ(0, peer_barrier_wait(&self->p, &s,
				       peer_barrier_send(&self->p),
				       PEER_REPLY_MS) == 1 ? 0 : -1);
	ASSERT_EQ(0, peer_check(&s, PEER_ACK, self->p.snd_nxt,
				self->base + self->off + 1));
	ASSERT_TRUE(peer_wait_state(&self->p, XTCP_CLOSE_WAIT));
	/* Nothing is owed any more: no ACK from the timer either. */
	EXPECT_EQ(0, nothing_within(self, 100 + LATE_MS));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
}

TEST_F(delack, delack__piggyback__data_carries_ack)
{
	long long delayed;
	struct peer_seg s;
	char c = 'r';

	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", DELACK_MAX_MS));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	ASSERT_EQ(0, read_all_then_update(self, self->off));
	delayed = XTCP_COUNTER("DelayedACKs");

	/* A request; its ACK waits, and the answer carries it. */
	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, nothing_at_once(self));
	ASSERT_EQ(0, read_bytes(self->fd, SEG));
	ASSERT_EQ(1, send(self->fd, &c, 1, 0));
	ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	ASSERT_EQ(0, peer_check(&s, PEER_ACK | PEER_PSH, self->p.snd_nxt - 1,
				self->base + self->off));
	ASSERT_EQ(1, s.len);
	/*
	 * The peer does not answer: nothing else may come from XTCP (no
	 * retransmission either: peer_quiet_timers()).
	 */
	EXPECT_EQ(0, nothing_within(self, DELACK_MAX_MS + LATE_MS));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
}

/*
 * Data of ours that a segment's ACK releases goes after the segment's
 * text is queued, and so carries its ACK: one segment, where a bare ACK
 * would follow the data if the data went first.
 */
TEST_F(delack, delack__released_data__carries_the_ack)
{
	char msg[SEG] = { 0 };
	struct peer_seg s;

	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", DELACK_MAX_MS));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	ASSERT_EQ(0, read_all_then_update(self, self->off));

	/* The peer's window closes: our text waits in the queue. */
	self->p.win = 0;
	ASSERT_EQ(0, send_at(self, self->off, 0, 0));
	ASSERT_EQ(SEG, send(self->fd, msg, SEG, 0));
	ASSERT_EQ(0, nothing_at_once(self));

	/* One full segment: its ACK waits. */
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, nothing_at_once(self));

	/*
	 * The second is owed an ACK at once, and opens the window: our
	 * text goes, acknowledging both, and nothing else.
	 */
	self->p.win = PEER_DEF_WIN;
	ASSERT_EQ(0, send_next(self, FULL));
	ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	ASSERT_EQ(0, peer_check(&s, PEER_ACK | PEER_PSH,
				self->p.snd_nxt - SEG, self->base + self->off));
	ASSERT_EQ(SEG, s.len);
	EXPECT_EQ(0, nothing_at_once(self));
	EXPECT_EQ(0, read_bytes(self->fd, 2 * FULL));
}

TEST_F(delack, delack__abort__stops_the_timer)
{
	long long delayed;
	struct peer_seg s;

	ASSERT_EQ(0, xtcp_sysctl_set("delack_ms", 100));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, quick_phase(self));
	delayed = XTCP_COUNTER("DelayedACKs");

	ASSERT_EQ(0, send_next(self, SEG));
	ASSERT_EQ(0, nothing_at_once(self));
	/* Close with unread text: RST (RFC 9293 3.10.4), no ACK later. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, peer_recv(&self->p, &s, PEER_REPLY_MS));
	ASSERT_TRUE(s.flags & PEER_RST);
	EXPECT_EQ(0, nothing_within(self, 100 + LATE_MS));
	EXPECT_EQ(delayed, XTCP_COUNTER("DelayedACKs"));
	self->p.xport = 0;	/* nothing left to reset */
}

TEST_HARNESS_MAIN
