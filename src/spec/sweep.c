/* Reading `sweep:` and expanding it into concrete runs (sweep.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/sweep.h"
#include "spec/yaml_tree.h"
#include "util/rng.h"

const char *const sweep_metric_names[] = {
	[SWEEP_METRIC_VAL_ACCURACY] = "val_accuracy", [SWEEP_METRIC_TEST_ACCURACY] = "test_accuracy",
	[SWEEP_METRIC_VAL_LOSS] = "val_loss", [SWEEP_METRIC_LOSS] = "loss",
	[SWEEP_METRIC_PARAMS] = "params", [SWEEP_METRIC_SECONDS] = "seconds", NULL,
};

const char *const sweep_search_names[] = {
	[SWEEP_GRID] = "grid", [SWEEP_RANDOM] = "random", [SWEEP_TPE] = "tpe", NULL,
};

#define METRIC_LIST "val_accuracy, test_accuracy, val_loss, loss, params or seconds"
#define SWEEP_KEYS "grid, repeats, inits, keep, objective, subject_to, search, n, space or prune"

int sweep_metric_from_name(const char *name)
{
	for (int i = 0; sweep_metric_names[i]; i++)
		if (!strcmp(name, sweep_metric_names[i]))
			return i;
	return -1;
}

/* What the file's sweep says, before any point is made. The nodes belong
 * to the file's tree. */
struct reading {
	const char *path;
	struct sweep_plan *plan;
	int has_objective;
	const struct ynode *objective_node;     /* for a metric the data cannot give */
	const struct ynode *search_node, *n_node, *space_node, *prune_node, *repeats_node;
};

static int at(struct dl_error *err, const char *path, const struct ynode *n,
	      const char *what)
{
	return dl_error_at(err, path, n->line, n->col, "%s", what);
}

/* A whole number in [lo, hi] from a plain scalar. */
static int get_count(const char *path, const struct ynode *n, const char *name, int lo,
		     int hi, int *out, struct dl_error *err)
{
	char *end;
	long v;

	if (n->type != YNODE_SCALAR || n->quoted || !n->text[0])
		return dl_error_at(err, path, n->line, n->col, "%s: expected a whole number", name);
	v = strtol(n->text, &end, 10);
	if (*end || v < lo || v > hi)
		return dl_error_at(err, path, n->line, n->col,
				   "%s: must be between %d and %d, found %s", name, lo, hi, n->text);
	*out = (int)v;
	return DL_OK;
}

/* A number from a plain scalar. */
static int get_number(const char *path, const struct ynode *n, const char *name, double *out,
		      struct dl_error *err)
{
	char *end;

	if (n->type == YNODE_SCALAR && !n->quoted && n->text[0]) {
		*out = strtod(n->text, &end);
		if (!*end && isfinite(*out))
			return DL_OK;
	}
	return dl_error_at(err, path, n->line, n->col, "%s: expected a number", name);
}

/* ---- YAML values as override text ---- */

