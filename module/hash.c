// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP lookup tables, per network namespace:
 *   ehash: connections by 4-tuple (SYN_SENT onwards, TIME_WAIT included);
 *   lhash: listeners by local port;
 *   bhash: every socket holding a local port, for bind() conflicts.
 *
 * Readers (segment arrival) walk ehash and lhash under RCU and take a
 * reference with refcount_inc_not_zero(); sockets are SOCK_RCU_FREE, so a
 * node stays readable for a grace period after it is unlinked.  Writers
 * take xn->lock.  Each socket sits in ehash or lhash at most once and never
 * moves between chains, so a plain RCU hlist is enough.
 *
 * The keys compare addresses in one helper each, so that an IPv6 key can be
 * added beside the IPv4 one.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <net/ip.h>

#include "xtcp.h"

static u32 xtcp_ehashfn(const struct xtcp_net *xn, __be32 laddr, __be16 lport,
			__be32 faddr, __be16 fport)
{
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((__force u32)lport << 16) | (__force u32)fport,
			    xn->hash_seed) & ((1 << XTCP_EHASH_BITS) - 1);
}

static u32 xtcp_lhashfn(u16 port)
{
	return hash_32(port, XTCP_LHASH_BITS);
}

static u32 xtcp_bhashfn(u16 port)
{
	return hash_32(port, XTCP_BHASH_BITS);
}

static bool xtcp_match_established(const struct sock *sk, __be32 laddr,
				   __be16 lport, __be32 faddr, __be16 fport)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_sport == lport && inet->inet_dport == fport &&
	       inet->inet_rcv_saddr == laddr && inet->inet_daddr == faddr;
}

/* 2 for an exact address, 1 for a wildcard listener, 0 for no match. */
static int xtcp_listener_score(const struct sock *sk, __be32 laddr,
			       __be16 lport)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (inet->inet_sport != lport || sk->sk_state != XTCP_LISTEN)
		return 0;
	if (inet->inet_rcv_saddr == laddr)
		return 2;
	return inet->inet_rcv_saddr ? 0 : 1;
}

/* The listener for laddr:lport, exact address first; RCU, reference. */
struct sock *xtcp_lookup_listener(struct net *net, __be32 laddr, __be16 lport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct sock *best = NULL;
	struct xtcp_sock *xs;
	int best_score = 0;

	hlist_for_each_entry_rcu(xs, &xn->lhash[xtcp_lhashfn(ntohs(lport))],
				 hash_node) {
		int score = xtcp_listener_score(&xs->inet.sk, laddr, lport);

		if (score > best_score) {
			best = &xs->inet.sk;
			best_score = score;
		}
	}
	if (best && unlikely(!refcount_inc_not_zero(&best->sk_refcnt)))
		best = NULL;
	return best;
}

/*
 * Find the socket a segment from faddr:fport to laddr:lport belongs to:
 * a connection first, then a listener.  Called under rcu_read_lock();
 * returns the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup(struct net *net, __be32 faddr, __be16 fport,
			 __be32 laddr, __be16 lport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct xtcp_sock *xs;
	u32 h;

	h = xtcp_ehashfn(xn, laddr, lport, faddr, fport);
	hlist_for_each_entry_rcu(xs, &xn->ehash[h], hash_node) {
		struct sock *sk = &xs->inet.sk;

		if (!xtcp_match_established(sk, laddr, lport, faddr, fport))
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt)))
			continue;
		/* The key may have changed before we held it. */
		if (likely(xtcp_match_established(sk, laddr, lport,
						  faddr, fport)))
			return sk;
		sock_put(sk);
	}

	return xtcp_lookup_listener(net, laddr, lport);
}

/* Insert a connection; fails if its 4-tuple is taken. */
int xtcp_hash_established(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk), *other;
	u32 h;

	h = xtcp_ehashfn(xn, inet->inet_rcv_saddr, inet->inet_sport,
			 inet->inet_daddr, inet->inet_dport);
	spin_lock_bh(&xn->lock);
	hlist_for_each_entry(other, &xn->ehash[h], hash_node) {
		if (xtcp_match_established(&other->inet.sk,
					   inet->inet_rcv_saddr,
					   inet->inet_sport, inet->inet_daddr,
					   inet->inet_dport)) {
			spin_unlock_bh(&xn->lock);
			return -EADDRNOTAVAIL;
		}
	}
	sock_hold(sk);
	hlist_add_head_rcu(&xs->hash_node, &xn->ehash[h]);
	xs->proc_bucket = ARRAY_SIZE(xn->lhash) + h;
	xs->hashed = 1;
	spin_unlock_bh(&xn->lock);
	return 0;
}

/* Remove from ehash or lhash; the caller holds its own reference. */
void xtcp_unhash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->hashed)
		return;
	spin_lock_bh(&xn->lock);
	hlist_del_init_rcu(&xs->hash_node);
	xs->hashed = 0;
	spin_unlock_bh(&xn->lock);
	__sock_put(sk);
}

