/*
 * train.c - campaign.train(): parse the params (train_params.c), read the source
 * (train_source.c), fit a model in the core, evaluate it on a seeded holdout and store it in
 * the model store.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "features.h"
#include "model.h"
#include "progress.h"
#include "status.h"
#include "train.h"
#include "../core/memory.h"
#include "../core/metrics.h"

#define PROGRESS_EVERY_MS 5000

/* The stored kind of a feature column of a type cm_pg_feature_type_of accepts. */
static uint8_t
feature_kind(Oid type)
{
	cm_feature_type kind;

	cm_pg_feature_type_of(type, &kind);
	return (uint8_t) kind;
}

/* Metrics of the fitted model on the holdout rows (or the training rows if none). */
static char *
evaluate(const train_input *in, const cm_logistic *fit, const cm_logistic_info *info,
		 const uint8_t *is_holdout, size_t n_holdout, double seconds)
{
	size_t		n = 0;
	bool		on_holdout = n_holdout > 0;
	double	   *p = palloc(sizeof(double) * in->data.n_rows);
	double	   *y = palloc(sizeof(double) * in->data.n_rows);
	cm_binary_metrics m;
	StringInfoData s;
	bool		first = true;

	for (size_t i = 0; i < in->data.n_rows; i++)
		if (!on_holdout || is_holdout[i])
		{
			p[n] = cm_logistic_predict(fit, in->data.x + i * in->data.n_features);
			y[n++] = in->data.y[i];
		}
	CM_PG_CHECK(cm_binary_metrics_compute(p, y, n, &m), "could not evaluate the model");
	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	cm_pg_append_json_number(&s, "auc", m.auc, &first);
	cm_pg_append_json_number(&s, "logloss", m.logloss, &first);
	cm_pg_append_json_number(&s, "brier", m.brier, &first);
	cm_pg_append_json_number(&s, "base_rate", m.base_rate, &first);
	cm_pg_append_json_number(&s, "rows_train", (double) info->rows_used, &first);
	cm_pg_append_json_number(&s, "rows_holdout", (double) n_holdout, &first);
	cm_pg_append_json_number(&s, "rows_skipped", (double) in->rows_skipped, &first);
	cm_pg_append_json_number(&s, "iterations", info->iterations, &first);
	cm_pg_append_json_number(&s, "training_seconds", seconds, &first);
	appendStringInfo(&s, ", \"converged\": %s, \"evaluated_on\": \"%s\"}",
					 info->converged ? "true" : "false", on_holdout ? "holdout" : "training");
	return s.data;
}

static char *
metadata_json(const char *label, const char *params, const char *metrics)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, "{\"label\": ");
	escape_json(&s, label);
	appendStringInfo(&s, ", \"params\": %s, \"metrics\": %s}", params, metrics);
	return s.data;
}

/*
 * Metrics from a holdout of a few dozen rows, or of one class, mean little: say so (the model
 * is still stored).  positives: the holdout rows whose label is 1 (binary models).
 */
#define SMALL_HOLDOUT 50
static void
warn_about_holdout(const char *model_name, bool regression, size_t n_holdout, size_t positives)
{
	if (n_holdout == 0)
		return;
	if (n_holdout < SMALL_HOLDOUT)
		ereport(WARNING,
				(errmsg("the holdout of model \"%s\" has %zu rows: its metrics are noise",
						model_name, n_holdout),
				 errhint("Train on more rows, or raise the holdout param.")));
	else if (!regression && (positives == 0 || positives == n_holdout))
		ereport(WARNING,
				(errmsg("the holdout of model \"%s\" holds one class only: auc is null",
						model_name),
				 errhint("Train on more rows of the rare class, or raise the holdout param.")));
}

/* ---- progress ----------------------------------------------------------------------------- */

typedef struct progress_state
{
	const char *model_name;
	const char *unit;			/* "trees" or "iterations" */
	TimestampTz started;
	TimestampTz last;
} progress_state;

/*
 * Called by the core after each tree or iteration, on this backend's thread: published for
 * campaign.training_progress every time, a NOTICE every few seconds.
 */
static void
train_progress(void *arg, int done, int total)
{
	progress_state *ps = arg;
	TimestampTz now = GetCurrentTimestamp();
	double		elapsed;

	cm_pg_progress_steps(done, total);
	if (!TimestampDifferenceExceeds(ps->last, now, PROGRESS_EVERY_MS) || done == total)
		return;
	ps->last = now;
	elapsed = (double) (now - ps->started) / USECS_PER_SEC;
	ereport(NOTICE,
			(errmsg("training model \"%s\": %d of %d %s, %.1f s elapsed, about %.0f s left",
					ps->model_name, done, total, ps->unit, elapsed, elapsed / done * (total - done))));
}

