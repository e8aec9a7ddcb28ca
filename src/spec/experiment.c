/*
 * The experiment file: YAML tree -> struct experiment.
 *
 * Each section is read by one function (read_*) that first checks the
 * section's keys (unknown and duplicate keys, with the closest valid key
 * suggested), then reads each value with a typed getter that checks type
 * and range and reports the offending node's position. Layer kinds are a
 * table, as darknet's parser maps a section name to a parse function. The
 * names of each enum are the one table of the module that owns the enum
 * (nn_activation_names, data_source_names, schedule_type_names, ...).
 */
#include "spec/experiment.h"
#include "data/font5x7.h"
#include "spec/key_hints.h"
#include "spec/yaml_tree.h"
#include "util/suggest.h"
#include "util/text.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX_FILE (16L * 1024 * 1024)

/* ---- names of the enums this module owns (experiment.h) ---- */

const char *const schedule_type_names[] = {
	[SCHEDULE_CONSTANT] = "constant", [SCHEDULE_PIECEWISE_CONSTANT] = "piecewise_constant",
	[SCHEDULE_EXPONENTIAL] = "exponential", [SCHEDULE_REDUCE_ON_PLATEAU] = "reduce_on_plateau",
	[SCHEDULE_COSINE] = "cosine", NULL,
};
const char *const schedule_unit_names[] = {
	[SCHEDULE_STEPS] = "steps", [SCHEDULE_EPOCHS] = "epochs", NULL,
};
const char *const monitor_names[] = {
	[MONITOR_LOSS] = "loss", [MONITOR_ACCURACY] = "accuracy",
	[MONITOR_VAL_LOSS] = "val_loss", [MONITOR_VAL_ACCURACY] = "val_accuracy", NULL,
};

static const char *name_of(const char *const *table, int i)
{
	for (int k = 0; table[k]; k++)
		if (k == i)
			return table[k];
	return "?";
}

static int find_name(const char *const *table, const char *name)
{
	for (int k = 0; table[k]; k++)
		if (!strcmp(table[k], name))
			return k;
	return -1;
}

const char *schedule_type_name(enum schedule_type t) { return name_of(schedule_type_names, (int)t); }
int schedule_type_from_name(const char *name) { return find_name(schedule_type_names, name); }
const char *schedule_unit_name(enum schedule_unit u) { return name_of(schedule_unit_names, (int)u); }
const char *monitor_name(enum monitor m) { return name_of(monitor_names, (int)m); }
int monitor_from_name(const char *name) { return find_name(monitor_names, name); }

/* Keras's RandomUniform bounds, used for `init: uniform` without bounds. */
#define SPEC_UNIFORM_LOW (-0.05f)
#define SPEC_UNIFORM_HIGH 0.05f

/* ---- the parse context and error reporting ---- */

/* What every reader needs: the file name errors give, the --set overrides
 * (a node made by one has its index as origin), and where errors go. */
struct ctx {
	const char *file;
	const char *const *overrides;
	struct dl_error *err;
};

static int fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, const struct ynode *n, const char *fmt, ...)
{
	char msg[sizeof c->err->msg];
	char file[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n && n->origin >= 0) {
		snprintf(file, sizeof file, "--set %s", c->overrides[n->origin]);
		return dl_error_at(c->err, file, 0, 0, "%s", msg);
	}
	return dl_error_at(c->err, c->file, n ? n->line : 1, n ? n->col : 1, "%s", msg);
}

/* How a node looks in "found ..." (type errors). */
static const char *describe(const struct ynode *n, char *buf, size_t size)
{
	if (n->type == YNODE_MAPPING)
		return "a mapping";
	if (n->type == YNODE_SEQUENCE)
		return "a sequence";
	if (ynode_is_null(n))
		return "null";
	if (n->quoted)
		snprintf(buf, size, "the string \"%.60s%s\"", n->text,
			 strlen(n->text) > 60 ? "..." : "");
	else
		snprintf(buf, size, "'%.60s%s'", n->text, strlen(n->text) > 60 ? "..." : "");
	return buf;
}

static int type_error(struct ctx *c, const struct ynode *n, const char *path,
		      const char *expected)
{
	char buf[128];

	return fail(c, n, "%s: expected %s, found %s", path, expected, describe(n, buf, sizeof buf));
}

/* ---- mappings ---- */

static int want_mapping(struct ctx *c, const struct ynode *n, const char *path)
{
	if (n->type != YNODE_MAPPING)
		return type_error(c, n, path, "a mapping");
	return DL_OK;
}

static int in_table(const char *key, const char *const *keys)
{
	for (int i = 0; keys[i]; i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

/* Unknown and duplicate keys, in document order. `where` is "in train" or
 * "at top level". */
static int check_keys(struct ctx *c, const struct ynode *map, const char *where,
		      const char *const *keys)
{
	for (int i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		const char *hint;

		if (!in_table(k->text, keys)) {
			hint = spec_key_hint(k->text, keys);
			if (hint)
				return fail(c, k, "unknown key '%s' %s (did you mean '%s'?)",
					    k->text, where, hint);
			return fail(c, k, "unknown key '%s' %s", k->text, where);
		}
		for (int j = 0; j < i; j += 2) {
			const struct ynode *first = map->kids[j];

			if (strcmp(first->text, k->text))
				continue;
			if (first->origin < 0)
				return fail(c, k, "duplicate key '%s' %s (first given at line %d)",
					    k->text, where, first->line);
			return fail(c, k, "duplicate key '%s' %s", k->text, where);
		}
	}
	return DL_OK;
}

static const struct ynode *key_node(const struct ynode *map, const char *key)
{
	for (int i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->kids[i]->text, key))
			return map->kids[i];
	return NULL;
}

static int missing(struct ctx *c, const struct ynode *map, const char *key, const char *path)
{
	if (!path[0]) {
		/* the top level: point at the start of the file */
		static const struct ynode top = {.line = 1, .col = 1, .origin = -1};

		return fail(c, &top, "missing required key '%s'", key);
	}
	return fail(c, map, "missing required key '%s' in %s", key, path);
}

/* ---- scalars ---- */

static int is_plain(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && !n->quoted;
}

/* Whole-string strict integer: [+-]?[0-9]+ without overflow. */
static int scan_int(const char *s, long long *out, int *overflow)
{
	const char *p = s;
	char *end;

	*overflow = 0;
	if (*p == '+' || *p == '-')
		p++;
	if (!*p)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno == ERANGE)
		*overflow = 1;
	return *end == '\0';
}

/* Whole-string decimal number (1, -2.5, .5, 1e-3, 1.0e-8), no hex, inf, nan. */
static int scan_number(const char *s, double *out)
{
	char *end;
	int digits = 0;

	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits = 1;
		else if (!strchr("+-.eE", *p))
			return 0;
	}
	if (!digits)
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	return *end == '\0' && end != s && errno != ERANGE && isfinite(*out);
}

static int get_int(struct ctx *c, const struct ynode *n, const char *path,
		   long long lo, long long hi, long long *out)
{
	long long v;
	int overflow;

	if (!is_plain(n) || ynode_is_null(n) || !scan_int(n->text, &v, &overflow))
		return type_error(c, n, path, "an integer");
	if (overflow || v < lo || v > hi) {
		if (hi == LLONG_MAX || hi == INT_MAX || hi == LONG_MAX) {
			if (overflow ? n->text[0] == '-' : v < lo)
				return fail(c, n, "%s: must be at least %lld, found %s", path, lo, n->text);
			return fail(c, n, "%s: must be at most %lld, found %s", path, hi, n->text);
		}
		return fail(c, n, "%s: must be between %lld and %lld, found %s", path, lo, hi,
			    n->text);
	}
	*out = v;
	return DL_OK;
}

