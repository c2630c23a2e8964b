/*
 * surprise_core.c - the core of campaign.turnout_surprise timed outside the server (built and
 * run by src/bench/surprise.sh): the exact final function at several group sizes, and the
 * sketch past the exact limit against the exact dynamic program it replaces.
 * Usage: surprise_core    prints one line per measurement.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memory.h"
#include "rollup.h"
#include "surprise.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
spread_p(long i)
{
	return 0.02 + 0.96 * (double) ((i * 7919) % 1009) / 1009.0;
}

/* A state of m voters, the first k of whom voted, grown as the glue grows it. */
static double *
build(long m, long k, size_t *len)
{
	size_t		cap = CM_SURPRISE_HEADER;
	double	   *s = cm_alloc(cap * sizeof(double));

	cm_surprise_state_init(s);
	for (long i = 0; i < m; i++)
	{
		size_t		need;

		if (cm_surprise_len_after_add(s, spread_p(i), &need) != CM_OK)
			exit(1);
		if (need > cap)
		{
			size_t		grown = cap * 2 > need ? cap * 2 : need;

			if (cm_grow_array((void **) &s, cap, grown, sizeof(double)) != CM_OK)
				exit(1);
			cap = grown;
		}
		if (cm_surprise_add(s, cap, spread_p(i), i < k) != CM_OK)
			exit(1);
	}
	*len = cap;
	return s;
}

int
main(void)
{
	static const long exact_sizes[] = {1000, 5000, 20000};
	static const long sketch_sizes[] = {100000, 1000000};

	for (size_t i = 0; i < sizeof(exact_sizes) / sizeof(exact_sizes[0]); i++)
	{
		long		m = exact_sizes[i];
		size_t		len;
		double	   *s = build(m, m / 2 - 3 * (long) sqrt((double) m) / 2, &len);
		double		best = 1e300;
		cm_surprise out;

		for (int r = 0; r < 5; r++)
		{
			double		t = now_ms();

			if (cm_surprise_final(s, len, &out) != CM_OK)
				return 1;
			best = fmin(best, now_ms() - t);
		}
		printf("exact final: %ld voters  %.3f ms  (p_below %.6g, exact %d)\n", m, best,
			   out.p_below, out.exact);
		cm_free(s);
	}
	for (size_t i = 0; i < sizeof(sketch_sizes) / sizeof(sketch_sizes[0]); i++)
	{
		long		m = sketch_sizes[i];
		long		k = (long) (0.4977 * m);
		size_t		len;
		double		t0 = now_ms();
		double	   *s = build(m, k, &len);
		double		t_build = now_ms() - t0,
					best = 1e300;
		cm_surprise out;

		for (int r = 0; r < 5; r++)
		{
			double		t = now_ms();

			if (cm_surprise_final(s, len, &out) != CM_OK)
				return 1;
			best = fmin(best, now_ms() - t);
		}
		printf("sketch final: %ld voters  %.3f ms  (state %zu entries, adds %.1f ns/voter, exact %d)\n",
			   m, best, cm_surprise_used_len(s), t_build * 1e6 / m, out.exact);
		if (m <= 100000)
		{
			double	   *p = cm_alloc((size_t) m * sizeof(double)),
					   *pmf,
						lo = 0.0,
						t;

			for (long j = 0; j < m; j++)
				p[j] = spread_p(j);
			t = now_ms();
			if (cm_pb_pmf(p, (size_t) m, &pmf) != CM_OK)
				return 1;
			for (long j = 0; j <= k; j++)
				lo += pmf[j];
			t = now_ms() - t;
			printf("exact DP of the same group: %.1f ms  ratio %.0fx  p_below exact %.12g sketch %.12g (relative error %.2g)\n",
				   t, t / best, lo, out.p_below, fabs(out.p_below - lo) / lo);
			cm_free(pmf);
			cm_free(p);
		}
		cm_free(s);
	}
	return 0;
}