/* Fit, evaluate and store; returns the new model id. */
static int64
fit_and_store(train_input *in, const train_params *params, TimestampTz started)
{
	cm_logistic_params lp = params->core.logistic;
	cm_logistic_info info;
	cm_logistic *fit;
	uint8_t    *is_holdout = palloc(in->data.n_rows);
	size_t		n_holdout;
	long		secs;
	int			usecs;
	char	   *metrics,
			   *pj = cm_pg_train_params_json(params);
	uint8_t    *kinds = palloc(in->n_features);
	cm_model   *model;
	progress_state ps = {in->model_name, "iterations", started, started};

	cm_pg_train_canonical_order(in);
	cm_split_by_key(in->keys, in->data.n_rows, lp.holdout, is_holdout, &n_holdout);
	{
		size_t		positives = 0;

		for (size_t i = 0; i < in->data.n_rows; i++)
			positives += is_holdout[i] && in->data.y[i] == 1;
		warn_about_holdout(in->model_name, false, n_holdout, positives);
	}
	lp.progress = train_progress;
	lp.progress_arg = &ps;
	cm_pg_progress_set_phase(CM_PG_PROGRESS_TRAINING);
	CM_PG_CHECK(cm_logistic_fit(in->data.x, in->data.y, in->data.n_rows, in->data.n_features,
								is_holdout, &lp, &fit, &info),
				psprintf("could not train model \"%s\"", in->model_name));
	cm_pg_progress_set_phase(CM_PG_PROGRESS_EVALUATING);
	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	metrics = evaluate(in, fit, &info, is_holdout, n_holdout, secs + usecs / 1e6);
	for (int j = 0; j < in->n_features; j++)
		kinds[j] = feature_kind(in->feature_types[j]);
	CM_PG_CHECK(cm_model_create(CM_ALGORITHM_LOGISTIC, (uint32) in->n_features,
								(const char *const *) in->feature_names, kinds,
								metadata_json(in->label, pj, metrics), fit, &model),
				"could not build the model");
	cm_pg_progress_set_phase(CM_PG_PROGRESS_STORING);
	return cm_pg_store_model(in->model_name, model, in->label, pj, metrics);
}

/* ---- gbt ---------------------------------------------------------------------------------- */

/* Refuse up front when the rows plus the fit's working memory exceed the limit. */
static void
check_gbt_memory(const train_input *in, int depth, int threads)
{
	size_t		work,
				rows_bytes,
				reorder,
				total,
				limit = (size_t) campaign_train_memory_limit_kb * 1024;

	/*
	 * A row: its codes, label, weight and key.  Putting the rows in key order copies one of
	 * those arrays at a time before the fit's working memory is taken: the larger counts.
	 */
	if (!cm_gbt_fit_memory(in->binned.n_rows, &in->bins, depth, threads, &work) ||
		!cm_mul_size(in->binned.cap_rows,
					 (size_t) in->n_features + sizeof(float) * (in->binned.w ? 2 : 1) +
					 sizeof(double), &rows_bytes) ||
		!cm_mul_size(in->binned.n_rows, Max((size_t) in->n_features, sizeof(double)), &reorder) ||
		!cm_add_size(Max(work, reorder), rows_bytes, &total) || total > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("training model \"%s\" on %zu rows needs about %zu kB, over campaign.train_memory_limit (%d kB)",
						in->model_name, in->binned.n_rows, total / 1024, campaign_train_memory_limit_kb),
				 errhint("Raise campaign.train_memory_limit or train on fewer rows or features.")));
}

