/* Reading the store into the dashboard's state (dash.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "nn/model.h"
#include "spec/experiment.h"
#include "train/analysis.h"
#include "train/checkpoint.h"
#include "train/summary.h"
#include "tui/dash.h"
#include "util/clock.h"

#define POLL_SECONDS 0.25       /* PRAGMA data_version is read this often */
#define RECENT_RUNS 30          /* finished runs the overview lists */

const struct store_row *dash_row(const struct dash *d, int64_t id)
{
	for (int i = 0; i < d->n_rows; i++)
		if (d->rows[i].id == id)
			return &d->rows[i];
	return NULL;
}

/* The ids of the runs with the tag filter's tag. */
static void load_tagged(struct dash *d)
{
	struct store_filter f = {.status = -1, .sort = STORE_SORT_ID};
	struct store_row *rows;
	struct dl_error err;
	int n;

	free(d->tagged);
	d->tagged = NULL;
	d->n_tagged = 0;
	if (!d->tag_filter[0])
		return;
	f.tag = d->tag_filter;
	if (store_list_runs(d->store, &f, &rows, &n, &err) != DL_OK)
		return;
	d->tagged = malloc(sizeof *d->tagged * (size_t)(n ? n : 1));
	for (int i = 0; d->tagged && i < n; i++)
		d->tagged[d->n_tagged++] = rows[i].id;
	free(rows);
}

static int has_tag(const struct dash *d, int64_t id)
{
	for (int i = 0; i < d->n_tagged; i++)
		if (d->tagged[i] == id)
			return 1;
	return 0;
}

void dash_reload_rows(struct dash *d)
{
	struct store_row *rows;
	struct dl_error err;
	int n;

	if (store_list_runs(d->store, NULL, &rows, &n, &err) != DL_OK) {
		dash_message(d, "%s", err.msg);
		return;
	}
	free(d->rows);
	d->rows = rows;
	d->n_rows = n;
	store_queue_paused(d->store, &d->queue_paused, &err);
	load_tagged(d);
	dash_build_view(d);
}

/* ---- the list of the current screen ---- */

static int active(enum store_status st)
{
	return st == STORE_RUNNING || st == STORE_QUEUED || st == STORE_PAUSED ||
	       st == STORE_INTERRUPTED;
}

static const struct dash *sort_dash;    /* qsort has no context argument */

static double sort_value(const struct store_row *r, enum store_sort key)
{
	switch (key) {
	case STORE_SORT_PARAMS: return (double)r->params;
	case STORE_SORT_EPOCHS: return r->epochs;
	case STORE_SORT_ACCURACY: return r->accuracy;
	case STORE_SORT_VAL_ACCURACY: return r->best_val_accuracy;
	case STORE_SORT_TEST_ACCURACY: return r->test_accuracy;
	case STORE_SORT_SECONDS: return r->seconds;
	case STORE_SORT_CREATED: return r->created;
	case STORE_SORT_STATUS: return r->status;
	default: return (double)r->id;
	}
}

/* Runs without the value last either way, ties by id. */
static int by_sort_key(const void *pa, const void *pb)
{
	const struct store_row *a = &sort_dash->rows[*(const int *)pa];
	const struct store_row *b = &sort_dash->rows[*(const int *)pb];
	int c;

	if (sort_dash->sort == STORE_SORT_NAME) {
		c = strcmp(a->name, b->name);
	} else {
		double x = sort_value(a, sort_dash->sort), y = sort_value(b, sort_dash->sort);

		if (isnan(x) != isnan(y))
			return isnan(x) ? 1 : -1;
		c = isnan(x) || x == y ? 0 : x < y ? -1 : 1;
	}
	if (sort_dash->sort_desc)
		c = -c;
	return c ? c : a->id < b->id ? -1 : a->id > b->id;
}

/* Overview: running first, then waiting in queue order, then the most
 * recently finished. */
