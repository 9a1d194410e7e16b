// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat: parsing /proc/net/xtcp_snmp, in the shape of /proc/net/snmp
 * (what nstat reads): pairs of lines, the first naming the counters, the
 * second giving their values, each line starting with the same prefix:
 *
 *   XTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens ...
 *   XTcp: 1 200 120000 -1 3 ...
 *   XTcpTrans: EstablishedSynSent EstablishedSynRcvd ...
 *   XTcpTrans: 0 0 ...
 *
 * The "XTcpTrans" pair holds the state transition counts, each named
 * FromTo in CamelCase ("ListenSynRcvd").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xtcpstat.h"

#define TRANS_PREFIX	"XTcpTrans"

/* The words of LINE after "PREFIX:", which goes to *PREFIX. */
static int split_line(char *line, char **prefix, char ***words, size_t *n)
{
	char *colon = strchr(line, ':'), *save = NULL, *tok, **w;
	size_t alloc = 0;

	*words = NULL;
	*n = 0;
	if (!colon || colon == line)
		return -1;
	*colon = '\0';
	*prefix = line;
	for (tok = line; *tok; tok++)
		if (!isalnum((unsigned char)*tok))
			return -1;
	for (tok = strtok_r(colon + 1, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (*n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			w = realloc(*words, alloc * sizeof(*w));
			if (!w)
				return -2;
			*words = w;
		}
		(*words)[(*n)++] = tok;
	}
	return 0;
}

/* "LISTEN", "Listen", "SYN_RCVD", "SynRcvd": the state; 0 if none. */
static unsigned int match_state(const char *s, size_t len)
{
	char buf[32];

	if (!len || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return state_from_name(buf);
}

/* "FromTo" in CamelCase; 0 on success. */
static int parse_transition(const char *name, unsigned int *from,
			    unsigned int *to)
{
	const char *p;

	/* Try each capital letter as the start of the second name. */
	for (p = name + 1; *p; p++) {
		if (!isupper((unsigned char)*p))
			continue;
		*from = match_state(name, p - name);
		*to = match_state(p, strlen(p));
		if (*from && *to)
			return 0;
	}
	return -1;
}

static int parse_value(const char *s, long long *v)
{
	char *end;

	errno = 0;
	if (*s == '-')
		*v = strtoll(s, &end, 10);
	else
		*v = (long long)strtoull(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static int add_counter(struct snmp *s, const char *prefix, const char *name,
		       long long value)
{
	struct counter *c;

	if (s->nr == s->alloc) {
		size_t alloc = s->alloc ? 2 * s->alloc : 64;

		c = realloc(s->c, alloc * sizeof(*c));
		if (!c)
			return -1;
		s->c = c;
		s->alloc = alloc;
	}
	c = &s->c[s->nr];
	if (snprintf(c->name, sizeof(c->name), "%s%s", prefix, name) >=
	    (int)sizeof(c->name))
		return 1;
	c->value = value;
	s->nr++;
	return 0;
}

/* One "names" line and its "values" line. */
static int parse_pair(struct snmp *s, char *names, char *values,
		      const char *file, unsigned long lineno)
{
	char *p1, *p2, **n = NULL, **v = NULL;
	size_t nn, nv, i;
	unsigned int from, to;
	long long val;
	int ret = -1;

	if (split_line(names, &p1, &n, &nn) ||
	    split_line(values, &p2, &v, &nv)) {
		fprintf(stderr, "%s: %s:%lu: not \"Prefix: words\"\n",
			progname, file, lineno);
		goto out;
	}
	if (strcmp(p1, p2) || nn != nv) {
		fprintf(stderr, "%s: %s:%lu: values do not match the names of line %lu\n",
			progname, file, lineno + 1, lineno);
		goto out;
	}
	for (i = 0; i < nn; i++) {
		if (parse_value(v[i], &val)) {
			fprintf(stderr, "%s: %s:%lu: %s: not a number: '%s'\n",
				progname, file, lineno + 1, n[i], v[i]);
			goto out;
		}
		if (!strcmp(p1, TRANS_PREFIX)) {
			if (parse_transition(n[i], &from, &to) || val < 0) {
				fprintf(stderr, "%s: %s:%lu: bad transition '%s'\n",
					progname, file, lineno, n[i]);
				goto out;
			}
			s->trans[from][to] = (unsigned long long)val;
			s->has_trans = true;
			continue;
		}
		if (add_counter(s, p1, n[i], val)) {
			fprintf(stderr, "%s: %s:%lu: bad counter '%s'\n",
				progname, file, lineno, n[i]);
			goto out;
		}
	}
	ret = 0;
out:
	free(n);
	free(v);
	return ret;
}

/* Read FILE into S.  0, or -1 with a message. */
int read_snmp(const char *file, struct snmp *s)
{
	char *names = NULL, *values = NULL;
	size_t ns = 0, vs = 0;
	unsigned long lineno = 0;
	int ret = 0, err;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen(file, "r");
	if (!f) {
		err = errno;
		fprintf(stderr, "%s: %s: %s%s\n", progname, file, strerror(err),
			err == ENOENT && !strcmp(file, PROC_NET_XTCP_SNMP) ?
			" (is the xtcp module loaded?)" : "");
		return -1;
	}
	while (getline(&names, &ns, f) >= 0) {
		lineno++;
		if (getline(&values, &vs, f) < 0) {
			fprintf(stderr, "%s: %s:%lu: names without values\n",
				progname, file, lineno);
			ret = -1;
			break;
		}
		if (parse_pair(s, names, values, file, lineno)) {
			ret = -1;
			break;
		}
		lineno++;
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "%s: %s: read error: %s\n", progname, file,
			strerror(errno));
		ret = -1;
	}
	if (!ret && !s->nr) {
		fprintf(stderr, "%s: %s: no counters\n", progname, file);
		ret = -1;
	}
	free(names);
	free(values);
	fclose(f);
	if (ret)
		free_snmp(s);
	return ret;
}

void free_snmp(struct snmp *s)
{
	free(s->c);
	s->c = NULL;
	s->nr = 0;
	s->alloc = 0;
}

/* The value of counter NAME ("XTcpCurrEstab"); -1 if absent. */
long long snmp_value(const struct snmp *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->c[i].name, name))
			return s->c[i].value;
	return -1;
}
