/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scripted segment-level peer for the XTCP selftests.
 *
 * peer_setup() moves the calling test into a fresh network namespace with
 * one veth pair: xtcp0 (10.0.0.1/24, where the XTCP socket under test
 * lives) and xtcp1, which has no address at all.  A permanent neighbour
 * entry sends 10.0.0.2 to xtcp1's MAC, so no stack ever answers for
 * 10.0.0.2: the peer does, through an AF_PACKET socket bound to xtcp1.  It
 * sends Ethernet frames carrying IPv4 10.0.0.2 -> 10.0.0.1 segments
 * (protocol 253, RFC 9293 section 3.1 header, both checksums right unless
 * asked otherwise), and it reads what XTCP sends to 10.0.0.2.
 *
 * The links are made with rtnetlink and ioctls, not "ip": under TCG every
 * fork and exec costs a fifth of a second, and the matrix has hundreds of
 * namespaces to build.
 *
 * struct xtcp_peer mirrors the connection block of the XTCP socket under
 * test as the peer knows it (ISS, IRS, SND.UNA, SND.NXT, RCV.NXT, the
 * window XTCP advertised), so that a test reads like RFC 9293: it sends
 * <SEQ=p->rcv_nxt><ACK=p->snd_nxt> and expects <SEQ=SND.NXT><ACK=RCV.NXT>.
 *
 * Timestamps (RFC 7323): the peer's SYN offers them only when p->ts is
 * set, so by default no connection uses them.  When XTCP's SYN or SYN,ACK
 * carried them too, p->ts_ok is set: every segment the peer sends then
 * carries TSval p->ts_val and TSecr p->ts_recent (XTCP's latest TSval),
 * and peer_check() wants one on every segment from XTCP but a RST, where
 * without p->ts_ok it wants none.
 *
 * Window scale (RFC 7323 2): the peer's SYN offers shift p->wscale only
 * when p->ws is set.  When XTCP's SYN or SYN,ACK carried the option too,
 * p->ws_ok is set and p->xwscale is XTCP's shift: p->rcv_wnd is then
 * the window of XTCP's last segment in bytes (SEG.WND << p->xwscale), and
 * the peer's own p->win goes on the wire as it is, to be read by XTCP in
 * units of 2^p->wscale.
 *
 * Everything here is static inline: each *_test.c is built on its own.
 */
#ifndef _XTCP_PEER_H
#define _XTCP_PEER_H

#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/types.h>
#include <linux/veth.h>

#include "xtcp_util.h"

#define PEER_XTCP_IF	"xtcp0"		/* XTCP's side of the veth pair */
#define PEER_IF		"xtcp1"		/* the peer's side, no address */
#define PEER_XTCP_IP	"10.0.0.1"
#define PEER_IP		"10.0.0.2"

/* Control bits, RFC 9293 section 3.1. */
#define PEER_FIN	0x01
#define PEER_SYN	0x02
#define PEER_RST	0x04
#define PEER_PSH	0x08
#define PEER_ACK	0x10
#define PEER_URG	0x20

#define PEER_REPLY_MS	1000	/* how long an expected reply may take */
#define PEER_MAX_DATA	1500
#define PEER_HDR_LEN	20
#define PEER_ETH_LEN	14
#define PEER_IP_LEN	20
#define PEER_DEF_WIN	8192	/* the window the peer advertises */
#define PEER_DEF_ISS	0x10000000u	/* the peer's ISS (XTCP's IRS) */
#define PEER_MSS	1460	/* MSS option the peer sends on SYN */
#define PEER_BARRIER_PORT 9	/* nobody listens here: RST for anything */
#define PEER_TS_VAL	1000	/* the peer's first TSval */

/* One segment, as sent or as received. */
struct peer_seg {
	__u16	sport;
	__u16	dport;
	__u32	seq;
	__u32	ack;
	__u8	flags;
	__u16	win;
	__u16	mss;		/* MSS option value, 0 if none */
	bool	sack_perm;	/* SACK-permitted option (RFC 2018) */
	unsigned int num_sacks;	/* SACK blocks, [start, end) each */
	__u32	sacks[4][2];
	bool	ts;		/* timestamps option (RFC 7323) */
	bool	ts_want;	/* received: the connection has timestamps */
	bool	ws;		/* window scale option (RFC 7323 2) */
	__u8	wscale;		/* ... its shift */
	__u32	tsval;
	__u32	tsecr;
	unsigned int optlen;	/* bytes of options in the header */
	bool	csum_ok;	/* both checksums verified (received) */
	/*
	 * Received: XTCP left the segment's sum to the device, which veth
	 * never computes (TP_STATUS_CSUMNOTREADY); the peer finished it
	 * from XTCP's pseudo-header sum before checking it.
	 */
	bool	csum_partial;
	bool	df;		/* received: IP's Don't Fragment was set */
	unsigned int len;	/* payload bytes */
	unsigned char data[PEER_MAX_DATA];
};

/*
 * The peer, and what it knows of the XTCP connection block under test.
 * Sequence numbers are XTCP's RFC 9293 variables: the peer sends at
 * rcv_nxt and acknowledges up to snd_nxt.
 */
struct xtcp_peer {
	int	fd;		/* AF_PACKET socket on xtcp1 */
	int	ifindex;	/* of xtcp1 */
	unsigned char mac[ETH_ALEN];	/* xtcp1 */
	unsigned char xmac[ETH_ALEN];	/* xtcp0 */
	__be32	addr;		/* 10.0.0.2 */
	__be32	xaddr;		/* 10.0.0.1 */
	int	proto;		/* IP protocol number, 253 by default */
	__u16	port;		/* the peer's port */
	__u16	xport;		/* the port of the XTCP socket */
	__u16	win;		/* window the peer advertises */
	__u16	mss;		/* MSS option on the peer's SYN, 0: none */
	bool	sack;		/* the peer's SYN offers SACK-permitted */
	bool	ts;		/* the peer's SYN offers timestamps */
	bool	ts_ok;		/* both SYNs had them: every segment has */
	bool	ws;		/* the peer's SYN offers window scale */
	__u8	wscale;		/* ... with this shift */
	bool	ws_ok;		/* both SYNs had it: windows are scaled */
	__u8	xwscale;	/* XTCP's shift, when ws_ok */
	__u32	ts_val;		/* TSval the peer sends */
	__u32	ts_recent;	/* XTCP's latest TSval, the peer's TSecr */
	__u16	ip_id;
	__u32	barrier;	/* sequence of barrier probes */

	__u32	iss;		/* XTCP's ISS */
	__u32	irs;		/* XTCP's IRS: the peer's ISS */
	__u32	snd_una;	/* XTCP's SND.UNA, as the peer acknowledged */
	__u32	snd_nxt;	/* XTCP's SND.NXT: all XTCP has sent */
	__u32	rcv_nxt;	/* XTCP's RCV.NXT: the peer's next SEQ */
	__u32	rcv_wnd;	/* window in XTCP's last segment, bytes */
};

static inline void peer_log(const char *fmt, ...)
{
	va_list ap;

	fputs("# peer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "SYN,ACK" and so on, for the logs. */
static inline const char *peer_flags_str(__u8 flags, char *buf, size_t size)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"
	};
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (!(flags & (1 << i)) || off >= size)
			continue;
		off += snprintf(buf + off, size - off, "%s%s",
				off ? "," : "", names[i]);
	}
	if (!off)
		snprintf(buf, size, "none");
	return buf;
}

