// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat --states, --life, --retrans: XTCP's tracepoints, read as text
 * from tracefs, so that no BPF is needed (bcc's tcpstates, tcplife and
 * tcpretrans need it, and filter on IPPROTO_TCP).
 *
 * The events go to a trace instance of xtcpstat's own
 * (instances/xtcpstat.PID), so the global buffer and its other readers
 * are left alone.  The instance is removed at the end: after --count
 * events, or on SIGINT, SIGTERM or SIGHUP.  --replay FILE reads the same
 * lines from a file instead: a saved /sys/kernel/tracing/trace, or the
 * output of "perf script" after "perf record -e 'xtcp:*'".
 *
 * An event line reads
 *
 *   COMM-PID [CPU] FLAGS SECONDS.MICROS: EVENT: key=value key=value ...
 *
 * ("... SECONDS.MICROS: xtcp:EVENT: ..." from perf script).  A connection
 * is known by its four-tuple: a state lasts from one transition of that
 * tuple to the next, and a life from its first transition to CLOSED.
 * Each transition says what caused it: a socket call, a timer, or a
 * segment, shown as RFC 9293 writes segments, <SEQ=..><ACK=..><CTL=..>.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xtcpstat.h"

#define MAX_FIELDS	24
#define PATH_STATES	16	/* the states --life remembers, at most */
#define CONN_BUCKETS	4096

/* Set by a signal: lock-free atomics are safe in a handler. */
static atomic_int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One event line, split into its name, time and fields. */
struct event {
	char name[32];		/* "xtcp_set_state" */
	double ts;		/* seconds of the trace clock */
	int nr;
	char *key[MAX_FIELDS], *val[MAX_FIELDS];
};

/* A connection seen in the events: since when, and its states so far. */
struct conn {
	struct conn *next;
	char key[2 * ENDPOINT_SIZE];	/* "SADDR:SPORT DADDR:DPORT" */
	double born, since;
	int nr_path;
	unsigned char path[PATH_STATES];
};

struct tracer {
	enum event_mode mode;
	const struct options *o;
	const struct endpoint *follow;
	struct json json;
	bool live;		/* tracefs, not --replay */
	double clock_offset;	/* wall clock minus the trace clock */
	long count, printed;
	unsigned long lineno, malformed;
	struct conn *conns[CONN_BUCKETS];
};

static const char *field(const struct event *e, const char *key)
{
	int i;

	for (i = 0; i < e->nr; i++)
		if (!strcmp(e->key[i], key))
			return e->val[i];
	return NULL;
}

/* Split LINE (changed in place) into E; -1 if it is not an XTCP event. */
static int parse_event(char *line, struct event *e)
{
	char *p, *ts, *save = NULL, *tok, *eq, *end;
	size_t len;

	memset(e, 0, sizeof(*e));
	p = strstr(line, " xtcp:xtcp_");	/* perf script */
	if (p) {
		*p = '\0';
		p += 6;
	} else {
		p = strstr(line, ": xtcp_");	/* tracefs */
		if (!p)
			return -1;
		*p = '\0';
		p += 2;
	}
	/* The time is the word before the event, with or without a ':'. */
	len = strlen(line);
	if (len && line[len - 1] == ':')
		line[--len] = '\0';
	ts = strrchr(line, ' ');
	ts = ts ? ts + 1 : line;
	errno = 0;
	e->ts = strtod(ts, &end);
	if (errno || end == ts || *end || e->ts < 0)
		return -1;
	len = strcspn(p, ":");
	if (!p[len] || len >= sizeof(e->name))
		return -1;
	memcpy(e->name, p, len);
	e->name[len] = '\0';
	for (tok = strtok_r(p + len + 1, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok || e->nr == MAX_FIELDS)
			return -1;
		*eq = '\0';
		e->key[e->nr] = tok;
		e->val[e->nr] = eq + 1;
		e->nr++;
	}
	return 0;
}

