/*
 * rollup.c - Poisson-binomial rollups, empirical-Bayes shrinkage and privacy noise.
 */
#include "rollup.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "memory.h"

/* Counts are exact in a double up to 2^53. */
#define MAX_COUNT 9007199254740992.0
/* Room for the rounding of long sums of values that are each within bounds. */
#define SUM_SLACK(n) (1e-9 * (n) + 1e-9)

/*
 * The message reaches SQL users as it is, so a non-finite p is spelt as SQL prints a float8
 * (NaN, Infinity), not as printf does.
 */
#define P_MESSAGE "p must be a probability between 0 and 1, got "

cm_status
cm_rollup_check_p(double p)
{
	if (isnan(p))
		return cm_fail(CM_ERR_NONFINITE, P_MESSAGE "NaN");
	if (isinf(p))
		return cm_fail(CM_ERR_NONFINITE, P_MESSAGE "%sInfinity", p < 0.0 ? "-" : "");
	if (p < 0.0 || p > 1.0)
		return cm_fail(CM_ERR_RANGE, P_MESSAGE "%g", p);
	return CM_OK;
}

static bool
is_count(double v)
{
	return isfinite(v) && v >= 0.0 && v <= MAX_COUNT && v == floor(v);
}

cm_status
cm_rollup_state_check(const double *s, size_t len)
{
	double		n;

	if (len < CM_ROLLUP_HEADER)
		return cm_fail(CM_ERR_CORRUPT, "rollup state has %zu entries, needs at least %d",
					   len, CM_ROLLUP_HEADER);
	n = s[0];
	if (!is_count(n))
		return cm_fail(CM_ERR_CORRUPT, "rollup state has an invalid count");
	if (!isfinite(s[1]) || !isfinite(s[2]) || !isfinite(s[3]) ||
		s[1] < 0.0 || s[1] > n + SUM_SLACK(n) ||
		s[2] < 0.0 || s[2] > n / 4 + SUM_SLACK(n) ||
		fabs(s[3]) > s[2] + SUM_SLACK(n))
		return cm_fail(CM_ERR_CORRUPT, "rollup state has inconsistent sums");
	if (s[4] != 0.0 && s[4] != 1.0)
		return cm_fail(CM_ERR_CORRUPT, "rollup state has an invalid exact flag");
	if (s[4] == 1.0 && n > CM_ROLLUP_EXACT_MAX)
		return cm_fail(CM_ERR_CORRUPT, "rollup state keeps too many probabilities");
	if (s[4] == 1.0 && n > (double) (len - CM_ROLLUP_HEADER))
		return cm_fail(CM_ERR_CORRUPT, "rollup state is truncated");
	return CM_OK;
}

void
cm_rollup_state_init(double *s)
{
	s[0] = s[1] = s[2] = s[3] = 0.0;
	s[4] = 1.0;
}

static bool
keeps_probabilities(const double *s)
{
	return s[4] == 1.0;
}

size_t
cm_rollup_len_after_add(const double *s)
{
	if (!keeps_probabilities(s) || s[0] + 1.0 > CM_ROLLUP_EXACT_MAX)
		return CM_ROLLUP_HEADER;
	return CM_ROLLUP_HEADER + (size_t) s[0] + 1;
}

void
cm_rollup_add(double *s, size_t len, double p)
{
	double		v = p * (1.0 - p);
	size_t		n = (size_t) s[0];

	(void) len;
	if (keeps_probabilities(s))
	{
		if (n + 1 > CM_ROLLUP_EXACT_MAX)
			s[4] = 0.0;			/* the group outgrew the exact path: keep cumulants only */
		else
			s[CM_ROLLUP_HEADER + n] = p;
	}
	s[0] += 1.0;
	s[1] += p;
	s[2] += v;
	s[3] += v * (1.0 - 2.0 * p);
}

static bool
combine_is_exact(const double *a, const double *b)
{
	return keeps_probabilities(a) && keeps_probabilities(b) && a[0] + b[0] <= CM_ROLLUP_EXACT_MAX;
}

