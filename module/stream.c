// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP byte stream: sendmsg() cuts the user's bytes into segments on the
 * send queue; recvmsg() copies in-order segments out of the receive queue
 * and reopens the window as it drains.
 */
#include <net/sock.h>

#include "xtcp.h"

/* sk_write_space: wake writers once the send buffer has room again. */
void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * The queue's tail, if more text may join it: not sent yet, short of
 * @goal, no SYN or FIN.  Joining it is what lets Nagle and the cork send
 * small writes as full segments.
 */
static struct sk_buff *xtcp_tail_room(struct sock *sk, unsigned int goal)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	struct xtcp_skb_cb *cb;

	if (!skb || skb->len >= goal || skb_cloned(skb))
		return NULL;
	cb = XTCP_SKB_CB(skb);
	if ((cb->flags & (XTCP_FLAG_SYN | XTCP_FLAG_FIN)) ||
	    xtcp_before(cb->seq, xtcp_sk(sk)->snd_nxt))
		return NULL;
	return skb;
}

/*
 * Append up to @len bytes of @msg to the unsent @skb, in the task's page
 * fragment.  Returns the bytes taken, 0 if @skb has no fragment slot
 * left, or an error.
 */
static int xtcp_append(struct sock *sk, struct sk_buff *skb,
		       struct msghdr *msg, size_t len)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;

	if (!sk_page_frag_refill(sk, pfrag))
		return -ENOMEM;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS)
		return 0;
	len = min_t(size_t, len, pfrag->size - pfrag->offset);
	if (copy_page_from_iter(pfrag->page, pfrag->offset, len,
				&msg->msg_iter) != len)
		return -EFAULT;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], len);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, len);
		get_page(pfrag->page);
	}
	pfrag->offset += len;
	/* len, data_len and truesize: the skb gives back its truesize. */
	skb_len_add(skb, len);
	sk_wmem_queued_add(sk, len);
	XTCP_SKB_CB(skb)->end_seq += len;
	xtcp_sk(sk)->write_seq += len;
	return len;
}

/*
 * Unsent text worth sending before the write ends: half the largest
 * window the peer offered, which may be all it lets through (TCP's
 * forced_push()).  Less would send each super-segment as it fills, and
 * wake the reader for each: on one CPU, a switch to it and back, and an
 * ACK, per 64 KiB.
 */
static u32 xtcp_push_goal(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return max_t(u32, xs->max_snd_wnd / 2, xs->mss);
}

/*
 * The write ends: its last segment carries PSH (RFC 9293 3.9.1), unless
 * MSG_MORE says the text goes on.
 */
static void xtcp_mark_push(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (skb && skb->len && !xtcp_sk(sk)->more &&
	    !(XTCP_SKB_CB(skb)->flags & (XTCP_FLAG_SYN | XTCP_FLAG_FIN)))
		XTCP_SKB_CB(skb)->flags |= XTCP_FLAG_PSH;
}

/* Take back the empty @skb just queued: no text could be had for it. */
static void xtcp_unqueue_empty(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->send_head == skb)
		xs->send_head = NULL;
	__skb_unlink(skb, &sk->sk_write_queue);
	sk_wmem_queued_add(sk, -skb->truesize);
	kfree_skb(skb);
}

