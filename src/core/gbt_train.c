/*
 * gbt_train.c - fitting a gbt model: the trainer's set-up, per-tree gradients and their
 * quantization, the margins and holdout loss after each tree, early stopping (the trees
 * themselves are grown by gbt_grow.c).
 */
#include "gbt_trainer.h"
#include "distributions.h"
#include "memory.h"

#include <string.h>

bool
cm_gbt_fit_memory(size_t n_rows, const cm_bins *bins, int depth, int threads, size_t *bytes)
{
	size_t		total_bins,
				hist,
				per_row;

	if (!cm_mul_size(bins->n_features, CM_BINS_MAX, &total_bins))
		return false;
	/*
	 * exact and quantized gradient pairs, margin, three row index lists, sampled flag,
	 * feature-major codes
	 */
	per_row = 2 * sizeof(float) + sizeof(hist_slot) + sizeof(double) + 3 * sizeof(uint32_t) + 1;
	if (!cm_add_size(per_row, bins->n_features, &per_row))
		return false;
	/* the histogram pool, one histogram per extra thread, the leaf list */
	if (threads < 1 || threads > CM_GBT_MAX_THREADS)
		threads = CM_GBT_MAX_THREADS;
	return cm_mul_size(total_bins, sizeof(hist_slot) * (size_t) (depth + 1 + threads), &hist) &&
		cm_add_size(hist, ((size_t) 1 << depth) * sizeof(leaf), &hist) &&
		cm_mul_size(n_rows, per_row, bytes) && cm_add_size(*bytes, hist, bytes);
}

static cm_status
check_labels(trainer *t, const uint8_t *is_holdout, double *base)
{
	double		sum = 0,
				weight = 0,
				bound = 0;
	size_t		pos = 0,
				n = 0;
	const float *rw = t->data->w;

	for (size_t i = 0; i < t->n_rows; i++)
	{
		double		y = t->data->y[i],
					w = rw ? rw[i] : 1;

		if (is_holdout && is_holdout[i])
			continue;
		if (!isfinite(y))
			return cm_fail(CM_ERR_NONFINITE, "label of row %zu is not finite", i + 1);
		if (!(w >= 0) || !isfinite(w))
			return cm_fail(CM_ERR_INVALID, "weight of row %zu must be finite and >= 0", i + 1);
		if (t->p->objective == CM_GBT_BINARY)
		{
			if (y != 0 && y != 1)
				return cm_fail(CM_ERR_DATA, "a binary label must be 0 or 1, not %g", y);
			/* a row of weight 0 does not count as present */
			pos += (y == 1 && w > 0);
			n += (w > 0);
			if (y == 1)
				w *= t->p->scale_pos_weight;
			bound = w > bound ? w : bound;
			weight += w;
			sum += y * w;
		}
		else
		{
			weight += w;
			sum += y * w;
			n += (w > 0);
		}
	}
	if (n == 0)
		return cm_fail(CM_ERR_DATA, "no training rows (all rows are in the holdout or weigh 0)");
	if (t->p->objective == CM_GBT_BINARY && (pos == 0 || pos == n))
		return cm_fail(CM_ERR_DATA, "the training rows hold only one class (%s)",
					   pos ? "all 1" : "all 0");
	t->weight_bound = bound;
	*base = t->p->objective == CM_GBT_BINARY ? log((sum / weight) / (1 - sum / weight)) :
		sum / weight;
	return CM_OK;
}

/* The row-major codes of data transposed: feature j of row i at [j * n_rows + i]. */
static cm_status
feature_major_codes(const cm_binned *data, uint8_t **out)
{
	const size_t n = data->n_rows;
	const uint32_t nf = data->n_features;
	uint8_t    *columns;

	CM_TRY(cm_alloc_array(n ? n : 1, nf, (void **) &columns));
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < nf; j++)
			columns[(size_t) j * n + i] = data->codes[i * nf + j];
	*out = columns;
	return CM_OK;
}

