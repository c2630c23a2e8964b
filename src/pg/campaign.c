/*
 * campaign.c - the module entry point: the core's host hooks, then each capability's Init.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "campaign.h"
#include "../core/memory.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Core allocations live in whatever memory context the glue made current. */
static void *
pg_alloc(size_t size)
{
	return MemoryContextAllocExtended(CurrentMemoryContext, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
pg_release(void *ptr)
{
	pfree(ptr);
}

/* Throws (longjmp) when a cancel or timeout is pending; memory goes with its context. */
static bool
pg_interrupted(void)
{
	CHECK_FOR_INTERRUPTS();
	return false;
}

static int	campaign_call_memory_limit_kb = 1024 * 1024;

/* The core reads the limit as its call budget (core/memory.h, cm_budget_check). */
static void
call_memory_limit_assign(int newval, void *extra)
{
	(void) extra;
	cm_set_call_budget((size_t) newval * 1024);
}

/*
 * What one call may allocate by the size of its input (walk_route_costs' matrices): it
 * protects the server, so only a superuser sets it, as campaign.train_memory_limit.
 */
static void
define_memory_settings(void)
{
	DefineCustomIntVariable("campaign.call_memory_limit",
							"Most memory one call may take for matrices and row copies sized by its input.",
							"A call that would need more is refused with an error before allocating.",
							&campaign_call_memory_limit_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_SUSET, GUC_UNIT_KB, NULL, call_memory_limit_assign, NULL);
}

void
_PG_init(void)
{
	static const cm_hooks hooks = {pg_alloc, pg_release, pg_interrupted, NULL};

	cm_set_hooks(&hooks);
	define_memory_settings();
	cm_pg_walk_init();
	cm_pg_train_init();
	/* every campaign.* setting is defined by now: a misspelt one is an error */
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("campaign");
#else
	EmitWarningsOnPlaceholders("campaign");
#endif
	cm_pg_model_store_init();
	cm_pg_progress_init();
	cm_pg_scale_out_init();
}
