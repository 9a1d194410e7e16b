// SPDX-License-Identifier: GPL-2.0
/*
 * The module parameters family= and ipproto=, the failures of a load whose
 * family or protocol is taken or out of range, and the autoload of the
 * module by the first socket(AF_XTCP, ...) through its net-pf-25 alias.
 *
 * run_tests.sh loads xtcp.ko before the test programs; each test here
 * unloads it (so it must hold no XTCP socket), loads it its own way, and
 * the teardown puts back the module as the runner loaded it, with the
 * family and protocol it had.  The module file is $XTCP_ROOT/xtcp.ko.
 * A test killed by the harness timeout gets no teardown, and the programs
 * after it would find no module: the timeouts here are generous.
 *
 * Loads go through finit_module(2) directly, so that a failure's errno is
 * seen as the kernel returns it; the module's message about it is read
 * from /dev/kmsg.  kernel.modprobe is /bin/false while a test runs, so
 * that nothing loads the module behind its back, except in the autoload
 * test, which points it at a wrapper that runs modprobe on a module tree
 * of its own in $XTCP_ROOT/.vm/modroot.
 */
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "xtcp_peer.h"
#include "kselftest_harness.h"

#define XPORT	5000
#define PPORT	40000

static const char *repo_root(void)
{
	const char *root = getenv("XTCP_ROOT");

	/* The runner runs us in selftests/. */
	return root && *root ? root : "..";
}

static bool mod_loaded(void)
{
	return access("/sys/module/xtcp", F_OK) == 0;
}

/* finit_module() of $XTCP_ROOT/xtcp.ko with @params: 0 or the errno. */
static int mod_load(const char *params)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/xtcp.ko", repo_root());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	return err;
}

/*
 * Unload xtcp: 0, or the errno.  Sockets just closed may hold the module
 * for a moment, so a busy module is retried for a bounded time.
 */
