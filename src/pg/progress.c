/*
 * progress.c - campaign.training_progress: what campaign.train is doing, seen from other sessions.
 *
 * With campaign in shared_preload_libraries, _PG_init reserves one slot per backend in shared
 * memory.  campaign.train claims a slot, publishes its model, phase, rows read and trees (or
 * iterations) done there, and frees it when it ends: by success, error, cancel (PG_FINALLY in
 * train.c) or backend exit (before_shmem_exit).  Without preloading there is no shared memory to
 * publish to: training works the same, and the view returns one row whose note says so.
 *
 * PostgreSQL's own pg_stat_progress_* machinery (pgstat_progress_update_param) only serves the
 * built-in commands listed in ProgressCommandType, so an extension cannot use it.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include <math.h>

#include "progress.h"
#include "campaign.h"
#include "utils.h"

/* Before PostgreSQL 15, MaxBackends is not known yet when _PG_init reserves shared memory. */
#define SLOTS_BEFORE_PG15 64

#define NOT_PRELOADED_NOTE \
	"campaign is not in shared_preload_libraries: progress is visible only via NOTICE lines in the " \
	"training session; preload it and restart the server to watch trainings here"

static const char *const phase_names[] = {"reading", "training", "evaluating", "storing"};

typedef struct progress_slot
{
	slock_t		mutex;			/* guards every field below */
	int			pid;			/* 0: free */
	Oid			database;
	Oid			user;
	cm_algorithm algorithm;		/* gbt counts trees, logistic iterations */
	cm_pg_progress_phase phase;
	int32		done;
	int32		total;
	int64		rows_read;
	TimestampTz started;
	TimestampTz training_started;
	char		model[NAMEDATALEN];
} progress_slot;

typedef struct progress_shared
{
	int			n_slots;
	progress_slot slots[FLEXIBLE_ARRAY_MEMBER];
} progress_shared;

static progress_shared *shared;		/* NULL unless campaign was preloaded */
static progress_slot *my_slot;		/* this backend's slot while it trains, if it got one */
static int	train_depth;			/* campaign.train calls in progress in this backend */
static bool exit_callback_set;
static shmem_startup_hook_type prev_shmem_startup_hook;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook;
#endif

static int
slot_count(void)
{
#if PG_VERSION_NUM >= 150000
	return MaxBackends;
#else
	return SLOTS_BEFORE_PG15;
#endif
}

static Size
shared_size(void)
{
	return add_size(offsetof(progress_shared, slots),
					mul_size(slot_count(), sizeof(progress_slot)));
}

static void
request_shared_memory(void)
{
	RequestAddinShmemSpace(shared_size());
}

#if PG_VERSION_NUM >= 150000
static void
progress_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	request_shared_memory();
}
#endif

static void
progress_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("campaign training progress", shared_size(), &found);
	if (!found)
	{
		shared->n_slots = slot_count();
		for (int i = 0; i < shared->n_slots; i++)
		{
			memset(&shared->slots[i], 0, sizeof(progress_slot));
			SpinLockInit(&shared->slots[i].mutex);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

void
cm_pg_progress_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = progress_shmem_request;
#else
	request_shared_memory();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = progress_shmem_startup;
}

static void
release_slot(void)
{
	if (my_slot == NULL)
		return;
	SpinLockAcquire(&my_slot->mutex);
	my_slot->pid = 0;
	SpinLockRelease(&my_slot->mutex);
	my_slot = NULL;
}

/* A backend that exits (FATAL, pg_terminate_backend) mid-training leaves no row behind. */
static void
release_at_exit(int code, Datum arg)
{
	(void) code;
	(void) arg;
	release_slot();
}

/*
 * Copy fresh into the first free slot, now owned by this backend, or return NULL when all are
 * taken.  Claimed and filled under one spinlock hold, so no reader sees a previous training's
 * fields under the new pid.
 */
static progress_slot *
claim_slot(const progress_slot *fresh)
{
	const Size	start = offsetof(progress_slot, pid);

	for (int i = 0; i < shared->n_slots; i++)
	{
		progress_slot *slot = &shared->slots[i];
		bool		claimed;

		SpinLockAcquire(&slot->mutex);
		claimed = slot->pid == 0;
		if (claimed)
			memcpy((char *) slot + start, (const char *) fresh + start, sizeof(progress_slot) - start);
		SpinLockRelease(&slot->mutex);
		if (claimed)
			return slot;
	}
	return NULL;
}

void
cm_pg_progress_begin(const char *model, cm_algorithm algorithm, int total)
{
	progress_slot fresh;

	/* a training started from inside another one's source query stays unpublished */
	if (train_depth++ > 0 || shared == NULL)
		return;
	if (!exit_callback_set)
	{
		before_shmem_exit(release_at_exit, (Datum) 0);
		exit_callback_set = true;
	}
	memset(&fresh, 0, sizeof(fresh));
	fresh.pid = MyProcPid;
	fresh.database = MyDatabaseId;
	fresh.user = GetUserId();
	fresh.algorithm = algorithm;
	fresh.phase = CM_PG_PROGRESS_READING;
	fresh.total = total;
	fresh.started = fresh.training_started = GetCurrentTimestamp();
	strlcpy(fresh.model, model, NAMEDATALEN);
	my_slot = claim_slot(&fresh);
}

void
cm_pg_progress_end(void)
{
	if (train_depth > 0 && --train_depth == 0)
		release_slot();
}

/* The slot this backend's outermost training publishes to, or NULL. */
static progress_slot *
publishing_slot(void)
{
	return train_depth == 1 ? my_slot : NULL;
}

void
cm_pg_progress_set_phase(cm_pg_progress_phase phase)
{
	progress_slot *slot = publishing_slot();
	TimestampTz now;

	if (slot == NULL)
		return;
	now = GetCurrentTimestamp();
	SpinLockAcquire(&slot->mutex);
	slot->phase = phase;
	if (phase == CM_PG_PROGRESS_TRAINING)
		slot->training_started = now;
	SpinLockRelease(&slot->mutex);
}

void
cm_pg_progress_rows(uint64 rows)
{
	progress_slot *slot = publishing_slot();

	if (slot == NULL)
		return;
	SpinLockAcquire(&slot->mutex);
	slot->rows_read += (int64) rows;
	SpinLockRelease(&slot->mutex);
}

void
cm_pg_progress_steps(int done, int total)
{
	progress_slot *slot = publishing_slot();

	if (slot == NULL)
		return;
	SpinLockAcquire(&slot->mutex);
	slot->done = done;
	slot->total = total;
	SpinLockRelease(&slot->mutex);
}

/* ---- the view ---------------------------------------------------------------------------- */

enum
{
	COL_PID, COL_USER, COL_MODEL, COL_ALGORITHM, COL_PHASE, COL_DONE, COL_TOTAL, COL_UNIT,
	COL_PERCENT, COL_ROWS_READ, COL_STARTED, COL_ELAPSED, COL_ETA, COL_NOTE, N_COLS
};

/* Like pg_stat_progress_*: one's own trainings, or all with pg_read_all_stats. */
static bool
visible(const progress_slot *slot)
{
	return slot->database == MyDatabaseId &&
		(has_privs_of_role(GetUserId(), slot->user) ||
		 has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS));
}

