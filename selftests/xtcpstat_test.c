// SPDX-License-Identifier: GPL-2.0
/*
 * tools/xtcpstat, run as a user runs it (xtcpstat(8)), on a namespace of
 * its own that holds exactly these XTCP sockets, all on 127.0.0.1:
 *
 *   LISTEN       L  -> *
 *   ESTABLISHED  C  -> L    (the client; 5 bytes sent and acknowledged)
 *   ESTABLISHED  L  -> C    (the accepted socket; the 5 bytes unread)
 *   TIME_WAIT    T  -> L    (a client that closed first; the server has
 *                            closed too and is gone)
 *
 * Each test checks that the table (or the summary) lists exactly the
 * sockets the options and the filter select, with the right state names,
 * addresses, ports and queues; that -i, -o, -e and -p add the right
 * variables, timers, UID, inode and owner; that -N looks inside a named
 * namespace; and that bad usage fails with a message and status 2.  (The
 * module not loaded is checked by params_test, which unloads it.)
 */
#include <ctype.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define UNREAD	5
#define MAX_ROWS 16

static const char *repo_root(void)
{
	const char *root = getenv("XTCP_ROOT");

	return root && *root ? root : "..";
}

/* Run "xtcpstat @args" (a shell word list); exit status, output in @out. */
static int run_tool(const char *args, char *out, size_t size)
{
	char cmd[PATH_MAX + 256];

	snprintf(cmd, sizeof(cmd), "%s/tools/xtcpstat %s", repo_root(), args);
	return xtcp_sh_output(cmd, out, size);
}

/* One line of the table; what follows the peer in @rest. */
struct row {
	char state[16];
	long recvq, sendq;
	char local[64], peer[64];
	char rest[256];
	char info[512];		/* -i: the next line, which starts with a tab */
	int fields;
};

/*
 * Parse the table in @out: the header (which must start with "State" and
 * hold @header), then up to MAX_ROWS rows.  The number of rows, or -1.
 */
static int parse_table(char *out, const char *header, struct row *rows)
{
	char *save = NULL, *line;
	bool want_header = header;
	int n = 0;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct row *r = &rows[n];

		if (want_header) {
			if (strncmp(line, "State", 5) || !strstr(line, header))
				return -1;
			want_header = false;
			continue;
		}
		if (line[0] == '\t') {
			if (!n)
				return -1;
			snprintf(rows[n - 1].info, sizeof(r->info), "%s",
				 line + 1);
			continue;
		}
		if (n == MAX_ROWS || !strncmp(line, "State", 5))
			return -1;
		memset(r, 0, sizeof(*r));
		r->fields = sscanf(line, "%15s %ld %ld %63s %63s %255[^\n]",
				   r->state, &r->recvq, &r->sendq, r->local,
				   r->peer, r->rest);
		if (r->fields < 5)
			return -1;
		n++;
	}
	return want_header ? -1 : n;
}

static const struct row *find_row(const struct row *rows, int n,
				  const char *state, const char *local,
				  const char *peer)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].state, state) &&
		    !strcmp(rows[i].local, local) &&
		    !strcmp(rows[i].peer, peer))
			return &rows[i];
	return NULL;
}

FIXTURE(stat) {
	int lfd, cfd, afd;
	int lport, cport, tport;
	char l[32], c[32], t[32];	/* "127.0.0.1:PORT" */
	struct row rows[MAX_ROWS];
	char out[16384];
};

static int outq(int fd)
{
	int n = -1;

	return ioctl(fd, SIOCOUTQ, &n) ? -1 : n;
}

FIXTURE_SETUP(stat)
{
	struct pollfd pfd;
	long end;
	int c2, a2;

	self->lfd = -1;
	self->cfd = -1;
	self->afd = -1;
	ASSERT_EQ(0, xtcp_netns_enter());
	/*
	 * The TIME_WAIT below (2 MSL) outlasts the longest test, 120 s:
	 * with Linux's 60 s, a slow debug kernel ended it halfway through
	 * the filter tests.  Not much longer: the orphan keeps its
	 * namespace, and the module, until it ends.
	 */
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 90 * 1000));

	self->lfd = xtcp_listener(&self->lport);
	ASSERT_LE(0, self->lfd);

	/* The established pair, 5 bytes unread on the accepted side. */
	self->cfd = xtcp_socket();
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, xtcp_connect_to(self->cfd, "127.0.0.1", self->lport));
	self->afd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->afd);
	self->cport = xtcp_local_port(self->cfd);
	ASSERT_EQ(UNREAD, write(self->cfd, "hello", UNREAD));
	pfd.fd = self->afd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, XTCP_WAIT_MS));
	end = xtcp_now_ms() + XTCP_WAIT_MS;
	while (outq(self->cfd) && xtcp_now_ms() < end)
		usleep(1000);
	ASSERT_EQ(0, outq(self->cfd));

	/* TIME_WAIT: the client closes first, then the server. */
	c2 = xtcp_socket();
	ASSERT_LE(0, c2);
	ASSERT_EQ(0, xtcp_connect_to(c2, "127.0.0.1", self->lport));
	a2 = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, a2);
	self->tport = xtcp_local_port(c2);
	close(c2);
	ASSERT_TRUE(xtcp_wait_state(self->lport, self->tport,
				    XTCP_CLOSE_WAIT));
	close(a2);
	ASSERT_TRUE(xtcp_wait_state(self->tport, self->lport,
				    XTCP_TIME_WAIT));
	ASSERT_TRUE(xtcp_wait_state(self->lport, self->tport, 0));
	ASSERT_EQ(4, xtcp_proc_count());

	snprintf(self->l, sizeof(self->l), "127.0.0.1:%d", self->lport);
	snprintf(self->c, sizeof(self->c), "127.0.0.1:%d", self->cport);
	snprintf(self->t, sizeof(self->t), "127.0.0.1:%d", self->tport);
}

FIXTURE_TEARDOWN(stat)
{
	if (self->afd >= 0)
		close(self->afd);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->lfd >= 0)
		close(self->lfd);
}

/* The column widths that do not depend on the rows. */
#define BASIC_HEADER "Recv-Q  Send-Q  Local Address:Port  Peer Address:Port"

/* Run xtcpstat @args; it must succeed; the number of rows it shows. */
static int table(struct __test_metadata *_metadata,
		 struct _test_data_stat *self, const char *args,
		 const char *header)
{
	int n;

	EXPECT_EQ(0, run_tool(args, self->out, sizeof(self->out)));
	TH_LOG("xtcpstat %s:\n%s", args, self->out);
	n = parse_table(self->out, header, self->rows);
	EXPECT_LE(0, n);
	return n;
}

static const struct row *row(struct _test_data_stat *self, int n,
			     const char *state, const char *local,
			     const char *peer)
{
	return find_row(self->rows, n, state, local, peer);
}

TEST_F(stat, table__default_hides_listeners)
{
	const struct row *r;
	int n;

	n = table(_metadata, self, "", BASIC_HEADER);
	ASSERT_EQ(3, n);
	EXPECT_EQ(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));

	r = row(self, n, "ESTABLISHED", self->c, self->l);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->recvq);
	EXPECT_EQ(0, r->sendq);
	r = row(self, n, "ESTABLISHED", self->l, self->c);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(UNREAD, r->recvq);
	EXPECT_EQ(0, r->sendq);
	r = row(self, n, "TIME_WAIT", self->t, self->l);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->recvq);
	EXPECT_EQ(0, r->sendq);
	/* Exactly 5 columns without -e, -o, -p. */
	EXPECT_EQ(5, r->fields);
}

TEST_F(stat, table__all_listening_no_header)
{
	const struct row *r;
	int n;

	n = table(_metadata, self, "-a", BASIC_HEADER);
	ASSERT_EQ(4, n);
	r = row(self, n, "LISTEN", self->l, "0.0.0.0:*");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->recvq);

	n = table(_metadata, self, "-l", BASIC_HEADER);
	ASSERT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));
	/* -a wins over -l. */
	EXPECT_EQ(4, table(_metadata, self, "-l -a", BASIC_HEADER));

	/* -H: the same rows, no header. */
	n = table(_metadata, self, "-aH", NULL);
	ASSERT_EQ(4, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));
	EXPECT_EQ(1, table(_metadata, self, "--no-header -l", NULL));
}

/* -f - reads the same file from standard input. */
TEST_F(stat, table__file_from_stdin)
{
	char plain[sizeof(self->out)];

	ASSERT_EQ(0, run_tool("-a", plain, sizeof(plain)));
	ASSERT_EQ(0, run_tool("-a -f - < /proc/net/xtcp", self->out,
			      sizeof(self->out)));
	EXPECT_STREQ(plain, self->out);
}

/* Ports are named after services unless -n; port 80 is "http". */
TEST_F(stat, table__numeric)
{
	int fd = xtcp_socket(), n;
	char l80[32];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_bind_to(fd, "127.0.0.1", 80));
	ASSERT_EQ(0, listen(fd, 1));
	n = table(_metadata, self, "-l", BASIC_HEADER);
	EXPECT_EQ(2, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", "127.0.0.1:http", "0.0.0.0:*"));
	n = table(_metadata, self, "-ln", BASIC_HEADER);
	EXPECT_EQ(2, n);
	snprintf(l80, sizeof(l80), "127.0.0.1:%d", 80);
	EXPECT_NE(NULL, row(self, n, "LISTEN", l80, "0.0.0.0:*"));
	/* Ephemeral ports have no name: the same either way. */
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));
	close(fd);
}

