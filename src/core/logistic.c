/*
 * logistic.c - IRLS logistic regression with backtracking, its table of tunables and its model
 * body codec.
 */
#include "logistic.h"
#include "distributions.h"
#include "memory.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define INTERRUPT_EVERY 65536

#define NUMBER(name, type, member, def, min, max) \
	{name, type, offsetof(cm_logistic_params, member), def, min, max, NULL, 0}

/* In the order users see them (the list of valid parameters, the stored params). */
static const cm_param logistic_params[] = {
	NUMBER("holdout", CM_PARAM_REAL, holdout, 0.2, 0, 0.9),
	NUMBER("seed", CM_PARAM_SEED, seed, 42, 0, 2147483647.0),
	NUMBER("l2", CM_PARAM_REAL, l2, 1.0, 0, 1e6),
	NUMBER("max_iterations", CM_PARAM_INT, max_iterations, 100, 1, 10000),
	NUMBER("tolerance", CM_PARAM_REAL, tolerance, 1e-8, 1e-15, 1.0),
};

const cm_param_table cm_logistic_param_table = {
	logistic_params, sizeof(logistic_params) / sizeof(logistic_params[0])
};

void
cm_logistic_default_params(cm_logistic_params *params)
{
	cm_params_default(&cm_logistic_param_table, params, sizeof(*params));
}

cm_status
cm_logistic_check_params(const cm_logistic_params *params)
{
	return cm_params_check(&cm_logistic_param_table, params);
}

static cm_status
logistic_alloc(uint32_t n_features, cm_logistic **out)
{
	cm_logistic *m;

	CM_TRY(cm_alloc_array(1, sizeof(cm_logistic), (void **) &m));
	m->n_features = n_features;
	if (cm_alloc_array(n_features, sizeof(double), (void **) &m->mean) != CM_OK ||
		cm_alloc_array(n_features, sizeof(double), (void **) &m->scale) != CM_OK ||
		cm_alloc_array(n_features, sizeof(double), (void **) &m->coef) != CM_OK)
	{
		cm_logistic_free(m);
		return CM_ERR_NOMEM;
	}
	*out = m;
	return CM_OK;
}

void
cm_logistic_free(cm_logistic *m)
{
	if (m == NULL)
		return;
	cm_free(m->mean);
	cm_free(m->scale);
	cm_free(m->coef);
	cm_free(m);
}

static inline double
sigmoid(double t)
{
	if (t >= 0)
		return 1.0 / (1.0 + exp(-t));
	else
	{
		double		e = exp(t);

		return e / (1.0 + e);
	}
}

/* Column means and standard deviations over the rows used; fails on an all-missing column. */
static cm_status
fit_standardization(const double *x, size_t n_rows, uint32_t p, const uint8_t *skip,
					cm_logistic *m)
{
	for (uint32_t j = 0; j < p; j++)
	{
		double		sum = 0,
					sumsq = 0,
					count = 0;

		for (size_t i = 0; i < n_rows; i++)
		{
			double		v = x[i * p + j];

			if ((skip && skip[i]) || isnan(v))
				continue;
			sum += v;
			count += 1;
		}
		if (count == 0)
			return cm_fail(CM_ERR_DATA, "feature %u has no non-missing value in the training rows",
						   j + 1);
		m->mean[j] = sum / count;
		for (size_t i = 0; i < n_rows; i++)
		{
			double		v = x[i * p + j];

			if ((skip && skip[i]) || isnan(v))
				continue;
			sumsq += (v - m->mean[j]) * (v - m->mean[j]);
		}
		m->scale[j] = sumsq > 0 ? sqrt(sumsq / count) : 1.0;
	}
	return CM_OK;
}

/* Newton workspace: d = p + 1 unknowns, index 0 is the intercept. */
typedef struct irls
{
	const double *x;
	const double *y;
	const uint8_t *skip;
	size_t		n_rows;
	uint32_t	p;
	size_t		d;
	double		l2;
	const cm_logistic *standard;
	double	   *z;				/* one standardized row with a leading 1 */
	double	   *grad;			/* d */
	double	   *hess;			/* d x d, lower triangle filled */
} irls;

static void
standardize_row(const irls *w, const double *row)
{
	w->z[0] = 1.0;
	for (uint32_t j = 0; j < w->p; j++)
		w->z[j + 1] = isnan(row[j]) ? 0.0 :
			(row[j] - w->standard->mean[j]) / w->standard->scale[j];
}

