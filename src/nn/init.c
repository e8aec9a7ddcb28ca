/* Initialisers: weights drawn for a layer's fans (layer.h). In a file of
 * their own because every layer kind with parameters calls them, and the
 * model calls every layer kind. */
#include <math.h>

#include "nn/layer.h"

#define TRUNC_STDDEV_FIX 0.87962566103423978 /* stddev of N(0,1) cut at +-2 */

static double truncated_normal(struct rng *rng)
{
	double n;

	do
		n = rng_normal(rng);
	while (fabs(n) > 2.0);
	return n;
}

void nn_init_fill(float *p, size_t n, enum nn_init init, int fan_in, int fan_out,
		  float low, float high, struct rng *rng)
{
	double l, sd;

	switch (init) {
	case NN_INIT_GLOROT_UNIFORM:
	case NN_INIT_HE_UNIFORM:
		l = init == NN_INIT_HE_UNIFORM ? sqrt(6.0 / fan_in)
					       : sqrt(6.0 / (fan_in + fan_out));
		for (size_t i = 0; i < n; i++)
			p[i] = (float)(l * (2.0 * rng_uniform(rng) - 1.0));
		break;
	case NN_INIT_GLOROT_NORMAL:
	case NN_INIT_HE_NORMAL:
		sd = init == NN_INIT_HE_NORMAL ? sqrt(2.0 / fan_in)
					       : sqrt(2.0 / (fan_in + fan_out));
		sd /= TRUNC_STDDEV_FIX;
		for (size_t i = 0; i < n; i++)
			p[i] = (float)(sd * truncated_normal(rng));
		break;
	case NN_INIT_UNIFORM01:
		for (size_t i = 0; i < n; i++)
			p[i] = rng_uniform(rng);
		break;
	case NN_INIT_UNIFORM:
		for (size_t i = 0; i < n; i++)
			p[i] = (float)(low + ((double)high - low) * rng_uniform(rng));
		break;
	}
}

