/* memory.c - hook dispatch and overflow-checked allocation for the core. */
#include "memory.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *
default_alloc(size_t size)
{
	return malloc(size);
}

static void
default_release(void *ptr)
{
	free(ptr);
}

static bool
default_interrupted(void)
{
	return false;
}

/* hooks.report is handed to status.c (cm_fail calls it): status.c does not depend on this file. */
static cm_hooks hooks = {default_alloc, default_release, default_interrupted, NULL};

void
cm_set_hooks(const cm_hooks *h)
{
	hooks.alloc = h->alloc ? h->alloc : default_alloc;
	hooks.release = h->release ? h->release : default_release;
	hooks.interrupted = h->interrupted ? h->interrupted : default_interrupted;
	cm_set_report_hook(h->report);
}

void *
cm_alloc(size_t size)
{
	return hooks.alloc(size == 0 ? 1 : size);
}

bool
cm_mul_size(size_t a, size_t b, size_t *out)
{
	if (b != 0 && a > SIZE_MAX / b)
		return false;
	*out = a * b;
	return true;
}

bool
cm_add_size(size_t a, size_t b, size_t *out)
{
	if (a > SIZE_MAX - b)
		return false;
	*out = a + b;
	return true;
}

cm_status
cm_alloc_array(size_t n, size_t size, void **out)
{
	size_t		bytes;
	void	   *ptr;

	*out = NULL;
	if (!cm_mul_size(n, size, &bytes))
		return cm_fail(CM_ERR_LIMIT, "allocation of %zu elements of %zu bytes overflows", n, size);
	ptr = cm_alloc(bytes);
	if (ptr == NULL)
		return cm_fail(CM_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
	memset(ptr, 0, bytes == 0 ? 1 : bytes);
	*out = ptr;
	return CM_OK;
}

void
cm_free(void *ptr)
{
	if (ptr != NULL)
		hooks.release(ptr);
}

cm_status
cm_grow_array(void **array, size_t used, size_t cap, size_t size)
{
	void	   *grown;

	CM_TRY(cm_alloc_array(cap, size, &grown));
	/* used * size cannot overflow: used <= cap, and cap * size did not */
	if (used)
		memcpy(grown, *array, used * size);
	cm_free(*array);
	*array = grown;
	return CM_OK;
}

/* Set once per process by the host's setting (the server's backends are single-threaded). */
static size_t call_budget = 0;

void
cm_set_call_budget(size_t bytes)
{
	call_budget = bytes;
}

size_t
cm_call_budget(void)
{
	return call_budget;
}

cm_status
cm_budget_check(size_t bytes, const char *what)
{
	if (call_budget == 0 || bytes <= call_budget)
		return CM_OK;
	if (bytes == SIZE_MAX)
		return cm_fail(CM_ERR_LIMIT, "%s: more memory than can be counted, over the call "
					   "memory limit (%zu kB)", what, call_budget / 1024);
	return cm_fail(CM_ERR_LIMIT, "%s: %zu kB needed, over the call memory limit (%zu kB)", what,
				   bytes / 1024 + (bytes % 1024 != 0), call_budget / 1024);
}

cm_status
cm_check_interrupts(void)
{
	if (hooks.interrupted())
		return cm_fail(CM_ERR_CANCELED, "canceled on request");
	return CM_OK;
}