/* Holdout (or training) metrics from the margins the core returned, weighted by the rows. */
static void
gbt_metrics(const train_input *in, const double *margin, const uint8_t *is_holdout,
			size_t n_holdout, StringInfo s, bool *first)
{
	bool		on_holdout = n_holdout > 0;
	size_t		n = 0;
	double	   *p = palloc_extended(sizeof(double) * in->binned.n_rows, MCXT_ALLOC_HUGE);
	double	   *y = palloc_extended(sizeof(double) * in->binned.n_rows, MCXT_ALLOC_HUGE);
	double	   *w = palloc_extended(sizeof(double) * in->binned.n_rows, MCXT_ALLOC_HUGE);
	double		total = 0;

	for (size_t i = 0; i < in->binned.n_rows; i++)
		if (!on_holdout || is_holdout[i])
		{
			p[n] = cm_gbt_output(in->regression ? CM_GBT_REGRESSION : CM_GBT_BINARY, margin[i]);
			w[n] = in->binned.w ? in->binned.w[i] : 1;
			total += w[n];
			y[n++] = in->binned.y[i];
		}
	if (!(total > 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the %s rows of model \"%s\" all weigh 0: nothing to evaluate on",
						on_holdout ? "holdout" : "training", in->model_name)));
	if (in->regression)
	{
		cm_regression_metrics m;

		CM_PG_CHECK(cm_regression_metrics_weighted(p, y, w, n, &m), "could not evaluate the model");
		cm_pg_append_json_number(s, "rmse", m.rmse, first);
		cm_pg_append_json_number(s, "mae", m.mae, first);
		cm_pg_append_json_number(s, "r2", m.r2, first);
		cm_pg_append_json_number(s, "mean", m.mean, first);
	}
	else
	{
		cm_binary_metrics m;

		CM_PG_CHECK(cm_binary_metrics_weighted(p, y, in->binned.w ? w : NULL, n, &m),
					"could not evaluate the model");
		cm_pg_append_json_number(s, "auc", m.auc, first);
		cm_pg_append_json_number(s, "logloss", m.logloss, first);
		cm_pg_append_json_number(s, "brier", m.brier, first);
		cm_pg_append_json_number(s, "base_rate", m.base_rate, first);
	}
	appendStringInfo(s, ", \"evaluated_on\": \"%s\"", on_holdout ? "holdout" : "training");
}

/*
 * Order each categorical feature's categories by their training rows' labels (the codes and
 * the category lists follow), once the holdout is known.
 */
static void
order_categories(train_input *in, const uint8_t *is_holdout)
{
	uint32_t	order[CM_CATEGORIES_MAX];

	for (int j = 0; j < in->n_features; j++)
	{
		uint32_t	kept;

		if (!in->categorical[j])
			continue;
		CM_PG_CHECK(cm_binned_order_categories(&in->binned, &in->bins, (uint32) j,
											   in->categories[j].n, is_holdout, order, &kept),
					"could not order the categories");
		CM_PG_CHECK(cm_categories_reorder(&in->categories[j], order, kept),
					"could not order the categories");
	}
}

/* "feature_importance": [{"feature": ..., "gain": ..., "cover": ..., "splits": ...}, ...] */
static void
gbt_importance_json(const train_input *in, const cm_gbt *fit, StringInfo s)
{
	double	   *gain = palloc(sizeof(double) * in->n_features);
	double	   *cover = palloc(sizeof(double) * in->n_features);
	double	   *splits = palloc(sizeof(double) * in->n_features);

	cm_gbt_importance(fit, gain, cover, splits);
	appendStringInfoString(s, ", \"feature_importance\": [");
	for (int j = 0; j < in->n_features; j++)
	{
		bool		first = true;

		appendStringInfoString(s, j ? ", {\"feature\": " : "{\"feature\": ");
		escape_json(s, in->feature_names[j]);
		first = false;
		cm_pg_append_json_number(s, "gain", gain[j], &first);
		cm_pg_append_json_number(s, "cover", cover[j], &first);
		cm_pg_append_json_number(s, "splits", splits[j], &first);
		appendStringInfoChar(s, '}');
	}
	appendStringInfoChar(s, ']');
}

