// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP routes and segment size: the route connect() looks up, the route
 * a connected socket caches in sk_dst_cache, and the MSS its MTU allows
 * (RFC 9293 3.7.1): the MSS option of our SYN, and the send MSS, the
 * smaller of the peer's option and what the route carries, less the
 * options every segment carries (RFC 6691: the MSS option counts no
 * options, the sender takes them from the payload).  dst_mtu()
 * includes a path MTU the kernel learnt.
 *
 * Path MTU discovery (RFC 1191): segments leave with DF, and an ICMP
 * "fragmentation needed" (input.c checks that it quotes a sequence number
 * in flight, RFC 5927 4.1) lowers the route's MTU and then the MSS.
 */
#include <net/ip.h>
#include <net/route.h>

#include "xtcp.h"

/* The payload a segment may carry on a link of @mtu bytes. */
unsigned int xtcp_mss_for_mtu(unsigned int mtu)
{
	unsigned int mss = mtu - sizeof(struct iphdr) - XTCP_HDR_LEN;

	return clamp_t(unsigned int, mss, XTCP_MIN_MSS, 0xffff);
}

/* Route a segment of @sk from @saddr:@sport to @daddr:@dport. */
struct rtable *xtcp_route_flow(struct sock *sk, struct flowi4 *fl4,
			       __be32 daddr, __be32 saddr, __be16 dport,
			       __be16 sport)
{
	flowi4_init_output(fl4, sk->sk_bound_dev_if, sk->sk_mark, 0,
			   RT_SCOPE_UNIVERSE, xtcp_ipproto, 0,
			   daddr, saddr, dport, sport, sk->sk_uid);
	return ip_route_output_flow(sock_net(sk), fl4, sk);
}

/* The route of a connected socket, cached in sk_dst_cache. */
struct rtable *xtcp_route(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct dst_entry *dst;
	struct flowi4 fl4;
	struct rtable *rt;

	dst = __sk_dst_check(sk, 0);
	if (dst) {
		dst_hold(dst);
		return (struct rtable *)dst;
	}
	rt = xtcp_route_flow(sk, &fl4, inet->inet_daddr, inet->inet_saddr,
			     inet->inet_dport, inet->inet_sport);
	if (IS_ERR(rt))
		return rt;
	/* What the device takes: super-segments, and up to what size. */
	sk_setup_caps(sk, dst_clone(&rt->dst));
	return rt;
}

/*
 * Set the send MSS from the peer's option and the path MTU.  Text queued
 * before it fell keeps its size: such a segment goes in IP fragments
 * (xtcp_ip_xmit() sends it without DF), later ones are cut to the MSS.
 */
void xtcp_init_mss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct rtable *rt = xtcp_route(sk);
	unsigned int mss = xs->peer_mss;

	if (!IS_ERR(rt)) {
		mss = min(mss, xtcp_mss_for_mtu(dst_mtu(&rt->dst)));
		ip_rt_put(rt);
	}
	/* Every segment gives the timestamps option room (tcp_current_mss). */
	xs->mss = max_t(unsigned int, mss, XTCP_MIN_MSS) - xtcp_ts_optlen(xs);
}

/*
 * A router asked for segments of at most xs->mtu_info bytes: record it in
 * the route (a next-hop exception, which the kernel also clamps to
 * net.ipv4.route.min_pmtu) and take the MSS from what the route then
 * says.  Called with the socket lock held, not owned by a process.
 */
void xtcp_mtu_reduced(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 mss = xs->mss;
	struct rtable *rt;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	rt = xtcp_route(sk);
	if (IS_ERR(rt))
		return;
	rt->dst.ops->update_pmtu(&rt->dst, sk, NULL, READ_ONCE(xs->mtu_info),
				 true);
	ip_rt_put(rt);
	/* The old route is stale now: xtcp_route() looks up the new one. */
	xtcp_init_mss(sk);
	if (xs->mss < mss)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PMTUREDUCED);
}
