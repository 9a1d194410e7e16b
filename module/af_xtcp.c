// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP: registration of the AF_XTCP family and the IPv4 protocol handler,
 * socket creation and destruction, module load and unload.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <net/protocol.h>
#include <net/sock.h>

#include "xtcp.h"

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default 25)");

int xtcp_ipproto = IPPROTO_XTCP;
module_param_named(ipproto, xtcp_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IP protocol number on the wire (default 253)");

/*
 * Every socket of the module, listening, connected, orphaned or waiting
 * for its last reference.  Sockets do not pin the module (orphans must not
 * keep rmmod waiting for TIME_WAIT), so unload waits, bounded, for this
 * list to empty before the slab and the code go away, and names what it
 * waits for.
 */
LIST_HEAD(xtcp_all_socks);
DEFINE_SPINLOCK(xtcp_all_lock);
static unsigned long xtcp_nr_socks;

/* How long unload waits for the last sockets, and how often it says so. */
#define XTCP_UNLOAD_WAIT	(30 * HZ)
#define XTCP_UNLOAD_REPORT	(5 * HZ)

/*
 * Lock classes of XTCP's own, so that lockdep reports name XTCP: the
 * kernel's per-family names call family 25 AF_WANPIPE.
 */
static struct lock_class_key xtcp_slock_key;
static struct lock_class_key xtcp_sk_lock_key;

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= NULL,	/* see xtcp_all_socks */
	.obj_size	= sizeof(struct xtcp_sock),
	.backlog_rcv	= xtcp_backlog_rcv,
	.release_cb	= xtcp_release_cb,
	.keepalive	= xtcp_keepalive,
};

#ifdef XTCP_HAVE_ACCEPT_ARG
static int xtcp_accept(struct socket *sock, struct socket *newsock,
		       struct proto_accept_arg *arg)
{
	return xtcp_accept_common(sock, newsock, arg->flags);
}
#else
static int xtcp_accept(struct socket *sock, struct socket *newsock,
		       int flags, bool kern)
{
	return xtcp_accept_common(sock, newsock, flags);
}
#endif

const struct proto_ops xtcp_stream_ops = {
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= xtcp_bind,
	.connect	= xtcp_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xtcp_accept,
	.getname	= xtcp_getname,
	.poll		= xtcp_poll,
	.ioctl		= xtcp_ioctl,
	.listen		= xtcp_listen,
	.shutdown	= xtcp_shutdown,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.mmap		= sock_no_mmap,
};

static void xtcp_sock_destruct(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xtcp_rcv_queues_purge(sk);
	__skb_queue_purge(&sk->sk_write_queue);
	/* The cached route: nothing else gives its reference back. */
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
	RCU_INIT_POINTER(sk->sk_dst_cache, NULL);
	WARN_ON_ONCE(xs->hashed || xs->bound);
	xtcp_cong_release(sk);

	spin_lock_bh(&xtcp_all_lock);
	list_del(&xs->all_node);
	xtcp_nr_socks--;
	spin_unlock_bh(&xtcp_all_lock);
}

/*
 * Allocate and initialise a socket; @sock is NULL for a child created by a
 * listener, @kern as for sk_alloc().
 */
