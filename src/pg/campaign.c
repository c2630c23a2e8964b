/*
 * campaign.c - the module entry point: host hooks for the core, settings and callbacks.
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

int			campaign_train_memory_limit_kb = 1024 * 1024;
int			campaign_max_train_threads = 8;

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

static void
define_settings(void)
{
	DefineCustomIntVariable("campaign.train_memory_limit",
							"Largest training set campaign.train may hold in memory.",
							"Training that would need more is refused with an error.",
							&campaign_train_memory_limit_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("campaign.max_train_threads",
							"Most threads one campaign.train may use to grow trees.",
							"Caps the threads parameter of algorithm gbt; results do not depend on it.",
							&campaign_max_train_threads,
							8, 1, 64,
							PGC_USERSET, 0, NULL, NULL, NULL);
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("campaign");
#else
	EmitWarningsOnPlaceholders("campaign");
#endif
}

void
_PG_init(void)
{
	static const cm_hooks hooks = {pg_alloc, pg_release, pg_interrupted, NULL};

	cm_set_hooks(&hooks);
	cm_pg_walk_init();
	define_settings();
	cm_pg_model_store_init();
	cm_pg_progress_init();
}
