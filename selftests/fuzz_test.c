// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile segments: a fuzzer that sends random and mutated segments at
 * XTCP through the segment-level peer (xtcp_peer.h), at a listener and at
 * connections held in every state the peer can reach.
 *
 * Frames are built here byte by byte (Ethernet, IPv4, raw XTCP bytes), so
 * that the data offset, the options, the IP total length and the checksum
 * can be anything.  For every frame the fuzzer predicts, as XTCP's input
 * validation must decide it, whether IP drops it (total length beyond the
 * frame), whether XTCP must drop it as malformed (InErrs) or for its
 * checksum (InCsumErrors and InErrs), or whether it is a well-formed
 * segment; after each batch, ended by a barrier, /proc/net/xtcp_snmp must
 * have moved by exactly the prediction.  And every segment XTCP sends,
 * to any port, must have right checksums and options only on a SYN.
 *
 * Well-formed segments take every combination of the six control bits in
 * turn, with the reserved bits set at random, and SEQ and ACK at and
 * around the window edges the peer knows: RCV.NXT-1, RCV.NXT,
 * RCV.NXT+RCV.WND-1, RCV.NXT+RCV.WND, SND.UNA-1, SND.UNA, SND.NXT,
 * SND.NXT+1, SND.UNA-MAX.SND.WND and far away.
 *
 * The tests.  One per target state (listen ... time_wait) fuzzes a
 * connection held in that state, and builds a new one as soon as the
 * fuzzing moved it elsewhere.  established__out_of_window__survives_
 * moves_data sends only what ESTABLISHED must drop (outside the window,
 * an inexact RST, a SYN, no ACK bit, an unacceptable ACK, malformed
 * frames): every reply must be <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>,
 * nothing may move, and then data must flow both ways, intact.
 * malformed__dropped_counted_exactly sends each kind of malformed frame
 * in known numbers: no reply, exact counts, the connection unharmed.
 * options__parsed_within_the_header checks the MSS that XTCP takes from
 * odd option blocks on SYN and SYN,ACK, and that options on data are not
 * data.  total_segments checks the program's total.
 *
 * Environment: XTCP_FUZZ_SEGMENTS (default 200000, over the whole
 * program), XTCP_FUZZ_SEED (default fixed; printed by every test),
 * XTCP_FUZZ_WORKERS (default 2 when there are two CPUs: each state test
 * splits its share between two workers, see fz_run_state()).  Every
 * test draws from its own generator, seeded from the seed and its name:
 * the same seed makes the same choices again (SEQ and ACK relative to the
 * ISS the kernel picks), and a failure names the batch and its frames.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT		5000	/* the passive side's listener */
#define PPORT		40000	/* the peer's port in the options test */
#define FZ_PORT_LO	20000	/* ports handed out to new connections */
#define FZ_PORT_HI	65000
#define FZ_SEGMENTS	200000
#define FZ_SEED		0x58544350u
#define FZ_SEG_MAX	1480	/* XTCP bytes in one frame: MTU 1500 - IP */
#define FZ_DATA_MAX	1400
#define FZ_BATCH	128
#define FZ_LISTEN_BATCH	256
#define FZ_DRAIN	16	/* read replies every so many frames */
#define FZ_CHUNK	32	/* look at the state every so many frames */
#define FZ_FRAME_MAX	(PEER_ETH_LEN + PEER_IP_LEN + FZ_SEG_MAX + 64)
#define FZ_MSL_MS	1000	/* TIME_WAIT lasts 2 s in the fuzz tests */
#define FZ_TIMEOUT	600	/* seconds, the bound of one fuzz test (debug kernel) */

/*
 * Shares of XTCP_FUZZ_SEGMENTS: each state fuzzer and the survival test
 * FZ_W_STATE, the malformed-frame test FZ_W_MALFORMED.
 */
#define FZ_W_STATE	2
#define FZ_W_MALFORMED	1
#define FZ_N_STATES	11
#define FZ_W_TOTAL	(FZ_W_STATE * (FZ_N_STATES + 1) + FZ_W_MALFORMED)
#define FZ_N_TESTS	(FZ_N_STATES + 3)	/* the tests that send */

/* What the fuzzer sent, over all tests (they run in child processes). */
struct fz_shared {
	long	sent;
	int	tests;
	long	worker_sent;	/* the second worker's frames, this test */
};

static struct fz_shared *fz_shm;
static long fz_total = FZ_SEGMENTS;
static unsigned long long fz_seed = FZ_SEED;
static int fz_workers;

static void __attribute__((constructor)) fz_init(void)
{
	const char *s;

	s = getenv("XTCP_FUZZ_SEGMENTS");
	if (s && *s)
		fz_total = strtol(s, NULL, 0);
	s = getenv("XTCP_FUZZ_SEED");
	if (s && *s)
		fz_seed = strtoull(s, NULL, 0);
	/* A worker per CPU, at most two (see fz_run_state()). */
	s = getenv("XTCP_FUZZ_WORKERS");
	fz_workers = s && *s ? atoi(s) : sysconf(_SC_NPROCESSORS_ONLN);
	fz_shm = mmap(NULL, sizeof(*fz_shm), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_shm == MAP_FAILED)
		fz_shm = NULL;
	fz_workers = fz_workers > 1 && fz_shm ? 2 : 1;
}

/* ---- the fuzzer's state ------------------------------------------------- */

/* Counter deltas, predicted or seen. */
struct fz_count {
	long long insegs;
	long long inerrs;
	long long csum;
};

/* A frame as XTCP's side of the veth will see it. */
struct fz_frame {
	unsigned char b[FZ_SEG_MAX + 64];	/* XTCP bytes, then padding */
	unsigned int seglen;	/* XTCP bytes the right IP length covers */
	unsigned int pad;	/* bytes in the frame after those */
	int ip_delta;		/* IP total length = 20 + seglen + this */
};

/* The fields of a well-formed segment. */
struct fz_seg {
	__u16	sport;
	__u16	dport;
	__u32	seq;
	__u32	ack;
	__u8	flags;		/* all eight bits of byte 13 */
	__u8	resv;		/* the four reserved bits of byte 12 */
	__u16	win;
	__u16	urp;
	unsigned char opt[40];
	unsigned int optlen;	/* a multiple of 4 */
	unsigned int len;	/* payload bytes */
	const unsigned char *data;	/* NULL: random */
};

/* How XTCP's input must take a frame (module/input.c, xtcp_validate()). */
enum fz_class {
	FZ_OK,		/* a segment: InSegs */
	FZ_ERR,		/* too short, bad data offset: InSegs, InErrs */
	FZ_CSUM,	/* bad checksum: InSegs, InErrs, InCsumErrors */
	FZ_IPDROP,	/* IP drops it first (length beyond the frame) */
};

enum fz_target {
	FZ_LISTEN,
	FZ_SYN_SENT,
	FZ_SYN_RCVD,		/* passive: a listener's child */
	FZ_SYN_RCVD_SIM,	/* active: simultaneous open */
	FZ_ESTABLISHED,
	FZ_FIN_WAIT1,		/* orphans from here on, but CLOSE_WAIT */
	FZ_FIN_WAIT2,
	FZ_CLOSE_WAIT,
	FZ_LAST_ACK,
	FZ_CLOSING,
	FZ_TIME_WAIT,
};

struct fz {
	struct xtcp_peer p;
	unsigned long long rng;
	enum fz_target target;
	int state;		/* the XTCP state, FZ_TARGET */
	int lfd;		/* listener on XPORT */
	int fd;			/* the connection's socket, -1 for orphans */
	__u16 next_port;
	bool survive;		/* only segments ESTABLISHED must survive */
	unsigned long k;	/* well-formed segments: flags k % 64 */
	long sent;		/* frames the fuzzer sent */
	long t0;		/* when the test began, ms */
	long t_build, t_send, t_check;	/* ms spent in each */
	long ipdrop, rebuilds, batches, replies;
	long bad_replies;	/* survival: a reply other than the ACK */
	long bad_out;		/* a bad checksum, options on a non-SYN */
	__u32 max_wnd;		/* MAX.SND.WND as the peer made it */
	struct fz_count exp;	/* predicted since the last check */
	struct fz_count base;
	bool based;		/* base is the count after the last batch */
	bool queue;		/* queue frames for one sendmmsg() */
	int worker;		/* 0, or 1 in the second worker */
	unsigned int qn;	/* frames queued */
	unsigned int flags_seen[64];	/* per combination, well-formed */
};

