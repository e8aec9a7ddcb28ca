#include "util/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void rng_split(struct rng *parent, struct rng *child)
{
	rng_seed(child, rng_u64(parent));
}

/* One step of the stream: its output, and s[] advanced. */
static inline uint64_t next(uint64_t s[4])
{
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static inline float to_uniform(uint64_t bits)
{
	return (float)(bits >> 40) * (1.0f / 16777216.0f);
}

uint64_t rng_u64(struct rng *r)
{
	return next(r->s);
}

float rng_uniform(struct rng *r)
{
	return to_uniform(next(r->s));
}

void rng_uniform_fill(struct rng *r, float *out, size_t n)
{
	uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};

	for (size_t i = 0; i < n; i++)
		out[i] = to_uniform(next(s));
	for (int i = 0; i < 4; i++)
		r->s[i] = s[i];
}

double rng_uniform_double(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	/* Lemire's multiply-shift with rejection: unbiased for every n. */
	uint64_t m = (uint64_t)(uint32_t)(rng_u64(r) >> 32) * n;
	uint32_t low = (uint32_t)m;

	if (low < n) {
		uint32_t threshold = (uint32_t)(-n) % n;
		while (low < threshold) {
			m = (uint64_t)(uint32_t)(rng_u64(r) >> 32) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

float rng_normal(struct rng *r)
{
	double u1 = rng_uniform_double(r), u2 = rng_uniform_double(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

void rng_shuffle(struct rng *r, int *idx, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rng_below(r, (uint32_t)i + 1);
		int t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}
