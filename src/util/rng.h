/*
 * rng.h - a small deterministic random stream (xoshiro128+ style, 32-bit
 * friendly but seeded through splitmix64).
 *
 * Every run owns its own stream; nothing in digitlab uses rand() or any
 * global generator, so two runs on two threads never disturb each other and
 * the same seed always gives the same numbers on every machine. The state is
 * four plain words so a checkpoint can store and restore it exactly.
 */
#ifndef DL_UTIL_RNG_H
#define DL_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4]; /* xoshiro256** state; never all zero */
};

/* Seed a stream. Different seeds give unrelated streams. */
void rng_seed(struct rng *r, uint64_t seed);

/* Derive an independent child stream (e.g. one for init, one for shuffling). */
void rng_split(struct rng *parent, struct rng *child);

uint64_t rng_u64(struct rng *r);
/* Uniform in [0, 1) with 24 bits of precision (exact in float). */
float rng_uniform(struct rng *r);
/* out[0..n) = the next n rng_uniform() values, in order: the same numbers
 * and the same state after, with the state kept in registers throughout
 * (dropout draws a value per unit of every batch). */
void rng_uniform_fill(struct rng *r, float *out, size_t n);
/* Uniform double in [0, 1). */
double rng_uniform_double(struct rng *r);
/* Uniform integer in [0, n), unbiased. n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Standard normal (Box-Muller, no cached second value so the state is all). */
float rng_normal(struct rng *r);
/* Fisher-Yates shuffle of an index array. */
void rng_shuffle(struct rng *r, int *idx, int n);

#endif
