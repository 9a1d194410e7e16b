// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP lookup tables, per network namespace:
 *   ehash: connections by 4-tuple (SYN_SENT onwards, TIME_WAIT included);
 *   lhash: listeners by local port;
 * and the bind table of local ports is bind.c's.
 *
 * Readers (segment arrival) walk ehash and lhash under RCU and take a
 * reference with refcount_inc_not_zero(); sockets are SOCK_RCU_FREE, so a
 * node stays readable for a grace period after it is unlinked.  Writers
 * take the lock of the chain they change.
 *
 * A socket can leave one chain and enter another with no grace period in
 * between (a failed connect, then connect or listen again), so a reader
 * may follow it into the wrong chain.  Chains are hlist_nulls: each ends
 * in a marker naming its chain, and a reader that ends on another chain's
 * marker starts again, as __inet_lookup_established() does.
 *
 * The keys compare addresses in one helper each, so that an IPv6 key can be
 * added beside the IPv4 one.
 */
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/rculist_nulls.h>
#include <linux/timekeeping.h>
#include <net/ip.h>

#include "xtcp.h"

/* Nulls markers: ehash chains are 0.., lhash chains follow them. */
#define XTCP_EHASH_NULLS(h)	(h)
#define XTCP_LHASH_NULLS(h)	(XTCP_EHASH_SIZE + (h))

static u32 xtcp_ehashfn(const struct xtcp_net *xn, __be32 laddr, __be16 lport,
			__be32 faddr, __be16 fport)
{
	return jhash_3words((__force u32)laddr, (__force u32)faddr,
			    ((__force u32)lport << 16) | (__force u32)fport,
			    xn->hash_seed) & (XTCP_EHASH_SIZE - 1);
}

static u32 xtcp_lhashfn(u16 port)
{
	return hash_32(port, XTCP_LHASH_BITS);
}

int xtcp_hash_init(struct xtcp_net *xn)
{
	unsigned int i;

	xn->ehash = kvcalloc(XTCP_EHASH_SIZE, sizeof(*xn->ehash), GFP_KERNEL);
	xn->lhash = kvcalloc(XTCP_LHASH_SIZE, sizeof(*xn->lhash), GFP_KERNEL);
	if (!xn->ehash || !xn->lhash || !xtcp_bind_init(xn)) {
		xtcp_hash_exit(xn);
		return -ENOMEM;
	}
	for (i = 0; i < XTCP_EHASH_SIZE; i++) {
		INIT_HLIST_NULLS_HEAD(&xn->ehash[i].chain, XTCP_EHASH_NULLS(i));
		spin_lock_init(&xn->ehash[i].lock);
	}
	for (i = 0; i < XTCP_LHASH_SIZE; i++) {
		INIT_HLIST_NULLS_HEAD(&xn->lhash[i].chain, XTCP_LHASH_NULLS(i));
		spin_lock_init(&xn->lhash[i].lock);
	}
	return 0;
}

void xtcp_hash_exit(struct xtcp_net *xn)
{
	xtcp_bind_exit(xn);
	kvfree(xn->ehash);
	kvfree(xn->lhash);
	xn->ehash = NULL;
	xn->lhash = NULL;
}

/* Chain @i of all of them, listeners first: what /proc walks. */
struct xtcp_hbucket *xtcp_hbucket_at(struct xtcp_net *xn, unsigned int i)
{
	if (i < XTCP_LHASH_SIZE)
		return &xn->lhash[i];
	return &xn->ehash[i - XTCP_LHASH_SIZE];
}

/* SO_BINDTODEVICE: a bound socket hears only its device (or its VRF). */
static bool xtcp_dev_match(const struct sock *sk, int dif, int sdif)
{
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	return !bound || bound == dif || bound == sdif;
}

/* The connection's key: its 4-tuple. */
bool xtcp_same_tuple(const struct sock *sk, __be32 laddr, __be16 lport,
		     __be32 faddr, __be16 fport)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_sport == lport && inet->inet_dport == fport &&
	       inet->inet_rcv_saddr == laddr && inet->inet_daddr == faddr;
}