static int get_int32(struct ctx *c, const struct ynode *n, const char *path,
		     int lo, int hi, int *out)
{
	long long v;

	if (get_int(c, n, path, lo, hi, &v) != DL_OK)
		return DL_ERR;
	*out = (int)v;
	return DL_OK;
}

enum range {
	R_ANY,          /* any finite number */
	R_POSITIVE,     /* > 0 */
	R_NONNEG,       /* >= 0 */
	R_OPEN01,       /* (0, 1) */
	R_HALF01,       /* [0, 1) */
	R_CLOSED01,     /* [0, 1] */
};

static int in_range(double v, enum range r)
{
	switch (r) {
	case R_ANY: return 1;
	case R_POSITIVE: return v > 0;
	case R_NONNEG: return v >= 0;
	case R_OPEN01: return v > 0 && v < 1;
	case R_HALF01: return v >= 0 && v < 1;
	case R_CLOSED01: return v >= 0 && v <= 1;
	}
	return 0;
}

static const char *range_words(enum range r)
{
	switch (r) {
	case R_ANY: return "be a finite number";
	case R_POSITIVE: return "be greater than 0";
	case R_NONNEG: return "be at least 0";
	case R_OPEN01: return "be in (0, 1)";
	case R_HALF01: return "be in [0, 1)";
	case R_CLOSED01: return "be in [0, 1]";
	}
	return "";
}

static int get_double(struct ctx *c, const struct ynode *n, const char *path,
		      enum range r, double *out)
{
	double v;

	if (!is_plain(n) || ynode_is_null(n) || !scan_number(n->text, &v))
		return type_error(c, n, path, "a number");
	if (!in_range(v, r))
		return fail(c, n, "%s: must %s, found %s", path, range_words(r), n->text);
	*out = v;
	return DL_OK;
}

/* Floats are checked after rounding to float, so 0.99999999999 for a [0, 1)
 * field (which rounds to 1) is refused rather than silently becoming 1. */
static int get_float(struct ctx *c, const struct ynode *n, const char *path,
		     enum range r, float *out)
{
	double v;
	float f;

	if (!is_plain(n) || ynode_is_null(n) || !scan_number(n->text, &v))
		return type_error(c, n, path, "a number");
	f = (float)v;
	if (!isfinite(f))
		return fail(c, n, "%s: number too large, found %s", path, n->text);
	if (!in_range(f, r))
		return fail(c, n, "%s: must %s, found %s", path, range_words(r), n->text);
	*out = f;
	return DL_OK;
}

static int get_bool(struct ctx *c, const struct ynode *n, const char *path, int *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", NULL};
	static const char *const no[] = {"false", "False", "FALSE", NULL};

	if (is_plain(n) && in_table(n->text, yes))
		*out = 1;
	else if (is_plain(n) && in_table(n->text, no))
		*out = 0;
	else
		return type_error(c, n, path, "true or false");
	return DL_OK;
}

static int get_string(struct ctx *c, const struct ynode *n, const char *path,
		      char *buf, size_t size)
{
	if (n->type != YNODE_SCALAR || ynode_is_null(n))
		return type_error(c, n, path, "a string");
	if (strlen(n->text) >= size)
		return fail(c, n, "%s: too long (at most %zu bytes)", path, size - 1);
	/* clear the whole buffer: structs are compared byte for byte */
	memset(buf, 0, size);
	memcpy(buf, n->text, strlen(n->text));
	return DL_OK;
}

