/* test_explain.c - logistic contributions add up to the log-odds; ranking; unsupported models. */
#include "harness.h"
#include "dataset.h"
#include "explain.h"
#include "logistic.h"
#include "rng.h"

#include <math.h>

/* A fitted 3-feature model wrapped in the container. */
static cm_model *
fit_model(void)
{
	static const char *const names[] = {"a", "b", "c"};
	static const uint8_t types[] = {0, 0, 1};
	cm_dataset	ds;
	cm_rng		rng;
	cm_logistic *m;
	cm_logistic_params params;
	cm_logistic_info info;
	cm_model   *model;
	double		x[3];

	cm_dataset_init(&ds, 3, 0);
	cm_rng_seed(&rng, 7);
	for (int i = 0; i < 2000; i++)
	{
		x[0] = cm_rng_normal(&rng);
		x[1] = 5.0 + 3.0 * cm_rng_normal(&rng);
		x[2] = cm_rng_uniform(&rng) < 0.3;
		assert_int_equal(cm_dataset_add_row(&ds, x,
											cm_rng_uniform(&rng) <
											1 / (1 + exp(-(x[0] - 0.3 * x[1] + x[2])))), CM_OK);
	}
	cm_logistic_default_params(&params);
	assert_int_equal(cm_logistic_fit(ds.x, ds.y, ds.n_rows, 3, NULL, &params, &m, &info), CM_OK);
	cm_dataset_free(&ds);
	assert_int_equal(cm_model_create(CM_ALGORITHM_LOGISTIC, 3, names, types, "", m, &model),
					 CM_OK);
	return model;
}

static double
sum_of(const double *c, int n, double base)
{
	for (int j = 0; j < n; j++)
		base += c[j];
	return base;
}

static void
test_logistic_additive(void **state)
{
	cm_model   *model = fit_model();
	const cm_logistic *m = model->body;
	cm_rng		rng;
	double		x[3],
				c[3],
				base;

	(void) state;
	cm_rng_seed(&rng, 11);
	for (int i = 0; i < 500; i++)
	{
		x[0] = 10 * cm_rng_normal(&rng);
		x[1] = 100 * cm_rng_normal(&rng);
		x[2] = cm_rng_uniform(&rng) < 0.5;
		if (i % 3 == 0)
			x[i % 2] = NAN;
		assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
		assert_true(fabs(sum_of(c, 3, base) - cm_logistic_logit(m, x)) < 1e-9);
		assert_true(base == m->intercept);
		/* the sign follows the coefficient and the side of the mean */
		if (!isnan(x[1]))
			assert_true(c[1] * m->coef[1] * (x[1] - m->mean[1]) >= 0);
	}
	cm_model_free(model);
}

static void
test_logistic_missing_is_zero(void **state)
{
	cm_model   *model = fit_model();
	const cm_logistic *m = model->body;
	double		x[3] = {NAN, NAN, NAN},
				c[3],
				base;

	(void) state;
	assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
	for (int j = 0; j < 3; j++)
		assert_true(c[j] == 0.0);
	/* at the training mean every contribution is 0 too */
	for (int j = 0; j < 3; j++)
		x[j] = m->mean[j];
	assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
	for (int j = 0; j < 3; j++)
		assert_true(fabs(c[j]) < 1e-12);
	/* one unit of standardized value contributes exactly its coefficient */
	x[0] = m->mean[0] + m->scale[0];
	assert_int_equal(cm_explain(model, x, c, &base), CM_OK);
	assert_true(fabs(c[0] - m->coef[0]) < 1e-12);
	cm_model_free(model);
}

static void
test_rank_by_magnitude(void **state)
{
	const double c[6] = {0.5, -2.0, 0.0, 2.0, -0.75, 0.5};
	const uint32_t expected[6] = {1, 3, 4, 0, 5, 2};	/* ties keep model order */
	uint32_t	order[6];

	(void) state;
	cm_explain_rank(c, 6, order);
	for (int i = 0; i < 6; i++)
		assert_int_equal(order[i], expected[i]);
	cm_explain_rank(c, 0, order);	/* no features: nothing to do, no crash */
}

