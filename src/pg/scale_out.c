/*
 * scale_out.c - scoring on Citus shards: the coordinator carries each model to the shards.
 *
 * On a Citus cluster the model store is the coordinator's campaign.models; the workers' stores
 * stay empty.  A planner hook, which runs before Citus's planner, rewrites every call
 * predict(model, features), explain(model, features) and explain_top(model, features, k) whose
 * model is a constant (or a bound parameter) into its carried form, predict(name, model_bytes,
 * features) and so on, with the model's stored bytes as a constant.  Citus then sends the
 * call to the shards like any other immutable expression, and:
 * - one statement scores with one model version everywhere: the coordinator reads the store
 *   once, in the statement's snapshot, whatever deploys run meanwhile on any node;
 * - the shards need no store, no cache invalidation and no connection back: a shard query (and
 *   each of its parallel workers) decodes the constant once per call site;
 * - UPDATE ... SET p = campaign.predict('m', v) is pushed down, as the carried form is immutable;
 * - a cached plan depends on campaign.models, so a change of the store replans it.
 * The price is the model's size in every shard query (docs/scale-out.md).  Without Citus, or
 * when the model is not a constant, the calls are left as they are.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/params.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "campaign.h"
#include "model.h"

typedef struct carry_context
{
	Oid			campaign_nsp;
	ParamListInfo params;
	bool		carried;		/* some call now carries a model */
} carry_context;

/*
 * The largest model carried: every shard query holds it as hex (twice its size), and the
 * coordinator builds all of a statement's shard queries at once (32 shards: 64 x the model).
 */
#define CARRY_MAX_BYTES (64 * 1024 * 1024)

static planner_hook_type prev_planner_hook = NULL;

/* The value of a constant model argument (a Const or a bound parameter) of type, if any. */
static bool
constant_argument(Node *arg, Oid type, ParamListInfo params, Datum *value)
{
	arg = eval_const_expressions(NULL, arg);	/* e.g. predict(7, v): int8(7) */
	if (IsA(arg, Const))
	{
		Const	   *c = (Const *) arg;

		*value = c->constvalue;
		return c->consttype == type && !c->constisnull;
	}
	if (IsA(arg, Param) && ((Param *) arg)->paramkind == PARAM_EXTERN && params != NULL)
	{
		Param	   *p = (Param *) arg;
		ParamExternData workspace;
		ParamExternData *prm;

		if (p->paramid <= 0 || p->paramid > params->numParams)
			return false;
		prm = params->paramFetch ? params->paramFetch(params, p->paramid, false, &workspace)
			: &params->params[p->paramid - 1];
		*value = prm->value;
		return prm->ptype == type && !prm->isnull && (prm->pflags & PARAM_FLAG_CONST);
	}
	return false;
}

/* Whether f is one of the scoring calls that name a stored model (by text or bigint). */
static bool
names_stored_model(FuncExpr *f, const carry_context *ctx)
{
	char	   *name;
	Oid			first;
	bool		scoring;

	if (list_length(f->args) < 2 || get_func_namespace(f->funcid) != ctx->campaign_nsp)
		return false;
	first = exprType(linitial(f->args));
	if (first != TEXTOID && first != INT8OID)
		return false;
	if (exprType(lsecond(f->args)) == BYTEAOID)
		return false;			/* already carried */
	name = get_func_name(f->funcid);
	scoring = strcmp(name, "predict") == 0 || strcmp(name, "explain") == 0 ||
		strcmp(name, "explain_top") == 0;
	pfree(name);
	return scoring;
}

/* The carried form of f: same name, (model text, model_bytes bytea, the rest of f's args). */
static Oid
carried_function(FuncExpr *f)
{
	Oid		   *declared;
	int			nargs;
	Oid			types[FUNC_MAX_ARGS];
	List	   *name;

	get_func_signature(f->funcid, &declared, &nargs);
	if (nargs + 1 > FUNC_MAX_ARGS)
		return InvalidOid;
	types[0] = TEXTOID;
	types[1] = BYTEAOID;
	for (int i = 1; i < nargs; i++)
		types[i + 1] = declared[i];
	name = list_make2(makeString("campaign"), makeString(get_func_name(f->funcid)));
	return LookupFuncName(name, nargs + 1, types, true);
}