static __u64 fz_next(struct fz *f)
{
	__u64 z = (f->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static __u32 fz_rand(struct fz *f, __u32 n)
{
	return n ? (__u32)(((fz_next(f) >> 32) * n) >> 32) : 0;
}

static void fz_fill(struct fz *f, unsigned char *b, unsigned int len)
{
	unsigned int i;
	__u64 r = 0;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			r = fz_next(f);
		b[i] = r;
		r >>= 8;
	}
}

static void fz_seed_for(struct fz *f, const char *name)
{
	__u64 h = 1469598103934665603ull;	/* FNV-1a of the name */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ull;
	f->rng = fz_seed ^ h;
}

static __u16 fz_new_port(struct fz *f)
{
	if (f->next_port < FZ_PORT_LO || f->next_port >= FZ_PORT_HI)
		f->next_port = FZ_PORT_LO;
	return f->next_port++;
}

/*
 * A new port for the peer's side of a passive open: one that no
 * connection to XPORT uses yet (a mutant may have opened one).
 */
static __u16 fz_passive_port(struct fz *f)
{
	__u16 port;

	do {
		port = fz_new_port(f);
	} while (xtcp_proc_state(XPORT, port) != 0);
	return port;
}

/* The three counters, in one read of /proc/net/xtcp_snmp. */
static int fz_counters(struct fz_count *c)
{
	FILE *fp = fopen("/proc/net/xtcp_snmp", "r");
	char names[8192], values[8192];
	int found = 0;

	if (!fp)
		return -1;
	while (fgets(names, sizeof(names), fp) &&
	       fgets(values, sizeof(values), fp)) {
		char *ns, *vs, *n, *v;

		n = strtok_r(names, "\n ", &ns);
		v = strtok_r(values, "\n ", &vs);
		while (n && v) {
			if (!strcmp(n, "InSegs")) {
				c->insegs = atoll(v);
				found |= 1;
			} else if (!strcmp(n, "InErrs")) {
				c->inerrs = atoll(v);
				found |= 2;
			} else if (!strcmp(n, "InCsumErrors")) {
				c->csum = atoll(v);
				found |= 4;
			}
			n = strtok_r(NULL, "\n ", &ns);
			v = strtok_r(NULL, "\n ", &vs);
		}
	}
	fclose(fp);
	return found == 7 ? 0 : -1;
}

static int fz_info(int fd, struct xtcp_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_XTCP, XTCP_INFO, info, &len);
}

/* ---- frames ------------------------------------------------------------- */

static __u16 fz_csum(const struct fz *f, const unsigned char *b,
		     unsigned int n)
{
	return peer_seg_csum(f->p.addr, f->p.xaddr, f->p.proto, b, n);
}

/* Make the checksum right for the first @n bytes (n >= 18). */
static void fz_fix_csum(const struct fz *f, unsigned char *b, unsigned int n)
{
	b[16] = 0;
	b[17] = 0;
	peer_put16(b + 16, fz_csum(f, b, n));
}

/* What XTCP's side must make of @fr: the model of xtcp_validate(). */
static enum fz_class fz_classify(const struct fz *f, const struct fz_frame *fr)
{
	long tot = (long)fr->seglen + fr->ip_delta;
	unsigned int xlen, doff;

	if (tot > (long)(fr->seglen + fr->pad))
		return FZ_IPDROP;
	xlen = tot;
	if (xlen < PEER_HDR_LEN)
		return FZ_ERR;
	doff = (fr->b[12] >> 4) * 4;
	if (doff < PEER_HDR_LEN || doff > xlen)
		return FZ_ERR;
	return fz_csum(f, fr->b, xlen) ? FZ_CSUM : FZ_OK;
}

/*
 * Frames queued for one sendmmsg(), and replies read by one recvmmsg():
 * under TCG a system call costs as much as a segment.
 */
static unsigned char fz_qbuf[FZ_DRAIN][FZ_FRAME_MAX];
static struct mmsghdr fz_qmsg[FZ_DRAIN];
static struct iovec fz_qiov[FZ_DRAIN];

static int fz_flush(struct fz *f)
{
	unsigned int done = 0;
	int n;

	while (done < f->qn) {
		n = sendmmsg(f->p.fd, fz_qmsg + done, f->qn - done, 0);
		if (n <= 0) {
			peer_log("sendmmsg: %s", strerror(errno));
			f->qn = 0;
			return -1;
		}
		done += n;
	}
	f->qn = 0;
	return 0;
}

