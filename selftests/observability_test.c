// SPDX-License-Identifier: GPL-2.0
/*
 * What XTCP shows of itself: /proc/net/xtcp in the format of
 * /proc/net/tcp (so ss reads it), /proc/net/xtcp_ext, the transition
 * counts in /proc/net/xtcp_snmp, the xtcp:xtcp_set_state tracepoint, the
 * per-namespace view, and debugfs's list of every namespace's sockets.
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "xtcp_util.h"
#include "kselftest_harness.h"

#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS "/sys/kernel/debug"

/* A connected pair on loopback; returns the accepted fd. */
static int connect_pair(int *lfd, int *cfd, int *lport)
{
	*lfd = xtcp_listener(lport);
	if (*lfd < 0)
		return -1;
	*cfd = xtcp_socket();
	if (*cfd < 0 || xtcp_connect_to(*cfd, "127.0.0.1", *lport))
		return -1;
	return accept(*lfd, NULL, NULL);
}

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(s, f) >= 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

TEST(proc_header_and_width_match_proc_net_tcp)
{
	char xtcp[512], tcp[512];
	FILE *fx, *ft;
	int port, lfd = xtcp_listener(&port);

	ASSERT_LE(0, lfd);
	fx = fopen("/proc/net/xtcp", "r");
	ft = fopen("/proc/net/tcp", "r");
	ASSERT_NE(NULL, fx);
	ASSERT_NE(NULL, ft);
	ASSERT_NE(NULL, fgets(xtcp, sizeof(xtcp), fx));
	ASSERT_NE(NULL, fgets(tcp, sizeof(tcp), ft));
	EXPECT_STREQ(tcp, xtcp);
	/* Every line is padded to the same width as TCP's. */
	while (fgets(xtcp, sizeof(xtcp), fx))
		EXPECT_EQ(strlen(tcp), strlen(xtcp));
	fclose(fx);
	fclose(ft);
	close(lfd);
}

TEST(ss_reads_proc_net_xtcp)
{
	int lfd, cfd, afd, lport;
	char cmd[256], out[4096];
	FILE *p;
	size_t n;

	if (XTCP_UNMET(!system("command -v ss >/dev/null 2>&1"),
		       "ss (iproute2) is not installed"))
		return;
	afd = connect_pair(&lfd, &cfd, &lport);
	ASSERT_LE(0, afd);
	snprintf(cmd, sizeof(cmd),
		 "PROC_NET_TCP=/proc/net/xtcp PROC_NET_TCP6=/dev/null ss -tan 'sport = :%d'",
		 lport);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "LISTEN"));
	EXPECT_NE(NULL, strstr(out, "ESTAB"));
	close(afd);
	close(cfd);
	close(lfd);
}

TEST(ext_shows_state_name_and_sequence_variables)
{
	char line[512], local[32], remote[32], state[16], want[32];
	int lfd, cfd, afd, lport, found = 0;
	struct xtcp_info info;
	socklen_t len = sizeof(info);
	unsigned int iss, una, nxt;
	FILE *f;

	afd = connect_pair(&lfd, &cfd, &lport);
	ASSERT_LE(0, afd);
	ASSERT_EQ(0, getsockopt(cfd, SOL_XTCP, XTCP_INFO, &info, &len));
	snprintf(want, sizeof(want), "127.0.0.1:%d", xtcp_local_port(cfd));

	f = fopen("/proc/net/xtcp_ext", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%31s %31s %15s %u %u %u", local, remote,
			       state, &iss, &una, &nxt);

		if (n != 6 || strcmp(local, want))
			continue;
		found++;
		EXPECT_STREQ("ESTABLISHED", state);
		EXPECT_EQ(info.xtcpi_iss, iss);
		EXPECT_EQ(info.xtcpi_snd_una, una);
		EXPECT_EQ(info.xtcpi_snd_nxt, nxt);
	}
	fclose(f);
	EXPECT_EQ(1, found);
	close(afd);
	close(cfd);
	close(lfd);
}

TEST(snmp_counts_each_transition_of_a_connection)
{
	static const char * const arcs[] = {
		"ClosedSynSent", "SynSentEstablished",
		"ListenSynRcvd", "SynRcvdEstablished",
		"ClosedListen",
	};
	long long before[5];
	int lfd, cfd, afd, lport, i;

	for (i = 0; i < 5; i++)
		before[i] = XTCP_COUNTER(arcs[i]);
	afd = connect_pair(&lfd, &cfd, &lport);
	ASSERT_LE(0, afd);
	for (i = 0; i < 5; i++) {
		ASSERT_LE(0, before[i]);
		EXPECT_EQ(before[i] + 1, XTCP_COUNTER(arcs[i]))
			TH_LOG("%s", arcs[i]);
	}
	close(afd);
	close(cfd);
	close(lfd);
}

