// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat -p: the processes that hold each socket, found as ss -p finds
 * them: every /proc/PID/fd/N that links to "socket:[INODE]" names an
 * owner of the socket with that inode.  Without the right to read another
 * user's /proc/PID/fd, that user's processes are not found (as in ss).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xtcpstat.h"

/* The rows by inode, open addressing, at most half full. */
struct inode_index {
	struct row **slot;
	size_t size;
};

static size_t inode_hash(unsigned long long inode, size_t size)
{
	return (size_t)(inode * 0x9e3779b97f4a7c15ull >> 17) & (size - 1);
}

static int index_inodes(struct inode_index *ix, struct table *t)
{
	size_t i, h;

	for (ix->size = 16; ix->size < 2 * t->nr_rows; )
		ix->size *= 2;
	ix->slot = calloc(ix->size, sizeof(*ix->slot));
	if (!ix->slot)
		return -1;
	for (i = 0; i < t->nr_rows; i++) {
		/* TIME_WAIT and orphans have inode 0: no process holds them. */
		if (!t->rows[i].inode)
			continue;
		h = inode_hash(t->rows[i].inode, ix->size);
		while (ix->slot[h])
			h = (h + 1) & (ix->size - 1);
		ix->slot[h] = &t->rows[i];
	}
	return 0;
}

static struct row *find_inode(const struct inode_index *ix,
			      unsigned long long inode)
{
	size_t h = inode_hash(inode, ix->size);

	for (; ix->slot[h]; h = (h + 1) & (ix->size - 1))
		if (ix->slot[h]->inode == inode)
			return ix->slot[h];
	return NULL;
}

static void read_comm(int pid, char *comm, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f || !fgets(comm, (int)size, f))
		snprintf(comm, size, "?");
	if (f)
		fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
}

static int add_owner(struct row *r, int pid, int fd, const char *comm)
{
	struct owner *o = realloc(r->owners,
				  (r->nr_owners + 1) * sizeof(*o));

	if (!o)
		return -1;
	r->owners = o;
	o += r->nr_owners++;
	o->pid = pid;
	o->fd = fd;
	snprintf(o->comm, sizeof(o->comm), "%s", comm);
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* The owners of PID's sockets in IX. */
static int scan_process(const struct inode_index *ix, const char *pid)
{
	char path[PATH_MAX], link[64], comm[32] = "";
	unsigned long long inode;
	struct dirent *d;
	struct row *r;
	ssize_t n;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0;	/* gone, or not ours to read */
	while ((d = readdir(dir))) {
		if (!all_digits(d->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid,
			 d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%llu]", &inode) != 1)
			continue;
		r = find_inode(ix, inode);
		if (!r)
			continue;
		/* Once per process, not per socket: 100,000 may be its. */
		if (!comm[0])
			read_comm(atoi(pid), comm, sizeof(comm));
		if (add_owner(r, atoi(pid), atoi(d->d_name), comm)) {
			ret = -1;
			break;
		}
	}
	closedir(dir);
	return ret;
}

int find_owners(struct table *t)
{
	struct inode_index ix;
	struct dirent *d;
	DIR *proc;
	int ret = 0;

	if (index_inodes(&ix, t)) {
		fprintf(stderr, "%s: %s\n", progname, strerror(ENOMEM));
		return -1;
	}
	proc = opendir("/proc");
	if (!proc) {
		fprintf(stderr, "%s: /proc: %s\n", progname, strerror(errno));
		free(ix.slot);
		return -1;
	}
	while (!ret && (d = readdir(proc)))
		if (all_digits(d->d_name))
			ret = scan_process(&ix, d->d_name);
	closedir(proc);
	free(ix.slot);
	if (ret)
		fprintf(stderr, "%s: %s\n", progname, strerror(ENOMEM));
	return ret;
}