/* Ethernet + IPv4 (right but for its total length) + the XTCP bytes. */
static int fz_xmit(struct fz *f, const struct fz_frame *fr)
{
	unsigned char *frame = fz_qbuf[f->qn];
	unsigned char *ip = frame + PEER_ETH_LEN;
	unsigned int len = fr->seglen + fr->pad;
	long tot = PEER_IP_LEN + (long)fr->seglen + fr->ip_delta;
	size_t n = PEER_ETH_LEN + PEER_IP_LEN + len;

	if (len > sizeof(fr->b) || tot < PEER_IP_LEN || tot > 0xffff)
		return -1;
	memcpy(frame, f->p.xmac, ETH_ALEN);
	memcpy(frame + ETH_ALEN, f->p.mac, ETH_ALEN);
	peer_put16(frame + 12, ETH_P_IP);
	memset(ip, 0, PEER_IP_LEN);
	ip[0] = 0x45;
	peer_put16(ip + 2, tot);
	peer_put16(ip + 4, ++f->p.ip_id);
	peer_put16(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = f->p.proto;
	memcpy(ip + 12, &f->p.addr, 4);
	memcpy(ip + 16, &f->p.xaddr, 4);
	peer_put16(ip + 10, peer_csum_fold(peer_csum_add(0, ip, PEER_IP_LEN)));
	memcpy(ip + PEER_IP_LEN, fr->b, len);
	fz_qiov[f->qn].iov_base = frame;
	fz_qiov[f->qn].iov_len = n;
	memset(&fz_qmsg[f->qn], 0, sizeof(fz_qmsg[0]));
	fz_qmsg[f->qn].msg_hdr.msg_iov = &fz_qiov[f->qn];
	fz_qmsg[f->qn].msg_hdr.msg_iovlen = 1;
	f->qn++;
	if (f->queue && f->qn < FZ_DRAIN)
		return 0;
	return fz_flush(f);
}

/* Send @fr and add what XTCP must count for it to the prediction. */
static int fz_send(struct fz *f, const struct fz_frame *fr)
{
	enum fz_class c = fz_classify(f, fr);

	if (fz_xmit(f, fr))
		return -1;
	f->sent++;
	if (c == FZ_IPDROP) {
		f->ipdrop++;
		return 0;
	}
	f->exp.insegs++;
	if (c != FZ_OK)
		f->exp.inerrs++;
	if (c == FZ_CSUM)
		f->exp.csum++;
	return 0;
}

/* Lay out @s in @fr, checksum right. */
static void fz_build(struct fz *f, struct fz_frame *fr,
		     const struct fz_seg *s)
{
	unsigned char *b = fr->b;
	unsigned int hlen = PEER_HDR_LEN + s->optlen;

	memset(b, 0, hlen);
	peer_put16(b, s->sport);
	peer_put16(b + 2, s->dport);
	peer_put32(b + 4, s->seq);
	peer_put32(b + 8, s->ack);
	b[12] = (hlen / 4) << 4 | (s->resv & 0x0f);
	b[13] = s->flags;
	peer_put16(b + 14, s->win);
	peer_put16(b + 18, s->urp);
	memcpy(b + PEER_HDR_LEN, s->opt, s->optlen);
	if (s->data)
		memcpy(b + hlen, s->data, s->len);
	else
		fz_fill(f, b + hlen, s->len);
	fr->seglen = hlen + s->len;
	fr->pad = 0;
	fr->ip_delta = 0;
	fz_fix_csum(f, b, fr->seglen);
}

/* ---- options ------------------------------------------------------------ */

/*
 * Option blocks, each with the MSS XTCP must then use towards the peer
 * (-1: either of the two MSS options in it): the MSS option if one is
 * found before anything malformed, else the RFC 9293 3.7.1 default of
 * 536; at least 88 and at most what the 1500-byte MTU allows; less the
 * 12 bytes of timestamps every segment then carries when the block has
 * that option (XTCP uses them on the connection, RFC 7323).
 */
struct fz_opt {
	const char *name;
	unsigned char b[40];
	unsigned int len;
	int mss;
};

static const struct fz_opt fz_opts[] = {
	{ "none", { 0 }, 0, 536 },
	{ "mss 1000", { 2, 4, 0x03, 0xe8 }, 4, 1000 },
	{ "mss 0", { 2, 4, 0, 0 }, 4, 536 },
	{ "mss 1", { 2, 4, 0, 1 }, 4, 88 },
	{ "mss 65535", { 2, 4, 0xff, 0xff }, 4, 1460 },
	{ "mss length 0", { 2, 0, 0x03, 0xe8 }, 4, 536 },
	{ "mss length 1", { 2, 1, 0x03, 0xe8 }, 4, 536 },
	{ "mss length 255", { 2, 255, 0x03, 0xe8 }, 4, 536 },
	{ "mss length 5", { 2, 5, 0x03, 0xe8, 0, 1, 1, 1 }, 8, 536 },
	{ "mss kind at the end", { 1, 1, 1, 2 }, 4, 536 },
	{ "mss cut by the data offset", { 1, 1, 2, 4 }, 4, 536 },
	{ "mss twice", { 2, 4, 0x03, 0xe8, 2, 4, 0x04, 0xb0 }, 8, -1 },
	{ "eol then mss", { 0, 0, 0, 0, 2, 4, 0x03, 0xe8 }, 8, 536 },
	{ "nops then mss", { [0 ... 35] = 1, 2, 4, 0x03, 0xe8 }, 40, 1000 },
	{ "40 nops", { [0 ... 39] = 1 }, 40, 536 },
	{ "40 eols", { 0 }, 40, 536 },
	{ "unknown then mss", { 99, 6, 1, 2, 3, 4, 2, 4, 0x03, 0xe8, 1, 1 },
	  12, 1000 },
	{ "ws, sack-perm, ts, mss", { 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0,
				      0, 0, 2, 4, 0x03, 0xe8, 1 }, 20,
	  1000 - 12 },
	{ "unknown length 0", { 99, 0, 2, 4, 0x03, 0xe8, 1, 1 }, 8, 536 },
	{ "unknown runs off", { 99, 40, 2, 4, 0x03, 0xe8, 1, 1 }, 8, 536 },
};

#define FZ_N_OPTS	ARRAY_SIZE(fz_opts)

/* Has @o a timestamps option before anything malformed? */
static bool fz_opt_ts(const struct fz_opt *o)
{
	unsigned int i = 0;

	while (i < o->len && o->b[i]) {
		if (o->b[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= o->len || o->b[i + 1] < 2 ||
		    i + o->b[i + 1] > o->len)
			break;
		if (o->b[i] == 8 && o->b[i + 1] == 10)
			return true;
		i += o->b[i + 1];
	}
	return false;
}

static void fz_random_opts(struct fz *f, struct fz_seg *s)
{
	if (fz_rand(f, 3)) {
		const struct fz_opt *o = &fz_opts[fz_rand(f, FZ_N_OPTS)];

		memcpy(s->opt, o->b, o->len);
		s->optlen = o->len;
	} else {
		s->optlen = 4 * (1 + fz_rand(f, 10));
		fz_fill(f, s->opt, s->optlen);
	}
}

/* ---- replies ------------------------------------------------------------ */

/*
 * What XTCP's segment tells of its connection block: <SEQ=SND.NXT>
 * <ACK=RCV.NXT> and its window (RFC 9293 3.10.7.4).  In survival mode
 * every reply on the connection must be exactly that ACK.
 */
static void fz_learn(struct fz *f, const struct peer_seg *s)
{
	struct xtcp_peer *p = &f->p;
	char buf[160];
	__u32 end;

	/* Whatever XTCP sends, to any port, is well-formed. */
	if (!s->csum_ok || (!peer_opts_ok(s) && !(s->flags & PEER_SYN))) {
		if (!f->bad_out++)
			peer_log("XTCP sent %s",
				 peer_seg_str(s, buf, sizeof(buf)));
	}
	if (s->dport != p->port || s->sport != p->xport)
		return;
	f->replies++;
	if (f->survive &&
	    (s->flags != PEER_ACK || s->seq != p->snd_nxt ||
	     s->ack != p->rcv_nxt || s->len || !s->csum_ok)) {
		if (!f->bad_replies++)
			peer_log("unexpected %s",
				 peer_seg_str(s, buf, sizeof(buf)));
		return;
	}
	if (s->flags & PEER_RST)
		return;
	if (s->flags & PEER_SYN)
		p->iss = s->seq;
	end = s->seq + s->len + !!(s->flags & PEER_SYN) +
	      !!(s->flags & PEER_FIN);
	if ((__s32)(end - p->snd_nxt) > 0)
		p->snd_nxt = end;
	if (s->flags & PEER_ACK) {
		p->rcv_nxt = s->ack;
		p->rcv_wnd = s->win;
	}
}

/* Read whatever XTCP sent so far, without waiting; how many segments. */
static int fz_drain(struct fz *f)
{
	static unsigned char buf[32][2048];
	static char cbuf[32][PEER_CMSG_SPACE];
	static struct sockaddr_ll from[32];
	struct mmsghdr msg[32];
	struct iovec iov[32];
	struct peer_seg s;
	int i, n, segs = 0;

	fz_flush(f);
	do {
		memset(msg, 0, sizeof(msg));
		for (i = 0; i < 32; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msg[i].msg_hdr.msg_control = cbuf[i];
			msg[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
		}
		n = recvmmsg(f->p.fd, msg, 32, MSG_DONTWAIT, NULL);
		for (i = 0; i < n; i++) {
			if (from[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			peer_frame_finish(&msg[i].msg_hdr, buf[i],
					  msg[i].msg_len, NULL);
			if (peer_parse(&f->p, buf[i], msg[i].msg_len, &s)) {
				fz_learn(f, &s);
				segs++;
			}
		}
	} while (n == 32);
	return segs;
}

/*
 * A barrier (peer_barrier(), with every reply before it learnt from):
 * XTCP handles the segments sent from one CPU in order (the fixture pins
 * the test), so its RST comes after its answers to everything before.  0 when it came; *@before is
 * the number of XTCP segments that came first.
 */
static int fz_sync(struct fz *f, int *before)
{
	struct xtcp_peer *p = &f->p;
	long end = xtcp_now_ms() + 2 * PEER_REPLY_MS;
	struct peer_seg s;
	__u32 mark;
	int n;

	/* flush the queue; what came so far came before the barrier */
	n = fz_drain(f);
	if (before)
		*before = n;
	mark = peer_barrier_send(p);
	if (!mark)
		return -1;
	f->exp.insegs++;
	for (;;) {
		long left = end - xtcp_now_ms();

		if (peer_recv_any(p, &s, left > 0 ? left : 0)) {
			peer_log("no RST for barrier %u", mark);
			return -1;
		}
		if (s.dport == PEER_BARRIER_PORT &&
		    s.sport == PEER_BARRIER_PORT &&
		    (s.flags & PEER_RST) && s.seq == mark)
			return 0;
		if (before)
			(*before)++;
		fz_learn(f, &s);
	}
}

/* Where frames went missing: IP, the devices, the backlog queues. */
static void fz_dump_drops(void)
{
	static const char *const files[] = {
		"/proc/net/snmp", "/proc/net/dev", "/proc/net/softnet_stat",
	};
	char line[512];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		FILE *fp = fopen(files[i], "r");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp))
			if (strncmp(line, "Icmp", 4) && strncmp(line, "Udp", 3) &&
			    strncmp(line, "Tcp", 3))
				fprintf(stderr, "# %s: %s", files[i], line);
		fclose(fp);
	}
}

/*
 * Start a batch: the counters now are the base of the prediction.  What
 * the last batch ended with serves, unless other segments were sent since
 * (f->based cleared).
 */
static int fz_begin(struct fz *f)
{
	memset(&f->exp, 0, sizeof(f->exp));
	if (f->based)
		return 0;
	return fz_counters(&f->base);
}

/*
 * End a batch: a barrier, then the counters must have moved exactly as
 * predicted.  0 if so.
 */
static int fz_check(struct fz *f, int *before)
{
	struct fz_count now;

	if (fz_sync(f, before) || fz_counters(&now))
		return -1;
	f->batches++;
	if (f->bad_out)
		return -1;
	if (now.insegs - f->base.insegs != f->exp.insegs ||
	    now.inerrs - f->base.inerrs != f->exp.inerrs ||
	    now.csum - f->base.csum != f->exp.csum) {
		peer_log("batch %ld: InSegs/InErrs/InCsumErrors %s",
			 f->batches, "moved by");
		peer_log("  +%lld/%lld/%lld, expected +%lld/%lld/%lld",
			 now.insegs - f->base.insegs,
			 now.inerrs - f->base.inerrs, now.csum - f->base.csum,
			 f->exp.insegs, f->exp.inerrs, f->exp.csum);
		fz_dump_drops();
		return -1;
	}
	f->base = now;
	f->based = true;
	return 0;
}

/* ---- the generator ------------------------------------------------------ */

/* SEQ at or around an edge of the receive window the peer knows. */
static __u32 fz_pick_seq(struct fz *f, unsigned int len)
{
	const struct xtcp_peer *p = &f->p;
	__u32 nxt = p->rcv_nxt, wnd = p->rcv_wnd;

	switch (fz_rand(f, 16)) {
	case 0: return nxt - 1;
	case 1: case 2: return nxt;
	case 3: return nxt + 1;
	case 4: return nxt + wnd - 1;
	case 5: return nxt + wnd;
	case 6: return nxt + wnd + 1;
	case 7: return nxt - len;		/* ends at the left edge */
	case 8: return nxt - len + 1;		/* straddles it */
	case 9: return nxt + wnd - len;		/* ends at the right edge */
	case 10: return nxt + wnd - len + 1;	/* straddles it */
	case 11: return nxt + 0x40000000u;
	case 12: return nxt + 0x80000000u;
	case 13: return p->irs;
	case 14: return nxt - 0x7fffffffu;
	}
	return fz_next(f);
}

/* ACK at or around the edges of the send window the peer knows. */
static __u32 fz_pick_ack(struct fz *f)
{
	const struct xtcp_peer *p = &f->p;
	__u32 una = p->snd_una, nxt = p->snd_nxt;

	switch (fz_rand(f, 17)) {
	case 0: return una - 1;
	case 1: return una;
	case 2: return una + 1;
	case 3: return nxt - 1;
	case 4: case 5: return nxt;
	case 6: return nxt + 1;
	case 7: return una - f->max_wnd;	/* oldest acceptable */
	case 8: return una - f->max_wnd - 1;
	case 9: return una - 65535;
	case 10: return una - 65536;
	case 11: return p->iss;
	case 12: return p->iss + 1;
	case 13: return nxt + 0x40000000u;
	case 14: return 0;
	case 15: return nxt + 0x80000000u;
	}
	return fz_next(f);
}

static unsigned int fz_pick_len(struct fz *f)
{
	unsigned int wnd = f->p.rcv_wnd;

	switch (fz_rand(f, 8)) {
	case 0: case 1: case 2: case 3:
		return 0;
	case 4:
		return 1;
	case 5:
		/* around the window size */
		wnd += fz_rand(f, 3);
		wnd = wnd ? wnd - 1 : 0;
		return wnd > FZ_DATA_MAX ? FZ_DATA_MAX - fz_rand(f, 2) : wnd;
	}
	return 1 + fz_rand(f, FZ_DATA_MAX);
}

static __u16 fz_pick_win(struct fz *f)
{
	switch (fz_rand(f, 8)) {
	case 0: case 1: case 2:
		return f->p.win;
	case 3:
		return 0;
	case 4:
		return 65535;
	case 5:
		return 1;
	}
	return fz_rand(f, 65536);
}

/* A well-formed segment for the connection: fields at the edges. */
static void fz_structured(struct fz *f, struct fz_seg *s)
{
	struct xtcp_peer *p = &f->p;

	memset(s, 0, sizeof(*s));
	s->flags = f->k++ % 64;
	if (!fz_rand(f, 4)) {
		s->resv = fz_rand(f, 16);
		s->flags |= fz_rand(f, 4) << 6;	/* ECE, CWR */
	}
	if (f->target == FZ_LISTEN)
		p->port = fz_new_port(f);	/* never a child's port */
	s->sport = p->port;
	s->dport = fz_rand(f, 32) ? p->xport : 1 + fz_rand(f, 65535);
	if (!fz_rand(f, 5))
		fz_random_opts(f, s);
	s->len = fz_pick_len(f);
	if (s->len > FZ_DATA_MAX - s->optlen)
		s->len = FZ_DATA_MAX - s->optlen;
	s->seq = fz_pick_seq(f, s->len);
	/*
	 * An exact RST ends any synchronized state at once: keep a quarter
	 * of them, so that connections live long enough to be fuzzed.
	 */
	if ((s->flags & PEER_RST) && s->seq == p->rcv_nxt && fz_rand(f, 4))
		s->seq = fz_pick_seq(f, s->len);
	s->ack = fz_pick_ack(f);
	s->win = fz_pick_win(f);
	s->urp = fz_rand(f, 5) ? 0 : fz_rand(f, 65536);
}

/*
 * Must ESTABLISHED drop @s without changing anything but sending an
 * ACK (RFC 9293 3.10.7.4, RFC 5961)?  The peer's knowledge is exact in
 * survival mode: nothing is ever accepted.
 */
static bool fz_harmless(const struct fz *f, const struct fz_seg *s)
{
	const struct xtcp_peer *p = &f->p;
	__u32 nxt = p->rcv_nxt, wnd = p->rcv_wnd;
	__u32 len = s->len + !!(s->flags & PEER_SYN) + !!(s->flags & PEER_FIN);
	bool rst = s->flags & PEER_RST, in;

	if (s->dport != p->xport)
		return true;
	if (!len)
		in = wnd ? s->seq - nxt < wnd : s->seq == nxt;
	else
		in = wnd && (s->seq - nxt < wnd ||
			     s->seq + len - 1 - nxt < wnd);
	if (!in)
		return true;	/* first check: ACK unless RST, drop */
	if (rst)
		return s->seq != nxt;	/* challenge ACK */
	if (s->flags & PEER_SYN)
		return true;	/* challenge ACK */
	if (!(s->flags & PEER_ACK))
		return true;	/* dropped */
	/* SEG.ACK > SND.NXT or < SND.UNA - MAX.SND.WND: challenge ACK */
	return (__s32)(s->ack - p->snd_nxt) > 0 ||
	       (__s32)(s->ack - (p->snd_una - f->max_wnd)) < 0;
}

/*
 * One frame of any kind: mostly well-formed segments, then broken
 * checksums, data offsets, IP lengths, flipped bits and random bytes.
 * In survival mode, only what ESTABLISHED must survive.
 */
static void fz_gen(struct fz *f, struct fz_frame *fr)
{
	unsigned int r = fz_rand(f, 100), i, n, w;
	bool may_fix = !f->survive;
	struct fz_seg s;

	fz_structured(f, &s);
	if (f->survive && r < 65) {
		for (i = 0; i < 64 && !fz_harmless(f, &s); i++) {
			__u8 flags = s.flags;
			__u8 resv = s.resv;

			f->k--;
			fz_structured(f, &s);
			s.flags = flags;
			s.resv = resv;
		}
		if (!fz_harmless(f, &s))
			s.seq = f->p.rcv_nxt + 0x40000000u;
	}
	fz_build(f, fr, &s);
	if (r < 65) {
		f->flags_seen[s.flags & 63]++;
		return;
	}
	if (r < 73) {
		/* bad checksum */
		fr->b[16] ^= 1 + fz_rand(f, 255);
	} else if (r < 78) {
		/* data offset 0..4 words */
		fr->b[12] = fz_rand(f, 5) << 4 | (fr->b[12] & 0x0f);
		fz_fix_csum(f, fr->b, fr->seglen);
	} else if (r < 82) {
		/* data offset beyond the segment */
		fr->seglen = PEER_HDR_LEN + fz_rand(f, 40);
		fz_fill(f, fr->b + PEER_HDR_LEN, fr->seglen - PEER_HDR_LEN);
		w = fr->seglen / 4 + 1;
		fr->b[12] = (w + fz_rand(f, 16 - w)) << 4;
		fz_fix_csum(f, fr->b, fr->seglen);
	} else if (r < 85) {
		/* data offset beyond the IP payload, into the frame's padding */
		fr->seglen = PEER_HDR_LEN + fz_rand(f, 36);
		fr->pad = 4 + fz_rand(f, 40);
		fz_fill(f, fr->b + PEER_HDR_LEN,
			fr->seglen + fr->pad - PEER_HDR_LEN);
		w = fr->seglen / 4 + 1;
		n = (fr->seglen + fr->pad) / 4;
		if (n > 15)
			n = 15;
		fr->b[12] = (w + fz_rand(f, n >= w ? n - w + 1 : 1)) << 4;
		fz_fix_csum(f, fr->b, fr->seglen);
	} else if (r < 90) {
		/* IP total length short of the frame: XTCP sees less */
		fr->ip_delta = -(int)(1 + fz_rand(f, fr->seglen));
		n = fr->seglen + fr->ip_delta;
		if (may_fix && n >= PEER_HDR_LEN && fz_rand(f, 2))
			fz_fix_csum(f, fr->b, n);
	} else if (r < 93) {
		/* IP total length beyond the frame */
		fr->ip_delta = 1 + fz_rand(f, 100);
	} else if (r < 97) {
		/* flipped bits */
		for (i = 0; i <= fz_rand(f, 4); i++)
			fr->b[fz_rand(f, fr->seglen)] ^= 1 << fz_rand(f, 8);
		if (may_fix && fz_rand(f, 2))
			fz_fix_csum(f, fr->b, fr->seglen);
	} else {
		/* random bytes, sometimes on the connection's ports */
		fr->seglen = fz_rand(f, 101);
		fz_fill(f, fr->b, fr->seglen);
		if (fr->seglen >= 4 && fz_rand(f, 2)) {
			peer_put16(fr->b, f->p.port);
			peer_put16(fr->b + 2, f->p.xport);
		}
		if (may_fix && fr->seglen >= PEER_HDR_LEN && fz_rand(f, 3))
			fz_fix_csum(f, fr->b, fr->seglen);
	}
	/* In survival mode a well-formed segment is never a mutant. */
	if (f->survive && fz_classify(f, fr) == FZ_OK)
		fr->b[16] ^= 0xff;
}

/* ---- holding a connection in a state ------------------------------------ */

static const int fz_states[] = {
	[FZ_LISTEN] = XTCP_LISTEN,
	[FZ_SYN_SENT] = XTCP_SYN_SENT,
	[FZ_SYN_RCVD] = XTCP_SYN_RECV,
	[FZ_SYN_RCVD_SIM] = XTCP_SYN_RECV,
	[FZ_ESTABLISHED] = XTCP_ESTABLISHED,
	[FZ_FIN_WAIT1] = XTCP_FIN_WAIT1,
	[FZ_FIN_WAIT2] = XTCP_FIN_WAIT2,
	[FZ_CLOSE_WAIT] = XTCP_CLOSE_WAIT,
	[FZ_LAST_ACK] = XTCP_LAST_ACK,
	[FZ_CLOSING] = XTCP_CLOSING,
	[FZ_TIME_WAIT] = XTCP_TIME_WAIT,
};

/* The connection's state now: XTCP_INFO if we hold it, else /proc. */
static int fz_state(struct fz *f)
{
	struct xtcp_info info;

	if (f->fd >= 0) {
		if (fz_info(f->fd, &info))
			return -1;
		return info.xtcpi_state;
	}
	return peer_state(&f->p);
}

/* close() that resets: SO_LINGER 0. */
static void fz_abort_fd(int fd)
{
	xtcp_set_linger(fd, 1, 0);
	close(fd);
}

/* Abort every connection the listener has queued for accept(). */
static void fz_flush_accept(struct fz *f)
{
	int fd;

	if (f->lfd < 0)
		return;
	fcntl(f->lfd, F_SETFL, O_NONBLOCK);
	while ((fd = accept(f->lfd, NULL, NULL)) >= 0)
		fz_abort_fd(fd);
}

/*
 * Get rid of the connection, so that /proc/net/xtcp stays short: reset
 * it if we hold it; else learn RCV.NXT from the ACK that a segment far
 * out of the window earns and send the exact RST.  TIME_WAIT ignores RST
 * (RFC 1337) and ends on its own.
 */
static void fz_kill(struct fz *f)
{
	struct xtcp_peer *p = &f->p;

	f->based = false;
	fz_drain(f);
	if (f->fd >= 0) {
		fz_abort_fd(f->fd);
		f->fd = -1;
	} else if (f->state > 0 && f->state != XTCP_TIME_WAIT &&
		   f->state != XTCP_LISTEN && f->state != XTCP_CLOSE &&
		   p->port) {
		peer_send(p, PEER_ACK, p->rcv_nxt + 0x40000000u, p->snd_nxt,
			  NULL, 0);
		fz_sync(f, NULL);
		peer_send(p, PEER_RST, p->rcv_nxt, 0, NULL, 0);
	}
	fz_flush_accept(f);
	fz_sync(f, NULL);	/* and hear its last words now */
}

/* A passive open on the listener, from a new port; the accepted fd. */
static int fz_passive_open(struct fz *f)
{
	struct xtcp_peer *p = &f->p;
	struct sockaddr_xtcp a;
	socklen_t alen;
	int i, fd;

	p->port = fz_passive_port(f);
	p->irs = fz_next(f);
	p->rcv_nxt = p->irs;
	if (peer_open_syn(p) || peer_open_ack(p))
		return -1;
	for (i = 0; i < 1000; i++) {
		fd = peer_accept(f->lfd);
		if (fd < 0)
			return -1;
		alen = sizeof(a);
		if (!getpeername(fd, (struct sockaddr *)&a, &alen) &&
		    ntohs(a.sxtcp_port) == p->port)
			return fd;
		fz_abort_fd(fd);	/* an older child the fuzzer completed */
	}
	return -1;
}

/* Put a new connection in the target state. */
static int fz_build_target(struct fz *f)
{
	struct xtcp_peer *p = &f->p;
	char buf[128];

	f->max_wnd = p->win;
	switch (f->target) {
	case FZ_LISTEN:
		if (f->lfd >= 0)
			close(f->lfd);
		f->lfd = peer_listener(p, fz_new_port(f));
		if (f->lfd < 0 || listen(f->lfd, 64))
			return -1;
		break;
	case FZ_SYN_SENT:
	case FZ_SYN_RCVD_SIM:
		/* a port of its own: the old connection's last words differ */
		p->port = fz_new_port(f);
		p->irs = fz_next(f);
		p->rcv_nxt = p->irs;
		p->rcv_wnd = p->win;
		if (f->target == FZ_SYN_SENT)
			f->fd = peer_connect(p, fz_new_port(f));
		else
			f->fd = peer_connect_simultaneous(p, fz_new_port(f));
		if (f->fd < 0)
			return -1;
		break;
	case FZ_SYN_RCVD:
		p->port = fz_passive_port(f);
		p->irs = fz_next(f);
		p->rcv_nxt = p->irs;
		if (peer_open_syn(p))
			return -1;
		break;
	default:
		f->fd = fz_passive_open(f);
		if (f->fd < 0)
			return -1;
		if (f->target == FZ_ESTABLISHED && fz_rand(f, 2)) {
			/* data in flight: SND.UNA < SND.NXT */
			struct peer_seg s;

			memset(buf, 'd', 100);
			if (send(f->fd, buf, 100, 0) != 100 ||
			    peer_recv(p, &s, PEER_REPLY_MS))
				return -1;
		}
		if (f->target == FZ_CLOSE_WAIT || f->target == FZ_LAST_ACK) {
			if (peer_fin(p, p->snd_nxt))
				return -1;
		}
		if (f->target == FZ_ESTABLISHED || f->target == FZ_CLOSE_WAIT)
			break;
		close(f->fd);
		f->fd = -1;
		if (peer_expect_fin(p))
			return -1;
		if (f->target == FZ_FIN_WAIT2) {
			if (peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt,
				      NULL, 0))
				return -1;
			p->snd_una = p->snd_nxt;
			if (!peer_wait_state(p, XTCP_FIN_WAIT2))
				return -1;
		} else if (f->target == FZ_CLOSING) {
			if (peer_fin(p, p->snd_una))
				return -1;
		} else if (f->target == FZ_TIME_WAIT) {
			if (peer_fin(p, p->snd_nxt))
				return -1;
		}
		break;
	}
	if (f->target == FZ_LISTEN)
		f->state = XTCP_LISTEN;
	else
		f->state = fz_state(f);
	if (f->state != fz_states[f->target]) {
		peer_log("built state %d, wanted %d", f->state,
			 fz_states[f->target]);
		return -1;
	}
	f->rebuilds++;
	return 0;
}

/* Read and throw away what the user could read. */
static void fz_user_drain(struct fz *f)
{
	char buf[4096];

	if (f->fd < 0 || f->target == FZ_LISTEN)
		return;
	while (recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void fz_report(struct fz *f, const char *what)
{
	unsigned int i, min = ~0u;

	for (i = 0; i < 64; i++)
		if (f->flags_seen[i] < min)
			min = f->flags_seen[i];
	fprintf(stderr,
		"# fuzz %s: seed %#llx: %ld frames (%ld dropped by IP) in %ld ms, %ld batches, %ld connections, %ld replies; each flag combination at least %u times\n",
		what, fz_seed, f->sent, f->ipdrop, xtcp_now_ms() - f->t0,
		f->batches, f->rebuilds, f->replies, min);
	if (f->rebuilds)
		fprintf(stderr, "# fuzz %s: %ld ms building, %ld sending, %ld checking\n",
			what, f->t_build, f->t_send, f->t_check);
	if (fz_shm) {
		__atomic_add_fetch(&fz_shm->sent, f->sent, __ATOMIC_SEQ_CST);
		if (f->worker)
			__atomic_store_n(&fz_shm->worker_sent, f->sent,
					 __ATOMIC_SEQ_CST);
		else
			__atomic_add_fetch(&fz_shm->tests, 1, __ATOMIC_SEQ_CST);
	}
}

/* This test's share of XTCP_FUZZ_SEGMENTS. */
static long fz_share(int weight)
{
	return (fz_total * weight + FZ_W_TOTAL - 1) / FZ_W_TOTAL;
}

/* ---- the fixture -------------------------------------------------------- */

FIXTURE(fuzz) {
	struct fz f;
};

/*
 * The fuzzer's world: pinned to @cpu (-1: the one it runs on), a network
 * namespace, the veth pair and the peer (peer_setup()).  One CPU: a frame
 * sent from a CPU waits in that CPU's backlog, so a barrier sent from
 * another CPU could overtake frames still queued on the first.  Pinned,
 * XTCP sees the frames in the order sent.
 */
static int fz_setup(struct fz *f, int cpu)
{
	int size = 8 << 20;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu < 0 ? sched_getcpu() : cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return -1;

	f->lfd = -1;
	f->fd = -1;
	if (peer_setup(&f->p))
		return -1;
	peer_quiet_timers();
	xtcp_sysctl_set("msl_ms", FZ_MSL_MS);
	/* Replies to a whole batch must fit. */
	setsockopt(f->p.fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	f->p.port = PPORT;
	f->p.xport = XPORT;
	f->p.rcv_wnd = f->p.win;
	f->max_wnd = f->p.win;
	f->next_port = FZ_PORT_LO;
	f->t0 = xtcp_now_ms();
	return 0;
}

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, fz_setup(&self->f, -1));
}

/* Close what is open, the peer's connection with a RST. */
static void fz_teardown(struct fz *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->lfd >= 0)
		close(f->lfd);
	peer_close(&f->p);
}

FIXTURE_TEARDOWN(fuzz)
{
	fz_teardown(&self->f);
}

/*
 * Fuzz a connection held in @target: batches of frames, each ended by a
 * barrier (XTCP must answer it) and the exact count of what XTCP took in;
 * when a batch moved the connection out of @target, reset it and build
 * another.  0 when the share was sent.
 */
static int fz_run_target(struct __test_metadata *_metadata, struct fz *f,
			 enum fz_target target, const char *name, long share)
{
	int batch = target == FZ_LISTEN ? FZ_LISTEN_BATCH : FZ_BATCH;
	struct fz_frame fr;
	long first;
	int i;

	fz_seed_for(f, name);
	f->target = target;
	fprintf(stderr, "# fuzz %s: seed %#llx, %ld frames\n", name,
		fz_seed, share);
	if (target != FZ_LISTEN) {
		f->lfd = peer_listener(&f->p, XPORT);
		if (f->lfd < 0 || listen(f->lfd, 1024))
			return -1;
	}
	f->state = -1;
	while (f->sent < share) {
		long t = xtcp_now_ms();

		if (f->state != fz_states[target] || target == FZ_LISTEN) {
			fz_kill(f);
			if (fz_build_target(f)) {
				TH_LOG("cannot build the target state (connection %ld)",
				       f->rebuilds + 1);
				return -1;
			}
		}
		f->t_build += xtcp_now_ms() - t;
		t = xtcp_now_ms();
		if (fz_begin(f))
			return -1;
		f->queue = true;
		first = f->sent;
		for (i = 0; i < batch; i++) {
			fz_gen(f, &fr);
			if (fz_send(f, &fr))
				return -1;
			if (i % FZ_DRAIN != FZ_DRAIN - 1)
				continue;
			fz_drain(f);
			if (i % FZ_CHUNK != FZ_CHUNK - 1)
				continue;
			/*
			 * The chunk began in the target state.  Once the
			 * connection has left it, build another.
			 */
			if (target != FZ_LISTEN &&
			    fz_state(f) != fz_states[target])
				break;
		}
		f->queue = false;
		f->t_send += xtcp_now_ms() - t;
		t = xtcp_now_ms();
		if (fz_check(f, NULL)) {
			TH_LOG("batch %ld (frames %ld..%ld), seed %#llx:",
			       f->batches, first, f->sent - 1, fz_seed);
			TH_LOG("counters, barrier or XTCP's segments wrong");
			return -1;
		}
		fz_user_drain(f);
		if (target != FZ_LISTEN)
			f->state = fz_state(f);
		f->t_check += xtcp_now_ms() - t;
	}
	fz_report(f, name);
	return 0;
}

/*
 * A state fuzzer with its share split between two workers, one per CPU:
 * under KASAN and lockdep the kernel's work per frame is what takes the
 * time, and one worker keeps only one CPU busy.  The second is a child
 * with a namespace, a veth pair and a peer of its own on the other CPU;
 * its counters are its namespace's, so every check stays exact.  It
 * draws from the generator of "NAME/2".  Returns what both sent, or -1.
 */
static long fz_run_state(struct __test_metadata *_metadata, struct fz *f,
			 enum fz_target target, const char *name)
{
	long share = fz_share(FZ_W_STATE), mine = share;
	char name2[64];
	pid_t child = -1;
	int status;

	if (fz_workers > 1) {
		mine = (share + 1) / 2;
		fz_shm->worker_sent = 0;
		child = fork();
		if (child < 0)
			return -1;
		if (!child) {
			close(f->p.fd);
			memset(f, 0, sizeof(*f));
			f->fd = -1;
			f->lfd = -1;
			f->p.fd = -1;
			f->worker = 1;
			snprintf(name2, sizeof(name2), "%s/2", name);
			status = fz_setup(f, sched_getcpu() ? 0 : 1) ||
				 fz_run_target(_metadata, f, target, name2,
					       share - mine);
			fz_teardown(f);
			_exit(status ? 1 : 0);
		}
	}
	if (fz_run_target(_metadata, f, target, name, mine))
		mine = -1;
	if (child < 0)
		return mine;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		TH_LOG("the second worker (%s/2) failed", name);
		return -1;
	}
	return mine < 0 ? -1 : f->sent + fz_shm->worker_sent;
}