static int parse_state(const char *s)
{
	unsigned int st = s ? state_from_name(s) : 0;

	return st ? (int)st : -1;
}

/* The two ends of the event, into a row that the filter can match. */
static int event_ends(const struct event *e, struct row *r)
{
	const char *v[4] = { field(e, "saddr"), field(e, "sport"),
			     field(e, "daddr"), field(e, "dport") };
	char *end;
	unsigned long p;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 4; i++)
		if (!v[i])
			return -1;
	r->src.family = AF_INET;
	r->dst.family = AF_INET;
	if (inet_pton(AF_INET, v[0], r->src.addr) != 1 ||
	    inet_pton(AF_INET, v[2], r->dst.addr) != 1)
		return -1;
	for (i = 1; i < 4; i += 2) {
		errno = 0;
		p = strtoul(v[i], &end, 10);
		if (errno || end == v[i] || *end || p > 65535)
			return -1;
		if (i == 1)
			r->src.port = (unsigned int)p;
		else
			r->dst.port = (unsigned int)p;
	}
	snprintf(r->local, sizeof(r->local), "%s:%lu", v[0],
		 (unsigned long)r->src.port);
	snprintf(r->peer, sizeof(r->peer), "%s:%lu", v[2],
		 (unsigned long)r->dst.port);
	return 0;
}

static bool same_end(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && !memcmp(a->addr, b->addr, 4);
}

static bool wanted(const struct tracer *t, const struct row *r)
{
	if (t->follow && !same_end(t->follow, &r->src) &&
	    !same_end(t->follow, &r->dst))
		return false;
	return !t->o->filter || filter_match(t->o->filter, r);
}

static struct conn **conn_slot(struct tracer *t, const char *key)
{
	unsigned int h = 5381;
	const char *p;
	struct conn **c;

	for (p = key; *p; p++)
		h = h * 33 + (unsigned char)*p;
	for (c = &t->conns[h % CONN_BUCKETS]; *c; c = &(*c)->next)
		if (!strcmp((*c)->key, key))
			break;
	return c;
}

static void format_time(const struct tracer *t, double ts, char *buf,
			size_t size)
{
	time_t secs;
	struct tm tm;

	if (!t->live) {
		snprintf(buf, size, "%.6f", ts);
		return;
	}
	ts += t->clock_offset;
	secs = (time_t)ts;
	localtime_r(&secs, &tm);
	snprintf(buf, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (int)((ts - (double)secs) * 1000));
}

/* The JSON members every event has. */
static void json_event_head(struct tracer *t, const char *type,
			    const struct event *e, const struct row *r)
{
	char time[32];

	json_open(&t->json, NULL, '{');
	json_str(&t->json, "event", type);
	json_fixed(&t->json, "ts", e->ts, 6);
	if (t->live) {
		format_time(t, e->ts, time, sizeof(time));
		json_str(&t->json, "time", time);
	}
	json_endpoint(&t->json, "local", &r->src);
	json_endpoint(&t->json, "peer", &r->dst);
}

/* "local" or "peer" closed first, "both" at once, else how it ended. */
static const char *closer(const struct conn *c)
{
	bool established = false;
	int i;

	for (i = 0; i < c->nr_path; i++) {
		switch (c->path[i]) {
		case XTCP_ESTABLISHED:
			established = true;
			break;
		case XTCP_FIN_WAIT1:
			if (i + 1 < c->nr_path &&
			    c->path[i + 1] == XTCP_CLOSING)
				return "both";
			return "local";
		case XTCP_CLOSE_WAIT:
			return "peer";
		}
	}
	return established ? "reset" : "never";
}

/* The tracepoint's flags, tcpdump's letters, as RFC 9293 names them. */
static void ctl_names(const char *flags, char *buf, size_t size)
{
	static const struct {
		char letter;
		const char *name;
	} ctl[] = {
		{ 'S', "SYN" }, { 'F', "FIN" }, { 'R', "RST" }, { 'P', "PSH" },
		{ '.', "ACK" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(ctl) && n < size; i++)
		if (strchr(flags, ctl[i].letter))
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      n ? "," : "", ctl[i].name);
}

