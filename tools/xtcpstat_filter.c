// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpstat: which sockets to show, in the words of ss(8):
 *
 *   FILTER     := [ state STATE ]... [ exclude STATE ]... [ EXPRESSION ]
 *   STATE      := a state name (ss's or XTCP's spelling, any case) or a
 *                 class: all, connected, synchronized, bucket, big
 *   EXPRESSION := OR
 *   OR         := AND { ( or | "||" | "|" ) AND }
 *   AND        := NOT { [ and | "&&" | "&" ] NOT }     (juxtaposition: and)
 *   NOT        := ( not | "!" ) NOT | "(" OR ")" | COND
 *   COND       := ( sport | dport ) OP PORT
 *               | ( src | dst ) [ ( = | == | eq | != | ne | neq ) ] HOST
 *   OP         := = == eq != ne neq < lt > gt <= le leq >= ge geq
 *   PORT       := [:]NUMBER | [:]SERVICE
 *   HOST       := ADDR[/LEN][:PORT] | [IPV6][/LEN][:PORT] | *[:PORT] | :PORT
 *
 * "not" binds tighter than "and", "and" tighter than "or", as in ss.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "xtcpstat.h"

enum node_type { N_AND, N_OR, N_NOT, N_SPORT, N_DPORT, N_SRC, N_DST };
enum cmp { C_EQ, C_NE, C_LT, C_GT, C_LE, C_GE };

struct filter {
	enum node_type type;
	struct filter *left, *right;	/* N_AND, N_OR; N_NOT uses left */
	enum cmp cmp;
	unsigned int port;		/* N_SPORT, N_DPORT; N_SRC/N_DST: */
	bool any_port;			/* ... whether the port counts */
	int family;			/* 0: any address */
	unsigned char addr[16];
	unsigned int prefix;		/* bits of addr that count */
};

/* ss's names for the states, and the classes of states it knows. */
static const struct {
	const char *name;
	unsigned int states;
} state_words[] = {
	{ "established",  1u << XTCP_ESTABLISHED },
	{ "syn-sent",     1u << XTCP_SYN_SENT },
	{ "syn-recv",     1u << XTCP_SYN_RECV },
	{ "syn-rcvd",     1u << XTCP_SYN_RECV },
	{ "fin-wait-1",   1u << XTCP_FIN_WAIT1 },
	{ "fin-wait-2",   1u << XTCP_FIN_WAIT2 },
	{ "time-wait",    1u << XTCP_TIME_WAIT },
	{ "closed",       1u << XTCP_CLOSE },
	{ "close",        1u << XTCP_CLOSE },
	{ "close-wait",   1u << XTCP_CLOSE_WAIT },
	{ "last-ack",     1u << XTCP_LAST_ACK },
	{ "listen",       1u << XTCP_LISTEN },
	{ "listening",    1u << XTCP_LISTEN },
	{ "closing",      1u << XTCP_CLOSING },
	{ "all",          ALL_STATES },
	/* Every state but LISTEN and CLOSED. */
	{ "connected",    ALL_STATES & ~(1u << XTCP_LISTEN | 1u << XTCP_CLOSE) },
	/* Connected, but not SYN_SENT. */
	{ "synchronized", ALL_STATES & ~(1u << XTCP_LISTEN | 1u << XTCP_CLOSE |
					 1u << XTCP_SYN_SENT) },
	/* The states Linux keeps in minisockets. */
	{ "bucket",       1u << XTCP_SYN_RECV | 1u << XTCP_TIME_WAIT },
	{ "big",          ALL_STATES & ~(1u << XTCP_SYN_RECV |
					 1u << XTCP_TIME_WAIT) },
};

/* Compare ignoring case, '-' and '_': "FIN_WAIT1" is "fin-wait-1". */
static bool state_name_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (!*a || !*b)
			return *a == *b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

/* The state bits that NAME (a state or a class) names, or 0 if none. */
static unsigned int states_from_word(const char *name)
{
	unsigned int i;

	for (i = 1; i < XTCP_MAX_STATES; i++)
		if (state_name_equal(name, state_names[i]))
			return 1u << i;
	for (i = 0; i < ARRAY_SIZE(state_words); i++)
		if (state_name_equal(name, state_words[i].name))
			return state_words[i].states;
	return 0;
}

/* The state number that NAME names, or 0 if none. */
unsigned int state_from_name(const char *name)
{
	unsigned int bits = states_from_word(name), i;

	for (i = 1; i < XTCP_MAX_STATES; i++)
		if (bits == 1u << i)
			return i;
	return 0;
}

