/*
 * gbt_grow.c - growing one tree of a gbt fit: the tree's row and feature samples, gradient
 * histograms, the best split of a node, partitioning its rows, and the leaves' values.
 */
#include "gbt_trainer.h"
#include "memory.h"

#include <float.h>
#include <string.h>

/* ---- this tree's rows and features ---- */

/* The rows of this tree (subsample) into t->rows; returns how many. */
static size_t
sample_rows(trainer *t)
{
	size_t		n = 0;

	if (t->p->subsample >= 1)
	{
		/* rows[] was reordered by the last tree; t->sampled was set once */
		memcpy(t->rows, t->train_rows, t->n_train * sizeof(uint32_t));
		return t->n_sampled = t->n_train;
	}
	for (size_t k = 0; k < t->n_train; k++)
		if (cm_rng_uniform(&t->rng) < t->p->subsample)
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

/* ---- histograms ---- */

static hist_slot *
hist_of(const trainer *t, int index)
{
	return t->pool + (size_t) index * t->total_bins;
}

/*
 * Add the packed pairs of rows[begin, end) into hist: one integer add per feature.  Every
 * feature has CM_BINS_MAX slots, so a slot's address is computed, not loaded, and eight codes
 * come from one 64-bit load.
 */
static void
histogram_rows(const trainer *t, size_t begin, size_t end, hist_slot *restrict hist)
{
	/* restrict locals: the glue is built with -fno-strict-aliasing, and without them every
	 * store into hist would force the rows and pairs to be reloaded */
	const uint8_t *restrict codes = t->data->codes;
	const uint32_t *restrict rows = t->rows;
	const hist_slot *restrict packed = t->packed;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint32_t nf = t->nf,
				whole = nf & ~7u;
#else
	/* the 64-bit loads below read codes little-endian: elsewhere, one code at a time */
	const uint32_t nf = t->nf,
				whole = 0;
#endif

	for (size_t k = begin; k < end; k++)
	{
		uint32_t	i = rows[k];
		const uint8_t *row = codes + (size_t) i * nf;
		hist_slot	v = packed[i];
		hist_slot  *restrict h = hist;
		uint32_t	j;

		if (k + HISTOGRAM_AHEAD < end)
		{
			__builtin_prefetch(codes + (size_t) rows[k + HISTOGRAM_AHEAD] * nf);
			__builtin_prefetch(packed + rows[k + HISTOGRAM_AHEAD]);
		}

		for (j = 0; j < whole; j += 8, h += 8 * CM_BINS_MAX)
		{
			uint64_t	c;

			memcpy(&c, row + j, sizeof(c));
			h[c & 0xFF] += v;
			h[CM_BINS_MAX + ((c >> 8) & 0xFF)] += v;
			h[2 * CM_BINS_MAX + ((c >> 16) & 0xFF)] += v;
			h[3 * CM_BINS_MAX + ((c >> 24) & 0xFF)] += v;
			h[4 * CM_BINS_MAX + ((c >> 32) & 0xFF)] += v;
			h[5 * CM_BINS_MAX + ((c >> 40) & 0xFF)] += v;
			h[6 * CM_BINS_MAX + ((c >> 48) & 0xFF)] += v;
			h[7 * CM_BINS_MAX + (c >> 56)] += v;
		}
		for (; j < nf; j++, h += CM_BINS_MAX)
			h[row[j]] += v;
	}
}

typedef struct histogram_job
{
	const trainer *t;
	size_t		begin;
	size_t		end;
	hist_slot  *hist;
} histogram_job;

/* Share 0 sums its rows into the node's histogram, share s into extra histogram s - 1. */
static void
histogram_share(void *arg, int s, int n_shares)
{
	histogram_job *job = arg;
	const trainer *t = job->t;
	hist_slot  *hist = s == 0 ? job->hist : t->share_hist + (size_t) (s - 1) * t->total_bins;
	size_t		b,
				e;

	memset(hist, 0, t->total_bins * sizeof(hist_slot));
	share_range(job->begin, job->end, s, n_shares, &b, &e);
	histogram_rows(t, b, e, hist);
}

static void
build_histogram(const trainer *t, size_t begin, size_t end, hist_slot *hist)
{
	histogram_job job = {t, begin, end, hist};
	int			n = shares_for(t, end - begin);

	cm_pool_run(histogram_share, &job, n);
	for (int s = 1; s < n; s++)
	{
		const hist_slot *part = t->share_hist + (size_t) (s - 1) * t->total_bins;

		for (size_t b = 0; b < t->total_bins; b++)
			hist[b] += part[b];
	}
}

/* ---- splits ---- */

static double
leaf_score(double g, double h, double lambda)
{
	return g * g / (h + lambda);
}

/* Consider one candidate (left sums ql) of a node (sums qn); keep it if it beats *best. */
static void
consider(const trainer *t, int64_t qg, int64_t qh, int64_t qgl, int64_t qhl, int feature,
		 int bin, bool default_left, split *best)
{
	const cm_gbt_params *p = t->p;
	double		gl = (double) qgl * t->g_scale,
				hl = (double) qhl * t->h_scale,
				gr = (double) (qg - qgl) * t->g_scale,
				hr = (double) (qh - qhl) * t->h_scale,
				floor = p->min_child_weight > MIN_CHILD_HESS ? p->min_child_weight : MIN_CHILD_HESS,
				gain;

	if (hl < floor || hr < floor)
		return;
	gain = 0.5 * (leaf_score(gl, hl, p->lambda) + leaf_score(gr, hr, p->lambda) -
				  leaf_score(gl + gr, hl + hr, p->lambda)) - p->gamma;
	if (gain > best->gain)
	{
		best->gain = gain;
		best->feature = feature;
		best->bin = bin;
		best->default_left = default_left;
		best->qgl = qgl;
		best->qhl = qhl;
	}
}

/* Best split of feature j given the node's histogram and sums. */
static void
best_split_of_feature(const trainer *t, const hist_slot *hist, uint32_t j, const pending *e,
					  split *best)
{
	const hist_slot *f = hist + t->offset[j];
	int			nb = cm_bins_count(t->bins, j);
	int64_t		mg = slot_g(f[0]),
				mh = slot_h(f[0]),
				gl = 0,
				hl = 0;
	bool		has_missing = mg != 0 || mh != 0;

	for (int b = 1; b < nb; b++)
	{
		gl += slot_g(f[b]);
		hl += slot_h(f[b]);
		/*
		 * Missing to the right.  A node without missing rows learns nothing about them:
		 * send future ones to the heavier side.
		 */
		consider(t, e->qg, e->qh, gl, hl, (int) j, b, !has_missing && hl >= e->qh - hl, best);
		if (has_missing && b < nb - 1)
			consider(t, e->qg, e->qh, gl + mg, hl + mh, (int) j, b, true, best);
	}
}

static split
find_split(const trainer *t, const pending *e)
{
	const hist_slot *hist = hist_of(t, e->hist);
	split		best = {0, -1, 0, false, 0, 0};

	for (uint32_t j = 0; j < t->nf; j++)
		if (t->use_feature[j])
			best_split_of_feature(t, hist, j, e, &best);
	return best;
}

/* ---- partitioning ---- */

/* 1 when a row of code c goes left at a split on bin (missing values by missing_left): no branch. */
static inline uint32_t
goes_left(uint32_t c, uint32_t bin, uint32_t missing_left)
{
	return ((c != 0) & (c <= bin)) | ((c == 0) & missing_left);
}

/*
 * Partition rows[begin, end) stably: the rows going left packed from rows[begin], those going
 * right into scratch[begin ...]; returns how many go left.  Branch-free: every row is written
 * to both sides and only the counter of its side advances, so there is no mispredicted branch
 * per row, and each node's rows stay in increasing order, which keeps the histogram loops'
 * reads of codes and gradients moving forward through memory.
 */
static size_t
partition_range(const trainer *t, size_t begin, size_t end, const cm_gbt_node *node)
{
	const uint8_t *restrict column = t->columns + (size_t) node->feature * t->n_rows;
	uint32_t   *restrict rows = t->rows + begin;
	uint32_t   *restrict right = t->scratch + begin;
	const uint32_t bin = node->bin,
				missing_left = node->default_left ? 1 : 0;
	size_t		n_left = 0,
				n_right = 0;

	for (size_t k = 0; k < end - begin; k++)
	{
		uint32_t	r = rows[k];
		uint32_t	left = goes_left(column[r], bin, missing_left);

		if (k + PARTITION_AHEAD < end - begin)
			__builtin_prefetch(column + rows[k + PARTITION_AHEAD]);
		rows[n_left] = r;		/* n_left <= k: row k has been read */
		right[n_right] = r;
		n_left += left;
		n_right += left ^ 1;
	}
	return n_left;
}

typedef struct partition_job
{
	const trainer *t;
	size_t		begin;
	size_t		end;
	const cm_gbt_node *node;
	size_t		n_left[CM_POOL_MAX_SHARES];
} partition_job;

static void
partition_share(void *arg, int s, int n_shares)
{
	partition_job *job = arg;
	size_t		b,
				e;

	share_range(job->begin, job->end, s, n_shares, &b, &e);
	job->n_left[s] = partition_range(job->t, b, e, job->node);
}

/* Partition rows[begin, end) by node's split, left rows first; returns the boundary. */
static size_t
partition_rows(trainer *t, size_t begin, size_t end, const cm_gbt_node *node)
{
	partition_job job = {t, begin, end, node, {0}};
	int			n = shares_for(t, end - begin);
	size_t		at = begin,
				mid,
				b,
				e;

	cm_pool_run(partition_share, &job, n);
	/* each share's left rows right after the previous share's (a move down: memmove) */
	for (int s = 0; s < n; s++)
	{
		share_range(begin, end, s, n, &b, &e);
		if (at != b)
			memmove(t->rows + at, t->rows + b, job.n_left[s] * sizeof(uint32_t));
		at += job.n_left[s];
	}
	mid = at;
	for (int s = 0; s < n; s++)
	{
		size_t		n_right;

		share_range(begin, end, s, n, &b, &e);
		n_right = e - b - job.n_left[s];
		memcpy(t->rows + at, t->scratch + b, n_right * sizeof(uint32_t));
		at += n_right;
	}
	return mid;
}

/* ---- growing a tree ---- */

static double
split_threshold(const cm_bins *bins, int feature, int bin)
{
	/* the last value bin has no cut above it: every value goes left */
	if (bin >= bins->n_cuts[feature] + 1)
		return DBL_MAX;
	return bins->cuts[(size_t) feature * MAX_CUTS + (size_t) (bin - 1)];
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
	hist_slot  *hs,
			   *hp;

	CM_TRY(cm_gbt_reserve_nodes(t->model, 2));
	node = &t->model->nodes[tree_start + e.node];
	node->feature = s->feature;
	node->bin = (uint8_t) s->bin;
	node->default_left = s->default_left;
	node->threshold = split_threshold(t->bins, s->feature, s->bin);
	node->gain = s->gain;
	node->left = left;
	node->right = left + 1;
	memset(&t->model->nodes[t->model->n_nodes], 0, 2 * sizeof(cm_gbt_node));
	t->model->n_nodes += 2;
	if (e.depth + 1 >= t->p->depth)
	{
		/* both children are leaves: no partition, no histograms (finish_leaf_pair) */
		t->leaves[t->n_leaves++] = (leaf) {e.node, true, e.begin, e.end};
		t->free_hist[t->n_free++] = e.hist;
		return CM_OK;
	}
	mid = partition_rows(t, e.begin, e.end, node);
	l = (pending) {left, e.begin, mid, e.depth + 1, -1, s->qgl, s->qhl};
	r = (pending) {left + 1, mid, e.end, e.depth + 1, -1, e.qg - s->qgl, e.qh - s->qhl};
	small = (mid - e.begin <= e.end - mid) ? &l : &r;
	large = small == &l ? &r : &l;
	small->hist = t->free_hist[--t->n_free];
	large->hist = e.hist;
	hs = hist_of(t, small->hist);
	hp = hist_of(t, large->hist);
	build_histogram(t, small->begin, small->end, hs);
	for (size_t b = 0; b < t->total_bins; b++)
		hp[b] -= hs[b];
	t->stack[(*sp)++] = r;
	t->stack[(*sp)++] = l;
	return CM_OK;
}

/* A leaf's value (learning rate applied) and cover from the exact sums of its rows. */
static void
set_leaf(const trainer *t, cm_gbt_node *node, double g, double h)
{
	const double lambda = t->p->lambda;

	node->feature = -1;
	/* an empty root (every row left out by subsample) with lambda 0 would be 0/0 */
	node->value = h + lambda > 0 ? -g / (h + lambda) * t->p->learning_rate : 0;
	node->cover = h;
}

/* A leaf of rows[begin, end): its value from the exact gradients, then its rows' margins. */
static void
finish_leaf(trainer *t, cm_gbt_node *node, const leaf *lf)
{
	double		g = 0,
				h = 0;

	for (size_t r = lf->begin; r < lf->end; r++)
	{
		g += t->grad[t->rows[r]].g;
		h += t->grad[t->rows[r]].h;
	}
	set_leaf(t, node, g, h);
	for (size_t r = lf->begin; r < lf->end; r++)
		t->margin[t->rows[r]] += node->value;
}

/*
 * The two leaves under split node, whose rows[begin, end) were never partitioned: one pass
 * sums each side's exact gradients, a second adds each row its side's value.  Cheaper than
 * partitioning the rows and then visiting each leaf's.
 */
static void
finish_leaf_pair(trainer *t, cm_gbt_node *nodes, const leaf *lf)
{
	const cm_gbt_node *split = &nodes[lf->node];
	const uint8_t *column = t->columns + (size_t) split->feature * t->n_rows;
	const uint32_t bin = split->bin,
				missing_left = split->default_left ? 1 : 0;
	double		g[2] = {0, 0},
				h[2] = {0, 0},
				value[2];

	for (size_t k = lf->begin; k < lf->end; k++)
	{
		uint32_t	r = t->rows[k];
		uint32_t	side = goes_left(column[r], bin, missing_left) ^ 1;

		if (k + PARTITION_AHEAD < lf->end)
		{
			__builtin_prefetch(column + t->rows[k + PARTITION_AHEAD]);
			__builtin_prefetch(t->grad + t->rows[k + PARTITION_AHEAD]);
		}
		g[side] += t->grad[r].g;
		h[side] += t->grad[r].h;
	}
	set_leaf(t, &nodes[split->left], g[0], h[0]);
	set_leaf(t, &nodes[split->right], g[1], h[1]);
	value[0] = nodes[split->left].value;
	value[1] = nodes[split->right].value;
	for (size_t k = lf->begin; k < lf->end; k++)
	{
		uint32_t	r = t->rows[k];

		if (k + PARTITION_AHEAD < lf->end)
			__builtin_prefetch(t->margin + t->rows[k + PARTITION_AHEAD], 1);
		t->margin[r] += value[goes_left(column[r], bin, missing_left) ^ 1];
	}
}

/*
 * Finish the leaves of the tree.  Leaves are whole to one share, each summed in row order:
 * the same bits on any thread count.
 */
static void
leaves_share(void *arg, int s, int n_shares)
{
	trainer    *t = arg;
	cm_gbt_node *nodes = t->model->nodes + t->model->tree_start[t->model->n_trees];

	for (size_t k = 0; k < t->n_leaves; k++)
	{
		const leaf *lf = &t->leaves[k];

		if (t->n_sampled > 0 &&
			(int) ((uint64_t) lf->begin * (uint64_t) n_shares / t->n_sampled) != s)
			continue;
		if (t->n_sampled == 0 && s != 0)
			continue;
		if (lf->pair)
			finish_leaf_pair(t, nodes, lf);
		else
			finish_leaf(t, &nodes[lf->node], lf);
	}
}

/* Leaf values and margins, then every split's cover as the sum of its children's. */
static void
finish_tree(trainer *t, size_t tree_start)
{
	cm_gbt_node *nodes = t->model->nodes + tree_start;

	cm_pool_run(leaves_share, t, shares_for(t, t->n_sampled));
	/* children come after their parent: a backward pass sees them first */
	for (size_t k = t->model->n_nodes - tree_start; k-- > 0;)
		if (nodes[k].feature >= 0)
			nodes[k].cover = nodes[nodes[k].left].cover + nodes[nodes[k].right].cover;
}

/* The quantized sums of a whole node: every row is in exactly one bin of feature 0. */
static void
node_sums(const trainer *t, const hist_slot *hist, int64_t *qg, int64_t *qh)
{
	hist_slot	sum = 0;

	for (int b = 0; b < cm_bins_count(t->bins, 0); b++)
		sum += hist[b];
	*qg = slot_g(sum);
	*qh = slot_h(sum);
}

cm_status
cm_gbt_grow_tree(trainer *t)
{
	size_t		n = sample_rows(t);
	size_t		tree_start = t->model->n_nodes;
	int			sp = 0;
	pending		root = {0, 0, n, 0, 0, 0, 0};

	sample_features(t);
	CM_TRY(cm_gbt_reserve_nodes(t->model, 1));
	memset(&t->model->nodes[t->model->n_nodes++], 0, sizeof(cm_gbt_node));
	t->n_leaves = 0;
	root.hist = t->free_hist[--t->n_free];
	build_histogram(t, 0, n, hist_of(t, root.hist));
	node_sums(t, hist_of(t, root.hist), &root.qg, &root.qh);
	t->stack[sp++] = root;
	while (sp > 0)
	{
		pending		e = t->stack[--sp];
		split		s = {0, -1, 0, false, 0, 0};

		CM_TRY(cm_check_interrupts());
		if (e.depth < t->p->depth && e.end - e.begin >= 2)
			s = find_split(t, &e);
		if (s.feature >= 0)
			CM_TRY(split_node(t, tree_start, e, &s, &sp));
		else
		{
			/* depth-first, left child first: leaves come in increasing row order */
			t->leaves[t->n_leaves++] = (leaf) {e.node, false, e.begin, e.end};
			if (e.hist >= 0)
				t->free_hist[t->n_free++] = e.hist;
		}
	}
	finish_tree(t, tree_start);
	return cm_gbt_close_tree(t->model);
}
