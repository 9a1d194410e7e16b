// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP socket calls: bind, connect, listen, accept, shutdown, close, poll,
 * getname, socket options and ioctls.  Process context, socket owned.
 */
#include <linux/ioctl.h>
#include <linux/termios.h>
#include <linux/sockios.h>
#include <net/ip.h>
#include <net/route.h>

#include "xtcp.h"

/* Validate a user sockaddr: length first, then family. */
static int xtcp_check_addr(const struct sockaddr *uaddr, int addr_len)
{
	if (addr_len < (int)sizeof(struct sockaddr_xtcp))
		return -EINVAL;
	if (uaddr->sa_family != xtcp_family)
		return -EAFNOSUPPORT;
	return 0;
}

int xtcp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_xtcp *addr = (struct sockaddr_xtcp *)uaddr;
	struct sock *sk = sock->sk;
	struct net *net = sock_net(sk);
	u16 port;
	int err;

	err = xtcp_check_addr(uaddr, addr_len);
	if (err)
		return err;
	port = ntohs(addr->sxtcp_port);

	if (addr->sxtcp_addr != htonl(INADDR_ANY) &&
	    inet_addr_type(net, addr->sxtcp_addr) != RTN_LOCAL)
		return -EADDRNOTAVAIL;
	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != XTCP_CLOSE || xtcp_sk(sk)->bound)
		goto out;
	err = xtcp_bind_port(sk, addr->sxtcp_addr, port);
	if (err)
		goto out;
	inet_sk(sk)->inet_saddr = addr->sxtcp_addr;
	xtcp_sk(sk)->user_bound = port != 0;
	inet_sk(sk)->inet_daddr = 0;
	inet_sk(sk)->inet_dport = 0;
out:
	release_sock(sk);
	return err;
}

/* Route to the peer, pick the local end, hash, and send SYN. */
static int xtcp_start_connect(struct sock *sk,
			      const struct sockaddr_xtcp *addr)
{
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct flowi4 fl4;
	struct rtable *rt;
	int err;

	if (!addr->sxtcp_port)
		return -EINVAL;
	rt = xtcp_route_flow(sk, &fl4, addr->sxtcp_addr, inet->inet_saddr,
			     addr->sxtcp_port, inet->inet_sport);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}

	if (!inet->inet_saddr)
		inet->inet_saddr = fl4.saddr;
	inet->inet_daddr = fl4.daddr;
	inet->inet_dport = addr->sxtcp_port;
	sk_dst_reset(sk);

	if (!xs->bound) {
		err = xtcp_connect_port(sk);
		if (err)
			goto fail;
	}
	inet->inet_rcv_saddr = inet->inet_saddr;
	xs->iss = xtcp_new_isn(inet->inet_saddr, inet->inet_daddr,
			       inet->inet_sport, inet->inet_dport);
	xs->write_seq = xs->iss;

	/* closed__connect__syn_sent, a failure back to CLOSED */
	err = xtcp_state_connect(sk);
	if (err)
		goto fail;
	/* The route, and what its device takes (super-segments). */
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;
	err = xtcp_send_syn(sk, sk->sk_allocation);
	if (err) {
		xtcp_done(sk);
		return err;
	}
	return 0;

fail:
	if (!xs->user_bound)
		xtcp_unbind(sk);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	ip_rt_put(rt);
	return err;
}

static bool xtcp_connecting(const struct sock *sk)
{
	return sk->sk_state == XTCP_SYN_SENT || sk->sk_state == XTCP_SYN_RECV;
}