static cm_status
trainer_alloc(trainer *t)
{
	int			n_hist = t->p->depth + 2;
	size_t		slots;
	cm_status	st;

	if (!cm_mul_size(t->total_bins, (size_t) (n_hist + t->p->threads - 1), &slots))
		return cm_fail(CM_ERR_LIMIT, "histogram pool size overflows");
	st = cm_alloc_array(slots, sizeof(hist_slot), (void **) &t->pool);
	if (st == CM_OK)
		t->share_hist = t->pool + (size_t) n_hist * t->total_bins;
	if (st == CM_OK)
		st = cm_alloc_array((size_t) n_hist, sizeof(int), (void **) &t->free_hist);
	if (st == CM_OK)
		st = cm_alloc_array((size_t) n_hist, sizeof(pending), (void **) &t->stack);
	if (st == CM_OK)
		st = cm_alloc_array((size_t) 1 << t->p->depth, sizeof(leaf), (void **) &t->leaves);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(row_grad), (void **) &t->grad);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(hist_slot), (void **) &t->packed);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(double), (void **) &t->margin);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows / LOSS_BLOCK + 1, sizeof(double), (void **) &t->loss_blocks);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(uint32_t), (void **) &t->rows);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(uint32_t), (void **) &t->scratch);
	if (st == CM_OK)
		st = feature_major_codes(t->data, &t->columns);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(uint32_t), (void **) &t->train_rows);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, 1, (void **) &t->sampled);
	if (st == CM_OK)
		st = cm_alloc_array(t->nf, 1, (void **) &t->use_feature);
	if (st == CM_OK)
		st = cm_alloc_array(t->nf, sizeof(uint32_t), (void **) &t->feature_order);
	return st;
}

static cm_status
trainer_init(trainer *t, const cm_binned *data, const cm_bins *bins, const uint8_t *is_holdout,
			 const cm_gbt_params *p)
{
	memset(t, 0, sizeof(*t));
	t->data = data;
	t->bins = bins;
	t->p = p;
	t->nf = data->n_features;
	t->n_rows = data->n_rows;
	if (data->n_rows > MAX_TRAIN_ROWS)
		return cm_fail(CM_ERR_LIMIT, "gbt trains on at most %u rows", (unsigned) MAX_TRAIN_ROWS);
	cm_rng_seed(&t->rng, p->seed);
	CM_TRY(cm_alloc_array(t->nf, sizeof(size_t), (void **) &t->offset));
	/* CM_BINS_MAX slots a feature, used or not: see histogram_rows */
	for (uint32_t j = 0; j < t->nf; j++)
		t->offset[j] = (size_t) j * CM_BINS_MAX;
	if (!cm_mul_size(t->nf, CM_BINS_MAX, &t->total_bins))
		return cm_fail(CM_ERR_LIMIT, "too many features");
	CM_TRY(trainer_alloc(t));
	for (int i = 0; i < p->depth + 2; i++)
		t->free_hist[t->n_free++] = i;
	for (size_t i = 0; i < t->n_rows; i++)
		if (!is_holdout || !is_holdout[i])
		{
			t->train_rows[t->n_train++] = (uint32_t) i;
			t->sampled[i] = 1;	/* every tree's rows unless subsample draws */
		}
	return CM_OK;
}

static void
trainer_free(trainer *t)
{
	cm_free(t->offset);
	cm_free(t->pool);
	cm_free(t->free_hist);
	cm_free(t->stack);
	cm_free(t->leaves);
	cm_free(t->grad);
	cm_free(t->packed);
	cm_free(t->scratch);
	cm_free(t->columns);
	cm_free(t->margin);
	cm_free(t->loss_blocks);
	cm_free(t->rows);
	cm_free(t->train_rows);
	cm_free(t->sampled);
	cm_free(t->use_feature);
	cm_free(t->feature_order);
}

/* ---- gradients and their quantization ---- */

/*
 * Levels a row's gradient and hessian are quantized to: n rows of at most lg levels must sum
 * within 31 bits (the gradient is signed), of lh levels within 32.  MAX_TRAIN_ROWS keeps lg
 * >= 3; 800,000 rows get 2,684 gradient levels, small data MAX_LEVELS.
 */
static void
levels_for(size_t n, int64_t *lg, int64_t *lh)
{
	uint64_t	m = n ? n : 1;

	*lg = (int64_t) (INT32_MAX / m < MAX_LEVELS ? INT32_MAX / m : MAX_LEVELS);
	*lh = (int64_t) (UINT32_MAX / m < MAX_LEVELS ? UINT32_MAX / m : MAX_LEVELS);
}

