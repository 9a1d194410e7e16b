// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat - list XTCP sockets, in the manner of "ss -tan" and "netstat -tan".
 *
 * This file holds the options and main; see xtcpstat.h for the other parts.
 * Plain C and libc only.  See xtcpstat(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "xtcpstat.h"

#define XTCPSTAT_VERSION	"0.1"

const char *progname = "xtcpstat";

/* Unsized: a name missing from the list conflicts with xtcpstat.h. */
const char * const state_names[] = XTCP_STATE_NAMES;

const unsigned int state_order[XTCP_MAX_STATES - 1] = {
	XTCP_LISTEN, XTCP_SYN_SENT, XTCP_SYN_RECV, XTCP_ESTABLISHED,
	XTCP_FIN_WAIT1, XTCP_FIN_WAIT2, XTCP_CLOSING, XTCP_TIME_WAIT,
	XTCP_CLOSE_WAIT, XTCP_LAST_ACK, XTCP_CLOSE,
};

static void try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
}

static void usage(void)
{
	printf("Usage: %s [OPTION]...\n"
	       "List XTCP sockets from " PROC_NET_XTCP ", like ss -tan.\n"
	       "\n"
	       "  -a, --all            show sockets in every state (default)\n"
	       "  -l, --listening      show listening sockets only\n"
	       "  -s, --state=STATE    show sockets in STATE only (LISTEN,\n"
	       "                       ESTABLISHED, TIME_WAIT, ...; any case,\n"
	       "                       '-' for '_'); may be repeated\n"
	       "  -n, --numeric        numeric addresses (always the case)\n"
	       "  -e, --extended       also show timer, UID and inode\n"
	       "  -c, --count          print the number of sockets per state\n"
	       "                       instead of the table\n"
	       "  -f, --file=FILE      read FILE instead of " PROC_NET_XTCP
	       "\n"
	       "                       (same format as /proc/net/tcp; - is stdin)\n"
	       "  -h, --help           show this help and exit\n"
	       "  -V, --version        show the version and exit\n"
	       "\n"
	       "Exit status: 0 on success, 1 if the file cannot be read,\n"
	       "2 on a bad option.  Malformed lines are skipped with a warning.\n",
	       progname);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "listening",	no_argument,		NULL, 'l' },
		{ "state",	required_argument,	NULL, 's' },
		{ "numeric",	no_argument,		NULL, 'n' },
		{ "extended",	no_argument,		NULL, 'e' },
		{ "count",	no_argument,		NULL, 'c' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *file = PROC_NET_XTCP;
	int all = 0, extended = 0, counts = 0;
	struct table table = { NULL, 0, 0 };
	unsigned int mask = 0, state;
	FILE *f;
	int opt, ret;

	if (argv[0] && *argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		progname = slash ? slash + 1 : argv[0];
	}

	while ((opt = getopt_long(argc, argv, "als:necf:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'l':
			mask |= 1u << XTCP_LISTEN;
			break;
		case 's':
			state = state_from_name(optarg);
			if (!state) {
				unknown_state(optarg);
				return 2;
			}
			mask |= 1u << state;
			break;
		case 'n':
			/* Addresses and ports are always numeric. */
			break;
		case 'e':
			extended = 1;
			break;
		case 'c':
			counts = 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf("%s %s (AF_XTCP %d)\n", progname,
			       XTCPSTAT_VERSION, AF_XTCP);
			return 0;
		default:
			try_help();
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname,
			argv[optind]);
		try_help();
		return 2;
	}
	if (all || !mask)
		mask = ~0u;

	if (strcmp(file, "-") == 0) {
		f = stdin;
		file = "(stdin)";
	} else {
		f = fopen(file, "r");
	}
	if (!f) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s%s\n", progname, file,
			strerror(err),
			err == ENOENT && strcmp(file, PROC_NET_XTCP) == 0 ?
			" (is the xtcp module loaded?)" : "");
		return 1;
	}

	ret = read_table(f, file, mask, &table) ? 1 : 0;
	if (f != stdin)
		fclose(f);

	if (!ret) {
		if (counts)
			print_counts(&table);
		else
			print_table(&table, extended);
	}
	free(table.rows);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			strerror(errno));
		ret = 1;
	}
	return ret;
}
