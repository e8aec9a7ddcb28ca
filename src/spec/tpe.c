/*
 * tpe.c - the Tree-structured Parzen Estimator (sweep.h), following
 * Optuna's TPESampler with its defaults: univariate (each dimension
 * proposed on its own), a prior of weight 1 over the whole range, equal
 * weights for the observations, the "magic clip" of the bandwidths, no
 * end points, 24 candidates, gamma(n) = min(ceil(0.1 n), 25) and 10 random
 * points first. A loguniform dimension is modelled in log space; a whole
 * number as a real in [lo - 0.5, hi + 0.5], rounded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spec/sweep.h"
#include "util/rng.h"

#define MAX_OBS (SWEEP_MAX_RUNS + 1)

int sweep_tpe_gamma(int n_obs)
{
	int g = (int)ceil(0.1 * n_obs);

	return g < 25 ? g : 25;
}

/* The dimension's range in the space its estimator lives in. */
static void model_range(const struct sweep_dim *d, double *low, double *high)
{
	switch (d->dist) {
	case SWEEP_LOGUNIFORM: *low = log(d->lo); *high = log(d->hi); return;
	case SWEEP_INT: *low = d->lo - 0.5; *high = d->hi + 0.5; return;
	default: *low = d->lo; *high = d->hi; return;
	}
}

static double to_model(const struct sweep_dim *d, double v)
{
	return d->dist == SWEEP_LOGUNIFORM ? log(v) : v;
}

static double from_model(const struct sweep_dim *d, double v)
{
	double lo = d->lo, hi = d->hi;

	if (d->dist == SWEEP_LOGUNIFORM)
		v = exp(v);
	else if (d->dist == SWEEP_INT)
		v = floor(v + 0.5);
	return v < lo ? lo : v > hi ? hi : v;
}

/* A Parzen estimator of one numeric dimension: n + 1 truncated Gaussians
 * (the observations and the prior), equally weighted. */
