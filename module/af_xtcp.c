// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP: registration of the AF_XTCP family and the IPv4 protocol handler,
 * socket creation and destruction, module load and unload.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/delay.h>
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
 * Sockets alive, listening, connected or orphaned.  Sockets do not pin the
 * module (orphans must not keep rmmod waiting for TIME_WAIT), so unload
 * waits for this to reach zero before the slab and the code go away.
 */
static atomic_long_t xtcp_sockets = ATOMIC_LONG_INIT(0);

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= NULL,	/* see xtcp_sockets */
	.obj_size	= sizeof(struct xtcp_sock),
	.backlog_rcv	= xtcp_backlog_rcv,
	.release_cb	= xtcp_release_cb,
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
	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&sk->sk_write_queue);
	WARN_ON_ONCE(xtcp_sk(sk)->hashed || xtcp_sk(sk)->bound);
	atomic_long_dec(&xtcp_sockets);
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
	sk->sk_family = xtcp_family;
	sk->sk_protocol = xtcp_ipproto;
	sk->sk_type = SOCK_STREAM;
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_backlog_rcv = xtcp_backlog_rcv;
	sk->sk_write_space = xtcp_write_space;
	sk->sk_state = XTCP_CLOSE;
	/* Lookups run under RCU: keep the memory for a grace period. */
	sock_set_flag(sk, SOCK_RCU_FREE);

	xs = xtcp_sk(sk);
	xs->rto = msecs_to_jiffies(xtcp_pernet(net)->sysctl.rto_init_ms);
	xs->mss = XTCP_DEFAULT_MSS;
	xs->peer_mss = XTCP_DEFAULT_MSS;
	xs->send_head = NULL;
	spin_lock_init(&xs->accept_lock);
	INIT_LIST_HEAD(&xs->children);
	INIT_LIST_HEAD(&xs->child_node);
	INIT_HLIST_NODE(&xs->hash_node);
	INIT_HLIST_NODE(&xs->bind_node);
	xtcp_init_timers(sk);

	atomic_long_inc(&xtcp_sockets);
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

	err = proto_register(&xtcp_prot, 1);
	if (err)
		return err;

	err = xtcp_netns_register();
	if (err)
		goto out_proto;

	if (inet_add_protocol(&xtcp_protocol, xtcp_ipproto) < 0) {
		pr_err("xtcp: IP protocol %d is already taken\n",
		       xtcp_ipproto);
		err = -EEXIST;
		goto out_netns;
	}

	err = sock_register(&xtcp_family_ops);
	if (err) {
		pr_err("xtcp: address family %d is already taken (%d)\n",
		       xtcp_family, err);
		goto out_protocol;
	}

	pr_info("xtcp: registered family %d, IP protocol %d\n",
		xtcp_family, xtcp_ipproto);
	return 0;

out_protocol:
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
	synchronize_net();
out_netns:
	xtcp_netns_unregister();
out_proto:
	proto_unregister(&xtcp_prot);
	return err;
}

static void __exit xtcp_exit(void)
{
	int i;

	/* No new sockets, no new segments. */
	sock_unregister(xtcp_family);
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
	synchronize_net();

	/* Destroys every orphan and half-open socket of every namespace. */
	xtcp_netns_unregister();

	/*
	 * The last references may still sit in skbs being freed on other
	 * CPUs; the final free of each socket runs as an RCU callback.
	 */
	for (i = 0; atomic_long_read(&xtcp_sockets); i++) {
		if (i == 500)
			pr_warn("xtcp: unload waits for %ld sockets\n",
				atomic_long_read(&xtcp_sockets));
		msleep(20);
	}
	rcu_barrier();
	proto_unregister(&xtcp_prot);
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("XTCP: a TCP-like transport in its own address family");
MODULE_ALIAS_NETPROTO(AF_XTCP);
