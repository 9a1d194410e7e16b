// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat --diagram: the connection state diagram of RFC 9293 (3.3.2,
 * figure 5), drawn in the terminal with the number of sockets now in each
 * state (from /proc/net/xtcp) and the number of times each arc was taken
 * (the transition counts of /proc/net/xtcp_snmp).  With -w SECONDS it is
 * redrawn; an arc taken since the last drawing is marked '*'.  --dot
 * writes the same as a Graphviz digraph.
 *
 * The template below is the picture: "{NN}" is replaced by the count of
 * state NN (4 columns), "{FF-TT}" by the count of the arc from state FF to
 * state TT and its mark (7 columns), so the picture keeps its shape.  Arcs
 * it has no room for are listed under it.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xtcpstat.h"

/* State numbers: 1 ESTABLISHED ... 11 CLOSING, as in <linux/xtcp.h>. */
static const char * const picture[] = {
"                          +------------------+",
"                          | CLOSED      {07} |",
"                          +------------------+",
"          passive open       |            |      active open, snd SYN",
"          {07-10}            |            |      {07-02}",
"  +------------------+ <-----+            +----> +------------------+",
"  | LISTEN      {10} | ---- snd SYN {10-02} ---> | SYN_SENT    {02} |",
"  +------------------+                           +------------------+",
"    | rcv SYN, snd SYN,ACK     rcv SYN, snd ACK   |           |",
"    | {10-03}                  {02-03}            |           |",
"    |              +------------------------------+           |",
"    v              v                                          |",
"  +------------------+                   rcv SYN,ACK, snd ACK |",
"  | SYN_RCVD    {03} |                   {02-01}              |",
"  +------------------+                                        |",
"    | rcv ACK of SYN {03-01}                                  |",
"    v                                                         v",
"  +-------------------------------------------------------------------+",
"  |                     ESTABLISHED      {01}                         |",
"  +-------------------------------------------------------------------+",
"    | close, snd FIN {01-04}              rcv FIN, snd ACK {01-08} |",
"    v                                                              v",
"  +------------------+                           +------------------+",
"  | FIN_WAIT1   {04} |                           | CLOSE_WAIT  {08} |",
"  +------------------+                           +------------------+",
"    |          | rcv ACK of FIN                    | close, snd FIN",
"    | rcv FIN  | {04-05}                           | {08-09}",
"    | {04-11}  v                                   v",
"    |        +------------------+        +------------------+",
"    |        | FIN_WAIT2   {05} |        | LAST_ACK    {09} |",
"    |        +------------------+        +------------------+",
"    v          | rcv FIN, snd ACK          | rcv ACK of FIN",
"  +------------------+  {05-06}            | {09-07}  -> CLOSED",
"  | CLOSING     {11} |   |",
"  +------------------+   |",
"    | rcv ACK of FIN     |",
"    | {11-06}            v",
"    +------------> +------------------+",
"                   | TIME_WAIT   {06} |",
"                   +------------------+",
"                     | 2 MSL timeout {06-07}  -> CLOSED",
};

/* The arcs of RFC 9293's figure that the picture has no room for. */
static const struct {
	unsigned char from, to;
	const char *why;
} side_arcs[] = {
	{ XTCP_LISTEN, XTCP_CLOSE, "close" },
	{ XTCP_SYN_SENT, XTCP_CLOSE, "close, timeout or RST" },
	{ XTCP_SYN_RECV, XTCP_FIN_WAIT1, "close, snd FIN" },
	{ XTCP_SYN_RECV, XTCP_LISTEN, "rcv RST" },
	{ XTCP_FIN_WAIT1, XTCP_TIME_WAIT, "rcv FIN,ACK of FIN" },
};

static atomic_int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* What one drawing shows. */
struct frame {
	unsigned long states[XTCP_MAX_STATES];
	unsigned long long trans[XTCP_MAX_STATES][XTCP_MAX_STATES];
};

static bool in_picture(unsigned int from, unsigned int to)
{
	char tok[8];
	size_t i;

	snprintf(tok, sizeof(tok), "{%02u-%02u}", from, to);
	for (i = 0; i < ARRAY_SIZE(picture); i++)
		if (strstr(picture[i], tok))
			return true;
	return false;
}