struct parzen {
	int n;
	double low, high;
	double *mu, *sigma;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Optuna's _calculate_numerical_params: each bandwidth is the larger gap
 * to a neighbour among the sorted means (the prior's mean among them), the
 * outermost ones their one gap; the prior's is the whole range; all are
 * clipped to [range / min(100, 1 + n + 1), range]. */
static int parzen_build(struct parzen *p, const struct sweep_dim *d, const double *obs, int n)
{
	double range, minsigma, prior_mu;
	double *sorted;
	int m = n + 1;

	model_range(d, &p->low, &p->high);
	range = p->high - p->low;
	prior_mu = 0.5 * (p->low + p->high);
	p->n = m;
	p->mu = malloc(sizeof(double) * (size_t)m);
	p->sigma = malloc(sizeof(double) * (size_t)m);
	sorted = malloc(sizeof(double) * (size_t)m);
	if (!p->mu || !p->sigma || !sorted) {
		free(sorted);
		free(p->mu);
		free(p->sigma);
		p->mu = p->sigma = NULL;
		return -1;
	}
	for (int i = 0; i < n; i++)
		p->mu[i] = obs[i];
	p->mu[n] = prior_mu;
	memcpy(sorted, p->mu, sizeof(double) * (size_t)m);
	qsort(sorted, (size_t)m, sizeof *sorted, cmp_double);
	minsigma = range / (m + 1 < 100 ? m + 1 : 100);
	for (int i = 0; i < m; i++) {
		double s;
		int k = 0;

		/* the observation's place among the sorted means */
		while (k < m - 1 && sorted[k] != p->mu[i])
			k++;
		if (i == n) {
			s = range;
		} else if (m == 1) {
			s = range;
		} else if (k == 0) {
			s = sorted[1] - sorted[0];
		} else if (k == m - 1) {
			s = sorted[m - 1] - sorted[m - 2];
		} else {
			double left = sorted[k] - sorted[k - 1], right = sorted[k + 1] - sorted[k];

			s = left > right ? left : right;
		}
		p->sigma[i] = s < minsigma ? minsigma : s > range ? range : s;
	}
	free(sorted);
	return 0;
}

static void parzen_free(struct parzen *p)
{
	free(p->mu);
	free(p->sigma);
}

static double normal_cdf(double z)
{
	return 0.5 * erfc(-z / sqrt(2.0));
}

/* log of the mixture's density at v (model space) */
static double parzen_log_pdf(const struct parzen *p, double v)
{
	double sum = 0;

	for (int i = 0; i < p->n; i++) {
		double s = p->sigma[i], z = (v - p->mu[i]) / s;
		double mass = normal_cdf((p->high - p->mu[i]) / s) - normal_cdf((p->low - p->mu[i]) / s);

		if (mass < 1e-300)
			mass = 1e-300;
		sum += exp(-0.5 * z * z) / (s * sqrt(2 * M_PI)) / mass;
	}
	sum /= p->n;
	return log(sum > 1e-300 ? sum : 1e-300);
}

/* A draw from the mixture: a component, then its Gaussian truncated to the
 * range (by rejection; a component with almost no mass in the range gives
 * the nearest end). */
static double parzen_sample(const struct parzen *p, struct rng *r)
{
	int i = (int)rng_below(r, (uint32_t)p->n);

	for (int tries = 0; tries < 100; tries++) {
		double u1 = rng_uniform_double(r), u2 = rng_uniform_double(r);
		double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2 * M_PI * u2);
		double v = p->mu[i] + p->sigma[i] * z;

		if (v >= p->low && v <= p->high)
			return v;
	}
	return p->mu[i] < p->low ? p->low : p->mu[i] > p->high ? p->high : p->mu[i];
}

double sweep_tpe_log_pdf(const struct sweep_dim *d, const double *mus, int n, double v)
{
	struct parzen p;
	double lp;

	if (parzen_build(&p, d, mus, n) != 0)
		return NAN;
	lp = parzen_log_pdf(&p, v);
	parzen_free(&p);
	return lp;
}

/* A choice's estimator: the prior's weight 1 spread over the choices, and
 * 1 for each observation of a choice; normalised. */
static void categorical(const double *obs, int n, int k, double *prob)
{
	for (int c = 0; c < k; c++)
		prob[c] = 1.0 / k;
	for (int i = 0; i < n; i++) {
		int c = (int)obs[i];

		if (c >= 0 && c < k)
			prob[c] += 1.0;
	}
	for (int c = 0; c < k; c++)
		prob[c] /= n + 1.0;
}

static double propose_choice(const struct sweep_dim *d, const double *below, int nb,
			     const double *above, int na, struct rng *r)
{
	double *l = malloc(sizeof(double) * (size_t)d->n_choices);
	double *g = malloc(sizeof(double) * (size_t)d->n_choices);
	double best = 0, best_score = -INFINITY;

	if (!l || !g) {
		free(l);
		free(g);
		return rng_below(r, (uint32_t)d->n_choices);
	}
	categorical(below, nb, d->n_choices, l);
	categorical(above, na, d->n_choices, g);
	for (int i = 0; i < SWEEP_TPE_CANDIDATES; i++) {
		double u = rng_uniform_double(r), acc = 0, score;
		int c = 0;

		while (c < d->n_choices - 1 && (acc += l[c]) <= u)
			c++;
		score = log(l[c]) - log(g[c]);
		if (score > best_score) {
			best_score = score;
			best = c;
		}
	}
	free(l);
	free(g);
	return best;
}

static double propose_number(const struct sweep_dim *d, const double *below, int nb,
			     const double *above, int na, struct rng *r)
{
	struct parzen l, g;
	double best = 0, best_score = -INFINITY;

	if (parzen_build(&l, d, below, nb) != 0) {
		parzen_free(&l);
		return from_model(d, 0.5 * (d->lo + d->hi));
	}
	if (parzen_build(&g, d, above, na) != 0) {
		parzen_free(&l);
		parzen_free(&g);
		return from_model(d, 0.5 * (d->lo + d->hi));
	}
	for (int i = 0; i < SWEEP_TPE_CANDIDATES; i++) {
		double v = parzen_sample(&l, r);
		double score = parzen_log_pdf(&l, v) - parzen_log_pdf(&g, v);

		if (score > best_score) {
			best_score = score;
			best = v;
		}
	}
	parzen_free(&l);
	parzen_free(&g);
	return from_model(d, best);
}

struct ranked {
	double score;
	int index;
};

/* best first; ties by the order seen */
static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index - y->index;
}

void sweep_tpe_propose(const struct sweep_space *sp, const double *xs, const double *scores,
		       int n_obs, uint64_t seed, double *x)
{
	struct ranked *order;
	double *below, *above;
	struct rng r;
	int nb;

	rng_seed(&r, seed);
	if (n_obs < SWEEP_TPE_STARTUP || n_obs > MAX_OBS) {
		sweep_draw(sp, 0, &r, x);
		return;
	}
	order = malloc(sizeof *order * (size_t)n_obs);
	below = malloc(sizeof(double) * (size_t)n_obs);
	above = malloc(sizeof(double) * (size_t)n_obs);
	if (!order || !below || !above) {
		free(order);
		free(below);
		free(above);
		sweep_draw(sp, 0, &r, x);
		return;
	}
	for (int i = 0; i < n_obs; i++)
		order[i] = (struct ranked){scores[i], i};
	qsort(order, (size_t)n_obs, sizeof *order, cmp_ranked);
	nb = sweep_tpe_gamma(n_obs);
	for (int d = 0; d < sp->n; d++) {
		const struct sweep_dim *dim = &sp->dims[d];

		for (int i = 0; i < n_obs; i++) {
			double v = xs[(size_t)order[i].index * (size_t)sp->n + (size_t)d];

			if (dim->dist != SWEEP_CHOICE)
				v = to_model(dim, v);
			if (i < nb)
				below[i] = v;
			else
				above[i - nb] = v;
		}
		x[d] = dim->dist == SWEEP_CHOICE ?
		       propose_choice(dim, below, nb, above, n_obs - nb, &r) :
		       propose_number(dim, below, nb, above, n_obs - nb, &r);
	}
	free(order);
	free(below);
	free(above);
}