static int mod_unload(void)
{
	/* Where sockets pin the module, a test's own orphans must end first. */
	long end = xtcp_now_ms() +
		   (xtcp_socks_pin_module() ? 6 * XTCP_WAIT_MS : XTCP_WAIT_MS);

	for (;;) {
		if (!syscall(SYS_delete_module, "xtcp", O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if ((errno != EBUSY && errno != EAGAIN) ||
		    xtcp_now_ms() > end)
			return errno;
		usleep(20000);
	}
}

/* /dev/kmsg, positioned at its end: what the kernel logs from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Has the kernel logged a record containing @text since kmsg_open()? */
static bool kmsg_has(int fd, const char *text)
{
	char rec[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return false;
		rec[n] = '\0';
		if (strstr(rec, text))
			return true;
	}
}

static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

FIXTURE(params) {
	int family;		/* as the runner loaded the module */
	int ipproto;
	char modprobe[PATH_MAX];	/* kernel.modprobe, to restore */
	int fd;
	struct xtcp_peer p;
};

FIXTURE_SETUP(params)
{
	self->fd = -1;
	self->p.fd = -1;
	self->modprobe[0] = '\0';
	ASSERT_TRUE(mod_loaded()) {
		TH_LOG("xtcp is not loaded: run this from run_tests.sh");
	}
	self->family = xtcp_module_param("family", -1);
	self->ipproto = xtcp_module_param("ipproto", -1);
	ASSERT_LT(0, self->family);
	ASSERT_LT(0, self->ipproto);
	/*
	 * No autoload, except where a test asks for it: after "make
	 * install" the VM's module tree (the host's) may hold an xtcp.ko
	 * that would answer for net-pf-25.
	 */
	ASSERT_EQ(0, read_line("/proc/sys/kernel/modprobe", self->modprobe,
			       sizeof(self->modprobe)));
	ASSERT_EQ(0, xtcp_write_file("/proc/sys/kernel/modprobe",
				     "/bin/false"));
}

/* Load the module the way the runner had it. */
static int load_as_runner(const struct _test_data_params *self)
{
	char params[64];

	snprintf(params, sizeof(params), "family=%d ipproto=%d",
		 self->family, self->ipproto);
	return mod_load(params);
}

FIXTURE_TEARDOWN(params)
{
	if (self->fd >= 0)
		close(self->fd);
	peer_close(&self->p);
	if (self->modprobe[0])
		EXPECT_EQ(0, xtcp_write_file("/proc/sys/kernel/modprobe",
					     self->modprobe));
	if (mod_loaded() &&
	    (xtcp_module_param("family", -1) != self->family ||
	     xtcp_module_param("ipproto", -1) != self->ipproto))
		EXPECT_EQ(0, mod_unload());
	if (!mod_loaded())
		EXPECT_EQ(0, load_as_runner(self));
	EXPECT_EQ(self->family, xtcp_module_param("family", -1));
}

/* Nothing of the module is left: no family, no /proc/net/xtcp. */
static void check_nothing_left(struct __test_metadata *_metadata)
{
	int fd;

	EXPECT_FALSE(mod_loaded());
	EXPECT_EQ(-1, access("/proc/net/xtcp", F_OK));
	EXPECT_EQ(-1, access("/proc/net/xtcp_snmp", F_OK));
	EXPECT_EQ(-1, access("/proc/sys/net/xtcp", F_OK));
	fd = socket(AF_XTCP, SOCK_STREAM, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EAFNOSUPPORT, errno);
	if (fd >= 0)
		close(fd);
}

TEST_F_TIMEOUT(params, unloaded__nothing_left, 90)
{
	char out[1024], cmd[PATH_MAX + 32];

	ASSERT_EQ(0, mod_unload());
	check_nothing_left(_metadata);

	/* xtcpstat says what is wrong, and fails. */
	snprintf(cmd, sizeof(cmd), "%s/tools/xtcpstat 2>&1", repo_root());
	EXPECT_EQ(1, xtcp_sh_output(cmd, out, sizeof(out)));
	TH_LOG("xtcpstat: %s", out);
	EXPECT_NE(NULL, strstr(out, "/proc/net/xtcp"));
	EXPECT_NE(NULL, strstr(out, "is the xtcp module loaded?"));
}

/*
 * The peer's SYN on @proto from port @port: the IPv4 stack has no handler
 * for it and answers ICMP protocol unreachable, and no XTCP segment comes
 * back on that protocol.  0 if so.
 */
static int expect_proto_unreachable(struct xtcp_peer *p, int proto)
{
	long end = xtcp_now_ms() + PEER_REPLY_MS;
	unsigned char f[2048];
	int saved = p->proto;

	p->proto = proto;
	if (peer_send(p, PEER_SYN, p->irs, 0, NULL, 0)) {
		p->proto = saved;
		return -1;
	}
	p->proto = saved;
	while (xtcp_now_ms() < end) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		const unsigned char *ip = f + PEER_ETH_LEN, *icmp;
		ssize_t n;

		poll(&pfd, 1, 50);
		n = recv(p->fd, f, sizeof(f), MSG_DONTWAIT);
		if (n < PEER_ETH_LEN + PEER_IP_LEN ||
		    peer_get16(f + 12) != ETH_P_IP ||
		    memcmp(ip + 12, &p->xaddr, 4))
			continue;
		if (ip[9] == proto) {
			peer_log("XTCP answered on protocol %d", proto);
			return -1;
		}
		icmp = ip + (ip[0] & 0xf) * 4;
		if (n < icmp + 8 + PEER_IP_LEN - f)
			continue;
		/* type 3 code 2, quoting our IP header */
		if (ip[9] == IPPROTO_ICMP && icmp[0] == 3 && icmp[1] == 2 &&
		    icmp[8 + 9] == proto)
			return 0;
	}
	peer_log("no ICMP protocol unreachable for protocol %d", proto);
	return -1;
}

TEST_F_TIMEOUT(params, family_18_ipproto_254, 90)
{
	struct xtcp_peer *p = &self->p;
	struct xtcp_roundtrip r;
	int lfd, cfd, afd, port, fd;

	ASSERT_EQ(0, mod_unload());
	ASSERT_EQ(0, mod_load("family=18 ipproto=254"));
	EXPECT_EQ(18, xtcp_module_param("family", -1));
	EXPECT_EQ(254, xtcp_module_param("ipproto", -1));

	/* The family is 18, and 25 is nobody's. */
	fd = socket(18, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, socket(18, SOCK_STREAM, 253));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	close(fd);
	fd = socket(18, SOCK_STREAM, 254);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-1, socket(AF_XTCP, SOCK_STREAM, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);

	/*
	 * On the wire, protocol 254: peer_setup() takes it from the module
	 * parameter and checks that XTCP answers; then a handshake.
	 */
	ASSERT_EQ(0, peer_setup(p));
	ASSERT_EQ(254, p->proto);
	/* The echo's TIME_WAIT, in this namespace, ends before the unload. */
	ASSERT_EQ(0, xtcp_sysctl_set("msl_ms", 100));
	self->fd = peer_listener(p, XPORT);
	ASSERT_LE(0, self->fd);
	p->port = PPORT;
	ASSERT_EQ(0, peer_open_syn(p));
	/* Nobody listens on 253 now. */
	p->port = PPORT + 1;
	EXPECT_EQ(0, expect_proto_unreachable(p, IPPROTO_XTCP));
	close(self->fd);
	self->fd = -1;

	/* A loopback echo over family 18 (xtcp_af() reads the parameter). */
	lfd = xtcp_listener(&port);
	ASSERT_LE(0, lfd);
	cfd = xtcp_socket();
	ASSERT_LE(0, cfd);
	xtcp_set_timeouts(cfd, 10);
	ASSERT_EQ(0, xtcp_connect_to(cfd, "127.0.0.1", port));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	xtcp_set_timeouts(afd, 10);
	ASSERT_EQ(0, xtcp_echo_roundtrip(cfd, afd, 100000, &r));
	EXPECT_EQ(100000, r.got);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(0, r.last);
	close(afd);
	close(cfd);
	close(lfd);
}

/*
 * A load that fails with @err, logs @msg, and leaves nothing registered:
 * a load with the runner's parameters works right after it.
 */
static void check_load_fails(struct __test_metadata *_metadata,
			     struct _test_data_params *self,
			     const char *params, int err, const char *msg)
{
	int kfd = kmsg_open();

	ASSERT_LE(0, kfd);
	EXPECT_EQ(err, mod_load(params)) {
		TH_LOG("load with \"%s\"", params);
	}
	EXPECT_TRUE(kmsg_has(kfd, msg)) {
		TH_LOG("no \"%s\" in the kernel log for \"%s\"", msg, params);
	}
	close(kfd);
	check_nothing_left(_metadata);
	ASSERT_EQ(0, load_as_runner(self));
	ASSERT_EQ(0, mod_unload());
}

TEST_F_TIMEOUT(params, family_taken__eexist, 90)
{
	char out[1024], cmd[PATH_MAX + 64];

	ASSERT_EQ(0, mod_unload());
	/* 16 is AF_NETLINK, always there. */
	check_load_fails(_metadata, self, "family=16", EEXIST,
			 "xtcp: address family 16 is already taken");

	/* insmod says so too, and fails. */
	snprintf(cmd, sizeof(cmd), "insmod %s/xtcp.ko family=16 2>&1",
		 repo_root());
	EXPECT_NE(0, xtcp_sh_output(cmd, out, sizeof(out)));
	TH_LOG("insmod: %s", out);
	EXPECT_NE(NULL, strstr(out, "File exists"));
	check_nothing_left(_metadata);
}

TEST_F_TIMEOUT(params, ipproto_taken__eexist, 90)
{
	ASSERT_EQ(0, mod_unload());
	check_load_fails(_metadata, self, "ipproto=6", EEXIST,
			 "xtcp: IP protocol 6 is already taken");
	check_load_fails(_metadata, self, "ipproto=17", EEXIST,
			 "xtcp: IP protocol 17 is already taken");
	/* Both taken: nothing may be left of either attempt. */
	check_load_fails(_metadata, self, "family=16 ipproto=1", EEXIST,
			 "xtcp: IP protocol 1 is already taken");
}

TEST_F_TIMEOUT(params, out_of_range__einval, 90)
{
	ASSERT_EQ(0, mod_unload());
	check_load_fails(_metadata, self, "family=0", EINVAL,
			 "xtcp: family=0 is outside");
	/* AF_MAX: 46 on 6.1 and 6.12. */
	check_load_fails(_metadata, self, "family=46", EINVAL,
			 "xtcp: family=46 is outside");
	check_load_fails(_metadata, self, "family=-1", EINVAL,
			 "xtcp: family=-1 is outside");
	check_load_fails(_metadata, self, "ipproto=0", EINVAL,
			 "xtcp: ipproto=0 is outside");
	check_load_fails(_metadata, self, "ipproto=256", EINVAL,
			 "xtcp: ipproto=256 is outside");
	/* Not a number: the kernel's parameter parser refuses it. */
	check_load_fails(_metadata, self, "family=abc", EINVAL, "family");
}

/* ---- autoload ---------------------------------------------------------- */

/*
 * A module tree of our own, $XTCP_ROOT/.vm/modroot (the VM's /lib/modules
 * is read-only), with xtcp.ko in it and depmod's indexes, and a wrapper
 * for kernel.modprobe that runs modprobe on that tree.  The path of the
 * wrapper in @wrapper.
 */
static int make_modroot(struct __test_metadata *_metadata, char *wrapper,
			size_t size)
{
	static const char *const steps[] = {
		"rm -rf \"$MODROOT\"",
		"mkdir -p \"$MODROOT/lib/modules/$KREL/extra\"",
		"cp \"$XTCP_ROOT/xtcp.ko\" \"$MODROOT/lib/modules/$KREL/extra/\"",
		"depmod -b \"$MODROOT\" \"$KREL\" 2>&1",
		/* The alias resolves in that tree. */
		"modprobe -d \"$MODROOT\" -R net-pf-25 2>&1",
	};
	char root[PATH_MAX], out[4096];
	struct utsname u;
	size_t i;
	FILE *f;

	if (uname(&u))
		return -1;
	snprintf(root, sizeof(root), "%s/.vm/modroot", repo_root());
	if (setenv("MODROOT", root, 1) || setenv("KREL", u.release, 1) ||
	    setenv("XTCP_ROOT", repo_root(), 1))
		return -1;
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		if (xtcp_sh_output(steps[i], out, sizeof(out))) {
			TH_LOG("%s: %s", steps[i], out);
			return -1;
		}
	}
	if (strcmp(out, "xtcp\n")) {
		TH_LOG("net-pf-25 resolves to %s", out);
		return -1;
	}

	snprintf(wrapper, size, "%s/.vm/modprobe-xtcp", repo_root());
	f = fopen(wrapper, "w");
	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\nexec /sbin/modprobe -d '%s' \"$@\"\n", root);
	if (fclose(f) || chmod(wrapper, 0755))
		return -1;
	return 0;
}

TEST_F_TIMEOUT(params, autoload__net_pf_25, 90)
{
	char out[4096], cmd[PATH_MAX + 64], wrapper[PATH_MAX];

	/* The module says which family it serves. */
	snprintf(cmd, sizeof(cmd), "modinfo -F alias %s/xtcp.ko", repo_root());
	ASSERT_EQ(0, xtcp_sh_output(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "net-pf-25\n"));

	ASSERT_EQ(0, make_modroot(_metadata, wrapper, sizeof(wrapper)));
	ASSERT_EQ(0, mod_unload());
	/* With kernel.modprobe /bin/false, nothing loads it. */
	check_nothing_left(_metadata);

	ASSERT_EQ(0, xtcp_write_file("/proc/sys/kernel/modprobe", wrapper));
	/* The kernel asks for net-pf-25, the wrapper loads xtcp. */
	self->fd = socket(AF_XTCP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->fd) {
		TH_LOG("socket(AF_XTCP): %s", strerror(errno));
	}
	EXPECT_TRUE(mod_loaded());
	EXPECT_EQ(AF_XTCP, xtcp_module_param("family", -1));
	EXPECT_EQ(0, access("/proc/net/xtcp", F_OK));
}

TEST_HARNESS_MAIN