/* A count in WIDTH columns: 1234, 12k, 3M. */
static void short_count(unsigned long long n, int width, char *buf,
			size_t size)
{
	if (snprintf(buf, size, "%*llu", width, n) <= width)
		return;
	if (n < 1000000)
		snprintf(buf, size, "%*lluk", width - 1, n / 1000);
	else
		snprintf(buf, size, "%*lluM", width - 1, n / 1000000);
}

static bool taken(const struct frame *now, const struct frame *last,
		  unsigned int from, unsigned int to)
{
	return last && now->trans[from][to] > last->trans[from][to];
}

static void draw_line(const char *line, const struct frame *now,
		      const struct frame *last)
{
	unsigned int a, b;
	char cnt[16];
	const char *p;

	for (p = line; *p; ) {
		if (sscanf(p, "{%2u-%2u}", &a, &b) == 2 && p[6] == '}' &&
		    a < XTCP_MAX_STATES && b < XTCP_MAX_STATES) {
			short_count(now->trans[a][b], 6, cnt, sizeof(cnt));
			printf("%s%c", cnt, taken(now, last, a, b) ? '*' : ' ');
			p += 7;
		} else if (sscanf(p, "{%2u}", &a) == 1 && p[3] == '}' &&
			   a < XTCP_MAX_STATES) {
			short_count(now->states[a], 4, cnt, sizeof(cnt));
			fputs(cnt, stdout);
			p += 4;
		} else {
			putchar(*p++);
		}
	}
	putchar('\n');
}

static void draw(const struct frame *now, const struct frame *last,
		 double interval)
{
	unsigned int from, to;
	size_t i;
	bool any = false;

	for (i = 0; i < ARRAY_SIZE(picture); i++)
		draw_line(picture[i], now, last);
	printf("\nOther arcs of RFC 9293's diagram:\n");
	for (i = 0; i < ARRAY_SIZE(side_arcs); i++) {
		from = side_arcs[i].from;
		to = side_arcs[i].to;
		printf("  %-11s -> %-11s %-24s %6llu%c\n", state_names[from],
		       state_names[to], side_arcs[i].why,
		       now->trans[from][to],
		       taken(now, last, from, to) ? '*' : ' ');
	}
	/* Aborts and the rest: every other arc taken. */
	for (from = 1; from < XTCP_MAX_STATES; from++)
		for (to = 1; to < XTCP_MAX_STATES; to++) {
			bool side = false;

			for (i = 0; i < ARRAY_SIZE(side_arcs); i++)
				side |= side_arcs[i].from == from &&
					side_arcs[i].to == to;
			if (side || !now->trans[from][to] ||
			    in_picture(from, to))
				continue;
			if (!any)
				printf("Arcs outside it (aborts, resets):\n");
			any = true;
			printf("  %-11s -> %-11s %-24s %6llu%c\n",
			       state_names[from], state_names[to], "",
			       now->trans[from][to],
			       taken(now, last, from, to) ? '*' : ' ');
		}
	if (interval > 0)
		printf("\nEvery %gs; * marks an arc taken since the last drawing. Ctrl-C to end.\n",
		       interval);
	printf("\n");
	fflush(stdout);
}

/*
 * --dot: the figure's arcs in RFC 9293's words, "event / action".  A
 * passive open is LISTEN's arc: the new socket leaves LISTEN.
 */
