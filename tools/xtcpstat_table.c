// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat: the aligned table, one line per socket, as ss prints it:
 *
 *   State   Recv-Q  Send-Q  Local Address:Port  Peer Address:Port  Process
 *
 * then what -p, -o and -e add at the end of the line in ss's words
 * (users:(("name",pid=N,fd=N)) timer:(on,200ms,0) uid:N ino:N), and the
 * RFC 9293 variables of -i on a line of their own that starts with a tab.
 * Whatever would run past the terminal's last column goes on a line of
 * its own, indented by a tab, as ss does with what does not fit.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "xtcpstat.h"

/* Names of the "tr" (timer) column, as ss -o prints them. */
static const char * const timer_names[] = {
	"off", "on", "keepalive", "timewait", "persist",
};

enum column {
	COL_STATE,
	COL_RECVQ,
	COL_SENDQ,
	COL_LOCAL,
	COL_PEER,
	NR_COLUMNS
};

static const char * const column_titles[NR_COLUMNS] = {
	[COL_STATE] = "State",
	[COL_RECVQ] = "Recv-Q",
	[COL_SENDQ] = "Send-Q",
	[COL_LOCAL] = "Local Address:Port",
	[COL_PEER] = "Peer Address:Port",
};

/* Numbers are right-aligned, text left-aligned. */
static const bool column_right[NR_COLUMNS] = {
	[COL_RECVQ] = true,
	[COL_SENDQ] = true,
};

/* Long enough for any cell: an endpoint with a service name. */
#define CELL_SIZE		128
/* Long enough for the extras of a line, owners aside. */
#define EXTRA_SIZE		512

/* The terminal's width; 0 if unknown (output to a pipe or a file). */
int terminal_width(void)
{
	struct winsize ws;
	const char *env;

	if (isatty(STDOUT_FILENO) &&
	    !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	env = getenv("COLUMNS");
	return env ? atoi(env) : 0;
}

/*
 * The service name of PORT, or NULL.  Each port is looked up once: with
 * 100,000 sockets, reading /etc/services for each would cost more than
 * the table.
 */
static const char *service_name(unsigned int port)
{
	static char *names[65536];
	static bool looked_up[65536];
	struct servent *se;

	if (port > 65535)
		return NULL;
	if (!looked_up[port]) {
		looked_up[port] = true;
		se = getservbyport(htons(port), "tcp");
		names[port] = se ? strdup(se->s_name) : NULL;
	}
	return names[port];
}

/* The endpoint's text, with its port's service name unless NUMERIC. */
static const char *format_address(const struct endpoint *ep,
				  const char *text, bool numeric, char *buf,
				  size_t size)
{
	const char *name, *colon;

	/* The text has the number already (format_endpoint()). */
	if (numeric || !ep->port)
		return text;
	name = service_name(ep->port);
	if (!name)
		return text;
	colon = strrchr(text, ':');
	snprintf(buf, size, "%.*s:%s", (int)(colon - text), text, name);
	return buf;
}

/* V in decimal in BUF: printf parses a format for every number. */
static const char *format_ull(unsigned long long v, char *buf)
{
	*put_udec(buf, v) = '\0';
	return buf;
}

/* The text of column C of R; BUF is for the columns that need one. */
static const char *format_cell(const struct row *r, int c, bool numeric,
			       char *buf, size_t size)
{
	switch (c) {
	case COL_STATE:
		return state_names[r->state];
	case COL_RECVQ:
		return format_ull(r->rxq, buf);
	case COL_SENDQ:
		return format_ull(r->txq, buf);
	case COL_LOCAL:
		return format_address(&r->src, r->local, numeric, buf, size);
	case COL_PEER:
		return format_address(&r->dst, r->peer, numeric, buf, size);
	}
	return "";
}

/* "200ms", "59sec", "2min3sec", as ss -o prints a timer. */
static void format_ms(unsigned long long ms, char *buf, size_t size)
{
	if (ms < 1000)
		snprintf(buf, size, "%llums", ms);
	else if (ms < 60000)
		snprintf(buf, size, "%llusec", ms / 1000);
	else
		snprintf(buf, size, "%llumin%llusec", ms / 60000,
			 ms / 1000 % 60);
}

static unsigned long long clock_ticks(void)
{
	static unsigned long long hz;

	if (!hz) {
		long ticks = sysconf(_SC_CLK_TCK);

		hz = ticks > 0 ? ticks : 100;
	}
	return hz;
}

/* tm->when is in clock ticks (USER_HZ); milliseconds. */
unsigned long long timer_ms(const struct row *r)
{
	return r->when * 1000 / clock_ticks();
}

const char *timer_name(const struct row *r)
{
	return r->timer < ARRAY_SIZE(timer_names) ? timer_names[r->timer] :
						    "unknown";
}

/* Append to BUF (of SIZE, LEN used) what FMT says; the new length. */
static size_t append(char *buf, size_t size, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len >= size)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	return len + n < size ? len + n : size - 1;
}