/* A name from a table: "unknown WHAT 'x' (expected one of: ...; did you mean ...?)". */
static int get_enum(struct ctx *c, const struct ynode *n, const char *path,
		    const char *what, const char *const *names, int *out)
{
	char list[512];
	size_t used = 0;
	const char *hint;

	if (n->type != YNODE_SCALAR || ynode_is_null(n))
		return type_error(c, n, path, "a string");
	for (int i = 0; names[i]; i++) {
		if (!strcmp(n->text, names[i])) {
			*out = i;
			return DL_OK;
		}
	}
	list[0] = '\0';
	for (int i = 0; names[i] && used < sizeof list; i++) {
		int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	hint = suggest_closest(n->text, names);
	if (hint)
		return fail(c, n, "unknown %s '%.100s' (expected one of: %s; did you mean '%s'?)",
			    what, n->text, list, hint);
	return fail(c, n, "unknown %s '%.100s' (expected one of: %s)", what, n->text, list);
}

/* ---- sections ---- */

static int read_kinds(struct ctx *c, const struct ynode *n, const char *path,
		      int allow_empty, unsigned *mask)
{
	unsigned m = 0;

	if (n->type != YNODE_SEQUENCE)
		return type_error(c, n, path, "a list of font kinds");
	for (int i = 0; i < n->n; i++) {
		char p[64];
		int k;

		snprintf(p, sizeof p, "%s[%d]", path, i);
		if (get_enum(c, n->kids[i], p, "font kind", font_kind_names, &k) != DL_OK)
			return DL_ERR;
		m |= 1u << k;
	}
	if (!m && !allow_empty)
		return fail(c, n, "%s: name at least one font kind", path);
	*mask = m;
	return DL_OK;
}

#define SPEC_MAX_IMAGE_SIDE 1024

/* A size: N (square) or [H, W], each 1..max. */
static int get_window_max(struct ctx *c, const struct ynode *n, const char *path, int max,
			  int *h, int *w)
{
	char p[140];

	if (n->type == YNODE_SEQUENCE) {
		if (n->n != 2)
			return fail(c, n, "%s: expected N or [HEIGHT, WIDTH], found a sequence "
				    "of %d", path, n->n);
		snprintf(p, sizeof p, "%s[0]", path);
		if (get_int32(c, n->kids[0], p, 1, max, h))
			return DL_ERR;
		snprintf(p, sizeof p, "%s[1]", path);
		return get_int32(c, n->kids[1], p, 1, max, w);
	}
	if (get_int32(c, n, path, 1, max, h))
		return DL_ERR;
	*w = *h;
	return DL_OK;
}

/* classes: N or a list of N distinct names (2 <= N <= DATA_MAX_CLASSES). */
static int read_classes(struct ctx *c, const struct ynode *v, struct data_spec *d)
{
	char p[64];

	memset(d->class_names, 0, sizeof d->class_names);
	if (v->type != YNODE_SEQUENCE)
		return get_int32(c, v, "data.classes", 2, DATA_MAX_CLASSES, &d->n_classes);
	if (v->n < 2 || v->n > DATA_MAX_CLASSES)
		return fail(c, v, "data.classes: expected 2 to %d class names, found %d",
			    DATA_MAX_CLASSES, v->n);
	for (int i = 0; i < v->n; i++) {
		snprintf(p, sizeof p, "data.classes[%d]", i);
		if (get_string(c, v->kids[i], p, d->class_names[i], DATA_CLASS_NAME_MAX))
			return DL_ERR;
		if (!data_class_name_ok(d->class_names[i]))
			return fail(c, v->kids[i], "%s: a class name must not be empty or hold "
				    "control or bidirectional control characters", p);
		for (int j = 0; j < i; j++)
			if (!strcmp(d->class_names[j], d->class_names[i]))
				return fail(c, v->kids[i], "%s: '%s' is also class %d", p,
					    d->class_names[i], j);
	}
	d->n_classes = v->n;
	return DL_OK;
}

/* The keys of sources folder and csv: path, test, size, invert, bad_images. */
static int read_files(struct ctx *c, const struct ynode *map, struct data_spec *d)
{
	static const char *const folder_only[] = {"size", "invert", "bad_images", NULL};
	static const char *const bad_modes[] = {"error", "skip", NULL};
	const struct ynode *v;
	const char *src = data_source_name(d->source);
	int files = d->source == DATA_FOLDER || d->source == DATA_CSV;

	for (int i = 0; folder_only[i]; i++)
		if (d->source != DATA_FOLDER && ynode_get(map, folder_only[i]))
			return fail(c, key_node(map, folder_only[i]),
				    "%s is only valid with source: folder", folder_only[i]);
	if (!files) {
		if (ynode_get(map, "path"))
			return fail(c, key_node(map, "path"),
				    "path is only valid with source: folder or csv");
		if (ynode_get(map, "test"))
			return fail(c, key_node(map, "test"),
				    "test is only valid with source: folder or csv");
		return DL_OK;
	}
	if (!(v = ynode_get(map, "path")))
		return fail(c, map, "missing required key 'path' (source: %s)", src);
	if (get_string(c, v, "data.path", d->path, DATA_PATH_MAX))
		return DL_ERR;
	if (!d->path[0])
		return fail(c, v, "data.path: the path is empty");
	if ((v = ynode_get(map, "test")) && !ynode_is_null(v)) {
		if (get_string(c, v, "data.test", d->test_path, DATA_PATH_MAX))
			return DL_ERR;
		if (!d->test_path[0])
			return fail(c, v, "data.test: the path is empty");
		if (ynode_get(map, "test_fraction"))
			return fail(c, key_node(map, "test_fraction"),
				    "test_fraction and test exclude each other: the test set is "
				    "either held out or given");
	}
	if ((v = ynode_get(map, "size")) &&
	    get_window_max(c, v, "data.size", SPEC_MAX_IMAGE_SIDE, &d->size_h, &d->size_w))
		return DL_ERR;
	if ((v = ynode_get(map, "invert")) && get_bool(c, v, "data.invert", &d->invert))
		return DL_ERR;
	if ((v = ynode_get(map, "bad_images"))) {
		int k;

		if (get_enum(c, v, "data.bad_images", "bad_images", bad_modes, &k))
			return DL_ERR;
		d->skip_bad = k;
	}
	return DL_OK;
}

static int read_data(struct ctx *c, const struct ynode *map, struct data_spec *d)
{
	static const char *const keys[] = {"source", "train_images", "train_labels",
		"test_images", "test_labels", "path", "test", "size", "invert", "bad_images",
		"classes", "validation", "limit", "test_limit",
		"test_fraction", "scale", "train_kinds", "test_kinds", "variants", NULL};
	static const char *const idx_keys[] = {"train_images", "train_labels",
		"test_images", "test_labels", NULL};
	char *paths[4] = {d->train_images, d->train_labels, d->test_images, d->test_labels};
	const struct ynode *v;
	char p[64];
	int k;
	long long ll;

	if (ynode_is_null(map))
		return DL_OK;   /* "data:" with everything commented out */
	if (want_mapping(c, map, "data") || check_keys(c, map, "in data", keys))
		return DL_ERR;
	if ((v = ynode_get(map, "source"))) {
		if (get_enum(c, v, "data.source", "source", data_source_names, &k))
			return DL_ERR;
		d->source = (enum data_source)k;
	}
	for (int i = 0; i < 4; i++) {
		v = ynode_get(map, idx_keys[i]);
		if (d->source != DATA_IDX) {
			if (v)
				return fail(c, key_node(map, idx_keys[i]),
					    "%s is only valid with source: idx", idx_keys[i]);
			continue;
		}
		if (!v)
			return fail(c, map, "missing required key '%s' (source: idx)", idx_keys[i]);
		snprintf(p, sizeof p, "data.%s", idx_keys[i]);
		if (get_string(c, v, p, paths[i], DATA_PATH_MAX))
			return DL_ERR;
		if (!paths[i][0])
			return fail(c, v, "%s: the path is empty", p);
	}
	if (read_files(c, map, d))
		return DL_ERR;
	if ((v = ynode_get(map, "classes"))) {
		if (d->source != DATA_IDX && d->source != DATA_CSV)
			return fail(c, key_node(map, "classes"),
				    "classes is only valid with source: idx or csv (a folder's "
				    "classes are its subfolders)");
		if (read_classes(c, v, d))
			return DL_ERR;
	}
	if ((v = ynode_get(map, "validation")) && !ynode_is_null(v)) {
		double f;

		if (v->type == YNODE_SCALAR && !strcmp(v->text, "test")) {
			d->validation = DATA_VAL_TEST;
		} else if (is_plain(v) && scan_number(v->text, &f)) {
			float ff = (float)f;

			if (!(ff > 0 && ff < 1))
				return fail(c, v, "data.validation: must be a fraction in (0, 1) "
					    "or \"test\", found %s", v->text);
			d->validation = DATA_VAL_FRACTION;
			d->validation_fraction = ff;
		} else {
			return type_error(c, v, "data.validation", "a fraction in (0, 1) or \"test\"");
		}
	}
	if ((v = ynode_get(map, "limit")) && !ynode_is_null(v)) {
		if (get_int(c, v, "data.limit", 1, LONG_MAX, &ll))
			return DL_ERR;
		d->limit = (long)ll;
	}
	if ((v = ynode_get(map, "test_limit")) && !ynode_is_null(v)) {
		if (get_int(c, v, "data.test_limit", 1, LONG_MAX, &ll))
			return DL_ERR;
		d->test_limit = (long)ll;
	}
	if ((v = ynode_get(map, "test_fraction"))) {
		if (d->source != DATA_DIGITS8X8 && d->source != DATA_FOLDER &&
		    d->source != DATA_CSV)
			return fail(c, key_node(map, "test_fraction"),
				    "test_fraction is only valid with source: digits8x8, folder or csv");
		if (get_float(c, v, "data.test_fraction", R_OPEN01, &d->test_fraction))
			return DL_ERR;
	}
	if ((v = ynode_get(map, "scale")) &&
	    get_float(c, v, "data.scale", R_POSITIVE, &d->scale))
		return DL_ERR;
	{
		static const char *const font_keys[] = {"train_kinds", "test_kinds", "variants", NULL};

		for (int i = 0; font_keys[i]; i++)
			if (d->source != DATA_FONT5X7 && ynode_get(map, font_keys[i]))
				return fail(c, key_node(map, font_keys[i]),
					    "%s is only valid with source: font5x7", font_keys[i]);
	}
	if ((v = ynode_get(map, "train_kinds")) && !ynode_is_null(v) &&
	    read_kinds(c, v, "data.train_kinds", 0, &d->train_kinds))
		return DL_ERR;
	if ((v = ynode_get(map, "test_kinds")) && !ynode_is_null(v) &&
	    read_kinds(c, v, "data.test_kinds", 1, &d->test_kinds))
		return DL_ERR;
	if ((v = ynode_get(map, "variants")) &&
	    get_int32(c, v, "data.variants", 0, 1000, &d->variants))
		return DL_ERR;
	return DL_OK;
}

/* init: NAME or {type: NAME, low: A, high: B} (low/high only for uniform). */
static int read_init(struct ctx *c, const struct ynode *n, const char *path,
		     enum nn_init *init, float *low, float *high)
{
	static const char *const keys[] = {"type", "low", "high", NULL};
	const struct ynode *t;
	char p[128], where[140];
	int k;

	*low = SPEC_UNIFORM_LOW;
	*high = SPEC_UNIFORM_HIGH;
	if (n->type == YNODE_SCALAR) {
		if (get_enum(c, n, path, "init", nn_init_names, &k))
			return DL_ERR;
		*init = (enum nn_init)k;
		return DL_OK;
	}
	if (n->type != YNODE_MAPPING)
		return type_error(c, n, path, "an initialiser name or a mapping");
	snprintf(where, sizeof where, "in %s", path);
	if (check_keys(c, n, where, keys))
		return DL_ERR;
	if (!(t = ynode_get(n, "type")))
		return missing(c, n, "type", path);
	snprintf(p, sizeof p, "%s.type", path);
	if (get_enum(c, t, p, "init", nn_init_names, &k))
		return DL_ERR;
	*init = (enum nn_init)k;
	for (int i = 1; keys[i]; i++) {
		const struct ynode *v = ynode_get(n, keys[i]);

		if (!v)
			continue;
		if (*init != NN_INIT_UNIFORM)
			return fail(c, key_node(n, keys[i]), "%s is not a parameter of %s",
				    keys[i], nn_init_names[k]);
		snprintf(p, sizeof p, "%s.%s", path, keys[i]);
		if (get_float(c, v, p, R_ANY, i == 1 ? low : high))
			return DL_ERR;
	}
	if (!(*low < *high))
		return fail(c, n, "%s: low must be less than high (found low %.9g, high %.9g)",
			    path, (double)*low, (double)*high);
	return DL_OK;
}

typedef int (*layer_parse_fn)(struct ctx *c, const struct ynode *v, const char *path,
			      struct nn_layer_spec *l);

/* activation, alpha and init of a dense or conv2d layer */
static int parse_unit_keys(struct ctx *c, const struct ynode *v, const char *path,
			   struct nn_layer_spec *l)
{
	const struct ynode *x;
	char p[128];
	int k;

	l->activation = NN_ACT_LINEAR;
	if ((x = ynode_get(v, "activation"))) {
		snprintf(p, sizeof p, "%s.activation", path);
		if (get_enum(c, x, p, "activation", nn_activation_names, &k))
			return DL_ERR;
		l->activation = (enum nn_activation)k;
	}
	l->alpha = l->activation == NN_ACT_LEAKY_RELU ? 0.3f :
		   l->activation == NN_ACT_ELU ? 1.0f : 0.0f;
	if ((x = ynode_get(v, "alpha"))) {
		if (l->activation != NN_ACT_LEAKY_RELU && l->activation != NN_ACT_ELU)
			return fail(c, key_node(v, "alpha"),
				    "alpha is only valid with activation leaky_relu or elu");
		snprintf(p, sizeof p, "%s.alpha", path);
		if (get_float(c, x, p, R_NONNEG, &l->alpha))
			return DL_ERR;
	}
	if ((x = ynode_get(v, "init"))) {
		snprintf(p, sizeof p, "%s.init", path);
		if (read_init(c, x, p, &l->init, &l->init_low, &l->init_high))
			return DL_ERR;
		l->has_init = 1;
	}
	return DL_OK;
}

/* A layer's mapping with only the given keys. */
static int layer_mapping(struct ctx *c, const struct ynode *v, const char *path,
			 const char *const *keys)
{
	char where[140];

	if (want_mapping(c, v, path))
		return DL_ERR;
	snprintf(where, sizeof where, "in %s", path);
	return check_keys(c, v, where, keys);
}

/* A key that must be there, an integer in [lo, hi]. */
static int required_int(struct ctx *c, const struct ynode *v, const char *path,
			const char *key, int lo, int hi, int *out)
{
	const struct ynode *x = ynode_get(v, key);
	char p[140];

	if (!x)
		return missing(c, v, key, path);
	snprintf(p, sizeof p, "%s.%s", path, key);
	return get_int32(c, x, p, lo, hi, out);
}

static int parse_dense(struct ctx *c, const struct ynode *v, const char *path,
		       struct nn_layer_spec *l)
{
	static const char *const keys[] = {"units", "activation", "alpha", "init", NULL};

	l->kind = NN_LAYER_DENSE;
	if (layer_mapping(c, v, path, keys) ||
	    required_int(c, v, path, "units", 1, 100000, &l->units))
		return DL_ERR;
	return parse_unit_keys(c, v, path, l);
}

#define SPEC_MAX_WINDOW 64

/* A window size: N (square) or [H, W]. */
static int get_window(struct ctx *c, const struct ynode *n, const char *path,
		      int *h, int *w)
{
	return get_window_max(c, n, path, SPEC_MAX_WINDOW, h, w);
}

static int get_padding(struct ctx *c, const struct ynode *v, const char *path,
		       enum nn_padding *out)
{
	const struct ynode *x = ynode_get(v, "padding");
	char p[140];
	int k;

	*out = NN_PAD_VALID;
	if (!x)
		return DL_OK;
	snprintf(p, sizeof p, "%s.padding", path);
	if (get_enum(c, x, p, "padding", nn_padding_names, &k))
		return DL_ERR;
	*out = (enum nn_padding)k;
	return DL_OK;
}

static int get_stride(struct ctx *c, const struct ynode *v, const char *path, int *out)
{
	const struct ynode *x = ynode_get(v, "stride");
	char p[140];

	if (!x)
		return DL_OK;
	snprintf(p, sizeof p, "%s.stride", path);
	return get_int32(c, x, p, 1, SPEC_MAX_WINDOW, out);
}

static int parse_conv2d(struct ctx *c, const struct ynode *v, const char *path,
			struct nn_layer_spec *l)
{
	static const char *const keys[] = {"filters", "kernel", "stride", "padding",
					   "activation", "alpha", "init", NULL};
	const struct ynode *x;
	char p[128];

	l->kind = NN_LAYER_CONV2D;
	if (layer_mapping(c, v, path, keys) ||
	    required_int(c, v, path, "filters", 1, 4096, &l->filters))
		return DL_ERR;
	if (!(x = ynode_get(v, "kernel")))
		return missing(c, v, "kernel", path);
	snprintf(p, sizeof p, "%s.kernel", path);
	if (get_window(c, x, p, &l->kernel_h, &l->kernel_w))
		return DL_ERR;
	l->stride = 1;
	if (get_stride(c, v, path, &l->stride) || get_padding(c, v, path, &l->padding))
		return DL_ERR;
	return parse_unit_keys(c, v, path, l);
}

/* maxpool2d / avgpool2d: {size: 2, stride: 2, padding: valid}, or just 2. */
static int parse_pool(struct ctx *c, const struct ynode *v, const char *path,
		      struct nn_layer_spec *l)
{
	static const char *const keys[] = {"size", "stride", "padding", NULL};
	const struct ynode *x;
	char p[128], where[140];

	l->kernel_h = l->kernel_w = 2;
	l->padding = NN_PAD_VALID;
	if (v->type == YNODE_SCALAR && !ynode_is_null(v)) {
		if (get_window(c, v, path, &l->kernel_h, &l->kernel_w))
			return DL_ERR;
		l->stride = l->kernel_h;
		return DL_OK;
	}
	if (!ynode_is_null(v)) {
		if (v->type != YNODE_MAPPING)
			return type_error(c, v, path, "a size or a mapping");
		snprintf(where, sizeof where, "in %s", path);
		if (check_keys(c, v, where, keys))
			return DL_ERR;
		snprintf(p, sizeof p, "%s.size", path);
		if ((x = ynode_get(v, "size")) && get_window(c, x, p, &l->kernel_h, &l->kernel_w))
			return DL_ERR;
	}
	l->stride = 0;
	if (!ynode_is_null(v) &&
	    (get_stride(c, v, path, &l->stride) || get_padding(c, v, path, &l->padding)))
		return DL_ERR;
	if (!l->stride) {
		if (l->kernel_h != l->kernel_w)
			return fail(c, v, "%s: give a stride for a window that is not square",
				    path);
		l->stride = l->kernel_h;
	}
	return DL_OK;
}

static int parse_maxpool(struct ctx *c, const struct ynode *v, const char *path,
			 struct nn_layer_spec *l)
{
	l->kind = NN_LAYER_MAXPOOL2D;
	return parse_pool(c, v, path, l);
}

static int parse_avgpool(struct ctx *c, const struct ynode *v, const char *path,
			 struct nn_layer_spec *l)
{
	l->kind = NN_LAYER_AVGPOOL2D;
	return parse_pool(c, v, path, l);
}

/* batchnorm: {} or {momentum: 0.99, epsilon: 0.001} (Keras's defaults). */
static int parse_batchnorm(struct ctx *c, const struct ynode *v, const char *path,
			   struct nn_layer_spec *l)
{
	static const char *const keys[] = {"momentum", "epsilon", NULL};
	const struct ynode *x;
	char p[128], where[140];

	l->kind = NN_LAYER_BATCHNORM;
	l->momentum = 0.99f;
	l->epsilon = 0.001f;
	if (ynode_is_null(v))
		return DL_OK;
	if (v->type != YNODE_MAPPING)
		return type_error(c, v, path, "a mapping");
	snprintf(where, sizeof where, "in %s", path);
	if (check_keys(c, v, where, keys))
		return DL_ERR;
	snprintf(p, sizeof p, "%s.momentum", path);
	if ((x = ynode_get(v, "momentum")) && get_float(c, x, p, R_HALF01, &l->momentum))
		return DL_ERR;
	snprintf(p, sizeof p, "%s.epsilon", path);
	if ((x = ynode_get(v, "epsilon")) && get_float(c, x, p, R_POSITIVE, &l->epsilon))
		return DL_ERR;
	return DL_OK;
}

static int parse_dropout(struct ctx *c, const struct ynode *v, const char *path,
			 struct nn_layer_spec *l)
{
	static const char *const keys[] = {"rate", NULL};
	const struct ynode *x = v;
	char p[128], where[140];

	l->kind = NN_LAYER_DROPOUT;
	snprintf(p, sizeof p, "%s", path);
	if (v->type == YNODE_MAPPING) {
		snprintf(where, sizeof where, "in %s", path);
		if (check_keys(c, v, where, keys))
			return DL_ERR;
		if (!(x = ynode_get(v, "rate")))
			return missing(c, v, "rate", path);
		snprintf(p, sizeof p, "%s.rate", path);
	} else if (v->type != YNODE_SCALAR || ynode_is_null(v)) {
		return type_error(c, v, path, "a rate in [0, 1) or a mapping");
	}
	return get_float(c, x, p, R_HALF01, &l->rate);
}

static int parse_flatten(struct ctx *c, const struct ynode *v, const char *path,
			 struct nn_layer_spec *l)
{
	static const char *const keys[] = {NULL};
	char where[140];

	l->kind = NN_LAYER_FLATTEN;
	if (ynode_is_null(v))
		return DL_OK;
	if (v->type != YNODE_MAPPING)
		return type_error(c, v, path, "an empty mapping {}");
	snprintf(where, sizeof where, "in %s", path);
	return check_keys(c, v, where, keys);
}

/* The parser of each layer kind. */
static const layer_parse_fn layer_parsers[] = {
	[NN_LAYER_DENSE] = parse_dense, [NN_LAYER_DROPOUT] = parse_dropout,
	[NN_LAYER_FLATTEN] = parse_flatten, [NN_LAYER_CONV2D] = parse_conv2d,
	[NN_LAYER_MAXPOOL2D] = parse_maxpool, [NN_LAYER_AVGPOOL2D] = parse_avgpool,
	[NN_LAYER_BATCHNORM] = parse_batchnorm,
};

/* The smallest settings of a layer kind, for the hint to a bare "- kind". */
static const char *layer_example(const char *kind)
{
	static const char *const examples[][2] = {
		{"dense", "{units: 10}"}, {"dropout", "0.5"}, {"conv2d", "{filters: 32, kernel: 3}"},
		{"maxpool2d", "2"}, {"avgpool2d", "2"},
	};

	for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
		if (!strcmp(kind, examples[i][0]))
			return examples[i][1];
	return "{}";
}

static int read_layers(struct ctx *c, const struct ynode *seq, struct nn_model_spec *m)
{
	if (seq->type != YNODE_SEQUENCE)
		return type_error(c, seq, "model.layers", "a sequence of layers");
	if (seq->n == 0)
		return fail(c, seq, "model.layers: give at least one layer");
	if (seq->n > NN_MAX_LAYERS)
		return fail(c, seq->kids[NN_MAX_LAYERS], "model.layers: at most %d layers, found %d",
			    NN_MAX_LAYERS, seq->n);
	for (int i = 0; i < seq->n; i++) {
		const struct ynode *item = seq->kids[i];
		char p[64], lp[96];
		int k;

		snprintf(p, sizeof p, "model.layers[%d]", i);
		if (item->type != YNODE_MAPPING || item->n != 2) {
			if (item->type == YNODE_MAPPING && item->n == 0)
				return fail(c, item, "%s: a layer needs one key naming its kind "
					    "(dense, dropout or flatten)", p);
			if (item->type == YNODE_MAPPING)
				return fail(c, item->kids[2], "%s: a layer has exactly one key, its kind "
					    "(found '%s' and '%s'; start each layer with '- ')",
					    p, item->kids[0]->text, item->kids[2]->text);
			if (item->type == YNODE_SCALAR && in_table(item->text, nn_layer_kind_names))
				return fail(c, item, "%s: a layer kind is a key with its settings: "
					    "write '- %s: %s'", p, item->text,
					    layer_example(item->text));
			return type_error(c, item, p, "a layer such as {dense: {units: 10}}");
		}
		if (get_enum(c, item->kids[0], p, "layer kind", nn_layer_kind_names, &k))
			return DL_ERR;
		snprintf(lp, sizeof lp, "%s.%s", p, nn_layer_kind_names[k]);
		if (layer_parsers[k](c, item->kids[1], lp, &m->layers[i]))
			return DL_ERR;
		m->n_layers = i + 1;
	}
	return DL_OK;
}

static int read_model(struct ctx *c, const struct ynode *map, struct nn_model_spec *m)
{
	static const char *const keys[] = {"init", "layers", NULL};
	const struct ynode *v;

	if (want_mapping(c, map, "model") || check_keys(c, map, "in model", keys))
		return DL_ERR;
	if ((v = ynode_get(map, "init")) &&
	    read_init(c, v, "model.init", &m->init, &m->init_low, &m->init_high))
		return DL_ERR;
	if (!(v = ynode_get(map, "layers")))
		return missing(c, map, "layers", "model");
	return read_layers(c, v, m);
}

/* Which optimiser keys each type takes. */
static const char *const optim_params[][6] = {
	[NN_OPTIM_SGD] = {"lr", "momentum", "nesterov", NULL},
	[NN_OPTIM_ADAM] = {"lr", "beta1", "beta2", "epsilon", NULL},
	[NN_OPTIM_NADAM] = {"lr", "beta1", "beta2", "epsilon", NULL},
	[NN_OPTIM_RMSPROP] = {"lr", "rho", "momentum", "epsilon", NULL},
	[NN_OPTIM_ADAGRAD] = {"lr", "initial_accumulator", "epsilon", NULL},
};

static int read_optimizer(struct ctx *c, const struct ynode *n, struct nn_optim_cfg *o)
{
	static const char *const keys[] = {"type", "lr", "momentum", "nesterov", "beta1",
		"beta2", "epsilon", "rho", "initial_accumulator", NULL};
	const struct ynode *t;
	int k;

	if (n->type == YNODE_SCALAR) {
		if (get_enum(c, n, "train.optimizer", "optimizer", nn_optim_names, &k))
			return DL_ERR;
		memset(o, 0, sizeof *o);
		nn_optim_defaults(o, (enum nn_optim_type)k);
		return DL_OK;
	}
	if (n->type != YNODE_MAPPING)
		return type_error(c, n, "train.optimizer", "an optimizer name or a mapping");
	if (check_keys(c, n, "in train.optimizer", keys))
		return DL_ERR;
	/* without a type, the optimizer is the default one, as when the
	 * mapping is absent (so --set train.optimizer.lr works on any file) */
	k = NN_OPTIM_ADAM;
	if ((t = ynode_get(n, "type")) &&
	    get_enum(c, t, "train.optimizer.type", "optimizer", nn_optim_names, &k))
		return DL_ERR;
	memset(o, 0, sizeof *o);
	nn_optim_defaults(o, (enum nn_optim_type)k);
	for (int i = 0; i + 1 < n->n; i += 2) {
		const char *key = n->kids[i]->text;
		const struct ynode *v = n->kids[i + 1];
		char p[64];
		int rc;

		if (!strcmp(key, "type"))
			continue;
		if (!in_table(key, optim_params[k]))
			return fail(c, n->kids[i], "%s is not a parameter of %s", key, nn_optim_names[k]);
		snprintf(p, sizeof p, "train.optimizer.%s", key);
		if (!strcmp(key, "lr"))
			rc = get_float(c, v, p, R_POSITIVE, &o->lr);
		else if (!strcmp(key, "momentum"))
			rc = get_float(c, v, p, R_HALF01, &o->momentum);
		else if (!strcmp(key, "nesterov"))
			rc = get_bool(c, v, p, &o->nesterov);
		else if (!strcmp(key, "beta1"))
			rc = get_float(c, v, p, R_HALF01, &o->beta1);
		else if (!strcmp(key, "beta2"))
			rc = get_float(c, v, p, R_HALF01, &o->beta2);
		else if (!strcmp(key, "epsilon"))
			rc = get_float(c, v, p, R_POSITIVE, &o->epsilon);
		else if (!strcmp(key, "rho"))
			rc = get_float(c, v, p, R_HALF01, &o->rho);
		else
			rc = get_float(c, v, p, R_NONNEG, &o->initial_accumulator);
		if (rc)
			return DL_ERR;
	}
	return DL_OK;
}

/* Which schedule keys each type takes. */
static const char *const schedule_params[][8] = {
	[SCHEDULE_CONSTANT] = {NULL},
	[SCHEDULE_PIECEWISE_CONSTANT] = {"unit", "boundaries", "values", NULL},
	[SCHEDULE_EXPONENTIAL] = {"unit", "rate", "decay_steps", "staircase", NULL},
	[SCHEDULE_REDUCE_ON_PLATEAU] = {"monitor", "factor", "patience", "min_delta", "cooldown",
					"min_lr", NULL},
	[SCHEDULE_COSINE] = {"unit", "decay_steps", "alpha", NULL},
};

static int read_piecewise(struct ctx *c, const struct ynode *map, struct schedule_spec *s)
{
	const struct ynode *b = ynode_get(map, "boundaries"), *v = ynode_get(map, "values");

	if (!b)
		return missing(c, map, "boundaries", "train.schedule");
	if (!v)
		return missing(c, map, "values", "train.schedule");
	if (b->type != YNODE_SEQUENCE)
		return type_error(c, b, "train.schedule.boundaries", "a list of numbers");
	if (v->type != YNODE_SEQUENCE)
		return type_error(c, v, "train.schedule.values", "a list of numbers");
	if (b->n < 1 || b->n > SCHEDULE_MAX_PIECES)
		return fail(c, b, "train.schedule.boundaries: give 1 to %d boundaries, found %d",
			    SCHEDULE_MAX_PIECES, b->n);
	if (v->n != b->n + 1)
		return fail(c, v, "train.schedule.values: give one value more than boundaries "
			    "(%d), found %d", b->n + 1, v->n);
	for (int i = 0; i < b->n; i++) {
		char p[64];

		snprintf(p, sizeof p, "train.schedule.boundaries[%d]", i);
		if (get_double(c, b->kids[i], p, R_NONNEG, &s->boundaries[i]))
			return DL_ERR;
		if (i > 0 && !(s->boundaries[i] > s->boundaries[i - 1]))
			return fail(c, b->kids[i], "%s: boundaries must increase, found %s after %.17g",
				    p, b->kids[i]->text, s->boundaries[i - 1]);
	}
	for (int i = 0; i < v->n; i++) {
		char p[64];

		snprintf(p, sizeof p, "train.schedule.values[%d]", i);
		if (get_float(c, v->kids[i], p, R_POSITIVE, &s->values[i]))
			return DL_ERR;
	}
	s->n_boundaries = b->n;
	return DL_OK;
}

static int read_schedule(struct ctx *c, const struct ynode *n, struct schedule_spec *s)
{
	static const char *const keys[] = {"type", "unit", "boundaries", "values", "rate",
		"decay_steps", "staircase", "alpha", "monitor", "factor", "patience",
		"min_delta", "cooldown", "min_lr", NULL};
	const struct ynode *t;
	int k, e;

	if (n->type == YNODE_SCALAR) {
		if (get_enum(c, n, "train.schedule", "schedule", schedule_type_names, &k))
			return DL_ERR;
		if (k == SCHEDULE_PIECEWISE_CONSTANT)
			return fail(c, n, "train.schedule: piecewise_constant needs boundaries and "
				    "values: {type: piecewise_constant, boundaries: [...], values: [...]}");
		schedule_defaults(s, (enum schedule_type)k);
		return DL_OK;
	}
	if (n->type != YNODE_MAPPING)
		return type_error(c, n, "train.schedule", "a schedule name or a mapping");
	if (check_keys(c, n, "in train.schedule", keys))
		return DL_ERR;
	if (!(t = ynode_get(n, "type")))
		return missing(c, n, "type", "train.schedule");
	if (get_enum(c, t, "train.schedule.type", "schedule", schedule_type_names, &k))
		return DL_ERR;
	schedule_defaults(s, (enum schedule_type)k);
	for (int i = 0; i + 1 < n->n; i += 2) {
		const char *key = n->kids[i]->text;
		const struct ynode *v = n->kids[i + 1];
		char p[64];
		int rc = DL_OK;

		if (!strcmp(key, "type"))
			continue;
		if (!in_table(key, schedule_params[k]))
			return fail(c, n->kids[i], "%s is not a parameter of %s", key,
				    schedule_type_names[k]);
		snprintf(p, sizeof p, "train.schedule.%s", key);
		if (!strcmp(key, "unit")) {
			if ((rc = get_enum(c, v, p, "unit", schedule_unit_names, &e)) == DL_OK)
				s->unit = (enum schedule_unit)e;
		} else if (!strcmp(key, "rate")) {
			rc = get_float(c, v, p, R_POSITIVE, &s->rate);
		} else if (!strcmp(key, "decay_steps")) {
			rc = get_double(c, v, p, R_POSITIVE, &s->decay_steps);
		} else if (!strcmp(key, "staircase")) {
			rc = get_bool(c, v, p, &s->staircase);
		} else if (!strcmp(key, "alpha")) {
			rc = get_float(c, v, p, R_CLOSED01, &s->alpha);
		} else if (!strcmp(key, "monitor")) {
			if ((rc = get_enum(c, v, p, "monitor", monitor_names, &e)) == DL_OK)
				s->monitor = (enum monitor)e;
		} else if (!strcmp(key, "factor")) {
			rc = get_float(c, v, p, R_OPEN01, &s->factor);
		} else if (!strcmp(key, "patience")) {
			rc = get_int32(c, v, p, 0, 1000000, &s->patience);
		} else if (!strcmp(key, "min_delta")) {
			rc = get_float(c, v, p, R_NONNEG, &s->min_delta);
		} else if (!strcmp(key, "cooldown")) {
			rc = get_int32(c, v, p, 0, 1000000, &s->cooldown);
		} else if (!strcmp(key, "min_lr")) {
			rc = get_float(c, v, p, R_NONNEG, &s->min_lr);
		}
		if (rc)
			return DL_ERR;
	}
	if (k == SCHEDULE_PIECEWISE_CONSTANT)
		return read_piecewise(c, n, s);
	return DL_OK;
}

static int read_early_stop(struct ctx *c, const struct ynode *n, struct early_stop_spec *e)
{
	static const char *const keys[] = {"monitor", "patience", "min_delta", "restore_best",
		"target", NULL};
	const struct ynode *v;
	int k;

	if (ynode_is_null(n))
		return DL_OK;   /* disabled, as when absent */
	if (want_mapping(c, n, "train.early_stopping") ||
	    check_keys(c, n, "in train.early_stopping", keys))
		return DL_ERR;
	e->enabled = 1;
	if ((v = ynode_get(n, "monitor"))) {
		if (get_enum(c, v, "train.early_stopping.monitor", "monitor", monitor_names, &k))
			return DL_ERR;
		e->monitor = (enum monitor)k;
	}
	if ((v = ynode_get(n, "patience")) && !ynode_is_null(v) &&
	    get_int32(c, v, "train.early_stopping.patience", 0, 1000000, &e->patience))
		return DL_ERR;
	if ((v = ynode_get(n, "min_delta")) &&
	    get_float(c, v, "train.early_stopping.min_delta", R_NONNEG, &e->min_delta))
		return DL_ERR;
	if ((v = ynode_get(n, "restore_best")) &&
	    get_bool(c, v, "train.early_stopping.restore_best", &e->restore_best))
		return DL_ERR;
	if ((v = ynode_get(n, "target")) && !ynode_is_null(v)) {
		if (get_float(c, v, "train.early_stopping.target", R_ANY, &e->target))
			return DL_ERR;
		e->has_target = 1;
	}
	/* Keras's patience 0 (stop at the first epoch without improvement)
	 * unless a target is the reason to stop; patience: null says so */
	v = ynode_get(n, "patience");
	if (!v)
		e->patience = e->has_target ? -1 : 0;
	else if (ynode_is_null(v) && !e->has_target)
		return fail(c, v, "train.early_stopping: without patience or a target it would "
			    "never stop; give patience (epochs without improvement) or target");
	else if (ynode_is_null(v))
		e->patience = -1;
	return DL_OK;
}

/* The monitor's node, or the section's key when the monitor is the default. */
static const struct ynode *monitor_node(const struct ynode *section_key,
					const struct ynode *section)
{
	const struct ynode *m = section->type == YNODE_MAPPING ? ynode_get(section, "monitor")
							       : NULL;

	return m ? m : section_key;
}

/*
 * Early stopping and reduce_on_plateau that watch the validation set need
 * one: without it their monitor is never measured and they would do
 * nothing, silently, for the whole run.
 */
static int check_monitors(struct ctx *c, const struct ynode *root, const struct experiment *e)
{
	const struct train_spec *t = &e->train;
	const struct ynode *train = ynode_get(root, "train"), *n;
	const char *monitor;

	if (e->data.validation != DATA_VAL_NONE || !train || train->type != YNODE_MAPPING)
		return DL_OK;
	if (t->early_stopping.enabled && (t->early_stopping.monitor == MONITOR_VAL_LOSS ||
					  t->early_stopping.monitor == MONITOR_VAL_ACCURACY)) {
		monitor = monitor_name(t->early_stopping.monitor);
		n = monitor_node(key_node(train, "early_stopping"), ynode_get(train, "early_stopping"));
		return fail(c, n, "train.early_stopping: monitor %s needs a validation set: add "
			    "data.validation (a fraction such as 0.1, or test), or monitor loss",
			    monitor);
	}
	if (t->schedule.type == SCHEDULE_REDUCE_ON_PLATEAU &&
	    (t->schedule.monitor == MONITOR_VAL_LOSS || t->schedule.monitor == MONITOR_VAL_ACCURACY)) {
		monitor = monitor_name(t->schedule.monitor);
		n = monitor_node(key_node(train, "schedule"), ynode_get(train, "schedule"));
		return fail(c, n, "train.schedule: reduce_on_plateau's monitor %s needs a validation "
			    "set: add data.validation (a fraction such as 0.1, or test), or monitor "
			    "loss", monitor);
	}
	return DL_OK;
}

static int read_train(struct ctx *c, const struct ynode *map, struct train_spec *t)
{
	static const char *const keys[] = {"epochs", "batch_size", "shuffle", "inits", "loss",
		"regularization", "optimizer", "schedule", "early_stopping", "threads", NULL};
	static const char *const reg_keys[] = {"l1", "l2", NULL};
	const struct ynode *v, *x;
	int k;

	if (ynode_is_null(map))
		return DL_OK;
	if (want_mapping(c, map, "train") || check_keys(c, map, "in train", keys))
		return DL_ERR;
	if ((v = ynode_get(map, "epochs")) &&
	    get_int32(c, v, "train.epochs", 1, 1000000, &t->epochs))
		return DL_ERR;
	if ((v = ynode_get(map, "batch_size"))) {
		long long b;
		int overflow;

		if (v->type == YNODE_SCALAR && !strcmp(v->text, "full"))
			t->batch_size = 0;
		else if (!is_plain(v) || !scan_int(v->text, &b, &overflow))
			return type_error(c, v, "train.batch_size", "an integer or \"full\"");
		else if (get_int32(c, v, "train.batch_size", 1, INT_MAX, &t->batch_size))
			return DL_ERR;
	}
	if ((v = ynode_get(map, "shuffle")) && get_bool(c, v, "train.shuffle", &t->shuffle))
		return DL_ERR;
	if ((v = ynode_get(map, "inits")) && get_int32(c, v, "train.inits", 1, 100000, &t->inits))
		return DL_ERR;
	if ((v = ynode_get(map, "threads"))) {
		long long n;
		int overflow;

		if (v->type == YNODE_SCALAR && !strcmp(v->text, "auto"))
			t->threads = TRAIN_THREADS_AUTO;
		else if (!is_plain(v) || !scan_int(v->text, &n, &overflow))
			return type_error(c, v, "train.threads", "an integer or \"auto\"");
		else if (get_int32(c, v, "train.threads", 1, 256, &t->threads))
			return DL_ERR;
	}
	if ((v = ynode_get(map, "loss"))) {
		if (get_enum(c, v, "train.loss", "loss", nn_loss_names, &k))
			return DL_ERR;
		t->loss = (enum nn_loss)k;
	}
	if ((v = ynode_get(map, "regularization"))) {
		if (want_mapping(c, v, "train.regularization") ||
		    check_keys(c, v, "in train.regularization", reg_keys))
			return DL_ERR;
		if ((x = ynode_get(v, "l1")) &&
		    get_float(c, x, "train.regularization.l1", R_NONNEG, &t->l1))
			return DL_ERR;
		if ((x = ynode_get(v, "l2")) &&
		    get_float(c, x, "train.regularization.l2", R_NONNEG, &t->l2))
			return DL_ERR;
	}
	if ((v = ynode_get(map, "optimizer")) && read_optimizer(c, v, &t->optimizer))
		return DL_ERR;
	if ((v = ynode_get(map, "schedule")) && read_schedule(c, v, &t->schedule))
		return DL_ERR;
	if ((v = ynode_get(map, "early_stopping")) && read_early_stop(c, v, &t->early_stopping))
		return DL_ERR;
	return DL_OK;
}

/* "experiments/foo.yaml" -> "foo"; "-" -> "stdin". */
static void default_name(const char *display, char *out, size_t size)
{
	const char *base, *slash;
	size_t n;

	memset(out, 0, size);

	if (!display || !display[0]) {
		snprintf(out, size, "experiment");
		return;
	}
	if (!strcmp(display, "-") || !strcmp(display, "<stdin>")) {
		snprintf(out, size, "stdin");
		return;
	}
	slash = strrchr(display, '/');
	base = slash ? slash + 1 : display;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".yaml"))
		n -= 5;
	else if (n > 4 && !strcmp(base + n - 4, ".yml"))
		n -= 4;
	if (n >= size) {
		/* cut at a whole UTF-8 character */
		n = size - 1;
		while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, base, n);
	out[n] = '\0';
	if (!out[0])
		snprintf(out, size, "experiment");
}