struct sock *xtcp_sk_alloc(struct net *net, struct socket *sock,
			   gfp_t gfp, int kern)
{
	struct xtcp_sock *xs;
	struct sock *sk;

	sk = sk_alloc(net, xtcp_family, gfp, &xtcp_prot, kern);
	if (!sk)
		return NULL;

	sock_init_data(sock, sk);
	sock_lock_init_class_and_name(sk, "slock-AF_XTCP", &xtcp_slock_key,
				      "sk_lock-AF_XTCP", &xtcp_sk_lock_key);
	sk->sk_family = xtcp_family;
	sk->sk_protocol = xtcp_ipproto;
	sk->sk_type = SOCK_STREAM;
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_backlog_rcv = xtcp_backlog_rcv;
	sk->sk_write_space = xtcp_write_space;
	sk->sk_state = XTCP_CLOSE;
	/* Path MTU discovery unless the netns turned it off, as for TCP. */
	inet_sk(sk)->pmtudisc = READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) ?
				IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;
	/* Super-segments of our own type (offload.c), as the route allows. */
	sk->sk_gso_type = XTCP_GSO_TYPE;
	/* Lookups run under RCU: keep the memory for a grace period. */
	sock_set_flag(sk, SOCK_RCU_FREE);
	/*
	 * Segments in flight are charged to sk_wmem_alloc (they carry the
	 * socket, skb_set_owner_w()); writers are woken by ACKs freeing the
	 * send queue, not by each segment leaving the host.
	 */
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	/* net.xtcp.rmem[1] and wmem[1], as TCP's tcp_init_sock(). */
	xtcp_buf_init_sock(sk);

	xs = xtcp_sk(sk);
	xtcp_rcv_ratio_init(xs);
	xs->rto = msecs_to_jiffies(xtcp_pernet(net)->sysctl.rto_init_ms);
	xs->mss = XTCP_DEFAULT_MSS;
	xs->peer_mss = XTCP_DEFAULT_MSS;
	xs->send_head = NULL;
	xs->ofo_queue = RB_ROOT;
	xtcp_cong_init(sk);
	spin_lock_init(&xs->accept_lock);
	INIT_LIST_HEAD(&xs->children);
	INIT_LIST_HEAD(&xs->child_node);
	INIT_HLIST_NODE(&xs->bind_node);
	xtcp_init_timers(sk);

	spin_lock_bh(&xtcp_all_lock);
	list_add_tail(&xs->all_node, &xtcp_all_socks);
	xtcp_nr_socks++;
	spin_unlock_bh(&xtcp_all_lock);
	return sk;
}

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct sock *sk;

	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != xtcp_ipproto)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sock->ops = &xtcp_stream_ops;

	sk = xtcp_sk_alloc(net, sock, GFP_KERNEL, kern);
	if (!sk)
		return -ENOBUFS;
	return 0;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

static struct net_protocol xtcp_protocol = {
	.handler	= xtcp_v4_rcv,
	.err_handler	= xtcp_v4_err,
	.no_policy	= 1,
};

static int __init xtcp_init(void)
{
	int err;

	/* The per-segment state lives in skb->cb. */
	BUILD_BUG_ON(sizeof(struct xtcp_skb_cb) >
		     sizeof_field(struct sk_buff, cb));
	if (xtcp_family <= 0 || xtcp_family >= NPROTO) {
		pr_err("xtcp: family=%d is outside 1..%d\n",
		       xtcp_family, NPROTO - 1);
		return -EINVAL;
	}
	if (xtcp_ipproto <= 0 || xtcp_ipproto >= MAX_INET_PROTOS) {
		pr_err("xtcp: ipproto=%d is outside 1..%d\n",
		       xtcp_ipproto, MAX_INET_PROTOS - 1);
		return -EINVAL;
	}
	xtcp_family_ops.family = xtcp_family;

	err = xtcp_bind_cache_init();
	if (err)
		return err;

	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto out_bind;

	/* Before any namespace: each names a default algorithm. */
	err = xtcp_cong_register_builtin();
	if (err)
		goto out_proto;

	err = xtcp_netns_register();
	if (err)
		goto out_cong;

	if (inet_add_protocol(&xtcp_protocol, xtcp_ipproto) < 0) {
		pr_err("xtcp: IP protocol %d is already taken\n",
		       xtcp_ipproto);
		err = -EEXIST;
		goto out_netns;
	}

	err = xtcp_offload_init();
	if (err) {
		pr_err("xtcp: IP protocol %d has offloads already\n",
		       xtcp_ipproto);
		goto out_protocol;
	}

	err = sock_register(&xtcp_family_ops);
	if (err) {
		pr_err("xtcp: address family %d is already taken (%d)\n",
		       xtcp_family, err);
		goto out_offload;
	}

	xtcp_debugfs_init();
	pr_info("xtcp: registered family %d, IP protocol %d\n",
		xtcp_family, xtcp_ipproto);
	return 0;

out_offload:
	xtcp_offload_exit();
out_protocol:
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
	synchronize_net();
out_netns:
	xtcp_netns_unregister();
out_cong:
	xtcp_cong_unregister_builtin();
out_proto:
	proto_unregister(&xtcp_prot);
out_bind:
	xtcp_bind_cache_exit();
	return err;
}