size_t
cm_rollup_len_after_combine(const double *a, const double *b)
{
	if (!combine_is_exact(a, b))
		return CM_ROLLUP_HEADER;
	return CM_ROLLUP_HEADER + (size_t) (a[0] + b[0]);
}

cm_status
cm_rollup_combine(const double *a, const double *b, double *out, size_t out_len)
{
	if (a[0] + b[0] > MAX_COUNT)
		return cm_fail(CM_ERR_LIMIT, "rollup group exceeds %.0f voters", MAX_COUNT);
	if (out_len < cm_rollup_len_after_combine(a, b))
		return cm_fail(CM_ERR_INTERNAL, "rollup combine buffer too short");
	for (int i = 0; i < 4; i++)
		out[i] = a[i] + b[i];
	out[4] = 0.0;
	if (combine_is_exact(a, b))
	{
		size_t		na = (size_t) a[0],
					nb = (size_t) b[0];

		memcpy(out + CM_ROLLUP_HEADER, a + CM_ROLLUP_HEADER, na * sizeof(double));
		memcpy(out + CM_ROLLUP_HEADER + na, b + CM_ROLLUP_HEADER, nb * sizeof(double));
		out[4] = 1.0;
	}
	return CM_OK;
}

/* One more Bernoulli(p) in the distribution pmf[0..m-1], which becomes pmf[0..m]. */
static void
pmf_add(double *pmf, size_t m, double p)
{
	double		q = 1.0 - p;

	pmf[m] = pmf[m - 1] * p;
	for (size_t k = m - 1; k > 0; k--)
		pmf[k] = pmf[k] * q + pmf[k - 1] * p;
	pmf[0] *= q;
}

cm_status
cm_pb_pmf(const double *p, size_t n, double **pmf)
{
	double	   *out;
	size_t		len;

	if (!cm_add_size(n, 1, &len))
		return cm_fail(CM_ERR_LIMIT, "too many voters for an exact distribution");
	CM_TRY(cm_alloc_array(len, sizeof(double), (void **) &out));
	out[0] = 1.0;
	for (size_t m = 1; m <= n; m++)
	{
		/* stable: every term is a product of non-negative numbers */
		pmf_add(out, m, p[m - 1]);
		if ((m & 4095) == 0 && cm_check_interrupts() != CM_OK)
		{
			cm_free(out);
			return CM_ERR_CANCELED;
		}
	}
	*pmf = out;
	return CM_OK;
}

cm_status
cm_rollup_final(const double *s, size_t len, cm_propensity *out)
{
	CM_TRY(cm_rollup_state_check(s, len));
	out->n = s[0];
	out->expected = fmin(s[1], s[0]);
	out->sd = sqrt(s[2]);
	if (keeps_probabilities(s))
	{
		size_t		n = (size_t) s[0];
		const double *p = s + CM_ROLLUP_HEADER;
		double	   *pmf;

		for (size_t i = 0; i < n; i++)
			if (!(p[i] >= 0.0 && p[i] <= 1.0))	/* NaN fails too */
				return cm_fail(CM_ERR_CORRUPT, "rollup state has an invalid probability");
		CM_TRY(cm_pb_pmf(p, n, &pmf));
		out->lo = cm_pb_quantile_exact(pmf, n + 1, CM_ROLLUP_LO_Q);
		out->hi = cm_pb_quantile_exact(pmf, n + 1, CM_ROLLUP_HI_Q);
		cm_free(pmf);
	}
	else
	{
		out->lo = cm_pb_quantile_rna(s[0], s[1], s[2], s[3], CM_ROLLUP_LO_Q);
		out->hi = cm_pb_quantile_rna(s[0], s[1], s[2], s[3], CM_ROLLUP_HI_Q);
	}
	return CM_OK;
}

/*
 * Cumulative sums carry rounding of order 1e-15; without the tolerance a CDF that is exactly
 * q in exact arithmetic could land on either side of it.
 */
#define CDF_TOLERANCE 1e-12