struct text {
	char *s;
	size_t len, cap;
	int oom;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->s, cap);

		if (!p) {
			t->oom = 1;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void puts_text(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_scalar(struct text *t, const struct ynode *n)
{
	if (!n->quoted) {
		puts_text(t, n->text);
		return;
	}
	put(t, "\"", 1);
	for (const char *p = n->text; *p; p++) {
		if (*p == '"' || *p == '\\')
			put(t, "\\", 1);
		if (*p == '\n')
			puts_text(t, "\\n");
		else
			put(t, p, 1);
	}
	put(t, "\"", 1);
}

/* A node as flow YAML, which --set's value parser reads back as the node. */
static void put_flow(struct text *t, const struct ynode *n)
{
	switch (n->type) {
	case YNODE_SCALAR:
		put_scalar(t, n);
		return;
	case YNODE_SEQUENCE:
		put(t, "[", 1);
		for (int i = 0; i < n->n; i++) {
			if (i)
				put(t, ", ", 2);
			put_flow(t, n->kids[i]);
		}
		put(t, "]", 1);
		return;
	case YNODE_MAPPING:
		put(t, "{", 1);
		for (int i = 0; i < n->n / 2; i++) {
			if (i)
				put(t, ", ", 2);
			put_scalar(t, n->kids[2 * i]);
			put(t, ": ", 2);
			put_flow(t, n->kids[2 * i + 1]);
		}
		put(t, "}", 1);
		return;
	}
}

/* ---- the dims ---- */

static void dim_free(struct sweep_dim *d)
{
	for (int i = 0; i < d->n_choices; i++) {
		free(d->values ? d->values[i] : NULL);
		free(d->labels ? d->labels[i] : NULL);
	}
	free(d->values);
	free(d->labels);
	free(d->lines);
	free(d->cols);
	memset(d, 0, sizeof *d);
}

/* A choice among the items of a sequence, or among the values of a
 * mapping named by its keys. A value that is not a scalar is shown as its
 * name, or as #1, #2, ... in a sequence. */
static int read_choices(const char *path, const char *name, const struct ynode *v,
			struct sweep_dim *d, struct dl_error *err)
{
	int named = v->type == YNODE_MAPPING, n = named ? v->n / 2 : v->n;

	if ((v->type != YNODE_SEQUENCE && !named) || n == 0)
		return dl_error_at(err, path, v->line, v->col, "%s: expected a list of values",
				   name);
	if (n > SWEEP_MAX_VALUES)
		return dl_error_at(err, path, v->line, v->col, "%s: at most %d values", name,
				   SWEEP_MAX_VALUES);
	d->dist = SWEEP_CHOICE;
	d->values = calloc((size_t)n, sizeof *d->values);
	d->labels = calloc((size_t)n, sizeof *d->labels);
	d->lines = calloc((size_t)n, sizeof *d->lines);
	d->cols = calloc((size_t)n, sizeof *d->cols);
	if (!d->values || !d->labels || !d->lines || !d->cols)
		return dl_error_set(err, "out of memory reading the sweep");
	for (int i = 0; i < n; i++) {
		const struct ynode *item = named ? v->kids[2 * i + 1] : v->kids[i];
		struct text t = {0};
		char label[32];

		d->n_choices = i + 1;
		put_flow(&t, item);
		if (named)
			snprintf(label, sizeof label, "%.31s", v->kids[2 * i]->text);
		else if (item->type != YNODE_SCALAR)
			snprintf(label, sizeof label, "#%d", i + 1);
		d->values[i] = t.s;
		d->labels[i] = strdup(named || item->type != YNODE_SCALAR ? label : item->text);
		d->lines[i] = item->line;
		d->cols[i] = item->col;
		if (t.oom || !t.s || !d->labels[i])
			return dl_error_set(err, "out of memory reading the sweep");
	}
	return DL_OK;
}

static int read_axes(struct reading *rd, const struct ynode *g, struct dl_error *err)
{
	struct sweep_space *sp = &rd->plan->space;
	char name[300];

	if (g->type != YNODE_MAPPING || g->n == 0)
		return at(err, rd->path, g, "sweep.grid: expected a mapping of --set keys to lists "
			  "of values, e.g. {\"train.optimizer.lr\": [1, 0.1]}");
	if (g->n / 2 > SWEEP_MAX_AXES)
		return dl_error_at(err, rd->path, g->line, g->col,
				   "sweep.grid: at most %d keys, found %d", SWEEP_MAX_AXES, g->n / 2);
	for (int i = 0; i < g->n / 2; i++) {
		const struct ynode *k = g->kids[2 * i], *v = g->kids[2 * i + 1];
		struct sweep_dim *d = &sp->dims[i];

		snprintf(name, sizeof name, "sweep.grid.%s", k->text);
		snprintf(d->key, sizeof d->key, "%s", k->text);
		d->line = v->line;
		d->col = v->col;
		sp->n_grid = sp->n = i + 1;
		if (read_choices(rd->path, name, v, d, err) != DL_OK)
			return DL_ERR;
	}
	return DL_OK;
}

/* One key of `space:`: {uniform: [lo, hi]}, {loguniform: [lo, hi]},
 * {int: [lo, hi]} or {choice: [...] or {name: value, ...}}. */
static int read_dim(const char *path, const struct ynode *k, const struct ynode *v,
		    struct sweep_dim *d, struct dl_error *err)
{
	static const char *const kinds[] = {"choice", "uniform", "loguniform", "int", NULL};
	const struct ynode *range;
	char name[300];
	int kind = 0;

	snprintf(name, sizeof name, "sweep.space.%s", k->text);
	snprintf(d->key, sizeof d->key, "%s", k->text);
	d->line = v->line;
	d->col = v->col;
	if (v->type == YNODE_MAPPING && v->n == 2)
		while (kinds[kind] && strcmp(kinds[kind], v->kids[0]->text))
			kind++;
	if (v->type != YNODE_MAPPING || v->n != 2 || !kinds[kind])
		return dl_error_at(err, path, v->line, v->col, "%s: expected one of {uniform: "
				   "[LOW, HIGH]}, {loguniform: [LOW, HIGH]}, {int: [LOW, HIGH]} or "
				   "{choice: [VALUE, ...]}", name);
	range = v->kids[1];
	if (kind == 0) {
		snprintf(name + strlen(name), sizeof name - strlen(name), ".choice");
		return read_choices(path, name, range, d, err);
	}
	d->dist = kind == 1 ? SWEEP_UNIFORM : kind == 2 ? SWEEP_LOGUNIFORM : SWEEP_INT;
	snprintf(name + strlen(name), sizeof name - strlen(name), ".%s", kinds[kind]);
	if (range->type != YNODE_SEQUENCE || range->n != 2)
		return dl_error_at(err, path, range->line, range->col,
				   "%s: expected [LOW, HIGH]", name);
	if (kind == 3) {
		int lo, hi;

		if (get_count(path, range->kids[0], name, -1000000000, 1000000000, &lo, err) ||
		    get_count(path, range->kids[1], name, -1000000000, 1000000000, &hi, err))
			return DL_ERR;
		d->lo = lo;
		d->hi = hi;
	} else if (get_number(path, range->kids[0], name, &d->lo, err) ||
		   get_number(path, range->kids[1], name, &d->hi, err)) {
		return DL_ERR;
	}
	if (!(d->lo < d->hi))
		return dl_error_at(err, path, range->line, range->col,
				   "%s: LOW must be below HIGH", name);
	if (kind == 2 && d->lo <= 0)
		return dl_error_at(err, path, range->line, range->col,
				   "%s: LOW must be above 0", name);
	return DL_OK;
}

static int read_space(struct reading *rd, const struct ynode *s, struct dl_error *err)
{
	struct sweep_space *sp = &rd->plan->space;

	if (s->type != YNODE_MAPPING || s->n == 0)
		return at(err, rd->path, s, "sweep.space: expected a mapping of --set keys to "
			  "distributions, e.g. {\"train.optimizer.lr\": {loguniform: [1.0e-4, 0.1]}}");
	if (s->n / 2 > SWEEP_MAX_AXES)
		return dl_error_at(err, rd->path, s->line, s->col,
				   "sweep.space: at most %d keys, found %d", SWEEP_MAX_AXES, s->n / 2);
	for (int i = 0; i < s->n / 2; i++) {
		struct sweep_dim *d = &sp->dims[sp->n];

		sp->n++;
		if (read_dim(rd->path, s->kids[2 * i], s->kids[2 * i + 1], d, err) != DL_OK)
			return DL_ERR;
		for (int j = 0; j < sp->n - 1; j++)
			if (!strcmp(sp->dims[j].key, d->key))
				return dl_error_at(err, rd->path, s->kids[2 * i]->line,
						   s->kids[2 * i]->col, "sweep.space.%s: the key is "
						   "in sweep.grid too", d->key);
	}
	return DL_OK;
}

/* objective: {maximize: METRIC} or {minimize: METRIC} */
static int read_objective(struct reading *rd, const struct ynode *o, struct dl_error *err)
{
	struct sweep_objective *obj = &rd->plan->objective;
	const struct ynode *k, *v;
	int m;

	if (o->type != YNODE_MAPPING || o->n != 2 || (strcmp(o->kids[0]->text, "maximize") &&
						       strcmp(o->kids[0]->text, "minimize")))
		return at(err, rd->path, o, "sweep.objective: expected {maximize: METRIC} or "
			  "{minimize: METRIC}, METRIC one of " METRIC_LIST);
	k = o->kids[0];
	v = o->kids[1];
	if (v->type != YNODE_SCALAR || (m = sweep_metric_from_name(v->text)) < 0)
		return dl_error_at(err, rd->path, v->line, v->col, "sweep.objective.%s: unknown "
				   "metric '%s' (expected " METRIC_LIST ")", k->text,
				   v->type == YNODE_SCALAR ? v->text : "");
	obj->metric = (enum sweep_metric)m;
	obj->maximize = !strcmp(k->text, "maximize");
	rd->has_objective = 1;
	rd->objective_node = v;
	return DL_OK;
}

/* subject_to: "METRIC >= NUMBER" or "METRIC <= NUMBER" */
static int read_constraint(struct reading *rd, const struct ynode *c, struct dl_error *err)
{
	static const char *const expected = "sweep.subject_to: expected \"METRIC >= NUMBER\" or "
		"\"METRIC <= NUMBER\", e.g. \"test_accuracy >= 0.97\"";
	struct sweep_objective *obj = &rd->plan->objective;
	char metric[32], op[3], *end;
	const char *p;
	int m, used = 0;
	double value;

	if (c->type != YNODE_SCALAR)
		return at(err, rd->path, c, expected);
	if (sscanf(c->text, " %31[a-z_] %2[<>=] %n", metric, op, &used) != 2 || !used ||
	    (strcmp(op, ">=") && strcmp(op, "<=")))
		return at(err, rd->path, c, expected);
	p = c->text + used;
	value = strtod(p, &end);
	while (*end == ' ')
		end++;
	if (end == p || *end || !isfinite(value))
		return at(err, rd->path, c, expected);
	if ((m = sweep_metric_from_name(metric)) < 0)
		return dl_error_at(err, rd->path, c->line, c->col, "sweep.subject_to: unknown "
				   "metric '%s' (expected " METRIC_LIST ")", metric);
	obj->has_constraint = 1;
	obj->constraint_metric = (enum sweep_metric)m;
	obj->at_least = op[0] == '>';
	obj->constraint_value = value;
	return DL_OK;
}

/* prune: asha, median, {asha: {min_epochs, reduction_factor}} or
 * {median: {warmup_epochs, min_runs}} */
static int read_prune(struct reading *rd, const struct ynode *p, struct dl_error *err)
{
	static const char *const expected = "sweep.prune: expected asha, median, {asha: "
		"{min_epochs: N, reduction_factor: N}} or {median: {warmup_epochs: N, min_runs: N}}";
	struct sweep_pruning *pr = &rd->plan->pruning;
	const struct ynode *kind = p, *opts = NULL;

	if (p->type == YNODE_MAPPING && p->n == 2) {
		kind = p->kids[0];
		opts = p->kids[1];
	}
	if (kind->type != YNODE_SCALAR || (strcmp(kind->text, "asha") &&
					   strcmp(kind->text, "median")))
		return at(err, rd->path, p, expected);
	pr->rule = strcmp(kind->text, "asha") ? SWEEP_PRUNE_MEDIAN : SWEEP_PRUNE_ASHA;
	if (!opts || ynode_is_null(opts))
		return DL_OK;
	if (opts->type != YNODE_MAPPING)
		return at(err, rd->path, opts, expected);
	for (int i = 0; i < opts->n / 2; i++) {
		const struct ynode *k = opts->kids[2 * i], *v = opts->kids[2 * i + 1];
		int asha = pr->rule == SWEEP_PRUNE_ASHA;
		char name[80];

		snprintf(name, sizeof name, "sweep.prune.%s.%s", kind->text, k->text);
		if (asha && !strcmp(k->text, "min_epochs")) {
			if (get_count(rd->path, v, name, 1, 1000000, &pr->min_epochs, err))
				return DL_ERR;
		} else if (asha && !strcmp(k->text, "reduction_factor")) {
			if (get_count(rd->path, v, name, 2, 100, &pr->reduction_factor, err))
				return DL_ERR;
		} else if (!asha && !strcmp(k->text, "warmup_epochs")) {
			if (get_count(rd->path, v, name, 0, 1000000, &pr->min_epochs, err))
				return DL_ERR;
		} else if (!asha && !strcmp(k->text, "min_runs")) {
			if (get_count(rd->path, v, name, 1, SWEEP_MAX_RUNS, &pr->min_runs, err))
				return DL_ERR;
		} else {
			return dl_error_at(err, rd->path, k->line, k->col, "unknown key '%s' in "
					   "sweep.prune.%s (expected %s)", k->text, kind->text,
					   asha ? "min_epochs or reduction_factor" :
					   "warmup_epochs or min_runs");
		}
	}
	return DL_OK;
}

static int read_sweep(struct reading *rd, const struct ynode *sw, struct dl_error *err)
{
	static const char *const keys[] = {"grid", "repeats", "inits", "keep", "objective",
					   "subject_to", "search", "n", "space", "prune"};
	struct sweep_plan *plan = rd->plan;
	const struct ynode *v;

	plan->repeats = 1;
	plan->pruning = (struct sweep_pruning){SWEEP_PRUNE_NONE, 1, 3, 5};
	if (sw->type != YNODE_MAPPING)
		return at(err, rd->path, sw, "sweep: expected a mapping with " SWEEP_KEYS);
	for (int i = 0; i < sw->n / 2; i++) {
		const struct ynode *k = sw->kids[2 * i];
		size_t j = 0;

		while (j < sizeof keys / sizeof keys[0] && strcmp(k->text, keys[j]))
			j++;
		if (j == sizeof keys / sizeof keys[0])
			return dl_error_at(err, rd->path, k->line, k->col, "unknown key '%s' in sweep "
					   "(expected " SWEEP_KEYS ")", k->text);
	}
	if ((v = ynode_get(sw, "search"))) {
		int k = 0;

		while (sweep_search_names[k] && (v->type != YNODE_SCALAR ||
						 strcmp(v->text, sweep_search_names[k])))
			k++;
		if (!sweep_search_names[k])
			return at(err, rd->path, v, "sweep.search: expected grid, random or tpe");
		plan->search = (enum sweep_search)k;
	}
	if ((v = ynode_get(sw, "grid")) && read_axes(rd, v, err) != DL_OK)
		return DL_ERR;
	if ((rd->space_node = ynode_get(sw, "space")) && read_space(rd, rd->space_node, err))
		return DL_ERR;
	if ((rd->n_node = ynode_get(sw, "n")) &&
	    get_count(rd->path, rd->n_node, "sweep.n", 1, SWEEP_MAX_RUNS, &plan->n_points, err))
		return DL_ERR;
	if ((rd->repeats_node = ynode_get(sw, "repeats")) &&
	    get_count(rd->path, rd->repeats_node, "sweep.repeats", 1, SWEEP_MAX_RUNS,
		      &plan->repeats, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "inits")) &&
	    get_count(rd->path, v, "sweep.inits", 1, 100000, &plan->inits, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "keep")) &&
	    (v->type != YNODE_SCALAR || strcmp(v->text, "best_initial")))
		return at(err, rd->path, v, "sweep.keep: expected best_initial (train the "
			  "candidate of lowest initial loss)");
	if ((v = ynode_get(sw, "objective")) && read_objective(rd, v, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "subject_to")) && read_constraint(rd, v, err) != DL_OK)
		return DL_ERR;
	if ((rd->prune_node = ynode_get(sw, "prune")) && read_prune(rd, rd->prune_node, err))
		return DL_ERR;
	rd->search_node = ynode_get(sw, "search");
	return DL_OK;
}