static inline const char *peer_seg_str(const struct peer_seg *s, char *buf,
				       size_t size)
{
	char f[48], ws[16] = "";

	if (s->ws)
		snprintf(ws, sizeof(ws), " WS %u", s->wscale);
	snprintf(buf, size,
		 "%u->%u <SEQ=%u><ACK=%u><CTL=%s> win %u len %u mss %u optlen %u%s%s%s",
		 s->sport, s->dport, s->seq, s->ack,
		 peer_flags_str(s->flags, f, sizeof(f)), s->win, s->len,
		 s->mss, s->optlen, s->ts ? " TS" : "", ws,
		 s->csum_ok ? "" : " BAD CHECKSUM");
	return buf;
}

/* ---- namespace and links ------------------------------------------------ */

static inline int peer_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static inline struct rtattr *peer_nla(struct nlmsghdr *nh, size_t size,
				      int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh +
					       NLMSG_ALIGN(nh->nlmsg_len));

	if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > size)
		return NULL;
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
	return rta;
}

static inline void peer_nla_end(struct nlmsghdr *nh, struct rtattr *nest)
{
	nest->rta_len = (char *)nh + nh->nlmsg_len - (char *)nest;
}

/* ip link add xtcp0 address MAC0 type veth peer name xtcp1 address MAC1 */
static inline int peer_make_veth(const unsigned char *xmac,
				 const unsigned char *mac)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nh;
		char buf[1024];
	} req, resp;
	struct rtattr *linkinfo, *data, *peer;
	struct ifinfomsg *ifi, *pifi;
	struct nlmsgerr *e;
	int fd, ret = -1;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL |
			     NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	ifi = NLMSG_DATA(&req.nh);
	ifi->ifi_family = AF_UNSPEC;
	peer_nla(&req.nh, sizeof(req), IFLA_IFNAME, PEER_XTCP_IF,
		 sizeof(PEER_XTCP_IF));
	peer_nla(&req.nh, sizeof(req), IFLA_ADDRESS, xmac, ETH_ALEN);
	linkinfo = peer_nla(&req.nh, sizeof(req), IFLA_LINKINFO, NULL, 0);
	peer_nla(&req.nh, sizeof(req), IFLA_INFO_KIND, "veth", 4);
	data = peer_nla(&req.nh, sizeof(req), IFLA_INFO_DATA, NULL, 0);
	peer = peer_nla(&req.nh, sizeof(req), VETH_INFO_PEER, NULL, 0);
	/* The peer's attributes follow its own ifinfomsg. */
	pifi = RTA_DATA(peer);
	memset(pifi, 0, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	req.nh.nlmsg_len += NLMSG_ALIGN(sizeof(*pifi));
	peer_nla(&req.nh, sizeof(req), IFLA_IFNAME, PEER_IF, sizeof(PEER_IF));
	peer_nla(&req.nh, sizeof(req), IFLA_ADDRESS, mac, ETH_ALEN);
	peer_nla_end(&req.nh, peer);
	peer_nla_end(&req.nh, data);
	peer_nla_end(&req.nh, linkinfo);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) != (ssize_t)req.nh.nlmsg_len)
		goto out;
	n = recv(fd, &resp, sizeof(resp), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(*e)) ||
	    resp.nh.nlmsg_type != NLMSG_ERROR)
		goto out;
	e = NLMSG_DATA(&resp.nh);
	if (e->error) {
		errno = -e->error;
		goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static inline int peer_if_up(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static inline int peer_if_addr(int fd, const char *name, const char *ip,
			       const char *mask)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(ip);
	if (ioctl(fd, SIOCSIFADDR, &ifr))
		return -1;
	sin->sin_addr.s_addr = inet_addr(mask);
	return ioctl(fd, SIOCSIFNETMASK, &ifr);
}

/* ip neigh add IP lladdr MAC dev DEV nud permanent */
static inline int peer_neigh(int fd, const char *dev, const char *ip,
			     const unsigned char *mac)
{
	struct sockaddr_in *sin;
	struct arpreq req;

	memset(&req, 0, sizeof(req));
	sin = (struct sockaddr_in *)&req.arp_pa;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(ip);
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, mac, ETH_ALEN);
	req.arp_flags = ATF_PERM | ATF_COM;
	strncpy(req.arp_dev, dev, sizeof(req.arp_dev) - 1);
	return ioctl(fd, SIOCSARP, &req);
}

static inline int peer_ipproto(void)
{
	return xtcp_module_param("ipproto", IPPROTO_XTCP);
}

/*
 * Wait, bounded, until @name is operationally up.  The link watcher sets
 * that, and attaches the device's qdisc, asynchronously after the carrier
 * comes on; until then every frame sent on the device is dropped.  It
 * does both under RTNL, so the caller's next RTNL operation (SIOCSARP)
 * comes after the qdisc is in place.
 */
static inline int peer_if_wait_running(int fd, const char *name)
{
	long end = xtcp_now_ms() + XTCP_WAIT_MS;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	do {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr))
			return -1;
		if (ifr.ifr_flags & IFF_RUNNING)
			return 0;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	errno = ENETDOWN;
	return -1;
}

/*
 * Enter a fresh network namespace, build the veth pair and open the
 * peer's packet socket.  0 on success; -1 with a message on stderr.
 */