/* Name the sockets unload still waits for: the first few, then a count. */
static unsigned long xtcp_report_socks(void)
{
	unsigned long n, shown = 0;
	struct xtcp_sock *xs;

	spin_lock_bh(&xtcp_all_lock);
	n = xtcp_nr_socks;
	list_for_each_entry(xs, &xtcp_all_socks, all_node) {
		struct sock *sk = &xs->inet.sk;

		if (shown++ == 8)
			break;
		pr_warn("xtcp: unload waits for socket %pI4:%u -> %pI4:%u %s refcnt %d wmem %d rmem %d%s\n",
			&xs->inet.inet_rcv_saddr, ntohs(xs->inet.inet_sport),
			&xs->inet.inet_daddr, ntohs(xs->inet.inet_dport),
			xtcp_state_name(sk->sk_state),
			refcount_read(&sk->sk_refcnt),
			refcount_read(&sk->sk_wmem_alloc),
			atomic_read(&sk->sk_rmem_alloc),
			sock_flag(sk, SOCK_DEAD) ? " orphan" : "");
	}
	spin_unlock_bh(&xtcp_all_lock);
	if (n)
		pr_warn("xtcp: unload waits for %lu sockets\n", n);
	return n;
}

static bool xtcp_no_socks(void)
{
	bool empty;

	spin_lock_bh(&xtcp_all_lock);
	empty = list_empty(&xtcp_all_socks);
	spin_unlock_bh(&xtcp_all_lock);
	return empty;
}

/*
 * The last references may still sit in skbs being freed on other CPUs or
 * held in a qdisc; the final free of each socket runs as an RCU callback.
 * Wait for them, bounded.  A socket still alive after that is a bug (a
 * reference never given back): say so loudly, and leak rather than wait
 * for ever.
 */
static void xtcp_wait_socks(void)
{
	unsigned long start = jiffies, next = jiffies + XTCP_UNLOAD_REPORT;

	for (;;) {
		rcu_barrier();
		if (xtcp_no_socks())
			return;
		if (time_after(jiffies, start + XTCP_UNLOAD_WAIT)) {
			pr_err("xtcp: unload gave up after %u s; %lu sockets leak\n",
			       XTCP_UNLOAD_WAIT / HZ, xtcp_report_socks());
			return;
		}
		if (time_after(jiffies, next)) {
			xtcp_report_socks();
			next = jiffies + XTCP_UNLOAD_REPORT;
		}
		schedule_timeout_uninterruptible(HZ / 50);
	}
}

static void __exit xtcp_exit(void)
{
	xtcp_debugfs_exit();
	/* No new sockets, no new segments. */
	sock_unregister(xtcp_family);
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
	xtcp_offload_exit();

	/* Destroys every orphan and half-open socket of every namespace. */
	xtcp_netns_unregister();

	xtcp_wait_socks();
	rcu_barrier();
	xtcp_cong_unregister_builtin();
	proto_unregister(&xtcp_prot);
	/* Unbound at close: no socket holds a bucket any more. */
	xtcp_bind_cache_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XTCP: a TCP-like transport in its own address family");
MODULE_ALIAS_NETPROTO(AF_XTCP);
