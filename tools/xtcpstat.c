// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat - list XTCP sockets, in the manner of "ss -tan" and "netstat -tan".
 *
 * It reads /proc/net/xtcp, which has the format of /proc/net/tcp: a header
 * line, then one line per socket:
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when ...
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 ...
 *
 * Addresses are the raw 32-bit words of the IP address printed in host byte
 * order, ports are in host byte order, and "st" is the state number of
 * <linux/xtcp.h>.  Because the formats are the same, "-f /proc/net/tcp"
 * lists Linux TCP sockets, which is how the parser is tested.
 *
 * Plain C and libc only.  See xtcpstat(8).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/socket.h>	/* __kernel_sa_family_t, used by xtcp.h */
#include <linux/xtcp.h>

#define XTCPSTAT_VERSION	"0.1"
#define PROC_NET_XTCP		"/proc/net/xtcp"
/* Warn about this many malformed lines, then only count them. */
#define MAX_WARNINGS		10

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static const char * const state_names[] = XTCP_STATE_NAMES;

static_assert(ARRAY_SIZE(state_names) == XTCP_MAX_STATES,
	      "XTCP_STATE_NAMES must name every state");

/* The order in which -c lists the states: the life of a connection. */
static const unsigned int summary_order[] = {
	XTCP_LISTEN, XTCP_SYN_SENT, XTCP_SYN_RECV, XTCP_ESTABLISHED,
	XTCP_FIN_WAIT1, XTCP_FIN_WAIT2, XTCP_CLOSING, XTCP_TIME_WAIT,
	XTCP_CLOSE_WAIT, XTCP_LAST_ACK, XTCP_CLOSE,
};

/* Names of the "tr" (timer) column, as netstat -o prints them. */
static const char * const timer_names[] = {
	"off", "on", "keepalive", "timewait", "probe",
};

enum column {
	COL_STATE,
	COL_RECVQ,
	COL_SENDQ,
	COL_LOCAL,
	COL_PEER,
	COL_TIMER,	/* this and the following only with -e */
	COL_UID,
	COL_INODE,
	NR_COLUMNS
};

#define NR_BASIC_COLUMNS	COL_TIMER

static const char * const column_titles[NR_COLUMNS] = {
	[COL_STATE] = "State",
	[COL_RECVQ] = "Recv-Q",
	[COL_SENDQ] = "Send-Q",
	[COL_LOCAL] = "Local Address:Port",
	[COL_PEER] = "Peer Address:Port",
	[COL_TIMER] = "Timer",
	[COL_UID] = "UID",
	[COL_INODE] = "Inode",
};

/* Numbers are right-aligned, text left-aligned. */
static const int column_right[NR_COLUMNS] = {
	[COL_RECVQ] = 1,
	[COL_SENDQ] = 1,
	[COL_UID] = 1,
	[COL_INODE] = 1,
};

/* Long enough for "[IPv6 address]:65535". */
#define ENDPOINT_SIZE		(INET6_ADDRSTRLEN + 8)

/* Long enough for any cell: an endpoint, or "timewait (N.NN/N/N)". */
#define CELL_SIZE		128

/* One socket: the fields of its line that xtcpstat shows. */
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

static const char *progname = "xtcpstat";

static void try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}

static void usage(void)
{
	printf("Usage: %s [OPTION]...\n"
	       "List XTCP sockets from " PROC_NET_XTCP ", like ss -tan.\n"
	       "\n"
	       "  -a, --all            show sockets in every state (default)\n"
	       "  -l, --listening      show listening sockets only\n"
	       "  -s, --state=STATE    show sockets in STATE only (LISTEN,\n"
	       "                       ESTABLISHED, TIME_WAIT, ...; any case,\n"
	       "                       '-' for '_'); may be repeated\n"
	       "  -n, --numeric        numeric addresses (always the case)\n"
	       "  -e, --extended       also show timer, UID and inode\n"
	       "  -c, --count          print the number of sockets per state\n"
	       "                       instead of the table\n"
	       "  -f, --file=FILE      read FILE instead of " PROC_NET_XTCP
	       "\n"
	       "                       (same format as /proc/net/tcp; - is stdin)\n"
	       "  -h, --help           show this help and exit\n"
	       "  -V, --version        show the version and exit\n"
	       "\n"
	       "Exit status: 0 on success, 1 if the file cannot be read,\n"
	       "2 on a bad option.  Malformed lines are skipped with a warning.\n",
	       progname);
}

static int state_name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = *a == '-' ? '_' : tolower((unsigned char)*a);
		int cb = *b == '-' ? '_' : tolower((unsigned char)*b);

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

