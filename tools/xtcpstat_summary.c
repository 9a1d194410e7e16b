// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat -s: the number of sockets in each state, in the order of a
 * connection's life.
 */
#include "xtcpstat.h"

void count_states(const struct table *t,
		  unsigned long count[XTCP_MAX_STATES])
{
	size_t i;

	for (i = 0; i < XTCP_MAX_STATES; i++)
		count[i] = 0;
	for (i = 0; i < t->nr_rows; i++)
		count[t->rows[i].state]++;
}

void print_summary(const struct table *t)
{
	unsigned long count[XTCP_MAX_STATES];
	size_t i;

	count_states(t, count);
	printf("Total: %zu\n", t->nr_rows);
	for (i = 0; i < ARRAY_SIZE(state_order); i++)
		printf("%-12s %lu\n", state_names[state_order[i]],
		       count[state_order[i]]);
	if (count[0])
		printf("%-12s %lu\n", state_names[0], count[0]);
}