/* What only makes sense together. */
static int check_search(struct reading *rd, const struct ynode *sw, struct dl_error *err)
{
	struct sweep_plan *plan = rd->plan;
	int searched = plan->search != SWEEP_GRID;

	if (!searched && rd->space_node)
		return at(err, rd->path, rd->space_node, "sweep.space: only with search: random "
			  "or tpe (a grid lists its values in sweep.grid)");
	if (!searched && rd->n_node)
		return at(err, rd->path, rd->n_node, "sweep.n: only with search: random or tpe "
			  "(a grid has a run per point)");
	if (searched && !rd->n_node)
		return at(err, rd->path, rd->search_node, "sweep.n: how many points to draw? "
			  "(search: random and tpe need n)");
	if (searched && plan->space.n == 0)
		return at(err, rd->path, rd->search_node, "sweep.space: what to search? (search: "
			  "random and tpe draw from sweep.space, or from sweep.grid's values)");
	if (plan->search == SWEEP_TPE && plan->repeats > 1)
		return at(err, rd->path, rd->repeats_node, "sweep.repeats: tpe proposes one run "
			  "at a time; repeats are for grid and random");
	(void)sw;
	return DL_OK;
}

/* The metric pruning compares runs by, measured every epoch. */
static int check_pruning(struct reading *rd, const struct experiment *base,
			 struct dl_error *err)
{
	const struct sweep_objective *o = &rd->plan->objective;
	enum sweep_metric m = o->metric;