static inline int peer_make_world(struct xtcp_peer *p)
{
	static const unsigned char xmac[ETH_ALEN] = { 2, 0, 0, 0, 0, 1 };
	static const unsigned char mac[ETH_ALEN] = { 2, 0, 0, 0, 0, 2 };
	struct sockaddr_ll sll;
	int one = 1, fd;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (unshare(CLONE_NEWNET)) {
		peer_log("unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	/* No IPv6 on the new links: no router solicitations, no DAD. */
	peer_write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	peer_write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");

	if (peer_make_veth(xmac, mac)) {
		peer_log("creating veth %s/%s: %s", PEER_XTCP_IF, PEER_IF,
			 strerror(errno));
		return -1;
	}
	/*
	 * The peer reads frames as a wire would carry them: XTCP's
	 * super-segments are cut in software (offload.c) on their way out.
	 */
	if (xtcp_set_feature(PEER_XTCP_IF, "tx-sctp-segmentation", false)) {
		peer_log("%s: tx-sctp-segmentation off failed", PEER_XTCP_IF);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (peer_if_up(fd, "lo") ||
	    peer_if_addr(fd, PEER_XTCP_IF, PEER_XTCP_IP, "255.255.255.0") ||
	    peer_if_up(fd, PEER_XTCP_IF) || peer_if_up(fd, PEER_IF) ||
	    peer_if_wait_running(fd, PEER_XTCP_IF) ||
	    peer_if_wait_running(fd, PEER_IF) ||
	    peer_neigh(fd, PEER_XTCP_IF, PEER_IP, mac)) {
		peer_log("configuring the links: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);

	memcpy(p->mac, mac, ETH_ALEN);
	memcpy(p->xmac, xmac, ETH_ALEN);
	p->addr = inet_addr(PEER_IP);
	p->xaddr = inet_addr(PEER_XTCP_IP);
	p->proto = peer_ipproto();
	p->ifindex = if_nametoindex(PEER_IF);
	p->win = PEER_DEF_WIN;
	p->mss = PEER_MSS;
	p->ts_val = PEER_TS_VAL;
	p->irs = PEER_DEF_ISS;
	p->rcv_nxt = p->irs;

	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (p->fd < 0) {
		peer_log("AF_PACKET socket: %s", strerror(errno));
		return -1;
	}
	/* Our own frames are not for us to read. */
	setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	/* Whether a frame's checksum was left to the device. */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) {
		peer_log("PACKET_AUXDATA: %s", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		peer_log("binding to %s: %s", PEER_IF, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Settings every peer test starts from: retransmission timers long enough
 * that no retransmission lands in the middle of a script.  The timer tests
 * set their own.  0, or -1 if a sysctl cannot be written.
 */
static inline int peer_quiet_timers(void)
{
	if (xtcp_sysctl_set("rto_init_ms", 5000) ||
	    xtcp_sysctl_set("rto_min_ms", 5000)) {
		peer_log("cannot set net.xtcp.rto_init_ms and rto_min_ms");
		return -1;
	}
	return 0;
}

/* ---- checksums and frames ----------------------------------------------- */

static inline __u32 peer_csum_add(__u32 sum, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

static inline __u16 peer_csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The segment checksum: pseudo-header with XTCP's protocol number. */
static inline __u16 peer_seg_csum(__be32 saddr, __be32 daddr, int proto,
				  const unsigned char *seg, size_t len)
{
	unsigned char ph[12];
	__u32 sum;

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = len >> 8;
	ph[11] = len & 0xff;
	sum = peer_csum_add(0, ph, sizeof(ph));
	return peer_csum_fold(peer_csum_add(sum, seg, len));
}

static inline void peer_put16(unsigned char *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void peer_put32(unsigned char *b, __u32 v)
{
	peer_put16(b, v >> 16);
	peer_put16(b + 2, v & 0xffff);
}

static inline __u16 peer_get16(const unsigned char *b)
{
	return (b[0] << 8) | b[1];
}

static inline __u32 peer_get32(const unsigned char *b)
{
	return ((__u32)peer_get16(b) << 16) | peer_get16(b + 2);
}

/*
 * Send @s as a frame from xtcp1.  s->mss adds the MSS option; @bad_csum
 * breaks the segment checksum (the IP header stays right).
 */
static inline int peer_xmit(struct xtcp_peer *p, const struct peer_seg *s,
			    bool bad_csum)
{
	unsigned char frame[PEER_ETH_LEN + PEER_IP_LEN + PEER_HDR_LEN + 40 +
			    PEER_MAX_DATA];
	unsigned char *ip = frame + PEER_ETH_LEN;
	unsigned char *th = ip + PEER_IP_LEN;
	unsigned int optlen = (s->mss ? 4 : 0) +
			      (s->ts ? 12 : s->sack_perm ? 4 : 0) +
			      (s->ws ? 4 : 0) +
			      (s->num_sacks ? 4 + 8 * s->num_sacks : 0);
	unsigned int hlen = PEER_HDR_LEN + optlen;
	unsigned char *opt = th + PEER_HDR_LEN;
	unsigned int i;
	unsigned int seglen = hlen + s->len;
	unsigned int total = PEER_ETH_LEN + PEER_IP_LEN + seglen;
	__u16 csum;

	if (s->len > PEER_MAX_DATA)
		return -1;
	memcpy(frame, p->xmac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, p->mac, ETH_ALEN);
	peer_put16(frame + 12, ETH_P_IP);

	memset(ip, 0, PEER_IP_LEN);
	ip[0] = 0x45;
	peer_put16(ip + 2, PEER_IP_LEN + seglen);
	peer_put16(ip + 4, ++p->ip_id);
	peer_put16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = p->proto;
	memcpy(ip + 12, &p->addr, 4);
	memcpy(ip + 16, &p->xaddr, 4);
	peer_put16(ip + 10, peer_csum_fold(peer_csum_add(0, ip, PEER_IP_LEN)));

	memset(th, 0, hlen);
	peer_put16(th, s->sport);
	peer_put16(th + 2, s->dport);
	peer_put32(th + 4, s->seq);
	peer_put32(th + 8, s->ack);
	th[12] = (hlen / 4) << 4;
	th[13] = s->flags;
	peer_put16(th + 14, s->win);
	/* TCP's option layout, as Linux writes it. */
	if (s->mss) {
		opt[0] = 2;	/* kind MSS */
		opt[1] = 4;
		peer_put16(opt + 2, s->mss);
		opt += 4;
	}
	if (s->ts) {
		/* SACK-permitted in the two bytes of NOPs, as Linux does */
		opt[0] = s->sack_perm ? 4 : 1;
		opt[1] = s->sack_perm ? 2 : 1;
		opt[2] = 8;	/* kind timestamps */
		opt[3] = 10;
		peer_put32(opt + 4, s->tsval);
		peer_put32(opt + 8, s->tsecr);
		opt += 12;
	}
	if (s->ws) {
		opt[0] = 1;
		opt[1] = 3;	/* kind window scale */
		opt[2] = 3;
		opt[3] = s->wscale;
		opt += 4;
	}
	if (s->sack_perm && !s->ts) {
		opt[0] = 1;
		opt[1] = 1;
		opt[2] = 4;	/* kind SACK-permitted */
		opt[3] = 2;
		opt += 4;
	}
	if (s->num_sacks) {
		opt[0] = 1;
		opt[1] = 1;
		opt[2] = 5;	/* kind SACK */
		opt[3] = 2 + 8 * s->num_sacks;
		for (i = 0; i < s->num_sacks; i++) {
			peer_put32(opt + 4 + 8 * i, s->sacks[i][0]);
			peer_put32(opt + 8 + 8 * i, s->sacks[i][1]);
		}
	}
	if (s->len)
		memcpy(th + hlen, s->data, s->len);
	csum = peer_seg_csum(p->addr, p->xaddr, p->proto, th, seglen);
	if (bad_csum)
		csum ^= 0x5a5a;
	peer_put16(th + 16, csum);

	if (send(p->fd, frame, total, 0) != (ssize_t)total) {
		peer_log("send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Fill @s for the peer's connection; payload @data of @len bytes. */
static inline void peer_seg_init(const struct xtcp_peer *p,
				 struct peer_seg *s, __u8 flags, __u32 seq,
				 __u32 ack, const void *data, unsigned int len)
{
	memset(s, 0, offsetof(struct peer_seg, data));
	s->csum_ok = true;	/* as peer_xmit() sends it, unless asked */
	s->sport = p->port;
	s->dport = p->xport;
	s->flags = flags;
	s->seq = seq;
	s->ack = ack;
	s->win = p->win;
	if (flags & PEER_SYN) {
		s->mss = p->mss;
		s->sack_perm = p->sack;
		s->ws = p->ws;
		s->wscale = p->wscale;
	}
	/* RFC 7323 3.2: on the SYNs if offered, then on all but a RST. */
	if ((flags & PEER_SYN) ? p->ts : p->ts_ok && !(flags & PEER_RST)) {
		s->ts = true;
		s->tsval = p->ts_val;
		s->tsecr = (flags & PEER_ACK) ? p->ts_recent : 0;
	}
	s->len = len > PEER_MAX_DATA ? PEER_MAX_DATA : len;
	if (data && s->len)
		memcpy(s->data, data, s->len);
	else if (s->len)
		memset(s->data, 'x', s->len);
}

/*
 * Send one segment on the peer's connection.  @data may be NULL: then
 * @len bytes of 'x'.  A SYN carries the peer's MSS option.
 */
static inline int peer_send(struct xtcp_peer *p, __u8 flags, __u32 seq,
			    __u32 ack, const void *data, unsigned int len)
{
	struct peer_seg s;

	peer_seg_init(p, &s, flags, seq, ack, data, len);
	return peer_xmit(p, &s, false);
}

/*
 * RCV.NXT of the connection under test as XTCP itself has it, from
 * /proc/net/xtcp_ext: the script's own copy is stale when a test ends
 * halfway (a FIN the peer sent but did not count, data not yet ACKed).
 * 0 with *rcv_nxt set; -1 if the connection is gone or in TIME_WAIT.
 */
static inline int peer_xtcp_rcv_nxt(const struct xtcp_peer *p, __u32 *rcv_nxt)
{
	char local[32], remote[32], want[2][32], state[16], line[512];
	FILE *f = fopen("/proc/net/xtcp_ext", "r");
	int found = -1;
	unsigned int v;

	if (!f)
		return -1;
	snprintf(want[0], sizeof(want[0]), "%s:%u", PEER_XTCP_IP, p->xport);
	snprintf(want[1], sizeof(want[1]), "%s:%u", PEER_IP, p->port);
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %31s %15s %*u %*u %*u %*u %*u %u",
			   local, remote, state, &v) == 4 &&
		    !strcmp(local, want[0]) && !strcmp(remote, want[1]) &&
		    strcmp(state, "TIME_WAIT")) {
			*rcv_nxt = v;
			found = 0;
		}
	fclose(f);
	return found;
}

static inline void peer_close(struct xtcp_peer *p)
{
	__u32 rcv_nxt;

	/*
	 * Reset the connection first, with the exact RCV.NXT an RST needs
	 * (RFC 5961 3.2): an orphan left behind would retransmit into the
	 * void for ten minutes (RTO 5 s, peer_quiet_timers(), doubling up
	 * to 120 s), and on a lockdep kernel keep the module loaded.
	 * TIME_WAIT ignores RSTs (RFC 1337) and ends in 2 MSL.
	 */
	if (p->fd >= 0) {
		if (p->port && p->xport && !peer_xtcp_rcv_nxt(p, &rcv_nxt))
			peer_send(p, PEER_RST, rcv_nxt, 0, NULL, 0);
		close(p->fd);
	}
	p->fd = -1;
}

/* ---- receiving ---------------------------------------------------------- */

/*
 * No options but SACK blocks (RFC 2018 3) and timestamps (RFC 7323 3),
 * each behind two NOPs, if any.
 */
static inline bool peer_opts_ok(const struct peer_seg *s)
{
	return s->optlen == (s->ts ? 12 : 0) +
			    (s->num_sacks ? 4 + 8 * s->num_sacks : 0);
}

/*
 * Parse one frame.  1 if it is an XTCP segment from 10.0.0.1 to 10.0.0.2,
 * 0 if it is something else.
 */
static inline int peer_parse(const struct xtcp_peer *p,
			     const unsigned char *f, size_t n,
			     struct peer_seg *s)
{
	const unsigned char *ip = f + PEER_ETH_LEN, *th, *opt;
	unsigned int ihl, tot, hlen, i;

	if (n < PEER_ETH_LEN + PEER_IP_LEN || peer_get16(f + 12) != ETH_P_IP)
		return 0;
	ihl = (ip[0] & 0xf) * 4;
	tot = peer_get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < PEER_IP_LEN || ip[9] != p->proto ||
	    memcmp(ip + 12, &p->xaddr, 4) || memcmp(ip + 16, &p->addr, 4))
		return 0;
	if (tot > n - PEER_ETH_LEN || tot < ihl + PEER_HDR_LEN)
		return 0;
	th = ip + ihl;
	hlen = (th[12] >> 4) * 4;
	if (hlen < PEER_HDR_LEN || hlen > tot - ihl)
		return 0;

	memset(s, 0, offsetof(struct peer_seg, data));
	s->sport = peer_get16(th);
	s->dport = peer_get16(th + 2);
	s->seq = peer_get32(th + 4);
	s->ack = peer_get32(th + 8);
	s->flags = th[13];
	s->win = peer_get16(th + 14);
	s->optlen = hlen - PEER_HDR_LEN;
	s->len = tot - ihl - hlen;
	if (s->len > PEER_MAX_DATA)
		s->len = PEER_MAX_DATA;
	memcpy(s->data, th + hlen, s->len);
	s->df = ip[6] & 0x40;
	s->csum_ok = peer_csum_fold(peer_csum_add(0, ip, ihl)) == 0 &&
		     peer_seg_csum(p->xaddr, p->addr, p->proto, th,
				   tot - ihl) == 0;

	opt = th + PEER_HDR_LEN;
	for (i = 0; i < s->optlen;) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= s->optlen || opt[i + 1] < 2)
			break;
		if (i + opt[i + 1] > s->optlen)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4)
			s->mss = peer_get16(opt + i + 2);
		if (opt[i] == 4 && opt[i + 1] == 2)
			s->sack_perm = true;
		if (opt[i] == 3 && opt[i + 1] == 3) {
			s->ws = true;
			s->wscale = opt[i + 2];
		}
		if (opt[i] == 8 && opt[i + 1] == 10) {
			s->ts = true;
			s->tsval = peer_get32(opt + i + 2);
			s->tsecr = peer_get32(opt + i + 6);
		}
		if (opt[i] == 5 && opt[i + 1] >= 10 &&
		    (opt[i + 1] - 2) % 8 == 0 && opt[i + 1] <= 34) {
			unsigned int b;

			s->num_sacks = (opt[i + 1] - 2) / 8;
			for (b = 0; b < s->num_sacks; b++) {
				s->sacks[b][0] = peer_get32(opt + i + 2 + 8 * b);
				s->sacks[b][1] = peer_get32(opt + i + 6 + 8 * b);
			}
		}
		i += opt[i + 1];
	}
	return 1;
}

/*
 * Finish a checksum left to the device (CHECKSUM_PARTIAL): the segment's
 * checksum field holds the pseudo-header's sum; the sum of the whole
 * segment over it, complemented, is what a device would write.  A wrong
 * pseudo-header sum then fails the check as a wrong checksum would.
 */
static inline void peer_csum_finish(unsigned char *f, size_t n)
{
	unsigned char *ip = f + PEER_ETH_LEN, *th;
	unsigned int ihl, tot;

	if (n < PEER_ETH_LEN + PEER_IP_LEN)
		return;
	ihl = (ip[0] & 0xf) * 4;
	tot = peer_get16(ip + 2);
	if (ihl < PEER_IP_LEN || tot > n - PEER_ETH_LEN ||
	    tot < ihl + PEER_HDR_LEN)
		return;
	th = ip + ihl;
	peer_put16(th + 16, peer_csum_fold(peer_csum_add(0, th, tot - ihl)));
}

/* Room for the control messages a peer frame comes with. */
#define PEER_CMSG_SPACE	(CMSG_SPACE(sizeof(struct tpacket_auxdata)) + \
			 CMSG_SPACE(sizeof(struct timespec)))

/*
 * After a frame of @n bytes came in @frame with @msg's control messages:
 * finish its checksum if it was left to the device, and say so; put the
 * kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME ms, -1 without
 * one) in @when_ms if not NULL.
 */
static inline bool peer_frame_finish(struct msghdr *msg, unsigned char *frame,
				     size_t n, long *when_ms)
{
	bool partial = false;
	struct cmsghdr *c;

	if (when_ms)
		*when_ms = -1;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		struct tpacket_auxdata aux;
		struct timespec ts;

		if (c->cmsg_level == SOL_PACKET &&
		    c->cmsg_type == PACKET_AUXDATA) {
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			partial = aux.tp_status & TP_STATUS_CSUMNOTREADY;
		}
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS && when_ms) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*when_ms = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		}
	}
	if (partial)
		peer_csum_finish(frame, n);
	return partial;
}

/*
 * One frame from the packet socket into @frame, without waiting: its
 * length (0 for one of our own), -1 if none is queued.  *@partial and
 * @when_ms as peer_frame_finish() gives them.
 */
static inline ssize_t peer_read_frame(struct xtcp_peer *p,
				      unsigned char *frame, size_t size,
				      bool *partial, long *when_ms)
{
	char cbuf[PEER_CMSG_SPACE];
	struct iovec iov = { .iov_base = frame, .iov_len = size };
	struct sockaddr_ll from;
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	ssize_t n;

	*partial = false;
	if (when_ms)
		*when_ms = -1;
	n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
	if (n <= 0)
		return -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	*partial = peer_frame_finish(&msg, frame, n, when_ms);
	return n;
}

/*
 * The next XTCP segment to 10.0.0.2, any port, within @timeout_ms.
 * 0 on success, -1 on timeout.
 */
static inline int peer_recv_any(struct xtcp_peer *p, struct peer_seg *s,
				int timeout_ms)
{
	long end = xtcp_now_ms() + timeout_ms;
	unsigned char frame[2048];

	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		long left = end - xtcp_now_ms();
		bool partial;
		ssize_t n;

		n = peer_read_frame(p, frame, sizeof(frame), &partial, NULL);
		if (n >= 0) {
			if (n && peer_parse(p, frame, n, s)) {
				s->csum_partial = partial;
				return 0;
			}
			continue;
		}
		if (left <= 0)
			return -1;
		poll(&pfd, 1, left);
	}
}

/* Note what XTCP's segment tells about its connection block. */
static inline void peer_learn(struct xtcp_peer *p, const struct peer_seg *s)
{
	__u32 end = s->seq + s->len + !!(s->flags & PEER_SYN) +
		    !!(s->flags & PEER_FIN);

	if (s->flags & PEER_RST)
		return;
	/* Timestamps are on if both SYNs carried them (RFC 7323 3.2). */
	if (s->flags & PEER_SYN)
		p->ts_ok = p->ts && s->ts;
	/* So is window scale (RFC 7323 2.2); a SYN's window is unscaled. */
	if (s->flags & PEER_SYN) {
		p->ws_ok = p->ws && s->ws;
		p->xwscale = p->ws_ok ? s->wscale : 0;
	}
	if (s->ts && (p->ts_ok || (s->flags & PEER_SYN)))
		p->ts_recent = s->tsval;
	if ((__s32)(end - p->snd_nxt) > 0)
		p->snd_nxt = end;
	if (s->flags & PEER_ACK)
		p->rcv_wnd = (s->flags & PEER_SYN) ? s->win :
			     (__u32)s->win << p->xwscale;
}

/*
 * The next segment on the peer's connection (to p->port), within
 * @timeout_ms; segments to other ports are logged and dropped.
 */
static inline int peer_recv(struct xtcp_peer *p, struct peer_seg *s,
			    int timeout_ms)
{
	long end = xtcp_now_ms() + timeout_ms;
	char buf[160];

	for (;;) {
		long left = end - xtcp_now_ms();

		if (peer_recv_any(p, s, left > 0 ? left : 0))
			return -1;
		if (s->dport == p->port) {
			s->ts_want = p->ts_ok;
			peer_learn(p, s);
			return 0;
		}
		peer_log("ignored %s", peer_seg_str(s, buf, sizeof(buf)));
	}
}

/*
 * Is @s <SEQ=@seq><ACK=@ack><CTL=@flags> (ACK compared only when @flags
 * has ACK), with good checksums, and no options unless it is a SYN but
 * SACK blocks and, where the connection has them (s->ts_want), but on a
 * RST, timestamps?  0 if so; else -1 and a log line.
 */
static inline int peer_check(const struct peer_seg *s, __u8 flags, __u32 seq,
			     __u32 ack)
{
	char got[160], want[48];

	if (s->flags != flags || s->seq != seq ||
	    ((flags & PEER_ACK) && s->ack != ack) || !s->csum_ok ||
	    (!(flags & PEER_SYN) &&
	     (!peer_opts_ok(s) ||
	      s->ts != (s->ts_want && !(flags & PEER_RST))))) {
		peer_log("got %s", peer_seg_str(s, got, sizeof(got)));
		peer_log("expected <SEQ=%u><ACK=%u><CTL=%s>", seq, ack,
			 peer_flags_str(flags, want, sizeof(want)));
		return -1;
	}
	return 0;
}

/* The next segment on the connection must be the one peer_check() wants. */
static inline int peer_expect(struct xtcp_peer *p, struct peer_seg *s,
			      __u8 flags, __u32 seq, __u32 ack)
{
	char want[48];

	if (peer_recv(p, s, PEER_REPLY_MS)) {
		peer_log("no reply in %d ms; expected <SEQ=%u><ACK=%u><CTL=%s>",
			 PEER_REPLY_MS, seq, ack,
			 peer_flags_str(flags, want, sizeof(want)));
		return -1;
	}
	return peer_check(s, flags, seq, ack);
}

/*
 * The ACK XTCP sends for anything it must acknowledge or challenge:
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, no payload.
 */
static inline int peer_expect_ack(struct xtcp_peer *p)
{
	struct peer_seg s;

	if (peer_expect(p, &s, PEER_ACK, p->snd_nxt, p->rcv_nxt))
		return -1;
	if (s.len) {
		peer_log("the ACK carries %u bytes", s.len);
		return -1;
	}
	return 0;
}

/*
 * A barrier: an ACK to a port nobody listens on, which XTCP must answer
 * with <SEQ=SEG.ACK><CTL=RST>.  XTCP handles the segments of one device
 * in order, so a reply to anything sent before comes in front of that
 * RST.  peer_barrier_send() sends the probe and returns its mark (the
 * SEQ of the RST to come), 0 if it could not be sent.  Each probe costs
 * one NoSocket, one InSegs, one OutSegs and one OutRsts.
 */
static inline __u32 peer_barrier_send(struct xtcp_peer *p)
{
	struct peer_seg b;
	__u32 mark;

	mark = 0x7e570000u + ++p->barrier;
	memset(&b, 0, offsetof(struct peer_seg, data));
	b.sport = PEER_BARRIER_PORT;
	b.dport = PEER_BARRIER_PORT;
	b.seq = 1;
	b.ack = mark;
	b.flags = PEER_ACK;
	b.win = p->win;
	return peer_xmit(p, &b, false) ? 0 : mark;
}

/*
 * Wait for the RST that answers barrier @mark: 0 when it came before any
 * segment of the connection; 1 when a segment of the connection came
 * first (in @s; call again for the next one); -1 when no RST came within
 * @timeout_ms.
 */
static inline int peer_barrier_wait(struct xtcp_peer *p, struct peer_seg *s,
				    __u32 mark, int timeout_ms)
{
	long end = xtcp_now_ms() + timeout_ms;

	for (;;) {
		long left = end - xtcp_now_ms();

		if (peer_recv_any(p, s, left > 0 ? left : 0))
			return -1;
		if (s->dport == PEER_BARRIER_PORT &&
		    s->sport == PEER_BARRIER_PORT &&
		    (s->flags & PEER_RST) && s->seq == mark)
			return 0;
		if (p->port && s->dport == p->port)
			return 1;
	}
}

/* One barrier probe and its wait (see peer_barrier_send()). */
static inline int peer_barrier(struct xtcp_peer *p, struct peer_seg *s,
			       int timeout_ms)
{
	__u32 mark = peer_barrier_send(p);

	if (!mark)
		return -1;
	return peer_barrier_wait(p, s, mark, timeout_ms);
}

/* No reply on the connection, proven by a barrier (peer_barrier()). */
static inline int peer_expect_none(struct xtcp_peer *p)
{
	struct peer_seg s;
	char buf[160];

	switch (peer_barrier(p, &s, PEER_REPLY_MS)) {
	case 0:
		return 0;
	case 1:
		peer_log("expected no reply, got %s",
			 peer_seg_str(&s, buf, sizeof(buf)));
		return -1;
	}
	peer_log("no RST for the barrier probe");
	return -1;
}

/*
 * Send ICMP destination unreachable @code from the peer, quoting a segment
 * 10.0.0.1:xport -> 10.0.0.2:port with SEQ @seq; @mtu is the next-hop MTU
 * of code 4, "fragmentation needed and DF set" (RFC 1191 4).
 */
static inline int peer_send_icmp_unreach(struct xtcp_peer *p, int code,
					 __u32 seq, __u16 mtu)
{
	unsigned char f[PEER_ETH_LEN + 2 * PEER_IP_LEN + 8 + 8];
	unsigned char *ip = f + PEER_ETH_LEN, *icmp = ip + PEER_IP_LEN;
	unsigned char *qip = icmp + 8, *qth = qip + PEER_IP_LEN;

	memset(f, 0, sizeof(f));
	memcpy(f, p->xmac, ETH_ALEN);
	memcpy(f + ETH_ALEN, p->mac, ETH_ALEN);
	peer_put16(f + 12, ETH_P_IP);

	/* The quoted datagram, as XTCP sent it. */
	qip[0] = 0x45;
	peer_put16(qip + 2, PEER_IP_LEN + PEER_HDR_LEN);
	qip[8] = 64;
	qip[9] = p->proto;
	memcpy(qip + 12, &p->xaddr, 4);
	memcpy(qip + 16, &p->addr, 4);
	peer_put16(qip + 10, peer_csum_fold(peer_csum_add(0, qip, PEER_IP_LEN)));
	peer_put16(qth, p->xport);
	peer_put16(qth + 2, p->port);
	peer_put32(qth + 4, seq);

	icmp[0] = 3;	/* destination unreachable */
	icmp[1] = code;
	peer_put16(icmp + 6, mtu);
	peer_put16(icmp + 2, peer_csum_fold(peer_csum_add(0, icmp,
							  8 + PEER_IP_LEN + 8)));

	ip[0] = 0x45;
	peer_put16(ip + 2, sizeof(f) - PEER_ETH_LEN);
	peer_put16(ip + 4, ++p->ip_id);
	ip[8] = 64;
	ip[9] = IPPROTO_ICMP;
	memcpy(ip + 12, &p->addr, 4);
	memcpy(ip + 16, &p->xaddr, 4);
	peer_put16(ip + 10, peer_csum_fold(peer_csum_add(0, ip, PEER_IP_LEN)));
	return send(p->fd, f, sizeof(f), 0) == sizeof(f) ? 0 : -1;
}

/*
 * XTCP has handled everything sent before (peer_barrier()), whatever the
 * connection sent meanwhile, which is passed over.  A segment sent is
 * handled in softirq context, which may run after peer_xmit() returns
 * (in ksoftirqd on a loaded VM): read state it changes only after this.
 */
static inline int peer_settle(struct xtcp_peer *p)
{
	__u32 mark = peer_barrier_send(p);
	struct peer_seg s;
	int ret;

	if (!mark)
		return -1;
	while ((ret = peer_barrier_wait(p, &s, mark, PEER_REPLY_MS)) == 1)
		;
	if (ret)
		peer_log("no RST for the barrier probe");
	return ret;
}

/*
 * Pin to one CPU, enter a fresh network namespace, build the veth pair,
 * open the peer's packet socket, and make sure that segments go both
 * ways: XTCP answers a barrier probe.  Counters therefore start with one NoSocket, InSegs,
 * OutSegs and OutRsts.  0 on success; -1 with a message on stderr.
 */
static inline int peer_setup(struct xtcp_peer *p)
{
	struct peer_seg s;
	cpu_set_t cpus;
	int i;

	/*
	 * Stay on one CPU: frames sent from a CPU are queued to that CPU's
	 * backlog, so a barrier sent after a move could overtake them.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		peer_log("sched_setaffinity: %s", strerror(errno));
		return -1;
	}

	if (peer_make_world(p))
		return -1;
	for (i = 0; i < 10; i++)
		if (!peer_barrier(p, &s, 200))
			return 0;
	peer_log("XTCP does not answer on %s", PEER_XTCP_IF);
	return -1;
}

/* ---- driving the socket under test -------------------------------------- */

/* The state of the connection in /proc/net/xtcp; 0 if it is gone. */
static inline int peer_state(const struct xtcp_peer *p)
{
	return xtcp_proc_state(p->xport, p->port);
}

static inline bool peer_wait_state(const struct xtcp_peer *p, int state)
{
	return xtcp_wait_state(p->xport, p->port, state);
}

/* An XTCP listener on 10.0.0.1:@port; the peer will talk to it. */
static inline int peer_listener(struct xtcp_peer *p, int port)
{
	int fd = xtcp_socket();

	if (fd < 0)
		return -1;
	if (xtcp_bind_to(fd, PEER_XTCP_IP, port) || listen(fd, 8)) {
		peer_log("listener on port %d: %s", port, strerror(errno));
		close(fd);
		return -1;
	}
	p->xport = port;
	return fd;
}

/* XTCP's SYN and SYN,ACK carry MSS = MTU 1500 - 40. */
#define PEER_XTCP_MSS	1460

/*
 * XTCP's SYN options: MSS, then SACK-permitted in NOP, NOP, kind 4, or
 * timestamps in NOP, NOP, kind 8 (SACK-permitted in place of the NOPs
 * when it has both, as Linux lays them out); TSecr 0 on a SYN; window
 * scale in NOP, kind 3, with a shift of at most 14 (RFC 7323 2.3), if
 * any: whether it must be there is for the caller to check.
 */
static inline int peer_check_syn_options(const struct peer_seg *s)
{
	if (s->optlen != 4 + (s->ts ? 12 : s->sack_perm ? 4 : 0) +
			 (s->ws ? 4 : 0) ||
	    s->mss != PEER_XTCP_MSS || (s->ws && s->wscale > 14) ||
	    (s->ts && !(s->flags & PEER_ACK) && s->tsecr)) {
		peer_log("SYN options: %u bytes, MSS %u%s%s TSecr %u%s%u; expected MSS %u",
			 s->optlen, s->mss, s->sack_perm ? ", SACK-permitted" : "",
			 s->ts ? ", TS" : "", s->tsecr, s->ws ? ", WS " : "",
			 s->ws ? s->wscale : 0, PEER_XTCP_MSS);
		return -1;
	}
	return 0;
}

/*
 * LISTEN -> SYN_RCVD: the peer sends <SEQ=IRS><CTL=SYN> with its MSS and
 * expects <SEQ=ISS><ACK=IRS+1><CTL=SYN,ACK>, learning ISS.
 */
static inline int peer_open_syn(struct xtcp_peer *p)
{
	struct peer_seg s;

	if (peer_send(p, PEER_SYN, p->irs, 0, NULL, 0))
		return -1;
	p->rcv_nxt = p->irs + 1;
	if (peer_recv(p, &s, PEER_REPLY_MS)) {
		peer_log("no SYN,ACK for the SYN");
		return -1;
	}
	p->iss = s.seq;
	p->snd_una = s.seq;
	p->snd_nxt = s.seq + 1;
	if (peer_check(&s, PEER_SYN | PEER_ACK, p->iss, p->rcv_nxt) ||
	    peer_check_syn_options(&s))
		return -1;
	if (!s.win) {
		peer_log("the SYN,ACK offers a zero window");
		return -1;
	}
	return 0;
}

/* SYN_RCVD -> ESTABLISHED: the peer acknowledges the SYN,ACK. */
static inline int peer_open_ack(struct xtcp_peer *p)
{
	if (peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0))
		return -1;
	p->snd_una = p->snd_nxt;
	return 0;
}

/* accept() with a bound on the wait; the new fd or -1. */
static inline int peer_accept(int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, XTCP_WAIT_MS) != 1) {
		peer_log("nothing to accept in %d ms", XTCP_WAIT_MS);
		return -1;
	}
	return accept(lfd, NULL, NULL);
}

