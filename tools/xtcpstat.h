/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcpstat: what its parts share.  One file per concern:
 *
 *   xtcpstat.c          options and main
 *   xtcpstat_proc.c     parsing /proc/net/xtcp (the format of /proc/net/tcp)
 *                       and /proc/net/xtcp_ext
 *   xtcpstat_filter.c   which sockets to show: states, classes, expressions
 *   xtcpstat_table.c    the aligned table, -i, -o, -e, -p
 *   xtcpstat_procs.c    owning processes (-p), found by socket inode
 *   xtcpstat_snmp.c     parsing /proc/net/xtcp_snmp (the shape nstat reads)
 *   xtcpstat_summary.c  sockets per state, counters, transitions (-s)
 *   xtcpstat_json.c     the JSON writer (-j)
 *   xtcpstat_events.c   --states, --life, --retrans from tracefs
 *   xtcpstat_diagram.c  --diagram, --dot: RFC 9293's state diagram, live
 */
#ifndef _XTCPSTAT_H
#define _XTCPSTAT_H

#include <assert.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>

#include <linux/socket.h>	/* __kernel_sa_family_t, used by xtcp.h */
#include <linux/xtcp.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Each may be replaced by an environment variable of the same name. */
#define PROC_NET_XTCP		"/proc/net/xtcp"
#define PROC_NET_XTCP_EXT	"/proc/net/xtcp_ext"
#define PROC_NET_XTCP_SNMP	"/proc/net/xtcp_snmp"

/* Long enough for "[IPv6 address]:65535". */
#define ENDPOINT_SIZE		(INET6_ADDRSTRLEN + 8)

/* A mask of every state bit, 1 << XTCP_ESTABLISHED ... 1 << XTCP_CLOSING. */
#define ALL_STATES		(((1u << XTCP_MAX_STATES) - 1) & ~1u)

extern const char *progname;
extern const char * const state_names[XTCP_MAX_STATES];
/* The states in the order of a connection's life, for -s. */
extern const unsigned int state_order[XTCP_MAX_STATES - 1];

/* One socket end: address family, address in network order, port. */
struct endpoint {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int port;
};

/* The RFC 9293 variables of one socket, from /proc/net/xtcp_ext. */
struct ext {
	unsigned long long iss, snd_una, snd_nxt, snd_wnd;
	unsigned long long irs, rcv_nxt, rcv_wnd;
	unsigned long long mss, srtt_us, rttvar_us, rto_ms, retrans;
	unsigned long long cwnd, snd_ws, rcv_ws;
	long long ssthresh, rcvbuf, sndbuf;
	char ca_state[16];		/* "" if the file has no such column */
};

/* The owners of one socket (-p): "name",pid=N,fd=N, as ss prints them. */
struct owner {
	char comm[32];
	int pid, fd;
};

/* One socket: the fields of its /proc/net/xtcp line, and what -i, -p add. */
struct row {
	unsigned int state;	/* 0 if unknown */
	unsigned long long txq, rxq, timer, when, retrans, uid, inode;
	long long probes;
	struct endpoint src, dst;
	char local[ENDPOINT_SIZE];
	char peer[ENDPOINT_SIZE];
	bool has_ext;
	struct ext ext;
	struct owner *owners;
	size_t nr_owners;
};

struct table {
	struct row *rows;
	size_t nr_rows;
	size_t alloc;
};

/* The counters of /proc/net/xtcp_snmp. */
struct counter {
	char name[64];		/* with its prefix, as nstat names it */
	long long value;
};

struct snmp {
	struct counter *c;
	size_t nr, alloc;
	/* trans[from][to]: how often a socket moved from one to the other */
	unsigned long long trans[XTCP_MAX_STATES][XTCP_MAX_STATES];
	bool has_trans;
};

struct filter;

/* What the options asked for. */
struct options {
	bool numeric, no_header, info, timers, extended, processes;
	bool json, pretty;
	unsigned int states;	/* the state bits to show */
	const struct filter *filter;
};

/* xtcpstat.c */
const char *proc_path(const char *env, const char *def);

/* xtcpstat_proc.c */
char *put_udec(char *p, unsigned long long v);
int parse_endpoint(const char *tok, struct endpoint *ep);
int parse_line(char *line, struct row *row);
int read_table(FILE *f, const char *file, const struct options *o,
	       struct table *t);
int read_ext(const char *file, struct table *t);
void free_table(struct table *t);

/* xtcpstat_filter.c */
unsigned int state_from_name(const char *name);
void list_states(FILE *out);
/*
 * Parse the words of a filter, "[state NAME]... [exclude NAME]...
 * [EXPRESSION]"; the state bits they select go to *STATES (0: none named).
 * NULL with a message if they make no sense.
 */
struct filter *filter_parse(char **words, int nr_words, unsigned int *states);
bool filter_match(const struct filter *f, const struct row *r);
void filter_free(struct filter *f);

/* xtcpstat_procs.c */
int find_owners(struct table *t);

/* xtcpstat_table.c */
int terminal_width(void);
void print_table(const struct table *t, const struct options *o);
void print_table_json(const struct table *t, const struct options *o);
unsigned long long timer_ms(const struct row *r);
const char *timer_name(const struct row *r);
const char *ca_phase(const struct ext *e);

/* xtcpstat_snmp.c */
int read_snmp(const char *file, struct snmp *s);
void free_snmp(struct snmp *s);
long long snmp_value(const struct snmp *s, const char *name);

/* xtcpstat_json.c */
#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* no member yet at this depth */
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_open(struct json *j, const char *key, char c);
void json_close(struct json *j, char c);
void json_str(struct json *j, const char *key, const char *v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_int(struct json *j, const char *key, long long v);
void json_fixed(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_endpoint(struct json *j, const char *key, const struct endpoint *ep);

/* xtcpstat_events.c */
enum event_mode { EV_STATES, EV_LIFE, EV_RETRANS };

/*
 * Print the events of MODE as they happen, or those of the trace in the
 * file REPLAY; FOLLOW: only one connection's.  The exit status.
 */
int run_events(enum event_mode mode, const struct options *o,
	       const char *replay, const struct endpoint *follow, long count);

/* xtcpstat_diagram.c: the exit status */
int run_diagram(const struct options *o, bool as_dot, double interval,
		long count);

/* xtcpstat_summary.c */
void count_states(const struct table *t,
		  unsigned long count[XTCP_MAX_STATES]);
void print_summary(const struct table *t, const struct snmp *s);
void print_summary_json(const struct table *t, const struct snmp *s,
			bool pretty);

#endif /* _XTCPSTAT_H */