static int read_augment(struct ctx *c, const struct ynode *n, struct augment_spec *a)
{
	static const char *const keys[] = {"rotation", "zoom", "shift", NULL};
	const struct ynode *v;

	if (ynode_is_null(n))
		return DL_OK;   /* off, as when absent */
	if (want_mapping(c, n, "augment") || check_keys(c, n, "in augment", keys))
		return DL_ERR;
	if ((v = ynode_get(n, "rotation"))) {
		if (get_float(c, v, "augment.rotation", R_NONNEG, &a->rotation))
			return DL_ERR;
		if (a->rotation > 180)
			return fail(c, v, "augment.rotation: must be between 0 and 180 degrees, found %s",
				    v->text);
	}
	if ((v = ynode_get(n, "zoom")) && get_float(c, v, "augment.zoom", R_HALF01, &a->zoom))
		return DL_ERR;
	if ((v = ynode_get(n, "shift")) && get_float(c, v, "augment.shift", R_CLOSED01, &a->shift))
		return DL_ERR;
	return DL_OK;
}

static int read_top(struct ctx *c, const struct ynode *root, struct experiment *e)
{
	/* sweep: is sweep.h's; a run's own experiment ignores it */
	static const char *const keys[] = {"name", "seed", "data", "augment", "model", "train",
		"sweep", NULL};
	const struct ynode *v;
	char why[128];

	if (check_keys(c, root, "at top level", keys))
		return DL_ERR;
	if ((v = ynode_get(root, "name"))) {
		if (get_string(c, v, "name", e->name, sizeof e->name))
			return DL_ERR;
		if (!e->name[0])
			return fail(c, v, "name: must not be empty");
		if (text_check_identifier(e->name, why, sizeof why))
			return fail(c, v, "name: %s", why);
	} else if (text_check_identifier(e->name, why, sizeof why)) {
		static const struct ynode top = {.line = 1, .col = 1, .origin = -1};

		return fail(c, &top, "the experiment is named after its file, whose name %s; "
			    "give it a name: key", why);
	}
	if ((v = ynode_get(root, "seed"))) {
		long long s;
		int overflow;

		/* the whole uint64 range: strtoull, but digits only */
		if (is_plain(v) && scan_int(v->text, &s, &overflow) && v->text[0] != '-' &&
		    v->text[0] != '+' && overflow) {
			errno = 0;
			e->seed = strtoull(v->text, NULL, 10);
			if (errno == ERANGE)
				return fail(c, v, "seed: must be between 0 and %llu, found %s",
					    (unsigned long long)UINT64_MAX, v->text);
		} else {
			if (get_int(c, v, "seed", 0, LLONG_MAX, &s))
				return DL_ERR;
			e->seed = (uint64_t)s;
		}
	}
	if ((v = ynode_get(root, "data")) && read_data(c, v, &e->data))
		return DL_ERR;
	if ((v = ynode_get(root, "augment")) && read_augment(c, v, &e->augment))
		return DL_ERR;
	if (!(v = ynode_get(root, "model")))
		return missing(c, root, "model", "");
	if (read_model(c, v, &e->model))
		return DL_ERR;
	if ((v = ynode_get(root, "train")) && read_train(c, v, &e->train))
		return DL_ERR;
	return check_monitors(c, root, e);
}