void list_states(FILE *out)
{
	size_t i;

	fputs("states are:", out);
	for (i = 0; i < ARRAY_SIZE(state_order); i++)
		fprintf(out, " %s", state_names[state_order[i]]);
	fputs("; classes: all connected synchronized bucket big", out);
}

/* The parser's position in the words, split further into tokens. */
struct lexer {
	char **words;
	int nr_words, w;	/* the word being read */
	const char *p;		/* the position in it */
	char tok[128];		/* the current token; "" at the end */
};

static bool is_symbol(int c)
{
	return c == '(' || c == ')' || c == '!' || c == '&' || c == '|' ||
	       c == '=' || c == '<' || c == '>';
}

/* Read the next token into lx->tok: a run of symbols, or of the rest. */
static int next_token(struct lexer *lx)
{
	size_t n = 0;
	const char *start;

	for (;;) {
		while (lx->p && isspace((unsigned char)*lx->p))
			lx->p++;
		if (lx->p && *lx->p)
			break;
		if (lx->w >= lx->nr_words) {
			lx->tok[0] = '\0';
			return 0;
		}
		lx->p = lx->words[lx->w++];
	}
	start = lx->p;
	if (*lx->p == '(' || *lx->p == ')') {
		lx->p++;
	} else if (is_symbol(*lx->p)) {
		/* "!=", "==", "<=", ">=", "&&", "||"; "!" alone before "(". */
		while (is_symbol(*lx->p) && *lx->p != '(' && *lx->p != ')' &&
		       lx->p - start < 2)
			lx->p++;
	} else {
		/* An address may hold ':', '/', '.', '*', '[', ']'. */
		while (*lx->p && !isspace((unsigned char)*lx->p) &&
		       !is_symbol(*lx->p))
			lx->p++;
	}
	n = lx->p - start;
	if (n >= sizeof(lx->tok)) {
		fprintf(stderr, "%s: filter: word too long: %.20s...\n",
			progname, start);
		return -1;
	}
	memcpy(lx->tok, start, n);
	lx->tok[n] = '\0';
	return 0;
}

static bool tok_is(const struct lexer *lx, const char *a, const char *b,
		   const char *c)
{
	return !strcmp(lx->tok, a) || (b && !strcmp(lx->tok, b)) ||
	       (c && !strcmp(lx->tok, c));
}

static struct filter *new_node(enum node_type type)
{
	struct filter *f = calloc(1, sizeof(*f));

	if (!f)
		fprintf(stderr, "%s: %s\n", progname, strerror(ENOMEM));
	else
		f->type = type;
	return f;
}

/* A filter that matches every socket, for "state X" with no expression. */
static struct filter match_all = { .type = N_SRC, .any_port = true };

void filter_free(struct filter *f)
{
	if (!f || f == &match_all)
		return;
	filter_free(f->left);
	filter_free(f->right);
	free(f);
}

static void syntax_error(const struct lexer *lx, const char *what)
{
	if (lx->tok[0])
		fprintf(stderr, "%s: filter: %s at '%s'\n", progname, what,
			lx->tok);
	else
		fprintf(stderr, "%s: filter: %s at the end\n", progname,
			what);
}

/* An operator, as a token; -1 if the token is none. */
static int parse_cmp(const struct lexer *lx)
{
	if (tok_is(lx, "=", "==", "eq"))
		return C_EQ;
	if (tok_is(lx, "!=", "ne", "neq"))
		return C_NE;
	if (tok_is(lx, "<", "lt", NULL))
		return C_LT;
	if (tok_is(lx, ">", "gt", NULL))
		return C_GT;
	if (tok_is(lx, "<=", "le", "leq"))
		return C_LE;
	if (tok_is(lx, ">=", "ge", "geq"))
		return C_GE;
	return -1;
}

/* "80", ":80", "http", ":http"; -1 if none of them. */
static int parse_port(const char *s)
{
	struct servent *se;
	char *end;
	long v;

	if (*s == ':')
		s++;
	if (!*s)
		return -1;
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 10);
		return errno || *end || v > 65535 ? -1 : (int)v;
	}
	se = getservbyname(s, "tcp");
	return se ? ntohs(se->s_port) : -1;
}

