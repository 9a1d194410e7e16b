// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP per network namespace state: tables, counters, the net.xtcp.*
 * sysctls and the /proc files.  A namespace never sees another's sockets.
 */
#include <linux/random.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "xtcp.h"

unsigned int xtcp_net_id __read_mostly;

static int xtcp_zero;
static int xtcp_one = 1;
static int xtcp_two = 2;
static int xtcp_four = 4;
static int xtcp_max_retries = 255;
static int xtcp_max_ms = 3600 * 1000;
/* TCP's bounds: MAX_TCP_KEEPIDLE seconds, MAX_TCP_KEEPCNT probes. */
static int xtcp_max_ka_ms = XTCP_MAX_KEEPALIVE_S * 1000;
static int xtcp_max_ka_probes = XTCP_MAX_KEEPCNT;
static int xtcp_max_delack_ms = 500;	/* RFC 1122 4.2.3.2: under 0.5 s */

/* Room for the names of the algorithms registered, as TCP_CA_BUF_MAX. */
#define XTCP_CA_BUF_MAX	(XTCP_CA_NAME_MAX * 16)

/* @n ints, each in [*lo, *hi] (NULL: no bound). */
#define XTCP_SYSCTL_N(name, n, lo, hi) {				\
	.procname	= #name,					\
	.data		= &xtcp_sysctl_defaults.name,			\
	.maxlen		= (n) * sizeof(int),				\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
	.extra1		= lo,						\
	.extra2		= hi,						\
}

#define XTCP_SYSCTL(name, lo, hi)	XTCP_SYSCTL_N(name, 1, lo, hi)

/* Defaults for a new namespace; the sysctl template points into it. */
static struct xtcp_sysctl xtcp_sysctl_defaults = {
	.msl_ms		= 30 * 1000,	/* TIME_WAIT = 2 MSL = 60 s, as Linux */
	.fin_timeout_ms	= 60 * 1000,
	.syn_retries	= 6,
	.synack_retries	= 5,
	.retries2	= 15,
	.max_orphans	= 65536,
	/*
	 * A TIME_WAIT here is a whole socket (about 2 KiB of slab, TCP's
	 * timewait minisocket about 200 bytes): 32768 of them are 64 MiB.
	 */
	.max_tw_buckets	= 32768,
	/* Linux's net.ipv4.tcp_keepalive_time, _intvl and _probes. */
	.keepalive_time_ms	= 7200 * 1000,
	.keepalive_intvl_ms	= 75 * 1000,
	.keepalive_probes	= 9,
	.rto_min_ms	= 200,
	.rto_max_ms	= 120 * 1000,
	.rto_init_ms	= 1000,
	.challenge_ack_limit = 1000,
	.invalid_ratelimit_ms = 500,	/* as net.ipv4.tcp_invalid_ratelimit */
	.orphan_retries	= 8,
	.sack		= 1,
	.recovery	= XTCP_RECOVERY_RACK,
	.early_retrans	= XTCP_EARLY_RETRANS_TLP,
	.delayed_ack	= 1,
	.delack_ms	= 40,		/* Linux's TCP_DELACK_MIN */
	.timestamps	= 1,
	.window_scaling	= 1,
	.reuse_tw	= XTCP_TW_REUSE_LOOPBACK,	/* as Linux */
	/* Linux's net.ipv4.tcp_rmem and tcp_wmem. */
	.rmem		= { 4096, 131072, 6291456 },
	.wmem		= { 4096, 16384, 4194304 },
	.ca_default	= RCU_INITIALIZER(&xtcp_cubic),
};

/*
 * net.xtcp.congestion_control: reads the name of the namespace's default
 * algorithm; a name not registered is ENOENT, as for TCP's.
 */
static int xtcp_proc_congestion_control(XTCP_CTL_TABLE *table, int write,
					void *buffer, size_t *lenp,
					loff_t *ppos)
{
	struct xtcp_net *xn = container_of(table->data, struct xtcp_net,
					   sysctl.ca_default);
	char name[XTCP_CA_NAME_MAX];
	struct ctl_table tbl = {
		.data	= name,
		.maxlen	= sizeof(name),
	};
	int err;

	xtcp_cong_default_name(xn, name);
	err = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (write && !err)
		err = xtcp_cong_set_default(xn, name);
	return err;
}

/* net.xtcp.available_congestion_control: the names registered. */
static int xtcp_proc_available_cc(XTCP_CTL_TABLE *table, int write,
				  void *buffer, size_t *lenp, loff_t *ppos)
{
	struct ctl_table tbl = { .maxlen = XTCP_CA_BUF_MAX };
	int err;

	tbl.data = kmalloc(tbl.maxlen, GFP_USER);
	if (!tbl.data)
		return -ENOMEM;
	xtcp_cong_available(tbl.data, tbl.maxlen);
	err = proc_dostring(&tbl, write, buffer, lenp, ppos);
	kfree(tbl.data);
	return err;
}

