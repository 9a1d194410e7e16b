// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat -j: a small streaming JSON writer.  One document per run; with
 * --pretty, indented by two spaces a level, as "ip -j -p" prints it.
 * Strings are escaped so that any byte, a process name's included, yields
 * valid JSON.  The documents' schema is in Documentation/xtcpstat.rst.
 */
#include <arpa/inet.h>
#include <string.h>

#include "xtcpstat.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void newline(struct json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void put_string(struct json *j, const char *s)
{
	const unsigned char *p;

	fputc('"', j->f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(j->f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", j->f);
		else if (*p == '\t')
			fputs("\\t", j->f);
		else if (*p < 0x20 || *p >= 0x7f)
			/* Not UTF-8 for sure: each byte as a code point. */
			fprintf(j->f, "\\u%04x", *p);
		else
			fputc(*p, j->f);
	}
	fputc('"', j->f);
}

/* The separator and KEY (NULL in an array) before a value. */
static void member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		newline(j);
	if (key) {
		put_string(j, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

/* Open an object ('{') or an array ('['), as member KEY. */
void json_open(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

void json_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (!empty)
		newline(j);
	fputc(c, j->f);
	/* The document's end. */
	if (!j->depth) {
		fputc('\n', j->f);
		fflush(j->f);
	}
}

void json_str(struct json *j, const char *key, const char *v)
{
	member(j, key);
	put_string(j, v);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	member(j, key);
	fprintf(j->f, "%llu", v);
}

void json_int(struct json *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->f, "%lld", v);
}

/* A number with DECIMALS digits after the point. */
void json_fixed(struct json *j, const char *key, double v, int decimals)
{
	member(j, key);
	fprintf(j->f, "%.*f", decimals, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

/* An endpoint: {"address": "10.0.0.1", "port": 80}. */
void json_endpoint(struct json *j, const char *key, const struct endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN];

	json_open(j, key, '{');
	if (inet_ntop(ep->family, ep->addr, addr, sizeof(addr)))
		json_str(j, "address", addr);
	else
		json_null(j, "address");
	json_uint(j, "port", ep->port);
	json_close(j, '}');
}