typedef struct gradient_job
{
	trainer    *t;
	bool		quantize;		/* the scales are known: quantize in the same pass */
	double		max_g[CM_POOL_MAX_SHARES];
	double		max_h[CM_POOL_MAX_SHARES];
	bool		finite[CM_POOL_MAX_SHARES];
} gradient_job;

/*
 * Stochastic rounding to integer levels (unbiased: E[q] = g / scale), with the random number
 * a hash of (seed, tree, row) so it does not depend on which thread rounds which row.
 */
static inline hist_slot
quantize_pair(row_grad gr, const trainer *t, uint64_t key, uint32_t row)
{
	uint64_t	r = cm_rng_hash(key + row);
	double		qg = gr.g * t->g_inverse + (double) (r >> 32) * 0x1.0p-32,
				qh = gr.h * t->h_inverse + (double) (r & UINT32_C(0xFFFFFFFF)) * 0x1.0p-32;

	/* rounding of the scaled maximum may step one level past it; NaN (reported) goes high */
	qg = qg < (double) t->g_levels ? qg : (double) t->g_levels;
	qg = qg > (double) -t->g_levels ? qg : (double) -t->g_levels;
	qh = qh < (double) t->h_levels ? qh : (double) t->h_levels;
	qh = qh > 0 ? qh : 0;
	/* floor by truncation of a positive number: both are within +-2^31 */
	return pack_pair((int64_t) (qg + 0x1.0p32) - (INT64_C(1) << 32), (int64_t) qh);
}

static uint64_t
rounding_key(const trainer *t)
{
	return cm_rng_hash(t->p->seed ^ cm_rng_hash((uint64_t) t->tree_index));
}

/* Gradient pairs of a share of the training rows: quantized, or their largest magnitudes. */
static void
gradient_share(void *arg, int s, int n_shares)
{
	gradient_job *job = arg;
	const trainer *t = job->t;
	const float *y = t->data->y;
	const float *rw = t->data->w;
	const uint32_t *rows = t->train_rows;
	const double *margin = t->margin;
	row_grad   *grad = t->grad;
	hist_slot  *packed = t->packed;
	double		spw = t->p->scale_pos_weight,
				max_g = 0,
				max_h = 0;
	bool		binary = t->p->objective == CM_GBT_BINARY,
				finite = true;
	uint64_t	key = rounding_key(t);
	size_t		b,
				e;

	share_range(0, t->n_train, s, n_shares, &b, &e);
	for (size_t k = b; k < e; k++)
	{
		uint32_t	i = rows[k];
		double		w = rw ? rw[i] : 1;
		row_grad	gr;

		if (binary)
		{
			double		prob = cm_gbt_sigmoid(margin[i]),
						h = prob * (1 - prob);

			w *= y[i] == 1 ? spw : 1;
			gr.g = (float) ((prob - y[i]) * w);
			gr.h = (float) ((h > HESS_FLOOR ? h : HESS_FLOOR) * w);
		}
		else
		{
			gr.g = (float) ((margin[i] - y[i]) * w);
			gr.h = (float) w;
		}
		grad[i] = gr;
		finite &= isfinite(gr.g) && isfinite(gr.h);
		if (job->quantize)
			packed[i] = quantize_pair(gr, t, key, i);
		else
		{
			max_g = fabsf(gr.g) > max_g ? fabsf(gr.g) : max_g;
			max_h = gr.h > max_h ? gr.h : max_h;
		}
	}
	job->max_g[s] = max_g;
	job->max_h[s] = max_h;
	job->finite[s] = finite;
}

static void
quantize_share(void *arg, int s, int n_shares)
{
	const trainer *t = arg;
	const uint32_t *rows = t->train_rows;
	uint64_t	key = rounding_key(t);
	size_t		b,
				e;

	share_range(0, t->n_train, s, n_shares, &b, &e);
	for (size_t k = b; k < e; k++)
		t->packed[rows[k]] = quantize_pair(t->grad[rows[k]], t, key, rows[k]);
}

/* Quantization steps putting the largest magnitudes on the largest levels. */
static void
set_scales(trainer *t, double max_g, double max_h)
{
	t->g_scale = max_g > 0 ? max_g / (double) t->g_levels : 1;
	t->h_scale = max_h > 0 ? max_h / (double) t->h_levels : 1;
	t->g_inverse = 1 / t->g_scale;
	t->h_inverse = 1 / t->h_scale;
}