/*
 * A passive open by the peer: listener on @xport, handshake, accept().
 * Returns the accepted fd, the listener in *lfd; -1 on failure.
 */
static inline int peer_open_passive(struct xtcp_peer *p, int xport, int *lfd)
{
	int afd;

	*lfd = peer_listener(p, xport);
	if (*lfd < 0)
		return -1;
	if (peer_open_syn(p) || peer_open_ack(p))
		return -1;
	afd = peer_accept(*lfd);
	if (afd < 0)
		return -1;
	if (!peer_wait_state(p, XTCP_ESTABLISHED)) {
		peer_log("the accepted connection is in state %d",
			 peer_state(p));
		close(afd);
		return -1;
	}
	return afd;
}

/*
 * XTCP's socket @fd, whose local port will be p->xport, connect()s
 * without blocking to the peer, and the peer reads its SYN, learning ISS.
 * 0, or -1 with a message.
 */
static inline int peer_connect_fd(struct xtcp_peer *p, int fd)
{
	struct peer_seg s;

	if (fcntl(fd, F_SETFL, O_NONBLOCK)) {
		peer_log("O_NONBLOCK: %s", strerror(errno));
		return -1;
	}
	if (!xtcp_connect_to(fd, PEER_IP, p->port) || errno != EINPROGRESS) {
		peer_log("non-blocking connect: %s", strerror(errno));
		return -1;
	}
	if (peer_recv(p, &s, PEER_REPLY_MS)) {
		peer_log("no SYN from connect()");
		return -1;
	}
	if (s.sport != p->xport) {
		peer_log("SYN from port %u, not %u", s.sport, p->xport);
		return -1;
	}
	p->iss = s.seq;
	p->snd_una = s.seq;
	p->snd_nxt = s.seq + 1;
	if (peer_check(&s, PEER_SYN, p->iss, 0) ||
	    peer_check_syn_options(&s))
		return -1;
	return 0;
}