void schedule_defaults(struct schedule_spec *s, enum schedule_type type)
{
	memset(s, 0, sizeof *s);
	s->type = type;
	s->unit = SCHEDULE_STEPS;
	s->rate = 0.96f;
	s->decay_steps = 1000;
	s->monitor = MONITOR_VAL_LOSS;
	s->factor = 0.1f;
	s->patience = 10;
	s->min_delta = 1e-4f;
}

void early_stop_defaults(struct early_stop_spec *e)
{
	memset(e, 0, sizeof *e);
	e->monitor = MONITOR_VAL_LOSS;
}

void experiment_defaults(struct experiment *e)
{
	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "experiment");
	e->seed = 0;
	data_spec_defaults(&e->data);
	e->model.init = NN_INIT_GLOROT_UNIFORM;
	e->model.init_low = SPEC_UNIFORM_LOW;
	e->model.init_high = SPEC_UNIFORM_HIGH;
	e->train.epochs = 10;
	e->train.batch_size = 32;
	e->train.shuffle = 1;
	e->train.inits = 1;
	e->train.loss = NN_LOSS_CROSS_ENTROPY;
	nn_optim_defaults(&e->train.optimizer, NN_OPTIM_ADAM);
	schedule_defaults(&e->train.schedule, SCHEDULE_CONSTANT);
	early_stop_defaults(&e->train.early_stopping);
}