static int overview_order(const void *pa, const void *pb)
{
	const struct store_row *a = &sort_dash->rows[*(const int *)pa];
	const struct store_row *b = &sort_dash->rows[*(const int *)pb];
	int ra = a->status == STORE_RUNNING ? 0 : active(a->status) ? 1 : 2;
	int rb = b->status == STORE_RUNNING ? 0 : active(b->status) ? 1 : 2;

	if (ra != rb)
		return ra - rb;
	if (ra == 2 && a->finished != b->finished)
		return a->finished > b->finished ? -1 : 1;
	if (ra == 1 && a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int matches(const struct dash *d, const struct store_row *r)
{
	if (d->status_filter >= 0 && (int)r->status != d->status_filter)
		return 0;
	if (d->tag_filter[0] && !has_tag(d, r->id))
		return 0;
	return !d->filter[0] || strstr(r->name, d->filter) ||
	       (r->sweep_point[0] && strstr(r->sweep_point, d->filter));
}

/* Runs screen, grouped: the first run of each sweep point stands for it. */
static int first_of_group(const struct dash *d, int i)
{
	const struct store_row *r = &d->rows[i];

	if (!r->sweep_id)
		return 1;
	for (int j = 0; j < i; j++)
		if (d->rows[j].sweep_id == r->sweep_id && !strcmp(d->rows[j].sweep_point, r->sweep_point))
			return 0;
	return 1;
}

void dash_build_view(struct dash *d)
{
	int *view = realloc(d->view, sizeof *view * (size_t)(d->n_rows ? d->n_rows : 1));
	int n = 0, finished = 0;

	if (!view)
		return;
	d->view = view;
	for (int i = 0; i < d->n_rows; i++) {
		const struct store_row *r = &d->rows[i];

		if (d->screen == SCREEN_OVERVIEW && !active(r->status))
			continue;
		if (d->screen != SCREEN_OVERVIEW &&
		    (!matches(d, r) || (d->group && !first_of_group(d, i))))
			continue;
		view[n++] = i;
	}
	sort_dash = d;
	if (d->screen == SCREEN_OVERVIEW) {
		/* the most recent finished runs after the active ones */
		for (int i = d->n_rows - 1; i >= 0 && finished < RECENT_RUNS; i--)
			if (!active(d->rows[i].status)) {
				view[n++] = i;
				finished++;
			}
		qsort(view, (size_t)n, sizeof *view, overview_order);
	} else {
		qsort(view, (size_t)n, sizeof *view, by_sort_key);
	}
	d->n_view = n;
	if (d->sel >= n)
		d->sel = n ? n - 1 : 0;
}

/* ---- polling ---- */

int dash_poll(struct dash *d)
{
	double now = clock_seconds();
	int64_t v;

	if (now - d->last_poll < POLL_SECONDS)
		return 0;
	d->last_poll = now;
	v = store_data_version(d->store);
	if (v == d->data_version)
		return 0;
	d->data_version = v;
	dash_reload_rows(d);
	if (d->screen == SCREEN_RUN || d->screen == SCREEN_COMPARE) {
		const struct store_row *r = dash_row(d, d->detail.id);

		if (r && (r->epochs != d->detail.loaded_epochs || r->status != d->detail.loaded_status))
			dash_load_detail(d, d->detail.id);
		else if (r)
			d->detail.run.row = *r;         /* live progress */
	}
	return 1;
}

/* ---- one run ---- */

void dash_free_detail(struct run_detail *r)
{
	if (r->id)
		store_run_free(&r->run);
	store_epochs_free(r->epochs, r->n_epochs);
	store_samples_free(r->samples, r->n_samples);
	for (int i = 0; i < r->n_summary; i++)
		free(r->summary[i]);
	free(r->summary);
	free(r->weights);
	memset(r, 0, sizeof *r);
}

void dash_load_detail(struct dash *d, int64_t id)
{
	struct run_detail *r = &d->detail;
	struct dl_error err;
	int found, cfound;

	dash_free_detail(r);
	if (store_get_run(d->store, id, &r->run, &found, &err) != DL_OK || !found) {
		dash_message(d, "run %lld: %s", (long long)id, found ? err.msg : "removed");
		return;
	}
	r->id = id;
	r->loaded_epochs = r->run.row.epochs;
	r->loaded_status = r->run.row.status;
	if (store_get_history(d->store, id, &r->epochs, &r->n_epochs, &err) != DL_OK ||
	    store_get_confusion(d->store, id, "val", &r->k, r->confusion, &r->has_val,
				&err) != DL_OK) {
		dash_message(d, "run %lld: %s", (long long)id, err.msg);
		return;
	}
	/* the validation set's analysis when asked for and kept, else the test set's */
	r->split = d->show_val && r->has_val ? "val" : "test";
	if (!d->show_val || !r->has_val) {
		r->k = 0;
		if (store_get_confusion(d->store, id, "test", &r->k, r->confusion, &cfound,
					&err) != DL_OK) {
			dash_message(d, "run %lld: %s", (long long)id, err.msg);
			return;
		}
	}
	if (store_get_misclassified(d->store, id, r->split, 0, &r->samples, &r->n_samples,
				    &err) != DL_OK)
		dash_message(d, "run %lld: %s", (long long)id, err.msg);
}

/* The experiment of the run, with its input shape filled. */
static int detail_experiment(struct dash *d, struct experiment *exp, struct dl_error *err)
{
	const char *yaml = d->detail.run.yaml;
	int c, h, w;

	if (!yaml || experiment_parse(exp, yaml, strlen(yaml), "run", NULL, 0, err) != DL_OK ||
	    data_input_shape(&exp->data, &c, &h, &w, err) != DL_OK)
		return DL_ERR;
	exp->model.input = (struct nn_shape){c, h, w};
	return DL_OK;
}

/* Split text into malloc'd lines. */
static void split_lines(char *text, char ***lines, int *n)
{
	int cap = 0;

	*lines = NULL;
	*n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (*n == cap) {
			char **grown = realloc(*lines, sizeof *grown * (size_t)(cap = cap ? 2 * cap : 32));

			if (!grown)
				return;
			*lines = grown;
		}
		(*lines)[(*n)++] = strdup(line);
	}
}

void dash_load_summary(struct dash *d)
{
	struct experiment exp;
	struct nn_model *m;
	struct dl_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (d->detail.summary || !d->detail.id)
		return;
	if (detail_experiment(d, &exp, &err) != DL_OK ||
	    nn_model_new(&m, &exp.model, 1, &err) != DL_OK) {
		dash_message(d, "model: %s", err.msg);
		return;
	}
	f = open_memstream(&text, &len);
	if (f) {
		model_summary_print(f, &exp, m);
		fclose(f);
		split_lines(text, &d->detail.summary, &d->detail.n_summary);
		free(text);
	}
	nn_model_free(m);
}

/* The first layer with weights, from the run's checkpoint: what it learnt
 * so far (notebook 001 draws these). */
void dash_load_weights(struct dash *d)
{
	struct run_detail *r = &d->detail;
	struct experiment exp;
	struct checkpoint ck;
	struct nn_model *m = NULL;
	struct weight_images wi;
	struct dl_error err;
	int layer;

	if (r->weights || r->weights_note[0] || !r->id)
		return;
	if (!r->run.checkpoint[0]) {
		snprintf(r->weights_note, sizeof r->weights_note, "no checkpoint yet");
		return;
	}
	if (checkpoint_read(r->run.checkpoint, &ck, &err) != DL_OK) {
		snprintf(r->weights_note, sizeof r->weights_note, "%.150s", err.msg);
		return;
	}
	if (detail_experiment(d, &exp, &err) != DL_OK || nn_model_new(&m, &exp.model, 1, &err) != DL_OK ||
	    ck.n_params != nn_model_param_count(m)) {
		snprintf(r->weights_note, sizeof r->weights_note, "the checkpoint does not fit its model");
		goto out;
	}
	memcpy(nn_model_params(m), ck.params, sizeof(float) * ck.n_params);
	layer = analysis_first_weighted_layer(m);
	if (layer < 0 || analysis_weight_images(m, layer, &wi, &err) != DL_OK) {
		snprintf(r->weights_note, sizeof r->weights_note, "no layer with weights to draw");
		goto out;
	}
	analysis_scale_symmetric(wi.pixels, (size_t)wi.n * wi.h * wi.w);
	r->weights = wi.pixels;
	r->n_weights = wi.n;
	r->weights_h = wi.h;
	r->weights_w = wi.w;
	wi.pixels = NULL;
	snprintf(r->weights_note, sizeof r->weights_note, "layer %d: %d %ss of %dx%d, epoch %d",
		 layer + 1, wi.n, wi.unit_name, wi.w, wi.h, ck.epoch);
	weight_images_free(&wi);
out:
	nn_model_free(m);
	checkpoint_free(&ck);
}

/* ---- sparklines of the overview ---- */

const struct spark_entry *dash_spark(struct dash *d, int64_t id, int epochs)
{
	struct spark_entry *slot = &d->sparks[(uint64_t)id % SPARK_CACHE];
	struct store_epoch *e;
	struct dl_error err;
	int n;

	if (slot->id == id && slot->epochs == epochs)
		return slot;
	if (store_get_history(d->store, id, &e, &n, &err) != DL_OK)
		return NULL;
	free(slot->val);
	slot->val = malloc(sizeof *slot->val * (size_t)(n ? n : 1));
	slot->id = id;
	slot->epochs = epochs;
	slot->n = slot->val ? n : 0;
	for (int i = 0; i < slot->n; i++)
		slot->val[i] = isnan(e[i].val_accuracy) ? e[i].accuracy : e[i].val_accuracy;
	store_epochs_free(e, n);
	return slot;
}

void dash_free_sparks(struct dash *d)
{
	for (int i = 0; i < SPARK_CACHE; i++)
		free(d->sparks[i].val);
	memset(d->sparks, 0, sizeof d->sparks);
}
