/* gbt.c - histogram gradient boosting: training, scoring and the model body codec. */
#include "gbt.h"
#include "forest.h"
#include "memory.h"
#include "rng.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#define MAX_CUTS (CM_BINS_MAX - 2)
#define HESS_FLOOR 1e-16		/* keeps saturated rows from zeroing the hessian */
#define MIN_CHILD_HESS 1e-6		/* below this a side is empty up to rounding */
#define PARALLEL_MIN_ROWS 16384	/* smaller nodes are not worth starting threads for */

typedef struct grad_pair
{
	double		g;
	double		h;
} grad_pair;

/* One pending node of the depth-first growth. */
typedef struct pending
{
	uint32_t	node;			/* index within the tree */
	size_t		begin;			/* its rows are rows[begin, end) */
	size_t		end;
	int			depth;
	int			hist;			/* index of its histogram in the pool */
	double		g;
	double		h;
} pending;

typedef struct split
{
	double		gain;
	int			feature;
	int			bin;
	bool		default_left;
	double		gl,
				hl;
} split;

/* Working state of one fit. */
typedef struct row_grad
{
	float		g;
	float		h;
} row_grad;

typedef struct trainer
{
	const cm_binned *data;
	const cm_bins *bins;
	const cm_gbt_params *p;
	uint32_t	nf;
	size_t		n_rows;
	size_t		total_bins;
	size_t	   *offset;			/* per feature: first histogram slot */
	grad_pair  *pool;			/* (depth + 2) histograms of total_bins */
	int		   *free_hist;
	int			n_free;
	pending    *stack;
	row_grad   *grad;			/* per row: gradient and hessian side by side (one load) */
	double	   *margin;
	uint32_t   *rows;			/* kept in increasing order within every node */
	uint32_t   *scratch;		/* partition buffer for the rows going right */
	uint8_t    *columns;		/* the codes again, feature-major: a split reads one feature
								 * of its rows, 64 rows a cache line instead of 4 */
	size_t		n_sampled;		/* rows[0, n_sampled) are this tree's rows */
	uint8_t    *sampled;		/* per row: 1 when in this tree's rows */
	uint32_t   *train_rows;
	size_t		n_train;
	uint8_t    *use_feature;
	uint32_t   *feature_order;
	cm_rng		rng;
	cm_gbt	   *model;
} trainer;

void
cm_gbt_default_params(cm_gbt_params *p)
{
	memset(p, 0, sizeof(*p));
	p->objective = CM_GBT_BINARY;
	p->trees = 100;
	p->depth = 6;
	p->learning_rate = 0.1;
	p->min_child_weight = 1;
	p->lambda = 1;
	p->subsample = 1;
	p->colsample = 1;
	p->scale_pos_weight = 1;
	p->seed = 42;
	p->threads = 1;
}

cm_status
cm_gbt_check_params(const cm_gbt_params *p)
{
	if (p->objective != CM_GBT_BINARY && p->objective != CM_GBT_REGRESSION)
		return cm_fail(CM_ERR_INVALID, "unknown objective %d", (int) p->objective);
	if (p->trees < 1 || p->trees > CM_GBT_MAX_TREES)
		return cm_fail(CM_ERR_INVALID, "trees must be between 1 and %d", CM_GBT_MAX_TREES);
	if (p->depth < 1 || p->depth > CM_GBT_MAX_DEPTH)
		return cm_fail(CM_ERR_INVALID, "depth must be between 1 and %d", CM_GBT_MAX_DEPTH);
	if (!(p->learning_rate > 0 && p->learning_rate <= 1))
		return cm_fail(CM_ERR_INVALID, "learning_rate must be in (0, 1]");
	if (!(p->min_child_weight >= 0 && p->lambda >= 0 && p->gamma >= 0) ||
		!isfinite(p->min_child_weight + p->lambda + p->gamma))
		return cm_fail(CM_ERR_INVALID, "min_child_weight, lambda and gamma must be finite and >= 0");
	if (!(p->subsample > 0 && p->subsample <= 1) || !(p->colsample > 0 && p->colsample <= 1))
		return cm_fail(CM_ERR_INVALID, "subsample and colsample must be in (0, 1]");
	if (!(p->scale_pos_weight > 0) || !isfinite(p->scale_pos_weight))
		return cm_fail(CM_ERR_INVALID, "scale_pos_weight must be finite and > 0");
	if (p->threads < 1 || p->threads > CM_GBT_MAX_THREADS)
		return cm_fail(CM_ERR_INVALID, "threads must be between 1 and %d", CM_GBT_MAX_THREADS);
	if (p->early_stopping_rounds < 0)
		return cm_fail(CM_ERR_INVALID, "early_stopping_rounds must be >= 0");
	return CM_OK;
}

static double
sigmoid(double z)
{
	return 1.0 / (1.0 + exp(-z));
}

