/* rng.c - xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
#include "rng.h"

#include <math.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
cm_rng_seed(cm_rng *rng, uint64_t seed)
{
	uint64_t	x = seed;

	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

uint64_t
cm_rng_u64(cm_rng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
cm_rng_uniform(cm_rng *rng)
{
	return (double) (cm_rng_u64(rng) >> 11) * 0x1.0p-53;
}

uint64_t
cm_rng_below(cm_rng *rng, uint64_t bound)
{
	/* Rejection on the low zone keeps every value equally likely. */
	uint64_t	threshold = (0 - bound) % bound;

	for (;;)
	{
		uint64_t	r = cm_rng_u64(rng);

		if (r >= threshold)
			return r % bound;
	}
}

double
cm_rng_normal(cm_rng *rng)
{
	double		u,
				v,
				s;

	do
	{
		u = 2.0 * cm_rng_uniform(rng) - 1.0;
		v = 2.0 * cm_rng_uniform(rng) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	return u * sqrt(-2.0 * log(s) / s);
}

void
cm_rng_jump(cm_rng *rng)
{
	static const uint64_t jump[] = {
		UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
		UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c)
	};
	uint64_t	acc[4] = {0, 0, 0, 0};

	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 64; b++)
		{
			if (jump[i] & (UINT64_C(1) << b))
				for (int k = 0; k < 4; k++)
					acc[k] ^= rng->s[k];
			cm_rng_u64(rng);
		}
	for (int k = 0; k < 4; k++)
		rng->s[k] = acc[k];
}