int xtcp_connect(struct socket *sock, struct sockaddr *uaddr,
		 int addr_len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	err = xtcp_check_addr(uaddr, addr_len);
	if (err)
		return err;

	lock_sock(sk);
	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != XTCP_CLOSE)
			goto out;
		err = xtcp_start_connect(sk, (struct sockaddr_xtcp *)uaddr);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	default:
		err = -EINVAL;
		goto out;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if (xtcp_connecting(sk)) {
		DEFINE_WAIT_FUNC(wait, woken_wake_function);

		if (!timeo)
			goto out;	/* -EINPROGRESS or -EALREADY */
		add_wait_queue(sk_sleep(sk), &wait);
		while (xtcp_connecting(sk) && timeo &&
		       !signal_pending(current))
			sk_wait_event(sk, &timeo, !xtcp_connecting(sk), &wait);
		remove_wait_queue(sk_sleep(sk), &wait);
		if (xtcp_connecting(sk)) {
			err = signal_pending(current) ?
			      sock_intr_errno(timeo) : -ETIMEDOUT;
			goto out;
		}
	}

	if (sk->sk_state == XTCP_CLOSE) {
		err = sock_error(sk) ? : -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (sk->sk_state == XTCP_LISTEN) {
		WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
		err = 0;
		goto out;
	}
	if (sk->sk_state != XTCP_CLOSE)
		goto out;
	if (!xs->bound) {
		err = xtcp_bind_port(sk, inet_sk(sk)->inet_rcv_saddr, 0);
		if (err)
			goto out;
	}
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	xs->listen_closed = false;
	err = xtcp_listen_hash(sk);
out:
	release_sock(sk);
	return err;
}

/* Take the first established child off the listener's list. */
static struct sock *xtcp_accept_dequeue(struct sock *sk)
{
	struct xtcp_sock *lxs = xtcp_sk(sk), *xs;
	struct sock *child = NULL;

	spin_lock_bh(&lxs->accept_lock);
	list_for_each_entry(xs, &lxs->children, child_node) {
		if (!xs->established_child)
			continue;
		list_del_init(&xs->child_node);
		lxs->nr_children--;
		sk_acceptq_removed(sk);
		child = &xs->inet.sk;
		break;
	}
	spin_unlock_bh(&lxs->accept_lock);
	return child;
}

int xtcp_accept_common(struct socket *sock, struct socket *newsock, int flags)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = sock->sk;
	struct sock *child;
	long timeo;
	int err;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		err = -EINVAL;
		if (sk->sk_state != XTCP_LISTEN)
			break;
		child = xtcp_accept_dequeue(sk);
		err = 0;
		if (child)
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		sk_wait_event(sk, &timeo, READ_ONCE(sk->sk_ack_backlog) ||
			      sk->sk_state != XTCP_LISTEN, &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	release_sock(sk);
	if (err)
		return err;

	/* The child's reference on the listener ends here. */
	lock_sock(child);
	xtcp_sk(child)->parent = NULL;
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	sock_put(sk);
	return 0;
}

int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct xtcp_net *xn;
	long timeout = 0;

	if (!sk)
		return 0;
	xn = xtcp_pernet(sock_net(sk));
	if (sock_flag(sk, SOCK_LINGER) && !(current->flags & PF_EXITING))
		timeout = sk->sk_lingertime;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	if (xtcp_state_close(sk) && timeout)
		sk_stream_wait_close(sk, timeout);

	if (sk->sk_state == XTCP_CLOSE) {
		xtcp_unbind(sk);
		xtcp_rcv_queues_purge(sk);
		sock_orphan(sk);
	} else {
		/*
		 * The connection lives on without a process.  A TIME_WAIT
		 * is counted as one already (state.c), not as an orphan.
		 */
		bool over = sk->sk_state != XTCP_TIME_WAIT &&
			    atomic_inc_return(&xn->orphans) >
			    xn->sysctl.max_orphans;

		sock_orphan(sk);
		if (over)
			xtcp_abort(sk, 0);
		else if (sk->sk_state == XTCP_FIN_WAIT2)
			xtcp_orphan_fin_wait2(sk);
		else
			xtcp_orphan_release_net(sk);
	}
	sock->sk = NULL;
	release_sock(sk);
	sock_put(sk);
	return 0;
}