/* Every line fits COLUMNS: what does not goes on a line of its own. */
TEST_F(stat, table__fits_terminal)
{
	char *line, *save = NULL, cmd[PATH_MAX + 64];
	int lines = 0, n;

	ASSERT_EQ(0, run_tool("-a -e -o", self->out, sizeof(self->out)));
	n = parse_table(self->out, BASIC_HEADER, self->rows);
	ASSERT_EQ(4, n);
	/* Wide enough: uid and inode at the end of the row. */
	EXPECT_NE(NULL, strstr(self->rows[0].rest, "uid:"));

	snprintf(cmd, sizeof(cmd), "COLUMNS=80 %s/tools/xtcpstat -a -e -o",
		 repo_root());
	ASSERT_EQ(0, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	TH_LOG("%s:\n%s", cmd, self->out);
	for (line = strtok_r(self->out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		/* A tab takes 8 columns. */
		EXPECT_GE(80, strlen(line) + (line[0] == '\t' ? 7 : 0));
		EXPECT_NE(' ', line[strlen(line) - 1]);
	}
	/* The header, 4 rows, and 4 lines of uid and inode. */
	EXPECT_EQ(9, lines);
}

TEST_F_TIMEOUT(stat, filter__state_and_classes, 120)
{
	static const struct {
		const char *args;
		int rows;
	} cases[] = {
		{ "state established", 2 },
		{ "state ESTABLISHED", 2 },
		{ "state time-wait", 1 },
		{ "state TIME_WAIT", 1 },
		{ "state listening", 1 },
		{ "state listen state time-wait", 2 },
		{ "state syn-recv", 0 },
		{ "state close-wait", 0 },
		{ "state all", 4 },
		{ "state connected", 3 },
		{ "state synchronized", 3 },
		{ "state bucket", 1 },
		{ "state big", 3 },
		{ "exclude established", 2 },
		{ "state connected exclude time-wait", 2 },
		/* Named states win over -l. */
		{ "-l state established", 2 },
	};
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = table(_metadata, self, cases[i].args, BASIC_HEADER);
		EXPECT_EQ(cases[i].rows, n)
			TH_LOG("xtcpstat %s", cases[i].args);
	}
	n = table(_metadata, self, "state bucket", BASIC_HEADER);
	ASSERT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "TIME_WAIT", self->t, self->l));
	n = table(_metadata, self, "state big", BASIC_HEADER);
	ASSERT_EQ(3, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));
	EXPECT_EQ(NULL, row(self, n, "TIME_WAIT", self->t, self->l));
}

TEST_F_TIMEOUT(stat, filter__expressions, 120)
{
	char args[256];
	int n;

	/* The listener and the accepted socket have the listener's port. */
	snprintf(args, sizeof(args), "-a sport = :%d", self->lport);
	n = table(_metadata, self, args, BASIC_HEADER);
	ASSERT_EQ(2, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));
	EXPECT_NE(NULL, row(self, n, "ESTABLISHED", self->l, self->c));

	snprintf(args, sizeof(args), "dport == %d", self->lport);
	n = table(_metadata, self, args, BASIC_HEADER);
	ASSERT_EQ(2, n);
	EXPECT_NE(NULL, row(self, n, "ESTABLISHED", self->c, self->l));
	EXPECT_NE(NULL, row(self, n, "TIME_WAIT", self->t, self->l));

	/* and, or, not, parentheses, in one word or in many. */
	snprintf(args, sizeof(args),
		 "-a '( sport = :%d or dport = :%d ) and not dport = :%d'",
		 self->cport, self->cport, self->cport);
	n = table(_metadata, self, args, BASIC_HEADER);
	ASSERT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "ESTABLISHED", self->c, self->l));

	snprintf(args, sizeof(args),
		 "-a '!' '(' sport eq %d ')' '&&' dport neq %d",
		 self->lport, self->lport);
	EXPECT_EQ(0, table(_metadata, self, args, BASIC_HEADER));

	snprintf(args, sizeof(args), "-a 'sport = :%d || sport = :%d'",
		 self->tport, self->cport);
	EXPECT_EQ(2, table(_metadata, self, args, BASIC_HEADER));

	/* Juxtaposition is "and". */
	snprintf(args, sizeof(args), "state established sport = :%d dport = :%d",
		 self->cport, self->lport);
	EXPECT_EQ(1, table(_metadata, self, args, BASIC_HEADER));

	/* Port comparisons. */
	snprintf(args, sizeof(args), "-a 'sport >= :%d and sport <= :%d'",
		 self->lport, self->lport);
	EXPECT_EQ(2, table(_metadata, self, args, BASIC_HEADER));
	snprintf(args, sizeof(args), "-a 'sport > :%d and sport < :%d'",
		 self->lport, self->lport);
	EXPECT_EQ(0, table(_metadata, self, args, BASIC_HEADER));

	/* Addresses, prefixes and ports. */
	EXPECT_EQ(4, table(_metadata, self, "-a src 127.0.0.1",
			   BASIC_HEADER));
	EXPECT_EQ(4, table(_metadata, self, "-a src 127/8", BASIC_HEADER));
	EXPECT_EQ(0, table(_metadata, self, "-a src 10.0.0.0/8",
			   BASIC_HEADER));
	EXPECT_EQ(1, table(_metadata, self, "-a dst 0.0.0.0", BASIC_HEADER));
	EXPECT_EQ(3, table(_metadata, self, "-a dst != 0.0.0.0",
			   BASIC_HEADER));
	snprintf(args, sizeof(args), "-a dst 127.0.0.1:%d", self->lport);
	EXPECT_EQ(2, table(_metadata, self, args, BASIC_HEADER));
	snprintf(args, sizeof(args), "-a dst '*:%d'", self->lport);
	EXPECT_EQ(2, table(_metadata, self, args, BASIC_HEADER));
	snprintf(args, sizeof(args), "-a src :%d", self->tport);
	n = table(_metadata, self, args, BASIC_HEADER);
	ASSERT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "TIME_WAIT", self->t, self->l));
}

/* The value of "KEY:" in @s, a word list; NULL if absent. */
static const char *value_of(const char *s, const char *key)
{
	size_t len = strlen(key);
	const char *p = s;

	while ((p = strstr(p, key))) {
		if ((p == s || p[-1] == ' ' || p[-1] == '\t') && p[len] == ':')
			return p + len + 1;
		p += len;
	}
	return NULL;
}

static long long num_of(const char *s, const char *key)
{
	const char *v = value_of(s, key);

	return v ? strtoll(v, NULL, 10) : -1;
}

TEST_F(stat, info__rfc9293_variables)
{
	const struct row *c, *a;
	int n;

	n = table(_metadata, self, "-i state established", BASIC_HEADER);
	ASSERT_EQ(2, n);
	c = row(self, n, "ESTABLISHED", self->c, self->l);
	a = row(self, n, "ESTABLISHED", self->l, self->c);
	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, a);

	/* The client sent SYN and 5 bytes, all acknowledged. */
	EXPECT_EQ(num_of(c->info, "snd_una"), num_of(c->info, "snd_nxt"));
	EXPECT_EQ(1 + UNREAD, (num_of(c->info, "snd_nxt") -
			       num_of(c->info, "iss")) & 0xffffffff);
	/* The server received them: RCV.NXT = IRS + 1 + 5, and its ISS is
	 * the client's IRS.
	 */
	EXPECT_EQ(1 + UNREAD, (num_of(a->info, "rcv_nxt") -
			       num_of(a->info, "irs")) & 0xffffffff);
	EXPECT_EQ(num_of(a->info, "iss"), num_of(c->info, "irs"));
	EXPECT_EQ(num_of(c->info, "iss"), num_of(a->info, "irs"));
	EXPECT_LT(0, num_of(c->info, "mss"));
	EXPECT_LT(0, num_of(c->info, "cwnd"));
	EXPECT_LT(0, num_of(c->info, "rto"));
	EXPECT_LT(0, num_of(a->info, "rcv_wnd"));
	EXPECT_NE(NULL, value_of(c->info, "rtt"));
	EXPECT_TRUE(strstr(c->info, "slow_start") ||
		    strstr(c->info, "congestion_avoidance"));
}

TEST_F(stat, options__timers)
{
	const struct row *r;
	long secs;
	int n;

	n = table(_metadata, self, "-a -o", BASIC_HEADER);
	ASSERT_EQ(4, n);
	/* No timer runs on the listener: nothing after the peer. */
	r = row(self, n, "LISTEN", self->l, "0.0.0.0:*");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(5, r->fields);

	/* TIME_WAIT: 2 MSL running. */
	r = row(self, n, "TIME_WAIT", self->t, self->l);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, strncmp(r->rest, "timer:(timewait,", 16));
	secs = strtol(r->rest + 16, NULL, 10);
	EXPECT_LT(0, secs);
	EXPECT_GE(2 * xtcp_sysctl_get("msl_ms") / 1000, secs);
	EXPECT_NE(NULL, strstr(r->rest, "sec,0)"));
}

TEST_F(stat, extended__uid_inode)
{
	const struct row *r;
	struct stat st;
	int n;

	n = table(_metadata, self, "-a -e", BASIC_HEADER);
	ASSERT_EQ(4, n);

	/* A socket a process holds: its owner and its inode. */
	r = row(self, n, "LISTEN", self->l, "0.0.0.0:*");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fstat(self->lfd, &st));
	EXPECT_EQ(st.st_ino, num_of(r->rest, "ino"));
	EXPECT_EQ(getuid(), num_of(r->rest, "uid"));

	r = row(self, n, "ESTABLISHED", self->l, self->c);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fstat(self->afd, &st));
	EXPECT_EQ(st.st_ino, num_of(r->rest, "ino"));

	r = row(self, n, "ESTABLISHED", self->c, self->l);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fstat(self->cfd, &st));
	EXPECT_EQ(st.st_ino, num_of(r->rest, "ino"));

	/* TIME_WAIT: no process, no inode. */
	r = row(self, n, "TIME_WAIT", self->t, self->l);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, num_of(r->rest, "ino"));
}

TEST_F(stat, processes__owner_by_inode)
{
	char want[128];
	const struct row *r;
	int n;

	n = table(_metadata, self, "-a -p", BASIC_HEADER "  Process");
	ASSERT_EQ(4, n);
	r = row(self, n, "LISTEN", self->l, "0.0.0.0:*");
	ASSERT_NE(NULL, r);
	/* The shell and xtcpstat inherit the socket too: ss shows them. */
	snprintf(want, sizeof(want), "(\"xtcpstat_test\",pid=%d,fd=%d)",
		 getpid(), self->lfd);
	EXPECT_EQ(0, strncmp(r->rest, "users:(", 7));
	EXPECT_NE(NULL, strstr(r->rest, want));
	r = row(self, n, "ESTABLISHED", self->c, self->l);
	ASSERT_NE(NULL, r);
	snprintf(want, sizeof(want), "(\"xtcpstat_test\",pid=%d,fd=%d)",
		 getpid(), self->cfd);
	EXPECT_NE(NULL, strstr(r->rest, want));
	/* Nobody holds TIME_WAIT. */
	r = row(self, n, "TIME_WAIT", self->t, self->l);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(5, r->fields);
}

/*
 * -N NAME: the test's namespace, named as "ip netns add" names one (a bind
 * mount on /run/netns/NAME); xtcpstat started in the initial namespace
 * must show this one's sockets.
 */
