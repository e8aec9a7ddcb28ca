#include "spec/yaml_tree.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util/text.h"

struct ynode *ynode_new(enum ynode_type type, int line, int col, int origin)
{
	struct ynode *n = calloc(1, sizeof *n);

	if (!n)
		return NULL;
	n->type = type;
	n->line = line;
	n->col = col;
	n->origin = origin;
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->n; i++)
		ytree_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

static int ynode_push(struct ynode *parent, struct ynode *kid)
{
	if (parent->n == parent->cap) {
		int cap = parent->cap ? 2 * parent->cap : 8;
		struct ynode **k = realloc(parent->kids, (size_t)cap * sizeof *k);

		if (!k)
			return -1;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

int ynode_is_null(const struct ynode *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (!n || n->type != YNODE_SCALAR || n->quoted)
		return 0;
	for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
		if (!strcmp(n->text, nulls[i]))
			return 1;
	return 0;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	for (int i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->kids[i]->text, key))
			return map->kids[i + 1];
	return NULL;
}

static const char *type_words(enum ynode_type t)
{
	return t == YNODE_MAPPING ? "a mapping" : t == YNODE_SEQUENCE ? "a sequence" : "a scalar";
}

/* Turn scalar n (a name) into the mapping {type: NAME} in place. */
static int type_mapping(struct ynode *n, int origin)
{
	struct ynode *key = ynode_new(YNODE_SCALAR, n->line, n->col, origin);
	struct ynode *name = ynode_new(YNODE_SCALAR, n->line, n->col, n->origin);

	if (!key || !name || !(key->text = strdup("type"))) {
		ytree_free(key);
		ytree_free(name);
		return -1;
	}
	name->text = n->text;
	n->text = NULL;
	n->type = YNODE_MAPPING;
	if (ynode_push(n, key) != 0) {
		ytree_free(key);
		ytree_free(name);
		return -1;
	}
	return ynode_push(n, name) != 0 ? (ytree_free(name), -1) : 0;
}

/* ---- building the tree from libyaml events ---- */

struct builder {
	const char *errfile;
	int origin;
	struct dl_error *err;
	const char *text;
	size_t len;
	struct ynode *root;
	struct ynode *stack[YTREE_MAX_DEPTH];
	int depth;
	long nodes;
	int documents;
};

static int b_fail(struct builder *b, yaml_mark_t mark, const char *msg)
{
	if (b->origin >= 0)
		return dl_error_at(b->err, b->errfile, 0, 0, "%s", msg);
	return dl_error_at(b->err, b->errfile, (int)mark.line + 1, (int)mark.column + 1,
			   "%s", msg);
}

/* libyaml reports reader errors (bad UTF-8, control characters) as a byte
 * offset only; turn it into a line and column for the editor. Columns
 * count characters, as libyaml's own marks do; a byte that is not UTF-8
 * counts as one. */
static void offset_to_position(const char *text, size_t len, size_t offset,
			       int *line, int *col)
{
	const unsigned char *p = (const unsigned char *)text;

	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && i < len;) {
		uint32_t cp;
		int n = text_utf8_next(p + i, len - i, &cp);

		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
		i += n ? (size_t)n : 1;
	}
}

/*
 * Two mistakes libyaml words for its own grammar, said as what to do: a tab
 * where YAML wants spaces, and a key with [ ] inside { } (a grid key such
 * as model.layers[0].dense.units), which must be quoted there. The key is
 * cut from the text around the mark into key (empty when it cannot be).
 */
static const char *yaml_hint(const struct builder *b, const yaml_parser_t *p, char *key,
			     size_t size)
{
	size_t at = p->problem_mark.index, from, to;
	char c = at < b->len ? b->text[at] : '\0';

	key[0] = '\0';
	if (c == '\t')
		return "a tab where YAML wants spaces: indent with spaces only";
	if ((c != '[' && c != ']') || !p->context || !strstr(p->context, "flow mapping"))
		return NULL;
	for (from = at; from > 0 && !strchr("{,\n", b->text[from - 1]); from--)
		;
	while (b->text[from] == ' ')
		from++;
	for (to = at; to < b->len && !strchr(":,}\n", b->text[to]); to++)
		;
	if (to < b->len && b->text[to] == ':' && to - from < size)
		snprintf(key, size, "%.*s", (int)(to - from), b->text + from);
	return "a key with [ ] inside { } must be quoted";
}

