// SPDX-License-Identifier: GPL-2.0
/* xtcpstat: which sockets to show. */
#include <ctype.h>
#include <string.h>

#include "xtcpstat.h"

static int state_name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = *a == '-' ? '_' : tolower((unsigned char)*a);
		int cb = *b == '-' ? '_' : tolower((unsigned char)*b);

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

/* Return the state number that NAME names, or 0 if none. */
unsigned int state_from_name(const char *name)
{
	unsigned int i;

	for (i = 1; i < XTCP_MAX_STATES; i++)
		if (state_name_equal(name, state_names[i]))
			return i;
	/* The kernel's spellings (TCP_SYN_RECV, TCP_CLOSE) too. */
	if (state_name_equal(name, "SYN_RECV"))
		return XTCP_SYN_RECV;
	if (state_name_equal(name, "CLOSE"))
		return XTCP_CLOSE;
	return 0;
}

void unknown_state(const char *name)
{
	size_t i;

	fprintf(stderr, "%s: unknown state '%s'; states are:", progname, name);
	for (i = 0; i < ARRAY_SIZE(state_order); i++)
		fprintf(stderr, " %s", state_names[state_order[i]]);
	fputc('\n', stderr);
}