static int64
gbt_fit_and_store(train_input *in, const train_params *params, TimestampTz started)
{
	cm_gbt_params gp = params->core.gbt;
	cm_gbt_info info;
	cm_gbt	   *fit;
	size_t		n_rows = in->binned.n_rows,
				n_holdout;
	uint8_t    *is_holdout = palloc(n_rows);
	double	   *margin;
	progress_state ps = {in->model_name, "trees", started, started};
	char	   *pj = cm_pg_train_params_json(params);
	uint8_t    *kinds = palloc(in->n_features);
	StringInfoData s;
	bool		first = true;
	long		secs;
	int			usecs;
	cm_model   *model;

	double		reading_seconds = (double) (GetCurrentTimestamp() - started) / USECS_PER_SEC;

	/* 0: as many as the machine has cores; always capped by campaign.max_train_threads */
	gp.threads = Min(cm_gbt_threads(gp.threads), campaign_max_train_threads);
	gp.progress = train_progress;
	gp.progress_arg = &ps;
	check_gbt_memory(in, gp.depth, gp.threads);
	cm_pg_train_canonical_order(in);
	margin = palloc_extended(sizeof(double) * n_rows, MCXT_ALLOC_HUGE);
	cm_split_by_key(in->keys, n_rows, gp.holdout, is_holdout, &n_holdout);
	{
		size_t		positives = 0;

		for (size_t i = 0; i < n_rows; i++)
			positives += is_holdout[i] && in->binned.y[i] == 1;
		warn_about_holdout(in->model_name, in->regression, n_holdout, positives);
	}
	order_categories(in, is_holdout);
	cm_pg_progress_set_phase(CM_PG_PROGRESS_TRAINING);
	CM_PG_CHECK(cm_gbt_fit(&in->binned, &in->bins, is_holdout, &gp, &fit, &info, margin),
				psprintf("could not train model \"%s\"", in->model_name));
	cm_pg_progress_set_phase(CM_PG_PROGRESS_EVALUATING);
	TimestampDifference(started, GetCurrentTimestamp(), &secs, &usecs);
	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	cm_pg_append_json_number(&s, "rows", (double) n_rows, &first);
	cm_pg_append_json_number(&s, "rows_train", (double) info.rows_train, &first);
	cm_pg_append_json_number(&s, "rows_holdout", (double) n_holdout, &first);
	cm_pg_append_json_number(&s, "rows_skipped", (double) in->rows_skipped, &first);
	cm_pg_append_json_number(&s, "trees", info.trees_kept, &first);
	cm_pg_append_json_number(&s, "trees_built", info.trees_built, &first);
	cm_pg_append_json_number(&s, "training_seconds", secs + usecs / 1e6, &first);
	cm_pg_append_json_number(&s, "reading_seconds", reading_seconds, &first);
	gbt_metrics(in, margin, is_holdout, n_holdout, &s, &first);
	gbt_importance_json(in, fit, &s);
	appendStringInfoChar(&s, '}');
	for (int j = 0; j < in->n_features; j++)
		kinds[j] = in->categorical[j] ? CM_FEATURE_CATEGORICAL : feature_kind(in->feature_types[j]);
	CM_PG_CHECK(cm_model_create(CM_ALGORITHM_GBT, (uint32) in->n_features,
								(const char *const *) in->feature_names, kinds,
								metadata_json(in->label, pj, s.data), fit, &model),
				"could not build the model");
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j])
			CM_PG_CHECK(cm_model_set_categories(model, (uint32) j, &in->categories[j]),
						"could not build the model");
	cm_pg_progress_set_phase(CM_PG_PROGRESS_STORING);
	return cm_pg_store_model(in->model_name, model, in->label, pj, s.data);
}

static char *
required_text(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

PG_FUNCTION_INFO_V1(train);

/*
 * campaign.train(model text, source text, label text, features text[], algorithm text,
 * params jsonb) returns bigint
 */
Datum
train(PG_FUNCTION_ARGS)
{
	train_input in = {0};
	train_params params;
	char	   *source = required_text(fcinfo, 1, "source");
	char	   *algorithm = required_text(fcinfo, 4, "algorithm");
	const cm_algorithm_ops *ops;
	TimestampTz started = GetCurrentTimestamp();
	MemoryContext data_cxt;
	volatile int64 id = 0;		/* set inside PG_TRY */

	in.model_name = required_text(fcinfo, 0, "model name");
	in.label = required_text(fcinfo, 2, "label");
	cm_pg_check_model_name(in.model_name);
	ops = cm_algorithm_by_name(algorithm);
	if (ops == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown algorithm \"%s\"", algorithm),
				 errhint("Valid algorithms: gbt, logistic.")));
	cm_pg_train_parse_params(PG_ARGISNULL(5) ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"))) :
							 PG_GETARG_JSONB_P(5), ops, &params);
	in.algorithm = ops->name;
	in.gbt = ops->id == CM_ALGORITHM_GBT;
	in.regression = in.gbt && params.core.gbt.objective == CM_GBT_REGRESSION;
	in.max_bins = in.gbt ? params.core.gbt.bins : 0;
	in.weight = params.weight;
	in.force_categorical = params.categorical;
	data_cxt = AllocSetContextCreate(CurrentMemoryContext, "campaign train", ALLOCSET_DEFAULT_SIZES);
	/* shown by campaign.training_progress until the call ends, however it ends */
	cm_pg_progress_begin(in.model_name, ops->id,
						 in.gbt ? params.core.gbt.trees : params.core.logistic.max_iterations);
	PG_TRY();
	{
		cm_pg_train_read_source(&in, source, PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3),
								&params, data_cxt);
		{
			MemoryContext old = MemoryContextSwitchTo(data_cxt);

			id = in.gbt ? gbt_fit_and_store(&in, &params, started) :
				fit_and_store(&in, &params, started);
			MemoryContextSwitchTo(old);
		}
	}
	PG_FINALLY();
	{
		cm_pg_progress_end();
	}
	PG_END_TRY();
	MemoryContextDelete(data_cxt);
	PG_RETURN_INT64(id);
}