TEST_F_TIMEOUT(fuzz, listen, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_LISTEN,
				  "listen");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, syn_sent, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_SYN_SENT,
				  "syn_sent");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, syn_rcvd, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_SYN_RCVD,
				  "syn_rcvd");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, syn_rcvd_simultaneous, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_SYN_RCVD_SIM,
				  "syn_rcvd_simultaneous");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, established, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_ESTABLISHED,
				  "established");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, fin_wait1, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_FIN_WAIT1,
				  "fin_wait1");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, fin_wait2, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_FIN_WAIT2,
				  "fin_wait2");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, close_wait, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_CLOSE_WAIT,
				  "close_wait");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, last_ack, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_LAST_ACK,
				  "last_ack");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, closing, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_CLOSING,
				  "closing");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

TEST_F_TIMEOUT(fuzz, time_wait, FZ_TIMEOUT)
{
	long sent = fz_run_state(_metadata, &self->f, FZ_TIME_WAIT,
				  "time_wait");

	ASSERT_LE(0, sent);
	EXPECT_LE(fz_share(FZ_W_STATE), sent);
}

/* ---- ESTABLISHED survives what it must survive --------------------------- */

/* Elicit <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with a segment far away. */
static int fz_elicit_ack(struct fz *f, struct peer_seg *s)
{
	struct xtcp_peer *p = &f->p;

	/*
	 * One byte of text far outside the window: always answered, where
	 * a bare segment may fall under the out-of-window ACK rate limit.
	 */
	if (peer_send(p, PEER_ACK, p->rcv_nxt + 0x40000000u, p->snd_nxt,
		      NULL, 1))
		return -1;
	return peer_recv(p, s, PEER_REPLY_MS);
}

