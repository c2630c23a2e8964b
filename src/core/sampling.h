/*
 * sampling.h - exact Gamma and Beta deviates from the seeded generator (core/rng.h): the
 * draws of Thompson sampling and of the Monte Carlo summaries of the bandits.
 */
#ifndef CM_SAMPLING_H
#define CM_SAMPLING_H

#include "rng.h"

/* Gamma(shape, 1) deviate, Marsaglia-Tsang; shape < 1 via the U^(1/shape) boost. */
double		cm_gamma_sample(cm_rng *rng, double shape);

/* Beta(a, b) deviate from two gammas (X / (X + Y)). */
double		cm_beta_sample(cm_rng *rng, double a, double b);

/*
 * The logit of a Beta(a, b) deviate, log X - log Y: exact where X / (X + Y) rounds to 0 or 1
 * (shapes near 0), so draws can still be compared there.
 */
double		cm_beta_logit_sample(cm_rng *rng, double a, double b);

#endif
