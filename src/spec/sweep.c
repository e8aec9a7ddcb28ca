/* Expanding `sweep:` into concrete runs (sweep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/sweep.h"
#include "spec/yaml_tree.h"

/* The grid as read from the file: each axis a key and its value nodes. */
struct grid {
	int n_axes;
	const char *keys[SWEEP_MAX_AXES];
	const struct ynode *values[SWEEP_MAX_AXES]; /* sequences of scalars */
	int repeats, inits;
	struct sweep_objective objective;
	int has_objective;
	const struct ynode *objective_node; /* for a metric the data cannot give */
};

const char *const sweep_metric_names[] = {
	[SWEEP_METRIC_VAL_ACCURACY] = "val_accuracy", [SWEEP_METRIC_TEST_ACCURACY] = "test_accuracy",
	[SWEEP_METRIC_VAL_LOSS] = "val_loss", [SWEEP_METRIC_LOSS] = "loss",
	[SWEEP_METRIC_PARAMS] = "params", [SWEEP_METRIC_SECONDS] = "seconds", NULL,
};

#define METRIC_LIST "val_accuracy, test_accuracy, val_loss, loss, params or seconds"

int sweep_metric_from_name(const char *name)
{
	for (int i = 0; sweep_metric_names[i]; i++)
		if (!strcmp(name, sweep_metric_names[i]))
			return i;
	return -1;
}

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

static int read_axes(const char *path, const struct ynode *g, struct grid *grid,
		     struct dl_error *err)
{
	if (g->type != YNODE_MAPPING || g->n == 0)
		return at(err, path, g, "sweep.grid: expected a mapping of --set keys to lists "
			  "of values, e.g. {\"train.optimizer.lr\": [1, 0.1]}");
	if (g->n / 2 > SWEEP_MAX_AXES)
		return dl_error_at(err, path, g->line, g->col,
				   "sweep.grid: at most %d keys, found %d", SWEEP_MAX_AXES, g->n / 2);
	for (int i = 0; i < g->n / 2; i++) {
		const struct ynode *k = g->kids[2 * i], *v = g->kids[2 * i + 1];

		if (v->type != YNODE_SEQUENCE || v->n == 0)
			return dl_error_at(err, path, v->line, v->col,
					   "sweep.grid.%s: expected a list of values", k->text);
		if (v->n > SWEEP_MAX_VALUES)
			return dl_error_at(err, path, v->line, v->col,
					   "sweep.grid.%s: at most %d values", k->text,
					   SWEEP_MAX_VALUES);
		for (int j = 0; j < v->n; j++)
			if (v->kids[j]->type != YNODE_SCALAR)
				return at(err, path, v->kids[j], "sweep.grid: values must be "
					  "scalars (numbers, words, true/false)");
		grid->keys[i] = k->text;
		grid->values[i] = v;
	}
	grid->n_axes = g->n / 2;
	return DL_OK;
}

/* objective: {maximize: METRIC} or {minimize: METRIC} */
static int read_objective(const char *path, const struct ynode *o, struct grid *grid,
			  struct dl_error *err)
{
	const struct ynode *k, *v;
	int m;

	if (o->type != YNODE_MAPPING || o->n != 2 || (strcmp(o->kids[0]->text, "maximize") &&
						       strcmp(o->kids[0]->text, "minimize")))
		return at(err, path, o, "sweep.objective: expected {maximize: METRIC} or "
			  "{minimize: METRIC}, METRIC one of " METRIC_LIST);
	k = o->kids[0];
	v = o->kids[1];
	if (v->type != YNODE_SCALAR || (m = sweep_metric_from_name(v->text)) < 0)
		return dl_error_at(err, path, v->line, v->col, "sweep.objective.%s: unknown metric "
				   "'%s' (expected " METRIC_LIST ")", k->text,
				   v->type == YNODE_SCALAR ? v->text : "");
	grid->objective.metric = (enum sweep_metric)m;
	grid->objective.maximize = !strcmp(k->text, "maximize");
	grid->has_objective = 1;
	grid->objective_node = v;
	return DL_OK;
}

/* subject_to: "METRIC >= NUMBER" or "METRIC <= NUMBER" */
static int read_constraint(const char *path, const struct ynode *c, struct grid *grid,
			   struct dl_error *err)
{
	static const char *const expected = "sweep.subject_to: expected \"METRIC >= NUMBER\" or "
		"\"METRIC <= NUMBER\", e.g. \"test_accuracy >= 0.97\"";
	char metric[32], op[3], *end;
	const char *p;
	int m, used = 0;
	double value;

