/* What a sweep found, from its runs' rows (sweepstat.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/sweepstat.h"

double sweep_metric(const struct store_row *r, const char *name, int *known)
{
	static const struct {
		const char *name;
		size_t offset;
	} columns[] = {
		{"val_accuracy", offsetof(struct store_row, val_accuracy)},
		{"test_accuracy", offsetof(struct store_row, test_accuracy)},
		{"accuracy", offsetof(struct store_row, accuracy)},
		{"loss", offsetof(struct store_row, loss)},
		{"val_loss", offsetof(struct store_row, val_loss)},
		{"test_loss", offsetof(struct store_row, test_loss)},
		{"seconds", offsetof(struct store_row, seconds)},
		{"time", offsetof(struct store_row, seconds)},
	};

	if (known)
		*known = 1;
	if (!strcmp(name, "params"))
		return r->params > 0 ? (double)r->params : NAN;
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
		if (!strcmp(name, columns[i].name))
			return *(const double *)((const char *)r + columns[i].offset);
	if (known)
		*known = 0;
	return NAN;
}

void sweep_goal_default(struct sweep_goal *g, const struct store_row *rows, int n,
			int64_t sweep_id)
{
	int has_val = 0;

	for (int i = 0; i < n && !has_val; i++)
		has_val = rows[i].sweep_id == sweep_id && !isnan(rows[i].val_accuracy);
	*g = (struct sweep_goal){.maximize = 1};
	snprintf(g->objective, sizeof g->objective, "%s", has_val ? "val_accuracy" : "test_accuracy");
}

void sweep_goal_from_store(struct sweep_goal *g, const struct store_sweep *sw,
			   const struct store_row *rows, int n)
{
	int has_val = 0;

	*g = (struct sweep_goal){.maximize = sw->maximize, .at_least = sw->constraint_at_least,
				 .bound = sw->constraint_value, .planned = sw->planned_points};
	snprintf(g->objective, sizeof g->objective, "%s", sw->objective);
	snprintf(g->constraint, sizeof g->constraint, "%s", sw->constraint_metric);
	if (!strcmp(sw->prune, "asha") && sw->prune_min_epochs > 0 && sw->prune_factor > 1) {
		g->rung_epochs = sw->prune_min_epochs;
		g->rung_factor = sw->prune_factor;
	}
	for (int i = 0; i < n && !has_val; i++)
		has_val = rows[i].sweep_id == sw->id && !isnan(rows[i].val_accuracy);
	if (!strcmp(g->objective, "val_accuracy") && !has_val)
		snprintf(g->objective, sizeof g->objective, "test_accuracy");
}

int sweep_better(const struct sweep_goal *g, double a, double b)
{
	if (isnan(a))
		return 0;
	if (isnan(b))
		return 1;
	return g->maximize ? a > b : a < b;
}

/* ---- keys and values from the points' text ---- */

/* Split "units=10 lr=0.1" into key=value pairs. A space inside a value
 * (a YAML scalar may hold one) stays in it: a pair starts only at a word
 * that holds '='. Returns the pairs found, at most max. */
static int split_point(const char *label, char keys[][32], char values[][SWEEP_VALUE_MAX], int max)
{
	const char *p = label;
	int n = 0;

	while (*p == ' ')
		p++;
	while (*p && n < max) {
		const char *eq = strchr(p, '='), *end;
		size_t klen;

		if (!eq)
			break;
		klen = (size_t)(eq - p);
		snprintf(keys[n], 32, "%.*s", (int)(klen < 31 ? klen : 31), p);
		/* the value runs to the next " word=" */
		end = eq + 1;
		for (;;) {
			const char *sp = strchr(end, ' ');
			const char *next_eq;

			if (!sp) {
				end += strlen(end);
				break;
			}
			next_eq = strchr(sp + 1, '=');
			if (next_eq && !memchr(sp + 1, ' ', (size_t)(next_eq - sp - 1))) {
				end = sp;
				break;
			}
			end = sp + 1;
		}
		snprintf(values[n], SWEEP_VALUE_MAX, "%.*s", (int)(end - eq - 1), eq + 1);
		n++;
		p = end;
		while (*p == ' ')
			p++;
	}
	return n;
}

static int parse_number(const char *text, double *v)
{
	char *end;

	if (!*text)
		return 0;
	*v = strtod(text, &end);
	return *end == '\0' && isfinite(*v);
}

static int key_index(struct sweep_stats *s, const char *name)
{
	for (int k = 0; k < s->n_keys; k++)
		if (!strcmp(s->keys[k].name, name))
			return k;
	if (s->n_keys == SWEEP_STAT_MAX_KEYS)
		return -1;
	snprintf(s->keys[s->n_keys].name, sizeof s->keys[0].name, "%.31s", name);
	return s->n_keys++;
}