/* ---- TreeSHAP against brute-force Shapley values ------------------------------------------- */

static cm_gbt_node
split(int32_t feature, double threshold, int default_left, uint32_t left, uint32_t right,
	  double cover)
{
	cm_gbt_node n = {0};

	n.feature = feature;
	n.threshold = threshold;
	n.default_left = (uint8_t) default_left;
	n.left = left;
	n.right = right;
	n.cover = cover;
	return n;
}

static cm_gbt_node
leaf(double value, double cover)
{
	cm_gbt_node n = {0};

	n.feature = -1;
	n.value = value;
	n.cover = cover;
	return n;
}

/* Three trees over 4 features: feature 0 split three times on one path, a stump, a leaf. */
static cm_gbt_node hand_nodes[14];
static uint32_t hand_start[4] = {0, 11, 14, 14};

static void
hand_model(cm_gbt *m)
{
	cm_gbt_node *t = hand_nodes;

	t[0] = split(0, 0.5, 1, 1, 2, 10);
	t[1] = split(1, 1.0, 0, 3, 4, 6);
	t[2] = split(0, 2.0, 1, 5, 6, 4);
	t[3] = leaf(1.0, 2);
	t[4] = split(2, 0.0, 1, 7, 8, 4);
	t[5] = leaf(-0.5, 3);
	t[6] = leaf(2.0, 1);
	t[7] = leaf(0.3, 1);
	t[8] = split(0, 0.2, 0, 9, 10, 3);
	t[9] = leaf(-1.0, 2);
	t[10] = leaf(0.7, 1);
	t = hand_nodes + 11;
	t[0] = split(3, 0.0, 0, 1, 2, 10);
	t[1] = leaf(0.25, 7);
	t[2] = leaf(-0.4, 3);
	memset(m, 0, sizeof(*m));
	m->n_features = 4;
	m->objective = CM_GBT_BINARY;
	m->base_score = -0.3;
	m->n_trees = 2;
	m->tree_start = hand_start;
	m->nodes = hand_nodes;
	m->n_nodes = 14;
}

/* E[f | features in mask known]: known splits follow x, unknown ones average by cover. */
static double
conditional(const cm_gbt_node *tree, uint32_t node, const double *x, unsigned mask)
{
	const cm_gbt_node *n = &tree[node];
	double		v;

	if (n->feature < 0)
		return n->value;
	if (mask & (1u << n->feature))
	{
		v = x[n->feature];
		return conditional(tree, isnan(v) ? (n->default_left ? n->left : n->right) :
						   (v <= n->threshold ? n->left : n->right), x, mask);
	}
	return (tree[n->left].cover * conditional(tree, n->left, x, mask) +
			tree[n->right].cover * conditional(tree, n->right, x, mask)) / n->cover;
}

static double
model_conditional(const cm_gbt *m, const double *x, unsigned mask)
{
	double		sum = m->base_score;

	for (uint32_t t = 0; t < m->n_trees; t++)
		sum += conditional(m->nodes + m->tree_start[t], 0, x, mask);
	return sum;
}

static double
factorial(int n)
{
	return n <= 1 ? 1.0 : n * factorial(n - 1);
}

/* Shapley value of feature i by enumerating every subset of the others. */
static double
brute_shapley(const cm_gbt *m, const double *x, int i)
{
	int			p = (int) m->n_features;
	double		phi = 0;

	for (unsigned mask = 0; mask < (1u << p); mask++)
	{
		int			size = __builtin_popcount(mask);

		if (mask & (1u << i))
			continue;
		phi += factorial(size) * factorial(p - size - 1) / factorial(p) *
			(model_conditional(m, x, mask | (1u << i)) - model_conditional(m, x, mask));
	}
	return phi;
}