TEST_F(stat, netns__named)
{
	char path[64], cmd[PATH_MAX + 128], name[32];
	int fd, n;

	snprintf(name, sizeof(name), "xtcpstat%d", getpid());
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	mkdir("/run/netns", 0755);
	fd = open(path, O_CREAT | O_RDONLY, 0444);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL));

	snprintf(cmd, sizeof(cmd),
		 "nsenter --net=/proc/1/ns/net %s/tools/xtcpstat -N %s -a",
		 repo_root(), name);
	EXPECT_EQ(0, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	TH_LOG("%s:\n%s", cmd, self->out);
	n = parse_table(self->out, BASIC_HEADER, self->rows);
	EXPECT_EQ(4, n);
	EXPECT_NE(NULL, row(self, n, "TIME_WAIT", self->t, self->l));

	EXPECT_EQ(0, umount(path));
	EXPECT_EQ(0, unlink(path));

	/* Gone: a clear message and status 1. */
	snprintf(cmd, sizeof(cmd), "%s/tools/xtcpstat -N %s 2>&1",
		 repo_root(), name);
	EXPECT_EQ(1, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "network namespace"));
	EXPECT_NE(NULL, strstr(self->out, "No such file or directory"));
}

/* Find "NAME COUNT" in the -s output; the count, or -1. */
static long count_of(const char *out, const char *name)
{
	const char *p = out;
	size_t len = strlen(name);

	while (p && *p) {
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtol(p + len, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

TEST_F(stat, summary__per_state)
{
	static const char *const zero[] = {
		"SYN_SENT", "SYN_RCVD", "FIN_WAIT1", "FIN_WAIT2", "CLOSING",
		"CLOSE_WAIT", "LAST_ACK", "CLOSED",
	};
	unsigned int i;

	ASSERT_EQ(0, run_tool("-s", self->out, sizeof(self->out)));
	TH_LOG("xtcpstat -s:\n%s", self->out);
	EXPECT_EQ(0, strncmp(self->out, "Total: 4\n", 9));
	EXPECT_EQ(1, count_of(self->out, "LISTEN"));
	EXPECT_EQ(2, count_of(self->out, "ESTABLISHED"));
	EXPECT_EQ(1, count_of(self->out, "TIME_WAIT"));
	for (i = 0; i < ARRAY_SIZE(zero); i++)
		EXPECT_EQ(0, count_of(self->out, zero[i]));

	/* Counts after the filter. */
	ASSERT_EQ(0, run_tool("--summary state established", self->out,
			      sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "Total: 2\n", 9));
	EXPECT_EQ(0, count_of(self->out, "LISTEN"));
	EXPECT_EQ(2, count_of(self->out, "ESTABLISHED"));
}

/* The value after "  @name" at the start of a line of @out; -1 if none. */
static long long value_after(const char *out, const char *name)
{
	const char *p = out;
	size_t len = strlen(name);

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, name, len) && (p[len] == ' ' ||
					       isdigit((unsigned char)p[len])))
			return strtoll(p + len, NULL, 10);
	}
	return -1;
}

/* The transition count "FROM -> TO N" in the -s output; -1 if none. */
static long long transition(const char *out, const char *from, const char *to)
{
	char f[16], t[16];
	unsigned long long n;
	const char *p;

	for (p = strstr(out, "\nTransitions:\n"); p; p = strchr(p + 1, '\n'))
		if (sscanf(p, " %15s -> %15s %llu", f, t, &n) == 3 &&
		    !strcmp(f, from) && !strcmp(t, to))
			return n;
	return 0;	/* -s leaves out the arcs never taken */
}

/*
 * The counters and transitions of -s are those of /proc/net/xtcp_snmp: in
 * this namespace, 2 active and 2 passive opens, 2 established, and one
 * connection closed by the client first.
 */
TEST_F(stat, summary__counters_and_transitions)
{
	ASSERT_EQ(0, run_tool("-s", self->out, sizeof(self->out)));
	TH_LOG("xtcpstat -s:\n%s", self->out);
	EXPECT_EQ(2, value_after(self->out, "XTcpActiveOpens"));
	EXPECT_EQ(2, value_after(self->out, "XTcpPassiveOpens"));
	EXPECT_EQ(2, value_after(self->out, "XTcpCurrEstab"));
	EXPECT_EQ(-1, value_after(self->out, "XTcpMaxConn"));
	EXPECT_EQ(xtcp_counter("InSegs"),
		  value_after(self->out, "XTcpInSegs"));
	EXPECT_EQ(xtcp_counter("OutSegs"),
		  value_after(self->out, "XTcpOutSegs"));

	EXPECT_EQ(2, transition(self->out, "SYN_SENT", "ESTABLISHED"));
	EXPECT_EQ(1, transition(self->out, "ESTABLISHED", "FIN_WAIT1"));
	EXPECT_EQ(1, transition(self->out, "FIN_WAIT1", "FIN_WAIT2"));
	EXPECT_EQ(1, transition(self->out, "FIN_WAIT2", "TIME_WAIT"));
	EXPECT_EQ(1, transition(self->out, "ESTABLISHED", "CLOSE_WAIT"));
	EXPECT_EQ(1, transition(self->out, "CLOSE_WAIT", "LAST_ACK"));
	EXPECT_EQ(0, transition(self->out, "ESTABLISHED", "CLOSING"));
}

/*
 * nstat reads the counter file as it reads /proc/net/snmp, and shows the
 * same values as -s, every counter and every transition, by the same name.
 */
TEST_F(stat, summary__nstat_reads_xtcp_snmp)
{
	static char nstat[65536];
	char name[64], *line, *save = NULL;
	int counters = 0;
	long long v;

	ASSERT_EQ(0, run_tool("-s", self->out, sizeof(self->out)));
	ASSERT_EQ(0, xtcp_sh_output("PROC_NET_SNMP=/proc/net/xtcp_snmp nstat -az",
				    nstat, sizeof(nstat)));
	TH_LOG("nstat -az:\n%s", nstat);
	EXPECT_EQ(2, value_after(nstat, "XTcpActiveOpens"));
	EXPECT_EQ(2, value_after(nstat, "XTcpTransSynSentEstablished"));
	EXPECT_EQ(1, value_after(nstat, "XTcpTransCloseWaitLastAck"));
	EXPECT_EQ(0, value_after(nstat, "XTcpTransListenClosing"));

	for (line = strtok_r(self->out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, " %63s %lld", name, &v) != 2 ||
		    strncmp(name, "XTcp", 4))
			continue;
		/* nstat prints MaxConn -1 as an unsigned 64-bit number. */
		if (v >= 0)
			EXPECT_EQ(v, value_after(nstat, name))
				TH_LOG("%s", name);
		counters++;
	}
	EXPECT_LT(10, counters);
}

/*
 * Run "xtcpstat @args | python3 -c @py": the JSON document parsed back by
 * Python's json module, and turned into lines that C can read.  The tests
 * that use it have 90 s: python3 takes seconds to start on the debug
 * kernel under TCG, and one timed out at 30 s beside a second VM.
 */
static int json_tool(const char *args, const char *py, char *out,
		     size_t size)
{
	char cmd[PATH_MAX + 2048];

	snprintf(cmd, sizeof(cmd),
		 "%s/tools/xtcpstat %s | python3 -c 'import json, sys\n"
		 "d = json.load(sys.stdin)\n%s'", repo_root(), args, py);
	return xtcp_sh_output(cmd, out, size);
}

/* One line per socket: state, ports, queues, uid, inode, -i's variables. */
#define PY_SOCKETS \
	"for s in d[\"sockets\"]:\n" \
	"    i = s.get(\"info\") or {}\n" \
	"    print(s[\"state\"], s[\"local\"][\"address\"], s[\"local\"][\"port\"],\n" \
	"          s[\"peer\"][\"port\"], s[\"recv_q\"], s[\"send_q\"], s[\"uid\"],\n" \
	"          s[\"inode\"], s[\"timer\"][\"name\"],\n" \
	"          (i.get(\"snd_nxt\", 0) - i.get(\"iss\", 0)) % 2**32,\n" \
	"          len(s.get(\"users\", [])))\n"

struct jrow {
	char state[16], addr[32], timer[16];
	int lport, pport;
	long recvq, sendq, sent;
	unsigned long uid, inode;
	int users;
};

static int parse_jrows(const char *out, struct jrow *r, int max)
{
	const char *p = out;
	int n = 0;

	while (*p && n < max) {
		if (sscanf(p, "%15s %31s %d %d %ld %ld %lu %lu %15s %ld %d",
			   r[n].state, r[n].addr, &r[n].lport, &r[n].pport,
			   &r[n].recvq, &r[n].sendq, &r[n].uid, &r[n].inode,
			   r[n].timer, &r[n].sent, &r[n].users) != 11)
			return -1;
		n++;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return n;
}

static const struct jrow *find_jrow(const struct jrow *r, int n,
				    const char *state, int lport, int pport)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].state, state) && r[i].lport == lport &&
		    r[i].pport == pport)
			return &r[i];
	return NULL;
}

/* -j: the same sockets as the table, with every field, parsed back. */
TEST_F_TIMEOUT(stat, json__table_parsed_back, 90)
{
	struct jrow r[MAX_ROWS];
	const struct jrow *j;
	struct stat st;
	int n;

	ASSERT_EQ(0, json_tool("-a -j -i -p", PY_SOCKETS, self->out,
			       sizeof(self->out)));
	TH_LOG("parsed back:\n%s", self->out);
	n = parse_jrows(self->out, r, MAX_ROWS);
	ASSERT_EQ(4, n);

	j = find_jrow(r, n, "LISTEN", self->lport, 0);
	ASSERT_NE(NULL, j);
	ASSERT_EQ(0, fstat(self->lfd, &st));
	EXPECT_EQ(st.st_ino, j->inode);
	EXPECT_EQ(getuid(), j->uid);
	EXPECT_STREQ("127.0.0.1", j->addr);
	/* The test, the shell and xtcpstat hold it. */
	EXPECT_LE(1, j->users);

	j = find_jrow(r, n, "ESTABLISHED", self->lport, self->cport);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(UNREAD, j->recvq);
	j = find_jrow(r, n, "ESTABLISHED", self->cport, self->lport);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, j->sendq);
	/* SND.NXT - ISS: the SYN and 5 bytes. */
	EXPECT_EQ(1 + UNREAD, j->sent);
	j = find_jrow(r, n, "TIME_WAIT", self->tport, self->lport);
	ASSERT_NE(NULL, j);
	EXPECT_STREQ("timewait", j->timer);
	EXPECT_EQ(0, j->inode);

	/* The filter applies; no socket: an empty list, still a document. */
	ASSERT_EQ(0, json_tool("-j state established", PY_SOCKETS, self->out,
			       sizeof(self->out)));
	EXPECT_EQ(2, parse_jrows(self->out, r, MAX_ROWS));
	ASSERT_EQ(0, json_tool("-j state syn-sent",
			       "print(len(d[\"sockets\"]))", self->out,
			       sizeof(self->out)));
	EXPECT_STREQ("0\n", self->out);
}