/* ---- the model -------------------------------------------------------------------------- */

static cm_status
model_new(uint32_t n_features, cm_gbt **out)
{
	cm_gbt	   *m;

	CM_TRY(cm_alloc_array(1, sizeof(cm_gbt), (void **) &m));
	m->n_features = n_features;
	if (cm_alloc_array(1, sizeof(uint32_t), (void **) &m->tree_start) != CM_OK)
	{
		cm_free(m);
		return CM_ERR_NOMEM;
	}
	m->cap_trees = 0;
	*out = m;
	return CM_OK;
}

void
cm_gbt_free(cm_gbt *m)
{
	if (m == NULL)
		return;
	cm_free(m->tree_start);
	cm_free(m->nodes);
	cm_free(m->flat);
	cm_forest_free(m->forest);
	cm_free(m);
}

/* Room for `more` nodes at the end of the node array. */
static cm_status
reserve_nodes(cm_gbt *m, size_t more)
{
	size_t		need,
				cap;
	cm_gbt_node *nodes;

	if (!cm_add_size(m->n_nodes, more, &need))
		return cm_fail(CM_ERR_LIMIT, "too many tree nodes");
	if (need <= m->cap_nodes)
		return CM_OK;
	cap = m->cap_nodes ? m->cap_nodes : 256;
	while (cap < need)
		if (!cm_mul_size(cap, 2, &cap))
			return cm_fail(CM_ERR_LIMIT, "too many tree nodes");
	CM_TRY(cm_alloc_array(cap, sizeof(cm_gbt_node), (void **) &nodes));
	if (m->n_nodes)
		memcpy(nodes, m->nodes, m->n_nodes * sizeof(cm_gbt_node));
	cm_free(m->nodes);
	m->nodes = nodes;
	m->cap_nodes = cap;
	return CM_OK;
}

/* Record that the nodes appended since the last tree form one more tree. */
static cm_status
close_tree(cm_gbt *m)
{
	if (m->n_trees + 1 > m->cap_trees)
	{
		size_t		cap = m->cap_trees ? m->cap_trees * 2 : 64;
		uint32_t   *starts;

		CM_TRY(cm_alloc_array(cap + 1, sizeof(uint32_t), (void **) &starts));
		memcpy(starts, m->tree_start, (m->n_trees + 1) * sizeof(uint32_t));
		cm_free(m->tree_start);
		m->tree_start = starts;
		m->cap_trees = cap;
	}
	if (m->n_nodes > UINT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "too many tree nodes");
	m->tree_start[++m->n_trees] = (uint32_t) m->n_nodes;
	return CM_OK;
}

static double
tree_value(const cm_gbt_node *tree, const double *x)
{
	const cm_gbt_node *n = tree;

	while (n->feature >= 0)
	{
		double		v = x[n->feature];

		n = tree + (isnan(v) ? (n->default_left ? n->left : n->right) :
					(v <= n->threshold ? n->left : n->right));
	}
	return n->value;
}

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

/* The walk on the prediction layout: NaN takes the learned side, others compare. */
static inline double
flat_tree_value(const cm_gbt_flat_node *tree, const double *x)
{
	uint32_t	i = 0;

	while (tree[i].feature != CM_GBT_FLAT_LEAF)
	{
		double		v = x[tree[i].feature];
		uint32_t	c = tree[i].child;
		uint32_t	right = isnan(v) ? ((c >> 31) ^ 1u) : (uint32_t) !(v <= tree[i].split);

		i = (c & ~CM_GBT_FLAT_MISSING_LEFT) + right;
	}
	return tree[i].split;
}

double
cm_gbt_margin(const cm_gbt *m, const double *x)
{
	double		sum = m->base_score;

	if (m->forest)
		return cm_forest_sum(m->forest, x, sum);
	if (m->flat)
		for (uint32_t t = 0; t < m->n_trees; t++)
			sum += flat_tree_value(m->flat + m->tree_start[t], x);
	else
		for (uint32_t t = 0; t < m->n_trees; t++)
			sum += tree_value(m->nodes + m->tree_start[t], x);
	return sum;
}

/*
 * Lay out one tree breadth-first with siblings adjacent; order is scratch for its size.  A
 * node reached twice (a forged model sharing a child) would overflow the tree: corrupt.
 */
static cm_status
flatten_tree(const cm_gbt_node *src, uint32_t count, cm_gbt_flat_node *dst, uint32_t *order)
{
	uint32_t	next = 1;

	order[0] = 0;
	for (uint32_t pos = 0; pos < next; pos++)
	{
		const cm_gbt_node *n = src + order[pos];

		if (n->feature < 0)
		{
			dst[pos] = (cm_gbt_flat_node) {n->value, CM_GBT_FLAT_LEAF, 0};
			continue;
		}
		if (count - next < 2)
			return cm_fail(CM_ERR_CORRUPT, "a tree node is reached from two parents");
		dst[pos] = (cm_gbt_flat_node) {n->threshold, (uint32_t) n->feature,
			next | (n->default_left ? CM_GBT_FLAT_MISSING_LEFT : 0)};
		order[next++] = n->left;
		order[next++] = n->right;
	}
	return CM_OK;
}