static const struct {
	unsigned char from, to;
	const char *label;
} dot_arcs[] = {
	{ XTCP_CLOSE, XTCP_LISTEN, "passive open" },
	{ XTCP_CLOSE, XTCP_SYN_SENT, "active open / snd SYN" },
	{ XTCP_LISTEN, XTCP_SYN_SENT, "SEND / snd SYN" },
	{ XTCP_LISTEN, XTCP_SYN_RECV, "rcv SYN / snd SYN,ACK" },
	{ XTCP_SYN_SENT, XTCP_SYN_RECV, "rcv SYN / snd SYN,ACK" },
	{ XTCP_SYN_SENT, XTCP_ESTABLISHED, "rcv SYN,ACK / snd ACK" },
	{ XTCP_SYN_RECV, XTCP_ESTABLISHED, "rcv ACK of SYN" },
	{ XTCP_ESTABLISHED, XTCP_FIN_WAIT1, "close / snd FIN" },
	{ XTCP_ESTABLISHED, XTCP_CLOSE_WAIT, "rcv FIN / snd ACK" },
	{ XTCP_FIN_WAIT1, XTCP_FIN_WAIT2, "rcv ACK of FIN" },
	{ XTCP_FIN_WAIT1, XTCP_CLOSING, "rcv FIN / snd ACK" },
	{ XTCP_FIN_WAIT2, XTCP_TIME_WAIT, "rcv FIN / snd ACK" },
	{ XTCP_CLOSING, XTCP_TIME_WAIT, "rcv ACK of FIN" },
	{ XTCP_CLOSE_WAIT, XTCP_LAST_ACK, "close / snd FIN" },
	{ XTCP_LAST_ACK, XTCP_CLOSE, "rcv ACK of FIN" },
	{ XTCP_TIME_WAIT, XTCP_CLOSE, "timeout = 2 MSL" },
	{ XTCP_LISTEN, XTCP_CLOSE, "close" },
	{ XTCP_SYN_SENT, XTCP_CLOSE, "close, timeout or RST" },
	{ XTCP_SYN_RECV, XTCP_FIN_WAIT1, "close / snd FIN" },
	{ XTCP_SYN_RECV, XTCP_LISTEN, "rcv RST" },
	{ XTCP_FIN_WAIT1, XTCP_TIME_WAIT, "rcv FIN,ACK of FIN / snd ACK" },
};

/* The figure's rows, top to bottom, each left to right. */
static const unsigned char dot_ranks[][3] = {
	{ XTCP_CLOSE },
	{ XTCP_LISTEN },
	{ XTCP_SYN_RECV, XTCP_SYN_SENT },
	{ XTCP_ESTABLISHED },
	{ XTCP_FIN_WAIT1, XTCP_CLOSE_WAIT },
	{ XTCP_FIN_WAIT2, XTCP_CLOSING, XTCP_LAST_ACK },
	{ XTCP_TIME_WAIT },
};

/* CLOSED again, beside TIME_WAIT, where the figure deletes the TCB. */
#define DOT_END	"CLOSED (TCB deleted)"

/* The graph's look, and a legend above it. */
static const char * const dot_head[] = {
	"digraph xtcp {",
	"\tgraph [fontname=\"Helvetica\", fontsize=11, labelloc=t,",
	"\t       nodesep=0.6, ranksep=0.45, label=<",
	"<B>XTCP connection states (RFC 9293, figure 5)</B><BR/>",
	"in a box: sockets in the state now; on an arc: times taken<BR/>",
	"grey: never taken; dashed: outside the figure (aborts, resets)<BR/> >];",
	"\tnode [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\",",
	"\t      fontsize=11];",
	"\tedge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];",
};

/* A box: the state's name, then (apart, below) @what. */
static void dot_node(const char *id, const char *name, const char *what,
		     bool busy)
{
	printf("\t\"%s\" [label=<<TABLE BORDER=\"0\" CELLPADDING=\"1\">", id);
	printf("<TR><TD><B>%s</B></TD></TR><TR><TD>%s</TD></TR></TABLE>>", name,
	       what);
	printf(", fillcolor=\"%s\"];\n", busy ? "#cfe2f3" : "white");
}

/* The row of state @st in the figure. */
static size_t dot_rank(unsigned int st)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(dot_ranks); i++)
		for (j = 0; j < ARRAY_SIZE(dot_ranks[i]); j++)
			if (dot_ranks[i][j] == st)
				return i;
	return 0;
}

/* Whether an arc to CLOSED goes down to the foot's CLOSED. */
static bool dot_to_end(unsigned int from, unsigned int to)
{
	return to == XTCP_CLOSE && dot_rank(from) >= dot_rank(XTCP_ESTABLISHED);
}

/* The arc's head, and whether it must not bend the rows (going up). */
static void dot_arc(unsigned int from, unsigned int to, const char **head,
		    bool *up)
{
	*up = false;
	if (dot_to_end(from, to)) {
		*head = DOT_END;
		return;
	}
	*head = state_names[to];
	*up = dot_rank(to) < dot_rank(from);
}

/* One arc, its label ending in its count, in bold; @style its look. */
static void dot_edge(unsigned int from, unsigned int to, const char *label,
		     unsigned long long count, const char *style)
{
	const char *head;
	bool up;

	dot_arc(from, to, &head, &up);
	printf("\t\"%s\" -> \"%s\" [label=<%s%s<B>%llu</B>>, %s%s];\n",
	       state_names[from], head, label, *label ? "<BR/>" : "", count,
	       style, up ? ", constraint=false" : "");
}