/* Does a segment arriving on @dif belong to connection @sk? */
static bool xtcp_match_established(const struct sock *sk, __be32 laddr,
				   __be16 lport, __be32 faddr, __be16 fport,
				   int dif, int sdif)
{
	return xtcp_same_tuple(sk, laddr, lport, faddr, fport) &&
	       xtcp_dev_match(sk, dif, sdif);
}

/*
 * How well a listener fits: 0 not at all; more for an exact address than
 * for a wildcard, and more for a bound device than for any device.
 */
static int xtcp_listener_score(const struct sock *sk, __be32 laddr,
			       __be16 lport, int dif, int sdif)
{
	const struct inet_sock *inet = inet_sk(sk);
	int score = 1;

	if (inet->inet_sport != lport || sk->sk_state != XTCP_LISTEN)
		return 0;
	if (inet->inet_rcv_saddr) {
		if (inet->inet_rcv_saddr != laddr)
			return 0;
		score += 2;
	}
	if (READ_ONCE(sk->sk_bound_dev_if)) {
		if (!xtcp_dev_match(sk, dif, sdif))
			return 0;
		score++;
	}
	return score;
}

/* The listener for laddr:lport, best fit first; RCU, reference. */
struct sock *xtcp_lookup_listener(struct net *net, __be32 laddr, __be16 lport,
				  int dif, int sdif)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u32 slot = xtcp_lhashfn(ntohs(lport));
	struct hlist_nulls_node *node;
	struct xtcp_sock *xs;
	struct sock *best;
	int best_score;

begin:
	best = NULL;
	best_score = 0;
	hlist_nulls_for_each_entry_rcu(xs, node, &xn->lhash[slot].chain,
				       hash_node) {
		int score = xtcp_listener_score(&xs->inet.sk, laddr, lport,
						dif, sdif);

		if (score > best_score) {
			best = &xs->inet.sk;
			best_score = score;
		}
	}
	/* Led into another chain by a socket that moved: again. */
	if (get_nulls_value(node) != XTCP_LHASH_NULLS(slot))
		goto begin;
	if (!best)
		return NULL;
	if (unlikely(!refcount_inc_not_zero(&best->sk_refcnt)))
		goto begin;
	/* It may have closed or moved before we held it. */
	if (unlikely(xtcp_listener_score(best, laddr, lport, dif, sdif) !=
		     best_score)) {
		sock_put(best);
		goto begin;
	}
	return best;
}

/*
 * Find the socket a segment from faddr:fport to laddr:lport, arriving on
 * device @dif (@sdif: its VRF slave device, or 0), belongs to: a
 * connection first, then a listener.  Called under rcu_read_lock();
 * returns the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup(struct net *net, __be32 faddr, __be16 fport,
			 __be32 laddr, __be16 lport, int dif, int sdif)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct hlist_nulls_node *node;
	struct xtcp_sock *xs;
	u32 h;

	h = xtcp_ehashfn(xn, laddr, lport, faddr, fport);
begin:
	hlist_nulls_for_each_entry_rcu(xs, node, &xn->ehash[h].chain,
				       hash_node) {
		struct sock *sk = &xs->inet.sk;

		if (!xtcp_match_established(sk, laddr, lport, faddr, fport,
					    dif, sdif))
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt)))
			goto begin;
		/* The key may have changed before we held it. */
		if (likely(xtcp_match_established(sk, laddr, lport, faddr,
						  fport, dif, sdif)))
			return sk;
		sock_put(sk);
		goto begin;
	}
	if (get_nulls_value(node) != XTCP_EHASH_NULLS(h))
		goto begin;

	return xtcp_lookup_listener(net, laddr, lport, dif, sdif);
}

/*
 * May connect() from @sk take the place of @tw, a socket on its 4-tuple,
 * as Linux's tcp_twsk_unique() does under net.ipv4.tcp_tw_reuse?  Only an
 * orphan in TIME_WAIT, only with timestamps (PAWS then keeps the old
 * incarnation's segments out of the new one), and only once the peer's
 * last timestamp is from an earlier second, so that its clock has moved
 * on.  Read without @tw's lock: state.c checks again under it.
 */