/* Build the prediction layout of a validated model. */
static cm_status
flatten_model(cm_gbt *m)
{
	uint32_t	largest = 0;
	uint32_t   *order;
	cm_status	st = CM_OK;

	if (m->n_nodes >= CM_GBT_FLAT_MISSING_LEFT)
		return cm_fail(CM_ERR_LIMIT, "too many tree nodes to lay out for prediction");
	for (uint32_t t = 0; t < m->n_trees; t++)
		if (m->tree_start[t + 1] - m->tree_start[t] > largest)
			largest = m->tree_start[t + 1] - m->tree_start[t];
	CM_TRY(cm_alloc_array(m->n_nodes, sizeof(cm_gbt_flat_node), (void **) &m->flat));
	CM_TRY(cm_alloc_array(largest, sizeof(uint32_t), (void **) &order));
	for (uint32_t t = 0; t < m->n_trees && st == CM_OK; t++)
		st = flatten_tree(m->nodes + m->tree_start[t], m->tree_start[t + 1] - m->tree_start[t],
						  m->flat + m->tree_start[t], order);
	cm_free(order);
	return st;
}

double
cm_gbt_predict(const cm_gbt *m, const double *x)
{
	double		margin = cm_gbt_margin(m, x);

	return m->objective == CM_GBT_BINARY ? sigmoid(margin) : margin;
}

void
cm_gbt_importance(const cm_gbt *m, double *gain, double *cover, double *splits)
{
	memset(gain, 0, m->n_features * sizeof(double));
	memset(cover, 0, m->n_features * sizeof(double));
	memset(splits, 0, m->n_features * sizeof(double));
	for (size_t i = 0; i < m->n_nodes; i++)
	{
		const cm_gbt_node *n = &m->nodes[i];

		if (n->feature < 0)
			continue;
		gain[n->feature] += n->gain;
		cover[n->feature] += n->cover;
		splits[n->feature] += 1;
	}
}

/* ---- training --------------------------------------------------------------------------- */

bool
cm_gbt_fit_memory(size_t n_rows, const cm_bins *bins, int depth, size_t *bytes)
{
	size_t		total_bins = 0,
				hist,
				per_row;

	for (uint32_t j = 0; j < bins->n_features; j++)
		total_bins += (size_t) cm_bins_count(bins, j);
	/* grad + hess floats, margin double, three row index lists, feature-major codes */
	per_row = 2 * sizeof(float) + sizeof(double) + 3 * sizeof(uint32_t);
	if (!cm_add_size(per_row, bins->n_features, &per_row))
		return false;
	return cm_mul_size(total_bins, sizeof(grad_pair) * (size_t) (depth + 2), &hist) &&
		cm_mul_size(n_rows, per_row, bytes) && cm_add_size(*bytes, hist, bytes);
}

static cm_status
check_labels(const trainer *t, const uint8_t *is_holdout, double *base)
{
	double		sum = 0,
				weight = 0;
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
trainer_init(trainer *t, const cm_binned *data, const cm_bins *bins, const uint8_t *is_holdout,
			 const cm_gbt_params *p)
{
	cm_status	st;
	int			n_hist = p->depth + 2;
	size_t		pool_slots;

	memset(t, 0, sizeof(*t));
	t->data = data;
	t->bins = bins;
	t->p = p;
	t->nf = data->n_features;
	t->n_rows = data->n_rows;
	if (data->n_rows > UINT32_MAX)
		return cm_fail(CM_ERR_LIMIT, "gbt trains on at most %u rows", UINT32_MAX);
	cm_rng_seed(&t->rng, p->seed);
	CM_TRY(cm_alloc_array(t->nf, sizeof(size_t), (void **) &t->offset));
	for (uint32_t j = 0; j < t->nf; j++)
	{
		t->offset[j] = t->total_bins;
		t->total_bins += (size_t) cm_bins_count(bins, j);
	}
	if (!cm_mul_size(t->total_bins, (size_t) n_hist, &pool_slots))
		return cm_fail(CM_ERR_LIMIT, "histogram pool size overflows");
	st = cm_alloc_array(pool_slots, sizeof(grad_pair), (void **) &t->pool);
	if (st == CM_OK)
		st = cm_alloc_array((size_t) n_hist, sizeof(int), (void **) &t->free_hist);
	if (st == CM_OK)
		st = cm_alloc_array((size_t) n_hist, sizeof(pending), (void **) &t->stack);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(row_grad), (void **) &t->grad);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(double), (void **) &t->margin);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(uint32_t), (void **) &t->rows);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(uint32_t), (void **) &t->scratch);
	if (st == CM_OK)
		st = feature_major_codes(data, &t->columns);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, sizeof(uint32_t), (void **) &t->train_rows);
	if (st == CM_OK)
		st = cm_alloc_array(t->n_rows, 1, (void **) &t->sampled);
	if (st == CM_OK)
		st = cm_alloc_array(t->nf, 1, (void **) &t->use_feature);
	if (st == CM_OK)
		st = cm_alloc_array(t->nf, sizeof(uint32_t), (void **) &t->feature_order);
	if (st != CM_OK)
		return st;
	for (int i = 0; i < n_hist; i++)
		t->free_hist[t->n_free++] = i;
	for (size_t i = 0; i < t->n_rows; i++)
		if (!is_holdout || !is_holdout[i])
			t->train_rows[t->n_train++] = (uint32_t) i;
	return CM_OK;
}