int experiment_parse(struct experiment *e, const char *text, size_t len,
		     const char *display_name, const char *const *overrides,
		     int n_overrides, struct dl_error *err)
{
	struct ctx c = {display_name ? display_name : "<input>", overrides, err};
	struct ynode *root = NULL;
	int rc;

	experiment_defaults(e);
	default_name(display_name, e->name, sizeof e->name);
	if (ytree_parse(&root, text, len, c.file, -1, err) != DL_OK)
		return DL_ERR;
	if (!root || ynode_is_null(root)) {
		ytree_free(root);
		return dl_error_at(err, c.file, 1, 1, "empty experiment file");
	}
	if (root->type != YNODE_MAPPING) {
		char buf[128];

		rc = fail(&c, root, "the document must be a mapping of keys (name, seed, data, augment, "
			  "model, train), found %s", describe(root, buf, sizeof buf));
		ytree_free(root);
		return rc;
	}
	for (int i = 0; i < n_overrides; i++) {
		if (ytree_apply_override(root, overrides[i], i, err) != DL_OK) {
			ytree_free(root);
			return DL_ERR;
		}
	}
	rc = read_top(&c, root, e);
	ytree_free(root);
	return rc;
}

int experiment_read_file(const char *path, char **text, size_t *text_len,
			 struct dl_error *err)
{
	int is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, got;
	int rc = DL_OK;