int xtcp_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 -> RCV_SHUTDOWN | SEND_SHUTDOWN */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	how++;

	lock_sock(sk);
	switch (sk->sk_state) {
	case XTCP_CLOSE:
		err = -ENOTCONN;
		break;
	case XTCP_LISTEN:
		if (how & RCV_SHUTDOWN)
			xtcp_state_close_listener(sk);
		break;
	case XTCP_SYN_SENT:
		xtcp_done(sk);
		sk->sk_shutdown = 0;
		sock->state = SS_UNCONNECTED;
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (how & SEND_SHUTDOWN)
			xtcp_close_send(sk);
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_xtcp *sin = (struct sockaddr_xtcp *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	memset(sin, 0, sizeof(*sin));
	sin->sxtcp_family = xtcp_family;
	if (peer) {
		if (!inet->inet_dport ||
		    (sk->sk_state == XTCP_CLOSE && peer == 1) ||
		    sk->sk_state == XTCP_LISTEN)
			return -ENOTCONN;
		sin->sxtcp_port = inet->inet_dport;
		sin->sxtcp_addr = inet->inet_daddr;
	} else {
		sin->sxtcp_port = inet->inet_sport;
		sin->sxtcp_addr = inet->inet_rcv_saddr ? : inet->inet_saddr;
	}
	return sizeof(*sin);
}

/*
 * Text for a reader, as poll() says: SO_RCVLOWAT bytes (as recvmsg()
 * waits for), or fewer that no more can join until the reader takes
 * some: less than a segment of the window is left.  Without the lock.
 */
static bool xtcp_readable(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int unread = xtcp_unread(sk);

	if (!unread)
		return false;
	if (unread >= READ_ONCE(sk->sk_rcvlowat))
		return true;
	return xtcp_rcv_wnd_left(xs) < READ_ONCE(xs->rcv_mss);
}

__poll_t xtcp_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	int state, shutdown;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == XTCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ? EPOLLIN | EPOLLRDNORM : 0;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == XTCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != XTCP_SYN_SENT && state != XTCP_SYN_RECV) {
		if (xtcp_readable(sk))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (shutdown & SEND_SHUTDOWN) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else if (sk_stream_is_writeable(sk)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* Space freed between the test and the bit? */
			smp_mb__after_atomic();
			if (sk_stream_is_writeable(sk))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

/* XTCP_CONGESTION: a name, NUL-terminated or not, as TCP_CONGESTION. */
static int xtcp_setsockopt_congestion(struct sock *sk, sockptr_t optval,
				      unsigned int optlen)
{
	char name[XTCP_CA_NAME_MAX];
	long len;
	int err;

	if (optlen < 1)
		return -EINVAL;
	len = strncpy_from_sockptr(name, optval,
				   min_t(long, sizeof(name) - 1, optlen));
	if (len < 0)
		return -EFAULT;
	name[len] = '\0';

	lock_sock(sk);
	err = xtcp_set_congestion_control(sk, name);
	release_sock(sk);
	return err;
}

int xtcp_setsockopt(struct socket *sock, int level, int optname,
		    sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int val, err = 0;

	if (level != SOL_XTCP)
		return -ENOPROTOOPT;
	if (optname == XTCP_CONGESTION)
		return xtcp_setsockopt_congestion(sk, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case XTCP_NODELAY:
		xs->nodelay = !!val;
		/* As TCP: what Nagle held goes now. */
		if (val)
			xtcp_push_pending(sk);
		break;
	case XTCP_CORK:
		xs->cork = !!val;
		/* Uncorked, a partial segment goes at once, Nagle or not. */
		if (!val)
			xtcp_push_pending(sk);
		break;
	case XTCP_MAXSEG:
		if (val < XTCP_MIN_MSS || val > 0xffff)
			err = -EINVAL;
		else if (val < xs->mss || sk->sk_state == XTCP_CLOSE)
			xs->mss = val;
		break;
	case XTCP_KEEPIDLE:
		if (val < 1 || val > XTCP_MAX_KEEPALIVE_S) {
			err = -EINVAL;
			break;
		}
		xs->ka_time = val * HZ;
		xtcp_keepalive_reset(sk);
		break;
	case XTCP_KEEPINTVL:
		if (val < 1 || val > XTCP_MAX_KEEPALIVE_S)
			err = -EINVAL;
		else
			xs->ka_intvl = val * HZ;
		break;
	case XTCP_KEEPCNT:
		if (val < 1 || val > XTCP_MAX_KEEPCNT)
			err = -EINVAL;
		else
			xs->ka_probes = val;
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

static void xtcp_get_info(struct sock *sk, struct xtcp_info *info)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	memset(info, 0, sizeof(*info));
	info->xtcpi_state = sk->sk_state;
	info->xtcpi_mss = xs->mss;
	info->xtcpi_iss = xs->iss;
	info->xtcpi_irs = xs->irs;
	info->xtcpi_snd_una = xs->snd_una;
	info->xtcpi_snd_nxt = xs->snd_nxt;
	info->xtcpi_snd_wnd = xs->snd_wnd;
	info->xtcpi_rcv_nxt = xs->rcv_nxt;
	info->xtcpi_rcv_wnd = xs->rcv_wnd;
	info->xtcpi_rto_ms = jiffies_to_msecs(xs->rto);
	info->xtcpi_retransmits = xs->total_retrans;
	info->xtcpi_bytes_sent = xs->bytes_sent;
	info->xtcpi_bytes_received = xs->bytes_received;
	info->xtcpi_snd_cwnd = xs->snd_cwnd;
	info->xtcpi_snd_ssthresh = xtcp_ssthresh_shown(xs);
	info->xtcpi_srtt_us = xs->srtt_us;
	info->xtcpi_rttvar_us = xs->rttvar_us;
	info->xtcpi_options = (xs->ts_ok ? XTCPI_OPT_TIMESTAMPS : 0) |
			      (xs->sack_ok ? XTCPI_OPT_SACK : 0) |
			      (xs->wscale_ok ? XTCPI_OPT_WSCALE : 0);
	info->xtcpi_ts_recent = xs->ts_recent;
	info->xtcpi_snd_wscale = xs->snd_wscale;
	info->xtcpi_rcv_wscale = xs->rcv_wscale;
	info->xtcpi_rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	info->xtcpi_sndbuf = READ_ONCE(sk->sk_sndbuf);
	info->xtcpi_rcv_space = xs->rcvq_space;
	info->xtcpi_rcv_rtt_us = xs->rcv_rtt_us;
	info->xtcpi_bytes_acked = xs->bytes_acked;
	info->xtcpi_rcv_mss = xs->rcv_mss;
	info->xtcpi_pacing_rate = READ_ONCE(sk->sk_pacing_rate);
	info->xtcpi_max_pacing_rate = READ_ONCE(sk->sk_max_pacing_rate);
	info->xtcpi_delivery_rate = xs->delivery_rate;
}

int xtcp_getsockopt(struct socket *sock, int level, int optname,
		    char __user *optval, int __user *optlen)
{
	char name[XTCP_CA_NAME_MAX];
	struct sock *sk = sock->sk;
	struct xtcp_info info;
	int len, val;

	if (level != SOL_XTCP)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case XTCP_NODELAY:
		val = xtcp_sk(sk)->nodelay;
		break;
	case XTCP_CORK:
		val = xtcp_sk(sk)->cork;
		break;
	case XTCP_MAXSEG:
		val = xtcp_sk(sk)->mss;
		break;
	case XTCP_KEEPIDLE:
	case XTCP_KEEPINTVL:
	case XTCP_KEEPCNT:
		val = xtcp_keepalive_get(sk, optname);
		break;
	case XTCP_INFO:
		lock_sock(sk);
		xtcp_get_info(sk, &info);
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	case XTCP_CONGESTION:
		/* The name, NUL-padded, cut to @len as TCP_CONGESTION's. */
		memset(name, 0, sizeof(name));
		lock_sock(sk);
		strscpy(name, xtcp_sk(sk)->ca_ops->name, sizeof(name));
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(name));
		if (put_user(len, optlen) || copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	if (len < sizeof(int))
		return -EINVAL;
	len = sizeof(int);
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

int xtcp_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == XTCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = xtcp_unread(sk);
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == XTCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}
