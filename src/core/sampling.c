/* sampling.c - Gamma and Beta deviates (Marsaglia-Tsang, in logs so tiny shapes survive). */
#include "sampling.h"

#include <math.h>

/* Uniform in (0, 1]: safe to take the log of. */
static double
uniform_open0(cm_rng *rng)
{
	return 1.0 - cm_rng_uniform(rng);
}

/* Marsaglia-Tsang (2000) for shape >= 1. */
static double
gamma_mt(cm_rng *rng, double shape)
{
	double		d = shape - 1.0 / 3.0;
	double		c = 1.0 / sqrt(9.0 * d);

	for (;;)
	{
		double		x = cm_rng_normal(rng);
		double		v = 1.0 + c * x;
		double		u;

		if (v <= 0)
			continue;
		v = v * v * v;
		u = uniform_open0(rng);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

/*
 * log of a Gamma(shape, 1) deviate.  Shapes below 1 use Gamma(shape + 1) * U^(1/shape);
 * in logs, so tiny shapes do not underflow to 0.
 */
static double
log_gamma_sample(cm_rng *rng, double shape)
{
	if (shape >= 1.0)
		return log(gamma_mt(rng, shape));
	return log(gamma_mt(rng, shape + 1.0)) + log(uniform_open0(rng)) / shape;
}

double
cm_gamma_sample(cm_rng *rng, double shape)
{
	return exp(log_gamma_sample(rng, shape));
}

double
cm_beta_logit_sample(cm_rng *rng, double a, double b)
{
	double		lx = log_gamma_sample(rng, a);

	return lx - log_gamma_sample(rng, b);
}

double
cm_beta_sample(cm_rng *rng, double a, double b)
{
	return 1.0 / (1.0 + exp(-cm_beta_logit_sample(rng, a, b)));
}