/* Return the state number that NAME names, or 0 if none. */
static unsigned int state_from_name(const char *name)
{
	unsigned int i;

	for (i = 1; i < XTCP_MAX_STATES; i++)
		if (state_name_equal(name, state_names[i]))
			return i;
	/* The kernel's spellings (TCP_SYN_RECV, TCP_CLOSE) too. */
	if (state_name_equal(name, "SYN_RECV"))
		return XTCP_SYN_RECV;
	if (state_name_equal(name, "CLOSE"))
		return XTCP_CLOSE;
	return 0;
}

static void unknown_state(const char *name)
{
	size_t i;

	fprintf(stderr, "%s: unknown state '%s'; states are:", progname, name);
	for (i = 0; i < ARRAY_SIZE(summary_order); i++)
		fprintf(stderr, " %s", state_names[summary_order[i]]);
	fputc('\n', stderr);
}

/*
 * Parse exactly LEN hex digits at S into *VAL.  LEN may be 1 to 16, so the
 * value always fits in 64 bits.
 */
static int parse_hex(const char *s, size_t len, unsigned long long *val)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!isxdigit(c))
			return -1;
		v = v << 4 | (unsigned int)(isdigit(c) ? c - '0' :
					    tolower(c) - 'a' + 10);
	}
	*val = v;
	return 0;
}

/* Parse a whole token of at most MAXLEN hex digits. */
static int parse_hex_token(const char *tok, size_t maxlen,
			   unsigned long long *val)
{
	size_t len = strlen(tok);

	return len > maxlen ? -1 : parse_hex(tok, len, val);
}

/* Parse "HEX:HEX", each half at most 16 digits, e.g. "00000000:00000001". */
static int parse_hex_pair(const char *tok, unsigned long long *a,
			  unsigned long long *b)
{
	const char *colon = strchr(tok, ':');

	if (!colon)
		return -1;
	if (parse_hex(tok, colon - tok, a))
		return -1;
	return parse_hex_token(colon + 1, 16, b);
}