/* "10.0.0.1", or "10.1" with the missing bytes zero, as ss reads it. */
static int parse_ipv4(const char *s, unsigned char *addr)
{
	char full[32];
	int dots = 0;
	const char *c;

	for (c = s; *c; c++)
		dots += *c == '.';
	if (dots > 3 || strlen(s) + 2 * (3 - dots) >= sizeof(full))
		return -1;
	strcpy(full, s);
	for (; dots < 3; dots++)
		strcat(full, ".0");
	return inet_pton(AF_INET, full, addr) == 1 ? 0 : -1;
}

/*
 * "10.0.0.1", "10.0.0.0/8", "10.0.0.1:80", "*:80", ":80", "*",
 * "[::1]:80"; also "10.1/16", a prefix with fewer bytes, as ss reads it.
 */
static int parse_host(const char *s, struct filter *f)
{
	char buf[128], *port = NULL, *slash, *addr = buf;
	unsigned long len;
	char *end;
	int p;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	f->any_port = true;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close)
			return -1;
		*close = '\0';
		addr = buf + 1;
		slash = close[1] == '/' ? close + 1 : NULL;
		if (slash)
			port = strchr(slash, ':');
		else if (close[1] == ':')
			port = close + 1;
		else if (close[1])
			return -1;
		if (port)
			*port++ = '\0';
		f->family = AF_INET6;
		if (inet_pton(AF_INET6, addr, f->addr) != 1)
			return -1;
		f->prefix = 128;
	} else {
		port = strchr(buf, ':');
		if (port)
			*port++ = '\0';
		slash = strchr(buf, '/');
		if (slash)
			*slash = '\0';
		if (!*addr || !strcmp(addr, "*")) {
			if (slash)
				return -1;
			f->family = 0;
		} else {
			if (parse_ipv4(addr, f->addr))
				return -1;
			f->family = AF_INET;
			f->prefix = 32;
		}
	}
	if (slash && f->family) {
		char *num = slash + 1;

		errno = 0;
		len = strtoul(num, &end, 10);
		if (errno || end == num || *end ||
		    len > (f->family == AF_INET ? 32u : 128u))
			return -1;
		f->prefix = (unsigned int)len;
	}
	if (port && strcmp(port, "*")) {
		p = parse_port(port);
		if (p < 0)
			return -1;
		f->port = (unsigned int)p;
		f->any_port = false;
	}
	return 0;
}

static struct filter *parse_or(struct lexer *lx);

static struct filter *parse_cond(struct lexer *lx)
{
	struct filter *f;
	int cmp, port;

	if (tok_is(lx, "sport", "dport", NULL)) {
		f = new_node(lx->tok[0] == 's' ? N_SPORT : N_DPORT);
		if (!f || next_token(lx))
			goto err;
		cmp = parse_cmp(lx);
		if (cmp < 0) {
			syntax_error(lx, "expected an operator (=, !=, <, >, <=, >=)");
			goto err;
		}
		f->cmp = cmp;
		if (next_token(lx))
			goto err;
		port = parse_port(lx->tok);
		if (port < 0) {
			syntax_error(lx, "expected a port");
			goto err;
		}
		f->port = (unsigned int)port;
		if (next_token(lx))
			goto err;
		return f;
	}
	if (tok_is(lx, "src", "dst", NULL)) {
		f = new_node(lx->tok[0] == 's' ? N_SRC : N_DST);
		if (!f || next_token(lx))
			goto err;
		f->cmp = C_EQ;
		cmp = parse_cmp(lx);
		if (cmp == C_EQ || cmp == C_NE) {
			f->cmp = cmp;
			if (next_token(lx))
				goto err;
		} else if (cmp >= 0) {
			syntax_error(lx, "src and dst compare with = or != only");
			goto err;
		}
		if (!lx->tok[0] || parse_host(lx->tok, f)) {
			syntax_error(lx, "expected an address ([ADDR][/LEN][:PORT])");
			goto err;
		}
		if (next_token(lx))
			goto err;
		return f;
	}
	syntax_error(lx, "expected sport, dport, src, dst, not or '('");
	return NULL;
err:
	filter_free(f);
	return NULL;
}

static struct filter *parse_not(struct lexer *lx)
{
	struct filter *f;