/*
 * An active open by XTCP: a socket bound to 10.0.0.1:@xport connect()s,
 * without blocking, to the peer, and the peer reads its SYN, learning ISS.
 * Returns the socket (left non-blocking) or -1.
 */
static inline int peer_connect(struct xtcp_peer *p, int xport)
{
	int fd;

	fd = xtcp_socket();
	if (fd < 0)
		return -1;
	if (xtcp_bind_to(fd, PEER_XTCP_IP, xport)) {
		peer_log("bind to port %d: %s", xport, strerror(errno));
		goto fail;
	}
	p->xport = xport;
	if (peer_connect_fd(p, fd))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * Simultaneous open: connect(), then the peer's own SYN crosses ours and
 * XTCP answers <SEQ=ISS><ACK=IRS+1><CTL=SYN,ACK> from SYN_RCVD.
 */
static inline int peer_connect_simultaneous(struct xtcp_peer *p, int xport)
{
	struct peer_seg s;
	int fd = peer_connect(p, xport);

	if (fd < 0)
		return -1;
	if (peer_send(p, PEER_SYN, p->irs, 0, NULL, 0))
		goto fail;
	p->rcv_nxt = p->irs + 1;
	if (peer_expect(p, &s, PEER_SYN | PEER_ACK, p->iss, p->irs + 1))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * SYN_SENT -> ESTABLISHED: the peer answers <SEQ=IRS><ACK=ISS+1>
 * <CTL=SYN,ACK> and expects <SEQ=ISS+1><ACK=IRS+1><CTL=ACK>.
 */
static inline int peer_open_synack(struct xtcp_peer *p)
{
	struct peer_seg s;

	if (peer_send(p, PEER_SYN | PEER_ACK, p->irs, p->iss + 1, NULL, 0))
		return -1;
	p->rcv_nxt = p->irs + 1;
	p->snd_una = p->iss + 1;
	return peer_expect(p, &s, PEER_ACK, p->iss + 1, p->irs + 1);
}

/* An active open by XTCP, to ESTABLISHED.  The socket, or -1. */
static inline int peer_open_active(struct xtcp_peer *p, int xport)
{
	int fd = peer_connect(p, xport);

	if (fd < 0)
		return -1;
	if (peer_open_synack(p) || !peer_wait_state(p, XTCP_ESTABLISHED)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The peer sends its FIN, <SEQ=RCV.NXT><ACK=@ack><CTL=FIN,ACK>, and
 * expects XTCP to acknowledge it: <SEQ=SND.NXT><ACK=RCV.NXT+1>.
 */
static inline int peer_fin(struct xtcp_peer *p, __u32 ack)
{
	struct peer_seg s;

	if (peer_send(p, PEER_FIN | PEER_ACK, p->rcv_nxt, ack, NULL, 0))
		return -1;
	p->rcv_nxt++;
	if ((__s32)(ack - p->snd_una) > 0)
		p->snd_una = ack;
	return peer_expect(p, &s, PEER_ACK, p->snd_nxt, p->rcv_nxt);
}

/*
 * XTCP closes its sending side (close() or shutdown() done by the
 * caller): expect <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK>.
 */
static inline int peer_expect_fin(struct xtcp_peer *p)
{
	struct peer_seg s;

	return peer_expect(p, &s, PEER_FIN | PEER_ACK, p->snd_nxt,
			   p->rcv_nxt);
}

/* The user side: wait, bounded, for something to read, then read it. */
static inline ssize_t peer_user_recv(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, PEER_REPLY_MS) != 1) {
		errno = EAGAIN;
		return -1;
	}
	return recv(fd, buf, len, MSG_DONTWAIT);
}

/* SO_ERROR of @fd: the pending error, which reading clears. */
static inline int peer_so_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

/* Bytes the user could read now (SIOCINQ), or -1. */
static inline int peer_user_inq(int fd)
{
	int n = -1;

	if (ioctl(fd, FIONREAD, &n))
		return -1;
	return n;
}

/*
 * XTCP as a sender to the peer, which offers a window of 65535 and takes
 * segments of @mss: a passive open on @xport from the peer's @pport, then
 * @len bytes of text queued with send().  Returns the accepted socket or
 * -1; *@lfd gets the listener.  The peer's snd_nxt is XTCP's SND.UNA
 * before the text.
 */
static inline int peer_open_sender(struct xtcp_peer *p, int xport, int pport,
				   int mss, size_t len, int *lfd)
{
	static char text[1 << 16];
	int fd, sndbuf = 1 << 20;

	if (len > sizeof(text))
		return -1;
	p->port = pport;
	p->mss = mss;
	p->win = 65535;
	fd = peer_open_passive(p, xport, lfd);
	if (fd < 0)
		return -1;
	/*
	 * The text is queued at once, in segments of @mss that cost a page
	 * each: the send buffer a connection starts with (net.xtcp.wmem,
	 * grown for the initial window) would make send() wait for ACKs
	 * that the script sends only later.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf))) {
		peer_log("SO_SNDBUF: %s", strerror(errno));
		close(fd);
		return -1;
	}
	memset(text, 'x', len);
	if (send(fd, text, len, 0) != (ssize_t)len) {
		peer_log("send of %zu bytes: %s", len, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The next @n segments from XTCP: @size bytes each, in order from @seq. */
static inline int peer_expect_run(struct xtcp_peer *p, __u32 seq, int n,
				  unsigned int size)
{
	struct peer_seg s;
	int i;

	for (i = 0; i < n; i++) {
		if (peer_recv(p, &s, PEER_REPLY_MS)) {
			peer_log("segment %d of %d did not come", i + 1, n);
			return -1;
		}
		if (s.seq != seq + i * size || s.len != size) {
			peer_log("segment %d: SEQ %u len %u, expected %u len %u",
				 i + 1, s.seq, s.len, seq + i * size, size);
			return -1;
		}
	}
	return 0;
}

#endif /* _XTCP_PEER_H */
