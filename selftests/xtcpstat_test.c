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
 * Each test checks that the table (or the count) lists exactly the sockets
 * the options select, with the right state names, addresses, ports and
 * queues; that -e adds the right timer, UID and inode; and that bad usage
 * fails with a message and status 2.  (The module not loaded is checked by
 * params_test, which unloads it.)
 */
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include "xtcp_util.h"
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

/* One line of the table. */
struct row {
	char state[16];
	long recvq, sendq;
	char local[64], peer[64];
	char timer[16], when[32];	/* -e only */
	unsigned long uid, inode;
	int fields;
};

/*
 * Parse the table in @out: the header (which must start with "State" and
 * hold @header), then up to MAX_ROWS rows.  The number of rows, or -1.
 */
static int parse_table(char *out, const char *header, struct row *rows)
{
	char *save, *line = strtok_r(out, "\n", &save);
	int n = 0;

	if (!line || strncmp(line, "State", 5) || !strstr(line, header))
		return -1;
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct row *r = &rows[n];

		if (n == MAX_ROWS)
			return -1;
		memset(r, 0, sizeof(*r));
		r->fields = sscanf(line, "%15s %ld %ld %63s %63s %15s %31s %lu %lu",
				   r->state, &r->recvq, &r->sendq, r->local,
				   r->peer, r->timer, r->when, &r->uid,
				   &r->inode);
		if (r->fields < 5)
			return -1;
		n++;
	}
	return n;
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

TEST_F(stat, table__every_socket)
{
	const struct row *r;
	int n;

	n = table(_metadata, self, "", BASIC_HEADER);
	ASSERT_EQ(4, n);

	r = row(self, n, "LISTEN", self->l, "0.0.0.0:*");
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->recvq);
	EXPECT_EQ(0, r->sendq);
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
	/* Exactly 5 columns without -e. */
	EXPECT_EQ(5, r->fields);
}

/* -n and -a change nothing: numeric and all are the defaults. */
TEST_F(stat, table__n_and_a_are_defaults)
{
	char plain[sizeof(self->out)];

	ASSERT_EQ(0, run_tool("", plain, sizeof(plain)));
	ASSERT_EQ(0, run_tool("-n", self->out, sizeof(self->out)));
	EXPECT_STREQ(plain, self->out);
	ASSERT_EQ(0, run_tool("-a --numeric", self->out, sizeof(self->out)));
	EXPECT_STREQ(plain, self->out);
	/* -f - reads the same file from standard input. */
	ASSERT_EQ(0, run_tool("-f - < /proc/net/xtcp", self->out,
			      sizeof(self->out)));
	EXPECT_STREQ(plain, self->out);
}

TEST_F(stat, filter__state)
{
	static const char *const time_wait[] = {
		"-s time_wait", "-s TIME-WAIT", "--state=Time_Wait",
	};
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(time_wait); i++) {
		n = table(_metadata, self, time_wait[i], BASIC_HEADER);
		ASSERT_EQ(1, n);
		EXPECT_NE(NULL, row(self, n, "TIME_WAIT", self->t, self->l));
	}

	n = table(_metadata, self, "-s established", BASIC_HEADER);
	ASSERT_EQ(2, n);
	EXPECT_NE(NULL, row(self, n, "ESTABLISHED", self->c, self->l));
	EXPECT_NE(NULL, row(self, n, "ESTABLISHED", self->l, self->c));

	/* -s adds up. */
	n = table(_metadata, self, "-s LISTEN -s time-wait", BASIC_HEADER);
	ASSERT_EQ(2, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));
	EXPECT_NE(NULL, row(self, n, "TIME_WAIT", self->t, self->l));

	/* A state nobody is in: the header alone. */
	EXPECT_EQ(0, table(_metadata, self, "-s syn_recv", BASIC_HEADER));
	EXPECT_EQ(0, table(_metadata, self, "-s CLOSE_WAIT", BASIC_HEADER));
}

TEST_F(stat, filter__listening)
{
	int n;

	n = table(_metadata, self, "-l", BASIC_HEADER);
	ASSERT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", self->l, "0.0.0.0:*"));

	n = table(_metadata, self, "--listening -s established",
		  BASIC_HEADER);
	EXPECT_EQ(3, n);

	/* -a overrides -l. */
	EXPECT_EQ(4, table(_metadata, self, "-l -a", BASIC_HEADER));
}