/*
 * A digraph in the figure's layout: each state with its sockets now, each
 * of the figure's arcs with its event / action and count (grey if never
 * taken), and every other arc taken (aborts, resets) dashed.  Nodes are
 * named by their state, but for the second CLOSED, DOT_END.
 */
static void dot(const struct frame *now)
{
	unsigned int from, to;
	char cnt[24];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(dot_head); i++)
		puts(dot_head[i]);
	for (from = 1; from < XTCP_MAX_STATES; from++) {
		snprintf(cnt, sizeof(cnt), "%lu", now->states[from]);
		dot_node(state_names[from], state_names[from], cnt,
			 now->states[from]);
	}
	dot_node(DOT_END, "CLOSED", "delete TCB", false);
	for (i = 0; i < ARRAY_SIZE(dot_ranks); i++) {
		printf("\t{ rank=same;");
		for (j = 0; j < ARRAY_SIZE(dot_ranks[i]) && dot_ranks[i][j]; j++)
			printf(" \"%s\";", state_names[dot_ranks[i][j]]);
		printf("%s }\n", dot_ranks[i][0] == XTCP_TIME_WAIT ?
		       " \"" DOT_END "\";" : "");
	}
	for (i = 0; i < ARRAY_SIZE(dot_arcs); i++) {
		from = dot_arcs[i].from;
		to = dot_arcs[i].to;
		dot_edge(from, to, dot_arcs[i].label, now->trans[from][to],
			 now->trans[from][to] ? "penwidth=1.8" :
			 "color=\"grey70\", fontcolor=\"grey55\"");
	}
	/* Every other arc, once taken. */
	for (from = 1; from < XTCP_MAX_STATES; from++)
		for (to = 1; to < XTCP_MAX_STATES; to++) {
			bool drawn = false;

			for (i = 0; i < ARRAY_SIZE(dot_arcs); i++)
				drawn |= dot_arcs[i].from == from &&
					 dot_arcs[i].to == to;
			if (drawn || !now->trans[from][to])
				continue;
			dot_edge(from, to, "", now->trans[from][to],
				 "style=dashed, color=\"firebrick\", fontcolor=\"firebrick\"");
		}
	printf("}\n");
}

/* Read both files into F; 0, or -1 with a message. */
static int read_frame(struct frame *f, const struct options *o)
{
	const char *file = proc_path("PROC_NET_XTCP", PROC_NET_XTCP);
	struct options all = *o;
	struct table t = { NULL, 0, 0 };
	struct snmp s;
	FILE *in;
	int err;

	in = fopen(file, "r");
	if (!in) {
		err = errno;
		fprintf(stderr, "%s: %s: %s%s\n", progname, file,
			strerror(err), err == ENOENT ?
			" (is the xtcp module loaded?)" : "");
		return -1;
	}
	all.states = ALL_STATES | 1u;
	all.filter = NULL;
	err = read_table(in, file, &all, &t);
	fclose(in);
	if (err) {
		free_table(&t);
		return -1;
	}
	count_states(&t, f->states);
	free_table(&t);
	if (read_snmp(proc_path("PROC_NET_XTCP_SNMP", PROC_NET_XTCP_SNMP),
		      &s))
		return -1;
	if (!s.has_trans) {
		fprintf(stderr, "%s: no XTcpTrans lines in the counters\n",
			progname);
		free_snmp(&s);
		return -1;
	}
	memcpy(f->trans, s.trans, sizeof(f->trans));
	free_snmp(&s);
	return 0;
}

int run_diagram(const struct options *o, bool as_dot, double interval,
		long count)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct frame frames[2];
	struct timespec ts;
	long drawn = 0;
	int cur = 0;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (;;) {
		if (read_frame(&frames[cur], o))
			return 1;
		if (as_dot) {
			dot(&frames[cur]);
			return 0;
		}
		/* A terminal is redrawn in place. */
		if (interval > 0 && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		draw(&frames[cur], drawn ? &frames[!cur] : NULL, interval);
		drawn++;
		if (interval <= 0 || stop || (count && drawn >= count))
			return 0;
		cur = !cur;
		ts.tv_sec = (time_t)interval;
		ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
		/* A signal cuts the wait short. */
		while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
			;
		if (stop)
			return 0;
	}
}