static void
check_against_brute_force(const cm_gbt *m, const double *x)
{
	double		c[8],
				base;

	assert_int_equal(cm_explain_tree_shap(m, x, c, &base), CM_OK);
	assert_true(fabs(base - model_conditional(m, x, 0)) < 1e-12);
	for (uint32_t j = 0; j < m->n_features; j++)
		assert_true(fabs(c[j] - brute_shapley(m, x, (int) j)) < 1e-9);
	assert_true(fabs(sum_of(c, (int) m->n_features, base) - cm_gbt_margin(m, x)) < 1e-9);
}

static void
test_tree_shap_hand_built(void **state)
{
	static const double grid[] = {-1.0, 0.1, 0.3, 1.0, 2.5, NAN};
	cm_gbt		m;
	double		x[4];
	int			rows = 0;

	(void) state;
	hand_model(&m);
	for (int a = 0; a < 6; a++)
		for (int b = 0; b < 6; b += 2)
			for (int c = 0; c < 6; c += 3)
				for (int d = 0; d < 6; d += 5)
				{
					x[0] = grid[a];
					x[1] = grid[b];
					x[2] = grid[c];
					x[3] = grid[d];
					check_against_brute_force(&m, x);
					rows++;
				}
	assert_int_equal(rows, 6 * 3 * 2 * 2);
}

/* Random trees with random covers, features repeating along paths. */
static void
test_tree_shap_random_trees(void **state)
{
	static cm_gbt_node nodes[3 * 31];
	static uint32_t start[4] = {0, 31, 62, 93};
	cm_rng		rng;
	cm_gbt		m;
	double		x[5];

	(void) state;
	cm_rng_seed(&rng, 3);
	memset(&m, 0, sizeof(m));
	m.n_features = 5;
	m.base_score = 0.1;
	m.n_trees = 3;
	m.tree_start = start;
	m.nodes = nodes;
	m.n_nodes = 93;
	for (int round = 0; round < 20; round++)
	{
		/* complete trees of depth 4: node i has children 2i+1, 2i+2; covers summed upwards */
		for (int t = 0; t < 3; t++)
		{
			cm_gbt_node *tree = nodes + 31 * t;

			for (int i = 30; i >= 0; i--)
				if (i >= 15)
					tree[i] = leaf(cm_rng_normal(&rng), 1 + 9 * cm_rng_uniform(&rng));
				else
					tree[i] = split((int32_t) (cm_rng_uniform(&rng) * 5) % 5,
									cm_rng_normal(&rng), cm_rng_uniform(&rng) < 0.5,
									(uint32_t) (2 * i + 1), (uint32_t) (2 * i + 2),
									tree[2 * i + 1].cover + tree[2 * i + 2].cover);
		}
		for (int j = 0; j < 5; j++)
			x[j] = cm_rng_uniform(&rng) < 0.15 ? NAN : cm_rng_normal(&rng);
		check_against_brute_force(&m, x);
	}
}

/* A freshly trained model (covers are the training hessian sums), missing values included. */
/*
 * Stored models keep their covers: a GBT model explained after encode and decode gives the
 * same contributions as before, through the cm_explain dispatch, adding up to its margin.
 * Takes ownership of m.
 */
