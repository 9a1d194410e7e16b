// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP bind table, per network namespace: which sockets hold which local
 * port, for bind() conflicts and for the ports connect() and an unbound
 * listen() choose.
 *
 * A chain of bhash holds one bucket per port in use (as TCP's
 * inet_bind_bucket), and each bucket the sockets holding its port.  A
 * question about a port walks the few buckets of its chain and then only
 * that port's holders: the children a listener accepted share its bucket
 * and are never walked for another port.  With a chain of sockets
 * instead, every bind() of a port that hashed to a busy listener's chain
 * walked all its connections.
 *
 * Everything here runs under xn->bind_lock, which no segment takes, so a
 * bucket is freed as soon as its last holder leaves.  listen() takes
 * bind_lock and then the listener's lhash chain (hash.c).
 */
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>

#include "xtcp.h"

/* A local port in use and the sockets holding it (bind_node). */
struct xtcp_bind_bucket {
	struct hlist_node	node;	/* in its bhash chain */
	struct hlist_head	owners;
	u16			port;
};

static struct kmem_cache *xtcp_bind_cachep;

int __init xtcp_bind_cache_init(void)
{
	xtcp_bind_cachep = KMEM_CACHE(xtcp_bind_bucket, 0);
	return xtcp_bind_cachep ? 0 : -ENOMEM;
}

void xtcp_bind_cache_exit(void)
{
	kmem_cache_destroy(xtcp_bind_cachep);
}

/* The namespace's table; false without memory. */
bool xtcp_bind_init(struct xtcp_net *xn)
{
	spin_lock_init(&xn->bind_lock);
	/* Zeroed: every chain an empty hlist. */
	xn->bhash = kvcalloc(XTCP_BHASH_SIZE, sizeof(*xn->bhash), GFP_KERNEL);
	return !!xn->bhash;
}

void xtcp_bind_exit(struct xtcp_net *xn)
{
	kvfree(xn->bhash);
	xn->bhash = NULL;
}

static struct hlist_head *xtcp_bhash_chain(struct xtcp_net *xn, u16 port)
{
	return &xn->bhash[hash_32(port, XTCP_BHASH_BITS)];
}

static struct xtcp_bind_bucket *xtcp_bb_find(struct xtcp_net *xn, u16 port)
{
	struct xtcp_bind_bucket *bb;

	hlist_for_each_entry(bb, xtcp_bhash_chain(xn, port), node)
		if (bb->port == port)
			return bb;
	return NULL;
}

/* A bucket for @port, which has none; NULL without memory. */
static struct xtcp_bind_bucket *xtcp_bb_create(struct xtcp_net *xn, u16 port)
{
	struct xtcp_bind_bucket *bb;

	/* Under bind_lock, a spinlock with BH off. */
	bb = kmem_cache_alloc(xtcp_bind_cachep, GFP_ATOMIC);
	if (!bb)
		return NULL;
	bb->port = port;
	INIT_HLIST_HEAD(&bb->owners);
	hlist_add_head(&bb->node, xtcp_bhash_chain(xn, port));
	return bb;
}

static void __xtcp_bind(struct sock *sk, struct xtcp_bind_bucket *bb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	inet_sk(sk)->inet_num = bb->port;
	inet_sk(sk)->inet_sport = htons(bb->port);
	hlist_add_head(&xs->bind_node, &bb->owners);
	xs->bind_bucket = bb;
	xs->bound = 1;
}

/*
 * Would @sk, bound to @addr, clash with a socket already holding the port
 * of @bb?  TCP's rule, for bind() and again for listen(): overlapping
 * addresses clash unless both sockets set SO_REUSEADDR and the holder is
 * not listening.
 */
static bool xtcp_port_conflict(const struct xtcp_bind_bucket *bb,
			       struct sock *sk, __be32 addr)
{
	struct xtcp_sock *other;

	hlist_for_each_entry(other, &bb->owners, bind_node) {
		struct sock *sk2 = &other->inet.sk;
		__be32 addr2 = inet_sk(sk2)->inet_rcv_saddr;

		if (sk2 == sk)
			continue;
		if (addr && addr2 && addr != addr2)
			continue;
		if (sk->sk_bound_dev_if && sk2->sk_bound_dev_if &&
		    sk->sk_bound_dev_if != sk2->sk_bound_dev_if)
			continue;
		if (sk->sk_reuse && sk2->sk_reuse &&
		    sk2->sk_state != XTCP_LISTEN)
			continue;
		return true;
	}
	return false;
}

/* The ports of the namespace's ip_local_port_range, from a random one. */
struct xtcp_port_walk {
	int	low, range, i;
	u32	offset;
};

static void xtcp_port_walk_start(struct net *net, struct xtcp_port_walk *w)
{
	int high;

	inet_get_local_port_range(net, &w->low, &high);
	w->range = high - w->low + 1;
	w->offset = get_random_u32();
	w->i = 0;
}

/* The next port not reserved (nor 0), or 0 when the range is done. */
static u16 xtcp_port_walk_next(struct net *net, struct xtcp_port_walk *w)
{
	while (w->i < w->range) {
		u16 p = w->low + (w->offset + w->i++) % w->range;

		if (p && !inet_is_local_reserved_port(net, p))
			return p;
	}
	return 0;
}