TEST_F_TIMEOUT(fuzz, established__out_of_window__survives_moves_data,
	       FZ_TIMEOUT)
{
	struct fz *f = &self->f;
	struct xtcp_peer *p = &f->p;
	long share = fz_share(FZ_W_STATE);
	unsigned char out[3000], in[3000];
	struct xtcp_info info;
	struct fz_frame fr;
	struct peer_seg s;
	size_t got;
	int i;

	fz_seed_for(f, "survive");
	fprintf(stderr, "# fuzz survive: seed %#llx, %ld frames\n", fz_seed,
		share);
	f->target = FZ_ESTABLISHED;
	f->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, f->lfd);
	f->fd = fz_passive_open(f);
	ASSERT_LE(0, f->fd);
	ASSERT_EQ(0, fz_elicit_ack(f, &s));
	ASSERT_EQ(0, peer_check(&s, PEER_ACK, p->snd_nxt, p->rcv_nxt));
	f->based = false;
	ASSERT_EQ(0, fz_info(f->fd, &info));
	EXPECT_EQ(info.xtcpi_rcv_wnd, p->rcv_wnd);
	f->max_wnd = p->win;	/* the peer's SYN and ACK */
	f->survive = true;

	while (f->sent < share) {
		ASSERT_EQ(0, fz_begin(f));
		f->queue = true;
		for (i = 0; i < FZ_BATCH; i++) {
			fz_gen(f, &fr);
			ASSERT_EQ(0, fz_send(f, &fr));
			if (i % FZ_DRAIN == FZ_DRAIN - 1)
				fz_drain(f);
		}
		f->queue = false;
		ASSERT_EQ(0, fz_check(f, NULL))
			TH_LOG("batch %ld, seed %#llx", f->batches, fz_seed);
		ASSERT_EQ(0, f->bad_replies)
			TH_LOG("batch %ld, seed %#llx", f->batches, fz_seed);
		/* Nothing accepted, nothing moved. */
		ASSERT_EQ(0, fz_info(f->fd, &info));
		ASSERT_EQ(XTCP_ESTABLISHED, info.xtcpi_state)
			TH_LOG("batch %ld, seed %#llx", f->batches, fz_seed);
		ASSERT_EQ(p->rcv_nxt, info.xtcpi_rcv_nxt);
		ASSERT_EQ(p->snd_nxt, info.xtcpi_snd_nxt);
		ASSERT_EQ(p->snd_una, info.xtcpi_snd_una);
		ASSERT_EQ(0, peer_user_inq(f->fd));
	}
	f->survive = false;

	/* Resynchronize: the ACK XTCP sends tells SND.NXT and RCV.NXT. */
	ASSERT_EQ(0, fz_elicit_ack(f, &s));
	ASSERT_EQ(PEER_ACK, s.flags);
	p->rcv_nxt = s.ack;
	p->snd_nxt = s.seq;
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));

	/* The peer's data, in three segments, read intact. */
	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = xtcp_pattern(i);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, peer_send(p, PEER_ACK | PEER_PSH, p->rcv_nxt,
				       p->snd_nxt, out + i * 1000, 1000));
		p->rcv_nxt += 1000;
		ASSERT_EQ(0, peer_expect_ack(p));
	}
	for (got = 0; got < sizeof(in);) {
		ssize_t n = peer_user_recv(f->fd, in + got, sizeof(in) - got);

		ASSERT_LT(0, n);
		got += n;
	}
	EXPECT_EQ(0, memcmp(out, in, sizeof(in)));

	/* XTCP's data, as many segments as its MSS needs, intact. */
	ASSERT_EQ((ssize_t)sizeof(out), send(f->fd, out, sizeof(out), 0));
	for (got = 0; got < sizeof(in);) {
		__u32 seq = p->snd_nxt;

		ASSERT_EQ(0, peer_recv(p, &s, PEER_REPLY_MS));
		ASSERT_EQ(seq, s.seq);
		ASSERT_TRUE(s.flags & PEER_ACK);
		ASSERT_EQ(p->rcv_nxt, s.ack);
		ASSERT_GE(sizeof(in) - got, s.len);
		memcpy(in + got, s.data, s.len);
		got += s.len;
	}
	EXPECT_EQ(0, memcmp(out, in, sizeof(in)));
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 0));
	p->snd_una = p->snd_nxt;
	ASSERT_EQ(0, fz_sync(f, NULL));
	ASSERT_EQ(0, fz_info(f->fd, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.xtcpi_state);
	EXPECT_EQ(p->snd_nxt, info.xtcpi_snd_una);
	EXPECT_EQ(p->rcv_nxt, info.xtcpi_rcv_nxt);
	fz_report(f, "survive");
}