/* The segment that caused a transition, as its event gives it. */
struct cause_seg {
	const char *flags, *seq, *ack, *len;
};

/*
 * The cause of @e's transition ("call", "timer", "segment"), NULL if the
 * event does not say (an older module's trace); for a segment whose
 * header the event carries whole, true and its fields in @seg.
 */
static bool event_cause(const struct event *e, const char **cause,
			struct cause_seg *seg)
{
	*cause = field(e, "cause");
	seg->flags = field(e, "flags");
	seg->seq = field(e, "seq");
	seg->ack = field(e, "ack");
	seg->len = field(e, "len");
	return *cause && !strcmp(*cause, "segment") && seg->flags &&
	       seg->seq && seg->ack && seg->len;
}

/*
 * What caused the transition of @e, into BUF: "call", "timer", or the
 * segment received, "rcv <SEQ=1><ACK=2><CTL=SYN,ACK>" (and "<LEN=5>" if
 * it had text); "-" if the event does not say.
 */
static void describe_cause(const struct event *e, char *buf, size_t size)
{
	char names[32], acks[24] = "", lens[24] = "";
	struct cause_seg seg;
	const char *cause;

	if (!event_cause(e, &cause, &seg)) {
		snprintf(buf, size, "%s", cause ? cause : "-");
		return;
	}
	ctl_names(seg.flags, names, sizeof(names));
	if (strchr(seg.flags, '.'))
		snprintf(acks, sizeof(acks), "<ACK=%s>", seg.ack);
	if (strcmp(seg.len, "0"))
		snprintf(lens, sizeof(lens), "<LEN=%s>", seg.len);
	snprintf(buf, size, "rcv <SEQ=%s>%s<CTL=%s>%s", seg.seq, acks, names,
		 lens);
}

static void json_cause(struct tracer *t, const struct event *e)
{
	struct cause_seg seg;
	const char *cause;
	char names[32];
	bool whole = event_cause(e, &cause, &seg);

	if (!cause) {
		json_null(&t->json, "cause");
		return;
	}
	json_str(&t->json, "cause", cause);
	if (!whole)
		return;
	ctl_names(seg.flags, names, sizeof(names));
	json_open(&t->json, "segment", '{');
	json_uint(&t->json, "seq", strtoull(seg.seq, NULL, 10));
	if (strchr(seg.flags, '.'))
		json_uint(&t->json, "ack", strtoull(seg.ack, NULL, 10));
	json_str(&t->json, "ctl", names);
	json_uint(&t->json, "len", strtoull(seg.len, NULL, 10));
	json_close(&t->json, '}');
}

static void print_path(FILE *f, const struct conn *c)
{
	int i;

	for (i = 0; i < c->nr_path; i++)
		fprintf(f, "%s%s", i ? ">" : "", state_names[c->path[i]]);
}

static void life_end(struct tracer *t, const struct event *e,
		     const struct row *r, struct conn *c)
{
	const char *tx = field(e, "bytes_acked"), *rx = field(e, "bytes_received");
	unsigned long long txb;
	unsigned long long rxb = rx ? strtoull(rx, NULL, 10) : 0;
	double ms = (e->ts - c->born) * 1000;
	char time[32], path[PATH_STATES * 12];
	FILE *m;
	int i;

	/* A listener's life is not a connection's: it has no peer. */
	if (!r->dst.port)
		return;
	/* An older module's trace: only what was sent, resends and all. */
	if (!tx)
		tx = field(e, "bytes_sent");
	txb = tx ? strtoull(tx, NULL, 10) : 0;
	m = fmemopen(path, sizeof(path), "w");
	if (!m)
		return;
	print_path(m, c);
	fclose(m);
	if (t->o->json) {
		json_event_head(t, "life", e, r);
		json_fixed(&t->json, "duration_ms", ms, 3);
		json_uint(&t->json, "bytes_acked", txb);
		json_uint(&t->json, "bytes_received", rxb);
		json_str(&t->json, "closed_first", closer(c));
		json_open(&t->json, "path", '[');
		for (i = 0; i < c->nr_path; i++)
			json_str(&t->json, NULL, state_names[c->path[i]]);
		json_close(&t->json, ']');
		json_close(&t->json, '}');
	} else {
		format_time(t, e->ts, time, sizeof(time));
		printf("%-15s %-21s %-21s %10llu %10llu %10.3f %-6s %s\n",
		       time, r->local, r->peer, txb, rxb, ms, closer(c), path);
	}
	t->printed++;
}

