/*
 * bandit.c - Bayesian bandits: Beta and revenue posterior aggregates, P(best), expected
 * loss, value remaining, Thompson sampling and traffic allocation (docs/bandits.md).  The
 * core is in core/bandit*.h; a decision that exists for both kinds of arm goes through
 * per_arm() once.
 *
 * Aggregate states are plain float8[] (no internal type): they travel between parallel
 * workers and Citus nodes as they are, and the transition functions update them in place
 * when called as aggregates, as float8_accum does.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "status.h"
#include "utils.h"
#include "../core/bandit_beta.h"
#include "../core/bandit_revenue.h"
#include "../core/bandit_state.h"
#include "../core/distributions.h"

/* ---- arms in and out ----------------------------------------------------------------- */

static void
reject_null_arms(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("arms must not contain null elements"),
			 errhint("Drop arms without a posterior, or give them the prior (1,1).")));
}

/* The first n float8 fields of a composite into out; false if one is NULL. */
static bool
float8_fields(HeapTupleHeader tup, int n, double *out)
{
	for (int f = 0; f < n; f++)
	{
		bool		isnull;

		out[f] = DatumGetFloat8(GetAttributeByNum(tup, f + 1, &isnull));
		if (isnull)
			return false;
	}
	return true;
}

/*
 * The float8 fields of each element of the composite array argument argno (nfields per
 * element, into a palloc'd array), checked: one dimension, not empty, no NULLs.
 */
static double *
composite_array_arg(FunctionCallInfo fcinfo, int argno, int nfields, size_t *n)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(argno);
	Datum	   *items;
	bool	   *nulls;
	int			count;
	double	   *v;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("arms must be a one-dimensional array")));
	deconstruct_array(arr, ARR_ELEMTYPE(arr), -1, false, TYPALIGN_DOUBLE, &items, &nulls, &count);
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arms must not be empty")));
	v = palloc(sizeof(double) * nfields * count);
	for (int i = 0; i < count; i++)
	{
		HeapTupleHeader tup;

		if (nulls[i])
			reject_null_arms();
		tup = DatumGetHeapTupleHeader(items[i]);
		if (!float8_fields(tup, nfields, &v[i * nfields]))
			reject_null_arms();
	}
	*n = (size_t) count;
	return v;
}

/*
 * The arms argument argno, campaign.beta[] or campaign.revenue[], as palloc'd arms.  Beta
 * arms are validated here ("invalid arms"); revenue arms by the core call, in its context.
 */
static cm_arms
arms_arg(FunctionCallInfo fcinfo, int argno, cm_arm_kind kind)
{
	int			fields = kind == CM_ARM_BETA ? 2 : 4;
	size_t		n;
	double	   *v = composite_array_arg(fcinfo, argno, fields, &n);
	cm_beta    *beta;
	cm_revenue *revenue;

	if (kind == CM_ARM_REVENUE)
	{
		revenue = palloc(sizeof(cm_revenue) * n);
		for (size_t i = 0; i < n; i++)
			revenue[i] = (cm_revenue) {v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]};
		return cm_revenue_arms(revenue, n);
	}
	beta = palloc(sizeof(cm_beta) * n);
	for (size_t i = 0; i < n; i++)
		beta[i] = (cm_beta) {v[2 * i], v[2 * i + 1]};
	CM_PG_CHECK(cm_beta_check_arms(beta, n), "invalid arms");
	return cm_beta_arms(beta, n);
}

static ArrayType *
float8_array(const double *v, size_t n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);

	for (size_t i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, (int) n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* The most fields of a composite result (campaign.revenue). */
#define MAX_RESULT_FIELDS 4

/* The function's declared result type (type names it for the message), of n float8 fields. */
static Datum
float8_composite(FunctionCallInfo fcinfo, const double *v, int n, const char *type)
{
	TupleDesc	desc;
	Datum		values[MAX_RESULT_FIELDS];
	bool		nulls[MAX_RESULT_FIELDS] = {false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE ||
		desc->natts != n || n > MAX_RESULT_FIELDS)
		elog(ERROR, "function returning %s called in a wrong context", type);
	for (int i = 0; i < n; i++)
		values[i] = Float8GetDatum(v[i]);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

/* A campaign.beta value. */
static Datum
beta_datum(FunctionCallInfo fcinfo, cm_beta b)
{
	double		v[2] = {b.alpha, b.beta};

	return float8_composite(fcinfo, v, 2, "campaign.beta");
}

/* ---- aggregate states ----------------------------------------------------------------- */

/* The layouts are in core/bandit_state.h, which validates and merges them. */
#define POST_LEN CM_POSTERIOR_STATE_LEN
#define DISC_LEN CM_DISCOUNTED_STATE_LEN

static double *
state_values(ArrayType *state, int len)
{
	size_t		got;
	double	   *s = cm_pg_float8_state(state, &got);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid bandit aggregate state"),
				 errdetail("Expected %d non-null float8 values.", len)));
	CM_PG_CHECK(cm_bandit_state_check(s, got, (size_t) len), "invalid bandit aggregate state");
	return s;
}