static void
put_training(Tuplestorestate *store, TupleDesc desc, const progress_slot *s, TimestampTz now)
{
	Datum		values[N_COLS] = {0};
	bool		nulls[N_COLS] = {0};
	char	   *user = GetUserNameFromId(s->user, true);
	bool		training = s->phase == CM_PG_PROGRESS_TRAINING;

	values[COL_PID] = Int32GetDatum(s->pid);
	values[COL_USER] = user ? CStringGetTextDatum(user) : (Datum) 0;
	nulls[COL_USER] = user == NULL;
	values[COL_MODEL] = CStringGetTextDatum(s->model);
	values[COL_ALGORITHM] = CStringGetTextDatum(cm_algorithm_by_id(s->algorithm)->name);
	values[COL_PHASE] = CStringGetTextDatum(phase_names[s->phase]);
	values[COL_DONE] = Int32GetDatum(s->done);
	values[COL_TOTAL] = Int32GetDatum(s->total);
	values[COL_UNIT] = CStringGetTextDatum(s->algorithm == CM_ALGORITHM_GBT ? "trees" : "iterations");
	values[COL_PERCENT] = Float8GetDatum(s->total > 0 ? round(1000.0 * s->done / s->total) / 10 : 0);
	values[COL_ROWS_READ] = Int64GetDatum(s->rows_read);
	values[COL_STARTED] = TimestampTzGetDatum(s->started);
	values[COL_ELAPSED] = Float8GetDatum((double) (now - s->started) / USECS_PER_SEC);
	/* the time per tree so far times the trees left; for logistic an upper bound */
	values[COL_ETA] = Float8GetDatum((double) (now - s->training_started) / USECS_PER_SEC /
									 Max(s->done, 1) * (s->total - s->done));
	nulls[COL_ETA] = !training || s->done == 0;
	nulls[COL_NOTE] = true;
	tuplestore_putvalues(store, desc, values, nulls);
}

static void
put_note(Tuplestorestate *store, TupleDesc desc, const char *note)
{
	Datum		values[N_COLS] = {0};
	bool		nulls[N_COLS];

	memset(nulls, true, sizeof(nulls));
	values[COL_NOTE] = CStringGetTextDatum(note);
	nulls[COL_NOTE] = false;
	tuplestore_putvalues(store, desc, values, nulls);
}

PG_FUNCTION_INFO_V1(training_progress_rows);

/* campaign.training_progress_rows(): the rows of campaign.training_progress. */
Datum
training_progress_rows(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = cm_pg_begin_rows(fcinfo, &desc);
	TimestampTz now = GetCurrentTimestamp();

	if (desc->natts != N_COLS)
		elog(ERROR, "campaign.training_progress_rows must return %d columns", N_COLS);
	if (shared == NULL)
	{
		put_note(store, desc, NOT_PRELOADED_NOTE);
		return (Datum) 0;
	}
	for (int i = 0; i < shared->n_slots; i++)
	{
		progress_slot copy;

		/* copy under the spinlock, build the row (which allocates) after releasing it */
		SpinLockAcquire(&shared->slots[i].mutex);
		copy = shared->slots[i];
		SpinLockRelease(&shared->slots[i].mutex);
		if (copy.pid != 0 && visible(&copy))
			put_training(store, desc, &copy, now);
	}
	return (Datum) 0;
}