static int value_index(struct sweep_key *k, const char *value)
{
	for (int v = 0; v < k->n_values; v++)
		if (!strcmp(k->values[v], value))
			return v;
	if (k->n_values == SWEEP_STAT_MAX_VALUES)
		return -1;
	snprintf(k->values[k->n_values], SWEEP_VALUE_MAX, "%.47s", value);
	return k->n_values++;
}

/* Coefficient of variation of the steps between sorted values. */
static double step_variation(const double *v, int n)
{
	double mean = 0, sq = 0;

	for (int i = 1; i < n; i++)
		mean += v[i] - v[i - 1];
	mean /= n - 1;
	for (int i = 1; i < n; i++)
		sq += (v[i] - v[i - 1] - mean) * (v[i] - v[i - 1] - mean);
	return mean > 0 ? sqrt(sq / (n - 1)) / mean : INFINITY;
}

/* Log-spaced: every value positive, spanning at least a factor of 4, and
 * (with three values or more) their logs more evenly spaced than they are:
 * 0.001 0.01 0.1 and 16 32 64 128 are; 5 10 15 is not. */
static int log_spaced(const double *sorted, int n)
{
	double logs[SWEEP_STAT_MAX_VALUES];

	if (n < 2 || sorted[0] <= 0 || sorted[n - 1] / sorted[0] < 4)
		return 0;
	if (n == 2)
		return sorted[1] / sorted[0] >= 10;
	for (int i = 0; i < n; i++)
		logs[i] = log(sorted[i]);
	return step_variation(logs, n) < step_variation(sorted, n);
}

static int by_number(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sort a numeric key's values by number and renumber the points' indexes. */
static void finish_key(struct sweep_stats *s, int k)
{
	struct sweep_key *key = &s->keys[k];
	double sorted[SWEEP_STAT_MAX_VALUES][2];        /* value, old index */
	char text[SWEEP_STAT_MAX_VALUES][SWEEP_VALUE_MAX];
	int map[SWEEP_STAT_MAX_VALUES];

	key->numeric = key->n_values > 0;
	for (int v = 0; v < key->n_values; v++)
		key->numeric &= parse_number(key->values[v], &key->number[v]);
	if (!key->numeric)
		return;
	for (int v = 0; v < key->n_values; v++) {
		sorted[v][0] = key->number[v];
		sorted[v][1] = v;
	}
	qsort(sorted, (size_t)key->n_values, sizeof sorted[0], by_number);
	memcpy(text, key->values, sizeof text);
	for (int v = 0; v < key->n_values; v++) {
		int old = (int)sorted[v][1];

		map[old] = v;
		key->number[v] = sorted[v][0];
		memcpy(key->values[v], text[old], SWEEP_VALUE_MAX);
	}
	for (int p = 0; p < s->n_points; p++)
		if (s->points[p].value[k] >= 0)
			s->points[p].value[k] = map[s->points[p].value[k]];
	key->log_spaced = log_spaced(key->number, key->n_values);
}

/* ---- points ---- */

static int add_point(struct sweep_stats *s, const struct store_row *r, int *cap)
{
	char keys[SWEEP_STAT_MAX_KEYS][32], values[SWEEP_STAT_MAX_KEYS][SWEEP_VALUE_MAX];
	struct sweep_point *p;
	int n;

	for (int i = 0; i < s->n_points; i++)
		if (!strcmp(s->points[i].label, r->sweep_point))
			return i;
	if (s->n_points == *cap) {
		int want = *cap ? *cap * 2 : 16;
		struct sweep_point *grown = realloc(s->points, sizeof *grown * (size_t)want);

		if (!grown)
			return -1;
		s->points = grown;
		*cap = want;
	}
	p = &s->points[s->n_points];
	*p = (struct sweep_point){.mean = NAN, .spread = NAN, .first_id = r->id};
	snprintf(p->label, sizeof p->label, "%s", r->sweep_point);
	for (int k = 0; k < SWEEP_STAT_MAX_KEYS; k++)
		p->value[k] = -1;
	n = split_point(r->sweep_point, keys, values, SWEEP_STAT_MAX_KEYS);
	for (int i = 0; i < n; i++) {
		int k = key_index(s, keys[i]);

		if (k >= 0)
			p->value[k] = value_index(&s->keys[k], values[i]);
	}
	return s->n_points++;
}

static void count_status(struct sweep_progress *pr, enum store_status st)
{
	pr->runs++;
	if (st == STORE_DONE)
		pr->done++;
	else if (st == STORE_RUNNING)
		pr->running++;
	else if (st == STORE_QUEUED)
		pr->queued++;
	else if (st == STORE_PRUNED)
		pr->pruned++;
	else if (st == STORE_FAILED || st == STORE_DIVERGED || st == STORE_CANCELLED)
		pr->failed++;
	else
		pr->other++;
}

static int meets(const struct sweep_goal *g, const struct store_row *r)
{
	double v;

	if (!g->constraint[0])
		return 1;
	v = sweep_metric(r, g->constraint, NULL);
	if (isnan(v))
		return 0;
	return g->at_least ? v >= g->bound : v <= g->bound;
}

/* Mean and sample standard deviation of each point's trials. */
static void point_means(struct sweep_stats *s)
{
	for (int p = 0; p < s->n_points; p++) {
		struct sweep_point *pt = &s->points[p];
		double sum = 0, sq = 0;

		for (int t = 0; t < s->n_trials; t++)
			if (s->trials[t].point == p)
				sum += s->trials[t].objective;
		if (pt->done == 0)
			continue;
		pt->mean = sum / pt->done;
		for (int t = 0; t < s->n_trials; t++)
			if (s->trials[t].point == p)
				sq += (s->trials[t].objective - pt->mean) *
				      (s->trials[t].objective - pt->mean);
		pt->spread = pt->done > 1 ? sqrt(sq / (pt->done - 1)) : NAN;
	}
}

/* ---- variance shares ---- */

struct ranked {
	double number;
	int trial;
};

static int by_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->number != y->number)
		return (x->number > y->number) - (x->number < y->number);
	return (x->trial > y->trial) - (x->trial < y->trial);
}

