/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the XTCP selftests: the live family number, addresses,
 * and reading /proc/net/xtcp, /proc/net/xtcp_snmp and net.xtcp.* sysctls.
 */
#ifndef _XTCP_UTIL_H
#define _XTCP_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <linux/xtcp.h>

/* How long a test waits for a state to appear before it fails. */
#define XTCP_WAIT_MS	5000

/* A module parameter's live value, or @def if it cannot be read. */
static inline int xtcp_module_param(const char *name, int def)
{
	char path[128];
	int val = def;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/xtcp/parameters/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &val) != 1)
			val = def;
		fclose(f);
	}
	return val;
}

static inline int xtcp_af(void)
{
	return xtcp_module_param("family", AF_XTCP);
}

static inline int xtcp_socket(void)
{
	return socket(xtcp_af(), SOCK_STREAM, 0);
}

static inline struct sockaddr_xtcp xtcp_addr(const char *ip, int port)
{
	struct sockaddr_xtcp a;

	memset(&a, 0, sizeof(a));
	a.sxtcp_family = xtcp_af();
	a.sxtcp_port = htons(port);
	a.sxtcp_addr = ip ? inet_addr(ip) : htonl(INADDR_ANY);
	return a;
}

static inline int xtcp_bind_to(int fd, const char *ip, int port)
{
	struct sockaddr_xtcp a = xtcp_addr(ip, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static inline int xtcp_connect_to(int fd, const char *ip, int port)
{
	struct sockaddr_xtcp a = xtcp_addr(ip, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static inline int xtcp_local_port(int fd)
{
	struct sockaddr_xtcp a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sxtcp_port);
}

/* A listener on 127.0.0.1:@port (0: the kernel picks); the fd, or -1. */
static inline int xtcp_listener_on(int port, int backlog)
{
	int fd = xtcp_socket();

	if (fd < 0)
		return -1;
	if (xtcp_bind_to(fd, "127.0.0.1", port) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listener on 127.0.0.1, on a port the kernel picks; returns the fd. */
static inline int xtcp_listener(int *port)
{
	int fd = xtcp_listener_on(0, 16);

	*port = fd < 0 ? -1 : xtcp_local_port(fd);
	return fd;
}

static inline long xtcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until second @sec of CLOCK_MONOTONIC is over as the module sees
 * it: its ktime_get_seconds() moves at a tick, which under TCG can come
 * late; half a second more covers that.  For rules about a second having
 * passed (net.xtcp.tw_reuse), where the wait is the point.
 */
static inline void xtcp_wait_past_second(long sec)
{
	while (xtcp_now_ms() < (sec + 1) * 1000 + 500)
		usleep(10 * 1000);
}

/* The namespace's ephemeral ports, "low high". */
#define XTCP_PORT_RANGE	"/proc/sys/net/ipv4/ip_local_port_range"

/*
 * The state of the socket lport -> rport in /proc/net/xtcp (rport 0 for a
 * listener), or 0 if there is no such line.
 */
static inline int xtcp_proc_state(int lport, int rport)
{
	FILE *f = fopen("/proc/net/xtcp", "r");
	char line[512];
	int state = 0;

	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int la, lp, ra, rp, st;

		if (sscanf(line, " %*d: %8X:%4X %8X:%4X %2X",
			   &la, &lp, &ra, &rp, &st) != 5)
			continue;
		if ((int)lp == lport && (int)rp == rport) {
			state = st;
			break;
		}
	}
	fclose(f);
	return state;
}

/* Wait, bounded, until lport -> rport is in @state (0: gone). */
static inline bool xtcp_wait_state(int lport, int rport, int state)
{
	long end = xtcp_now_ms() + XTCP_WAIT_MS;

	do {
		if (xtcp_proc_state(lport, rport) == state)
			return true;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	return false;
}

/* Count the lines of /proc/net/xtcp (the header excluded). */
static inline int xtcp_proc_count(void)
{
	FILE *f = fopen("/proc/net/xtcp", "r");
	char line[512];
	int n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/*
 * A counter of a file laid out as /proc/net/snmp (and netstat, and
 * xtcp_snmp): a line "Section: names...", then "Section: values...".  The
 * value of @name in @section (in any section if NULL), or -1.
 */
static inline long long xtcp_snmp_value(const char *path,
					const char *section, const char *name)
{
	size_t len = section ? strlen(section) : 0;
	char names[8192], values[8192];
	long long result = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (result < 0 && fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		char *ns, *vs, *n, *v;

		if (section && (strncmp(names, section, len) ||
				names[len] != ':'))
			continue;
		n = strtok_r(names, "\n ", &ns);
		v = strtok_r(values, "\n ", &vs);
		for (; n && v; n = strtok_r(NULL, "\n ", &ns),
		     v = strtok_r(NULL, "\n ", &vs)) {
			if (!strcmp(n, name)) {
				result = atoll(v);
				break;
			}
		}
	}
	fclose(f);
	return result;
}

/* One counter of /proc/net/xtcp_snmp, by name; -1 if absent. */
static inline long long xtcp_counter(const char *name)
{
	return xtcp_snmp_value("/proc/net/xtcp_snmp", NULL, name);
}

static inline int xtcp_sysctl_get(const char *name)
{
	char path[256];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline int xtcp_sysctl_set(const char *name, int value)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", value) > 0;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* A string sysctl (net.xtcp.congestion_control): 0, or -1 with errno. */
static inline int xtcp_sysctl_set_str(const char *name, const char *value)
{
	char path[256];
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Read a string sysctl into @buf, without its newline. */
static inline int xtcp_sysctl_get_str(const char *name, char *buf,
				      size_t size)
{
	char path[256];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/xtcp/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

/* Write all of @buf, or fail. */
static inline int xtcp_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* An int socket option of @fd; -1 if getsockopt() fails. */
static inline int xtcp_sockopt_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, level, name, &val, &len))
		return -1;
	return val;
}

/* XTCP_INFO of @fd into @info (zeroed first): 0, or -1 and errno. */
static inline int xtcp_get_info(int fd, struct xtcp_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_XTCP, XTCP_INFO, info, &len);
}

/* Read exactly @len bytes, or fail (EOF included). */
static inline int xtcp_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Helpers for tests that build their own world: a fresh network namespace,
 * files under /proc/sys, and waits with a bound of the caller's choosing.
 */
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

/* Bring an interface up in the caller's namespace. */
static inline int xtcp_link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/*
 * Move the calling process into a new network namespace with lo up: its
 * own /proc/net/xtcp, counters and net.xtcp.* sysctls at their defaults.
 */
static inline int xtcp_netns_enter(void)
{
	if (unshare(CLONE_NEWNET))
		return -1;
	return xtcp_link_up("lo");
}

/* Write @val to the file at @path (a sysctl, usually). */
static inline int xtcp_write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Wait, at most @ms milliseconds, until /proc/net/xtcp has @n lines. */
static inline bool xtcp_wait_count(int n, long ms)
{
	long end = xtcp_now_ms() + ms;

	do {
		if (xtcp_proc_count() == n)
			return true;
		usleep(1000);
	} while (xtcp_now_ms() < end);
	return false;
}

/* SO_RCVTIMEO and SO_SNDTIMEO: a stuck call fails instead of hanging. */
static inline void xtcp_set_timeouts(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline int xtcp_set_linger(int fd, int onoff, int secs)
{
	struct linger l = { .l_onoff = onoff, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* Byte @i of every patterned test transfer: detects loss and reordering. */
static inline unsigned char xtcp_pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 9));
}

struct xtcp_sender {
	int fd;
	size_t len;
	bool shut_wr;	/* shutdown(SHUT_WR) when all is sent */
	int err;
};

/* Thread body: send @len bytes of xtcp_pattern(). */
static inline void *xtcp_send_pattern(void *arg)
{
	struct xtcp_sender *a = arg;
	unsigned char buf[8192];
	size_t off = 0;

	while (off < a->len) {
		size_t n = a->len - off, i;

		if (n > sizeof(buf))
			n = sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = xtcp_pattern(off + i);
		if (xtcp_write_all(a->fd, buf, n)) {
			a->err = errno ? errno : EIO;
			return NULL;
		}
		off += n;
	}
	if (a->shut_wr)
		shutdown(a->fd, SHUT_WR);
	return NULL;
}

struct xtcp_echo {
	int fd;
	int err;
};

/* Thread body: echo everything back until EOF, then SHUT_WR. */
static inline void *xtcp_echo_thread(void *arg)
{
	struct xtcp_echo *a = arg;
	char buf[16384];
	ssize_t n;

	while ((n = read(a->fd, buf, sizeof(buf))) > 0) {
		if (xtcp_write_all(a->fd, buf, n)) {
			a->err = errno;
			return NULL;
		}
	}
	if (n < 0)
		a->err = errno;
	shutdown(a->fd, SHUT_WR);
	return NULL;
}

/* What a round trip through an echo server did. */
struct xtcp_roundtrip {
	size_t got;		/* bytes read back */
	size_t bad;		/* of those, bytes unlike the pattern */
	ssize_t last;		/* the last read(): 0 for a clean EOF */
	int send_err;		/* errno of the sender thread, 0 if none */
	int echo_err;		/* errno of the echo thread, 0 if none */
};

/*
 * Send @len patterned bytes on @cfd while a thread echoes them back on
 * @afd, read them back on @cfd and compare; 0 if the threads ran.
 */
static inline int xtcp_echo_roundtrip(int cfd, int afd, size_t len,
				      struct xtcp_roundtrip *r)
{
	struct xtcp_sender sa = { .fd = cfd, .len = len, .shut_wr = true };
	struct xtcp_echo ea = { .fd = afd };
	pthread_t echo, sender;
	unsigned char buf[8192];

	memset(r, 0, sizeof(*r));
	if (pthread_create(&echo, NULL, xtcp_echo_thread, &ea))
		return -1;
	if (pthread_create(&sender, NULL, xtcp_send_pattern, &sa)) {
		shutdown(cfd, SHUT_WR);
		pthread_join(echo, NULL);
		return -1;
	}
	while ((r->last = read(cfd, buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < r->last; i++)
			if (buf[i] != xtcp_pattern(r->got + i))
				r->bad++;
		r->got += r->last;
	}
	pthread_join(sender, NULL);
	pthread_join(echo, NULL);
	r->send_err = sa.err;
	r->echo_err = ea.err;
	return 0;
}

/*
 * On a lockdep kernel every socket pins the module that named its lock
 * classes (sk_owner_set() in sock_lock_init_class_and_name()), orphans
 * included: rmmod is refused until the last one has ended, and the module
 * never gets to end them itself.
 */
static inline bool xtcp_socks_pin_module(void)
{
	return access("/proc/lockdep", F_OK) == 0;
}

/*
 * Strict mode: run_tests.sh sets XTCP_STRICT=1 in the project's VM, where
 * every precondition of every test holds (tc and netem, tracefs, the
 * net.xtcp.* sysctls).  There a missing precondition is a failure; on a
 * foreign kernel (XTCP_STRICT unset or 0) it is a skip.
 */
static inline bool xtcp_strict(void)
{
	const char *s = getenv("XTCP_STRICT");

	return s && *s && strcmp(s, "0");
}

/*
 * XTCP_UNMET(cond, why): a precondition of a harness test.  False when it
 * holds; else true, and the test has failed (strict mode: the project's
 * own VM, where every precondition holds) or been skipped (a foreign
 * kernel).  Use: if (XTCP_UNMET(cond, "why")) return;
 */
#define XTCP_UNMET(cond, why) ({					\
	bool __unmet = !(cond);						\
	const char *__why = (why);					\
									\
	if (__unmet && xtcp_strict()) {					\
		TH_LOG("precondition (XTCP_STRICT): %s", __why);	\
		abort();						\
	}								\
	if (__unmet)							\
		SKIP(, "%s", __why);					\
	__unmet;							\
})

/*
 * XTCP_COUNTER(name): a counter of /proc/net/xtcp_snmp, in a harness
 * test; one that cannot be read fails the test (else "before + 1 ==
 * after" would compare -1 with -1 and pass).
 */
#define XTCP_COUNTER(name) ({						\
	const char *__ctr_name = (name);				\
	long long __ctr_val = xtcp_counter(__ctr_name);			\
	ASSERT_LE(0, __ctr_val)						\
		TH_LOG("no counter %s in /proc/net/xtcp_snmp",		\
		       __ctr_name);					\
	__ctr_val;							\
})

/*
 * Run a shell command made from @fmt, its output thrown away; its exit
 * status, or -1 if it did not run to an end.
 */
static inline int xtcp_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 20, fmt, ap);
	va_end(ap);
	strcat(cmd, " >/dev/null 2>&1");
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/*
 * Run @cmd with its output in @out (at most @size - 1 bytes, then NUL);
 * its exit status, or -1 if it did not run to an end.
 */
static inline int xtcp_sh_output(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	int status;

	if (!f)
		return -1;
	while (n + 1 < size) {
		size_t r = fread(out + n, 1, size - 1 - n, f);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	status = pclose(f);
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * ethtool -K @ifname @name on|off, by the feature's name (ETHTOOL_SFEATURES).
 * 0 once the device reports it so; -1 otherwise.
 */
static inline int xtcp_set_feature(const char *ifname, const char *name,
				   bool on)
{
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_sfeatures *sf = NULL;
	struct ethtool_gfeatures *gf = NULL;
	struct ethtool_sset_info *info;
	struct ifreq ifr = {};
	__u32 n, i, blocks, bit;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	info = calloc(1, sizeof(*info) + sizeof(__u32));
	if (!info)
		goto out;
	info->cmd = ETHTOOL_GSSET_INFO;
	info->sset_mask = 1ULL << ETH_SS_FEATURES;
	ifr.ifr_data = (void *)info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) || !info->sset_mask)
		goto out;
	n = info->data[0];
	strs = calloc(1, sizeof(*strs) + (size_t)n * ETH_GSTRING_LEN);
	if (!strs)
		goto out;
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_FEATURES;
	strs->len = n;
	ifr.ifr_data = (void *)strs;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	for (i = 0; i < n; i++)
		if (!strncmp((char *)strs->data + i * ETH_GSTRING_LEN, name,
			     ETH_GSTRING_LEN))
			break;
	if (i == n)
		goto out;
	blocks = (n + 31) / 32;
	bit = 1u << (i % 32);
	sf = calloc(1, sizeof(*sf) + blocks * sizeof(sf->features[0]));
	gf = calloc(1, sizeof(*gf) + blocks * sizeof(gf->features[0]));
	if (!sf || !gf)
		goto out;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = blocks;
	sf->features[i / 32].valid = bit;
	sf->features[i / 32].requested = on ? bit : 0;
	ifr.ifr_data = (void *)sf;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		goto out;
	gf->cmd = ETHTOOL_GFEATURES;
	gf->size = blocks;
	ifr.ifr_data = (void *)gf;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	ret = !!(gf->features[i / 32].active & bit) == on ? 0 : -1;
out:
	free(gf);
	free(sf);
	free(strs);
	free(info);
	close(fd);
	return ret;
}

#endif /* _XTCP_UTIL_H */
