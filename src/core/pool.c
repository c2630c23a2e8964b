/* pool.c - the process's worker threads (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A worker that has just finished a share polls this many times before sleeping: tree growth
 * submits a job per node, often within microseconds of the last, and waking a sleeping thread
 * costs more than that.
 */
#define SPIN_POLLS 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_posted = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;

static _Atomic uint64_t generation;	/* bumped for every job */
static _Atomic int pending;		/* workers yet to finish the current job */
static cm_pool_job current_job;
static void *current_arg;
static int	current_shares;

static int	n_workers;			/* workers 1 .. n_workers are running */
static bool start_failed;		/* stop trying once the system refuses a thread */
static uint64_t first_generation[CM_POOL_MAX_SHARES];

static inline void
pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Wait until the generation differs from seen: poll first, then sleep. */
static uint64_t
wait_for_job(uint64_t seen)
{
	uint64_t	now;

	for (int i = 0; i < SPIN_POLLS; i++)
	{
		if ((now = atomic_load(&generation)) != seen)
			return now;
		pause_cpu();
	}
	pthread_mutex_lock(&lock);
	while ((now = atomic_load(&generation)) == seen)
		pthread_cond_wait(&job_posted, &lock);
	pthread_mutex_unlock(&lock);
	return now;
}

static void *
worker_main(void *arg)
{
	int			share = (int) (intptr_t) arg;
	uint64_t	seen = first_generation[share];

	for (;;)
	{
		seen = wait_for_job(seen);
		if (share < current_shares)
			current_job(current_arg, share, current_shares);
		if (atomic_fetch_sub(&pending, 1) == 1)
		{
			pthread_mutex_lock(&lock);
			pthread_cond_signal(&job_done);
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

/* Start workers until shares 1 .. wanted - 1 each have one (or the system refuses). */
static void
start_workers(int wanted)
{
	sigset_t	all,
				old;

	if (start_failed || n_workers >= wanted - 1)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (n_workers < wanted - 1)
	{
		pthread_t	id;
		int			share = n_workers + 1;

		first_generation[share] = atomic_load(&generation);
		if (pthread_create(&id, NULL, worker_main, (void *) (intptr_t) share) != 0)
		{
			start_failed = true;
			break;
		}
		pthread_detach(id);
		n_workers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void
wait_for_workers(void)
{
	for (int i = 0; i < SPIN_POLLS && atomic_load(&pending) > 0; i++)
		pause_cpu();
	pthread_mutex_lock(&lock);
	while (atomic_load(&pending) > 0)
		pthread_cond_wait(&job_done, &lock);
	pthread_mutex_unlock(&lock);
}

void
cm_pool_run(cm_pool_job job, void *arg, int n_shares)
{
	if (n_shares > CM_POOL_MAX_SHARES)
		n_shares = CM_POOL_MAX_SHARES;
	if (n_shares > 1)
		start_workers(n_shares);
	if (n_shares <= 1 || n_workers == 0)
	{
		for (int s = 0; s < n_shares; s++)
			job(arg, s, n_shares);
		return;
	}
	pthread_mutex_lock(&lock);
	current_job = job;
	current_arg = arg;
	current_shares = n_shares;
	atomic_store(&pending, n_workers);
	atomic_fetch_add(&generation, 1);
	pthread_cond_broadcast(&job_posted);
	pthread_mutex_unlock(&lock);
	job(arg, 0, n_shares);
	/* shares without a worker (the system refused a thread) run here */
	for (int s = n_workers + 1; s < n_shares; s++)
		job(arg, s, n_shares);
	wait_for_workers();
}
