/*
 * fuzz_evaluate_state.c - libFuzzer target for the score-distribution state of campaign.auc,
 * calibration and lift (cm_score_dist_deserialize, behind the input and receive functions of
 * campaign.score_distribution and its combine and final functions): any bytes must be refused
 * or give a state that computes AUC, calibration and lift tables, survives a
 * serialize/deserialize round trip of the size serialized_size promises, and merges with a
 * copy and with itself (every count doubled).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "buffer.h"
#include "evaluate.h"
#include "memory.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A table of at most 64 bins keeps each input fast; the state's own bins when it has some. */
static void
check_tables(cm_score_dist *dist)
{
	uint32_t	bins = dist->bins ? (dist->bins < 64 ? dist->bins : 64) : 10;
	cm_bin	   *out;
	double		auc;

	if (cm_score_dist_auc(dist, &auc) && !(auc >= 0 && auc <= 1))
		abort();
	if (cm_alloc_array(bins, sizeof(cm_bin), (void **) &out) != CM_OK)
		abort();
	(void) cm_score_dist_calibration(dist, bins, out);
	(void) cm_score_dist_lift(dist, bins, out);
	cm_free(out);
}

/* Merged with itself, a state keeps its scores and counts each row twice (or refuses: 2^53). */
static void
check_merge_with_itself(cm_score_dist *dist)
{
	size_t		n = dist->n;
	uint64_t	positives = dist->positives;

	if (cm_score_dist_merge(dist, dist) != CM_OK)
		return;
	if (dist->n != n || dist->positives != 2 * positives)
		abort();
	for (size_t i = 1; i < dist->n; i++)
		if (!(dist->groups[i - 1].p < dist->groups[i].p))
			abort();
}

static void
check_round_trip(cm_score_dist *dist)
{
	cm_writer	w;
	cm_reader	r;
	cm_score_dist again;
	size_t		size;

	cm_writer_init(&w);
	cm_score_dist_serialize(dist, &w);
	if (w.status != CM_OK || cm_score_dist_serialized_size(dist, &size) != CM_OK || size != w.len)
		abort();
	cm_reader_init(&r, w.data, w.len);
	if (cm_score_dist_deserialize(&r, &again) != CM_OK || cm_reader_finish(&r) != CM_OK ||
		again.positives != dist->positives || again.negatives != dist->negatives)
		abort();				/* what deserializes must serialize to the same state */
	if (cm_score_dist_merge(&again, dist) == CM_OK)
		check_tables(&again);
	check_merge_with_itself(&again);
	cm_score_dist_free(&again);
	cm_writer_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_reader	r;
	cm_score_dist dist;

	cm_reader_init(&r, data, size);
	if (cm_score_dist_deserialize(&r, &dist) != CM_OK)
		return 0;
	if (cm_reader_finish(&r) == CM_OK)
	{
		check_tables(&dist);
		check_round_trip(&dist);
	}
	cm_score_dist_free(&dist);
	return 0;
}
