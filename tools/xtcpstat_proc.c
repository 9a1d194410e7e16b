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
 * prints it into EP.
 */
static int parse_hex_endpoint(const char *tok, struct endpoint *ep)
{
	const char *colon = strchr(tok, ':');
	unsigned long long port, word;
	size_t addr_len, i;
	__u32 w;

	if (!colon)
		return -1;
	addr_len = colon - tok;
	if (addr_len != 8 && addr_len != 32)
		return -1;
	if (parse_hex_token(colon + 1, 4, &port))
		return -1;
	memset(ep, 0, sizeof(*ep));
	/* The kernel printed each __be32 word as a host-order integer. */
	for (i = 0; i < addr_len / 8; i++) {
		if (parse_hex(tok + 8 * i, 8, &word))
			return -1;
		w = (__u32)word;
		memcpy(&ep->addr[4 * i], &w, sizeof(w));
	}
	ep->family = addr_len == 8 ? AF_INET : AF_INET6;
	ep->port = (unsigned int)port;
	return 0;
}

/* V in decimal at P, with no terminating NUL; returns the end. */
char *put_udec(char *p, unsigned long long v)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

/*
 * Format EP as ss does: "10.0.0.1:80", "[::1]:80", and "*" for port 0.
 * IPv4 by hand: inet_ntop() and snprintf() parse a format for every
 * number, twice per line of a table that may have 100,000.
 */
static int format_endpoint(const struct endpoint *ep, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN], port[12] = "*";
	bool v6 = ep->family != AF_INET;
	size_t alen, plen;
	char *p = addr;
	int i;

	if (v6) {
		if (!inet_ntop(ep->family, ep->addr, addr, sizeof(addr)))
			return -1;
	} else {
		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_udec(p, ep->addr[i]);
		}
		*p = '\0';
	}
	if (ep->port)
		*put_udec(port, ep->port) = '\0';
	alen = strlen(addr);
	plen = strlen(port);
	if (alen + plen + (v6 ? 2 : 0) + 2 > size)
		return -1;
	p = buf;
	if (v6)
		*p++ = '[';
	memcpy(p, addr, alen);
	p += alen;
	if (v6)
		*p++ = ']';
	*p++ = ':';
	memcpy(p, port, plen + 1);
	return 0;
}

/*
 * Parse "ADDR:PORT" as /proc/net/xtcp_ext prints it ("10.0.0.1:80",
 * "[::1]:80") into EP.
 */
int parse_endpoint(const char *tok, struct endpoint *ep)
{
	const char *colon = strrchr(tok, ':');
	char addr[INET6_ADDRSTRLEN + 2];
	unsigned long long port;
	size_t len;

	if (!colon || parse_udec(colon + 1, &port) || port > 65535)
		return -1;
	len = colon - tok;
	if (len >= sizeof(addr))
		return -1;
	memcpy(addr, tok, len);
	addr[len] = '\0';
	memset(ep, 0, sizeof(*ep));
	ep->port = (unsigned int)port;
	if (len > 2 && addr[0] == '[' && addr[len - 1] == ']') {
		addr[len - 1] = '\0';
		ep->family = AF_INET6;
		return inet_pton(AF_INET6, addr + 1, ep->addr) == 1 ? 0 : -1;
	}
	ep->family = AF_INET;
	return inet_pton(AF_INET, addr, ep->addr) == 1 ? 0 : -1;
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
	    parse_hex_endpoint(field[F_LOCAL], &row->src) ||
	    parse_hex_endpoint(field[F_REM], &row->dst) ||
	    format_endpoint(&row->src, row->local, sizeof(row->local)) ||
	    format_endpoint(&row->dst, row->peer, sizeof(row->peer)))
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
 * Read every socket line of F that O selects (its states and filter) into
 * T.  Returns 0; 1 if some lines were malformed (they are skipped, with a
 * message); or -1 with a message on a read or memory error.
 */
int read_table(FILE *f, const char *file, const struct options *o,
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
		memset(row, 0, sizeof(*row));
		if (parse_line(line, row)) {
			if (++malformed <= MAX_WARNINGS)
				fprintf(stderr,
					"%s: %s:%lu: malformed line skipped\n",
					progname, file, lineno);
			continue;
		}
		if (!(o->states & (1u << row->state)))
			continue;
		if (o->filter && !filter_match(o->filter, row))
			continue;
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
	return ret ? ret : malformed ? 1 : 0;
}