#define PY_CANONICAL \
	"for s in d[\"sockets\"]:\n" \
	"    del s[\"timer\"][\"expires_ms\"]\n" \
	"print(json.dumps(d, sort_keys=True))\n"

/* --pretty: the same document, indented, one member a line. */
TEST_F_TIMEOUT(stat, json__pretty, 90)
{
	char plain[sizeof(self->out)];
	int lines = 0;
	char *p;

	ASSERT_EQ(0, run_tool("-a -j", plain, sizeof(plain)));
	ASSERT_EQ(0, run_tool("-a -j --pretty", self->out,
			      sizeof(self->out)));
	TH_LOG("--pretty:\n%s", self->out);
	/* One line, then many lines indented by two spaces a level. */
	EXPECT_EQ(plain + strlen(plain) - 1, strchr(plain, '\n'));
	for (p = self->out; (p = strchr(p, '\n')); p++)
		lines++;
	EXPECT_LT(4 * 10, lines);
	EXPECT_NE(NULL, strstr(self->out, "{\n  \"sockets\": [\n    {\n"));
	EXPECT_NE(NULL, strstr(self->out, "\n      \"state\": \""));

	/* Both parse to the same document, TIME_WAIT's countdown aside. */
	ASSERT_EQ(0, json_tool("-a -j", PY_CANONICAL, plain, sizeof(plain)));
	ASSERT_EQ(0, json_tool("-a -j --pretty", PY_CANONICAL, self->out,
			       sizeof(self->out)));
	EXPECT_STREQ(plain, self->out);
}

/* Any byte of a process name comes out as valid JSON. */
TEST_F_TIMEOUT(stat, json__escapes_process_names, 90)
{
	static const char name[] = "a\"b\\c\td\x01\xff";

	ASSERT_EQ(0, prctl(PR_SET_NAME, name));
	ASSERT_EQ(0, json_tool("-l -j -p",
			       "print(ascii([u[\"name\"] for u in d[\"sockets\"][0][\"users\"]]))",
			       self->out, sizeof(self->out)));
	TH_LOG("names: %s", self->out);
	/* Python's ascii() of the name, each byte one code point. */
	EXPECT_NE(NULL, strstr(self->out,
			       "'a\"b\\\\c\\td\\x01\\xff'"));
}

/* -s -j: the states, counters and all 110 transitions. */
TEST_F_TIMEOUT(stat, json__summary, 90)
{
	static const char py[] =
		"t = {(x[\"from\"], x[\"to\"]): x[\"count\"] for x in d[\"transitions\"]}\n"
		"print(d[\"total\"], d[\"states\"][\"ESTABLISHED\"],\n"
		"      d[\"states\"][\"TIME_WAIT\"], d[\"counters\"][\"XTcpActiveOpens\"],\n"
		"      d[\"counters\"][\"XTcpMaxConn\"], len(t),\n"
		"      t[(\"SYN_SENT\", \"ESTABLISHED\")], t[(\"LISTEN\", \"CLOSING\")])\n";

	ASSERT_EQ(0, json_tool("-s -j", py, self->out, sizeof(self->out)));
	EXPECT_STREQ("4 2 1 2 -1 110 2 0\n", self->out);
	ASSERT_EQ(0, json_tool("-s -j --pretty", py, self->out,
			       sizeof(self->out)));
	EXPECT_STREQ("4 2 1 2 -1 110 2 0\n", self->out);
}

/*
 * A saved trace, in tracefs's format and in perf script's: each event
 * mode reads it back with the right durations, paths, bytes, causes and
 * kinds.  The second connection's lines are an older module's, without
 * a cause and with bytes_sent alone.
 */
static const char trace_text[] =
	"# tracer: nop\n"
	"#\n"
	"  cl-100  [000] .....   100.000000: xtcp_set_state: family=25 protocol=0 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 oldstate=CLOSED newstate=SYN_SENT bytes_sent=0 bytes_acked=0 bytes_received=0 cause=call flags= seq=0 ack=0 len=0\n"
	"  <idle>-0  [001] ..s1.   100.010000: xtcp_set_state: family=25 protocol=0 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 oldstate=SYN_SENT newstate=ESTABLISHED bytes_sent=0 bytes_acked=0 bytes_received=0 cause=segment flags=S. seq=5000 ack=1001 len=0\n"
	"  <idle>-0  [001] ..s1.   100.500000: xtcp_retransmit: family=25 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 state=ESTABLISHED kind=TLP seq=12345 len=100 retrans=1\n"
	"  <idle>-0  [001] ..s1.   100.900000: xtcp_retransmit: family=25 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 state=ESTABLISHED kind=RTO seq=12345 len=100 retrans=2\n"
	/* Another connection, in perf script's format. */
	"   srv  200 [000]   100.950000: xtcp:xtcp_set_state: family=25 protocol=0 sport=80 dport=50000 saddr=10.0.0.2 daddr=10.0.0.3 oldstate=ESTABLISHED newstate=CLOSE_WAIT bytes_sent=0 bytes_received=10\n"
	"  cl-100  [000] .....   101.010000: xtcp_set_state: family=25 protocol=0 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 oldstate=ESTABLISHED newstate=FIN_WAIT1 bytes_sent=200 bytes_acked=100 bytes_received=7 cause=call flags= seq=0 ack=0 len=0\n"
	"  <idle>-0  [001] ..s1.   101.020000: xtcp_set_state: family=25 protocol=0 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 oldstate=FIN_WAIT1 newstate=FIN_WAIT2 bytes_sent=200 bytes_acked=100 bytes_received=7 cause=segment flags=. seq=5008 ack=1102 len=0\n"
	"  <idle>-0  [001] ..s1.   101.030000: xtcp_set_state: family=25 protocol=0 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 oldstate=FIN_WAIT2 newstate=TIME_WAIT bytes_sent=200 bytes_acked=100 bytes_received=7 cause=segment flags=FP. seq=5008 ack=1102 len=0\n"
	"   srv  200 [000]   101.200000: xtcp:xtcp_set_state: family=25 protocol=0 sport=80 dport=50000 saddr=10.0.0.2 daddr=10.0.0.3 oldstate=CLOSE_WAIT newstate=LAST_ACK bytes_sent=20 bytes_received=10\n"
	"   srv  200 [000]   101.250000: xtcp:xtcp_set_state: family=25 protocol=0 sport=80 dport=50000 saddr=10.0.0.2 daddr=10.0.0.3 oldstate=LAST_ACK newstate=CLOSED bytes_sent=20 bytes_received=10\n"
	"  <idle>-0  [001] ..s1.   161.030000: xtcp_set_state: family=25 protocol=0 sport=40000 dport=80 saddr=10.0.0.1 daddr=10.0.0.2 oldstate=TIME_WAIT newstate=CLOSED bytes_sent=200 bytes_acked=100 bytes_received=7 cause=timer flags= seq=0 ack=0 len=0\n"
	"  <idle>-0  [001] ..s1.   162.000000: xtcp_send_reset: sport=80 dport=5555 saddr=10.0.0.2 daddr=10.0.0.9 state=CLOSED\n"
	"  <idle>-0  [001] ..s1.   162.500000: xtcp_receive_reset: family=25 sport=40001 dport=81 saddr=10.0.0.1 daddr=10.0.0.2 state=SYN_SENT\n"
	"";

/* Write trace_text to a file of the VM's own /tmp; its path. */
static const char *trace_file(void)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/xtcpstat-trace.%d", getpid());
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(trace_text, f);
	return fclose(f) ? NULL : path;
}

TEST_F(stat, events__replay_states)
{
	static const char py[] =
		"s = d[\"states\"]\n"
		"print(len(s), s[1][\"ms_in_old\"], s[0][\"ms_in_old\"])\n";
	static const char *const want[] = {
		/* The first transition seen: how long before it, unknown. */
		"100.000000      10.0.0.1:40000        10.0.0.2:80           CLOSED      -> SYN_SENT             - call\n",
		"SYN_SENT    -> ESTABLISHED     10.000 rcv <SEQ=5000><ACK=1001><CTL=SYN,ACK>\n",
		"ESTABLISHED -> FIN_WAIT1     1000.000 call\n",
		"FIN_WAIT1   -> FIN_WAIT2       10.000 rcv <SEQ=5008><ACK=1102><CTL=ACK>",
		"FIN_WAIT2   -> TIME_WAIT       10.000 rcv <SEQ=5008><ACK=1102><CTL=FIN,PSH,ACK>\n",
		"TIME_WAIT   -> CLOSED       60000.000 timer\n",
		/* The perf script lines, the other connection: no cause. */
		"10.0.0.2:80           10.0.0.3:50000        CLOSE_WAIT  -> LAST_ACK       250.000 -\n",
	};
	const char *file = trace_file();
	char args[256];
	unsigned int i;

	ASSERT_NE(NULL, file);
	snprintf(args, sizeof(args), "--states --replay %s", file);
	ASSERT_EQ(0, run_tool(args, self->out, sizeof(self->out)));
	TH_LOG("%s", self->out);
	EXPECT_EQ(0, strncmp(self->out, "TIME ", 5));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_NE(NULL, strstr(self->out, want[i]));

	/* The filter and --follow pick one connection. */
	snprintf(args, sizeof(args),
		 "--states --replay %s -H dport = :50000 | wc -l", file);
	ASSERT_EQ(0, run_tool(args, self->out, sizeof(self->out)));
	EXPECT_STREQ("3\n", self->out);
	snprintf(args, sizeof(args),
		 "--states --replay %s --follow 10.0.0.3:50000 -j", file);
	ASSERT_EQ(0, json_tool(args, py, self->out, sizeof(self->out)));
	EXPECT_STREQ("3 250.0 None\n", self->out);

	/* --follow alone is --states; -j gives the segment's fields. */
	snprintf(args, sizeof(args), "--replay %s --follow 10.0.0.1:40000 -j",
		 file);
	ASSERT_EQ(0, json_tool(args,
			       "s = d[\"states\"]\n"
			       "g = s[1][\"segment\"]\n"
			       "print(len(s), s[0][\"cause\"], s[1][\"cause\"], g[\"seq\"], g[\"ack\"], g[\"ctl\"], g[\"len\"], s[5][\"cause\"])\n",
			       self->out, sizeof(self->out)));
	EXPECT_STREQ("6 call segment 5000 1001 SYN,ACK 0 timer\n", self->out);
	unlink(file);
}