static void on_set_state(struct tracer *t, const struct event *e,
			 const struct row *r)
{
	int old = parse_state(field(e, "oldstate"));
	int new = parse_state(field(e, "newstate"));
	struct conn **slot, *c;
	char key[2 * ENDPOINT_SIZE], time[32], ms[32], cause[128];
	bool known;

	if (old < 0 || new < 0) {
		t->malformed++;
		return;
	}
	snprintf(key, sizeof(key), "%s %s", r->local, r->peer);
	slot = conn_slot(t, key);
	c = *slot;
	known = c;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return;
		strcpy(c->key, key);
		c->born = e->ts;
		c->since = e->ts;
		c->path[c->nr_path++] = (unsigned char)old;
		*slot = c;
	}
	if (t->mode == EV_STATES) {
		if (known)
			snprintf(ms, sizeof(ms), "%.3f",
				 (e->ts - c->since) * 1000);
		if (t->o->json) {
			json_event_head(t, "state", e, r);
			json_str(&t->json, "old", state_names[old]);
			json_str(&t->json, "new", state_names[new]);
			if (known)
				json_fixed(&t->json, "ms_in_old",
					   (e->ts - c->since) * 1000, 3);
			else
				json_null(&t->json, "ms_in_old");
			json_cause(t, e);
			json_close(&t->json, '}');
		} else {
			format_time(t, e->ts, time, sizeof(time));
			describe_cause(e, cause, sizeof(cause));
			printf("%-15s %-21s %-21s %-11s -> %-11s %10s %s\n",
			       time, r->local, r->peer, state_names[old],
			       state_names[new], known ? ms : "-", cause);
		}
		t->printed++;
	}
	c->since = e->ts;
	if (c->nr_path < PATH_STATES)
		c->path[c->nr_path++] = (unsigned char)new;
	if (new == XTCP_CLOSE) {
		if (t->mode == EV_LIFE)
			life_end(t, e, r, c);
		*slot = c->next;
		free(c);
	}
}

static void on_retrans(struct tracer *t, const struct event *e,
		       const struct row *r, const char *kind)
{
	const char *state = field(e, "state"), *seq = field(e, "seq");
	const char *len = field(e, "len");
	char time[32];

	if (parse_state(state) < 0 || !kind) {
		t->malformed++;
		return;
	}
	if (t->o->json) {
		json_event_head(t, "retransmit", e, r);
		json_str(&t->json, "state", state);
		json_str(&t->json, "kind", kind);
		if (seq && len) {
			json_uint(&t->json, "seq", strtoull(seq, NULL, 10));
			json_uint(&t->json, "len", strtoull(len, NULL, 10));
		}
		json_close(&t->json, '}');
	} else {
		format_time(t, e->ts, time, sizeof(time));
		printf("%-15s %-21s %-21s %-11s %-8s %10s %5s\n", time,
		       r->local, r->peer, state, kind, seq ? seq : "-",
		       len ? len : "-");
	}
	t->printed++;
}