/* ---- malformed frames, counted one by one ------------------------------- */

enum fz_bad {
	FZ_BAD_DOFF_SMALL,	/* data offset 0..4 words */
	FZ_BAD_DOFF_SEG,	/* data offset beyond the segment */
	FZ_BAD_DOFF_PAD,	/* beyond the IP payload, inside the frame */
	FZ_BAD_IP_SHORT_HDR,	/* IP length cuts into the header */
	FZ_BAD_IP_SHORT_OPT,	/* IP length cuts into the options */
	FZ_BAD_IP_SHORT_DATA,	/* IP length cuts into the data */
	FZ_BAD_CSUM_DATA,	/* in-order data, bad checksum */
	FZ_BAD_CSUM_OPT,	/* with options, bad checksum */
	FZ_BAD_IP_LONG,		/* IP length beyond the frame */
	FZ_BAD_MAX
};

static const char *const fz_bad_names[] = {
	"data offset 0..4",
	"data offset beyond the segment",
	"data offset beyond the IP payload",
	"IP length cuts the header",
	"IP length cuts the options",
	"IP length cuts the data",
	"bad checksum, in-order data",
	"bad checksum, options",
	"IP length beyond the frame",
};

/* Frame @i of kind @bad for the connection. */
static void fz_gen_bad(struct fz *f, struct fz_frame *fr, enum fz_bad bad,
		       unsigned int i)
{
	struct xtcp_peer *p = &f->p;
	struct fz_seg s;
	unsigned int w;

	memset(&s, 0, sizeof(s));
	s.sport = p->port;
	s.dport = p->xport;
	s.seq = p->rcv_nxt;
	s.ack = p->snd_nxt;
	s.flags = i % 64;	/* any control bits: it must not matter */
	s.win = p->win;
	s.len = 1 + fz_rand(f, 200);
	if (bad == FZ_BAD_IP_SHORT_OPT || bad == FZ_BAD_CSUM_OPT ||
	    bad == FZ_BAD_DOFF_SMALL)
		fz_random_opts(f, &s);
	if (bad == FZ_BAD_CSUM_DATA)
		s.flags = PEER_ACK | PEER_PSH;
	fz_build(f, fr, &s);
	switch (bad) {
	case FZ_BAD_DOFF_SMALL:
		fr->b[12] = (i % 5) << 4;
		fz_fix_csum(f, fr->b, fr->seglen);
		break;
	case FZ_BAD_DOFF_SEG:
		fr->seglen = PEER_HDR_LEN + i % 40;
		w = fr->seglen / 4 + 1;
		fr->b[12] = (w + fz_rand(f, 16 - w)) << 4;
		fz_fix_csum(f, fr->b, fr->seglen);
		break;
	case FZ_BAD_DOFF_PAD:
		/* the data offset fits the frame, not the IP payload */
		fr->seglen = PEER_HDR_LEN + i % 36;
		fr->pad = 64;
		w = fr->seglen / 4 + 1;
		fr->b[12] = (w + fz_rand(f, 16 - w)) << 4;
		fz_fix_csum(f, fr->b, fr->seglen);
		break;
	case FZ_BAD_IP_SHORT_HDR:
		fr->ip_delta = -(int)(fr->seglen - i % PEER_HDR_LEN);
		break;
	case FZ_BAD_IP_SHORT_OPT:
		/* right checksum for what XTCP sees: only the offset is bad */
		if (!s.optlen) {
			s.optlen = 40;
			memset(s.opt, 1, 40);
			fz_build(f, fr, &s);
		}
		fr->ip_delta = -(int)(fr->seglen - PEER_HDR_LEN -
				      i % s.optlen);
		fz_fix_csum(f, fr->b, fr->seglen + fr->ip_delta);
		break;
	case FZ_BAD_IP_SHORT_DATA:
		fr->ip_delta = -(int)(1 + i % s.len);
		break;
	case FZ_BAD_CSUM_DATA:
	case FZ_BAD_CSUM_OPT:
		fr->b[16 + i % 2] ^= 1 << (i % 8);
		break;
	case FZ_BAD_IP_LONG:
		fr->ip_delta = 1 + i % 64;
		break;
	default:
		break;
	}
	/* Cut data may still sum right, once in 65536: break the sum. */
	if (fz_classify(f, fr) == FZ_OK)
		fr->b[16] ^= 0xff;
}