/* A line of the table as it is built; the buffer serves every line. */
struct line {
	char	*buf;
	size_t	len, size;
};

/* Room for N more bytes in L; false if there is no memory for it. */
static bool line_room(struct line *l, size_t n)
{
	size_t size = 2 * (l->len + n);
	char *buf;

	if (l->len + n <= l->size)
		return true;
	buf = realloc(l->buf, size);
	if (!buf)
		return false;
	l->buf = buf;
	l->size = size;
	return true;
}

/* Append S to L, blanks after it (before, if RIGHT) up to WIDTH. */
static bool line_cell(struct line *l, const char *s, size_t width,
		      bool right)
{
	size_t n = strlen(s), pad = n < width ? width - n : 0;

	if (!line_room(l, n + pad))
		return false;
	if (right) {
		memset(l->buf + l->len, ' ', pad);
		l->len += pad;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	if (!right) {
		memset(l->buf + l->len, ' ', pad);
		l->len += pad;
	}
	return true;
}

static bool line_puts(struct line *l, const char *s)
{
	return line_cell(l, s, 0, false);
}

static bool print_owners(struct line *l, const struct row *r)
{
	char owner[sizeof(r->owners[0].comm) + 64];
	size_t i;

	if (!line_puts(l, "users:("))
		return false;
	for (i = 0; i < r->nr_owners; i++) {
		snprintf(owner, sizeof(owner), "%s(\"%s\",pid=%d,fd=%d)",
			 i ? "," : "", r->owners[i].comm, r->owners[i].pid,
			 r->owners[i].fd);
		if (!line_puts(l, owner))
			return false;
	}
	return line_puts(l, ")");
}

/* What -o and -e add, in ss's words. */
static void format_extras(const struct row *r, const struct options *o,
			  char *buf, size_t size)
{
	char when[32];
	size_t len = 0;

	buf[0] = '\0';
	if (o->timers && r->timer) {
		format_ms(timer_ms(r), when, sizeof(when));
		len = append(buf, size, len, "timer:(%s,%s,%llu)",
			     timer_name(r), when, r->retrans);
	}
	if (o->extended)
		len = append(buf, size, len, "%suid:%llu ino:%llu",
			     len ? " " : "", r->uid, r->inode);
}

/* The congestion phase that cwnd and ssthresh say (RFC 5681 3.1). */
const char *ca_phase(const struct ext *e)
{
	return e->ssthresh < 0 || e->cwnd < (unsigned long long)e->ssthresh ?
	       "slow_start" : "congestion_avoidance";
}

/* -i: the RFC 9293 variables, RTT and congestion state, ss -i style. */
static void print_info(const struct row *r)
{
	const struct ext *e = &r->ext;

	if (!r->has_ext) {
		fputs("\t(no line in " PROC_NET_XTCP_EXT ")\n", stdout);
		return;
	}
	printf("\tiss:%llu irs:%llu snd_una:%llu snd_nxt:%llu snd_wnd:%llu",
	       e->iss, e->irs, e->snd_una, e->snd_nxt, e->snd_wnd);
	printf(" rcv_nxt:%llu rcv_wnd:%llu", e->rcv_nxt, e->rcv_wnd);
	printf(" wscale:%llu,%llu mss:%llu rtt:%llu.%03llu/%llu.%03llu rto:%llu retrans:%llu",
	       e->snd_ws, e->rcv_ws, e->mss, e->srtt_us / 1000,
	       e->srtt_us % 1000, e->rttvar_us / 1000, e->rttvar_us % 1000,
	       e->rto_ms, e->retrans);
	printf(" cwnd:%llu", e->cwnd);
	if (e->ssthresh >= 0)
		printf(" ssthresh:%lld", e->ssthresh);
	printf(" %s", ca_phase(e));
	if (e->ca_state[0])
		printf(" ca_state:%s", e->ca_state);
	printf(" rcvbuf:%lld sndbuf:%lld\n", e->rcvbuf, e->sndbuf);
}

/* Print the lines in BUF (LEN bytes) without trailing blanks. */
static void put_lines(const char *buf, size_t len)
{
	const char *end = buf + len, *nl;
	size_t n;

	do {
		nl = memchr(buf, '\n', end - buf);
		n = (nl ? nl : end) - buf;
		while (n && buf[n - 1] == ' ')
			n--;
		fwrite(buf, 1, n, stdout);
		putchar('\n');
		buf = nl ? nl + 1 : end;
	} while (nl);
}

void print_table(const struct table *t, const struct options *o)
{
	size_t width[NR_COLUMNS], line_width = 0, len;
	char cell[CELL_SIZE], extra[EXTRA_SIZE];
	int cols = terminal_width();
	struct line l = { 0 };
	const char *sep;
	size_t i;
	int c;

	for (c = 0; c < NR_COLUMNS; c++) {
		width[c] = o->no_header ? 0 : strlen(column_titles[c]);
		for (i = 0; i < t->nr_rows; i++) {
			len = strlen(format_cell(&t->rows[i], c, o->numeric,
						 cell, sizeof(cell)));
			if (len > width[c])
				width[c] = len;
		}
		line_width += width[c] + (c ? 2 : 0);
	}

	/* Line 0 is the header. */
	for (i = o->no_header ? 1 : 0; i <= t->nr_rows; i++) {
		const struct row *r = i ? &t->rows[i - 1] : NULL;

		l.len = 0;
		for (c = 0; c < NR_COLUMNS; c++) {
			const char *s = r ? format_cell(r, c, o->numeric, cell,
							sizeof(cell)) :
					    column_titles[c];

			if ((c && !line_puts(&l, "  ")) ||
			    !line_cell(&l, s, width[c], column_right[c]))
				goto out;
		}
		if (!r && o->processes && !line_puts(&l, "  Process"))
			goto out;
		if (r && o->processes && r->nr_owners &&
		    (!line_puts(&l, "  ") || !print_owners(&l, r)))
			goto out;
		if (r) {
			format_extras(r, o, extra, sizeof(extra));
			/* Too long for the terminal: a line of its own. */
			if (cols > 0 &&
			    line_width + 2 + strlen(extra) > (size_t)cols)
				sep = "\n\t";
			else
				sep = "  ";
			if (extra[0] &&
			    (!line_puts(&l, sep) || !line_puts(&l, extra)))
				goto out;
		}
		put_lines(l.buf, l.len);
		if (r && o->info)
			print_info(r);
	}
out:
	free(l.buf);
}

static void json_info(struct json *j, const struct ext *e)
{
	json_open(j, "info", '{');
	json_uint(j, "iss", e->iss);
	json_uint(j, "irs", e->irs);
	json_uint(j, "snd_una", e->snd_una);
	json_uint(j, "snd_nxt", e->snd_nxt);
	json_uint(j, "snd_wnd", e->snd_wnd);
	json_uint(j, "rcv_nxt", e->rcv_nxt);
	json_uint(j, "rcv_wnd", e->rcv_wnd);
	json_uint(j, "snd_wscale", e->snd_ws);
	json_uint(j, "rcv_wscale", e->rcv_ws);
	json_uint(j, "mss", e->mss);
	json_uint(j, "srtt_us", e->srtt_us);
	json_uint(j, "rttvar_us", e->rttvar_us);
	json_uint(j, "rto_ms", e->rto_ms);
	json_uint(j, "retrans", e->retrans);
	json_uint(j, "cwnd", e->cwnd);
	if (e->ssthresh >= 0)
		json_int(j, "ssthresh", e->ssthresh);
	else
		json_null(j, "ssthresh");
	json_str(j, "phase", ca_phase(e));
	if (e->ca_state[0])
		json_str(j, "ca_state", e->ca_state);
	json_int(j, "rcvbuf", e->rcvbuf);
	json_int(j, "sndbuf", e->sndbuf);
	json_close(j, '}');
}

/* -j: see Documentation/xtcpstat.rst for the schema. */
void print_table_json(const struct table *t, const struct options *o)
{
	struct json j;
	size_t i, k;

	json_init(&j, stdout, o->pretty);
	json_open(&j, NULL, '{');
	json_open(&j, "sockets", '[');
	for (i = 0; i < t->nr_rows; i++) {
		const struct row *r = &t->rows[i];

		json_open(&j, NULL, '{');
		json_str(&j, "state", state_names[r->state]);
		json_uint(&j, "recv_q", r->rxq);
		json_uint(&j, "send_q", r->txq);
		json_endpoint(&j, "local", &r->src);
		json_endpoint(&j, "peer", &r->dst);
		json_open(&j, "timer", '{');
		json_str(&j, "name", timer_name(r));
		json_uint(&j, "expires_ms", r->timer ? timer_ms(r) : 0);
		json_uint(&j, "retrans", r->retrans);
		json_close(&j, '}');
		json_uint(&j, "uid", r->uid);
		json_uint(&j, "inode", r->inode);
		if (o->info && r->has_ext)
			json_info(&j, &r->ext);
		else if (o->info)
			json_null(&j, "info");
		if (o->processes) {
			json_open(&j, "users", '[');
			for (k = 0; k < r->nr_owners; k++) {
				json_open(&j, NULL, '{');
				json_str(&j, "name", r->owners[k].comm);
				json_int(&j, "pid", r->owners[k].pid);
				json_int(&j, "fd", r->owners[k].fd);
				json_close(&j, '}');
			}
			json_close(&j, ']');
		}
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
}