TEST_F(stat, events__replay_life)
{
	static const char *const want[] = {
		/* Closed by the peer first, then by the client itself. */
		"10.0.0.2:80           10.0.0.3:50000                20         10    300.000 peer   ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSED\n",
		/* What the peer acknowledged: not the 200 sent with resends. */
		"10.0.0.1:40000        10.0.0.2:80                  100          7  61030.000 local  CLOSED>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT>CLOSED\n",
		/* -j: the second life. */
		"2 local 100 7 61030.0 CLOSED>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT>CLOSED\n",
	};
	const char *file = trace_file();
	char args[256];

	ASSERT_NE(NULL, file);
	snprintf(args, sizeof(args), "--life --replay %s", file);
	ASSERT_EQ(0, run_tool(args, self->out, sizeof(self->out)));
	TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, want[0]));
	EXPECT_NE(NULL, strstr(self->out, want[1]));

	snprintf(args, sizeof(args), "--life --replay %s -j --pretty", file);
	ASSERT_EQ(0, json_tool(args,
			       "l = d[\"lives\"][1]\n"
			       "print(len(d[\"lives\"]), l[\"closed_first\"], l[\"bytes_acked\"], l[\"bytes_received\"], l[\"duration_ms\"], \">\".join(l[\"path\"]))",
			       self->out, sizeof(self->out)));
	EXPECT_STREQ(want[2], self->out);
	unlink(file);
}

TEST_F(stat, events__replay_retrans)
{
	static const char want[] =
		"TLP/ESTABLISHED/12345 RTO/ESTABLISHED/12345 RST-out/CLOSED/- RST-in/SYN_SENT/-\n";
	const char *file = trace_file();
	char args[256];

	ASSERT_NE(NULL, file);
	snprintf(args, sizeof(args), "--retrans --replay %s -j", file);
	ASSERT_EQ(0, json_tool(args,
			       "print(\" \".join(\"%s/%s/%s\" % (r[\"kind\"], r[\"state\"], r.get(\"seq\", \"-\")) for r in d[\"retransmits\"]))",
			       self->out, sizeof(self->out)));
	EXPECT_STREQ(want, self->out);
	unlink(file);
}

/* Bad event lines: a message, the others still read, status 1. */
TEST_F(stat, events__replay_malformed)
{
	char *o = self->out;
	size_t n = sizeof(self->out);

	EXPECT_EQ(1, run_tool("--states --replay - 2>&1 <<EOF\n"
			      "  x-1 [000] ..... 1.0: xtcp_set_state: sport=1 dport=2 saddr=1.2.3.4 daddr=1.2.3.5 oldstate=NOPE newstate=CLOSED\n"
			      "  x-1 [000] ..... 1.0: xtcp_set_state: sport=99999 dport=2 saddr=1.2.3.4 daddr=1.2.3.5 oldstate=LISTEN newstate=CLOSED\n"
			      "  x-1 [000] ..... 1.0: xtcp_set_state: sport=1 dport=2 saddr=1.2.3 daddr=1.2.3.5 oldstate=LISTEN newstate=CLOSED\n"
			      "  x-1 [000] ..... nan?: xtcp_set_state: sport=1\n"
			      "  x-1 [000] ..... 1.0: xtcp_set_state: novalue\n"
			      "  x-1 [000] ..... 2.0: xtcp_set_state: sport=1 dport=2 saddr=1.2.3.4 daddr=1.2.3.5 oldstate=SYN_SENT newstate=ESTABLISHED\n"
			      "EOF", o, n));
	EXPECT_NE(NULL, strstr(o, "5 malformed event lines skipped"));
	EXPECT_NE(NULL, strstr(o, "SYN_SENT    -> ESTABLISHED"));
	EXPECT_EQ(1, run_tool("--life --replay /nonexistent 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "/nonexistent: No such file or directory"));
}

/* No tracefs, or no XTCP tracepoints in it: a message and status 1. */
TEST_F(stat, events__no_tracefs)
{
	char *o = self->out;
	size_t n = sizeof(self->out);
	char dir[64], cmd[PATH_MAX + 128];

	snprintf(cmd, sizeof(cmd),
		 "XTCPSTAT_TRACEFS=/nonexistent %s/tools/xtcpstat --states 2>&1",
		 repo_root());
	EXPECT_EQ(1, xtcp_sh_output(cmd, o, n));
	EXPECT_NE(NULL, strstr(o, "tracefs not found"));

	/* A tracefs without the module's events. */
	snprintf(dir, sizeof(dir), "/tmp/xtcpstat-tracefs.%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0700));
	snprintf(cmd, sizeof(cmd), "%s/instances", dir);
	ASSERT_EQ(0, mkdir(cmd, 0700));
	snprintf(cmd, sizeof(cmd),
		 "XTCPSTAT_TRACEFS=%s %s/tools/xtcpstat --retrans 2>&1", dir,
		 repo_root());
	EXPECT_EQ(1, xtcp_sh_output(cmd, o, n));
	EXPECT_NE(NULL, strstr(o, "is the xtcp module loaded?"));
	snprintf(cmd, sizeof(cmd), "%s/instances", dir);
	rmdir(cmd);
	rmdir(dir);

	EXPECT_EQ(2, run_tool("--states --life 2>&1", o, n));
	EXPECT_EQ(2, run_tool("--count 0 --states 2>&1", o, n));
	EXPECT_EQ(2, run_tool("--follow nowhere --states 2>&1", o, n));
	EXPECT_EQ(2, run_tool("--follow 1.2.3.4:5 --diagram 2>&1", o, n));
}

/* A live tracer: xtcpstat running, its output read through a pipe. */
struct tracer_proc {
	pid_t pid;
	FILE *out;
};

/*
 * Start "xtcpstat @args" and wait until it says that it traces: from then
 * on it misses no event.
 */
static int tracer_start(struct tracer_proc *t, const char *args)
{
	int out[2], err[2];
	char cmd[PATH_MAX + 256], line[256];
	FILE *e;

	if (pipe(out) || pipe(err))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (!t->pid) {
		/* A test that fails ends it too: it removes its instance. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		snprintf(cmd, sizeof(cmd), "exec %s/tools/xtcpstat %s",
			 repo_root(), args);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	t->out = fdopen(out[0], "r");
	e = fdopen(err[0], "r");
	if (!t->out || !e)
		return -1;
	/* The harness's timeout bounds this read. */
	while (fgets(line, sizeof(line), e))
		if (strstr(line, "tracing; Ctrl-C to end"))
			break;
	fclose(e);
	return strstr(line, "tracing") ? 0 : -1;
}

/* Read lines until one holds @want; false at the end of output. */
static bool tracer_wait(struct tracer_proc *t, const char *want, char *log,
			size_t size)
{
	char line[512];
	size_t len = strlen(log);

	while (fgets(line, sizeof(line), t->out)) {
		snprintf(log + len, size - len, "%s", line);
		len = strlen(log);
		if (strstr(line, want))
			return true;
	}
	return false;
}

/* Whether a line of @log holds @a, @b and @c. */
static bool line_with(const char *log, const char *a, const char *b,
		      const char *c)
{
	const char *p, *end;
	char line[512];
	size_t n;

	for (p = log; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		n = end - p < (long)sizeof(line) ? end - p : sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (strstr(line, a) && strstr(line, b) && strstr(line, c))
			return true;
	}
	return false;
}

/* Stop it with SIGINT, as a user does; its exit status. */
static int tracer_stop(struct tracer_proc *t)
{
	int status;

	kill(t->pid, SIGINT);
	if (waitpid(t->pid, &status, 0) != t->pid || !WIFEXITED(status))
		return -1;
	fclose(t->out);
	return WEXITSTATUS(status);
}

/* The instances xtcpstat made are gone when it ends. */
static int leftover_instances(void)
{
	static const char cmd[] =
		"ls -d /sys/kernel/tracing/instances/xtcpstat.* 2>/dev/null | grep -q .";

	return xtcp_sh(cmd) == 0;
}

/*
 * --states on a connection that the test opens and closes: each
 * transition of both ends, with the time spent in the state it left.
 */
TEST_F(stat, events__live_states)
{
	char args[128], log[8192] = "", want[64];
	struct tracer_proc t;
	long t0, held;
	int c, a, port, n;
	double ms;
	char *p;

	snprintf(args, sizeof(args), "--states -n 'sport = :%d or dport = :%d'",
		 self->lport, self->lport);
	ASSERT_EQ(0, tracer_start(&t, args));

	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_to(c, "127.0.0.1", self->lport));
	a = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, a);
	port = xtcp_local_port(c);
	t0 = xtcp_now_ms();
	/* Hold it ESTABLISHED this long: the duration to measure. */
	usleep(300 * 1000);
	close(c);
	held = xtcp_now_ms() - t0;
	ASSERT_TRUE(xtcp_wait_state(self->lport, port, XTCP_CLOSE_WAIT));
	close(a);

	EXPECT_TRUE(tracer_wait(&t, "LAST_ACK    -> CLOSED", log, sizeof(log)));
	EXPECT_EQ(0, tracer_stop(&t));
	TH_LOG("%s", log);
	EXPECT_EQ(0, leftover_instances());

	snprintf(want, sizeof(want), "127.0.0.1:%d ", port);
	snprintf(args, sizeof(args), " 127.0.0.1:%d ", self->lport);
	EXPECT_TRUE(line_with(log, want, args, "CLOSED      -> SYN_SENT"));
	EXPECT_TRUE(line_with(log, want, "CLOSED      -> SYN_SENT", " call"));
	EXPECT_TRUE(line_with(log, want, "SYN_SENT    -> ESTABLISHED",
			      "<CTL=SYN,ACK>"));
	EXPECT_TRUE(line_with(log, want, args, "FIN_WAIT2   -> TIME_WAIT"));
	snprintf(want, sizeof(want), "127.0.0.1:%d ", self->lport);
	snprintf(args, sizeof(args), " 127.0.0.1:%d ", port);
	/* RFC 9293's passive open: the listener's arc, the SYN its cause. */
	EXPECT_TRUE(line_with(log, want, args, "LISTEN      -> SYN_RCVD"));
	EXPECT_TRUE(line_with(log, want, "LISTEN      -> SYN_RCVD",
			      "<CTL=SYN>"));
	EXPECT_TRUE(line_with(log, want, args, "SYN_RCVD    -> ESTABLISHED"));
	EXPECT_TRUE(line_with(log, want, args, "CLOSE_WAIT  -> LAST_ACK"));
	p = strstr(log, "ESTABLISHED -> FIN_WAIT1");
	ASSERT_NE(NULL, p);
	n = sscanf(p + 24, " %lf", &ms);
	ASSERT_EQ(1, n);
	/* At least as long as the test held it, at most until it closed. */
	EXPECT_LE(300, ms);
	EXPECT_GE(held + 50, ms);
}

/*
 * --life -j: two lives, each end's bytes, who closed first, its states.
 * A short MSL ends TIME_WAIT soon.
 */
TEST_F_TIMEOUT(stat, events__live_life_json, 90)
{
	char args[256], *out;
	struct tracer_proc t;
	size_t len = 0;
	static const char py[] =
		"python3 -c 'import json, sys\n"
		"for l in json.load(sys.stdin)[\"lives\"]:\n"
		"    print(l[\"local\"][\"port\"], l[\"bytes_acked\"], l[\"bytes_received\"],\n"
		"          l[\"closed_first\"], \">\".join(l[\"path\"]))\n"
		"' < /tmp/xtcpstat-life.json\n";
	int c, a, port;
	char res[512];
	FILE *f;

	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 100));
	snprintf(args, sizeof(args),
		 "--life -j --count 2 'sport = :%d or dport = :%d'",
		 self->lport, self->lport);
	ASSERT_EQ(0, tracer_start(&t, args));

	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_to(c, "127.0.0.1", self->lport));
	a = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, a);
	port = xtcp_local_port(c);
	ASSERT_EQ(5, write(c, "hello", 5));
	ASSERT_EQ(0, xtcp_read_all(a, res, 5));
	ASSERT_EQ(3, write(a, "hey", 3));
	ASSERT_EQ(0, xtcp_read_all(c, res, 3));
	close(c);
	ASSERT_TRUE(xtcp_wait_state(self->lport, port, XTCP_CLOSE_WAIT));
	close(a);

	/* --count 2: it ends by itself, with the document closed. */
	out = NULL;
	ASSERT_LT(0, getdelim(&out, &len, '\0', t.out));
	EXPECT_EQ(0, tracer_stop(&t));
	TH_LOG("%s", out);
	f = fopen("/tmp/xtcpstat-life.json", "w");
	ASSERT_NE(NULL, f);
	fputs(out, f);
	free(out);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, xtcp_sh_output(py, res, sizeof(res)));
	TH_LOG("%s", res);
	snprintf(args, sizeof(args),
		 "%d 3 5 peer LISTEN>SYN_RCVD>ESTABLISHED>CLOSE_WAIT>LAST_ACK>CLOSED\n",
		 self->lport);
	EXPECT_NE(NULL, strstr(res, args));
	snprintf(args, sizeof(args),
		 "%d 5 3 local CLOSED>SYN_SENT>ESTABLISHED>FIN_WAIT1>FIN_WAIT2>TIME_WAIT>CLOSED\n",
		 port);
	EXPECT_NE(NULL, strstr(res, args));
	EXPECT_EQ(0, leftover_instances());
}