static int b_parse_error(struct builder *b, yaml_parser_t *p)
{
	char key[200];
	const char *hint;
	char msg[600];
	int line, col;

	if (p->error == YAML_MEMORY_ERROR)
		return dl_error_at(b->err, b->errfile, 0, 0, "out of memory while reading YAML");
	if (p->error == YAML_READER_ERROR) {
		/* libyaml's value is the refused character's code point for a
		 * control character, and the offending byte for bad UTF-8 */
		int is_char = p->problem && !strcmp(p->problem, "control characters are not allowed");

		if (p->problem_value != -1 && is_char)
			snprintf(msg, sizeof msg, "invalid YAML: %s (U+%04X)", p->problem,
				 (unsigned)p->problem_value);
		else if (p->problem_value != -1)
			snprintf(msg, sizeof msg, "invalid YAML: %s (byte 0x%02x)",
				 p->problem ? p->problem : "unreadable input",
				 (unsigned)p->problem_value & 0xffu);
		else
			snprintf(msg, sizeof msg, "invalid YAML: %s",
				 p->problem ? p->problem : "unreadable input");
		if (b->origin >= 0)
			return dl_error_at(b->err, b->errfile, 0, 0, "%s", msg);
		offset_to_position(b->text, b->len, p->problem_offset, &line, &col);
		return dl_error_at(b->err, b->errfile, line, col, "%s", msg);
	}
	hint = yaml_hint(b, p, key, sizeof key);
	if (hint && key[0])
		snprintf(msg, sizeof msg, "invalid YAML: %s, as in {\"%s\": [...]}", hint, key);
	else if (hint)
		snprintf(msg, sizeof msg, "invalid YAML: %s", hint);
	else if (p->context && b->origin < 0)
		snprintf(msg, sizeof msg, "invalid YAML: %s (%s at line %d, column %d)",
			 p->problem ? p->problem : "syntax error", p->context,
			 (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else if (p->context)
		snprintf(msg, sizeof msg, "invalid YAML: %s (%s)",
			 p->problem ? p->problem : "syntax error", p->context);
	else
		snprintf(msg, sizeof msg, "invalid YAML: %s",
			 p->problem ? p->problem : "syntax error");
	return b_fail(b, p->problem_mark, msg);
}

/* Attach a finished or opened node to the current container. */
static int b_attach(struct builder *b, struct ynode *n, yaml_mark_t mark)
{
	struct ynode *parent;
	char msg[128];

	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->type == YNODE_MAPPING && parent->n % 2 == 0 && n->type != YNODE_SCALAR) {
		snprintf(msg, sizeof msg, "mapping keys must be plain strings, found %s",
			 type_words(n->type));
		ytree_free(n);
		return b_fail(b, mark, msg);
	}
	if (ynode_push(parent, n) != 0) {
		ytree_free(n);
		return b_fail(b, mark, "out of memory while reading YAML");
	}
	return 0;
}

static int b_new_node(struct builder *b, struct ynode **out, enum ynode_type type,
		      yaml_mark_t mark, const yaml_char_t *anchor, const yaml_char_t *tag)
{
	char msg[128];

	if (anchor)
		return b_fail(b, mark, "anchors and aliases are not supported in experiment files");
	if (tag)
		return b_fail(b, mark, "tags are not supported in experiment files");
	if (++b->nodes > YTREE_MAX_NODES) {
		snprintf(msg, sizeof msg, "too many YAML nodes (more than %d)", YTREE_MAX_NODES);
		return b_fail(b, mark, msg);
	}
	*out = ynode_new(type, b->origin >= 0 ? 0 : (int)mark.line + 1,
			 b->origin >= 0 ? 0 : (int)mark.column + 1, b->origin);
	if (!*out)
		return b_fail(b, mark, "out of memory while reading YAML");
	return 0;
}

static int b_event(struct builder *b, yaml_event_t *ev)
{
	struct ynode *n;
	char msg[128];

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->documents++ > 0)
			return b_fail(b, ev->start_mark,
				      "more than one YAML document (an experiment file is one document)");
		return 0;
	case YAML_ALIAS_EVENT:
		return b_fail(b, ev->start_mark, "aliases are not supported in experiment files");
	case YAML_SCALAR_EVENT:
		if (b_new_node(b, &n, YNODE_SCALAR, ev->start_mark, ev->data.scalar.anchor,
			       ev->data.scalar.tag) != 0)
			return DL_ERR;
		if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length) {
			ytree_free(n);
			return b_fail(b, ev->start_mark, "NUL characters are not allowed in values");
		}
		n->text = strdup((const char *)ev->data.scalar.value);
		if (!n->text) {
			ytree_free(n);
			return b_fail(b, ev->start_mark, "out of memory while reading YAML");
		}
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		return b_attach(b, n, ev->start_mark);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			if (b_new_node(b, &n, YNODE_SEQUENCE, ev->start_mark,
				       ev->data.sequence_start.anchor,
				       ev->data.sequence_start.tag) != 0)
				return DL_ERR;
		} else if (b_new_node(b, &n, YNODE_MAPPING, ev->start_mark,
				      ev->data.mapping_start.anchor,
				      ev->data.mapping_start.tag) != 0) {
			return DL_ERR;
		}
		if (b->depth == YTREE_MAX_DEPTH) {
			ytree_free(n);
			snprintf(msg, sizeof msg, "nesting deeper than %d levels", YTREE_MAX_DEPTH);
			return b_fail(b, ev->start_mark, msg);
		}
		if (b_attach(b, n, ev->start_mark) != 0)
			return DL_ERR;
		b->stack[b->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		return 0;
	default:
		return 0;
	}
}