/* IP's count of datagrams shorter than their header says; -1 if none. */
static long long fz_truncated(void)
{
	return xtcp_snmp_value("/proc/net/netstat", "IpExt",
			       "InTruncatedPkts");
}

TEST_F_TIMEOUT(fuzz, malformed__dropped_counted_exactly, FZ_TIMEOUT)
{
	struct fz *f = &self->f;
	struct xtcp_peer *p = &f->p;
	long share = fz_share(FZ_W_MALFORMED);
	long per = share / (FZ_BAD_MAX + 2) + 1;
	long long trunc, lines;
	struct xtcp_info info;
	struct fz_frame fr;
	int bad, before, n, i;
	long valid;

	fz_seed_for(f, "malformed");
	fprintf(stderr, "# fuzz malformed: seed %#llx, %ld frames\n",
		fz_seed, share);
	f->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, f->lfd);
	ASSERT_EQ(0, listen(f->lfd, 1024));
	f->fd = fz_passive_open(f);
	ASSERT_LE(0, f->fd);
	f->target = FZ_ESTABLISHED;

	for (bad = 0; bad < FZ_BAD_MAX; bad++) {
		trunc = fz_truncated();
		ASSERT_EQ(0, fz_begin(f));
		before = 0;
		for (i = 0; i < per; i++) {
			fz_gen_bad(f, &fr, bad, i);
			ASSERT_NE(FZ_OK, fz_classify(f, &fr))
				TH_LOG("%s: frame %d is well-formed",
				       fz_bad_names[bad], i);
			ASSERT_EQ(0, fz_send(f, &fr));
			if (i % FZ_BATCH == FZ_BATCH - 1) {
				/* no more than a batch in the queues */
				ASSERT_EQ(0, fz_sync(f, &n));
				before += n;
			}
		}
		/* All dropped: nothing before the barrier, counted exactly. */
		ASSERT_EQ(0, fz_check(f, &n))
			TH_LOG("%s", fz_bad_names[bad]);
		before += n;
		EXPECT_EQ(0, before) TH_LOG("%s", fz_bad_names[bad]);
		if (bad == FZ_BAD_IP_LONG) {
			/* IP drops them; XTCP sees only the barriers */
			EXPECT_EQ(per / FZ_BATCH + 1, f->exp.insegs);
			if (trunc >= 0)
				EXPECT_EQ(trunc + per, fz_truncated());
		} else if (bad == FZ_BAD_CSUM_DATA ||
			   bad == FZ_BAD_CSUM_OPT ||
			   bad == FZ_BAD_IP_SHORT_DATA) {
			EXPECT_EQ(per, f->exp.csum);
			EXPECT_EQ(per, f->exp.inerrs);
		} else {
			EXPECT_EQ(0, f->exp.csum);
			EXPECT_EQ(per, f->exp.inerrs);
		}
		ASSERT_EQ(0, fz_info(f->fd, &info));
		EXPECT_EQ(XTCP_ESTABLISHED, info.xtcpi_state);
		EXPECT_EQ(p->rcv_nxt, info.xtcpi_rcv_nxt);
		EXPECT_EQ(0, peer_user_inq(f->fd));
	}

	/* SYNs with bad checksums from new ports: no child, no reply. */
	lines = xtcp_proc_count();
	ASSERT_EQ(0, fz_begin(f));
	for (i = 0; i < per; i++) {
		struct fz_seg s;

		memset(&s, 0, sizeof(s));
		s.sport = fz_new_port(f);
		s.dport = XPORT;
		s.seq = fz_next(f);
		s.flags = PEER_SYN;
		s.win = p->win;
		s.optlen = 4;
		memcpy(s.opt, fz_opts[1].b, 4);
		fz_build(f, &fr, &s);
		fr.b[16] ^= 0x80;
		ASSERT_EQ(FZ_CSUM, fz_classify(f, &fr));
		ASSERT_EQ(0, fz_send(f, &fr));
	}
	ASSERT_EQ(0, fz_check(f, &before));
	EXPECT_EQ(0, before);
	EXPECT_EQ(per, f->exp.csum);
	EXPECT_EQ(lines, xtcp_proc_count());

	/* Random bytes: whatever the model says, XTCP must count. */
	ASSERT_EQ(0, fz_begin(f));
	for (i = valid = 0; i < per; i++) {
		fr.seglen = fz_rand(f, 101);
		fr.pad = fz_rand(f, 2) ? 0 : fz_rand(f, 20);
		fr.ip_delta = 0;
		fz_fill(f, fr.b, fr.seglen + fr.pad);
		if (fr.seglen >= 4 && fz_rand(f, 2)) {
			peer_put16(fr.b, p->port);
			peer_put16(fr.b + 2, p->xport);
		}
		valid += fz_classify(f, &fr) == FZ_OK;
		ASSERT_EQ(0, fz_send(f, &fr));
	}
	ASSERT_EQ(0, fz_check(f, &before));
	if (!valid)
		EXPECT_EQ(0, before);
	ASSERT_EQ(0, fz_info(f->fd, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.xtcpi_state);

	/* And the connection still takes data. */
	ASSERT_EQ(0, peer_send(p, PEER_ACK, p->rcv_nxt, p->snd_nxt, NULL, 10));
	p->rcv_nxt += 10;
	ASSERT_EQ(0, peer_expect_ack(p));
	EXPECT_EQ(10, peer_user_inq(f->fd));
	EXPECT_LE(share, f->sent);
	fz_report(f, "malformed");
}

