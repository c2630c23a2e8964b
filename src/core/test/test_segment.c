/*
 * test_segment.c - tier cuts (checked, a cut belongs to the upper tier) and the 0-100 scale.
 */
#include "harness.h"
#include "segment.h"

#include <math.h>

static void
test_tiers(void **state)
{
	double		cuts[2] = {0.3, 0.7};
	double		descending[2] = {0.7, 0.3};
	double		equal[2] = {0.5, 0.5};
	double		outside[1] = {1.5};
	double		nan_cut[1] = {NAN};

	(void) state;
	assert_int_equal(cm_check_cuts(cuts, 2), CM_OK);
	assert_int_equal(cm_tier_index(0.0, cuts, 2), 0);
	assert_int_equal(cm_tier_index(0.2999, cuts, 2), 0);
	assert_int_equal(cm_tier_index(0.3, cuts, 2), 1);	/* a cut belongs to the upper tier */
	assert_int_equal(cm_tier_index(0.7, cuts, 2), 2);
	assert_int_equal(cm_tier_index(1.0, cuts, 2), 2);
	assert_int_equal(cm_check_cuts(descending, 2), CM_ERR_INVALID);
	assert_int_equal(cm_check_cuts(equal, 2), CM_ERR_INVALID);
	assert_int_equal(cm_check_cuts(outside, 1), CM_ERR_INVALID);
	assert_int_equal(cm_check_cuts(nan_cut, 1), CM_ERR_INVALID);
	assert_int_equal(cm_check_cuts(cuts, 0), CM_ERR_INVALID);
}

static void
test_score100(void **state)
{
	(void) state;
	assert_int_equal(cm_score100(0.0), 0);
	assert_int_equal(cm_score100(1.0), 100);
	assert_int_equal(cm_score100(0.004), 0);
	assert_int_equal(cm_score100(0.005), 1);	/* halves round up */
	assert_int_equal(cm_score100(0.425), 43);
	assert_int_equal(cm_score100(0.994), 99);
	assert_int_equal(cm_score100(0.995), 100);
}

HARNESS_MAIN("segment",
			 HARNESS_TEST(test_tiers),
			 HARNESS_TEST(test_score100))