int ytree_parse(struct ynode **root, const char *text, size_t len,
		const char *errfile, int origin, struct dl_error *err)
{
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = DL_OK;

	*root = NULL;
	memset(&b, 0, sizeof b);
	b.errfile = errfile;
	b.origin = origin;
	b.err = err;
	b.text = text;
	b.len = len;
	if (!yaml_parser_initialize(&parser))
		return dl_error_at(err, errfile, 0, 0, "out of memory while reading YAML");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = b_parse_error(&b, &parser);
			break;
		}
		rc = b_event(&b, &ev);
		if (rc != DL_OK || ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (rc != DL_OK) {
		ytree_free(b.root);
		return rc;
	}
	*root = b.root;
	return DL_OK;
}

/* ---- overrides ---- */

struct step {
	char name[128];     /* a key, or "" for an index step */
	long index;
};

#define MAX_STEPS 32

static int parse_path(const char *key, size_t klen, struct step *steps, int *n_steps)
{
	size_t i = 0;
	int n = 0;

	while (i < klen) {
		size_t start = i;

		while (i < klen && key[i] != '.' && key[i] != '[' && key[i] != ']')
			i++;
		if (i == start || i - start >= sizeof steps[0].name || n == MAX_STEPS)
			return -1;
		memcpy(steps[n].name, key + start, i - start);
		steps[n].name[i - start] = '\0';
		steps[n].index = -1;
		n++;
		while (i < klen && key[i] == '[') {
			char *end;
			long v;

			i++;
			if (i >= klen || !isdigit((unsigned char)key[i]))
				return -1;
			v = strtol(key + i, &end, 10);
			if (end - key > (long)klen || *end != ']' || v > 1000000 || n == MAX_STEPS)
				return -1;
			i = (size_t)(end - key) + 1;
			steps[n].name[0] = '\0';
			steps[n].index = v;
			n++;
		}
		if (i < klen) {
			if (key[i] != '.' || i + 1 == klen)
				return -1;
			i++;
		}
	}
	*n_steps = n;
	return n > 0 ? 0 : -1;
}

/* The path of the first k steps, as written in KEY ("model.layers[0]"). */
static void path_prefix(const struct step *steps, int k, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < k && used < size; i++) {
		int w;

		if (steps[i].name[0])
			w = snprintf(buf + used, size - used, "%s%s", i ? "." : "", steps[i].name);
		else
			w = snprintf(buf + used, size - used, "[%ld]", steps[i].index);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}

int ytree_apply_override(struct ynode *root, const char *override, int origin,
			 struct dl_error *err)
{
	char file[600], where[300];
	struct step steps[MAX_STEPS];
	const char *eq = strchr(override, '=');
	const char *value;
	struct ynode *cur = root, *val = NULL, *fresh;
	int n_steps;