static struct ctl_table xtcp_sysctl_template[] = {
	XTCP_SYSCTL(msl_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_SYSCTL(fin_timeout_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_SYSCTL(syn_retries, &xtcp_one, &xtcp_max_retries),
	XTCP_SYSCTL(synack_retries, &xtcp_one, &xtcp_max_retries),
	XTCP_SYSCTL(retries2, &xtcp_one, &xtcp_max_retries),
	XTCP_SYSCTL(max_orphans, &xtcp_zero, NULL),
	XTCP_SYSCTL(max_tw_buckets, &xtcp_zero, NULL),
	XTCP_SYSCTL(keepalive_time_ms, &xtcp_one, &xtcp_max_ka_ms),
	XTCP_SYSCTL(keepalive_intvl_ms, &xtcp_one, &xtcp_max_ka_ms),
	XTCP_SYSCTL(keepalive_probes, &xtcp_one, &xtcp_max_ka_probes),
	XTCP_SYSCTL(rto_min_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_SYSCTL(rto_max_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_SYSCTL(rto_init_ms, &xtcp_one, &xtcp_max_ms),
	XTCP_SYSCTL(challenge_ack_limit, &xtcp_zero, NULL),
	XTCP_SYSCTL(invalid_ratelimit_ms, &xtcp_zero, &xtcp_max_ms),
	XTCP_SYSCTL(orphan_retries, &xtcp_one, &xtcp_max_retries),
	XTCP_SYSCTL(sack, &xtcp_zero, &xtcp_one),
	XTCP_SYSCTL(recovery, &xtcp_zero, &xtcp_one),
	XTCP_SYSCTL(early_retrans, &xtcp_zero, &xtcp_four),
	XTCP_SYSCTL(delayed_ack, &xtcp_zero, &xtcp_one),
	XTCP_SYSCTL(delack_ms, &xtcp_one, &xtcp_max_delack_ms),
	XTCP_SYSCTL(timestamps, &xtcp_zero, &xtcp_one),
	XTCP_SYSCTL(window_scaling, &xtcp_zero, &xtcp_one),
	/* The field is not tw_reuse: <net/inet_timewait_sock.h> owns that. */
	{
		.procname	= "tw_reuse",
		.data		= &xtcp_sysctl_defaults.reuse_tw,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &xtcp_zero,
		.extra2		= &xtcp_two,
	},
	/* min default max, each at least 1, as tcp_rmem and tcp_wmem */
	XTCP_SYSCTL_N(rmem, 3, &xtcp_one, NULL),
	XTCP_SYSCTL_N(wmem, 3, &xtcp_one, NULL),
	{
		.procname	= "congestion_control",
		.data		= &xtcp_sysctl_defaults.ca_default,
		.maxlen		= XTCP_CA_NAME_MAX,
		.mode		= 0644,
		.proc_handler	= xtcp_proc_congestion_control,
	},
	{
		.procname	= "available_congestion_control",
		.maxlen		= XTCP_CA_BUF_MAX,
		.mode		= 0444,
		.proc_handler	= xtcp_proc_available_cc,
	},
	{ }
};

static int xtcp_sysctl_init(struct net *net, struct xtcp_net *xn)
{
	size_t n = ARRAY_SIZE(xtcp_sysctl_template) - 1;
	struct ctl_table *table;
	size_t i;

	table = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	/* Point each entry at this namespace's copy of the field. */
	for (i = 0; i < n; i++)
		if (table[i].data)
			table[i].data = (char *)&xn->sysctl +
				((char *)table[i].data -
				 (char *)&xtcp_sysctl_defaults);

	xn->sysctl_hdr = xtcp_register_net_sysctl(net, "net/xtcp", table, n);
	if (!xn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

static void xtcp_sysctl_exit(struct xtcp_net *xn)
{
	const struct ctl_table *table = xn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(table);
}

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	err = xtcp_hash_init(xn);
	if (err)
		return err;
	xn->hash_seed = get_random_u32();
	atomic_set(&xn->orphans, 0);
	atomic_set(&xn->time_waits, 0);
	xn->sysctl = xtcp_sysctl_defaults;

	xn->mib = alloc_percpu(struct xtcp_mib);
	if (!xn->mib) {
		err = -ENOMEM;
		goto out_hash;
	}

	err = xtcp_sysctl_init(net, xn);
	if (err)
		goto out_mib;
	err = xtcp_proc_init_net(net);
	if (err)
		goto out_sysctl;
	return 0;

out_sysctl:
	xtcp_sysctl_exit(xn);
out_mib:
	free_percpu(xn->mib);
out_hash:
	xtcp_hash_exit(xn);
	return err;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xtcp_net_destroy_sockets(net);
	xtcp_proc_exit_net(net);
	xtcp_sysctl_exit(xn);
	xtcp_cong_net_exit(xn);
	/* Softirq may still count into the MIB of a socket just freed. */
	synchronize_net();
	free_percpu(xn->mib);
	xtcp_hash_exit(xn);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

int xtcp_netns_register(void)
{
	return register_pernet_subsys(&xtcp_net_ops);
}

void xtcp_netns_unregister(void)
{
	unregister_pernet_subsys(&xtcp_net_ops);
}