/* One pass: penalized loss at beta, and its gradient and Hessian into w. */
static cm_status
irls_pass(irls *w, const double *beta, double *loss_out)
{
	size_t		d = w->d;
	double		loss = 0;

	memset(w->grad, 0, d * sizeof(double));
	memset(w->hess, 0, d * d * sizeof(double));
	for (size_t i = 0; i < w->n_rows; i++)
	{
		double		eta = 0,
					prob,
					weight;

		if ((i + 1) % INTERRUPT_EVERY == 0)
			CM_TRY(cm_check_interrupts());
		if (w->skip && w->skip[i])
			continue;
		standardize_row(w, w->x + i * w->p);
		for (size_t a = 0; a < d; a++)
			eta += beta[a] * w->z[a];
		prob = sigmoid(eta);
		weight = fmax(prob * (1 - prob), 1e-12);
		loss += cm_softplus(eta) - w->y[i] * eta;
		for (size_t a = 0; a < d; a++)
		{
			double		wa = weight * w->z[a];

			w->grad[a] += (prob - w->y[i]) * w->z[a];
			for (size_t b = 0; b <= a; b++)
				w->hess[a * d + b] += wa * w->z[b];
		}
	}
	for (size_t a = 1; a < d; a++)
	{
		loss += 0.5 * w->l2 * beta[a] * beta[a];
		w->grad[a] += w->l2 * beta[a];
		w->hess[a * d + a] += w->l2;
	}
	*loss_out = loss;
	return CM_OK;
}

/* Solve H x = g in place (g becomes x) by Cholesky on the lower triangle of H. */
static cm_status
cholesky_solve(double *h, double *g, size_t d)
{
	for (size_t j = 0; j < d; j++)
	{
		double		s = h[j * d + j];

		for (size_t k = 0; k < j; k++)
			s -= h[j * d + k] * h[j * d + k];
		if (!(s > 1e-12))
			return cm_fail(CM_ERR_DATA,
						   "the features are collinear or constant; use a positive l2");
		h[j * d + j] = sqrt(s);
		for (size_t i = j + 1; i < d; i++)
		{
			double		t = h[i * d + j];

			for (size_t k = 0; k < j; k++)
				t -= h[i * d + k] * h[j * d + k];
			h[i * d + j] = t / h[j * d + j];
		}
	}
	for (size_t i = 0; i < d; i++)
	{
		for (size_t k = 0; k < i; k++)
			g[i] -= h[i * d + k] * g[k];
		g[i] /= h[i * d + i];
	}
	for (size_t i = d; i-- > 0;)
	{
		for (size_t k = i + 1; k < d; k++)
			g[i] -= h[k * d + i] * g[k];
		g[i] /= h[i * d + i];
	}
	return CM_OK;
}

static cm_status
check_fit_input(const double *y, size_t n_rows, uint32_t p, const uint8_t *skip,
				const cm_logistic_params *params, double *positives, size_t *used)
{
	if (p == 0 || p > CM_LOGISTIC_MAX_FEATURES)
		return cm_fail(CM_ERR_LIMIT, "logistic regression takes 1 to %d features, not %u",
					   CM_LOGISTIC_MAX_FEATURES, p);
	CM_TRY(cm_logistic_check_params(params));
	*positives = 0;
	*used = 0;
	for (size_t i = 0; i < n_rows; i++)
	{
		if (skip && skip[i])
			continue;
		if (y[i] != 0.0 && y[i] != 1.0)
			return cm_fail(CM_ERR_DATA, "label of row %zu is %g, not 0 or 1", i + 1, y[i]);
		*positives += y[i];
		(*used)++;
	}
	if (*used == 0)
		return cm_fail(CM_ERR_DATA, "no training rows");
	if (*positives == 0 || *positives == (double) *used)
		return cm_fail(CM_ERR_DATA, "the label has only one class in the training rows");
	return CM_OK;
}

/* One Newton step from beta with step halving until the penalized loss does not increase. */
static cm_status
irls_step(irls *w, double *beta, double *step, double *trial, double *loss, double *moved)
{
	size_t		d = w->d;
	double		t = 1.0,
				new_loss = INFINITY;

	memcpy(step, w->grad, d * sizeof(double));
	CM_TRY(cholesky_solve(w->hess, step, d));
	for (int halvings = 0; halvings < 40; halvings++, t *= 0.5)
	{
		for (size_t a = 0; a < d; a++)
			trial[a] = beta[a] - t * step[a];
		CM_TRY(irls_pass(w, trial, &new_loss));
		if (new_loss <= *loss + 1e-12 * fabs(*loss))
			break;
	}
	*moved = 0;
	for (size_t a = 0; a < d; a++)
		*moved = fmax(*moved, fabs(trial[a] - beta[a]));
	memcpy(beta, trial, d * sizeof(double));
	*loss = new_loss;
	return CM_OK;
}