TEST_F(stat, extended__timer_uid_inode)
{
	const struct row *r;
	struct stat st;
	double secs;
	int n;

	ASSERT_EQ(0, run_tool("-e", self->out, sizeof(self->out)));
	TH_LOG("xtcpstat -e:\n%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "UID  Inode\n"));
	n = parse_table(self->out, "Peer Address:Port  Timer", self->rows);
	ASSERT_EQ(4, n);

	/* A socket a process holds: its owner and its inode. */
	r = row(self, n, "LISTEN", self->l, "0.0.0.0:*");
	ASSERT_NE(NULL, r);
	ASSERT_EQ(9, r->fields);
	ASSERT_EQ(0, fstat(self->lfd, &st));
	EXPECT_EQ(st.st_ino, r->inode);
	EXPECT_EQ(getuid(), r->uid);
	EXPECT_STREQ("off", r->timer);

	r = row(self, n, "ESTABLISHED", self->l, self->c);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fstat(self->afd, &st));
	EXPECT_EQ(st.st_ino, r->inode);

	r = row(self, n, "ESTABLISHED", self->c, self->l);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fstat(self->cfd, &st));
	EXPECT_EQ(st.st_ino, r->inode);

	/* TIME_WAIT: no process, 2 MSL (60 s by default) running. */
	r = row(self, n, "TIME_WAIT", self->t, self->l);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(9, r->fields);
	EXPECT_EQ(0, r->inode);
	EXPECT_STREQ("timewait", r->timer);
	n = sscanf(r->when, "(%lf/", &secs);
	ASSERT_EQ(1, n);
	EXPECT_LT(0, secs);
	EXPECT_GE(2 * xtcp_sysctl_get("msl_ms") / 1000, secs);
}

/* Find "NAME COUNT" in the -c output; the count, or -1. */
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

TEST_F(stat, count)
{
	static const char *const zero[] = {
		"SYN_SENT", "SYN_RCVD", "FIN_WAIT1", "FIN_WAIT2", "CLOSING",
		"CLOSE_WAIT", "LAST_ACK", "CLOSED",
	};
	unsigned int i;

	ASSERT_EQ(0, run_tool("-c", self->out, sizeof(self->out)));
	TH_LOG("xtcpstat -c:\n%s", self->out);
	EXPECT_EQ(0, strncmp(self->out, "Total: 4\n", 9));
	EXPECT_EQ(1, count_of(self->out, "LISTEN"));
	EXPECT_EQ(2, count_of(self->out, "ESTABLISHED"));
	EXPECT_EQ(1, count_of(self->out, "TIME_WAIT"));
	for (i = 0; i < ARRAY_SIZE(zero); i++)
		EXPECT_EQ(0, count_of(self->out, zero[i]));

	/* Counts after the filter. */
	ASSERT_EQ(0, run_tool("--count -s established", self->out,
			      sizeof(self->out)));
	EXPECT_EQ(0, strncmp(self->out, "Total: 2\n", 9));
	EXPECT_EQ(0, count_of(self->out, "LISTEN"));
	EXPECT_EQ(2, count_of(self->out, "ESTABLISHED"));
}

TEST_F(stat, usage__errors)
{
	char *o = self->out;
	size_t n = sizeof(self->out);

	EXPECT_EQ(2, run_tool("-x 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "Try 'xtcpstat --help'"));

	EXPECT_EQ(2, run_tool("-s bogus 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "unknown state 'bogus'"));
	EXPECT_NE(NULL, strstr(o, "LISTEN"));

	EXPECT_EQ(2, run_tool("-s 2>&1", o, n));
	EXPECT_EQ(2, run_tool("extra 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "unexpected argument 'extra'"));

	EXPECT_EQ(1, run_tool("-f /nonexistent 2>&1", o, n));
	EXPECT_NE(NULL, strstr(o, "/nonexistent: No such file or directory"));
	EXPECT_EQ(NULL, strstr(o, "module"));

	/* A malformed line is skipped with a warning, not an error. */
	EXPECT_EQ(0, run_tool("-f - 2>&1 <<EOF\n"
			      "  sl  local_address rem_address   st\n"
			      "garbage\n"
			      "EOF", o, n));
	EXPECT_NE(NULL, strstr(o, "(stdin):2: malformed line skipped"));

	EXPECT_EQ(0, run_tool("-h", o, n));
	EXPECT_EQ(0, strncmp(o, "Usage: xtcpstat", 15));
	EXPECT_EQ(0, run_tool("--version", o, n));
	EXPECT_NE(NULL, strstr(o, "(AF_XTCP 25)"));
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

	n = table(_metadata, self, "-f /proc/net/tcp", BASIC_HEADER);
	EXPECT_EQ(1, n);
	EXPECT_NE(NULL, row(self, n, "LISTEN", local, "0.0.0.0:*"));
	close(fd);
}

TEST_HARNESS_MAIN
