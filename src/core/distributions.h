/*
 * distributions.h - the normal and beta distribution functions shared by the rollups
 * (credible intervals of shrunk rates) and the bandits (quantiles, P(best) quadrature).
 */
#ifndef CM_DISTRIBUTIONS_H
#define CM_DISTRIBUTIONS_H

/* Standard normal CDF. */
double		cm_normal_cdf(double x);

/* log B(a, b) for a, b > 0. */
double		cm_log_beta(double a, double b);

/* log(1 + e^z) without overflow or loss of precision. */
double		cm_softplus(double z);

/*
 * CDF of Beta(a, b) at the logit t = log(x / (1 - x)), lbeta = log B(a, b): accurate where x
 * underflows (tiny shapes) and where 1 - x rounds to 0.
 */
double		cm_beta_cdf_logit(double t, double a, double b, double lbeta);

/* CDF of Beta(a, b) at x; a normal approximation beyond a + b = 1e7, where they agree. */
double		cm_beta_cdf(double x, double a, double b);

/*
 * Bisect for the p-quantile of Beta(a, b) until the bracket [*lo, *hi] is narrower than tol
 * and than 1e-12 of its distance to the nearest edge (skewed arms have their quantiles there).
 */
void		cm_beta_quantile_bracket(double p, double a, double b, double lbeta, double tol,
									 double *lo, double *hi);

/*
 * The p-quantile of Beta(a, b).  a <= 0 or b <= 0 are the limits of a prior of no strength:
 * all the mass at 0 (a <= 0) or at 1 (b <= 0).
 */
double		cm_beta_quantile(double p, double a, double b);

#endif