static void
trainer_free(trainer *t)
{
	cm_free(t->offset);
	cm_free(t->pool);
	cm_free(t->free_hist);
	cm_free(t->stack);
	cm_free(t->grad);
	cm_free(t->scratch);
	cm_free(t->columns);
	cm_free(t->margin);
	cm_free(t->rows);
	cm_free(t->train_rows);
	cm_free(t->sampled);
	cm_free(t->use_feature);
	cm_free(t->feature_order);
}

static void
compute_gradients(trainer *t)
{
	/* locals, so the compiler need not reload them after each store to grad */
	const float *y = t->data->y;
	const float *rw = t->data->w;
	const uint32_t *rows = t->train_rows;
	const double *margin = t->margin;
	row_grad   *grad = t->grad;
	double		spw = t->p->scale_pos_weight;
	size_t		n = t->n_train;

	if (t->p->objective == CM_GBT_BINARY)
		for (size_t k = 0; k < n; k++)
		{
			uint32_t	i = rows[k];
			double		prob = sigmoid(margin[i]);
			double		w = y[i] == 1 ? spw : 1;

			grad[i].g = (float) ((prob - y[i]) * w);
			grad[i].h = (float) fmax(prob * (1 - prob), HESS_FLOOR) * (float) w;
		}
	else
		for (size_t k = 0; k < n; k++)
		{
			uint32_t	i = rows[k];

			grad[i].g = (float) (margin[i] - y[i]);
			grad[i].h = 1.0f;
		}
	/* a separate pass, so unweighted training pays nothing per row */
	if (rw)
		for (size_t k = 0; k < n; k++)
		{
			grad[rows[k]].g *= rw[rows[k]];
			grad[rows[k]].h *= rw[rows[k]];
		}
}

/* The rows of this tree (subsample) into t->rows; returns how many. */
static size_t
sample_rows(trainer *t)
{
	size_t		n = 0;

	for (size_t k = 0; k < t->n_train; k++)
		if (t->p->subsample >= 1 || cm_rng_uniform(&t->rng) < t->p->subsample)
			t->rows[n++] = t->train_rows[k];
	memset(t->sampled, 0, t->n_rows);
	for (size_t k = 0; k < n; k++)
		t->sampled[t->rows[k]] = 1;
	t->n_sampled = n;
	return n;
}

/* The features of this tree (colsample): a seeded partial shuffle, at least one. */
static void
sample_features(trainer *t)
{
	uint32_t	keep = (uint32_t) ceil(t->p->colsample * t->nf);

	if (keep < 1)
		keep = 1;
	if (keep > t->nf)
		keep = t->nf;
	for (uint32_t j = 0; j < t->nf; j++)
	{
		t->feature_order[j] = j;
		t->use_feature[j] = keep == t->nf;
	}
	if (keep == t->nf)
		return;
	for (uint32_t j = 0; j < keep; j++)
	{
		uint32_t	k = j + (uint32_t) cm_rng_below(&t->rng, t->nf - j);
		uint32_t	tmp = t->feature_order[j];

		t->feature_order[j] = t->feature_order[k];
		t->feature_order[k] = tmp;
		t->use_feature[t->feature_order[j]] = 1;
	}
}

static grad_pair *
hist_of(const trainer *t, int index)
{
	return t->pool + (size_t) index * t->total_bins;
}

/*
 * Sum the gradient pairs of rows[begin, end) into hist for features [f0, f1).  Each (feature,
 * bin) slot is summed over the rows in the same order whoever computes it, which is what
 * makes results bit-identical whatever the thread count.
 */
