/*
 * logistic.h - L2-regularized logistic regression fitted by Newton's method (IRLS).
 *
 * Features are standardized with the training rows' mean and standard deviation; a missing
 * value (NaN) takes the standardized value 0, that is the training mean.  The penalty
 * l2/2 * ||w||^2 applies to the standardized coefficients, not to the intercept.
 */
#ifndef CM_LOGISTIC_H
#define CM_LOGISTIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "params.h"
#include "status.h"

#define CM_LOGISTIC_MAX_FEATURES 1000	/* the Newton system is (p+1)^2 */

typedef struct cm_logistic
{
	uint32_t	n_features;
	double		intercept;
	double	   *mean;			/* centre of each feature */
	double	   *scale;			/* spread of each feature, > 0 */
	double	   *coef;			/* coefficient on the standardized feature */
} cm_logistic;

/* The tunables of a fit; cm_logistic_param_table lists their defaults and ranges. */
typedef struct cm_logistic_params
{
	double		l2;				/* strength of the L2 penalty */
	int			max_iterations;
	double		tolerance;		/* stop when no coefficient moves more than this */
	/* for the host, not read by cm_logistic_fit: its holdout split (cm_dataset_split) */
	double		holdout;
	uint64_t	seed;
	/* optional, called after each iteration like cm_gbt_params.progress (total = max_iterations) */
	void		(*progress) (void *arg, int done, int total);
	void	   *progress_arg;
} cm_logistic_params;

typedef struct cm_logistic_info
{
	int			iterations;
	bool		converged;
	size_t		rows_used;
} cm_logistic_info;

/* The tunables of cm_logistic_params: names, defaults and inclusive ranges. */
extern const cm_param_table cm_logistic_param_table;

/* Every tunable at its table default. */
void		cm_logistic_default_params(cm_logistic_params *params);

/* Check params against the table; CM_ERR_INVALID with a message naming the bad one. */
cm_status	cm_logistic_check_params(const cm_logistic_params *params);

/*
 * Fit on the rows of x (n_rows x n_features, row-major, NaN = missing) whose skip flag is 0
 * (skip may be NULL); y holds 0/1 labels.  The rows used must contain both classes and each
 * feature at least one non-missing value.
 */
cm_status	cm_logistic_fit(const double *x, const double *y, size_t n_rows,
							uint32_t n_features, const uint8_t *skip,
							const cm_logistic_params *params,
							cm_logistic **out, cm_logistic_info *info);

/* Log-odds and probability of one row (n_features values, NaN = missing). */
double		cm_logistic_logit(const cm_logistic *m, const double *x);
double		cm_logistic_predict(const cm_logistic *m, const double *x);

void		cm_logistic_free(cm_logistic *m);

extern const cm_algorithm_ops cm_logistic_ops;

#endif
