/*
 * test_surprise.c - turnout surprise: exact tails against enumeration and 40-digit mpmath
 * references (surprise_references.py), the sketch and its saddlepoint against the exact
 * program, combine against sequential adds, forged states.
 */
#include "harness.h"
#include "rollup.h"
#include "rollup.h"
#include "surprise.h"

#include <math.h>

/* test_surprise.c and surprise_references.py build the same doubles. */
static double
spread_p(int i)
{
	return 0.02 + 0.96 * (double) ((i * 7919) % 1009) / 1009.0;
}

static double
skewed_p(int i)
{
	return i % 10 ? 1e-6 * (1 + i % 7) : 0.999 - 1e-4 * (i % 13);
}

/* A state grown as the glue grows it. */
typedef struct grown
{
	double	   *s;
	size_t		len;
} grown;

static void
grown_init(grown *g)
{
	g->len = CM_SURPRISE_HEADER;
	g->s = cm_alloc(g->len * sizeof(double));
	assert_non_null(g->s);
	cm_surprise_state_init(g->s);
}

static void
grown_add(grown *g, double p, bool voted)
{
	size_t		need;

	assert_int_equal(cm_surprise_state_check(g->s, g->len), CM_OK);
	assert_int_equal(cm_surprise_len_after_add(g->s, p, &need), CM_OK);
	if (need > g->len)
	{
		size_t		cap = g->len * 2 > need ? g->len * 2 : need;

		assert_int_equal(cm_grow_array((void **) &g->s, g->len, cap, sizeof(double)), CM_OK);
		g->len = cap;
	}
	assert_int_equal(cm_surprise_add(g->s, g->len, p, voted), CM_OK);
}

static void
grown_final(grown *g, cm_surprise *out)
{
	assert_int_equal(cm_surprise_final(g->s, g->len, out), CM_OK);
}

/* |got - want| within rel of want (and a floor for values that are 0 or 1). */
static void
assert_close(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want) + 1e-300))
		fail_msg("got %.17g, want %.17g (relative error %.3g > %.3g)", got, want,
				 fabs(got - want) / fabs(want), rel);
}

/* P(X <= k) and P(X >= k) by enumerating every subset. */
static void
brute_force_tails(const double *p, int n, int k, double *below, double *above)
{
	*below = *above = 0.0;
	for (unsigned mask = 0; mask < (1u << n); mask++)
	{
		double		prob = 1.0;
		int			count = 0;

		for (int i = 0; i < n; i++)
		{
			bool		in = (mask >> i) & 1u;

			prob *= in ? p[i] : 1.0 - p[i];
			count += in;
		}
		if (count <= k)
			*below += prob;
		if (count >= k)
			*above += prob;
	}
}

static void
test_exact_matches_enumeration(void **state)
{
	(void) state;
	for (int n = 0; n <= 12; n++)
	{
		double		p[12];

		for (int i = 0; i < n; i++)
			p[i] = i % 5 == 3 ? 1.0 : i % 7 == 4 ? 0.0 : spread_p(i * 31 + n);
		for (int k = 0; k <= n; k++)
		{
			grown		g;
			cm_surprise out;
			double		below,
						above;

			grown_init(&g);
			for (int i = 0; i < n; i++)
				grown_add(&g, p[i], i < k);	/* k of them voted */
			grown_final(&g, &out);
			brute_force_tails(p, n, k, &below, &above);
			assert_true(out.exact);
			assert_int_equal((int) out.n, n);
			assert_int_equal((int) out.observed, k);
			assert_close(out.p_below, below, 1e-12);
			assert_close(out.p_above, above, 1e-12);
			cm_free(g.s);
		}
	}
}

static const struct reference
{
	const char *group;
	int			k;
	double		below;
	double		above;
}			references[] = {
	/* /usr/bin/python3 src/core/test/surprise_references.py */
	{"a2000", 450, 1.9569790617116042e-200, 1.0},
	{"a2000", 700, 5.4557732136763398e-59, 1.0},
	{"a2000", 850, 6.2496166578217133e-16, 0.9999999999999996},
	{"a2000", 940, 0.00081456277428913641, 0.99932333952390826},
	{"a2000", 990, 0.32181876083356173, 0.69720032663546584},
	{"a2000", 1000, 0.52982780291783248, 0.4915862807696608},
	{"a2000", 1010, 0.72982919685007253, 0.28823452336651431},
	{"a2000", 1060, 0.99951733700607985, 0.00058385036942546192},
	{"a2000", 1150, 0.99999999999999982, 2.8420888177411858e-16},
	{"a2000", 1300, 1.0, 1.1057112566132766e-59},
	{"a2000", 1550, 1.0, 8.3841472112996815e-202},
	{"b", 140, 1.022826668836389e-13, 0.99999999999999793},
	{"b", 145, 5.0613165622949001e-6, 0.99999980556472732},
	{"b", 148, 0.024319898387769982, 0.9981188304244222},
	{"b", 150, 0.99576525491888661, 0.78756442409362204},
	{"b", 151, 0.99998860003098819, 0.0042347450811133869},
	{"b", 155, 0.99999999999999997, 2.9554491832102195e-14},
};