/* ---- options ------------------------------------------------------------ */

/* The MSS XTCP sends with on @fd, checked against @o. */
static int fz_check_mss(int fd, const struct fz_opt *o)
{
	struct xtcp_info info;

	if (fz_info(fd, &info))
		return -1;
	if (o->mss < 0 ? (info.xtcpi_mss != 1000 && info.xtcpi_mss != 1200) :
	    info.xtcpi_mss != (__u32)o->mss) {
		peer_log("options \"%s\": MSS %u, expected %d", o->name,
			 info.xtcpi_mss, o->mss);
		return -1;
	}
	return 0;
}

TEST_F_TIMEOUT(fuzz, options__parsed_within_the_header, FZ_TIMEOUT)
{
	struct fz *f = &self->f;
	struct xtcp_peer *p = &f->p;
	unsigned char data[50], buf[100];
	struct fz_count c0, c1;
	struct fz_frame fr;
	struct peer_seg r;
	struct fz_seg s;
	unsigned int i;
	int fd, efd;

	fz_seed_for(f, "options");
	f->lfd = peer_listener(p, XPORT);
	ASSERT_LE(0, f->lfd);
	ASSERT_EQ(0, listen(f->lfd, 1024));
	efd = fz_passive_open(f);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, fz_counters(&c0));

	for (i = 0; i < FZ_N_OPTS; i++) {
		const struct fz_opt *o = &fz_opts[i];
		__u32 e_rcv_nxt = p->rcv_nxt, e_snd_nxt = p->snd_nxt;
		__u16 e_port = p->port;

		/* A SYN with them to the listener: the child's MSS. */
		memset(&s, 0, sizeof(s));
		p->port = fz_new_port(f);
		p->irs = fz_next(f);
		s.sport = p->port;
		s.dport = XPORT;
		s.seq = p->irs;
		s.flags = PEER_SYN;
		s.win = p->win;
		memcpy(s.opt, o->b, o->len);
		s.optlen = o->len;
		if (!strcmp(o->name, "mss cut by the data offset")) {
			/* the MSS value is in the data: not an option */
			s.data = (const unsigned char *)"\x03\xe8";
			s.len = 2;
		}
		fz_build(f, &fr, &s);
		ASSERT_EQ(0, fz_send(f, &fr));
		ASSERT_EQ(0, peer_recv(p, &r, PEER_REPLY_MS))
			TH_LOG("options \"%s\": no SYN,ACK", o->name);
		p->iss = r.seq;
		p->snd_una = r.seq;
		p->snd_nxt = r.seq + 1;
		p->rcv_nxt = p->irs + 1;
		ASSERT_EQ(0, peer_check(&r, PEER_SYN | PEER_ACK, p->iss,
					p->rcv_nxt));
		EXPECT_EQ(0, peer_check_syn_options(&r));
		ASSERT_EQ(0, peer_open_ack(p));
		fd = peer_accept(f->lfd);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, fz_check_mss(fd, o)) TH_LOG("passive");
		fz_abort_fd(fd);
		ASSERT_EQ(0, fz_sync(f, NULL));

		/* A SYN,ACK with them, to connect(). */
		p->port = PPORT;
		fd = peer_connect(p, fz_new_port(f));
		ASSERT_LE(0, fd);
		p->irs = fz_next(f);
		s.sport = PPORT;
		s.dport = p->xport;
		s.seq = p->irs;
		s.ack = p->iss + 1;
		s.flags = PEER_SYN | PEER_ACK;
		s.len = 0;
		fz_build(f, &fr, &s);
		ASSERT_EQ(0, fz_send(f, &fr));
		p->rcv_nxt = p->irs + 1;
		/* Its ACK echoes the timestamps the SYN,ACK had. */
		p->ts_ok = fz_opt_ts(o);
		ASSERT_EQ(0, peer_expect(p, &r, PEER_ACK, p->iss + 1,
					 p->rcv_nxt))
			TH_LOG("options \"%s\" on SYN,ACK", o->name);
		p->ts_ok = false;
		EXPECT_EQ(0, fz_check_mss(fd, o)) TH_LOG("active");
		fz_abort_fd(fd);
		ASSERT_EQ(0, fz_sync(f, NULL));
		p->xport = XPORT;

		/* On data in ESTABLISHED: ignored, the data intact. */
		p->port = e_port;
		p->rcv_nxt = e_rcv_nxt;
		p->snd_nxt = e_snd_nxt;
		memset(&s, 0, sizeof(s));
		fz_fill(f, data, sizeof(data));
		s.sport = p->port;
		s.dport = XPORT;
		s.seq = p->rcv_nxt;
		s.ack = p->snd_nxt;
		s.flags = PEER_ACK | PEER_PSH;
		s.win = p->win;
		memcpy(s.opt, o->b, o->len);
		s.optlen = o->len;
		s.data = data;
		s.len = sizeof(data);
		fz_build(f, &fr, &s);
		ASSERT_EQ(0, fz_send(f, &fr));
		p->rcv_nxt += sizeof(data);
		ASSERT_EQ(0, peer_expect_ack(p)) TH_LOG("options \"%s\"",
							o->name);
		ASSERT_EQ((ssize_t)sizeof(data),
			  peer_user_recv(efd, buf, sizeof(buf)));
		EXPECT_EQ(0, memcmp(data, buf, sizeof(data)));
		/* A window update may follow the read: take it, in order. */
		while (peer_barrier(p, &r, PEER_REPLY_MS) == 1)
			;
	}
	/* All of them well-formed: not one counted as an error. */
	ASSERT_EQ(0, fz_counters(&c1));
	EXPECT_EQ(c0.inerrs, c1.inerrs);
	EXPECT_EQ(c0.csum, c1.csum);
	close(efd);
	fz_report(f, "options");
}

/*
 * The sum over the whole program, when every test that sends has run:
 * the last test of the fixture, so the harness runs it after them.
 */
TEST_F(fuzz, total_segments)
{
	if (!fz_shm)
		SKIP(return, "no shared counter");
	if (fz_shm->tests != FZ_N_TESTS)
		SKIP(return, "%d of %d fuzz tests ran to the end",
		     fz_shm->tests, FZ_N_TESTS);
	fprintf(stderr, "# fuzz: seed %#llx, %ld frames in all (XTCP_FUZZ_SEGMENTS %ld)\n",
		fz_seed, fz_shm->sent, fz_total);
	EXPECT_LE(fz_total, fz_shm->sent);
}

TEST_HARNESS_MAIN
