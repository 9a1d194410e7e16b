// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat: parsing /proc/net/xtcp, which has the format of /proc/net/tcp:
 * a header line, then one line per socket:
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when ...
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 ...
 *
 * Addresses are the raw 32-bit words of the IP address printed in host byte
 * order, ports are in host byte order, and "st" is the state number of
 * <linux/xtcp.h>.  Because the formats are the same, "-f /proc/net/tcp"
 * lists Linux TCP sockets, which is how the parser is tested.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xtcpstat.h"

/* Warn about this many malformed lines, then only count them. */
#define MAX_WARNINGS		10

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

/*
 * Parse one socket line of /proc/net/tcp format into ROW.  The fields are
 *
 *   sl: local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
 *
 * and anything after the inode (refcount, pointer, rto, ...) is ignored.
 * Returns 0, or -1 if the line is malformed.
 */
int parse_line(char *line, struct row *row)
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
int read_table(FILE *f, const char *file, unsigned int mask,
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