/* f with its model carried, or NULL when it names no constant model (left as it is). */
static Node *
carry_model(FuncExpr *f, carry_context *ctx)
{
	Node	   *model;
	Oid			type;
	Datum		value;
	Oid			carried;
	cm_pg_stored_model row;
	FuncExpr   *call;

	if (!names_stored_model(f, ctx))
		return NULL;
	model = linitial(f->args);
	type = exprType(model);
	if (!constant_argument(model, type, ctx->params, &value))
		return NULL;
	carried = carried_function(f);
	if (!OidIsValid(carried))
		return NULL;			/* an older install script without the carried forms */
	if (type == INT8OID)
		cm_pg_fetch_model_bytes_by_id(DatumGetInt64(value), &row);
	else
		cm_pg_fetch_model_bytes_by_name(TextDatumGetCString(value), &row);
	if (VARSIZE_ANY_EXHDR(row.bytes) > CARRY_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" has %zu bytes, more than the %d MB a query can carry to the shards",
						row.name, (size_t) VARSIZE_ANY_EXHDR(row.bytes), CARRY_MAX_BYTES / (1024 * 1024)),
				 errhint("Train it with fewer or shallower trees, or score on the coordinator "
						 "from a local copy of the rows.")));
	call = makeFuncExpr(carried, f->funcresulttype,
						lcons(makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
										CStringGetTextDatum(row.name), false, false),
							  lcons(makeConst(BYTEAOID, -1, InvalidOid, -1,
											  PointerGetDatum(row.bytes), false, false),
									list_copy_tail(f->args, 1))),
						f->funccollid, DEFAULT_COLLATION_OID, COERCE_EXPLICIT_CALL);
	call->funcretset = f->funcretset;
	call->location = f->location;
	ctx->carried = true;
	return (Node *) call;
}

static Node *
carry_mutator(Node *node, carry_context *ctx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Query))
		return (Node *) query_tree_mutator((Query *) node, carry_mutator, ctx, 0);
	if (IsA(node, FuncExpr))
	{
		Node	   *mutated = expression_tree_mutator(node, carry_mutator, ctx);
		Node	   *carried = carry_model((FuncExpr *) mutated, ctx);

		return carried ? carried : mutated;
	}
	return expression_tree_mutator(node, carry_mutator, ctx);
}

/* Whether a statement has a scoring call naming a stored model (a walk, copying nothing). */
static bool
has_scoring_call(Node *node, carry_context *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, has_scoring_call, ctx, 0);
	if (IsA(node, FuncExpr) && names_stored_model((FuncExpr *) node, ctx))
		return true;
	return expression_tree_walker(node, has_scoring_call, ctx);
}

static PlannedStmt *
carrying_planner(Query *parse, const char *query_string, int cursor_options,
				 ParamListInfo bound_params)
{
	carry_context ctx = {InvalidOid, bound_params, false};
	PlannedStmt *plan;

	if (parse->commandType != CMD_UTILITY)
	{
		ctx.campaign_nsp = get_namespace_oid("campaign", true);
		/* the tree is copied, and pg_extension read, only for statements that score */
		if (OidIsValid(ctx.campaign_nsp) && has_scoring_call((Node *) parse, &ctx) &&
			cm_pg_citus_installed())
			parse = (Query *) carry_mutator((Node *) parse, &ctx);
	}
	if (prev_planner_hook)
		plan = prev_planner_hook(parse, query_string, cursor_options, bound_params);
	else
		plan = standard_planner(parse, query_string, cursor_options, bound_params);
	/* a carried model is a copy of a row: a change of the store must replan */
	if (ctx.carried)
		plan->relationOids = lappend_oid(plan->relationOids,
										 get_relname_relid("models", ctx.campaign_nsp));
	return plan;
}

void
cm_pg_scale_out_init(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = carrying_planner;
}
