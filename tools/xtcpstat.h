/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcpstat: what its parts share.  One file per concern:
 *
 *   xtcpstat.c          options and main
 *   xtcpstat_proc.c     parsing /proc/net/xtcp (the format of /proc/net/tcp)
 *   xtcpstat_filter.c   which sockets to show: state names and classes
 *   xtcpstat_table.c    the aligned table
 *   xtcpstat_summary.c  sockets per state
 */
#ifndef _XTCPSTAT_H
#define _XTCPSTAT_H

#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>

#include <linux/socket.h>	/* __kernel_sa_family_t, used by xtcp.h */
#include <linux/xtcp.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define PROC_NET_XTCP		"/proc/net/xtcp"

/* Long enough for "[IPv6 address]:65535". */
#define ENDPOINT_SIZE		(INET6_ADDRSTRLEN + 8)

extern const char *progname;
extern const char * const state_names[XTCP_MAX_STATES];
/* The states in the order of a connection's life, for -c. */
extern const unsigned int state_order[XTCP_MAX_STATES - 1];

/* One socket: the fields of its /proc/net/xtcp line that xtcpstat shows. */
struct row {
	unsigned int state;	/* 0 if unknown */
	unsigned long long txq, rxq, timer, when, retrans, uid, inode;
	long long probes;
	char local[ENDPOINT_SIZE];
	char peer[ENDPOINT_SIZE];
};

struct table {
	struct row *rows;
	size_t nr_rows;
	size_t alloc;
};

/* xtcpstat_proc.c */
int parse_line(char *line, struct row *row);
int read_table(FILE *f, const char *file, unsigned int mask, struct table *t);

/* xtcpstat_filter.c */
unsigned int state_from_name(const char *name);
void unknown_state(const char *name);

/* xtcpstat_table.c */
void print_table(const struct table *t, int extended);

/* xtcpstat_summary.c */
void print_counts(const struct table *t);

#endif /* _XTCPSTAT_H */