/* The state argument and its values, writable: in place inside an aggregate, else a copy. */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, int len, double **values)
{
	ArrayType  *state = AggCheckCallContext(fcinfo, NULL) ?
		PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);

	*values = state_values(state, len);
	return state;
}

/* The one shape of the combine functions: the state (argument 0) += the other (argument 1). */
static Datum
combine_states(FunctionCallInfo fcinfo, int len, cm_status (*combine) (double *s, const double *o))
{
	double	   *s;
	ArrayType  *state = writable_state(fcinfo, len, &s);
	double	   *o = state_values(PG_GETARG_ARRAYTYPE_P(1), len);

	CM_PG_CHECK(combine(s, o), "invalid bandit aggregate state");
	PG_RETURN_ARRAYTYPE_P(state);
}

static double
reward_arg(FunctionCallInfo fcinfo, int argno)
{
	double		r = PG_GETARG_FLOAT8(argno);

	if (!(r >= 0 && r <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reward %g is outside [0, 1]", r),
				 errhint("Rewards are conversion indicators or shares; use revenue arms for amounts.")));
	return r;
}

PG_FUNCTION_INFO_V1(beta_posterior_transfn);
PG_FUNCTION_INFO_V1(beta_posterior_bool_transfn);
PG_FUNCTION_INFO_V1(beta_posterior_prior_transfn);
PG_FUNCTION_INFO_V1(beta_posterior_combinefn);
PG_FUNCTION_INFO_V1(beta_posterior_finalfn);

Datum
beta_posterior_transfn(PG_FUNCTION_ARGS)
{
	double	   *s;
	ArrayType  *state = writable_state(fcinfo, POST_LEN, &s);
	double		r = reward_arg(fcinfo, 1);

	s[0] += r;
	s[1] += 1.0 - r;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
beta_posterior_bool_transfn(PG_FUNCTION_ARGS)
{
	double	   *s;
	ArrayType  *state = writable_state(fcinfo, POST_LEN, &s);

	s[PG_GETARG_BOOL(1) ? 0 : 1] += 1.0;
	PG_RETURN_ARRAYTYPE_P(state);
}

static cm_beta
beta_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	double		f[2];
	cm_beta		prior;

	if (!float8_fields(PG_GETARG_HEAPTUPLEHEADER(argno), 2, f))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s alpha and beta must not be null", what)));
	prior = (cm_beta) {f[0], f[1]};
	CM_PG_CHECK(cm_beta_check(prior, 1), psprintf("invalid %s", what));
	return prior;
}

Datum
beta_posterior_prior_transfn(PG_FUNCTION_ARGS)
{
	double	   *s;
	ArrayType  *state = writable_state(fcinfo, POST_LEN, &s);
	double		r = reward_arg(fcinfo, 1);
	cm_beta		prior = beta_arg(fcinfo, 2, "prior");

	if (s[2] != 0 && (s[2] != prior.alpha || s[3] != prior.beta))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the prior must be the same for every row of a group")));
	s[2] = prior.alpha;
	s[3] = prior.beta;
	s[0] += r;
	s[1] += 1.0 - r;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
beta_posterior_combinefn(PG_FUNCTION_ARGS)
{
	return combine_states(fcinfo, POST_LEN, cm_posterior_state_combine);
}

/* Posterior = prior + counts; a group without rows under an explicit prior is NULL. */
Datum
beta_posterior_finalfn(PG_FUNCTION_ARGS)
{
	double	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), POST_LEN);
	cm_beta		posterior;
	bool		empty;

	CM_PG_CHECK(cm_posterior_state_final(s, &posterior, &empty), "invalid bandit aggregate state");
	if (empty)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(beta_datum(fcinfo, posterior));
}

/* ---- discounted posterior --------------------------------------------------------------- */

static double
half_life_seconds(Interval *iv)
{
	double		sec = iv->time / 1e6 + iv->day * 86400.0 + iv->month * (30.0 * 86400.0);

	if (!(sec > 0) || !isfinite(sec))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("half_life must be a positive interval")));
	return sec;
}