/*
 * This tree's gradient pairs, exact and quantized.  A binary gradient is bounded by the row's
 * weight (|p - y| < 1, p (1 - p) <= 1/4), so its scales are known up front and one pass does
 * both; a regression gradient is not, and its largest magnitude sets the scale.
 */
static cm_status
compute_gradients(trainer *t)
{
	gradient_job job;
	int			n = shares_for(t, t->n_train);
	double		max_g = t->weight_bound,
				max_h = t->weight_bound / 4;
	bool		finite = true;

	job.t = t;
	job.quantize = t->p->objective == CM_GBT_BINARY;
	levels_for(t->n_train, &t->g_levels, &t->h_levels);
	set_scales(t, max_g, max_h);
	cm_pool_run(gradient_share, &job, n);
	for (int s = 0; s < n; s++)
		finite &= job.finite[s];
	if (!finite)
		return cm_fail(CM_ERR_NONFINITE,
					   "gradients overflow (labels or weights too large for the model)");
	if (job.quantize)
		return CM_OK;
	for (int s = 0; s < n; s++)
	{
		max_g = s == 0 || job.max_g[s] > max_g ? job.max_g[s] : max_g;
		max_h = s == 0 || job.max_h[s] > max_h ? job.max_h[s] : max_h;
	}
	set_scales(t, max_g, max_h);
	cm_pool_run(quantize_share, t, n);
	return CM_OK;
}


/* ---- margins and the holdout loss ---- */

/* The same walk on one binned row (training only: uses the split bins). */
static double
tree_value_codes(const cm_gbt_node *tree, const uint8_t *codes)
{
	const cm_gbt_node *n = tree;

	while (n->feature >= 0)
	{
		uint8_t		c = codes[n->feature];

		n = tree + (c == 0 ? (n->default_left ? n->left : n->right) :
					(c <= n->bin ? n->left : n->right));
	}
	return n->value;
}

typedef struct margin_job
{
	trainer    *t;
	uint32_t	tree_from;		/* add trees [tree_from, tree_to) */
	uint32_t	tree_to;
	bool		unsampled_only; /* only to rows the newest tree was not grown on */
	bool		reset;			/* start from the base score */
} margin_job;

static void
margin_share(void *arg, int s, int n_shares)
{
	const margin_job *job = arg;
	trainer    *t = job->t;
	const cm_gbt *m = t->model;
	size_t		b,
				e;

	share_range(0, t->n_rows, s, n_shares, &b, &e);
	for (size_t i = b; i < e; i++)
	{
		const uint8_t *codes = t->data->codes + i * t->nf;

		if (job->unsampled_only && t->sampled[i])
			continue;
		if (job->reset)
			t->margin[i] = m->base_score;
		for (uint32_t k = job->tree_from; k < job->tree_to; k++)
			t->margin[i] += tree_value_codes(m->nodes + m->tree_start[k], codes);
	}
}

/* Add the newest tree's output to the rows it was not grown on (holdout, subsampled out). */
static void
add_tree_to_other_margins(trainer *t)
{
	margin_job	job = {t, t->model->n_trees - 1, t->model->n_trees, true, false};

	if (t->n_sampled == t->n_rows)
		return;
	cm_pool_run(margin_share, &job, shares_for(t, t->n_rows));
}

typedef struct loss_job
{
	trainer    *t;
	const uint8_t *is_holdout;
} loss_job;

/* The (weighted) loss of the holdout rows of some LOSS_BLOCK blocks, and their weight. */
static void
loss_share(void *arg, int s, int n_shares)
{
	const loss_job *job = arg;
	trainer    *t = job->t;
	const float *rw = t->data->w;
	size_t		n_blocks = (t->n_rows + LOSS_BLOCK - 1) / LOSS_BLOCK,
				b0,
				b1;

	share_range(0, n_blocks, s, n_shares, &b0, &b1);
	for (size_t b = b0; b < b1; b++)
	{
		size_t		end = (b + 1) * LOSS_BLOCK < t->n_rows ? (b + 1) * LOSS_BLOCK : t->n_rows;
		double		sum = 0;

		for (size_t i = b * LOSS_BLOCK; i < end; i++)
		{
			double		y = t->data->y[i],
						m = t->margin[i],
						w = rw ? rw[i] : 1,
						loss;

			if (!job->is_holdout[i])
				continue;
			if (t->p->objective == CM_GBT_BINARY)
				loss = cm_softplus(m) - y * m;	/* log(1 + e^m) - y m */
			else
				loss = (m - y) * (m - y);
			sum += w * loss;
		}
		t->loss_blocks[b] = sum;
	}
}