static void
histogram_features(const trainer *t, size_t begin, size_t end, grad_pair *restrict hist,
				   uint32_t f0, uint32_t f1)
{
	/* restrict locals: the glue is built with -fno-strict-aliasing, and without them every
	 * store into hist would force the offsets and gradients to be reloaded */
	const uint8_t *restrict codes = t->data->codes;
	const uint32_t *restrict rows = t->rows;
	const size_t *restrict offset = t->offset;
	const row_grad *restrict grad = t->grad;
	uint32_t	nf = t->nf;

	for (size_t k = begin; k < end; k++)
	{
		uint32_t	i = rows[k];
		const uint8_t *row = codes + (size_t) i * nf;
		double		g = grad[i].g,
					h = grad[i].h;

		for (uint32_t j = f0; j < f1; j++)
		{
			grad_pair  *slot = hist + offset[j] + row[j];

			slot->g += g;
			slot->h += h;
		}
	}
}

typedef struct histogram_job
{
	const trainer *t;
	size_t		begin;
	size_t		end;
	grad_pair  *hist;
	uint32_t	f0;
	uint32_t	f1;
} histogram_job;

/* Worker thread body: pure computation, no allocation, no hooks. */
static void *
histogram_worker(void *arg)
{
	histogram_job *job = arg;

	histogram_features(job->t, job->begin, job->end, job->hist, job->f0, job->f1);
	return NULL;
}

/*
 * Split the features among up to t->p->threads threads.  Workers start with every signal
 * blocked, so the host's signal handlers (PostgreSQL's) only ever run on the calling thread.
 * If a thread cannot be started, the calling thread does its share.
 */
static void
build_histogram(const trainer *t, size_t begin, size_t end, grad_pair *hist)
{
	int			n_threads = t->p->threads;
	histogram_job jobs[CM_GBT_MAX_THREADS];
	pthread_t	ids[CM_GBT_MAX_THREADS];
	bool		started[CM_GBT_MAX_THREADS] = {false};
	sigset_t	all,
				old;

	memset(hist, 0, t->total_bins * sizeof(grad_pair));
	if ((uint32_t) n_threads > t->nf)
		n_threads = (int) t->nf;
	if (n_threads <= 1 || end - begin < PARALLEL_MIN_ROWS)
	{
		histogram_features(t, begin, end, hist, 0, t->nf);
		return;
	}
	for (int k = 0; k < n_threads; k++)
		jobs[k] = (histogram_job) {t, begin, end, hist,
			(uint32_t) ((uint64_t) t->nf * k / n_threads),
		(uint32_t) ((uint64_t) t->nf * (k + 1) / n_threads)};
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int k = 1; k < n_threads; k++)
		started[k] = pthread_create(&ids[k], NULL, histogram_worker, &jobs[k]) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	histogram_worker(&jobs[0]);
	for (int k = 1; k < n_threads; k++)
	{
		if (started[k])
			pthread_join(ids[k], NULL);
		else
			histogram_worker(&jobs[k]);
	}
}

static double
leaf_score(double g, double h, double lambda)
{
	return g * g / (h + lambda);
}

/* Consider one candidate (left sums gl, hl) and keep it if it beats *best. */
static void
consider(const cm_gbt_params *p, double g, double h, double gl, double hl, int feature,
		 int bin, bool default_left, split *best)
{
	double		gr = g - gl,
				hr = h - hl,
				floor = p->min_child_weight > MIN_CHILD_HESS ? p->min_child_weight : MIN_CHILD_HESS,
				gain;

	if (hl < floor || hr < floor)
		return;
	gain = 0.5 * (leaf_score(gl, hl, p->lambda) + leaf_score(gr, hr, p->lambda) -
				  leaf_score(g, h, p->lambda)) - p->gamma;
	if (gain > best->gain)
	{
		best->gain = gain;
		best->feature = feature;
		best->bin = bin;
		best->default_left = default_left;
		best->gl = gl;
		best->hl = hl;
	}
}

/* Best split of feature j given the node's histogram and totals. */
static void
best_split_of_feature(const trainer *t, const grad_pair *hist, uint32_t j, double g, double h,
					  split *best)
{
	const grad_pair *f = hist + t->offset[j];
	int			nb = cm_bins_count(t->bins, j);
	double		gl = 0,
				hl = 0;

	for (int b = 1; b < nb; b++)
	{
		gl += f[b].g;
		hl += f[b].h;
		/*
		 * Missing to the right.  A node without missing rows learns nothing about them:
		 * send future ones to the heavier side.
		 */
		consider(t->p, g, h, gl, hl, (int) j, b, f[0].h == 0 && hl >= h - hl, best);
		if (f[0].h > 0 && b < nb - 1)
			consider(t->p, g, h, gl + f[0].g, hl + f[0].h, (int) j, b, true, best);
	}
}

static split
find_split(const trainer *t, const grad_pair *hist, double g, double h)
{
	split		best = {0, -1, 0, false, 0, 0};

	for (uint32_t j = 0; j < t->nf; j++)
		if (t->use_feature[j])
			best_split_of_feature(t, hist, j, g, h, &best);
	return best;
}