static void
check_after_round_trip(cm_gbt *m, const double *x, int rows, int p)
{
	const char *names[4] = {"a", "b", "c", "d"};
	uint8_t		types[4] = {0, 0, 0, 0};
	cm_model   *model,
			   *back;
	cm_writer	w;
	double		c1[4],
				c2[4],
				b1,
				b2;

	assert_int_equal(cm_model_create(CM_ALGORITHM_GBT, (uint32_t) p, names, types, "{}", m,
									 &model), CM_OK);
	cm_writer_init(&w);
	cm_model_encode(model, &w);
	assert_int_equal(cm_model_decode(w.data, w.len, &back), CM_OK);
	assert_true(cm_explain_supported(back));
	for (int i = 0; i < rows; i++)
	{
		double		sum;

		assert_int_equal(cm_explain(model, x + i * p, c1, &b1), CM_OK);
		assert_int_equal(cm_explain(back, x + i * p, c2, &b2), CM_OK);
		sum = b2;
		for (int j = 0; j < p; j++)
		{
			assert_true(fabs(c1[j] - c2[j]) < 1e-12);
			sum += c2[j];
		}
		assert_true(fabs(b1 - b2) < 1e-12);
		assert_true(fabs(sum - cm_gbt_margin(back->body, x + i * p)) < 1e-9);
	}
	cm_model_free(back);
	cm_model_free(model);
	cm_writer_free(&w);
}

static void
test_tree_shap_trained(void **state)
{
	enum { N = 600, P = 4 };
	static double x[N * P],
				y[N];
	cm_rng		rng;
	cm_bins		bins;
	cm_binned	data;
	cm_gbt_params params;
	cm_gbt_info info;
	cm_gbt	   *m;

	(void) state;
	cm_rng_seed(&rng, 5);
	for (int i = 0; i < N; i++)
	{
		for (int j = 0; j < P; j++)
			x[i * P + j] = cm_rng_uniform(&rng) < 0.1 ? NAN : cm_rng_normal(&rng);
		y[i] = cm_rng_uniform(&rng) < (x[i * P] > 0 && !(x[i * P + 1] > 0.5) ? 0.8 : 0.3);
	}
	assert_int_equal(cm_bins_fit(x, N, P, 32, &bins), CM_OK);
	cm_binned_init(&data, P, 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(cm_binned_add_row(&data, &bins, x + i * P, y[i]), CM_OK);
	cm_gbt_default_params(&params);
	params.objective = CM_GBT_BINARY;
	params.trees = 6;
	params.depth = 4;
	params.threads = 1;
	assert_int_equal(cm_gbt_fit(&data, &bins, NULL, &params, &m, &info, NULL), CM_OK);
	assert_true(m->n_nodes > 3 * m->n_trees);	/* real trees, not stumps */
	for (int i = 0; i < 40; i++)
		check_against_brute_force(m, x + i * P);
	check_after_round_trip(m, x, 40, P);
	cm_bins_free(&bins);
	cm_binned_free(&data);
}

static void
test_tree_shap_refusals(void **state)
{
	static cm_gbt_node chain[2 * 20 + 1];
	static uint32_t start[2] = {0, 41};
	cm_gbt		m;
	double		x[4] = {0, 0, 0, 0},
				c[4],
				base;

	(void) state;
	/* a decoded model has no covers */
	hand_model(&m);
	hand_nodes[1].cover = 0;
	assert_int_equal(cm_explain_tree_shap(&m, x, c, &base), CM_ERR_INVALID);
	/* a forged chain 20 splits deep */
	for (uint32_t i = 0; i < 20; i++)
	{
		chain[2 * i] = split((int32_t) (i % 4), 1.0, 1, 2 * i + 1, 2 * i + 2, 1.0 + 20 - i);
		chain[2 * i + 1] = leaf(1.0, 1.0);
	}
	chain[40] = leaf(2.0, 1.0);
	m.n_trees = 1;
	m.tree_start = start;
	m.nodes = chain;
	m.n_nodes = 41;
	assert_int_equal(cm_explain_tree_shap(&m, x, c, &base), CM_ERR_LIMIT);
}

HARNESS_MAIN("explain",
			 HARNESS_TEST(test_logistic_additive),
			 HARNESS_TEST(test_logistic_missing_is_zero),
			 HARNESS_TEST(test_rank_by_magnitude),
			 HARNESS_TEST(test_tree_shap_hand_built),
			 HARNESS_TEST(test_tree_shap_random_trees),
			 HARNESS_TEST(test_tree_shap_trained),
			 HARNESS_TEST(test_tree_shap_refusals))