/* The (weighted) mean loss over the holdout rows, summed block by block in row order. */
static double
holdout_loss(trainer *t, const uint8_t *is_holdout, double holdout_weight)
{
	loss_job	job = {t, is_holdout};
	size_t		n_blocks = (t->n_rows + LOSS_BLOCK - 1) / LOSS_BLOCK;
	double		sum = 0;

	cm_pool_run(loss_share, &job, shares_for(t, t->n_rows));
	for (size_t b = 0; b < n_blocks; b++)
		sum += t->loss_blocks[b];
	return holdout_weight > 0 ? sum / holdout_weight : NAN;
}

static double
holdout_weight(const trainer *t, const uint8_t *is_holdout)
{
	double		n = 0;

	for (size_t i = 0; i < t->n_rows; i++)
		if (is_holdout[i])
			n += t->data->w ? t->data->w[i] : 1;
	return n;
}

/* Keep the first `keep` trees and recompute the margins. */
static void
truncate_model(trainer *t, uint32_t keep)
{
	margin_job	job = {t, 0, keep, false, true};

	t->model->n_trees = keep;
	t->model->n_nodes = t->model->tree_start[keep];
	cm_pool_run(margin_share, &job, shares_for(t, t->n_rows));
}

static cm_status
boost(trainer *t, const uint8_t *is_holdout, cm_gbt_info *info)
{
	bool		has_holdout = is_holdout && t->n_train < t->n_rows;
	bool		stopping = t->p->early_stopping_rounds > 0 && has_holdout;
	double		best = INFINITY,
				weight = has_holdout ? holdout_weight(t, is_holdout) : 0;
	int			best_trees = 0;

	for (int k = 0; k < t->p->trees; k++)
	{
		t->tree_index = k;
		CM_TRY(compute_gradients(t));
		CM_TRY(cm_gbt_grow_tree(t));
		add_tree_to_other_margins(t);
		info->trees_built = k + 1;
		if (t->p->progress)
			t->p->progress(t->p->progress_arg, k + 1, t->p->trees);
		if (has_holdout)
		{
			double		loss = holdout_loss(t, is_holdout, weight);

			if (loss < best)
			{
				best = loss;
				best_trees = k + 1;
			}
			info->best_holdout_loss = best;
			if (stopping && k + 1 - best_trees >= t->p->early_stopping_rounds)
				break;
		}
	}
	if (stopping && (uint32_t) best_trees < t->model->n_trees)
		truncate_model(t, (uint32_t) best_trees);
	info->trees_kept = (int) t->model->n_trees;
	return CM_OK;
}

cm_status
cm_gbt_fit(const cm_binned *data, const cm_bins *bins, const uint8_t *is_holdout,
		   const cm_gbt_params *params, cm_gbt **out, cm_gbt_info *info, double *margin)
{
	trainer		t;
	cm_status	st;
	double		base = 0;
	cm_gbt_params p;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	info->best_holdout_loss = NAN;
	CM_TRY(cm_gbt_check_params(params));
	if (bins->n_features != data->n_features || data->n_features == 0)
		return cm_fail(CM_ERR_INVALID, "bins and data disagree on the number of features");
	p = *params;
	p.threads = cm_gbt_threads(params->threads);
	st = trainer_init(&t, data, bins, is_holdout, &p);
	if (st == CM_OK)
		st = check_labels(&t, is_holdout, &base);
	if (st == CM_OK)
		st = cm_gbt_new(data->n_features, &t.model);
	if (st == CM_OK)
	{
		t.model->objective = params->objective;
		t.model->max_bytes = params->max_model_bytes ? params->max_model_bytes :
			CM_GBT_DEFAULT_MODEL_BYTES;
		t.model->base_score = base;
		for (size_t i = 0; i < t.n_rows; i++)
			t.margin[i] = base;
		info->rows_train = t.n_train;
		st = boost(&t, is_holdout, info);
	}
	if (st == CM_OK && margin)
		memcpy(margin, t.margin, t.n_rows * sizeof(double));
	if (st == CM_OK)
		*out = t.model;
	else
		cm_gbt_free(t.model);
	trainer_free(&t);
	return st;
}
