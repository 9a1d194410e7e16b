/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels XTCP builds on (Debian 12's 6.1 and
 * Debian 13's 6.12), kept in one place.
 */
#ifndef _XTCP_COMPAT_H
#define _XTCP_COMPAT_H

#include <linux/version.h>
#include <linux/timer.h>

/* del_timer_sync() became timer_delete_sync() in 6.2. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync(t)	del_timer_sync(t)
#define timer_delete(t)		del_timer(t)
#endif

/* proto_ops.accept takes a struct proto_accept_arg since 6.10. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define XTCP_HAVE_ACCEPT_ARG	1
#endif

/* register_net_sysctl_sz() with an explicit size since 6.6. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define xtcp_register_net_sysctl(net, path, table, n) \
	register_net_sysctl_sz(net, path, table, n)
#else
#define xtcp_register_net_sysctl(net, path, table, n) \
	register_net_sysctl(net, path, table)
#endif

/* A sysctl's proc_handler takes its ctl_table const since 6.11. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define XTCP_CTL_TABLE	const struct ctl_table
#else
#define XTCP_CTL_TABLE	struct ctl_table
#endif

/* <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* _XTCP_COMPAT_H */