TEST(tracepoint_set_state_reports_handshake)
{
	int lfd, cfd, afd, lport, cport;
	char buf[65536], want[160];

	if (access(TRACEFS "/events", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (XTCP_UNMET(!access(TRACEFS "/events/xtcp/xtcp_set_state/enable",
			       W_OK),
		       "no tracepoint xtcp:xtcp_set_state in tracefs"))
		return;
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/events/xtcp/xtcp_set_state/enable",
				"1"));

	afd = connect_pair(&lfd, &cfd, &lport);
	ASSERT_LE(0, afd);
	cport = xtcp_local_port(cfd);
	ASSERT_EQ(0, write_file(TRACEFS "/events/xtcp/xtcp_set_state/enable",
				"0"));
	ASSERT_LT(0, read_file(TRACEFS "/trace", buf, sizeof(buf)));

	snprintf(want, sizeof(want),
		 "sport=%d dport=%d saddr=127.0.0.1 daddr=127.0.0.1 oldstate=SYN_SENT newstate=ESTABLISHED",
		 cport, lport);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	snprintf(want, sizeof(want),
		 "sport=%d dport=%d saddr=127.0.0.1 daddr=127.0.0.1 oldstate=SYN_RCVD newstate=ESTABLISHED",
		 lport, cport);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s", buf);
	close(afd);
	close(cfd);
	close(lfd);
}

/* A namespace sees only its own sockets. */
TEST(namespace_sees_only_its_own_sockets)
{
	int ready[2], done[2], status, port = 0;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (unshare(CLONE_NEWNET) || system("ip link set lo up"))
			_exit(1);
		fd = xtcp_listener(&port);
		if (fd < 0 || xtcp_proc_state(port, 0) != XTCP_LISTEN)
			_exit(2);
		if (write(ready[1], &port, sizeof(port)) != sizeof(port))
			_exit(3);
		/* Stay alive until the parent has looked. */
		if (read(done[0], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(sizeof(port), read(ready[0], &port, sizeof(port)));
	EXPECT_EQ(0, xtcp_proc_state(port, 0));
	ASSERT_EQ(1, write(done[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The inode of the calling process's network namespace. */
static unsigned long net_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

/*
 * Which of the lines in @want (each a whole line's start) debugfs's socket
 * list has: a bit each.  Line by line: after the stress programs it holds
 * thousands of TIME_WAIT sockets.
 */
static int debugfs_has(char want[][128], int n)
{
	FILE *f = fopen(DEBUGFS "/xtcp/sockets", "r");
	char line[256];
	int i, found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < n; i++)
			if (!strncmp(line, want[i], strlen(want[i])))
				found |= 1 << i;
	fclose(f);
	return found;
}

/*
 * debugfs lists the sockets of every namespace (what keeps rmmod waiting):
 * a listener in a namespace of its own and a connection in ours, each with
 * its namespace, addresses, state and owner.
 */
TEST(debugfs_lists_every_namespace)
{
	int ready[2], done[2], status, port = 0, lfd, cfd, afd, lport, cport;
	unsigned long ns[2] = { net_inode(), 0 };
	char want[4][128];
	char c = 0;
	pid_t pid;

	if (access(DEBUGFS "/xtcp", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	ASSERT_EQ(0, access(DEBUGFS "/xtcp/sockets", R_OK));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned long inum;
		int fd;

		if (unshare(CLONE_NEWNET) || system("ip link set lo up"))
			_exit(1);
		fd = xtcp_listener(&port);
		inum = net_inode();
		if (fd < 0 || !inum)
			_exit(2);
		if (write(ready[1], &port, sizeof(port)) != sizeof(port) ||
		    write(ready[1], &inum, sizeof(inum)) != sizeof(inum))
			_exit(3);
		if (read(done[0], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(sizeof(port), read(ready[0], &port, sizeof(port)));
	ASSERT_EQ(sizeof(ns[1]), read(ready[0], &ns[1], sizeof(ns[1])));
	ASSERT_NE(0, ns[0]);
	ASSERT_NE(ns[0], ns[1]);
	afd = connect_pair(&lfd, &cfd, &lport);
	ASSERT_LE(0, afd);
	cport = xtcp_local_port(cfd);

	snprintf(want[0], sizeof(want[0]),
		 "%lu 127.0.0.1:%d 0.0.0.0:0 LISTEN open ", ns[1], port);
	snprintf(want[1], sizeof(want[1]),
		 "%lu 127.0.0.1:%d 0.0.0.0:0 LISTEN open ", ns[0], lport);
	snprintf(want[2], sizeof(want[2]),
		 "%lu 127.0.0.1:%d 127.0.0.1:%d ESTABLISHED open ", ns[0],
		 cport, lport);
	snprintf(want[3], sizeof(want[3]),
		 "%lu 127.0.0.1:%d 127.0.0.1:%d ESTABLISHED open ", ns[0],
		 lport, cport);
	EXPECT_EQ(0xf, debugfs_has(want, 4));

	ASSERT_EQ(1, write(done[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(afd);
	close(cfd);
	close(lfd);
}

TEST_HARNESS_MAIN