double
cm_pb_quantile_exact(const double *pmf, size_t m, double q)
{
	double		cdf = 0.0;

	for (size_t k = 0; k < m; k++)
	{
		cdf += pmf[k];
		if (cdf >= q - CDF_TOLERANCE)
			return (double) k;
	}
	return (double) (m - 1);
}

/* Bisection: only a handful of calls per query, so robustness beats speed. */
double
cm_normal_quantile(double q)
{
	double		lo = -40.0,
				hi = 40.0;

	for (int i = 0; i < 100; i++)
	{
		double		mid = 0.5 * (lo + hi);

		if (cm_normal_cdf(mid) < q)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* The refined normal approximation of P(X <= k). */
static double
rna_cdf(double k, double mean, double sd, double gamma)
{
	double		x = (k + 0.5 - mean) / sd;
	double		phi = exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
	double		g = cm_normal_cdf(x) + gamma * (1.0 - x * x) * phi / 6.0;

	return fmin(1.0, fmax(0.0, g));
}

/* The corrected CDF is not always monotone for very skewed groups: bound the walk. */
#define RNA_MAX_STEPS 100000

double
cm_pb_quantile_rna(double n, double mean, double var, double third, double q)
{
	double		sd,
				gamma,
				z,
				k;

	if (var <= 1e-300)
		return fmin(n, fmax(0.0, floor(mean + 0.5)));	/* every p is 0 or 1 */
	sd = sqrt(var);
	gamma = third / (var * sd);
	z = cm_normal_quantile(q);
	/* Cornish-Fisher start, then walk to the smallest integer whose corrected CDF >= q */
	k = ceil(mean + sd * (z + (z * z - 1.0) * gamma / 6.0) - 0.5);
	k = fmin(n, fmax(0.0, k));
	if (rna_cdf(k, mean, sd, gamma) >= q)
	{
		for (int i = 0; i < RNA_MAX_STEPS && k > 0 && rna_cdf(k - 1, mean, sd, gamma) >= q; i++)
			k -= 1.0;
	}
	else
	{
		for (int i = 0; i < RNA_MAX_STEPS && k < n && rna_cdf(k, mean, sd, gamma) < q; i++)
			k += 1.0;
	}
	return k;
}

/* ---- empirical Bayes ------------------------------------------------------------------ */

cm_status
cm_eb_check(double successes, double trials)
{
	if (!isfinite(successes) || !isfinite(trials))
		return cm_fail(CM_ERR_NONFINITE, "successes and trials must be finite");
	if (trials < 0.0 || successes < 0.0 || successes > trials)
		return cm_fail(CM_ERR_INVALID,
					   "successes must be between 0 and trials, got %g of %g", successes, trials);
	return CM_OK;
}

void
cm_eb_add(cm_eb_stats *st, double successes, double trials)
{
	if (trials <= 0.0)
		return;
	st->units += 1.0;
	st->trials += trials;
	st->successes += successes;
	st->trials_sq += trials * trials;
	st->rate_sq += successes * (successes / trials);	/* <= successes: no early overflow */
}

void
cm_eb_merge(cm_eb_stats *into, const cm_eb_stats *other)
{
	into->units += other->units;
	into->trials += other->trials;
	into->successes += other->successes;
	into->trials_sq += other->trials_sq;
	into->rate_sq += other->rate_sq;
}

/*
 * Method of moments for the beta-binomial, weighting each unit's rate by its trials: with
 * S = sum n_i (r_i - mu)^2 and c = mu (1 - mu),
 *   E[S] = phi2 (N - sum n_i^2 / N - (k - 1)) + (k - 1) c
 * where phi2 is the variance of the true rates; the prior strength is c / phi2 - 1.
 */
cm_status
cm_eb_fit(const cm_eb_stats *st, double *alpha, double *beta)
{
	double		N = st->trials,
				k = st->units,
				mu,
				c,
				spread,
				denom,
				phi2 = 0.0,
				strength;

	*alpha = *beta = 0.0;
	if (!isfinite(N) || !isfinite(st->successes) || !isfinite(st->trials_sq) ||
		!isfinite(st->rate_sq))
		return cm_fail(CM_ERR_RANGE, "the trials of the partition (%g in all) are too large for "
					   "double precision: the sum of their squares overflows", N);
	if (k < 1.0 || N <= 0.0)
		return CM_OK;
	mu = fmin(1.0, fmax(0.0, st->successes / N));
	c = mu * (1.0 - mu);
	spread = fmax(0.0, st->rate_sq - mu * mu * N);
	denom = N - st->trials_sq / N - (k - 1.0);
	if (k >= 2.0 && denom > 0.0)
		phi2 = (spread - (k - 1.0) * c) / denom;
	/* no detectable variation between units: the prior is worth at most all the data */
	strength = (phi2 > 0.0 && c > 0.0) ? fmin(c / phi2 - 1.0, N) : N;
	strength = fmax(strength, 1e-6);
	*alpha = mu * strength;
	*beta = (1.0 - mu) * strength;
	return CM_OK;
}

cm_status
cm_eb_posterior(double alpha, double beta, double successes, double trials,
				double level, double *mean, double *lo, double *hi)
{
	double		a = alpha + successes,
				b = beta + trials - successes;

	if (!isfinite(a) || !isfinite(b) || !isfinite(a + b))
		return cm_fail(CM_ERR_RANGE, "the posterior of %g successes in %g trials overflows "
					   "double precision", successes, trials);
	*mean = a / (a + b);
	*lo = fmin(*mean, cm_beta_quantile(0.5 * (1.0 - level), a, b));
	*hi = fmax(*mean, cm_beta_quantile(0.5 * (1.0 + level), a, b));
	return CM_OK;
}

/* ---- differential privacy ------------------------------------------------------------- */

/* Exponential(rate) by inversion; 1 - u is in (0, 1], so the log is finite. */
static double
exponential(cm_rng *rng, double rate)
{
	return -log(1.0 - cm_rng_uniform(rng)) / rate;
}

double
cm_laplace_noise(cm_rng *rng, double b)
{
	double		e = exponential(rng, 1.0 / b);

	return (cm_rng_u64(rng) & 1) ? e : -e;
}

/* floor(Exponential(epsilon)) is geometric with P(G >= g) = exp(-epsilon g). */
double
cm_geometric_noise(cm_rng *rng, double epsilon)
{
	return floor(exponential(rng, epsilon)) - floor(exponential(rng, epsilon));
}

/*
 * Exponential draws are at most 38 scales (1 - u >= 2^-53, -log of it <= 36.8), so a scale
 * up to DBL_MAX / 64 keeps every draw and a difference of two finite.
 */
#define NOISE_SCALE_MAX (DBL_MAX / 64)

static cm_status
noise_scale_check(double b, const char *what)
{
	if (!(b >= DBL_MIN && b <= NOISE_SCALE_MAX))
		return cm_fail(CM_ERR_RANGE, "the noise scale %s is %g, outside what double precision "
					   "can hold (%g to %g)", what, b, DBL_MIN, NOISE_SCALE_MAX);
	return CM_OK;
}

cm_status
cm_dp_sum(cm_rng *rng, double x, double epsilon, double sensitivity, double *out)
{
	double		b = sensitivity / epsilon;

	CM_TRY(noise_scale_check(b, "sensitivity / epsilon"));
	*out = x + cm_laplace_noise(rng, b);
	if (!isfinite(*out))
		return cm_fail(CM_ERR_RANGE, "the noisy sum overflows double precision");
	return CM_OK;
}

cm_status
cm_dp_count(cm_rng *rng, double n, double epsilon, double *out)
{
	CM_TRY(noise_scale_check(1.0 / epsilon, "1 / epsilon"));
	*out = fmax(0.0, n + cm_geometric_noise(rng, epsilon));
	if (!isfinite(*out))
		return cm_fail(CM_ERR_RANGE, "the noisy count overflows double precision");
	return CM_OK;
}