/*
 * --retrans: data sent into a loopback that drops everything is probed
 * (TLP) and then resent on a timeout (RTO); a SYN to a closed port is
 * answered by RST (sent, then received).
 */
TEST_F_TIMEOUT(stat, events__live_retrans, 90)
{
	char args[128], log[16384] = "", want[128];
	struct tracer_proc t;
	int c, closed_port;

	snprintf(args, sizeof(args), "--retrans -n");
	ASSERT_EQ(0, tracer_start(&t, args));

	/* A port nobody listens on: RST out (no socket), RST in (SYN_SENT). */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	closed_port = self->lport + 1;
	EXPECT_NE(0, xtcp_connect_to(c, "127.0.0.1", closed_port));
	close(c);
	EXPECT_TRUE(tracer_wait(&t, "RST-in", log, sizeof(log)));

	/* Loss: what the client sends now never arrives. */
	ASSERT_EQ(0, xtcp_sh("tc qdisc add dev lo root netem loss 100%%"));
	ASSERT_EQ(5, write(self->cfd, "again", 5));
	EXPECT_TRUE(tracer_wait(&t, " RTO ", log, sizeof(log)));
	EXPECT_EQ(0, xtcp_sh("tc qdisc del dev lo root"));
	EXPECT_EQ(0, tracer_stop(&t));
	TH_LOG("%s", log);
	snprintf(want, sizeof(want), "127.0.0.1:%d ", self->cport);
	snprintf(args, sizeof(args), " 127.0.0.1:%d ", self->lport);
	EXPECT_TRUE(line_with(log, want, args, "ESTABLISHED TLP "));
	EXPECT_TRUE(line_with(log, want, args, "ESTABLISHED RTO "));
	/* The RST for the closed port, sent and received. */
	snprintf(want, sizeof(want), "127.0.0.1:%d ", closed_port);
	EXPECT_TRUE(line_with(log, want, "CLOSED", "RST-out"));
	EXPECT_TRUE(line_with(log, want, "SYN_SENT", "RST-in"));
	EXPECT_EQ(0, leftover_instances());
}

/*
 * --follow: a connection that the segment-level peer opens to an XTCP
 * listener and that XTCP closes first, each transition with its cause,
 * the segments exactly as the peer sent them.  A short MSL ends
 * TIME_WAIT by its timer.  A fixture of its own only for its time limit:
 * the debug kernel needs more than TEST()'s 30 s.
 */
FIXTURE(follow) {
	struct xtcp_peer p;
};

FIXTURE_SETUP(follow)
{
	ASSERT_EQ(0, peer_setup(&self->p));
}

FIXTURE_TEARDOWN(follow)
{
	peer_close(&self->p);
}

TEST_F_TIMEOUT(follow, events__follow_causes, 120)
{
	char args[64], log[8192] = "", want[128], peer[32];
	struct xtcp_peer p = self->p;
	struct tracer_proc t;
	int lfd = -1, fd;
	__u32 irs, iss;

	p.port = 40000;
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 100));
	snprintf(peer, sizeof(peer), "%s:%u", PEER_IP, p.port);
	snprintf(args, sizeof(args), "--follow %s", peer);
	ASSERT_EQ(0, tracer_start(&t, args));

	fd = peer_open_passive(&p, 7000, &lfd);
	ASSERT_LE(0, fd);
	irs = p.irs;
	iss = p.iss;
	/*
	 * XTCP closes first: FIN_WAIT1 by the call, then the peer's ACK.
	 * shutdown(), not close(): an orphan's FIN_WAIT2 would end with
	 * the short MSL, perhaps before the peer's FIN.
	 */
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	/* The peer has learnt SND.NXT from the FIN: the ACK covers it. */
	ASSERT_EQ(0, peer_expect_fin(&p));
	ASSERT_EQ(0, peer_send(&p, PEER_ACK, p.rcv_nxt, p.snd_nxt, NULL, 0));
	ASSERT_TRUE(peer_wait_state(&p, XTCP_FIN_WAIT2));
	ASSERT_EQ(0, peer_fin(&p, p.snd_nxt));
	EXPECT_TRUE(tracer_wait(&t, "TIME_WAIT   -> CLOSED", log, sizeof(log)));
	EXPECT_EQ(0, tracer_stop(&t));
	TH_LOG("%s", log);
	close(fd);
	close(lfd);

	/* Only the followed connection: not the listener, not the probes. */
	EXPECT_EQ(NULL, strstr(log, "CLOSED      -> LISTEN"));
	snprintf(want, sizeof(want), "rcv <SEQ=%u><CTL=SYN>", irs);
	EXPECT_TRUE(line_with(log, peer, "LISTEN      -> SYN_RCVD", want));
	snprintf(want, sizeof(want), "rcv <SEQ=%u><ACK=%u><CTL=ACK>",
		 irs + 1, iss + 1);
	EXPECT_TRUE(line_with(log, peer, "SYN_RCVD    -> ESTABLISHED", want));
	EXPECT_TRUE(line_with(log, peer, "ESTABLISHED -> FIN_WAIT1", " call"));
	snprintf(want, sizeof(want), "rcv <SEQ=%u><ACK=%u><CTL=ACK>",
		 irs + 1, iss + 2);
	EXPECT_TRUE(line_with(log, peer, "FIN_WAIT1   -> FIN_WAIT2", want));
	snprintf(want, sizeof(want), "rcv <SEQ=%u><ACK=%u><CTL=FIN,ACK>",
		 irs + 1, iss + 2);
	EXPECT_TRUE(line_with(log, peer, "FIN_WAIT2   -> TIME_WAIT", want));
	EXPECT_TRUE(line_with(log, peer, "TIME_WAIT   -> CLOSED", " timer"));
	EXPECT_EQ(0, leftover_instances());
}

/*
 * The number after the first @label in @out, and in *@mark what follows
 * it ('*': taken since the last drawing); -1 if none.
 */
static long long arc_mark(const char *out, const char *label, char *mark)
{
	const char *p = strstr(out, label);
	long long n;

	if (!p)
		return -1;
	p += strlen(label);
	if (sscanf(p, " %lld%c", &n, mark) == 2)
		return n;
	return -1;
}

static long long arc_count(const char *out, const char *label)
{
	char mark;

	return arc_mark(out, label, &mark);
}

/* Whether a count in @buf is marked taken since the last drawing. */
static bool any_mark(const char *buf)
{
	const char *p;

	for (p = strchr(buf, '*'); p; p = strchr(p + 1, '*'))
		if (p > buf && isdigit((unsigned char)p[-1]))
			return true;
	return false;
}

/*
 * --diagram: each state's box holds its number of sockets, each arc the
 * times it was taken; this namespace's history is known.
 */
