// SPDX-License-Identifier: GPL-2.0
/* xtcpstat: the number of sockets in each state (-c). */
#include "xtcpstat.h"

void print_counts(const struct table *t)
{
	unsigned long count[XTCP_MAX_STATES] = { 0 };
	size_t i;

	for (i = 0; i < t->nr_rows; i++)
		count[t->rows[i].state]++;

	printf("Total: %zu\n", t->nr_rows);
	for (i = 0; i < ARRAY_SIZE(state_order); i++)
		printf("%-12s %lu\n", state_names[state_order[i]],
		       count[state_order[i]]);
	if (count[0])
		printf("%-12s %lu\n", state_names[0], count[0]);
}