PG_FUNCTION_INFO_V1(beta_discounted_transfn);
PG_FUNCTION_INFO_V1(beta_discounted_combinefn);
PG_FUNCTION_INFO_V1(beta_discounted_finalfn);

Datum
beta_discounted_transfn(PG_FUNCTION_ARGS)
{
	double	   *s;
	ArrayType  *state = writable_state(fcinfo, DISC_LEN, &s);
	double		r = reward_arg(fcinfo, 1);
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(2);
	double		t = (double) at / 1e6;
	double		hl = half_life_seconds(PG_GETARG_INTERVAL_P(3));
	double		w;

	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("event time must be finite")));
	if (s[4] > 0 && s[3] != hl)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("half_life must be the same for every row of a group")));
	if (s[4] == 0)
		s[2] = t;
	s[3] = hl;
	if (t > s[2])
		cm_discounted_rescale(s, t);
	w = pow(0.5, (s[2] - t) / hl);
	s[0] += w * r;
	s[1] += w * (1.0 - r);
	s[4] += 1;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
beta_discounted_combinefn(PG_FUNCTION_ARGS)
{
	return combine_states(fcinfo, DISC_LEN, cm_discounted_state_combine);
}

Datum
beta_discounted_finalfn(PG_FUNCTION_ARGS)
{
	double	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), DISC_LEN);
	cm_beta		posterior;

	CM_PG_CHECK(cm_discounted_state_final(s, &posterior), "invalid bandit aggregate state");
	PG_RETURN_DATUM(beta_datum(fcinfo, posterior));
}

/* ---- decisions ------------------------------------------------------------------------ */

/* The decisions that give one value per arm, for either kind of arm. */
typedef enum per_arm_decision
{
	PROB_BEST,
	EXPECTED_LOSS,
	ALLOCATION					/* arguments 1 and 2: method and floor */
} per_arm_decision;

/*
 * The one shape of the per-arm decisions: the arms of argument 0, the core's decision, a
 * float8[] of one value per arm.  what names the call in errors.
 */
static Datum
per_arm(FunctionCallInfo fcinfo, cm_arm_kind kind, per_arm_decision decision, const char *what)
{
	cm_arms		arms = arms_arg(fcinfo, 0, kind);
	double	   *out = palloc(sizeof(double) * arms.n);
	cm_status	st;

	if (decision == PROB_BEST)
		st = cm_arms_prob_best(arms, out, NULL);
	else if (decision == EXPECTED_LOSS)
		st = cm_arms_expected_loss(arms, out);
	else
		st = cm_arms_allocation(arms, text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_FLOAT8(2),
								out);
	CM_PG_CHECK(st, what);
	PG_RETURN_ARRAYTYPE_P(float8_array(out, arms.n));
}

PG_FUNCTION_INFO_V1(bandit_prob_best);
PG_FUNCTION_INFO_V1(bandit_expected_loss);
PG_FUNCTION_INFO_V1(bandit_value_remaining);
PG_FUNCTION_INFO_V1(bandit_allocation);
PG_FUNCTION_INFO_V1(bandit_beta_quantile);
PG_FUNCTION_INFO_V1(bandit_thompson);
PG_FUNCTION_INFO_V1(bandit_set_seed);

Datum
bandit_prob_best(PG_FUNCTION_ARGS)
{
	return per_arm(fcinfo, CM_ARM_BETA, PROB_BEST, "cannot compute prob_best");
}

Datum
bandit_expected_loss(PG_FUNCTION_ARGS)
{
	return per_arm(fcinfo, CM_ARM_BETA, EXPECTED_LOSS, "cannot compute expected_loss");
}

Datum
bandit_value_remaining(PG_FUNCTION_ARGS)
{
	cm_arms		arms = arms_arg(fcinfo, 0, CM_ARM_BETA);
	double		v;

	CM_PG_CHECK(cm_value_remaining(arms.beta, arms.n, PG_GETARG_FLOAT8(1), &v),
				"cannot compute value_remaining");
	PG_RETURN_FLOAT8(v);
}

Datum
bandit_allocation(PG_FUNCTION_ARGS)
{
	return per_arm(fcinfo, CM_ARM_BETA, ALLOCATION, "cannot compute allocation");
}

