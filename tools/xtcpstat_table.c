// SPDX-License-Identifier: GPL-2.0
/* xtcpstat: the aligned table, one line per socket, as ss prints it. */
#include <string.h>
#include <unistd.h>

#include "xtcpstat.h"

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
/* Long enough for any cell: an endpoint, or "timewait (N.NN/N/N)". */
#define CELL_SIZE		128

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

void print_table(const struct table *t, int extended)
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