	*text = NULL;
	*text_len = 0;
	if (!f)
		return dl_error_at(err, path, 0, 0, "%s", strerror(errno));
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > (size_t)SPEC_MAX_FILE + 1)
				cap = (size_t)SPEC_MAX_FILE + 1;
			if (len == cap) {
				rc = dl_error_at(err, path, 0, 0, "file too large (more than 16 MiB)");
				goto out;
			}
			grown = realloc(buf, cap + 1);
			if (!grown) {
				rc = dl_error_at(err, path, 0, 0, "out of memory");
				goto out;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				rc = dl_error_at(err, path, 0, 0, "%s", strerror(errno ? errno : EIO));
				goto out;
			}
			break;
		}
	}
	if (len > (size_t)SPEC_MAX_FILE) {
		rc = dl_error_at(err, path, 0, 0, "file too large (more than 16 MiB)");
		goto out;
	}
out:
	if (!is_stdin)
		fclose(f);
	if (rc != DL_OK) {
		free(buf);
		return rc;
	}
	if (!buf && !(buf = malloc(1)))
		return dl_error_at(err, path, 0, 0, "out of memory");
	buf[len] = '\0';
	*text = buf;
	*text_len = len;
	return DL_OK;
}

int experiment_load(struct experiment *e, const char *path,
		    const char *const *overrides, int n_overrides,
		    struct dl_error *err)
{
	char *text;
	size_t len;
	int rc;

	if (experiment_read_file(path, &text, &len, err) != DL_OK)
		return DL_ERR;
	rc = experiment_parse(e, text, len, path, overrides, n_overrides, err);
	free(text);
	return rc;
}