static void handle_line(struct tracer *t, char *line)
{
	struct event e;
	struct row r;
	char *p, *xtcp;

	t->lineno++;
	/* Comments and headers of a saved trace or of perf script. */
	p = line + strspn(line, " \t\r\n");
	if (*p == '#' || !*p)
		return;
	/* Other events of a saved trace are no concern of ours. */
	xtcp = strstr(line, "xtcp_");
	if (parse_event(line, &e)) {
		if (xtcp)
			t->malformed++;
		return;
	}
	if (event_ends(&e, &r)) {
		t->malformed++;
		return;
	}
	if (!wanted(t, &r))
		return;
	if (!strcmp(e.name, "xtcp_set_state")) {
		if (t->mode != EV_RETRANS)
			on_set_state(t, &e, &r);
	} else if (t->mode != EV_RETRANS) {
		return;
	} else if (!strcmp(e.name, "xtcp_retransmit")) {
		on_retrans(t, &e, &r, field(&e, "kind"));
	} else if (!strcmp(e.name, "xtcp_send_reset")) {
		on_retrans(t, &e, &r, "RST-out");
	} else if (!strcmp(e.name, "xtcp_receive_reset")) {
		on_retrans(t, &e, &r, "RST-in");
	}
}

static const char *const mode_events[][3] = {
	[EV_STATES] = { "xtcp_set_state" },
	[EV_LIFE] = { "xtcp_set_state" },
	[EV_RETRANS] = { "xtcp_retransmit", "xtcp_send_reset",
			 "xtcp_receive_reset" },
};

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* Where tracefs is: $XTCPSTAT_TRACEFS, or where it is usually mounted. */
static const char *find_tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	const char *env = getenv("XTCPSTAT_TRACEFS");
	char path[512];
	size_t i;

	if (env && *env) {
		snprintf(path, sizeof(path), "%s/instances", env);
		return access(path, F_OK) ? NULL : env;
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/instances", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	return NULL;
}

static void print_header(const struct tracer *t)
{
	if (t->o->json || t->o->no_header)
		return;
	switch (t->mode) {
	case EV_STATES:
		printf("%-15s %-21s %-21s %-11s -> %-11s %10s %s\n", "TIME",
		       "LOCAL", "PEER", "OLD", "NEW", "MS", "CAUSE");
		break;
	case EV_LIFE:
		printf("%-15s %-21s %-21s %10s %10s %10s %-6s %s\n", "TIME",
		       "LOCAL", "PEER", "TX_BYTES", "RX_BYTES", "MS", "CLOSER",
		       "PATH");
		break;
	case EV_RETRANS:
		printf("%-15s %-21s %-21s %-11s %-8s %10s %5s\n", "TIME",
		       "LOCAL", "PEER", "STATE", "KIND", "SEQ", "LEN");
		break;
	}
	fflush(stdout);
}

/* Read lines from FD until the end, COUNT events, or a signal. */
static int read_events(struct tracer *t, int fd, const char *what)
{
	char buf[8192], line[4096];
	size_t used = 0, take;
	ssize_t n;
	char *nl, *p;
	int ret = 0;

	while (!stop && (!t->count || t->printed < t->count)) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", progname, what,
				strerror(errno));
			ret = -1;
			break;
		}
		if (!n)
			break;
		for (p = buf; p < buf + n; ) {
			nl = memchr(p, '\n', buf + n - p);
			take = (nl ? nl : buf + n) - p;

			/* An over-long line is cut: it will not parse. */
			if (used + take >= sizeof(line))
				take = sizeof(line) - 1 - used;
			memcpy(line + used, p, take);
			used += take;
			if (!nl)
				break;
			line[used] = '\0';
			handle_line(t, line);
			used = 0;
			p = nl + 1;
			if (!t->o->json)
				fflush(stdout);
			if (t->count && t->printed >= t->count)
				break;
		}
	}
	if (used && !stop) {
		line[used] = '\0';
		handle_line(t, line);
	}
	return ret;
}

static void free_conns(struct tracer *t)
{
	struct conn *c, *next;
	size_t i;

	for (i = 0; i < CONN_BUCKETS; i++)
		for (c = t->conns[i]; c; c = next) {
			next = c->next;
			free(c);
		}
}