static int
group_size(const char *group)
{
	return group[0] == 'a' ? 2000 : 1500;
}

static double
group_p(const char *group, int i)
{
	return group[0] == 'a' ? spread_p(i) : skewed_p(i);
}

/* The exact path is exact to 1e-9 relative, in the far tails too (1e-200 here). */
static void
test_exact_matches_mpmath(void **state)
{
	(void) state;
	for (size_t r = 0; r < sizeof(references) / sizeof(references[0]); r++)
	{
		const struct reference *ref = &references[r];
		int			n = group_size(ref->group);
		grown		g;
		cm_surprise out;

		grown_init(&g);
		for (int i = 0; i < n; i++)
			grown_add(&g, group_p(ref->group, i), i < ref->k);
		grown_final(&g, &out);
		assert_true(out.exact);
		assert_close(out.p_below, ref->below, 1e-9);
		assert_close(out.p_above, ref->above, 1e-9);
		cm_free(g.s);
	}
}

/* Exact tails of certain + PB(p) by the core's DP, the reference of the sketch. */
static void
dp_tails(const double *p, size_t m, double certain, double k, double *below, double *above)
{
	double	   *pmf;
	double		lo = 0.0,
				hi = 0.0;

	assert_int_equal(cm_pb_pmf(p, m, &pmf), CM_OK);
	for (size_t j = 0; j <= m; j++)
	{
		if (certain + (double) j <= k)
			lo += pmf[j];
		if (certain + (double) j >= k)
			hi += pmf[j];
	}
	*below = lo;
	*above = hi;
	cm_free(pmf);
}

/*
 * The saddlepoint past the exact limit: its relative error, measured against the exact
 * program on groups of several shapes at every k whose tail is above 1e-250.  The bounds the
 * docs state (docs/surprise.md) are what this asserts: tight once the variance of the count
 * is 100 or more, loose below (a group whose voters are nearly all certain).
 */
static void
test_sketch_against_exact(void **state)
{
	static const int sizes[] = {300, 3000, 21000};
	double		worst_center = 0.0,
				worst_tail = 0.0,
				worst_small = 0.0;

	(void) state;
	for (int shape = 0; shape < 3; shape++)
		for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++)
		{
			int			m = sizes[z];
			double	   *p = cm_alloc((size_t) m * sizeof(double));
			double	   *pmf,
						mean = 0.0,
						var = 0.0;

			assert_non_null(p);
			for (int i = 0; i < m; i++)
			{
				p[i] = shape == 0 ? spread_p(i) : shape == 1 ? skewed_p(i) : 0.3 + 0.4 * spread_p(i) * spread_p(i + 1);
				mean += p[i];
				var += p[i] * (1 - p[i]);
			}
			assert_int_equal(cm_pb_pmf(p, (size_t) m, &pmf), CM_OK);
			{
				double		step = fmax(1.0, floor(sqrt(var) / 4));

				for (double k = 0; k <= m; k += (fabs(k - mean) < 8 * sqrt(var) ? 1.0 : step))
				{
					double		below,
								above,
								eb = 0.0,
								ea = 0.0;

					for (int j = 0; j <= m; j++)
					{
						if (j <= k)
							eb += pmf[j];
						if (j >= k)
							ea += pmf[j];
					}
					if (eb < 1e-250 || ea < 1e-250)
						continue;
					assert_int_equal(cm_surprise_sketch_tails(p, (size_t) m, 2.0, k + 2.0, &below, &above), CM_OK);
					{
						double		err = fmax(fabs(below - eb) / eb, fabs(above - ea) / ea);
						bool		center = fmin(eb, ea) > 1e-3;

						if (var < 100.0)
							worst_small = fmax(worst_small, err);
						else
						{
							if (center)
								worst_center = fmax(worst_center, err);
							else
								worst_tail = fmax(worst_tail, err);
						}
						/* every group, even of variance 0.15 */
						if (getenv("SURPRISE_VERBOSE") && err > 1e-3)
							print_message("shape %d m %d var %.3g k %g: below %.6g/%.6g above %.6g/%.6g\n", shape, m, var, k, below, eb, above, ea);
					}
				}
			}
			cm_free(pmf);
			cm_free(p);
		}
	print_message("sketch worst relative error: variance >= 100: center %.3g, tails %.3g; "
				  "smaller variance: %.3g\n", worst_center, worst_tail, worst_small);
	/* the figures of docs/surprise.md: 1.9e-6, 4.4e-5, 0.75 */
	assert_true(worst_center < 1e-5);
	assert_true(worst_tail < 1e-4);
	assert_true(worst_small < 0.8);
}