	snprintf(file, sizeof file, "--set %s", override);
	if (!eq)
		return dl_error_at(err, file, 0, 0, "expected KEY=VALUE");
	if (parse_path(override, (size_t)(eq - override), steps, &n_steps) != 0)
		return dl_error_at(err, file, 0, 0,
				   "invalid key '%.*s' (expected a dotted path such as "
				   "train.optimizer.lr or model.layers[0].dense.units)",
				   (int)(eq - override), override);
	if (!steps[0].name[0])
		return dl_error_at(err, file, 0, 0, "the key must start with a name, not an index");
	value = eq + 1;
	if (ytree_parse(&val, value, strlen(value), file, origin, err) != DL_OK)
		return DL_ERR;
	if (!val) {
		/* "KEY=" sets null */
		val = ynode_new(YNODE_SCALAR, 0, 0, origin);
		if (!val || !(val->text = strdup("")))
			goto oom;
	}
	for (int s = 0; s < n_steps; s++) {
		int last = s == n_steps - 1;

		path_prefix(steps, s, where, sizeof where);
		if (steps[s].name[0]) {
			int i;

			/* a name standing for a mapping (optimizer: sgd, schedule:
			 * cosine, init: he_normal) is that mapping's type: a --set
			 * of one of its keys keeps it as {type: NAME, KEY: VALUE} */
			if (cur->type == YNODE_SCALAR && !cur->quoted && !ynode_is_null(cur) &&
			    s > 0 && isalpha((unsigned char)cur->text[0]) &&
			    type_mapping(cur, origin) != 0)
				goto oom;
			if (cur->type != YNODE_MAPPING) {
				ytree_free(val);
				return dl_error_at(err, file, 0, 0, "cannot set %.*s: %s is %s, not a mapping",
						   (int)(eq - override), override, where,
						   type_words(cur->type));
			}
			for (i = 0; i + 1 < cur->n; i += 2)
				if (!strcmp(cur->kids[i]->text, steps[s].name))
					break;
			if (i + 1 < cur->n) {
				if (last) {
					ytree_free(cur->kids[i + 1]);
					cur->kids[i + 1] = val;
					return DL_OK;
				}
				if (ynode_is_null(cur->kids[i + 1]) && steps[s + 1].name[0]) {
					/* "data:" left empty in the file: fill it in */
					fresh = ynode_new(YNODE_MAPPING, 0, 0, origin);
					if (!fresh)
						goto oom;
					ytree_free(cur->kids[i + 1]);
					cur->kids[i + 1] = fresh;
				}
				cur = cur->kids[i + 1];
				continue;
			}
			/* absent: add the key, creating a mapping on the way */
			if (!last && !steps[s + 1].name[0]) {
				ytree_free(val);
				path_prefix(steps, s + 1, where, sizeof where);
				return dl_error_at(err, file, 0, 0, "cannot set %.*s: %s does not exist",
						   (int)(eq - override), override, where);
			}
			fresh = ynode_new(YNODE_SCALAR, 0, 0, origin);
			if (!fresh || !(fresh->text = strdup(steps[s].name)) || ynode_push(cur, fresh)) {
				ytree_free(fresh);
				goto oom;
			}
			fresh = last ? val : ynode_new(YNODE_MAPPING, 0, 0, origin);
			if (!fresh || ynode_push(cur, fresh)) {
				/* keep the mapping well formed: drop the dangling key */
				ytree_free(cur->kids[--cur->n]);
				if (fresh != val)
					ytree_free(fresh);
				goto oom;
			}
			if (last)
				return DL_OK;
			cur = fresh;
		} else {
			if (cur->type != YNODE_SEQUENCE) {
				ytree_free(val);
				return dl_error_at(err, file, 0, 0, "cannot set %.*s: %s is %s, not a sequence",
						   (int)(eq - override), override, where,
						   type_words(cur->type));
			}
			if (steps[s].index >= cur->n) {
				ytree_free(val);
				return dl_error_at(err, file, 0, 0,
						   "index %ld out of range: %s has %d item%s",
						   steps[s].index, where, cur->n, cur->n == 1 ? "" : "s");
			}
			if (last) {
				ytree_free(cur->kids[steps[s].index]);
				cur->kids[steps[s].index] = val;
				return DL_OK;
			}
			cur = cur->kids[steps[s].index];
		}
	}
	return DL_OK; /* not reached: the last step always returns */
oom:
	ytree_free(val);
	return dl_error_at(err, file, 0, 0, "out of memory");
}
