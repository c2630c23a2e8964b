/* pool.c - the process's worker threads (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

/*
 * A worker that has just finished a share polls this many times before sleeping: tree growth
 * submits a job per node, often within microseconds of the last, and waking a sleeping thread
 * costs more than that.
 */
#define SPIN_POLLS 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_posted = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;

static uint64_t generation;		/* counts jobs (under the lock) */
static _Atomic uint64_t ticket[CM_POOL_MAX_SHARES];	/* per worker: the last job it has a
													 * share of; only those workers wake */
static _Atomic int pending;		/* workers yet to finish the current job */
static cm_pool_job current_job;
static void *current_arg;
static int	current_shares;

static int	n_workers;			/* workers 1 .. n_workers are running */
static bool start_failed;		/* stop trying once the system refuses a thread */
static uint64_t first_ticket[CM_POOL_MAX_SHARES];

static inline void
pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Wait until worker share's ticket differs from seen: poll first, then sleep. */
static uint64_t
wait_for_job(int share, uint64_t seen)
{
	uint64_t	now;

	for (int i = 0; i < SPIN_POLLS; i++)
	{
		if ((now = atomic_load(&ticket[share])) != seen)
			return now;
		pause_cpu();
	}
	pthread_mutex_lock(&lock);
	while ((now = atomic_load(&ticket[share])) == seen)
		pthread_cond_wait(&job_posted, &lock);
	pthread_mutex_unlock(&lock);
	return now;
}

static void *
worker_main(void *arg)
{
	int			share = (int) (intptr_t) arg;
	uint64_t	seen = first_ticket[share];

	for (;;)
	{
		/* a new ticket means a share of the current job (published before the ticket) */
		seen = wait_for_job(share, seen);
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

		first_ticket[share] = atomic_load(&ticket[share]);
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
	int			helpers;

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
	/* workers 1 .. helpers get a share; any others sleep on (shares past n_workers: below) */
	helpers = n_shares - 1 < n_workers ? n_shares - 1 : n_workers;
	pthread_mutex_lock(&lock);
	current_job = job;
	current_arg = arg;
	current_shares = n_shares;
	atomic_store(&pending, helpers);
	generation++;
	for (int k = 1; k <= helpers; k++)
		atomic_store(&ticket[k], generation);
	pthread_cond_broadcast(&job_posted);
	pthread_mutex_unlock(&lock);
	job(arg, 0, n_shares);
	/* shares without a worker (the system refused a thread) run here */
	for (int s = n_workers + 1; s < n_shares; s++)
		job(arg, s, n_shares);
	wait_for_workers();
}

int
cm_pool_cores(void)
{
	long		n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > CM_POOL_MAX_SHARES ? CM_POOL_MAX_SHARES : (int) n;
}