int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int flags = msg->msg_flags;
	u32 flushed;
	size_t copied = 0;
	bool held = false;
	long timeo;
	int err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}

	held = xtcp_clock_hold(sk);
	flushed = xs->write_seq;
	/* MSG_MORE: more text follows, hold a partial tail (Nagle). */
	xs->more = !!(flags & MSG_MORE);
	while (msg_data_left(msg)) {
		unsigned int goal = xtcp_skb_goal(sk);
		struct xtcp_skb_cb *cb;
		struct sk_buff *skb;
		int n = 0;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto out_err;

		if (!sk_stream_memory_free(sk)) {
			/*
			 * What this call queued goes now, cork or Nagle as
			 * they may: only its ACK can make room (TCP's
			 * TCP_NAGLE_PUSH before sk_stream_wait_memory()).
			 */
			if (copied)
				xtcp_push_pending(sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* After a sleep, a new reading (clock.c). */
			xtcp_clock_release(sk, held);
			err = sk_stream_wait_memory(sk, &timeo);
			held = xtcp_clock_hold(sk);
			if (err)
				goto out_err;
			continue;
		}

		skb = xtcp_tail_room(sk, goal);
		if (skb) {
			n = xtcp_append(sk, skb, msg,
					min_t(size_t, msg_data_left(msg),
					      goal - skb->len));
			if (n < 0) {
				err = n;
				goto out_err;
			}
		}
		if (!skb || !n) {
			/*
			 * A new segment, its text from the page fragment:
			 * consecutive segments' text lies side by side, so
			 * a burst of them is a few fragments (output.c), and
			 * each costs its bytes, not a page, of the buffer.
			 */
			skb = xtcp_alloc_text_skb(sk->sk_allocation);
			if (!skb) {
				err = -ENOBUFS;
				goto out_err;
			}
			cb = XTCP_SKB_CB(skb);
			memset(cb, 0, sizeof(*cb));
			cb->seq = xs->write_seq;
			cb->end_seq = xs->write_seq;
			cb->flags = XTCP_FLAG_ACK;
			xtcp_queue_data(sk, skb);
			n = xtcp_append(sk, skb, msg,
					min_t(size_t, msg_data_left(msg),
					      goal));
			if (n <= 0) {
				xtcp_unqueue_empty(sk, skb);
				err = n ?: -ENOBUFS;
				goto out_err;
			}
		}
		copied += n;
		/*
		 * Segments that came while we own the socket wait in its
		 * backlog, which is bounded: take the ACKs in once half
		 * the peer's window is queued, rather than let a long send
		 * overflow it (TCP does every 16 skbs).  Not more often:
		 * the push each ACK makes sends what is queued so far, and
		 * a flush every few segments cuts the stream into small
		 * super-segments, each a packet and an ACK.
		 */
		if (xs->write_seq - flushed >= xtcp_push_goal(sk)) {
			flushed = xs->write_seq;
			sk_flush_backlog(sk);
		}
		/*
		 * Send once half the peer's window is queued unsent, or at
		 * the end, so that segments leave together (TCP's forced
		 * push).
		 */
		if (xs->write_seq - xs->snd_nxt >= xtcp_push_goal(sk))
			xtcp_push(sk);
	}
	xtcp_mark_push(sk);
	xtcp_push(sk);
	xs->more = 0;
	xtcp_clock_release(sk, held);
	release_sock(sk);
	return copied;

out_err:
	if (copied) {
		xtcp_mark_push(sk);
		xtcp_push(sk);
	}
	xs->more = 0;
	xtcp_clock_release(sk, held);
	if (!copied)
		err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return copied ? copied : err;
}

/* Copy without consuming, for MSG_PEEK. */
static int xtcp_peek(struct sock *sk, struct msghdr *msg, size_t len)
{
	struct sk_buff *skb;
	size_t copied = 0;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		unsigned int off = XTCP_SKB_CB(skb)->copied;
		size_t chunk = min_t(size_t, skb->len - off, len - copied);

		if (skb_copy_datagram_msg(skb, off, msg, chunk))
			return copied ? copied : -EFAULT;
		copied += chunk;
		if (copied == len)
			break;
	}
	return copied;
}

/*
 * Why recvmsg() must stop with nothing copied: 1 for end of stream, a
 * negative errno, or 0 to wait for data.
 */
static int xtcp_recv_stop(struct sock *sk, long timeo)
{
	/* A FIN read is end of stream; a reset after it is not news. */
	if (sock_flag(sk, SOCK_DONE))
		return 1;
	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return 1;
	if (sk->sk_state == XTCP_CLOSE)
		return -ENOTCONN;
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	size_t copied = 0;
	long timeo;
	int target, err = 0;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EOPNOTSUPP;

	lock_sock(sk);
	if (sk->sk_state == XTCP_LISTEN) {
		err = -ENOTCONN;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	while (copied < len) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

		if (!skb) {
			/*
			 * Text that comes from here on is read before we
			 * return, which sends its ACK (delack.c).
			 */
			xs->reading = !(flags & MSG_PEEK);
			/* What waits in the backlog, before stopping short. */
			if (sk_flush_backlog(sk))
				continue;
		}

		if (skb && (flags & MSG_PEEK)) {
			err = xtcp_peek(sk, msg, len);
			goto out;
		}
		if (skb) {
			struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
			size_t chunk = min_t(size_t, skb->len - cb->copied,
					     len - copied);

			if (skb_copy_datagram_msg(skb, cb->copied, msg,
						  chunk)) {
				if (!copied)
					err = -EFAULT;
				break;
			}
			copied += chunk;
			cb->copied += chunk;
			WRITE_ONCE(xs->copied_seq, xs->copied_seq + chunk);
			if (cb->copied == skb->len) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				consume_skb(skb);
			}
			continue;
		}

		if (copied >= target)
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == XTCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			err = xtcp_recv_stop(sk, timeo);
			if (err) {
				if (err > 0)
					err = 0;
				break;
			}
		}
		/* Reopen the window before sleeping, or the peer may stall. */
		xtcp_rcv_space_update(sk);
		sk_wait_data(sk, &timeo, NULL);
	}
	/* Autotuning first: a larger buffer opens the window further. */
	if (copied && !(flags & MSG_PEEK))
		xtcp_rcv_space_adjust(sk);
	xtcp_rcv_space_update(sk);
out:
	xs->reading = 0;
	release_sock(sk);
	return copied ? copied : err;
}
