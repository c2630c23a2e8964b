/*
 * harness.h - host hooks for the cmocka unit tests: malloc with a live-allocation count,
 * a recorder of reported failures and an interrupt switch.  Include once per test program.
 */
#ifndef CM_TEST_HARNESS_H
#define CM_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "memory.h"
#include "status.h"

static long harness_live_allocs;
static long harness_fail_after = -1;	/* fail the allocation after this many, -1 never */
static int	harness_interrupt_after = -1;	/* report an interrupt after this many polls */
static cm_status harness_last_status;
static char harness_last_message[512];

static void *
harness_alloc(size_t size)
{
	void	   *p;

	if (harness_fail_after == 0)
		return NULL;
	if (harness_fail_after > 0)
		harness_fail_after--;
	p = malloc(size);
	if (p)
		harness_live_allocs++;
	return p;
}

static void
harness_release(void *p)
{
	harness_live_allocs--;
	free(p);
}

static bool
harness_interrupted(void)
{
	if (harness_interrupt_after < 0)
		return false;
	if (harness_interrupt_after == 0)
		return true;
	harness_interrupt_after--;
	return false;
}

static void
harness_report(cm_status status, const char *message)
{
	harness_last_status = status;
	strncpy(harness_last_message, message, sizeof(harness_last_message) - 1);
}

/* cmocka group setup: install the hooks and reset the counters. */
static int
harness_setup(void **state)
{
	static const cm_hooks hooks = {harness_alloc, harness_release, harness_interrupted,
	harness_report};

	(void) state;
	cm_set_hooks(&hooks);
	harness_live_allocs = 0;
	harness_fail_after = -1;
	harness_interrupt_after = -1;
	harness_last_status = CM_OK;
	harness_last_message[0] = '\0';
	return 0;
}

/* Per-test teardown: every test must free what it allocated. */
static int
harness_check_leaks(void **state)
{
	(void) state;
	assert_int_equal(harness_live_allocs, 0);
	harness_fail_after = -1;
	harness_interrupt_after = -1;
	return 0;
}

#define HARNESS_TEST(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_check_leaks)

/*
 * The test program's main: runs the given HARNESS_TEST entries as one group named after the
 * file, so each test file lists its tests and nothing else.
 */
#define HARNESS_MAIN(group, ...) \
int \
main(void) \
{ \
	const struct CMUnitTest tests[] = {__VA_ARGS__}; \
 \
	return cmocka_run_group_tests_name(group, tests, NULL, NULL); \
}

#endif
