/*
 * memory.h - the host hooks of the core: allocation, error recording and interrupts.
 *
 * The core never calls malloc or a PostgreSQL function directly.  The host installs hooks
 * once (src/pg/campaign.c: palloc in the current memory context and CHECK_FOR_INTERRUPTS;
 * unit tests: malloc and a recorder).  Hooks are called from the calling thread only:
 * code running on worker threads must not allocate, fail through cm_fail() is fine
 * (thread-local), and interrupts are polled by the coordinating thread.
 */
#ifndef CM_MEMORY_H
#define CM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef struct cm_hooks
{
	/* Return NULL on failure (the core turns that into CM_ERR_NOMEM). */
	void	   *(*alloc) (size_t size);
	void		(*release) (void *ptr);
	/* Return true when the work must stop; may also not return (longjmp). */
	bool		(*interrupted) (void);
	/* Told about every cm_fail(); optional (installed with cm_set_report_hook). */
	cm_report_hook report;
} cm_hooks;

/* Install hooks; NULL members fall back to malloc/free/never/ignore. */
void		cm_set_hooks(const cm_hooks *hooks);

/* Allocate size bytes (size 0 allocates 1); NULL when the hook fails. */
void	   *cm_alloc(size_t size);

/* Allocate n * size bytes, zeroed, with the multiplication overflow-checked. */
cm_status	cm_alloc_array(size_t n, size_t size, void **out);

void		cm_free(void *ptr);

/*
 * Replace *array, whose first used items (size bytes each) are kept, by a zeroed array of
 * cap >= used items; the old one is freed.  On failure *array is left as it was.
 */
cm_status	cm_grow_array(void **array, size_t used, size_t cap, size_t size);

/* a * b into *out; false on overflow. */
bool		cm_mul_size(size_t a, size_t b, size_t *out);

/* a + b into *out; false on overflow. */
bool		cm_add_size(size_t a, size_t b, size_t *out);

/*
 * The call budget: the most bytes one call's big allocations (matrices, row copies) may
 * take, set by the host (campaign.call_memory_limit in the server); 0, the default, is no
 * limit.  Code that allocates by the size of its input estimates the total first and asks
 * cm_budget_check, so an oversized input is refused before anything is allocated.
 */
void		cm_set_call_budget(size_t bytes);
size_t		cm_call_budget(void);

/*
 * CM_ERR_LIMIT, recorded as "<what>: N kB needed, over the call memory limit (M kB)", when
 * bytes exceed the call budget; SIZE_MAX stands for a size that overflowed.
 */
cm_status	cm_budget_check(size_t bytes, const char *what);

/* CM_ERR_CANCELED if the host wants the work to stop (recorded with a message). */
cm_status	cm_check_interrupts(void);

#endif