	if (rd->plan->pruning.rule == SWEEP_PRUNE_NONE)
		return DL_OK;
	if ((m == SWEEP_METRIC_PARAMS || m == SWEEP_METRIC_SECONDS) && o->has_constraint)
		m = o->constraint_metric;
	if (m == SWEEP_METRIC_PARAMS || m == SWEEP_METRIC_SECONDS)
		return at(err, rd->path, rd->prune_node, "sweep.prune: the objective is not "
			  "measured while a run trains, so weak runs cannot be told early: prune "
			  "with an objective or subject_to of accuracy or loss");
	if (base->train.epochs < 2)
		return at(err, rd->path, rd->prune_node, "sweep.prune: a run of one epoch "
			  "cannot be stopped early");
	return DL_OK;
}

void sweep_default_objective(const struct experiment *e, struct sweep_objective *o)
{
	memset(o, 0, sizeof *o);
	o->metric = e->data.validation != DATA_VAL_NONE ? SWEEP_METRIC_VAL_ACCURACY
							: SWEEP_METRIC_TEST_ACCURACY;
	o->maximize = 1;
}

/* The default objective, and a validation metric refused without a
 * validation set (the runs would have nothing to measure it by). */
static int settle_objective(struct reading *rd, const struct experiment *base,
			    struct dl_error *err)
{
	struct sweep_objective *o = &rd->plan->objective;
	int has_val = base->data.validation != DATA_VAL_NONE;