Datum
bandit_beta_quantile(PG_FUNCTION_ARGS)
{
	cm_beta		b = beta_arg(fcinfo, 0, "distribution");
	double		p = PG_GETARG_FLOAT8(1);

	if (!(p >= 0 && p <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability %g is outside [0, 1]", p)));
	PG_RETURN_FLOAT8(cm_beta_quantile(p, b.alpha, b.beta));
}

/* The session's Thompson stream: campaign.set_seed, else seeded from a strong random value. */
static cm_rng session_rng;
static bool session_rng_ready = false;

static cm_rng *
session_stream(void)
{
	if (!session_rng_ready)
	{
		uint64		seed;

		if (!pg_strong_random(&seed, sizeof(seed)))
			seed = (uint64) GetCurrentTimestamp() ^ (uint64) MyProcPid;
		cm_rng_seed(&session_rng, seed);
		session_rng_ready = true;
	}
	return &session_rng;
}

Datum
bandit_set_seed(PG_FUNCTION_ARGS)
{
	cm_rng_seed(&session_rng, (uint64) PG_GETARG_INT64(0));
	session_rng_ready = true;
	PG_RETURN_VOID();
}

/* Not strict: a NULL seed means the session stream. */
Datum
bandit_thompson(PG_FUNCTION_ARGS)
{
	size_t		chosen = 0;
	cm_arms		arms;
	cm_rng		local;
	cm_rng	   *rng = session_stream();

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	arms = arms_arg(fcinfo, 0, CM_ARM_BETA);
	if (!PG_ARGISNULL(1))
	{
		cm_rng_seed(&local, (uint64) PG_GETARG_INT64(1));
		rng = &local;
	}
	CM_PG_CHECK(cm_thompson(arms.beta, arms.n, rng, &chosen), "cannot sample");
	PG_RETURN_INT32((int32) chosen + 1);
}

/* ---- revenue arms ---------------------------------------------------------------------- */

#define REV_LEN CM_REVENUE_STATE_LEN

PG_FUNCTION_INFO_V1(revenue_posterior_transfn);
PG_FUNCTION_INFO_V1(revenue_posterior_combinefn);
PG_FUNCTION_INFO_V1(revenue_posterior_finalfn);
PG_FUNCTION_INFO_V1(bandit_revenue_per_visitor);
PG_FUNCTION_INFO_V1(bandit_revenue_prob_best);
PG_FUNCTION_INFO_V1(bandit_revenue_expected_loss);
PG_FUNCTION_INFO_V1(bandit_revenue_allocation);

/* Not strict: a NULL amount is a visitor who did not give. */
Datum
revenue_posterior_transfn(PG_FUNCTION_ARGS)
{
	ArrayType  *state;
	double	   *s;
	double		amount = PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid bandit aggregate state")));
	state = writable_state(fcinfo, REV_LEN, &s);
	if (!(amount >= 0) || isinf(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("amount %g must be a finite number >= 0", amount),
				 errhint("Use NULL or 0 for a visitor who did not give.")));
	if (amount > 0)
	{
		s[0] += 1;
		s[2] += amount;
	}
	else
		s[1] += 1;
	PG_RETURN_ARRAYTYPE_P(state);
}

Datum
revenue_posterior_combinefn(PG_FUNCTION_ARGS)
{
	return combine_states(fcinfo, REV_LEN, cm_revenue_state_combine);
}

/* The revenue arm of the state (model in cm_revenue_state_final). */
Datum
revenue_posterior_finalfn(PG_FUNCTION_ARGS)
{
	double	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), REV_LEN);
	double		arm[4];

	CM_PG_CHECK(cm_revenue_state_final(s, arm), "invalid bandit aggregate state");
	PG_RETURN_DATUM(float8_composite(fcinfo, arm, 4, "campaign.revenue"));
}

Datum
bandit_revenue_per_visitor(PG_FUNCTION_ARGS)
{
	double		v[4],
				out[3];

	if (!float8_fields(PG_GETARG_HEAPTUPLEHEADER(0), 4, v))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revenue posterior fields must not be null")));
	CM_PG_CHECK(cm_revenue_per_visitor(v[0], v[1], v[2], v[3], &out[0], &out[1], &out[2]),
				"cannot summarize revenue per visitor");
	PG_RETURN_DATUM(float8_composite(fcinfo, out, 3, "a record"));
}

Datum
bandit_revenue_prob_best(PG_FUNCTION_ARGS)
{
	return per_arm(fcinfo, CM_ARM_REVENUE, PROB_BEST, "cannot compute revenue_prob_best");
}

Datum
bandit_revenue_expected_loss(PG_FUNCTION_ARGS)
{
	return per_arm(fcinfo, CM_ARM_REVENUE, EXPECTED_LOSS, "cannot compute revenue_expected_loss");
}

Datum
bandit_revenue_allocation(PG_FUNCTION_ARGS)
{
	return per_arm(fcinfo, CM_ARM_REVENUE, ALLOCATION, "cannot compute revenue_allocation");
}