/* The group of each trial for key k: its value's index, or with many
 * numeric values its bin of equal counts by value (runs of one value stay
 * in one bin). -1: the trial's point lacks the key. Returns the groups. */
static int group_trials(const struct sweep_stats *s, int k, int *group)
{
	const struct sweep_key *key = &s->keys[k];
	struct ranked *r;
	int n = 0;

	for (int t = 0; t < s->n_trials; t++)
		group[t] = s->points[s->trials[t].point].value[k];
	if (!key->numeric || key->n_values <= SWEEP_BIN_ABOVE)
		return key->n_values;
	if (!(r = malloc(sizeof *r * (size_t)s->n_trials)))
		return key->n_values;
	for (int t = 0; t < s->n_trials; t++)
		if (group[t] >= 0)
			r[n++] = (struct ranked){key->number[group[t]], t};
	qsort(r, (size_t)n, sizeof *r, by_ranked);
	for (int i = 0, bin = 0; i < n; i++) {
		if (i > 0 && r[i].number != r[i - 1].number && i * SWEEP_BINS >= (bin + 1) * n)
			bin++;
		group[r[i].trial] = bin;
	}
	free(r);
	return SWEEP_BINS;
}

static void key_share(struct sweep_stats *s, int k, double mean, double total, int *group)
{
	int groups = group_trials(s, k, group);
	double between = 0;

	for (int g = 0; g < groups; g++) {
		double sum = 0;
		int n = 0;

		for (int t = 0; t < s->n_trials; t++)
			if (group[t] == g) {
				sum += s->trials[t].objective;
				n++;
			}
		if (n)
			between += n * (sum / n - mean) * (sum / n - mean);
		s->keys[k].groups += n > 0;
	}
	s->keys[k].share = total > 0 ? between / total : NAN;
}

static void shares(struct sweep_stats *s)
{
	double mean = 0, total = 0;
	int *group;

	for (int k = 0; k < s->n_keys; k++) {
		s->keys[k].share = NAN;
		s->keys[k].groups = 0;
	}
	if (s->n_trials < 2 || !(group = malloc(sizeof *group * (size_t)s->n_trials)))
		return;
	for (int t = 0; t < s->n_trials; t++)
		mean += s->trials[t].objective;
	mean /= s->n_trials;
	for (int t = 0; t < s->n_trials; t++)
		total += (s->trials[t].objective - mean) * (s->trials[t].objective - mean);
	/* a total that is rounding noise is no variance */
	if (total <= 1e-24 * s->n_trials * fmax(1, mean * mean))
		total = 0;
	for (int k = 0; k < s->n_keys; k++)
		key_share(s, k, mean, total, group);
	free(group);
}

/* ---- the whole ---- */

static void find_best(struct sweep_stats *s)
{
	s->best_point = s->best_trial = s->best_feasible = -1;
	s->lo = s->hi = NAN;
	for (int p = 0; p < s->n_points; p++)
		if (s->points[p].done && (s->best_point < 0 ||
		    sweep_better(&s->goal, s->points[p].mean, s->points[s->best_point].mean)))
			s->best_point = p;
	for (int t = 0; t < s->n_trials; t++) {
		double v = s->trials[t].objective;

		s->lo = isnan(s->lo) || v < s->lo ? v : s->lo;
		s->hi = isnan(s->hi) || v > s->hi ? v : s->hi;
		if (s->best_trial < 0 || sweep_better(&s->goal, v, s->trials[s->best_trial].objective))
			s->best_trial = t;
		if (s->trials[t].feasible) {
			s->n_feasible++;
			if (s->best_feasible < 0 ||
			    sweep_better(&s->goal, v, s->trials[s->best_feasible].objective))
				s->best_feasible = t;
		}
	}
}