/* Crossing the exact limit turns the state into a sketch, which still agrees with the DP. */
static void
test_transition_to_sketch(void **state)
{
	int			m = CM_SURPRISE_EXACT_MAX + 500;
	double	   *p = cm_alloc((size_t) m * sizeof(double));
	grown		g;
	cm_surprise out;
	double		below,
				above;

	(void) state;
	assert_non_null(p);
	grown_init(&g);
	for (int i = 0; i < m; i++)
	{
		p[i] = spread_p(i);
		grown_add(&g, p[i], i % 2 == 0);
		if (i % 9 == 0)
			grown_add(&g, 1.0, true);	/* certain voters */
		if (i % 11 == 0)
			grown_add(&g, 0.0, i % 22 == 0);
	}
	grown_final(&g, &out);
	assert_false(out.exact);
	assert_true(cm_surprise_used_len(g.s) < 100 * CM_SURPRISE_BIN_LEN);
	/* the non-voters of p = 0 who voted count in observed, never in X */
	dp_tails(p, (size_t) m, ceil(m / 9.0), out.observed, &below, &above);
	assert_close(out.p_below, below, 1e-3);
	assert_close(out.p_above, above, 1e-3);
	cm_free(p);
	cm_free(g.s);
}

static void
combine(const double *a, size_t alen, const double *b, size_t blen, cm_surprise *out)
{
	double	   *o;
	size_t		olen;

	assert_int_equal(cm_surprise_combine(a, alen, b, blen, &o, &olen), CM_OK);
	assert_int_equal(cm_surprise_state_check(o, olen), CM_OK);
	assert_int_equal(cm_surprise_final(o, olen, out), CM_OK);
	cm_free(o);
}

/* Partial states combined in any split give the result of one pass. */
static void
test_combine_equals_sequential(void **state)
{
	static const int totals[] = {40, 3000, 2 * CM_SURPRISE_EXACT_MAX + 10};

	(void) state;
	for (size_t t = 0; t < sizeof(totals) / sizeof(totals[0]); t++)
	{
		int			n = totals[t];
		int			splits[] = {0, n / 3, n - 1};

		for (size_t sp = 0; sp < 3; sp++)
		{
			grown		all,
						a,
						b;
			cm_surprise one,
						two;

			grown_init(&all);
			grown_init(&a);
			grown_init(&b);
			for (int i = 0; i < n; i++)
			{
				double		p = i % 13 == 0 ? 1.0 : spread_p(i);

				grown_add(&all, p, i % 3 != 0);
				grown_add(i < splits[sp] ? &a : &b, p, i % 3 != 0);
			}
			grown_final(&all, &one);
			combine(a.s, a.len, b.s, b.len, &two);
			assert_int_equal(one.exact, two.exact);
			assert_true(one.n == two.n && one.observed == two.observed);
			assert_close(two.expected, one.expected, 1e-12);
			assert_close(two.p_below, one.p_below, 1e-9);
			assert_close(two.p_above, one.p_above, 1e-9);
			combine(b.s, b.len, a.s, a.len, &two);
			assert_close(two.p_below, one.p_below, 1e-9);
			cm_free(all.s);
			cm_free(a.s);
			cm_free(b.s);
		}
	}
}

static void
test_edges(void **state)
{
	grown		g;
	cm_surprise out;

	(void) state;
	/* empty group: X = 0 surely */
	grown_init(&g);
	grown_final(&g, &out);
	assert_true(out.n == 0 && out.observed == 0 && out.p_below == 1.0 && out.p_above == 1.0);
	/* a voter the model called impossible voted: P(X >= 1) = 0 */
	grown_add(&g, 0.0, true);
	grown_add(&g, 0.5, true);
	grown_final(&g, &out);
	assert_true(out.observed == 2 && out.p_below == 1.0 && out.p_above == 0.0);
	cm_free(g.s);
	/* a certain voter stayed home */
	grown_init(&g);
	grown_add(&g, 1.0, false);
	grown_add(&g, 0.5, false);
	grown_final(&g, &out);
	assert_true(out.p_below == 0.0 && out.p_above == 1.0);
	cm_free(g.s);
}