TEST_F(stat, diagram__counts)
{
	ASSERT_EQ(0, run_tool("--diagram", self->out, sizeof(self->out)));
	TH_LOG("%s", self->out);
	EXPECT_EQ(1, arc_count(self->out, "| LISTEN"));
	EXPECT_EQ(2, arc_count(self->out, "ESTABLISHED"));
	EXPECT_EQ(1, arc_count(self->out, "| TIME_WAIT"));
	EXPECT_EQ(0, arc_count(self->out, "| CLOSE_WAIT"));
	/* Two active opens, two handshakes each way, one close each side. */
	EXPECT_EQ(2, arc_count(self->out, "rcv ACK of SYN"));
	EXPECT_EQ(1, arc_count(self->out, "close, snd FIN"));
	EXPECT_EQ(1, arc_count(self->out, "rcv FIN, snd ACK"));
	EXPECT_EQ(0, arc_count(self->out, "2 MSL timeout"));
	EXPECT_NE(NULL, strstr(self->out, "Other arcs of RFC 9293's diagram:"));
	/* Drawn once, nothing is marked as new. */
	EXPECT_FALSE(any_mark(self->out));
}

/* --dot: the same numbers, as a Graphviz digraph. */
TEST_F(stat, diagram__dot)
{
	ASSERT_EQ(0, run_tool("--dot", self->out, sizeof(self->out)));
	TH_LOG("%s", self->out);
	EXPECT_EQ(0, strncmp(self->out, "digraph xtcp {\n", 15));
	EXPECT_NE(NULL, strstr(self->out, "<B>ESTABLISHED</B></TD></TR><TR><TD>2</TD>"));
	EXPECT_NE(NULL, strstr(self->out, "[label=<rcv SYN,ACK / snd ACK<BR/><B>2</B>>"));
	EXPECT_NE(NULL, strstr(self->out, "deleted)\" [label=<timeout = 2 MSL<BR/><B>0</B>>"));
	EXPECT_NE(NULL, strstr(self->out, "}\n"));
	EXPECT_EQ(2, run_tool("--dot state listening 2>&1", self->out,
			      sizeof(self->out)));
	EXPECT_EQ(2, run_tool("-w 0 --diagram 2>&1", self->out,
			      sizeof(self->out)));
	EXPECT_EQ(2, run_tool("-w 1 2>&1", self->out, sizeof(self->out)));
}

/* Read one drawing of --diagram -w; false at the end of the output. */
static bool read_drawing(FILE *f, char *buf, size_t size)
{
	char line[256];
	size_t len = 0;

	buf[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		snprintf(buf + len, size - len, "%s", line);
		len = strlen(buf);
		if (!strncmp(line, "Every ", 6))
			return true;
	}
	return false;
}

/*
 * -w: redrawn, and an arc taken between two drawings is marked '*' in
 * the second, with its new count.
 */
TEST_F_TIMEOUT(stat, diagram__watch_marks_new_arcs, 60)
{
	char cmd[PATH_MAX + 64], first[8192], later[8192];
	bool marked = false;
	char mark = 0;
	FILE *f;
	int c, a, i;

	snprintf(cmd, sizeof(cmd), "%s/tools/xtcpstat --diagram -w 2 --count 3",
		 repo_root());
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	ASSERT_TRUE(read_drawing(f, first, sizeof(first)));
	EXPECT_FALSE(any_mark(first));
	EXPECT_EQ(2, arc_count(first, "rcv ACK of SYN"));

	/* A third connection, opened between two drawings. */
	c = xtcp_socket();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_connect_to(c, "127.0.0.1", self->lport));
	a = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, a);
	for (i = 0; i < 2 && !marked; i++) {
		ASSERT_TRUE(read_drawing(f, later, sizeof(later)));
		TH_LOG("%s", later);
		marked = arc_mark(later, "rcv ACK of SYN", &mark) == 3 &&
			 mark == '*';
	}
	EXPECT_TRUE(marked);
	EXPECT_EQ(4, arc_count(later, "ESTABLISHED"));
	/* Read to the end: --count 3 ends it. */
	while (read_drawing(f, later, sizeof(later)))
		;
	EXPECT_EQ(0, pclose(f));
	close(a);
	close(c);
}

