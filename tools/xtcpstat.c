// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat - list XTCP sockets, in the manner of "ss -tan" and "netstat -tan".
 *
 * This file holds the options and main; see xtcpstat.h for the other parts.
 * Plain C and libc only.  See xtcpstat(8).
 */
#define _GNU_SOURCE		/* setns() */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	printf("Usage: %s [OPTION]... [FILTER]\n"
	       "List XTCP sockets from " PROC_NET_XTCP ", as ss -t lists TCP's.\n"
	       "\n"
	       "Which sockets:\n"
	       "  -a, --all            sockets in every state\n"
	       "  -l, --listening      listening sockets only\n"
	       "                       (default: every socket but listeners)\n"
	       "  -N, --net=NAME       the sockets of network namespace NAME\n"
	       "                       (/run/netns/NAME, as ip netns names it)\n"
	       "  -f, --file=FILE      read FILE instead of " PROC_NET_XTCP "\n"
	       "                       (the format of /proc/net/tcp; - is stdin)\n"
	       "\n"
	       "What to show:\n"
	       "  -n, --numeric        do not name ports after services\n"
	       "  -H, --no-header      no header line\n"
	       "  -i, --info           RFC 9293 variables, RTT, congestion state\n"
	       "                       (from " PROC_NET_XTCP_EXT ")\n"
	       "  -o, --options        timers: timer:(NAME,EXPIRES,RETRANSMITS)\n"
	       "  -e, --extended       owner's uid and the socket's inode\n"
	       "  -p, --processes      the processes that hold each socket\n"
	       "  -s, --summary        sockets in each state, the counters and\n"
	       "                       the state transitions (" PROC_NET_XTCP_SNMP ")\n"
	       "  -j, --json           one JSON document (of the table, the summary\n"
	       "                       or the events; Documentation/xtcpstat.rst)\n"
	       "      --pretty         the JSON indented\n"
	       "\n"
	       "Events, as they happen (from the xtcp:* tracepoints in tracefs):\n"
	       "      --states         each state transition: time, ends, OLD -> NEW,\n"
	       "                       milliseconds spent in OLD, and its cause: a\n"
	       "                       call, a timer or the segment received\n"
	       "      --life           each connection when it closes: bytes each way,\n"
	       "                       duration, who closed first, its states\n"
	       "      --retrans        each retransmission and its kind (RTO, fast,\n"
	       "                       TLP, SYN), and each RST sent or received\n"
	       "      --follow=ADDR:PORT  only the connection with this end; alone,\n"
	       "                       its transitions and their causes (--states)\n"
	       "      --count=N        stop after N events or drawings (else at Ctrl-C)\n"
	       "      --replay=FILE    read the events from FILE, a saved trace or\n"
	       "                       perf script's output, instead (- is stdin)\n"
	       "  The filter applies to events too.\n"
	       "\n"
	       "The state diagram of RFC 9293 (from " PROC_NET_XTCP_SNMP "):\n"
	       "      --diagram        drawn with the sockets in each state and the\n"
	       "                       times each arc was taken\n"
	       "  -w, --watch=SECONDS  redraw it every SECONDS, marking with '*' the\n"
	       "                       arcs taken since (--count: this many times)\n"
	       "      --dot            the same as a Graphviz digraph\n"
	       "\n"
	       "  -h, --help           show this help and exit\n"
	       "  -V, --version        show the version and exit\n"
	       "\n"
	       "FILTER := [ state STATE ]... [ exclude STATE ]... [ EXPRESSION ]\n"
	       "  STATE: a state (established, syn-sent, syn-recv, fin-wait-1,\n"
	       "  fin-wait-2, time-wait, closed, close-wait, last-ack, listening,\n"
	       "  closing, or XTCP's names) or a class: all, connected,\n"
	       "  synchronized, bucket, big.\n"
	       "  EXPRESSION: sport, dport OP [:]PORT; src, dst [=|!=] ADDR[/LEN][:PORT];\n"
	       "  OP: = != < > <= >= (or eq ne lt gt le ge); joined with and, or,\n"
	       "  not, ( ).  Example: state established '( dport = :80 or sport = :80 )'\n"
	       "\n"
	       "Environment: PROC_NET_XTCP, PROC_NET_XTCP_EXT and PROC_NET_XTCP_SNMP\n"
	       "name other files to read; XTCPSTAT_TRACEFS where tracefs is;\n"
	       "COLUMNS the width to fit when the output is no terminal.\n"
	       "\n"
	       "Exit status: 0 on success; 1 if a file cannot be read or has\n"
	       "malformed lines (they are skipped, with a message), the\n"
	       "namespace cannot be entered, or tracefs or the tracepoints are\n"
	       "missing; 2 on a bad option or filter.\n",
	       progname);
}