/*
 * Partition rows[begin, end) so the rows going left come first; returns the boundary.  Stable
 * and branch-free: every row is written to both sides and only the counter of its side
 * advances, so there is no mispredicted branch per row, and each node's rows stay in
 * increasing order, which keeps the histogram loops' reads of codes and gradients moving
 * forward through memory.
 */
static size_t
partition_rows(trainer *t, size_t begin, size_t end, const cm_gbt_node *node)
{
	const uint8_t *restrict column = t->columns + (size_t) node->feature * t->n_rows;
	uint32_t   *restrict rows = t->rows + begin;
	uint32_t   *restrict right = t->scratch;
	const uint32_t bin = node->bin,
				missing_left = node->default_left ? 1 : 0;
	size_t		n_left = 0,
				n_right = 0;

	for (size_t k = 0; k < end - begin; k++)
	{
		uint32_t	r = rows[k];
		uint32_t	c = column[r];
		uint32_t	left = ((c != 0) & (c <= bin)) | ((c == 0) & missing_left);

		rows[n_left] = r;		/* n_left <= k: row k has been read */
		right[n_right] = r;
		n_left += left;
		n_right += left ^ 1;
	}
	memcpy(rows + n_left, right, n_right * sizeof(uint32_t));
	return begin + n_left;
}

static double
split_threshold(const cm_bins *bins, int feature, int bin)
{
	/* the last value bin has no cut above it: every value goes left */
	if (bin >= bins->n_cuts[feature] + 1)
		return DBL_MAX;
	return bins->cuts[(size_t) feature * MAX_CUTS + (size_t) (bin - 1)];
}

static void
make_leaf(trainer *t, cm_gbt_node *node, double g, double h)
{
	node->feature = -1;
	/* an empty root (every row left out by subsample) with lambda 0 would be 0/0 */
	node->value = h + t->p->lambda > 0 ? -g / (h + t->p->lambda) * t->p->learning_rate : 0;
	node->cover = h;
}

/*
 * Split node e (children appended after every existing node of the tree) and push both
 * children: the smaller one gets a fresh histogram, the larger one inherits the parent's
 * minus the smaller one's.
 */
static cm_status
split_node(trainer *t, size_t tree_start, pending e, const split *s, int *sp)
{
	cm_gbt_node *node;
	size_t		mid;
	uint32_t	left = (uint32_t) (t->model->n_nodes - tree_start);
	pending		l,
				r,
				*small,
				*large;
	grad_pair  *hs,
			   *hp;

	CM_TRY(reserve_nodes(t->model, 2));
	node = &t->model->nodes[tree_start + e.node];
	node->feature = s->feature;
	node->bin = (uint8_t) s->bin;
	node->default_left = s->default_left;
	node->threshold = split_threshold(t->bins, s->feature, s->bin);
	node->gain = s->gain;
	node->cover = e.h;
	node->left = left;
	node->right = left + 1;
	memset(&t->model->nodes[t->model->n_nodes], 0, 2 * sizeof(cm_gbt_node));
	t->model->n_nodes += 2;
	mid = partition_rows(t, e.begin, e.end, node);
	l = (pending) {left, e.begin, mid, e.depth + 1, -1, s->gl, s->hl};
	r = (pending) {left + 1, mid, e.end, e.depth + 1, -1, e.g - s->gl, e.h - s->hl};
	small = (mid - e.begin <= e.end - mid) ? &l : &r;
	large = small == &l ? &r : &l;
	small->hist = t->free_hist[--t->n_free];
	large->hist = e.hist;
	hs = hist_of(t, small->hist);
	hp = hist_of(t, large->hist);
	build_histogram(t, small->begin, small->end, hs);
	for (size_t b = 0; b < t->total_bins; b++)
	{
		hp[b].g -= hs[b].g;
		hp[b].h -= hs[b].h;
	}
	t->stack[(*sp)++] = r;
	t->stack[(*sp)++] = l;
	return CM_OK;
}