	if (!rd->has_objective) {
		struct sweep_objective c = *o;  /* a constraint may come alone */

		sweep_default_objective(base, o);
		o->has_constraint = c.has_constraint;
		o->constraint_metric = c.constraint_metric;
		o->at_least = c.at_least;
		o->constraint_value = c.constraint_value;
		return DL_OK;
	}
	if (!has_val && (o->metric == SWEEP_METRIC_VAL_ACCURACY ||
			 o->metric == SWEEP_METRIC_VAL_LOSS))
		return at(err, rd->path, rd->objective_node, "sweep.objective: a validation "
			  "metric needs a validation set: add data.validation (a fraction such "
			  "as 0.1, or test), or use test_accuracy");
	return DL_OK;
}

/* ---- points ---- */

void sweep_format_values(const double *x, int n, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%.17g", i ? " " : "", x[i]);
}

int sweep_parse_values(const char *text, double *x, int max)
{
	int n = 0;
	char *end;

	while (text && n < max) {
		double v = strtod(text, &end);

		if (end == text)
			break;
		x[n++] = v;
		text = end;
	}
	return n;
}

uint64_t sweep_point_seed(uint64_t seed, int k)
{
	/* splitmix64's constants: nearby seeds and points give unrelated streams */
	return (seed ^ 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL + (uint64_t)k * 0x94d049bb133111ebULL;
}

void sweep_draw(const struct sweep_space *sp, int from, struct rng *r, double *x)
{
	for (int i = from; i < sp->n; i++) {
		const struct sweep_dim *d = &sp->dims[i];
		double u = rng_uniform_double(r);

		switch (d->dist) {
		case SWEEP_CHOICE: x[i] = rng_below(r, (uint32_t)d->n_choices); break;
		case SWEEP_UNIFORM: x[i] = d->lo + u * (d->hi - d->lo); break;
		case SWEEP_LOGUNIFORM: x[i] = exp(log(d->lo) + u * (log(d->hi) - log(d->lo))); break;
		case SWEEP_INT: x[i] = d->lo + rng_below(r, (uint32_t)(d->hi - d->lo + 1)); break;
		}
	}
}

/* The last part of a --set path, for a point's label: "units" for
 * model.layers[0].dense.units. */
static const char *short_key(const char *key)
{
	const char *dot = strrchr(key, '.');

	return dot ? dot + 1 : key;
}

/* Dimension d at coordinate v: its override value and its label. */
static void dim_value(const struct sweep_dim *d, double v, char *value, size_t vsize,
		      char *label, size_t lsize)
{
	int k = (int)v;

	switch (d->dist) {
	case SWEEP_CHOICE:
		if (k < 0)
			k = 0;
		if (k >= d->n_choices)
			k = d->n_choices - 1;
		snprintf(value, vsize, "%s", d->values[k]);
		snprintf(label, lsize, "%s", d->labels[k]);
		return;
	case SWEEP_INT:
		snprintf(value, vsize, "%.0f", v);
		snprintf(label, lsize, "%.0f", v);
		return;
	case SWEEP_UNIFORM:
	case SWEEP_LOGUNIFORM:
		snprintf(value, vsize, "%.9g", v);
		snprintf(label, lsize, "%.3g", v);
		return;
	}
}

/* An error in a point's override is moved to the sweep value that caused
 * it: a grid value or choice where it is written, a drawn value to its key. */
static void locate(struct dl_error *err, const struct sweep_plan *plan, const double *x,
		   char *const *sets)
{
	for (int a = 0; a < plan->space.n; a++) {
		const struct sweep_dim *d = &plan->space.dims[a];
		char name[SWEEP_VALUES_SIZE + 4200];

		/* err->file holds as much of the override as fits */
		snprintf(name, sizeof name, "--set %s", sets[a]);
		if (strncmp(err->file, name, sizeof err->file - 1))
			continue;
		snprintf(err->file, sizeof err->file, "%.*s", (int)sizeof err->file - 1, plan->path);
		err->line = d->dist == SWEEP_CHOICE ? d->lines[(int)x[a]] : d->line;
		err->col = d->dist == SWEEP_CHOICE ? d->cols[(int)x[a]] : d->col;
		return;
	}
}

int sweep_plan_point(const struct sweep_plan *plan, const double *x, int repeat,
		     struct sweep_run *r, struct dl_error *err)
{
	const struct sweep_space *sp = &plan->space;
	char *sets[SWEEP_MAX_DIMS + 2] = {0};
	const char *all[SWEEP_MAX_OVERRIDES];
	int n = 0, used = 0, rc = DL_ERR;

	memset(r, 0, sizeof *r);
	for (int i = 0; i < plan->n_sets && n < SWEEP_MAX_OVERRIDES; i++)
		all[n++] = plan->sets[i];
	for (int a = 0; a < sp->n; a++) {
		const struct sweep_dim *d = &sp->dims[a];
		size_t vsize = d->dist == SWEEP_CHOICE ? strlen(d->values[(int)x[a]]) + 32 : 64;
		char *value = malloc(vsize), label[64];

		if (!value || !(sets[a] = malloc(strlen(d->key) + vsize + 2))) {
			free(value);
			dl_error_set(err, "out of memory making a sweep point");
			goto out;
		}
		dim_value(d, x[a], value, vsize, label, sizeof label);
		sprintf(sets[a], "%s=%s", d->key, value);
		free(value);
		used += snprintf(r->point + used, sizeof r->point - (size_t)used, "%s%s=%s",
				 a ? " " : "", short_key(d->key), label);
		if (used >= (int)sizeof r->point)
			used = (int)sizeof r->point - 1;
		all[n++] = sets[a];
	}
	if (!(sets[sp->n] = malloc(64)) || !(sets[sp->n + 1] = malloc(64))) {
		dl_error_set(err, "out of memory making a sweep point");
		goto out;
	}
	snprintf(sets[sp->n], 64, "seed=%llu", (unsigned long long)(plan->seed + (uint64_t)repeat));
	all[n++] = sets[sp->n];
	if (plan->inits) {
		snprintf(sets[sp->n + 1], 64, "train.inits=%d", plan->inits);
		all[n++] = sets[sp->n + 1];
	}
	r->repeat = repeat;
	sweep_format_values(x, sp->n, r->values, sizeof r->values);
	if (experiment_parse(&r->exp, plan->text, plan->len, plan->path, all, n, err) != DL_OK) {
		locate(err, plan, x, sets);
		goto out;
	}
	rc = DL_OK;
out:
	for (int i = 0; i < sp->n + 2; i++)
		free(sets[i]);
	return rc;
}

/* ---- the plan ---- */

/* Grid point p's coordinates (the first key varies slowest). */
static void grid_point(const struct sweep_space *sp, long p, double *x)
{
	for (int a = sp->n_grid - 1; a >= 0; a--) {
		x[a] = (double)(p % sp->dims[a].n_choices);
		p /= sp->dims[a].n_choices;
	}
}

static int expand(struct sweep_plan *plan, struct dl_error *err)
{
	const struct sweep_space *sp = &plan->space;
	long grid = 1, draws, runs;
	double x[SWEEP_MAX_DIMS] = {0};

	for (int a = 0; a < sp->n_grid; a++)
		grid *= sp->dims[a].n_choices;
	draws = plan->search == SWEEP_RANDOM ? plan->n_points : 1;
	runs = plan->search == SWEEP_TPE ? plan->n_points : grid * draws * plan->repeats;
	if (runs > SWEEP_MAX_RUNS)
		return dl_error_at(err, plan->path, 0, 0, "the sweep makes %ld runs; at most %d",
				   runs, SWEEP_MAX_RUNS);
	plan->planned = (int)runs;
	if (plan->search == SWEEP_TPE) {
		struct rng r;

		/* the first point; the rest come from the runs' results */
		plan->growing = 1;
		rng_seed(&r, sweep_point_seed(plan->seed, 0));
		sweep_draw(sp, 0, &r, x);
		if (!(plan->runs = calloc(1, sizeof *plan->runs)))
			return dl_error_set(err, "out of memory for the sweep's runs");
		plan->n = 1;
		return sweep_plan_point(plan, x, 0, &plan->runs[0], err);
	}
	plan->runs = calloc((size_t)runs, sizeof *plan->runs);
	if (!plan->runs)
		return dl_error_at(err, plan->path, 0, 0, "out of memory for the sweep's runs");
	for (long k = 0; k < draws; k++) {
		struct rng r;

		rng_seed(&r, sweep_point_seed(plan->seed, (int)k));
		sweep_draw(sp, sp->n_grid, &r, x);
		for (long p = 0; p < grid; p++) {
			grid_point(sp, p, x);
			for (int rep = 0; rep < plan->repeats; rep++)
				if (sweep_plan_point(plan, x, rep, &plan->runs[plan->n++], err) != DL_OK)
					return DL_ERR;
		}
	}
	return DL_OK;
}

/* Keep what a point is made from: the text and the caller's overrides. */
static int keep_source(struct sweep_plan *plan, const char *text, size_t len,
		       const char *path, const char *const *overrides, int n_overrides,
		       struct dl_error *err)
{
	snprintf(plan->path, sizeof plan->path, "%s", path);
	plan->text = malloc(len + 1);
	plan->sets = calloc((size_t)n_overrides + 1, sizeof *plan->sets);
	if (!plan->text || !plan->sets)
		return dl_error_set(err, "out of memory reading the sweep");
	memcpy(plan->text, text, len);
	plan->text[len] = '\0';
	plan->len = len;
	for (int i = 0; i < n_overrides; i++) {
		if (!(plan->sets[i] = strdup(overrides[i])))
			return dl_error_set(err, "out of memory reading the sweep");
		plan->n_sets = i + 1;
	}
	return DL_OK;
}

int sweep_plan_load_text(struct sweep_plan *plan, const char *text, size_t len,
			 const char *path, const char *const *overrides, int n_overrides,
			 struct dl_error *err)
{
	struct experiment base;
	struct ynode *root = NULL;
	const struct ynode *sw;
	struct reading rd = {.path = path, .plan = plan};
	int rc = DL_ERR;

	memset(plan, 0, sizeof *plan);
	if (n_overrides > SWEEP_MAX_OVERRIDES - SWEEP_MAX_DIMS - 2)
		return dl_error_set(err, "too many --set options with a sweep");
	/* the experiment as written, which also proves the YAML well formed */
	if (experiment_parse(&base, text, len, path, overrides, n_overrides, err) != DL_OK ||
	    ytree_parse(&root, text, len, path, -1, err) != DL_OK ||
	    keep_source(plan, text, len, path, overrides, n_overrides, err) != DL_OK)
		goto out;
	plan->seed = base.seed;
	sw = root ? ynode_get(root, "sweep") : NULL;
	if (!sw || ynode_is_null(sw)) {
		plan->runs = calloc(1, sizeof *plan->runs);
		if (!plan->runs) {
			dl_error_set(err, "out of memory");
			goto out;
		}
		plan->runs[0].exp = base;
		plan->n = plan->planned = 1;
		sweep_default_objective(&base, &plan->objective);
		rc = DL_OK;
		goto out;
	}
	plan->has_sweep = 1;
	if (read_sweep(&rd, sw, err) != DL_OK || check_search(&rd, sw, err) != DL_OK ||
	    settle_objective(&rd, &base, err) != DL_OK || check_pruning(&rd, &base, err) != DL_OK)
		goto out;
	rc = expand(plan, err);
out:
	if (rc != DL_OK)
		sweep_plan_free(plan);
	ytree_free(root);
	return rc;
}

int sweep_plan_load(struct sweep_plan *plan, const char *path,
		    const char *const *overrides, int n_overrides, struct dl_error *err)
{
	char *text;
	size_t len;
	int rc;

	memset(plan, 0, sizeof *plan);
	if (experiment_read_file(path, &text, &len, err) != DL_OK)
		return DL_ERR;
	rc = sweep_plan_load_text(plan, text, len, path, overrides, n_overrides, err);
	free(text);
	return rc;
}

void sweep_plan_free(struct sweep_plan *plan)
{
	for (int i = 0; i < plan->space.n; i++)
		dim_free(&plan->space.dims[i]);
	for (int i = 0; i < plan->n_sets; i++)
		free(plan->sets[i]);
	free(plan->sets);
	free(plan->text);
	free(plan->runs);
	memset(plan, 0, sizeof *plan);
}
