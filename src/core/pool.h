/*
 * pool.h - the core's worker threads: run one job as n shares, share 0 on the calling thread.
 *
 * One pool per process, started on first use and kept: its workers hold no host resource,
 * start with every signal blocked and sleep between jobs, so a host that leaves a computation
 * by longjmp (PostgreSQL's CHECK_FOR_INTERRUPTS) between two jobs leaves nothing behind, and
 * the next training reuses them instead of paying thread creation for every node.
 *
 * Jobs run pure computation: no allocation, no hook, no host call.  Only one thread (the
 * host's) may submit jobs.  If a worker cannot be started its shares run on the caller, so a
 * job always completes, with the same result: shares must not depend on which thread runs them.
 */
#ifndef CM_POOL_H
#define CM_POOL_H

#define CM_POOL_MAX_SHARES 64

typedef void (*cm_pool_job) (void *arg, int share, int n_shares);

/* Run job(arg, s, n_shares) for s = 0 .. n_shares - 1 (1 <= n_shares <= CM_POOL_MAX_SHARES)
 * and return when every share is done. */
void		cm_pool_run(cm_pool_job job, void *arg, int n_shares);

/* The processors online, 1 .. CM_POOL_MAX_SHARES: a default for how many shares to use. */
int			cm_pool_cores(void);

#endif