const char *proc_path(const char *env, const char *def)
{
	const char *v = getenv(env);

	return v && *v ? v : def;
}

/* Enter the network namespace that "ip netns add NAME" made. */
static int enter_netns(const char *name)
{
	char path[256];
	int fd, err;

	if (!*name || strchr(name, '/') || strlen(name) > 200) {
		fprintf(stderr, "%s: bad namespace name '%s'\n", progname,
			name);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "%s: network namespace '%s': %s%s\n", progname,
			name, strerror(err),
			err == ENOENT ? " (see ip netns list)" : "");
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		fprintf(stderr, "%s: cannot enter network namespace '%s': %s\n",
			progname, name, strerror(err));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static FILE *open_table(const char **file, bool explicit)
{
	FILE *f;
	int err;

	if (!strcmp(*file, "-")) {
		*file = "(stdin)";
		return stdin;
	}
	f = fopen(*file, "r");
	if (!f) {
		err = errno;
		fprintf(stderr, "%s: %s: %s%s\n", progname, *file,
			strerror(err),
			err == ENOENT && !explicit ?
			" (is the xtcp module loaded?)" : "");
	}
	return f;
}

/* Exit statuses. */
enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

/* Long options without a short one. */
enum {
	OPT_PRETTY = 256, OPT_STATES, OPT_LIFE, OPT_RETRANS, OPT_FOLLOW,
	OPT_COUNT, OPT_REPLAY, OPT_DIAGRAM, OPT_DOT,
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all",	no_argument,		NULL, 'a' },
		{ "listening",	no_argument,		NULL, 'l' },
		{ "numeric",	no_argument,		NULL, 'n' },
		{ "no-header",	no_argument,		NULL, 'H' },
		{ "info",	no_argument,		NULL, 'i' },
		{ "options",	no_argument,		NULL, 'o' },
		{ "extended",	no_argument,		NULL, 'e' },
		{ "processes",	no_argument,		NULL, 'p' },
		{ "summary",	no_argument,		NULL, 's' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "pretty",	no_argument,		NULL, OPT_PRETTY },
		{ "states",	no_argument,		NULL, OPT_STATES },
		{ "life",	no_argument,		NULL, OPT_LIFE },
		{ "retrans",	no_argument,		NULL, OPT_RETRANS },
		{ "follow",	required_argument,	NULL, OPT_FOLLOW },
		{ "count",	required_argument,	NULL, OPT_COUNT },
		{ "replay",	required_argument,	NULL, OPT_REPLAY },
		{ "diagram",	no_argument,		NULL, OPT_DIAGRAM },
		{ "dot",	no_argument,		NULL, OPT_DOT },
		{ "watch",	required_argument,	NULL, 'w' },
		{ "net",	required_argument,	NULL, 'N' },
		{ "file",	required_argument,	NULL, 'f' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *file = NULL, *netns = NULL;
	struct table table = { NULL, 0, 0 };
	struct options o = { 0 };
	bool all = false, listening = false, summary = false;
	unsigned int filter_states = 0;
	struct filter *filter = NULL;
	struct endpoint follow = { 0 };
	const char *replay = NULL;
	bool diagram = false, as_dot = false;
	double interval = 0;
	int mode = -1;
	long count = 0;
	char *end;
	int opt, ret, r;
	FILE *f;

	if (argv[0] && *argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		progname = slash ? slash + 1 : argv[0];
	}

	while ((opt = getopt_long(argc, argv, "alnHioepsjw:N:f:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'l':
			listening = true;
			break;
		case 'n':
			o.numeric = true;
			break;
		case 'H':
			o.no_header = true;
			break;
		case 'i':
			o.info = true;
			break;
		case 'o':
			o.timers = true;
			break;
		case 'e':
			o.extended = true;
			break;
		case 'p':
			o.processes = true;
			break;
		case 's':
			summary = true;
			break;
		case 'j':
			o.json = true;
			break;
		case OPT_PRETTY:
			o.pretty = true;
			break;
		case OPT_STATES:
		case OPT_LIFE:
		case OPT_RETRANS:
			if (mode >= 0 && mode != opt - OPT_STATES) {
				fprintf(stderr, "%s: one of --states, --life, --retrans\n",
					progname);
				return EXIT_USAGE;
			}
			mode = opt - OPT_STATES;
			break;
		case OPT_FOLLOW:
			if (parse_endpoint(optarg, &follow)) {
				fprintf(stderr, "%s: --follow: '%s' is not IPV4ADDR:PORT\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_COUNT:
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || count <= 0) {
				fprintf(stderr, "%s: --count: '%s' is not a positive number\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_REPLAY:
			replay = optarg;
			break;
		case OPT_DIAGRAM:
			diagram = true;
			break;
		case OPT_DOT:
			as_dot = true;
			break;
		case 'w':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || interval < 0.1 ||
			    interval > 86400) {
				fprintf(stderr, "%s: -w: '%s' is not 0.1 to 86400 seconds\n",
					progname, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'N':
			netns = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		case 'V':
			printf("%s %s (AF_XTCP %d)\n", progname,
			       XTCPSTAT_VERSION, AF_XTCP);
			return EXIT_OK;
		default:
			try_help();
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		filter = filter_parse(argv + optind, argc - optind,
				      &filter_states);
		if (!filter) {
			try_help();
			return EXIT_USAGE;
		}
		o.filter = filter;
	}
	/* Named states win; -a wins over -l; ss's default hides listeners. */
	if (filter_states)
		o.states = filter_states;
	else if (all)
		o.states = ALL_STATES;
	else if (listening)
		o.states = 1u << XTCP_LISTEN;
	else
		o.states = ALL_STATES & ~(1u << XTCP_LISTEN);
	/* The summary counts every socket the filter lets through. */
	if (summary && !filter_states)
		o.states = ALL_STATES;
	/* An unknown state number in the file is shown with -a. */
	if (all || summary)
		o.states |= 1u;

	if (netns && enter_netns(netns)) {
		filter_free(filter);
		return EXIT_FAIL;
	}
	if (diagram || as_dot) {
		if (mode >= 0 || filter || replay || follow.family) {
			fprintf(stderr, "%s: --diagram takes no filter, no event option\n",
				progname);
			filter_free(filter);
			return EXIT_USAGE;
		}
		return run_diagram(&o, as_dot, interval, count);
	}
	if (interval > 0) {
		fprintf(stderr, "%s: -w goes with --diagram\n", progname);
		filter_free(filter);
		return EXIT_USAGE;
	}
	/* Following a connection is watching its transitions. */
	if (follow.family && mode < 0)
		mode = EV_STATES;
	if ((replay || count) && mode < 0) {
		fprintf(stderr, "%s: --count, --replay need %s\n",
			progname, "--states, --life or --retrans");
		filter_free(filter);
		return EXIT_USAGE;
	}
	if (mode >= 0) {
		ret = run_events(mode, &o, replay,
				 follow.family ? &follow : NULL, count);
		filter_free(filter);
		return ret;
	}

	if (!file)
		file = proc_path("PROC_NET_XTCP", PROC_NET_XTCP);
	f = open_table(&file, strcmp(file, PROC_NET_XTCP) != 0);
	if (!f) {
		filter_free(filter);
		return EXIT_FAIL;
	}
	r = read_table(f, file, &o, &table);
	if (f != stdin)
		fclose(f);
	ret = r ? EXIT_FAIL : EXIT_OK;

	if (r >= 0 && !summary && o.info) {
		r = read_ext(proc_path("PROC_NET_XTCP_EXT", PROC_NET_XTCP_EXT),
			     &table);
		if (r)
			ret = EXIT_FAIL;
	}
	if (r >= 0 && !summary && o.processes && find_owners(&table))
		ret = EXIT_FAIL;
	if (r >= 0 && summary) {
		struct snmp snmp;

		/* -f FILE alone: the counters are not that file's. */
		if (read_snmp(proc_path("PROC_NET_XTCP_SNMP",
					PROC_NET_XTCP_SNMP), &snmp)) {
			snmp.nr = 0;
			ret = EXIT_FAIL;
		}
		if (o.json)
			print_summary_json(&table, snmp.nr ? &snmp : NULL,
					   o.pretty);
		else
			print_summary(&table, snmp.nr ? &snmp : NULL);
		free_snmp(&snmp);
	} else if (r >= 0 && o.json) {
		print_table_json(&table, &o);
	} else if (r >= 0) {
		print_table(&table, &o);
	}
	free_table(&table);
	filter_free(filter);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			strerror(errno));
		ret = EXIT_FAIL;
	}
	return ret;
}