/* ASHA's rungs, r, r * f, r * f^2 ... up to the longest planned run, and
 * the runs of the sweep that trained at least that many epochs. */
static void count_rungs(struct sweep_stats *s, const struct store_row *rows, int n)
{
	struct sweep_progress *pr = &s->progress;
	int longest = 0;

	if (s->goal.rung_epochs < 1 || s->goal.rung_factor < 2)
		return;
	for (int i = 0; i < n; i++)
		if (rows[i].sweep_id == s->sweep_id && rows[i].planned_epochs > longest)
			longest = rows[i].planned_epochs;
	for (int e = s->goal.rung_epochs; e <= longest && pr->n_rungs < SWEEP_MAX_RUNGS;
	     e *= s->goal.rung_factor) {
		pr->rung_epochs[pr->n_rungs] = e;
		for (int i = 0; i < n; i++)
			pr->rung_runs[pr->n_rungs] += rows[i].sweep_id == s->sweep_id &&
						      rows[i].epochs >= e;
		pr->n_rungs++;
	}
}

static int fail(struct sweep_stats *s, struct dl_error *err)
{
	sweep_stats_free(s);
	return dl_error_set(err, "out of memory reading the sweep");
}

int sweep_stats_build(struct sweep_stats *s, const struct store_row *rows, int n,
		      int64_t sweep_id, const struct sweep_goal *g, struct dl_error *err)
{
	int cap = 0;

	*s = (struct sweep_stats){.sweep_id = sweep_id, .goal = *g};
	s->keys = calloc(SWEEP_STAT_MAX_KEYS, sizeof *s->keys);
	s->trials = malloc(sizeof *s->trials * (size_t)(n ? n : 1));
	if (!s->keys || !s->trials)
		return fail(s, err);
	for (int i = 0; i < n; i++) {
		const struct store_row *r = &rows[i];
		double v;
		int p;

		if (r->sweep_id != sweep_id)
			continue;
		if (!s->name[0])
			snprintf(s->name, sizeof s->name, "%s", r->name);
		if ((p = add_point(s, r, &cap)) < 0)
			return fail(s, err);
		s->points[p].runs++;
		s->points[p].first_id = r->id < s->points[p].first_id ? r->id : s->points[p].first_id;
		count_status(&s->progress, r->status);
		v = sweep_metric(r, g->objective, NULL);
		if (r->status != STORE_DONE || isnan(v))
			continue;
		s->points[p].done++;
		s->trials[s->n_trials++] = (struct sweep_trial){r->id, p, v, meets(g, r)};
	}
	for (int k = 0; k < s->n_keys; k++)
		finish_key(s, k);
	count_rungs(s, rows, n);
	point_means(s);
	shares(s);
	find_best(s);
	return DL_OK;
}

void sweep_stats_free(struct sweep_stats *s)
{
	free(s->keys);
	free(s->points);
	free(s->trials);
	*s = (struct sweep_stats){.best_point = -1, .best_trial = -1, .best_feasible = -1};
}

int sweep_point_at(const struct sweep_stats *s, int v0, int v1)
{
	for (int p = 0; p < s->n_points; p++)
		if (s->points[p].value[0] == v0 && s->points[p].value[1] == v1)
			return p;
	return -1;
}

void sweep_keys_by_share(const struct sweep_stats *s, int *order)
{
	for (int k = 0; k < s->n_keys; k++)
		order[k] = k;
	/* insertion sort: at most SWEEP_STAT_MAX_KEYS keys; NAN last, ties by key order */
	for (int i = 1; i < s->n_keys; i++)
		for (int j = i; j > 0; j--) {
			double a = s->keys[order[j]].share, b = s->keys[order[j - 1]].share;
			int swap = order[j];

			if (isnan(a) || (!isnan(b) && a <= b))
				break;
			order[j] = order[j - 1];
			order[j - 1] = swap;
		}
}

const char *sweep_format(const struct sweep_goal *g, double v, char *buf, int size)
{
	const char *m = g->objective;

	if (isnan(v))
		snprintf(buf, (size_t)size, "-");
	else if (strstr(m, "accuracy") && v >= 0 && lround(v * 10000) < 10000)
		snprintf(buf, (size_t)size, ".%04ld", lround(v * 10000));
	else if (strstr(m, "accuracy") && v >= 0 && v <= 1)
		snprintf(buf, (size_t)size, "1.000");
	else if (!strcmp(m, "params"))
		snprintf(buf, (size_t)size, "%.0f", v);
	else
		snprintf(buf, (size_t)size, "%.4g", v);
	return buf;
}
