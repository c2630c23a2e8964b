/*
 * rng.h - the extension's seeded random number generator (xoshiro256**).
 *
 * Everything random that ends up stored (holdout splits, subsampling, Thompson draws) comes
 * from here, so results are reproducible for a given seed on every platform.
 */
#ifndef CM_RNG_H
#define CM_RNG_H

#include <stdint.h>

typedef struct cm_rng
{
	uint64_t	s[4];
} cm_rng;

/* Seed the state from one 64-bit value (expanded with splitmix64). */
void		cm_rng_seed(cm_rng *rng, uint64_t seed);

uint64_t	cm_rng_u64(cm_rng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double		cm_rng_uniform(cm_rng *rng);

/* Uniform integer in [0, bound) without modulo bias; bound must be > 0. */
uint64_t	cm_rng_below(cm_rng *rng, uint64_t bound);

/* Standard normal deviate (Marsaglia polar method). */
double		cm_rng_normal(cm_rng *rng);

/*
 * A random-looking 64-bit value that depends only on key (the splitmix64 finalizer): per-item
 * randomness that is the same whichever thread computes which item.  Inline: it runs once per
 * training row per tree.
 */
static inline uint64_t
cm_rng_hash(uint64_t key)
{
	uint64_t	z = key + UINT64_C(0x9E3779B97F4A7C15);

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Advance by 2^128 steps: gives non-overlapping streams for parallel workers. */
void		cm_rng_jump(cm_rng *rng);

#endif