static cm_status
grow_tree(trainer *t)
{
	size_t		n = sample_rows(t);
	size_t		tree_start = t->model->n_nodes;
	double		g = 0,
				h = 0;
	int			sp = 0;
	pending		root = {0, 0, n, 0, 0, 0, 0};

	sample_features(t);
	CM_TRY(reserve_nodes(t->model, 1));
	memset(&t->model->nodes[t->model->n_nodes++], 0, sizeof(cm_gbt_node));
	for (size_t k = 0; k < n; k++)
	{
		g += t->grad[t->rows[k]].g;
		h += t->grad[t->rows[k]].h;
	}
	root.g = g;
	root.h = h;
	root.hist = t->free_hist[--t->n_free];
	build_histogram(t, 0, n, hist_of(t, root.hist));
	t->stack[sp++] = root;
	while (sp > 0)
	{
		pending		e = t->stack[--sp];
		split		s = {0, -1, 0, false, 0, 0};

		CM_TRY(cm_check_interrupts());
		if (e.depth < t->p->depth && e.end - e.begin >= 2)
			s = find_split(t, hist_of(t, e.hist), e.g, e.h);
		if (s.feature >= 0)
			CM_TRY(split_node(t, tree_start, e, &s, &sp));
		else
		{
			cm_gbt_node *leaf = &t->model->nodes[tree_start + e.node];
			double		value;

			make_leaf(t, leaf, e.g, e.h);
			value = leaf->value;
			t->free_hist[t->n_free++] = e.hist;
			/* the leaf's rows are known: no need to walk the tree for them */
			for (size_t k = e.begin; k < e.end; k++)
				t->margin[t->rows[k]] += value;
		}
	}
	return close_tree(t->model);
}

static void
add_tree_to_margins(trainer *t, uint32_t tree)
{
	const cm_gbt_node *nodes = t->model->nodes + t->model->tree_start[tree];

	for (size_t i = 0; i < t->n_rows; i++)
		t->margin[i] += tree_value_codes(nodes, t->data->codes + i * t->nf);
}

/* Add the newest tree's output to the rows it was not grown on (holdout, subsampled out). */
static void
add_tree_to_other_margins(trainer *t)
{
	uint32_t	tree = t->model->n_trees - 1;
	const cm_gbt_node *nodes = t->model->nodes + t->model->tree_start[tree];

	if (t->n_sampled == t->n_rows)
		return;
	for (size_t i = 0; i < t->n_rows; i++)
		if (!t->sampled[i])
			t->margin[i] += tree_value_codes(nodes, t->data->codes + i * t->nf);
}

/* The (weighted) mean loss over the holdout rows. */
static double
holdout_loss(const trainer *t, const uint8_t *is_holdout)
{
	const float *rw = t->data->w;
	double		sum = 0,
				n = 0;

	for (size_t i = 0; i < t->n_rows; i++)
	{
		double		y = t->data->y[i],
					m = t->margin[i],
					w = rw ? rw[i] : 1,
					loss;

		if (!is_holdout[i])
			continue;
		n += w;
		if (t->p->objective == CM_GBT_BINARY)
			/* log(1 + e^m) - y m, computed without overflow */
			loss = (m > 0 ? m + log1p(exp(-m)) : log1p(exp(m))) - y * m;
		else
			loss = (m - y) * (m - y);
		sum += w * loss;
	}
	return n > 0 ? sum / n : NAN;
}

/* Keep the first `keep` trees and recompute the margins. */
static void
truncate_model(trainer *t, uint32_t keep)
{
	cm_gbt	   *m = t->model;

	m->n_trees = keep;
	m->n_nodes = m->tree_start[keep];
	for (size_t i = 0; i < t->n_rows; i++)
		t->margin[i] = m->base_score;
	for (uint32_t k = 0; k < keep; k++)
		add_tree_to_margins(t, k);
}

