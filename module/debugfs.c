// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/xtcp/sockets: every socket the module holds, in every
 * network namespace, orphans included.  /proc/net/xtcp shows one
 * namespace and none of a namespace nobody can enter any more; this file
 * says what keeps rmmod waiting (on a lockdep kernel every socket pins
 * the module, see sk_owner_set()) and which timer will end it.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <net/sock.h>

#include "xtcp.h"

static struct dentry *xtcp_debugfs_dir;

/* Milliseconds until TIMER fires, -1 if it is not due (@due false). */
static long xtcp_timer_ms(const struct timer_list *timer, bool due)
{
	if (!due || !timer_pending(timer))
		return -1;
	return jiffies_to_msecs(max_t(long, READ_ONCE(timer->expires) -
					  (long)jiffies, 0));
}

static void xtcp_debugfs_show_sock(struct seq_file *seq, struct xtcp_sock *xs)
{
	struct sock *sk = &xs->inet.sk;
	struct inet_sock *inet = &xs->inet;

	seq_printf(seq, "%u %pI4:%u %pI4:%u %s %s %d %u %u %ld %ld %ld\n",
		   sock_net(sk)->ns.inum,
		   &inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   &inet->inet_daddr, ntohs(inet->inet_dport),
		   xtcp_state_name(READ_ONCE(sk->sk_state)),
		   sock_flag(sk, SOCK_DEAD) ? "orphan" : "open",
		   refcount_read(&sk->sk_refcnt),
		   READ_ONCE(xs->retries),
		   jiffies_to_msecs(READ_ONCE(xs->rto)),
		   xtcp_timer_ms(&xs->rtx_timer, xs->rtx_armed),
		   xtcp_timer_ms(&xs->tw_timer, true),
		   xtcp_timer_ms(&xs->delack_timer, xs->ack_pending));
}

static int xtcp_debugfs_sockets_show(struct seq_file *seq, void *v)
{
	struct xtcp_sock *xs;

	seq_puts(seq, "netns local remote state owner refcnt retries rto_ms rtx_ms tw_ms delack_ms\n");
	/* Under the lock a socket on the list is not yet freed. */
	spin_lock_bh(&xtcp_all_lock);
	list_for_each_entry(xs, &xtcp_all_socks, all_node)
		xtcp_debugfs_show_sock(seq, xs);
	spin_unlock_bh(&xtcp_all_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(xtcp_debugfs_sockets);

void xtcp_debugfs_init(void)
{
	/* A debugging aid: the module works the same without it. */
	xtcp_debugfs_dir = debugfs_create_dir("xtcp", NULL);
	debugfs_create_file("sockets", 0400, xtcp_debugfs_dir, NULL,
			    &xtcp_debugfs_sockets_fops);
}

void xtcp_debugfs_exit(void)
{
	debugfs_remove_recursive(xtcp_debugfs_dir);
}
