#include "train/callbacks.h"

#include <math.h>
#include <string.h>

int monitor_higher_is_better(enum monitor m)
{
	return m == MONITOR_ACCURACY || m == MONITOR_VAL_ACCURACY;
}

float schedule_lr(const struct schedule_spec *s, float base_lr, uint64_t step, int epoch)
{
	double t = s->unit == SCHEDULE_EPOCHS ? (double)epoch : (double)step;
	double p;
	int i;

	switch (s->type) {
	case SCHEDULE_PIECEWISE_CONSTANT:
		/* Keras: values[0] while t <= boundaries[0], then values[i] while
		 * boundaries[i-1] < t <= boundaries[i], values[n] after the last. */
		for (i = 0; i < s->n_boundaries && t > s->boundaries[i]; i++)
			;
		return s->values[i];
	case SCHEDULE_EXPONENTIAL:
		p = t / s->decay_steps;
		if (s->staircase)
			p = floor(p);
		return (float)(base_lr * pow(s->rate, p));
	case SCHEDULE_COSINE:
		p = t < s->decay_steps ? t / s->decay_steps : 1.0;
		return (float)(base_lr * ((1.0 - s->alpha) * 0.5 * (1.0 + cos(M_PI * p)) + s->alpha));
	case SCHEDULE_CONSTANT:
	case SCHEDULE_REDUCE_ON_PLATEAU:
		break;
	}
	return base_lr;
}

static int improves(enum monitor m, double value, double best, double min_delta)
{
	if (monitor_higher_is_better(m))
		return value > best + min_delta;
	return value < best - min_delta;
}

static double worst_value(enum monitor m)
{
	return monitor_higher_is_better(m) ? -INFINITY : INFINITY;
}

void plateau_init(struct plateau_state *p, const struct schedule_spec *s, float lr)
{
	memset(p, 0, sizeof *p);
	p->lr = lr;
	p->best = worst_value(s->monitor);
}

/* Follows Keras's ReduceLROnPlateau.on_epoch_end step by step: the cooldown
 * counts down first, an improvement resets the wait, and only outside the
 * cooldown does waiting lead to a reduction. */
int plateau_update(struct plateau_state *p, const struct schedule_spec *s, double value)
{
	if (isnan(value))
		return 0;
	if (p->cooldown_left > 0) {
		p->cooldown_left--;
		p->wait = 0;
	}
	if (improves(s->monitor, value, p->best, s->min_delta)) {
		p->best = value;
		p->wait = 0;
		return 0;
	}
	if (p->cooldown_left > 0)
		return 0;
	if (++p->wait < s->patience || p->lr <= s->min_lr)
		return 0;
	p->wait = 0;
	p->lr = fmaxf(p->lr * s->factor, s->min_lr);
	p->cooldown_left = s->cooldown;
	return 1;
}

void early_stop_init(struct early_stop_state *st, const struct early_stop_spec *e)
{
	memset(st, 0, sizeof *st);
	st->best = worst_value(e->monitor);
}

int early_stop_update(struct early_stop_state *st, const struct early_stop_spec *e,
		      int epoch, double value, int *improved)
{
	*improved = 0;
	if (!e->enabled || isnan(value))
		return 0;
	if (improves(e->monitor, value, st->best, e->min_delta) || st->best_epoch == 0) {
		st->best = value;
		st->best_epoch = epoch;
		st->wait = 0;
		*improved = 1;
	} else {
		st->wait++;
	}
	if (e->has_target) {
		int reached = monitor_higher_is_better(e->monitor) ? value >= e->target
								   : value <= e->target;
		if (reached)
			return 1;
	}
	/* Keras: patience 0 stops at the first epoch without improvement, as 1 does */
	return !*improved && e->patience >= 0 && st->wait >= e->patience;
}