static void
test_check_p(void **state)
{
	(void) state;
	assert_int_equal(cm_rollup_check_p(0.0), CM_OK);
	assert_int_equal(cm_rollup_check_p(1.0), CM_OK);
	assert_int_equal(cm_rollup_check_p(NAN), CM_ERR_NONFINITE);
	assert_string_equal(harness_last_message, "p must be a probability between 0 and 1, got NaN");
	assert_int_equal(cm_rollup_check_p(-INFINITY), CM_ERR_NONFINITE);
	assert_int_equal(cm_rollup_check_p(1.5), CM_ERR_RANGE);
	assert_int_equal(cm_rollup_check_p(-1e-300), CM_ERR_RANGE);
}

static void
test_forged_states_rejected(void **state)
{
	double		s[CM_SURPRISE_HEADER + 2 * CM_SURPRISE_BIN_LEN];
	cm_surprise out;

	(void) state;
	cm_surprise_state_init(s);
	assert_int_equal(cm_surprise_state_check(s, CM_SURPRISE_HEADER - 1), CM_ERR_CORRUPT);
	s[0] = -1;
	assert_int_equal(cm_surprise_state_check(s, CM_SURPRISE_HEADER), CM_ERR_CORRUPT);
	cm_surprise_state_init(s);
	s[1] = 1;					/* observed > n */
	assert_int_equal(cm_surprise_state_check(s, CM_SURPRISE_HEADER), CM_ERR_CORRUPT);
	cm_surprise_state_init(s);
	s[0] = 2;
	s[5] = 2;					/* two probabilities claimed, none stored */
	s[3] = 1;
	assert_int_equal(cm_surprise_state_check(s, CM_SURPRISE_HEADER + 1), CM_ERR_CORRUPT);
	s[7] = 0.5;
	s[8] = NAN;					/* a stored probability is checked where it is read */
	assert_int_equal(cm_surprise_state_check(s, CM_SURPRISE_HEADER + 2), CM_OK);
	assert_int_equal(cm_surprise_final(s, CM_SURPRISE_HEADER + 2, &out), CM_ERR_CORRUPT);
	s[8] = 1.0;
	assert_int_equal(cm_surprise_final(s, CM_SURPRISE_HEADER + 2, &out), CM_ERR_CORRUPT);
	s[4] = 0.5;
	assert_int_equal(cm_surprise_state_check(s, CM_SURPRISE_HEADER + 2), CM_ERR_CORRUPT);
	/* sketches: bins out of order, counts that do not add up, moments out of bounds */
	memset(s, 0, sizeof(s));
	s[0] = s[5] = 2;
	s[3] = 0.5;
	s[6] = 2;
	s[7] = 5;
	s[8] = 1;
	s[7 + CM_SURPRISE_BIN_LEN] = 3;
	s[8 + CM_SURPRISE_BIN_LEN] = 1;
	assert_int_equal(cm_surprise_state_check(s, sizeof(s) / sizeof(s[0])), CM_ERR_CORRUPT);
	s[7 + CM_SURPRISE_BIN_LEN] = 6;
	assert_int_equal(cm_surprise_state_check(s, sizeof(s) / sizeof(s[0])), CM_OK);
	assert_int_equal(cm_surprise_final(s, sizeof(s) / sizeof(s[0]), &out), CM_OK);
	assert_int_equal(cm_surprise_state_check(s, sizeof(s) / sizeof(s[0]) - 1), CM_ERR_CORRUPT);
	s[9] = 0.5;					/* |d| > 1/3 */
	assert_int_equal(cm_surprise_final(s, sizeof(s) / sizeof(s[0]), &out), CM_ERR_CORRUPT);
	s[9] = 0;
	s[8] = 2;
	assert_int_equal(cm_surprise_state_check(s, sizeof(s) / sizeof(s[0])), CM_ERR_CORRUPT);
	s[8] = 1;
	s[7] = 5000;
	assert_int_equal(cm_surprise_state_check(s, sizeof(s) / sizeof(s[0])), CM_ERR_CORRUPT);
}

/* A cancel reaches the dynamic program of a large group. */
static void
test_interrupt(void **state)
{
	grown		g;
	cm_surprise out;

	(void) state;
	grown_init(&g);
	for (int i = 0; i < 10000; i++)
		grown_add(&g, spread_p(i), i % 2);
	harness_interrupt_after = 0;
	assert_int_equal(cm_surprise_final(g.s, g.len, &out), CM_ERR_CANCELED);
	harness_interrupt_after = -1;
	cm_free(g.s);
}

HARNESS_MAIN("surprise",
			 HARNESS_TEST(test_exact_matches_enumeration),
			 HARNESS_TEST(test_exact_matches_mpmath),
			 HARNESS_TEST(test_sketch_against_exact),
			 HARNESS_TEST(test_transition_to_sketch),
			 HARNESS_TEST(test_combine_equals_sequential),
			 HARNESS_TEST(test_edges),
			 HARNESS_TEST(test_check_p),
			 HARNESS_TEST(test_forged_states_rejected),
			 HARNESS_TEST(test_interrupt))
