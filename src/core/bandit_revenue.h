/*
 * bandit_revenue.h - decisions on revenue arms (cm_revenue: conversion ~ Beta(alpha, beta),
 * gift ~ Exponential(lambda), lambda ~ Gamma(shape, rate), so revenue per visitor (RPV) is
 * theta / lambda): each the core of the SQL function of the same name (src/pg/bandit.c).
 */
#ifndef CM_BANDIT_REVENUE_H
#define CM_BANDIT_REVENUE_H

#include <stddef.h>

#include "bandit.h"
#include "status.h"

/*
 * Revenue per visitor of a revenue arm.  The mean is exact (shape > 1 required); the 95%
 * interval comes from 10,000 draws with a fixed seed.
 */
cm_status	cm_revenue_per_visitor(double alpha, double beta, double shape, double rate,
								   double *mean, double *lower, double *upper);

/*
 * P(arm i has the highest revenue per visitor theta / lambda) for every arm, by the same
 * adaptive quadrature as cm_prob_best over log RPV, whose density is a convolution computed
 * by an inner quadrature.  If expected_max is not NULL it receives E[max_i RPV_i].
 */
cm_status	cm_revenue_prob_best(const cm_revenue *arms, size_t n, double *prob,
								 double *expected_max);

#endif