static int trace_live(struct tracer *t)
{
	char inst[512], path[128], pipe[600];
	const char *tracefs = find_tracefs();
	struct timespec mono, real;
	int fd = -1, ret = -1, i;
	const char *ev;

	if (!tracefs) {
		fprintf(stderr, "%s: tracefs not found (%s)\n", progname,
			"mount -t tracefs nodev /sys/kernel/tracing");
		return -1;
	}
	snprintf(pipe, sizeof(pipe), "%s/events/xtcp/%s", tracefs,
		 mode_events[t->mode][0]);
	if (access(pipe, F_OK)) {
		fprintf(stderr, "%s: %s: no such tracepoint (is the xtcp module loaded?)\n",
			progname, pipe);
		return -1;
	}
	snprintf(inst, sizeof(inst), "%s/instances/xtcpstat.%d", tracefs,
		 (int)getpid());
	if (mkdir(inst, 0700)) {
		fprintf(stderr, "%s: %s: %s\n", progname, inst,
			strerror(errno));
		return -1;
	}
	/* The trace clock is CLOCK_MONOTONIC; the wall clock is this far. */
	write_file(inst, "trace_clock", "mono");
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	t->clock_offset = (double)(real.tv_sec - mono.tv_sec) +
			  (real.tv_nsec - mono.tv_nsec) / 1e9;
	for (i = 0; i < 3 && (ev = mode_events[t->mode][i]); i++) {
		snprintf(path, sizeof(path), "events/xtcp/%s/enable", ev);
		if (write_file(inst, path, "1")) {
			fprintf(stderr, "%s: %s/%s: %s\n", progname, inst,
				path, strerror(errno));
			goto out;
		}
	}
	snprintf(pipe, sizeof(pipe), "%s/trace_pipe", inst);
	fd = open(pipe, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, pipe,
			strerror(errno));
		goto out;
	}
	print_header(t);
	/* Tests wait for this line: from here on, no event is missed. */
	fprintf(stderr, "%s: tracing; Ctrl-C to end\n", progname);
	ret = read_events(t, fd, pipe);
	close(fd);
out:
	for (i = 0; i < 3 && (ev = mode_events[t->mode][i]); i++) {
		snprintf(path, sizeof(path), "events/xtcp/%s/enable", ev);
		write_file(inst, path, "0");
	}
	if (rmdir(inst))
		fprintf(stderr, "%s: %s: %s\n", progname, inst,
			strerror(errno));
	return ret;
}

int run_events(enum event_mode mode, const struct options *o,
	       const char *replay, const struct endpoint *follow, long count)
{
	static const char *const doc_keys[] = {
		[EV_STATES] = "states", [EV_LIFE] = "lives",
		[EV_RETRANS] = "retransmits",
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct tracer *t;
	int ret, fd;

	t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "%s: %s\n", progname, strerror(ENOMEM));
		return 1;
	}
	t->mode = mode;
	t->o = o;
	t->follow = follow;
	t->count = count;
	/* No SA_RESTART: a signal ends the blocking read of trace_pipe. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (o->json) {
		json_init(&t->json, stdout, o->pretty);
		json_open(&t->json, NULL, '{');
		json_open(&t->json, doc_keys[mode], '[');
	}
	if (replay) {
		fd = strcmp(replay, "-") ? open(replay, O_RDONLY | O_CLOEXEC) :
					   STDIN_FILENO;
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", progname, replay,
				strerror(errno));
			ret = -1;
		} else {
			print_header(t);
			ret = read_events(t, fd, replay);
			if (fd != STDIN_FILENO)
				close(fd);
		}
	} else {
		t->live = true;
		ret = trace_live(t);
	}
	if (o->json) {
		json_close(&t->json, ']');
		json_close(&t->json, '}');
	}
	if (t->malformed)
		fprintf(stderr, "%s: %lu malformed event lines skipped\n",
			progname, t->malformed);
	if (!ret && t->malformed)
		ret = 1;
	free_conns(t);
	free(t);
	return ret ? 1 : 0;
}
