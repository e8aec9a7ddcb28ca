/* A metric over a run's epochs: last, best and when (store.h). Pure: no
 * SQLite here. */
#include <math.h>
#include <string.h>

#include "store/store.h"

const char *const store_metric_names[] = {"loss", "accuracy", "val_loss", "val_accuracy", NULL};
const char *const store_metric_part_names[] = {"last", "best", "best_epoch", NULL};

int store_metric_from_name(const char *name)
{
	for (int i = 0; store_metric_names[i]; i++)
		if (!strcmp(name, store_metric_names[i]))
			return i;
	return -1;
}

int store_metric_higher_is_better(enum store_metric m)
{
	return m == STORE_METRIC_ACCURACY || m == STORE_METRIC_VAL_ACCURACY;
}

static double metric_of(const struct store_epoch *e, enum store_metric m)
{
	switch (m) {
	case STORE_METRIC_LOSS: return e->loss;
	case STORE_METRIC_ACCURACY: return e->accuracy;
	case STORE_METRIC_VAL_LOSS: return e->val_loss;
	case STORE_METRIC_VAL_ACCURACY: return e->val_accuracy;
	default: return NAN;
	}
}

void store_metric_summarize(const struct store_epoch *e, int n, enum store_metric m,
			    struct store_metric_summary *out)
{
	int higher = store_metric_higher_is_better(m);

	*out = (struct store_metric_summary){.last = NAN, .best = NAN};
	for (int i = 0; i < n; i++) {
		double v = metric_of(&e[i], m);

		if (isnan(v))
			continue;
		out->last = v;
		if (isnan(out->best) || (higher ? v > out->best : v < out->best)) {
			out->best = v;
			out->best_epoch = e[i].epoch;
		}
	}
}

void store_metric_summarize_all(const struct store_epoch *e, int n,
				struct store_metric_summary out[STORE_METRIC_COUNT])
{
	for (int m = 0; m < STORE_METRIC_COUNT; m++)
		store_metric_summarize(e, n, (enum store_metric)m, &out[m]);
}

double store_metric_part(const struct store_metric_summary *s, enum store_metric_part p)
{
	switch (p) {
	case STORE_PART_LAST: return s->last;
	case STORE_PART_BEST: return s->best;
	default: return s->best_epoch ? s->best_epoch : NAN;
	}
}