	if (tok_is(lx, "not", "!", NULL)) {
		f = new_node(N_NOT);
		if (!f || next_token(lx))
			goto err;
		f->left = parse_not(lx);
		if (!f->left)
			goto err;
		return f;
	}
	if (tok_is(lx, "(", NULL, NULL)) {
		if (next_token(lx))
			return NULL;
		f = parse_or(lx);
		if (!f)
			return NULL;
		if (!tok_is(lx, ")", NULL, NULL)) {
			syntax_error(lx, "expected ')'");
			goto err;
		}
		if (next_token(lx))
			goto err;
		return f;
	}
	return parse_cond(lx);
err:
	filter_free(f);
	return NULL;
}

/* Whether the token can start a condition: "a b" is "a and b". */
static bool starts_cond(const struct lexer *lx)
{
	return tok_is(lx, "sport", "dport", "src") ||
	       tok_is(lx, "dst", "not", "!") || tok_is(lx, "(", NULL, NULL);
}

static struct filter *parse_and(struct lexer *lx)
{
	struct filter *f, *n;

	f = parse_not(lx);
	while (f && (tok_is(lx, "and", "&&", "&") || starts_cond(lx))) {
		if (!starts_cond(lx) && next_token(lx))
			goto err;
		n = new_node(N_AND);
		if (!n)
			goto err;
		n->left = f;
		f = n;
		n->right = parse_not(lx);
		if (!n->right)
			goto err;
	}
	return f;
err:
	filter_free(f);
	return NULL;
}

static struct filter *parse_or(struct lexer *lx)
{
	struct filter *f, *n;

	f = parse_and(lx);
	while (f && tok_is(lx, "or", "||", "|")) {
		if (next_token(lx))
			goto err;
		n = new_node(N_OR);
		if (!n)
			goto err;
		n->left = f;
		f = n;
		n->right = parse_and(lx);
		if (!n->right)
			goto err;
	}
	return f;
err:
	filter_free(f);
	return NULL;
}

struct filter *filter_parse(char **words, int nr_words, unsigned int *states)
{
	struct lexer lx = { words, nr_words, 0, NULL, "" };
	unsigned int include = 0, exclude = 0, bits;
	bool excl, any = false;
	struct filter *f;

	if (next_token(&lx))
		return NULL;
	while (tok_is(&lx, "state", "exclude", "excl")) {
		excl = lx.tok[0] == 'e';
		if (next_token(&lx))
			return NULL;
		bits = states_from_word(lx.tok);
		if (!bits) {
			fprintf(stderr, "%s: unknown state '%s'; ", progname,
				lx.tok);
			list_states(stderr);
			fputc('\n', stderr);
			return NULL;
		}
		if (excl)
			exclude |= bits;
		else
			include |= bits;
		any = true;
		if (next_token(&lx))
			return NULL;
	}
	/* "exclude X" alone: every state but X. */
	*states = any ? ((include ? include : ALL_STATES) & ~exclude) : 0;
	if (!lx.tok[0])
		return &match_all;
	f = parse_or(&lx);
	if (f && lx.tok[0]) {
		syntax_error(&lx, "unexpected word");
		filter_free(f);
		return NULL;
	}
	return f;
}

static bool compare(unsigned int a, enum cmp cmp, unsigned int b)
{
	switch (cmp) {
	case C_EQ:
		return a == b;
	case C_NE:
		return a != b;
	case C_LT:
		return a < b;
	case C_GT:
		return a > b;
	case C_LE:
		return a <= b;
	case C_GE:
		return a >= b;
	}
	return false;
}

static bool host_match(const struct filter *f, const struct endpoint *ep)
{
	unsigned int bytes = f->prefix / 8, bits = f->prefix % 8;

	if (!f->any_port && ep->port != f->port)
		return false;
	if (!f->family)
		return true;
	if (f->family != ep->family || memcmp(f->addr, ep->addr, bytes))
		return false;
	return !bits || !((f->addr[bytes] ^ ep->addr[bytes]) &
			  (0xff00 >> bits));
}

bool filter_match(const struct filter *f, const struct row *r)
{
	switch (f->type) {
	case N_AND:
		return filter_match(f->left, r) && filter_match(f->right, r);
	case N_OR:
		return filter_match(f->left, r) || filter_match(f->right, r);
	case N_NOT:
		return !filter_match(f->left, r);
	case N_SPORT:
		return compare(r->src.port, f->cmp, f->port);
	case N_DPORT:
		return compare(r->dst.port, f->cmp, f->port);
	case N_SRC:
		return host_match(f, &r->src) == (f->cmp == C_EQ);
	case N_DST:
		return host_match(f, &r->dst) == (f->cmp == C_EQ);
	}
	return false;
}