bool xtcp_tw_reusable(const struct sock *sk, const struct sock *tw)
{
	const struct xtcp_sock *txs = xtcp_sk(tw);
	int reuse = READ_ONCE(xtcp_pernet(sock_net(sk))->sysctl.reuse_tw);

	if (!reuse || READ_ONCE(tw->sk_state) != XTCP_TIME_WAIT ||
	    !sock_flag(tw, SOCK_DEAD) || !txs->ts_ok)
		return false;
	if (reuse == XTCP_TW_REUSE_LOOPBACK &&
	    !ipv4_is_loopback(inet_sk(tw)->inet_daddr) &&
	    !ipv4_is_loopback(inet_sk(tw)->inet_rcv_saddr))
		return false;
	return ktime_get_seconds() > READ_ONCE(txs->ts_recent_stamp);
}

/*
 * Insert a connection; fails if its 4-tuple is taken.  If @tw is given
 * and the taker is a TIME_WAIT connect() may replace, -EEXIST and the
 * taker, held, in *@tw.
 */
int xtcp_hash_established(struct sock *sk, struct sock **tw)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xs = xtcp_sk(sk), *other;
	struct hlist_nulls_node *node;
	struct xtcp_hbucket *b;

	b = &xn->ehash[xtcp_ehashfn(xn, inet->inet_rcv_saddr, inet->inet_sport,
				    inet->inet_daddr, inet->inet_dport)];
	spin_lock_bh(&b->lock);
	hlist_nulls_for_each_entry(other, node, &b->chain, hash_node) {
		struct sock *sk2 = &other->inet.sk;

		if (!xtcp_same_tuple(sk2, inet->inet_rcv_saddr,
				     inet->inet_sport, inet->inet_daddr,
				     inet->inet_dport))
			continue;
		if (tw && xtcp_tw_reusable(sk, sk2)) {
			sock_hold(sk2);
			*tw = sk2;
			spin_unlock_bh(&b->lock);
			return -EEXIST;
		}
		spin_unlock_bh(&b->lock);
		return -EADDRNOTAVAIL;
	}
	sock_hold(sk);
	hlist_nulls_add_head_rcu(&xs->hash_node, &b->chain);
	xs->hbucket = b;
	xs->hashed = 1;
	spin_unlock_bh(&b->lock);
	return 0;
}

/* Remove from ehash or lhash; the caller holds its own reference. */
void xtcp_unhash(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_hbucket *b = xs->hbucket;

	if (!xs->hashed)
		return;
	spin_lock_bh(&b->lock);
	hlist_nulls_del_init_rcu(&xs->hash_node);
	xs->hashed = 0;
	xs->hbucket = NULL;
	spin_unlock_bh(&b->lock);
	__sock_put(sk);
}

/*
 * A listener enters LISTEN and its lhash chain; bind.c's
 * xtcp_listen_hash() calls it under bind_lock, once the port is its own.
 */
void xtcp_lhash_add(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_hbucket *b = &xn->lhash[xtcp_lhashfn(inet_sk(sk)->inet_num)];

	spin_lock(&b->lock);
	xtcp_state_listen(sk);
	sock_hold(sk);
	hlist_nulls_add_head_rcu(&xs->hash_node, &b->chain);
	xs->hbucket = b;
	xs->hashed = 1;
	spin_unlock(&b->lock);
}

/* Some hashed socket, with a reference; NULL when the tables are empty. */
static struct sock *xtcp_any_hashed(struct xtcp_net *xn)
{
	unsigned int i;

	for (i = 0; i < XTCP_HBUCKETS; i++) {
		struct xtcp_hbucket *b = xtcp_hbucket_at(xn, i);
		struct sock *sk = NULL;

		if (hlist_nulls_empty(&b->chain))
			continue;
		spin_lock_bh(&b->lock);
		if (!hlist_nulls_empty(&b->chain)) {
			sk = &hlist_nulls_entry(b->chain.first,
						struct xtcp_sock,
						hash_node)->inet.sk;
			sock_hold(sk);
		}
		spin_unlock_bh(&b->lock);
		if (sk)
			return sk;
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

	while ((sk = xtcp_any_hashed(xn))) {
		local_bh_disable();
		bh_lock_sock(sk);
		/* Its own timer may have ended it meanwhile (an orphan). */
		if (sk->sk_state != XTCP_CLOSE)
			xtcp_abort(sk, ECONNABORTED);
		bh_unlock_sock(sk);
		local_bh_enable();
		sock_put(sk);
	}
}