static cm_status
boost(trainer *t, const uint8_t *is_holdout, cm_gbt_info *info)
{
	bool		stopping = t->p->early_stopping_rounds > 0 && is_holdout &&
		t->n_train < t->n_rows;
	double		best = INFINITY;
	int			best_trees = 0;

	for (int k = 0; k < t->p->trees; k++)
	{
		compute_gradients(t);
		CM_TRY(grow_tree(t));
		add_tree_to_other_margins(t);
		info->trees_built = k + 1;
		if (t->p->progress)
			t->p->progress(t->p->progress_arg, k + 1, t->p->trees);
		if (is_holdout && t->n_train < t->n_rows)
		{
			double		loss = holdout_loss(t, is_holdout);

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

	*out = NULL;
	memset(info, 0, sizeof(*info));
	info->best_holdout_loss = NAN;
	CM_TRY(cm_gbt_check_params(params));
	if (bins->n_features != data->n_features || data->n_features == 0)
		return cm_fail(CM_ERR_INVALID, "bins and data disagree on the number of features");
	st = trainer_init(&t, data, bins, is_holdout, params);
	if (st == CM_OK)
		st = check_labels(&t, is_holdout, &base);
	if (st == CM_OK)
		st = model_new(data->n_features, &t.model);
	if (st == CM_OK)
	{
		t.model->objective = params->objective;
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

/* ---- the body codec ----------------------------------------------------------------------- */

static void
gbt_encode(const void *body, uint32_t n_features, cm_writer *w)
{
	const cm_gbt *m = body;

	(void) n_features;
	cm_put_u8(w, (uint8_t) m->objective);
	cm_put_f64(w, m->base_score);
	cm_put_u32(w, m->n_trees);
	for (uint32_t t = 0; t < m->n_trees; t++)
	{
		uint32_t	start = m->tree_start[t],
					end = m->tree_start[t + 1];

		cm_put_u32(w, end - start);
		for (uint32_t i = start; i < end; i++)
		{
			const cm_gbt_node *n = &m->nodes[i];

			cm_put_u8(w, n->feature >= 0);
			if (n->feature < 0)
				cm_put_f64(w, n->value);
			else
			{
				cm_put_u32(w, (uint32_t) n->feature);
				cm_put_u8(w, n->default_left);
				cm_put_f64(w, n->threshold);
				cm_put_u32(w, n->left);
				cm_put_u32(w, n->right);
			}
			/* the training cover: explanations (TreeSHAP) weigh unknown features by it */
			cm_put_f64(w, n->cover);
		}
	}
}

static cm_status
decode_cover(cm_reader *r, uint32_t index, cm_gbt_node *n)
{
	CM_TRY(cm_get_f64_finite(r, &n->cover));
	if (n->cover < 0)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has a negative cover", index);
	return CM_OK;
}

static cm_status
decode_node(cm_reader *r, uint32_t n_features, uint32_t index, uint32_t n_nodes,
			cm_gbt_node *n)
{
	uint8_t		kind;
	uint32_t	feature;

	memset(n, 0, sizeof(*n));
	CM_TRY(cm_get_u8(r, &kind));
	if (kind == 0)
	{
		n->feature = -1;
		CM_TRY(cm_get_f64_finite(r, &n->value));
		return decode_cover(r, index, n);
	}
	if (kind != 1)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has unknown kind %u", index, kind);
	CM_TRY(cm_get_u32(r, &feature));
	if (feature >= n_features)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u splits on feature %u of %u", index,
					   feature, n_features);
	n->feature = (int32_t) feature;
	CM_TRY(cm_get_u8(r, &n->default_left));
	if (n->default_left > 1)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has a bad missing-value direction", index);
	CM_TRY(cm_get_f64_finite(r, &n->threshold));
	CM_TRY(cm_get_u32(r, &n->left));
	CM_TRY(cm_get_u32(r, &n->right));
	/* children strictly after the parent: no cycles, every walk ends */
	if (n->left <= index || n->left >= n_nodes || n->right <= index || n->right >= n_nodes)
		return cm_fail(CM_ERR_CORRUPT, "tree node %u has children out of range", index);
	return decode_cover(r, index, n);
}

static cm_status
decode_trees(cm_reader *r, cm_gbt *m)
{
	uint32_t	n_trees;

	/* a tree takes at least its node count and one 9-byte leaf */
	CM_TRY(cm_get_count(r, CM_GBT_MAX_TREES, 13, &n_trees));
	for (uint32_t t = 0; t < n_trees; t++)
	{
		uint32_t	n_nodes;

		CM_TRY(cm_get_count(r, CM_GBT_MAX_NODES, 9, &n_nodes));
		if (n_nodes == 0)
			return cm_fail(CM_ERR_CORRUPT, "tree %u has no nodes", t + 1);
		CM_TRY(reserve_nodes(m, n_nodes));
		for (uint32_t i = 0; i < n_nodes; i++)
			CM_TRY(decode_node(r, m->n_features, i, n_nodes, &m->nodes[m->n_nodes++]));
		CM_TRY(close_tree(m));
	}
	return CM_OK;
}

static cm_status
gbt_decode(cm_reader *r, uint32_t n_features, void **body)
{
	cm_gbt	   *m;
	uint8_t		objective;
	cm_status	st;

	*body = NULL;
	CM_TRY(model_new(n_features, &m));
	st = cm_get_u8(r, &objective);
	if (st == CM_OK && objective != CM_GBT_BINARY && objective != CM_GBT_REGRESSION)
		st = cm_fail(CM_ERR_CORRUPT, "unknown gbt objective %u", objective);
	m->objective = (cm_gbt_objective) objective;
	if (st == CM_OK)
		st = cm_get_f64_finite(r, &m->base_score);
	if (st == CM_OK)
		st = decode_trees(r, m);
	if (st == CM_OK)
		st = flatten_model(m);
	/* after flatten_model, which rejects trees whose nodes are shared or unreachable */
	if (st == CM_OK)
		st = cm_forest_build(m->nodes, m->tree_start, m->n_trees, &m->forest);
	if (st != CM_OK)
	{
		cm_gbt_free(m);
		return st;
	}
	*body = m;
	return CM_OK;
}

static void
gbt_free_body(void *body)
{
	cm_gbt_free(body);
}

static double
gbt_predict_body(const void *body, const double *x)
{
	return cm_gbt_predict(body, x);
}

const cm_algorithm_ops cm_gbt_ops = {
	CM_ALGORITHM_GBT, "gbt",
	gbt_encode, gbt_decode, gbt_free_body, gbt_predict_body
};