/*
 * Sockets by their two endpoints, to join /proc/net/xtcp_ext's lines to
 * the table's rows in time linear in the number of lines: open addressing,
 * at most half full.
 */
struct index {
	struct row **slot;
	size_t size;		/* a power of two */
};

static size_t hash_endpoint(const struct endpoint *ep, size_t h)
{
	size_t i;

	for (i = 0; i < sizeof(ep->addr); i++)
		h = h * 31 + ep->addr[i];
	return h * 31 + ep->port;
}

static size_t hash_pair(const struct endpoint *a, const struct endpoint *b)
{
	return hash_endpoint(b, hash_endpoint(a, 17));
}

static bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int index_build(struct index *ix, struct table *t)
{
	size_t i, h;

	for (ix->size = 16; ix->size < 2 * t->nr_rows; )
		ix->size *= 2;
	ix->slot = calloc(ix->size, sizeof(*ix->slot));
	if (!ix->slot)
		return -1;
	for (i = 0; i < t->nr_rows; i++) {
		struct row *r = &t->rows[i];

		h = hash_pair(&r->src, &r->dst) & (ix->size - 1);
		while (ix->slot[h])
			h = (h + 1) & (ix->size - 1);
		ix->slot[h] = r;
	}
	return 0;
}

/* The row of SRC -> DST that has no xtcp_ext line yet, or NULL. */
static struct row *index_find(const struct index *ix,
			      const struct endpoint *src,
			      const struct endpoint *dst)
{
	size_t h = hash_pair(src, dst) & (ix->size - 1);
	struct row *r;

	for (; (r = ix->slot[h]); h = (h + 1) & (ix->size - 1))
		if (!r->has_ext && endpoint_equal(&r->src, src) &&
		    endpoint_equal(&r->dst, dst))
			return r;
	return NULL;
}

/* The columns of /proc/net/xtcp_ext that -i shows, by their header name. */
enum ext_col {
	X_LOCAL, X_REMOTE, X_ISS, X_SND_UNA, X_SND_NXT, X_SND_WND, X_IRS,
	X_RCV_NXT, X_RCV_WND, X_MSS, X_SRTT, X_RTTVAR, X_RTO, X_RETRANS,
	X_CWND, X_SSTHRESH, X_SND_WS, X_RCV_WS, X_RCVBUF, X_SNDBUF,
	X_CA_STATE,	/* optional: a newer module's congestion state */
	NR_EXT_COLS
};

static const char * const ext_col_names[NR_EXT_COLS] = {
	[X_LOCAL] = "local", [X_REMOTE] = "remote", [X_ISS] = "iss",
	[X_SND_UNA] = "snd_una", [X_SND_NXT] = "snd_nxt",
	[X_SND_WND] = "snd_wnd", [X_IRS] = "irs", [X_RCV_NXT] = "rcv_nxt",
	[X_RCV_WND] = "rcv_wnd", [X_MSS] = "mss", [X_SRTT] = "srtt_us",
	[X_RTTVAR] = "rttvar", [X_RTO] = "rto_ms", [X_RETRANS] = "retrans",
	[X_CWND] = "cwnd", [X_SSTHRESH] = "ssthresh", [X_SND_WS] = "snd_ws",
	[X_RCV_WS] = "rcv_ws", [X_RCVBUF] = "rcvbuf", [X_SNDBUF] = "sndbuf",
	[X_CA_STATE] = "ca_state",
};

#define MAX_EXT_WORDS	64

static int split_words(char *line, char **word, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -1;
		word[n++] = tok;
	}
	return n;
}

/* The column of each name in the header line; -1 if one is missing. */
static int ext_header(char *line, int *col)
{
	char *word[MAX_EXT_WORDS];
	int n, c, i;

	n = split_words(line, word, MAX_EXT_WORDS);
	for (c = 0; c < NR_EXT_COLS; c++) {
		col[c] = -1;
		for (i = 0; i < n; i++)
			if (!strcmp(word[i], ext_col_names[c]))
				col[c] = i;
		if (col[c] < 0 && c != X_CA_STATE)
			return -1;
	}
	return n;
}

