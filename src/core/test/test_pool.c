/* test_pool.c - the worker pool: every share runs exactly once, jobs after jobs. */
#include "harness.h"
#include "pool.h"

#include <stdatomic.h>

typedef struct count_job
{
	_Atomic int runs[CM_POOL_MAX_SHARES];
	int			n_shares_seen[CM_POOL_MAX_SHARES];
} count_job;

static void
count_share(void *arg, int share, int n_shares)
{
	count_job  *job = arg;

	atomic_fetch_add(&job->runs[share], 1);
	job->n_shares_seen[share] = n_shares;
}

/* Jobs of changing sizes, back to back and after pauses: each share once, none beyond n. */
static void
test_every_share_runs_once(void **state)
{
	static const int sizes[] = {1, 2, 4, 3, 1, 8, 2, CM_POOL_MAX_SHARES, 5};

	(void) state;
	for (int round = 0; round < 2000; round++)
	{
		int			n = sizes[round % (int) (sizeof(sizes) / sizeof(sizes[0]))];
		count_job	job;

		memset(&job, 0, sizeof(job));
		cm_pool_run(count_share, &job, n);
		for (int s = 0; s < CM_POOL_MAX_SHARES; s++)
		{
			assert_int_equal(atomic_load(&job.runs[s]), s < n ? 1 : 0);
			if (s < n)
				assert_int_equal(job.n_shares_seen[s], n);
		}
	}
}

typedef struct sum_job
{
	const uint32_t *values;
	size_t		n;
	uint64_t	sums[CM_POOL_MAX_SHARES];
} sum_job;

static void
sum_share(void *arg, int share, int n_shares)
{
	sum_job    *job = arg;
	size_t		begin = job->n * (size_t) share / (size_t) n_shares,
				end = job->n * (size_t) (share + 1) / (size_t) n_shares;
	uint64_t	sum = 0;

	for (size_t i = begin; i < end; i++)
		sum += job->values[i];
	job->sums[share] = sum;
}

/* Shares see the memory the caller wrote before the job, and the caller sees theirs after. */
static void
test_shares_see_the_callers_memory(void **state)
{
	enum
	{
		N = 100000
	};
	uint32_t   *values;

	(void) state;
	assert_int_equal(cm_alloc_array(N, sizeof(uint32_t), (void **) &values), CM_OK);
	for (int round = 1; round <= 50; round++)
	{
		sum_job		job = {values, N, {0}};
		uint64_t	total = 0;

		for (size_t i = 0; i < N; i++)
			values[i] = (uint32_t) (i * (size_t) round);
		cm_pool_run(sum_share, &job, 1 + round % 6);
		for (int s = 0; s < 1 + round % 6; s++)
			total += job.sums[s];
		assert_true(total == (uint64_t) round * ((uint64_t) N * (N - 1) / 2));
	}
	cm_free(values);
}

HARNESS_MAIN("pool",
			 HARNESS_TEST(test_every_share_runs_once),
			 HARNESS_TEST(test_shares_see_the_callers_memory))