/* Parse a whole unsigned decimal token. */
static int parse_udec(const char *tok, unsigned long long *val)
{
	char *end;

	if (!isdigit((unsigned char)tok[0]))
		return -1;
	errno = 0;
	*val = strtoull(tok, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Parse a whole decimal token that may have a minus sign. */
static int parse_sdec(const char *tok, long long *val)
{
	char *end;

	if (!isdigit((unsigned char)tok[tok[0] == '-']))
		return -1;
	errno = 0;
	*val = strtoll(tok, &end, 10);
	return errno || *end ? -1 : 0;
}

/*
 * Parse "ADDR:PORT" as /proc/net/tcp (8 hex digits) or /proc/net/tcp6 (32)
 * prints it, and format it as ss does: "10.0.0.1:80", "[::1]:80", and "*"
 * for port 0.
 */
static int format_endpoint(const char *tok, char *buf, size_t size)
{
	const char *colon = strchr(tok, ':');
	char addr[INET6_ADDRSTRLEN];
	size_t addr_len;
	unsigned long long port, word;
	char port_str[8];
	int ret;

	if (!colon)
		return -1;
	addr_len = colon - tok;
	if (parse_hex_token(colon + 1, 4, &port))
		return -1;

	if (addr_len == 8) {
		struct in_addr in;

		if (parse_hex(tok, 8, &word))
			return -1;
		/* The kernel printed the __be32 as a host-order integer. */
		in.s_addr = (__u32)word;
		if (!inet_ntop(AF_INET, &in, addr, sizeof(addr)))
			return -1;
	} else if (addr_len == 32) {
		struct in6_addr in6;
		__u32 w;
		int i;

		for (i = 0; i < 4; i++) {
			if (parse_hex(tok + 8 * i, 8, &word))
				return -1;
			w = (__u32)word;
			memcpy(&in6.s6_addr[4 * i], &w, sizeof(w));
		}
		if (!inet_ntop(AF_INET6, &in6, addr, sizeof(addr)))
			return -1;
	} else {
		return -1;
	}

	if (port)
		snprintf(port_str, sizeof(port_str), "%u", (unsigned int)port);
	else
		strcpy(port_str, "*");

	if (addr_len == 8)
		ret = snprintf(buf, size, "%s:%s", addr, port_str);
	else
		ret = snprintf(buf, size, "[%s]:%s", addr, port_str);
	return ret < 0 || (size_t)ret >= size ? -1 : 0;
}

static void format_timer(const struct row *r, char *buf, size_t size)
{
	static unsigned long long hz;
	char name[32];

	if (!hz) {
		long ticks = sysconf(_SC_CLK_TCK);

		hz = ticks > 0 ? ticks : 100;
	}
	if (r->timer < ARRAY_SIZE(timer_names))
		snprintf(name, sizeof(name), "%s", timer_names[r->timer]);
	else
		snprintf(name, sizeof(name), "unkn-%llu", r->timer);

	/* tm->when is in clock ticks; print seconds like netstat -o. */
	snprintf(buf, size, "%s (%llu.%02llu/%llu/%lld)", name,
		 r->when / hz, r->when % hz * 100 / hz, r->retrans, r->probes);
}

/* The text of column C of R; BUF is for the columns that need one. */
static const char *format_cell(const struct row *r, int c, char *buf,
			       size_t size)
{
	switch (c) {
	case COL_STATE:
		return state_names[r->state];
	case COL_RECVQ:
		snprintf(buf, size, "%llu", r->rxq);
		return buf;
	case COL_SENDQ:
		snprintf(buf, size, "%llu", r->txq);
		return buf;
	case COL_LOCAL:
		return r->local;
	case COL_PEER:
		return r->peer;
	case COL_TIMER:
		format_timer(r, buf, size);
		return buf;
	case COL_UID:
		snprintf(buf, size, "%llu", r->uid);
		return buf;
	case COL_INODE:
		snprintf(buf, size, "%llu", r->inode);
		return buf;
	}
	return "";
}

/*
 * Parse one socket line of /proc/net/tcp format into ROW.  The fields are
 *
 *   sl: local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
 *
 * and anything after the inode (refcount, pointer, rto, ...) is ignored.
 * Returns 0, or -1 if the line is malformed.
 */
static int parse_line(char *line, struct row *row)
{
	enum { F_SL, F_LOCAL, F_REM, F_ST, F_QUEUES, F_TIMER, F_RETRNSMT,
	       F_UID, F_TIMEOUT, F_INODE, NR_FIELDS };
	char *field[NR_FIELDS];
	unsigned long long sl, st;
	char *save = NULL, *tok;
	size_t len;
	int n;

	for (n = 0; n < NR_FIELDS; n++) {
		tok = strtok_r(n ? NULL : line, " \t\r\n", &save);
		if (!tok)
			return -1;
		field[n] = tok;
	}

	/* "sl" is a decimal slot number followed by a colon. */
	len = strlen(field[F_SL]);
	if (len < 2 || field[F_SL][len - 1] != ':')
		return -1;
	field[F_SL][len - 1] = '\0';
	if (parse_udec(field[F_SL], &sl))
		return -1;

	if (parse_hex_token(field[F_ST], 2, &st) ||
	    parse_hex_pair(field[F_QUEUES], &row->txq, &row->rxq) ||
	    parse_hex_pair(field[F_TIMER], &row->timer, &row->when) ||
	    parse_hex_token(field[F_RETRNSMT], 16, &row->retrans) ||
	    parse_udec(field[F_UID], &row->uid) ||
	    parse_sdec(field[F_TIMEOUT], &row->probes) ||
	    parse_udec(field[F_INODE], &row->inode) ||
	    format_endpoint(field[F_LOCAL], row->local, sizeof(row->local)) ||
	    format_endpoint(field[F_REM], row->peer, sizeof(row->peer)))
		return -1;

	/* An unknown state number is kept and shown as UNKNOWN. */
	row->state = st < XTCP_MAX_STATES ? (unsigned int)st : 0;
	return 0;
}

static int is_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

static struct row *table_add(struct table *t)
{
	if (t->nr_rows == t->alloc) {
		size_t alloc = t->alloc ? 2 * t->alloc : 64;
		struct row *rows = realloc(t->rows, alloc * sizeof(*rows));

		if (!rows)
			return NULL;
		t->rows = rows;
		t->alloc = alloc;
	}
	return &t->rows[t->nr_rows];
}

/*
 * Read every socket line of F whose state is in MASK (a bit per state
 * number) into T.  Returns 0, or -1 with a message on a read or memory
 * error.
 */
static int read_table(FILE *f, const char *file, unsigned int mask,
		      struct table *t)
{
	unsigned long lineno = 0, malformed = 0;
	size_t size = 0;
	char *line = NULL;
	struct row *row;
	int ret = 0;

	while (getline(&line, &size, f) >= 0) {
		lineno++;
		/* The header line, "  sl  local_address rem_address ...". */
		if (lineno == 1 && strstr(line, "local_address"))
			continue;
		if (is_blank(line))
			continue;
		row = table_add(t);
		if (!row) {
			fprintf(stderr, "%s: %s\n", progname, strerror(ENOMEM));
			ret = -1;
			break;
		}
		if (parse_line(line, row)) {
			if (++malformed <= MAX_WARNINGS)
				fprintf(stderr,
					"%s: %s:%lu: malformed line skipped\n",
					progname, file, lineno);
			continue;
		}
		if (mask & (1u << row->state))
			t->nr_rows++;
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "%s: %s: read error: %s\n", progname, file,
			strerror(errno));
		ret = -1;
	}
	if (malformed > MAX_WARNINGS)
		fprintf(stderr, "%s: %s: skipped %lu more malformed lines\n",
			progname, file, malformed - MAX_WARNINGS);
	free(line);
	return ret;
}

static void print_table(const struct table *t, int extended)
{
	int ncols = extended ? NR_COLUMNS : NR_BASIC_COLUMNS;
	size_t width[NR_COLUMNS];
	char buf[CELL_SIZE];
	size_t i, len;
	int c;

	for (c = 0; c < ncols; c++) {
		width[c] = strlen(column_titles[c]);
		for (i = 0; i < t->nr_rows; i++) {
			len = strlen(format_cell(&t->rows[i], c, buf,
						 sizeof(buf)));
			if (len > width[c])
				width[c] = len;
		}
	}

	/* Line 0 is the header.  The last column gets no trailing blanks. */
	for (i = 0; i <= t->nr_rows; i++) {
		for (c = 0; c < ncols; c++) {
			const char *s = i ? format_cell(&t->rows[i - 1], c, buf,
							sizeof(buf)) :
					    column_titles[c];
			int w = (int)width[c];

			if (c)
				fputs("  ", stdout);
			if (column_right[c])
				printf("%*s", w, s);
			else if (c == ncols - 1)
				fputs(s, stdout);
			else
				printf("%-*s", w, s);
		}
		putchar('\n');
	}
}

static void print_counts(const struct table *t)
{
	unsigned long count[XTCP_MAX_STATES] = { 0 };
	size_t i;

	for (i = 0; i < t->nr_rows; i++)
		count[t->rows[i].state]++;

	printf("Total: %zu\n", t->nr_rows);
	for (i = 0; i < ARRAY_SIZE(summary_order); i++)
		printf("%-12s %lu\n", state_names[summary_order[i]],
		       count[summary_order[i]]);
	if (count[0])
		printf("%-12s %lu\n", state_names[0], count[0]);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "listening",	no_argument,		NULL, 'l' },
		{ "state",	required_argument,	NULL, 's' },
		{ "numeric",	no_argument,		NULL, 'n' },
		{ "extended",	no_argument,		NULL, 'e' },
		{ "count",	no_argument,		NULL, 'c' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *file = PROC_NET_XTCP;
	int all = 0, extended = 0, counts = 0;
	struct table table = { NULL, 0, 0 };
	unsigned int mask = 0, state;
	FILE *f;
	int opt, ret;

	if (argv[0] && *argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		progname = slash ? slash + 1 : argv[0];
	}

	while ((opt = getopt_long(argc, argv, "als:necf:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'l':
			mask |= 1u << XTCP_LISTEN;
			break;
		case 's':
			state = state_from_name(optarg);
			if (!state) {
				unknown_state(optarg);
				return 2;
			}
			mask |= 1u << state;
			break;
		case 'n':
			/* Addresses and ports are always numeric. */
			break;
		case 'e':
			extended = 1;
			break;
		case 'c':
			counts = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf("%s %s (AF_XTCP %d)\n", progname,
			       XTCPSTAT_VERSION, AF_XTCP);
			return 0;
		default:
			try_help();
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname,
			argv[optind]);
		try_help();
		return 2;
	}
	if (all || !mask)
		mask = ~0u;

	if (strcmp(file, "-") == 0) {
		f = stdin;
		file = "(stdin)";
	} else {
		f = fopen(file, "r");
	}
	if (!f) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s%s\n", progname, file,
			strerror(err),
			err == ENOENT && strcmp(file, PROC_NET_XTCP) == 0 ?
			" (is the xtcp module loaded?)" : "");
		return 1;
	}

	ret = read_table(f, file, mask, &table) ? 1 : 0;
	if (f != stdin)
		fclose(f);

	if (!ret) {
		if (counts)
			print_counts(&table);
		else
			print_table(&table, extended);
	}
	free(table.rows);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			strerror(errno));
		ret = 1;
	}
	return ret;
}