	if (c->type != YNODE_SCALAR)
		return at(err, path, c, expected);
	if (sscanf(c->text, " %31[a-z_] %2[<>=] %n", metric, op, &used) != 2 || !used ||
	    (strcmp(op, ">=") && strcmp(op, "<=")))
		return at(err, path, c, expected);
	p = c->text + used;
	value = strtod(p, &end);
	while (*end == ' ')
		end++;
	if (end == p || *end)
		return at(err, path, c, expected);
	if ((m = sweep_metric_from_name(metric)) < 0)
		return dl_error_at(err, path, c->line, c->col, "sweep.subject_to: unknown metric "
				   "'%s' (expected " METRIC_LIST ")", metric);
	grid->objective.has_constraint = 1;
	grid->objective.constraint_metric = (enum sweep_metric)m;
	grid->objective.at_least = op[0] == '>';
	grid->objective.constraint_value = value;
	return DL_OK;
}

static int read_grid(const char *path, const struct ynode *sw, struct grid *grid,
		     struct dl_error *err)
{
	static const char *const keys[] = {"grid", "repeats", "inits", "keep", "objective",
					   "subject_to"};
	const struct ynode *v;

	memset(grid, 0, sizeof *grid);
	grid->repeats = 1;
	if (sw->type != YNODE_MAPPING)
		return at(err, path, sw, "sweep: expected a mapping with grid, repeats, inits, keep, "
			  "objective, subject_to");
	for (int i = 0; i < sw->n / 2; i++) {
		const struct ynode *k = sw->kids[2 * i];
		size_t j = 0;

		while (j < sizeof keys / sizeof keys[0] && strcmp(k->text, keys[j]))
			j++;
		if (j == sizeof keys / sizeof keys[0])
			return dl_error_at(err, path, k->line, k->col, "unknown key '%s' in sweep "
					   "(expected grid, repeats, inits, keep, objective or "
					   "subject_to)", k->text);
	}
	if ((v = ynode_get(sw, "grid")) && read_axes(path, v, grid, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "repeats")) &&
	    get_count(path, v, "sweep.repeats", 1, SWEEP_MAX_RUNS, &grid->repeats, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "inits")) &&
	    get_count(path, v, "sweep.inits", 1, 100000, &grid->inits, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "keep")) &&
	    (v->type != YNODE_SCALAR || strcmp(v->text, "best_initial")))
		return at(err, path, v, "sweep.keep: expected best_initial (train the candidate "
			  "of lowest initial loss)");
	if ((v = ynode_get(sw, "objective")) && read_objective(path, v, grid, err) != DL_OK)
		return DL_ERR;
	if ((v = ynode_get(sw, "subject_to")) && read_constraint(path, v, grid, err) != DL_OK)
		return DL_ERR;
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
static int settle_objective(const char *path, const struct experiment *base, struct grid *g,
			    struct dl_error *err)
{
	struct sweep_objective *o = &g->objective;
	int has_val = base->data.validation != DATA_VAL_NONE;

	if (!g->has_objective) {
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
		return at(err, path, g->objective_node, "sweep.objective: a validation metric needs a validation set: add "
			  "data.validation (a fraction such as 0.1, or test), or use test_accuracy");
	return DL_OK;
}


/* The last part of a --set path, for a point's label: "units" for
 * model.layers[0].dense.units. */
static const char *short_key(const char *key)
{
	const char *dot = strrchr(key, '.');

	return dot ? dot + 1 : key;
}

/* An error in a point's override is moved to the grid value that caused it. */
static void locate(struct dl_error *err, const char *path, const struct grid *g,
		   const int *pick, char sets[][512], int first_point_set)
{
	for (int a = 0; a < g->n_axes; a++) {
		const struct ynode *v = g->values[a]->kids[pick[a]];
		char name[600];

		snprintf(name, sizeof name, "--set %s", sets[first_point_set + a]);
		if (!strcmp(err->file, name)) {
			snprintf(err->file, sizeof err->file, "%s", path);
			err->line = v->line;
			err->col = v->col;
			return;
		}
	}
}

struct expansion {
	const char *path, *text;
	size_t len;
	const char *const *user;        /* the caller's overrides */
	int n_user;
	const struct grid *grid;
	uint64_t seed;                  /* the file's seed (with the caller's overrides) */
};

/* Parse run `r` of the plan: point `pick`, repeat `rep`. */
static int expand_one(const struct expansion *x, const int *pick, int rep,
		      struct sweep_run *r, struct dl_error *err)
{
	const struct grid *g = x->grid;
	char sets[SWEEP_MAX_AXES + 2][512];
	const char *all[SWEEP_MAX_OVERRIDES];
	int n = 0, used = 0;

