// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat -s: the number of sockets in each state, in the order of a
 * connection's life, then the counters and the state transitions of
 * /proc/net/xtcp_snmp (those nstat shows as XTcp* and XTcpTrans*).
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

void print_summary(const struct table *t, const struct snmp *s)
{
	unsigned long count[XTCP_MAX_STATES];
	unsigned int from, to;
	size_t i, j;

	count_states(t, count);
	printf("Total: %zu\n", t->nr_rows);
	for (i = 0; i < ARRAY_SIZE(state_order); i++)
		printf("%-12s %lu\n", state_names[state_order[i]],
		       count[state_order[i]]);
	if (count[0])
		printf("%-12s %lu\n", state_names[0], count[0]);
	if (!s)
		return;

	printf("\nCounters:\n");
	for (i = 0; i < s->nr; i++)
		printf("  %-28s %lld\n", s->c[i].name, s->c[i].value);
	if (!s->has_trans)
		return;
	printf("\nTransitions:\n");
	for (i = 0; i < ARRAY_SIZE(state_order); i++) {
		from = state_order[i];
		for (j = 0; j < ARRAY_SIZE(state_order); j++) {
			to = state_order[j];
			if (s->trans[from][to])
				printf("  %-11s -> %-11s %llu\n",
				       state_names[from], state_names[to],
				       s->trans[from][to]);
		}
	}
}

/* -s -j: see Documentation/xtcpstat.rst for the schema. */
void print_summary_json(const struct table *t, const struct snmp *s,
			bool pretty)
{
	unsigned long count[XTCP_MAX_STATES];
	unsigned int from, to;
	struct json j;
	size_t i;

	count_states(t, count);
	json_init(&j, stdout, pretty);
	json_open(&j, NULL, '{');
	json_uint(&j, "total", t->nr_rows);
	json_open(&j, "states", '{');
	for (i = 0; i < ARRAY_SIZE(state_order); i++)
		json_uint(&j, state_names[state_order[i]],
			  count[state_order[i]]);
	if (count[0])
		json_uint(&j, state_names[0], count[0]);
	json_close(&j, '}');
	if (s) {
		json_open(&j, "counters", '{');
		for (i = 0; i < s->nr; i++)
			json_int(&j, s->c[i].name, s->c[i].value);
		json_close(&j, '}');
		json_open(&j, "transitions", '[');
		for (from = 1; s->has_trans && from < XTCP_MAX_STATES; from++)
			for (to = 1; to < XTCP_MAX_STATES; to++) {
				if (from == to)
					continue;
				json_open(&j, NULL, '{');
				json_str(&j, "from", state_names[from]);
				json_str(&j, "to", state_names[to]);
				json_uint(&j, "count", s->trans[from][to]);
				json_close(&j, '}');
			}
		json_close(&j, ']');
	}
	json_close(&j, '}');
}