/* Newton iterations until no coefficient moves more than tolerance. */
static cm_status
irls_solve(irls *w, double *beta, const cm_logistic_params *params, cm_logistic_info *info)
{
	double	   *step;
	double		loss,
				moved;
	cm_status	st;

	CM_TRY(cm_alloc_array(2 * w->d, sizeof(double), (void **) &step));
	st = irls_pass(w, beta, &loss);
	for (info->iterations = 1; st == CM_OK && info->iterations <= params->max_iterations;
		 info->iterations++)
	{
		st = irls_step(w, beta, step, step + w->d, &loss, &moved);
		if (st == CM_OK && params->progress)
			params->progress(params->progress_arg, info->iterations, params->max_iterations);
		if (st == CM_OK && moved < params->tolerance)
		{
			info->converged = true;
			break;
		}
	}
	cm_free(step);
	return st;
}

cm_status
cm_logistic_fit(const double *x, const double *y, size_t n_rows, uint32_t p,
				const uint8_t *skip, const cm_logistic_params *params,
				cm_logistic **out, cm_logistic_info *info)
{
	cm_logistic *m;
	irls		w = {x, y, skip, n_rows, p, (size_t) p + 1, params->l2, NULL, NULL, NULL, NULL};
	double	   *beta;
	double		positives = 0;
	cm_status	st;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	CM_TRY(check_fit_input(y, n_rows, p, skip, params, &positives, &info->rows_used));
	CM_TRY(logistic_alloc(p, &m));
	w.standard = m;
	st = fit_standardization(x, n_rows, p, skip, m);
	if (st == CM_OK)
		st = cm_alloc_array(w.d * (w.d + 3), sizeof(double), (void **) &beta);
	if (st != CM_OK)
	{
		cm_logistic_free(m);
		return st;
	}
	w.z = beta + w.d;
	w.grad = w.z + w.d;
	w.hess = w.grad + w.d;
	beta[0] = log(positives / ((double) info->rows_used - positives));
	st = irls_solve(&w, beta, params, info);
	m->intercept = beta[0];
	memcpy(m->coef, beta + 1, p * sizeof(double));
	cm_free(beta);
	if (st != CM_OK)
	{
		cm_logistic_free(m);
		return st;
	}
	*out = m;
	return CM_OK;
}

double
cm_logistic_logit(const cm_logistic *m, const double *x)
{
	double		eta = m->intercept;

	for (uint32_t j = 0; j < m->n_features; j++)
		if (!isnan(x[j]))
			eta += m->coef[j] * (x[j] - m->mean[j]) / m->scale[j];
	return eta;
}

double
cm_logistic_predict(const cm_logistic *m, const double *x)
{
	return sigmoid(cm_logistic_logit(m, x));
}

static void
logistic_encode(const void *body, uint32_t n_features, cm_writer *w)
{
	const cm_logistic *m = body;

	cm_put_f64(w, m->intercept);
	for (uint32_t j = 0; j < n_features; j++)
	{
		cm_put_f64(w, m->mean[j]);
		cm_put_f64(w, m->scale[j]);
		cm_put_f64(w, m->coef[j]);
	}
}

static cm_status
logistic_decode(cm_reader *r, uint32_t n_features, void **body)
{
	cm_logistic *m;
	cm_status	st;

	*body = NULL;
	if (n_features > CM_LOGISTIC_MAX_FEATURES)
		return cm_fail(CM_ERR_CORRUPT, "logistic model with %u features", n_features);
	CM_TRY(logistic_alloc(n_features, &m));
	st = cm_get_f64_finite(r, &m->intercept);
	for (uint32_t j = 0; j < n_features && st == CM_OK; j++)
	{
		st = cm_get_f64_finite(r, &m->mean[j]);
		if (st == CM_OK)
			st = cm_get_f64_finite(r, &m->scale[j]);
		if (st == CM_OK && !(m->scale[j] > 0))
			st = cm_fail(CM_ERR_CORRUPT, "feature %u has a non-positive scale", j + 1);
		if (st == CM_OK)
			st = cm_get_f64_finite(r, &m->coef[j]);
	}
	if (st != CM_OK)
	{
		cm_logistic_free(m);
		return st;
	}
	*body = m;
	return CM_OK;
}

static void
logistic_free_body(void *body)
{
	cm_logistic_free(body);
}

static double
logistic_predict_body(const void *body, const double *x)
{
	return cm_logistic_predict(body, x);
}

const cm_algorithm_ops cm_logistic_ops = {
	CM_ALGORITHM_LOGISTIC, "logistic",
	logistic_encode, logistic_decode, logistic_free_body, logistic_predict_body,
	&cm_logistic_param_table
};