	for (int i = 0; i < x->n_user && n < SWEEP_MAX_OVERRIDES; i++)
		all[n++] = x->user[i];
	for (int a = 0; a < g->n_axes; a++) {
		const char *value = g->values[a]->kids[pick[a]]->text;

		snprintf(sets[a], sizeof sets[a], "%s=%s", g->keys[a], value);
		used += snprintf(r->point + used, sizeof r->point - (size_t)used, "%s%s=%s",
				 a ? " " : "", short_key(g->keys[a]), value);
		if (used >= (int)sizeof r->point)
			used = (int)sizeof r->point - 1;
		all[n++] = sets[a];
	}
	snprintf(sets[g->n_axes], sizeof sets[0], "seed=%llu",
		 (unsigned long long)(x->seed + (uint64_t)rep));
	all[n++] = sets[g->n_axes];
	if (g->inits) {
		snprintf(sets[g->n_axes + 1], sizeof sets[0], "train.inits=%d", g->inits);
		all[n++] = sets[g->n_axes + 1];
	}
	r->repeat = rep;
	if (experiment_parse(&r->exp, x->text, x->len, x->path, all, n, err) != DL_OK) {
		locate(err, x->path, g, pick, sets, 0);
		return DL_ERR;
	}
	return DL_OK;
}

static int expand(struct sweep_plan *plan, const struct expansion *x, struct dl_error *err)
{
	const struct grid *g = x->grid;
	long points = 1;
	int pick[SWEEP_MAX_AXES] = {0};

	for (int a = 0; a < g->n_axes; a++)
		points *= g->values[a]->n;
	if (points * g->repeats > SWEEP_MAX_RUNS)
		return dl_error_at(err, x->path, 0, 0, "the sweep makes %ld runs; at most %d",
				   points * g->repeats, SWEEP_MAX_RUNS);
	plan->runs = calloc((size_t)(points * g->repeats), sizeof *plan->runs);
	if (!plan->runs)
		return dl_error_at(err, x->path, 0, 0, "out of memory for the sweep's runs");
	for (long p = 0; p < points; p++) {
		long rest = p;

		/* the first key varies slowest */
		for (int a = g->n_axes - 1; a >= 0; a--) {
			pick[a] = (int)(rest % g->values[a]->n);
			rest /= g->values[a]->n;
		}
		for (int rep = 0; rep < g->repeats; rep++)
			if (expand_one(x, pick, rep, &plan->runs[plan->n++], err) != DL_OK)
				return DL_ERR;
	}
	return DL_OK;
}

int sweep_plan_load(struct sweep_plan *plan, const char *path,
		    const char *const *overrides, int n_overrides, struct dl_error *err)
{
	struct experiment base;
	struct ynode *root = NULL;
	const struct ynode *sw;
	struct grid grid;
	struct expansion x;
	char *text;
	size_t len;
	int rc = DL_ERR;

	memset(plan, 0, sizeof *plan);
	if (n_overrides > SWEEP_MAX_OVERRIDES - SWEEP_MAX_AXES - 2)
		return dl_error_set(err, "too many --set options with a sweep");
	if (experiment_read_file(path, &text, &len, err) != DL_OK)
		return DL_ERR;
	/* the experiment as written, which also proves the YAML well formed */
	if (experiment_parse(&base, text, len, path, overrides, n_overrides, err) != DL_OK ||
	    ytree_parse(&root, text, len, path, -1, err) != DL_OK)
		goto out;
	sw = root ? ynode_get(root, "sweep") : NULL;
	if (!sw || ynode_is_null(sw)) {
		plan->runs = calloc(1, sizeof *plan->runs);
		if (!plan->runs) {
			dl_error_set(err, "out of memory");
			goto out;
		}
		plan->runs[0].exp = base;
		plan->n = 1;
		sweep_default_objective(&base, &plan->objective);
		rc = DL_OK;
		goto out;
	}
	plan->has_sweep = 1;
	if (read_grid(path, sw, &grid, err) != DL_OK ||
	    settle_objective(path, &base, &grid, err) != DL_OK)
		goto out;
	plan->objective = grid.objective;
	x = (struct expansion){path, text, len, overrides, n_overrides, &grid, base.seed};
	rc = expand(plan, &x, err);
out:
	if (rc != DL_OK)
		sweep_plan_free(plan);
	ytree_free(root);
	free(text);
	return rc;
}

void sweep_plan_free(struct sweep_plan *plan)
{
	free(plan->runs);
	memset(plan, 0, sizeof *plan);
}