/*
 * Would @sk, bound to @addr:@port, clash with a socket already holding the
 * port?  TCP's rule, for bind() and again for listen(): overlapping
 * addresses clash unless both sockets set SO_REUSEADDR and the holder is
 * not listening.
 */
static bool xtcp_port_conflict(struct xtcp_net *xn, struct sock *sk,
			       __be32 addr, u16 port)
{
	struct xtcp_sock *other;

	hlist_for_each_entry(other, &xn->bhash[xtcp_bhashfn(port)],
			     bind_node) {
		struct sock *sk2 = &other->inet.sk;
		__be32 addr2 = inet_sk(sk2)->inet_rcv_saddr;

		if (sk2 == sk || inet_sk(sk2)->inet_num != port)
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

static bool xtcp_port_in_use(struct xtcp_net *xn, u16 port)
{
	struct xtcp_sock *other;

	hlist_for_each_entry(other, &xn->bhash[xtcp_bhashfn(port)], bind_node)
		if (other->inet.inet_num == port)
			return true;
	return false;
}

static void __xtcp_bind(struct xtcp_net *xn, struct sock *sk, u16 port)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	inet_sk(sk)->inet_num = port;
	inet_sk(sk)->inet_sport = htons(port);
	hlist_add_head(&xs->bind_node, &xn->bhash[xtcp_bhashfn(port)]);
	xs->bound = 1;
}

/*
 * Bind @sk to @addr:@port; port 0 picks a free one from the namespace's
 * ip_local_port_range.  The caller owns the socket.
 */
int xtcp_bind_port(struct sock *sk, __be32 addr, u16 port)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int low, high, range, i, err = 0;
	u32 offset;

	spin_lock_bh(&xn->lock);
	if (port) {
		if (xtcp_port_conflict(xn, sk, addr, port))
			err = -EADDRINUSE;
		else
			__xtcp_bind(xn, sk, port);
		goto out;
	}

	inet_get_local_port_range(sock_net(sk), &low, &high);
	range = high - low + 1;
	offset = get_random_u32();
	err = -EADDRNOTAVAIL;
	for (i = 0; i < range; i++) {
		u16 p = low + (offset + i) % range;

		if (inet_is_local_reserved_port(sock_net(sk), p) ||
		    xtcp_port_in_use(xn, p))
			continue;
		__xtcp_bind(xn, sk, p);
		err = 0;
		break;
	}
out:
	if (!err)
		inet_sk(sk)->inet_rcv_saddr = addr;
	spin_unlock_bh(&xn->lock);
	return err;
}

/*
 * listen(): check the port again, now that this socket will listen, and
 * enter LISTEN and the listener table under one lock, so that two sockets
 * cannot both pass the check.
 */
int xtcp_listen_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 port = inet_sk(sk)->inet_num;

	spin_lock_bh(&xn->lock);
	if (xtcp_port_conflict(xn, sk, inet_sk(sk)->inet_rcv_saddr, port)) {
		spin_unlock_bh(&xn->lock);
		return -EADDRINUSE;
	}
	xtcp_set_state(sk, XTCP_LISTEN);
	sock_hold(sk);
	xs->proc_bucket = xtcp_lhashfn(port);
	hlist_add_head_rcu(&xs->hash_node, &xn->lhash[xs->proc_bucket]);
	xs->hashed = 1;
	spin_unlock_bh(&xn->lock);
	return 0;
}

/* A passive child holds the listener's port. */
void xtcp_inherit_port(struct sock *child, struct sock *parent)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(child));

	spin_lock_bh(&xn->lock);
	__xtcp_bind(xn, child, inet_sk(parent)->inet_num);
	spin_unlock_bh(&xn->lock);
}

void xtcp_unbind(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->bound)
		return;
	spin_lock_bh(&xn->lock);
	hlist_del_init(&xs->bind_node);
	xs->bound = 0;
	spin_unlock_bh(&xn->lock);
}

static struct sock *xtcp_first_hashed(struct xtcp_net *xn)
{
	struct xtcp_sock *xs;
	int i;

	for (i = 0; i < ARRAY_SIZE(xn->ehash); i++) {
		xs = hlist_entry_safe(xn->ehash[i].first, struct xtcp_sock,
				      hash_node);
		if (xs)
			return &xs->inet.sk;
	}
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++) {
		xs = hlist_entry_safe(xn->lhash[i].first, struct xtcp_sock,
				      hash_node);
		if (xs)
			return &xs->inet.sk;
	}
	return NULL;
}

/*
 * Namespace exit or module unload: only sockets without a process remain
 * (orphans, unaccepted children).  Abort each one.
 */
void xtcp_net_destroy_sockets(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct sock *sk;

	for (;;) {
		spin_lock_bh(&xn->lock);
		sk = xtcp_first_hashed(xn);
		if (sk)
			sock_hold(sk);
		spin_unlock_bh(&xn->lock);
		if (!sk)
			break;

		local_bh_disable();
		bh_lock_sock(sk);
		xtcp_abort(sk, ECONNABORTED);
		bh_unlock_sock(sk);
		local_bh_enable();
		sock_put(sk);
	}
}