/*
 * Bind @sk to @addr:@port; port 0 picks a free one from the namespace's
 * ip_local_port_range.  The caller owns the socket.
 */
int xtcp_bind_port(struct sock *sk, __be32 addr, u16 port)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_bind_bucket *bb = NULL;
	struct xtcp_port_walk w;
	int err = -EADDRINUSE;

	spin_lock_bh(&xn->bind_lock);
	if (port) {
		bb = xtcp_bb_find(xn, port);
		if (bb && xtcp_port_conflict(bb, sk, addr))
			goto out;
	} else {
		err = -EADDRNOTAVAIL;
		xtcp_port_walk_start(sock_net(sk), &w);
		while ((port = xtcp_port_walk_next(sock_net(sk), &w)))
			if (!xtcp_bb_find(xn, port))
				break;
		if (!port)
			goto out;
	}
	err = -ENOMEM;
	if (!bb)
		bb = xtcp_bb_create(xn, port);
	if (!bb)
		goto out;
	__xtcp_bind(sk, bb);
	inet_sk(sk)->inet_rcv_saddr = addr;
	err = 0;
out:
	spin_unlock_bh(&xn->bind_lock);
	return err;
}

/*
 * May connect() from @sk use the port of @bb (NULL: a free port)?  Ports
 * connect() chose are shared by
 * connections whose 4-tuples differ, as Linux's __inet_hash_connect()
 * shares them: a host then holds as many connections to each peer as the
 * range has ports, not that many in all.  A port bind() or listen() took
 * is never shared, and the 4-tuple must be free, or held by a TIME_WAIT
 * connect() may take over.
 */
static bool xtcp_connect_port_ok(const struct xtcp_bind_bucket *bb,
				 struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *other;

	if (!bb)
		return true;
	hlist_for_each_entry(other, &bb->owners, bind_node) {
		struct sock *sk2 = &other->inet.sk;

		if (!other->port_shared)
			return false;
		if (xtcp_same_tuple(sk2, inet->inet_saddr, htons(bb->port),
				    inet->inet_daddr, inet->inet_dport) &&
		    !xtcp_tw_reusable(sk, sk2))
			return false;
	}
	return true;
}

/*
 * connect() on an unbound socket: a local port for inet_saddr to
 * inet_daddr:inet_dport.  Holding the port reserves the 4-tuple too:
 * another connect() to the same peer passes it by until this one is
 * hashed (or gives the port up).
 */
int xtcp_connect_port(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_port_walk w;
	int err = -EADDRNOTAVAIL;
	u16 port;

	spin_lock_bh(&xn->bind_lock);
	xtcp_port_walk_start(sock_net(sk), &w);
	while ((port = xtcp_port_walk_next(sock_net(sk), &w))) {
		struct xtcp_bind_bucket *bb = xtcp_bb_find(xn, port);

		if (!xtcp_connect_port_ok(bb, sk))
			continue;
		err = -ENOMEM;
		if (!bb)
			bb = xtcp_bb_create(xn, port);
		if (!bb)
			break;
		__xtcp_bind(sk, bb);
		xtcp_sk(sk)->port_shared = 1;
		inet_sk(sk)->inet_rcv_saddr = inet_sk(sk)->inet_saddr;
		err = 0;
		break;
	}
	spin_unlock_bh(&xn->bind_lock);
	return err;
}

/*
 * listen() on a bound socket: check its port again, now that it will
 * listen, and enter LISTEN and the listener table under the bind lock,
 * so that two sockets cannot both pass the check.
 */
int xtcp_listen_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int err = -EADDRINUSE;

	spin_lock_bh(&xn->bind_lock);
	if (!xtcp_port_conflict(xtcp_sk(sk)->bind_bucket, sk,
				inet_sk(sk)->inet_rcv_saddr)) {
		xtcp_lhash_add(sk);
		err = 0;
	}
	spin_unlock_bh(&xn->bind_lock);
	return err;
}

/*
 * A passive child holds its listener's port, in the listener's bucket:
 * the listener is locked, so bound, while its children are made.
 */
void xtcp_inherit_port(struct sock *child, struct sock *parent)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(child));
	struct xtcp_bind_bucket *bb = xtcp_sk(parent)->bind_bucket;

	if (!bb)
		return;
	spin_lock_bh(&xn->bind_lock);
	__xtcp_bind(child, bb);
	spin_unlock_bh(&xn->bind_lock);
}

void xtcp_unbind(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_bind_bucket *bb = xs->bind_bucket;

	if (!xs->bound)
		return;
	spin_lock_bh(&xn->bind_lock);
	hlist_del_init(&xs->bind_node);
	if (hlist_empty(&bb->owners)) {
		hlist_del(&bb->node);
		kmem_cache_free(xtcp_bind_cachep, bb);
	}
	xs->bind_bucket = NULL;
	xs->bound = 0;
	xs->port_shared = 0;
	spin_unlock_bh(&xn->bind_lock);
}
