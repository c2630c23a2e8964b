/*
 * campaign.c - the module entry point: the core's host hooks, then each capability's Init.
 */
#include "postgres.h"

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

void
_PG_init(void)
{
	static const cm_hooks hooks = {pg_alloc, pg_release, pg_interrupted, NULL};

	cm_set_hooks(&hooks);
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