/* Write @text to a file of the VM's /tmp named after @name; its path. */
static const char *tmp_file(const char *name, const char *text)
{
	static char path[4][64];
	static int n;
	char *p = path[n++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "/tmp/xtcpstat-%s.%d", name, getpid());
	f = fopen(p, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	return fclose(f) ? NULL : p;
}

/*
 * Hostile /proc/net/xtcp lines: each is skipped with its line number, the
 * good ones are still shown, and the status is 1; never a crash.
 */
TEST_F(stat, input__hostile_table)
{
	static const char text[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0\n"
		/* 3: truncated */
		"   1: 0100007F:1F91 00000000:0000 0A 00000000:0000\n"
		/* 4: address of 7 digits */
		"   2: 100007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 112\n"
		/* 5: port of 5 digits */
		"   3: 0100007F:1F930 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 113\n"
		/* 6: state not hex */
		"   4: 0100007F:1F94 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000     0        0 114\n"
		/* 7: a queue of 17 hex digits */
		"   5: 0100007F:1F95 00000000:0000 0A 00000000:11111111111111111 00:00000000 00000000     0        0 115\n"
		/* 8: uid negative */
		"   6: 0100007F:1F96 00000000:0000 0A 00000000:00000000 00:00000000 00000000    -1        0 116\n"
		/* 9: inode past 64 bits */
		"   7: 0100007F:1F97 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99999999999999999999999\n"
		/* 10: no colon after the slot */
		"   8 0100007F:1F98 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 118\n"
		/* 11: a state number past the table: kept, UNKNOWN */
		"   9: 0100007F:1F99 00000000:0000 3F 00000000:00000000 00:00000000 00000000     0        0 119\n"
		/* 12: bytes that are no text */
		"\x01\x02\xff\xfe:\t\t\x7f\n"
		"  10: 0100007F:1F9A 0200007F:0050 01 00000001:00000002 00:00000000 00000000     0        0 120\n"
		"";
	const char *file = tmp_file("hostile", text);
	char args[PATH_MAX + 128];
	const char *o = self->out;
	int line;

	ASSERT_NE(NULL, file);
	snprintf(args, sizeof(args), "-a -n -f %s 2>&1", file);
	EXPECT_EQ(1, run_tool(args, self->out, sizeof(self->out)));
	TH_LOG("%s", o);
	for (line = 3; line <= 12; line++) {
		char want[96];

		if (line == 11)
			continue;
		snprintf(want, sizeof(want), "%s:%d: malformed line skipped",
			 file, line);
		EXPECT_NE(NULL, strstr(o, want)) TH_LOG("line %d", line);
	}
	EXPECT_NE(NULL, strstr(o, "LISTEN            0       0  127.0.0.1:8080"));
	EXPECT_NE(NULL, strstr(o, "UNKNOWN"));
	EXPECT_NE(NULL, strstr(o, "ESTABLISHED       2       1  127.0.0.1:8090      127.0.0.2:80"));
	unlink(file);

	/* A line of a megabyte, and files that are not text at all. */
	snprintf(args, sizeof(args),
		 "head -c 1000000 /dev/zero | tr '\\0' x | %s/tools/xtcpstat -a -f - 2>&1",
		 repo_root());
	EXPECT_EQ(1, xtcp_sh_output(args, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(o, "(stdin):1: malformed line skipped"));
	snprintf(args, sizeof(args),
		 "head -c 100000 /dev/urandom | %s/tools/xtcpstat -a -f - 2>&1",
		 repo_root());
	EXPECT_EQ(1, xtcp_sh_output(args, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(o, "malformed line"));
	EXPECT_EQ(1, run_tool("-a -f /bin/sh 2>&1", self->out,
			      sizeof(self->out)));
	EXPECT_NE(NULL, strstr(o, "malformed line"));
}

/* Hostile xtcp_ext and xtcp_snmp files: a clear message and status 1. */
TEST_F(stat, input__hostile_ext_and_snmp)
{
	static const char *const snmp[] = {
		/* values without names */
		"XTcp: A B\n",
		/* one value short */
		"XTcp: A B C\nXTcp: 1 2\n",
		/* not a number */
		"XTcp: A B\nXTcp: 1 x\n",
		/* prefixes differ */
		"XTcp: A B\nTcp: 1 2\n",
		/* no prefix */
		"A B\n1 2\n",
		/* a transition between unknown states */
		"XTcp: A\nXTcp: 1\nXTcpTrans: FooBar\nXTcpTrans: 1\n",
		/* the arrow form the counters no longer use */
		"XTcp: A\nXTcp: 1\nXTcpTrans: LISTEN->CLOSED\nXTcpTrans: 1\n",
		/* empty */
		"",
	};
	char cmd[PATH_MAX + 256];
	const char *file;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(snmp); i++) {
		file = tmp_file("snmp", snmp[i]);
		ASSERT_NE(NULL, file);
		snprintf(cmd, sizeof(cmd),
			 "PROC_NET_XTCP_SNMP=%s %s/tools/xtcpstat -s 2>&1",
			 file, repo_root());
		EXPECT_EQ(1, xtcp_sh_output(cmd, self->out, sizeof(self->out)))
			TH_LOG("case %u", i);
		EXPECT_NE(NULL, strstr(self->out, file))
			TH_LOG("case %u: %s", i, self->out);
		/* The sockets per state still come. */
		EXPECT_NE(NULL, strstr(self->out, "Total: 4\n"));
		unlink(file);
	}

	/* An ext file without its header, and one with a bad line. */
	file = tmp_file("ext", "garbage\n");
	snprintf(cmd, sizeof(cmd),
		 "PROC_NET_XTCP_EXT=%s %s/tools/xtcpstat -i 2>&1", file,
		 repo_root());
	EXPECT_EQ(1, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "no header naming the columns"));
	unlink(file);
	snprintf(cmd, sizeof(cmd),
		 "(head -1 /proc/net/xtcp_ext; echo '1.2.3.4:5 1.2.3.4:6 ESTABLISHED x') > /tmp/xtcpstat-ext2; "
		 "PROC_NET_XTCP_EXT=/tmp/xtcpstat-ext2 %s/tools/xtcpstat -i 2>&1",
		 repo_root());
	EXPECT_EQ(1, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "/tmp/xtcpstat-ext2:2: malformed line skipped"));
	/* The table is still there, each row saying it has no variables. */
	EXPECT_NE(NULL, strstr(self->out, "(no line in /proc/net/xtcp_ext)"));
}

/*
 * 100,000 sockets: the table, and -i's join of xtcp_ext through a hash,
 * take each line once.  (The files are made up: opening 100,000 real
 * sockets would take longer than the test.)
 */
TEST_F_TIMEOUT(stat, input__hundred_thousand_lines, 120)
{
	static const char make[] =
		"awk 'BEGIN { print \"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\"\n"
		"for (i = 0; i < 100000; i++)\n"
		"printf \"%%6d: 0100007F:%%04X 0200007F:%%04X 01 00000000:00000000 00:00000000 00000000     0        0 %%d\\n\",\n"
		"i, 1024 + i %% 60000, 1 + int(i / 60000), i }' > /tmp/xtcpstat-big\n"
		"awk 'BEGIN { print \"local remote state iss snd_una snd_nxt snd_wnd irs rcv_nxt rcv_wnd mss srtt_us rttvar rto_ms retrans cwnd ssthresh snd_ws rcv_ws rcvbuf sndbuf\"\n"
		"for (i = 0; i < 100000; i++)\n"
		"printf \"127.0.0.1:%%d 127.0.0.2:%%d ESTABLISHED 1 2 3 4 5 6 7 8 9 10 11 12 %%d -1 0 0 100 200\\n\",\n"
		"1024 + i %% 60000, 1 + int(i / 60000), i }' > /tmp/xtcpstat-bigext\n";
	char cmd[PATH_MAX + 256];

	ASSERT_EQ(0, xtcp_sh(make));
	snprintf(cmd, sizeof(cmd),
		 "%s/tools/xtcpstat -H -n -f /tmp/xtcpstat-big | wc -l",
		 repo_root());
	ASSERT_EQ(0, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	EXPECT_STREQ("100000\n", self->out);
	/* Every row found its own line: cwnd is the row's number. */
	snprintf(cmd, sizeof(cmd),
		 "PROC_NET_XTCP_EXT=/tmp/xtcpstat-bigext %s/tools/xtcpstat -H -n -i -f /tmp/xtcpstat-big |\n"
		 "awk '/^\\t/ { split($0, a, \"cwnd:\"); split(a[2], b, \" \"); if (b[1] == n) ok++; n++ } END { print ok }'\n",
		 repo_root());
	ASSERT_EQ(0, xtcp_sh_output(cmd, self->out, sizeof(self->out)));
	EXPECT_STREQ("100000\n", self->out);
	unlink("/tmp/xtcpstat-big");
	unlink("/tmp/xtcpstat-bigext");
}

TEST_F_TIMEOUT(stat, usage__errors, 120)
{
	char *o = self->out;
	size_t n = sizeof(self->out);

	EXPECT_EQ(2, run_tool("-x 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "Try 'xtcpstat --help'"));

	EXPECT_EQ(2, run_tool("state bogus 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "unknown state 'bogus'"));
	EXPECT_NE(NULL, strstr(o, "LISTEN"));
	EXPECT_NE(NULL, strstr(o, "synchronized"));

	EXPECT_EQ(2, run_tool("state 2>&1", o, n));
	EXPECT_EQ(2, run_tool("extra 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "filter: expected sport, dport, src, dst"));
	EXPECT_EQ(2, run_tool("sport = 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "expected a port at the end"));
	EXPECT_EQ(2, run_tool("sport ~ 80 2>&1", o, n));
	EXPECT_EQ(2, run_tool("sport = :99999 2>&1", o, n));
	EXPECT_EQ(2, run_tool("'( sport = :1' 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "expected ')'"));
	EXPECT_EQ(2, run_tool("src 1.2.3.4/33 2>&1", o, n));
	EXPECT_EQ(2, run_tool("dst '[::1' 2>&1", o, n));
	EXPECT_EQ(2, run_tool("src 1.2.3.4 or 2>&1", o, n));
	EXPECT_EQ(2, run_tool("dport '<' 2>&1", o, n));

	EXPECT_EQ(1, run_tool("-f /nonexistent 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "/nonexistent: No such file or directory"));
	EXPECT_EQ(NULL, strstr(o, "module"));

	EXPECT_EQ(0, run_tool("-h", o, n));
	EXPECT_EQ(0, strncmp(o, "Usage: xtcpstat", 15));
	EXPECT_EQ(0, run_tool("--version", o, n));
	EXPECT_NE(NULL, strstr(o, "(AF_XTCP 25)"));
}

/* A malformed line is skipped, with a message and status 1. */
TEST_F(stat, input__malformed_line)
{
	char *o = self->out;
	size_t n = sizeof(self->out);

	EXPECT_EQ(1, run_tool("-a -f - 2>&1 <<EOF\n"
			      "  sl  local_address rem_address   st\n"
			      "garbage\n"
			      "EOF", o, n));
	EXPECT_NE(NULL, strstr(o, "(stdin):2: malformed line skipped"));
}

/* The format is /proc/net/tcp's: xtcpstat reads Linux TCP's table too. */
TEST_F(stat, file__proc_net_tcp)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char local[32];
	int fd, n;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(fd, 1));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &len));
	snprintf(local, sizeof(local), "127.0.0.1:%d", ntohs(a.sin_port));

	n = table(_metadata, self, "-l -f /proc/net/tcp", BASIC_HEADER);
	EXPECT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", local, "0.0.0.0:*"));
	close(fd);
}

/* A state's name as the counters spell it: "SYN_RCVD" -> "SynRcvd". */
static void camel_name(const char *name, char *buf, size_t size)
{
	bool up = true;
	size_t n = 0;

	for (; *name && n + 1 < size; name++) {
		if (*name == '_') {
			up = true;
			continue;
		}
		buf[n++] = up ? *name : tolower((unsigned char)*name);
		up = false;
	}
	buf[n] = '\0';
}

/* The state a --dot node is named after ("CLOSED (TCB deleted)"); 0 if none. */
static int dot_state(const char *node)
{
	static const char * const names[] = XTCP_STATE_NAMES;
	size_t len = strcspn(node, " ");
	int i;

	for (i = 1; i < XTCP_MAX_STATES; i++)
		if (strlen(names[i]) == len && !strncmp(node, names[i], len))
			return i;
	return 0;
}

/* The number just before @end in @line, after "<B>" or "<TD>"; -1 if none. */
static long long dot_number(const char *line, const char *end)
{
	const char *e = strstr(line, end), *p;

	if (!e)
		return -1;
	for (p = e; p > line && isdigit((unsigned char)p[-1]); p--)
		;
	if (p == e)
		return -1;
	if ((p - line < 3 || strncmp(p - 3, "<B>", 3)) &&
	    (p - line < 4 || strncmp(p - 4, "<TD>", 4)))
		return -1;
	return atoll(p);
}

/* How many times @what occurs in @s. */
static int occurrences(const char *s, const char *what)
{
	int n = 0;

	for (s = strstr(s, what); s; s = strstr(s + 1, what))
		n++;
	return n;
}

/*
 * --dot piped through Graphviz's dot renders, every node and arc drawn;
 * each arc's count is its XTcpTrans counter, every arc taken is drawn,
 * and each box holds the sockets the namespace has now.
 */
TEST_F_TIMEOUT(stat, diagram__dot_renders, 60)
{
	static const char * const names[] = XTCP_STATE_NAMES;
	bool drawn[XTCP_MAX_STATES][XTCP_MAX_STATES] = {};
	long long want_sockets[XTCP_MAX_STATES] = {
		[XTCP_LISTEN] = 1, [XTCP_ESTABLISHED] = 2,
		[XTCP_TIME_WAIT] = 1,
	};
	char from[32], to[32], cf[16], ct[16], ctr[64], svg[65536];
	char cmd[PATH_MAX + 64], *line, *save = NULL;
	int edges = 0, nodes = 0, status, a, b;
	const char *svg_path;
	long long want;
	FILE *f;

	if (XTCP_UNMET(!xtcp_sh("command -v dot"),
		       "no Graphviz dot (tools/vm/setup.sh installs graphviz)"))
		return;
	ASSERT_EQ(0, run_tool("--dot", self->out, sizeof(self->out)));
	svg_path = tmp_file("dot.svg", "");
	ASSERT_NE(NULL, svg_path);
	snprintf(cmd, sizeof(cmd), "dot -Tsvg > %s", svg_path);
	f = popen(cmd, "w");
	ASSERT_NE(NULL, f);
	fputs(self->out, f);
	status = pclose(f);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("dot -Tsvg: status %#x on:\n%s", status, self->out);
	snprintf(cmd, sizeof(cmd), "cat %s", svg_path);
	EXPECT_EQ(0, xtcp_sh_output(cmd, svg, sizeof(svg)));
	unlink(svg_path);
	EXPECT_NE(NULL, strstr(svg, "</svg>"));

	for (line = strtok_r(self->out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "\t\"%31[^\"]\" -> \"%31[^\"]\"", from, to) == 2) {
			a = dot_state(from);
			b = dot_state(to);
			ASSERT_TRUE(a && b) TH_LOG("%s", line);
			camel_name(names[a], cf, sizeof(cf));
			camel_name(names[b], ct, sizeof(ct));
			snprintf(ctr, sizeof(ctr), "%s%s", cf, ct);
			want = XTCP_COUNTER(ctr);
			EXPECT_EQ(want, dot_number(line, "</B>>"))
				TH_LOG("%s", line);
			drawn[a][b] = true;
			edges++;
		} else if (sscanf(line, "\t\"%31[^\"]\" [label=<", from) == 1) {
			a = dot_state(from);
			ASSERT_NE(0, a) TH_LOG("%s", line);
			/* The foot's CLOSED holds no count. */
			want = strchr(from, ' ') ? -1 : want_sockets[a];
			EXPECT_EQ(want, dot_number(line, "</TD></TR></TABLE>"))
				TH_LOG("%s", line);
			nodes++;
		}
	}
	/* Eleven states and the foot's CLOSED. */
	EXPECT_EQ(12, nodes);
	EXPECT_EQ(nodes, occurrences(svg, "class=\"node\""));
	EXPECT_EQ(edges, occurrences(svg, "class=\"edge\""));
	/* Each arc taken is drawn: the handshakes and closes at least. */
	for (a = 1; a < XTCP_MAX_STATES; a++)
		for (b = 1; b < XTCP_MAX_STATES; b++) {
			if (a == b)
				continue;
			camel_name(names[a], cf, sizeof(cf));
			camel_name(names[b], ct, sizeof(ct));
			snprintf(ctr, sizeof(ctr), "%s%s", cf, ct);
			want = XTCP_COUNTER(ctr);
			EXPECT_TRUE(!want || drawn[a][b]) TH_LOG("%s", ctr);
		}
	/* Two handshakes, one passive close. */
	want = XTCP_COUNTER("SynSentEstablished");
	EXPECT_EQ(2, want);
	want = XTCP_COUNTER("LastAckClosed");
	EXPECT_EQ(1, want);
}

TEST_HARNESS_MAIN
