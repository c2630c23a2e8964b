/* distributions.c - normal CDF, incomplete beta by continued fraction, beta quantiles. */
#include "distributions.h"

#include <math.h>
#include <string.h>
#include <stdint.h>

/* Beyond this a + b the beta is indistinguishable from its normal approximation. */
#define BETA_NORMAL_ABOVE 1e7

double
cm_normal_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

double
cm_log_beta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

static inline double
not_tiny(double v)
{
	const double tiny = 1e-300;

	return fabs(v) < tiny ? tiny : v;
}

/* Continued fraction of the incomplete beta (modified Lentz). */
static double
beta_continued_fraction(double x, double a, double b)
{
	double		c = 1.0,
				d = 1.0 / not_tiny(1.0 - (a + b) * x / (a + 1.0));
	double		h = d;

	for (int m = 1; m <= 20000; m++)
	{
		int			m2 = 2 * m;
		double		num = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
		double		delta;

		d = 1.0 / not_tiny(1.0 + num * d);
		c = not_tiny(1.0 + num / c);
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
		d = 1.0 / not_tiny(1.0 + num * d);
		c = not_tiny(1.0 + num / c);
		delta = d * c;
		h *= delta;
		if (fabs(delta - 1.0) < 1e-15)
			break;
	}
	return h;
}

/*
 * Regularized incomplete beta I_x(a, b), the CDF of Beta(a, b), with lbeta = log B(a, b),
 * lx = log x and l1x = log(1 - x) given by callers that evaluate many points of one arm.
 */
static double
beta_cdf_logs(double x, double a, double b, double lbeta, double lx, double l1x)
{
	double		front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(a * lx + b * l1x - lbeta);
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_continued_fraction(x, a, b) / a;
	return 1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b;
}

double
cm_softplus(double z)
{
	return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/*
 * I_x(a, b) at x = 1 / (1 + e^-t).  log x and log(1 - x) come from t, so x may be far below
 * the smallest double (shapes near 0 put most of their mass there) and 1 - x keeps its
 * precision near 1: the upper branch uses the complement I_{1-x}(b, a) with 1 - x from t.
 */
double
cm_beta_cdf_logit(double t, double a, double b, double lbeta)
{
	double		lx = -cm_softplus(-t),
				ly = -cm_softplus(t),
				x = exp(lx),
				front = exp(a * lx + b * ly - lbeta);

	if (x < (a + 1.0) / (a + b + 2.0))
		return fmin(1.0, front * beta_continued_fraction(x, a, b) / a);
	return fmax(0.0, 1.0 - front * beta_continued_fraction(exp(ly), b, a) / b);
}

double
cm_beta_cdf(double x, double a, double b)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	if (a + b > BETA_NORMAL_ABOVE)
	{
		double		mean = a / (a + b);
		double		sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1.0)));

		return cm_normal_cdf((x - mean) / sd);
	}
	return beta_cdf_logs(x, a, b, cm_log_beta(a, b), log(x), log1p(-x));
}

void
cm_beta_quantile_bracket(double p, double a, double b, double lbeta, double tol,
						 double *lo, double *hi)
{
	*lo = 0;
	*hi = 1;
	for (int i = 0; i < 200 && *hi - *lo > fmax(tol, 1e-12 * fmin(*lo, 1 - *hi)); i++)
	{
		double		mid = 0.5 * (*lo + *hi);
		double		cdf = a + b > BETA_NORMAL_ABOVE ? cm_beta_cdf(mid, a, b) :
			beta_cdf_logs(mid, a, b, lbeta, log(mid), log1p(-mid));

		if (cdf < p)
			*lo = mid;
		else
			*hi = mid;
	}
}

/*
 * The smallest double x in [0, 1] with CDF(x) >= p, by bisection on the bits of x: positive
 * doubles sort as their bit patterns, so 62 steps reach the neighbouring double whatever the
 * scale of x (bisecting on x stopped at 2^-200, above the whole interval of a posterior with
 * a tiny alpha, and left it without its own mean).
 */
static double
beta_quantile_exact(double p, double a, double b, double lbeta)
{
	uint64_t	lo = 0,			/* the bits of 0: CDF(0) = 0 < p */
				hi;				/* the bits of 1: CDF(1) = 1 >= p */
	double		one = 1.0;

	memcpy(&hi, &one, sizeof(hi));
	while (hi - lo > 1)
	{
		uint64_t	mid = lo + (hi - lo) / 2;
		double		x,
					cdf;

		memcpy(&x, &mid, sizeof(x));
		cdf = a + b > BETA_NORMAL_ABOVE ? cm_beta_cdf(x, a, b) :
			beta_cdf_logs(x, a, b, lbeta, log(x), log1p(-x));
		if (cdf < p)
			lo = mid;
		else
			hi = mid;
	}
	memcpy(&one, &hi, sizeof(one));
	return one;
}

double
cm_beta_quantile(double p, double a, double b)
{
	if (a <= 0)
		return 0;
	if (b <= 0)
		return 1;
	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	return beta_quantile_exact(p, a, b, cm_log_beta(a, b));
}