static int ext_line(char *line, const int *col, int nr_cols,
		    const struct index *ix)
{
	unsigned long long *u[NR_EXT_COLS] = { NULL };
	long long *s[NR_EXT_COLS] = { NULL };
	char *word[MAX_EXT_WORDS];
	struct endpoint src, dst;
	struct ext e;
	struct row *r;
	int c;

	if (split_words(line, word, MAX_EXT_WORDS) != nr_cols ||
	    parse_endpoint(word[col[X_LOCAL]], &src) ||
	    parse_endpoint(word[col[X_REMOTE]], &dst))
		return -1;
	u[X_ISS] = &e.iss;
	u[X_SND_UNA] = &e.snd_una;
	u[X_SND_NXT] = &e.snd_nxt;
	u[X_SND_WND] = &e.snd_wnd;
	u[X_IRS] = &e.irs;
	u[X_RCV_NXT] = &e.rcv_nxt;
	u[X_RCV_WND] = &e.rcv_wnd;
	u[X_MSS] = &e.mss;
	u[X_SRTT] = &e.srtt_us;
	u[X_RTTVAR] = &e.rttvar_us;
	u[X_RTO] = &e.rto_ms;
	u[X_RETRANS] = &e.retrans;
	u[X_CWND] = &e.cwnd;
	u[X_SND_WS] = &e.snd_ws;
	u[X_RCV_WS] = &e.rcv_ws;
	s[X_SSTHRESH] = &e.ssthresh;
	s[X_RCVBUF] = &e.rcvbuf;
	s[X_SNDBUF] = &e.sndbuf;
	for (c = X_ISS; c < NR_EXT_COLS; c++) {
		if (u[c] && parse_udec(word[col[c]], u[c]))
			return -1;
		if (s[c] && parse_sdec(word[col[c]], s[c]))
			return -1;
	}
	e.ca_state[0] = '\0';
	if (col[X_CA_STATE] >= 0) {
		if (strlen(word[col[X_CA_STATE]]) >= sizeof(e.ca_state))
			return -1;
		strcpy(e.ca_state, word[col[X_CA_STATE]]);
	}
	/* A socket that came or went between the two reads has no row. */
	r = index_find(ix, &src, &dst);
	if (r) {
		r->ext = e;
		r->has_ext = true;
	}
	return 0;
}

/*
 * Add the variables of /proc/net/xtcp_ext (FILE) to the rows of T.
 * Returns 0, 1 if some lines were malformed, or -1 with a message.
 */
int read_ext(const char *file, struct table *t)
{
	unsigned long lineno = 0, malformed = 0;
	int col[NR_EXT_COLS], nr_cols = -1;
	struct index ix = { NULL, 0 };
	size_t size = 0;
	char *line = NULL;
	FILE *f;
	int ret = 0;

	f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", progname, file, strerror(errno));
		return -1;
	}
	if (index_build(&ix, t)) {
		fprintf(stderr, "%s: %s\n", progname, strerror(ENOMEM));
		fclose(f);
		return -1;
	}
	while (getline(&line, &size, f) >= 0) {
		lineno++;
		if (lineno == 1) {
			nr_cols = ext_header(line, col);
			if (nr_cols < 0) {
				fprintf(stderr, "%s: %s: no header naming the columns\n",
					progname, file);
				ret = -1;
				break;
			}
			continue;
		}
		if (is_blank(line))
			continue;
		if (ext_line(line, col, nr_cols, &ix) &&
		    ++malformed <= MAX_WARNINGS)
			fprintf(stderr, "%s: %s:%lu: malformed line skipped\n",
				progname, file, lineno);
	}
	if (!ret && lineno == 0) {
		fprintf(stderr, "%s: %s: empty, not even a header\n",
			progname, file);
		ret = -1;
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "%s: %s: read error: %s\n", progname, file,
			strerror(errno));
		ret = -1;
	}
	free(line);
	free(ix.slot);
	fclose(f);
	return ret ? ret : malformed ? 1 : 0;
}

void free_table(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nr_rows; i++)
		free(t->rows[i].owners);
	free(t->rows);
	t->rows = NULL;
	t->nr_rows = 0;
	t->alloc = 0;
}
