/*
 * evaluate.h - evaluation of scores against outcomes, as mergeable aggregate states.
 *
 * A cm_score_dist is the exact distribution of the scores seen: one group per distinct
 * probability with its count of positive and negative outcomes.  It is all that AUC,
 * calibration and lift need, it merges (parallel partial aggregates) and it serializes with
 * cm_writer / cm_reader.  Many rows share a score in practice (rounded or tree-model scores),
 * so the groups stay far fewer than the rows; the worst case is one group per row.
 */
#ifndef CM_EVALUATE_H
#define CM_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buffer.h"
#include "status.h"

/* Most bins a calibration or lift table may have. */
#define CM_EVAL_MAX_BINS 10000

typedef struct cm_score_group
{
	double		p;
	uint64_t	positives;
	uint64_t	negatives;
} cm_score_group;

typedef struct cm_score_dist
{
	cm_score_group *groups;
	size_t		n;				/* groups in use */
	size_t		cap;			/* groups allocated */
	size_t		sorted;			/* groups[0, sorted) are ascending and distinct */
	uint64_t	positives;		/* totals over all groups */
	uint64_t	negatives;
	uint32_t	bins;			/* bins of a calibration or lift table, 0 for AUC */
} cm_score_dist;

/* One bin of a calibration or lift table (counts are exact; lift may share ties pro rata). */
typedef struct cm_bin
{
	double		lower;			/* score range of the bin */
	double		upper;
	double		count;
	double		positives;
	double		sum_p;			/* sum of the scores in the bin */
} cm_bin;

/* CM_ERR_NONFINITE for NaN or infinity, CM_ERR_INVALID outside [0, 1]. */
cm_status	cm_check_probability(double p);

/* CM_ERR_INVALID unless 1 <= bins <= CM_EVAL_MAX_BINS. */
cm_status	cm_check_bins(long bins);

void		cm_score_dist_init(cm_score_dist *dist, uint32_t bins);
void		cm_score_dist_free(cm_score_dist *dist);

/* Count one scored row. */
cm_status	cm_score_dist_add(cm_score_dist *dist, double p, bool positive);

/*
 * Add every row of other to dist, in time linear in their distinct scores once both are
 * compacted (other is left as it was, apart from being compacted; other may be dist).
 */
cm_status	cm_score_dist_merge(cm_score_dist *dist, cm_score_dist *other);

/* Sort and merge equal scores, so groups[0, n) are ascending and distinct. */
void		cm_score_dist_compact(cm_score_dist *dist);

/*
 * Mann-Whitney AUC, ties counted one half (the value of cm_binary_metrics_compute).
 * false when it is undefined (no positive or no negative row).  Compacts dist.
 */
bool		cm_score_dist_auc(cm_score_dist *dist, double *auc);

/* Equal-width bins of the score: bin b holds b/bins <= p < (b+1)/bins (p = 1 in the last). */
cm_status	cm_score_dist_calibration(cm_score_dist *dist, uint32_t bins, cm_bin *out);

/*
 * Equal-count bins by descending score (bin 0 = the highest scores): the row of rank r
 * (0-based) is in bin floor(r * bins / n).  Rows with the same score are not ordered, so a
 * group of ties that straddles a bin boundary is shared pro rata: its rows split exactly,
 * its positives in proportion.  lower/upper are the smallest and largest score in the bin.
 */
cm_status	cm_score_dist_lift(cm_score_dist *dist, uint32_t bins, cm_bin *out);

/*
 * The serialized form (the flat value of campaign.score_distribution): version, bins, then
 * per distinct score in ascending order the score and its positive and negative counts, 9 + 24
 * bytes a distinct score.  serialized_size compacts and gives the exact byte count
 * (CM_ERR_LIMIT past 2^32 - 1 distinct scores); serialize appends that many bytes to w, which
 * records the failure; deserialize reads them back, validating every byte (order, ranges,
 * counts, trailing bytes: CM_ERR_CORRUPT).
 */
cm_status	cm_score_dist_serialized_size(cm_score_dist *dist, size_t *size);
void		cm_score_dist_serialize(cm_score_dist *dist, cm_writer *w);
cm_status	cm_score_dist_deserialize(cm_reader *r, cm_score_dist *out);

/* Per-row terms of the log loss (clipped like cm_binary_metrics_compute) and Brier score. */
double		cm_logloss_term(double p, bool positive);
double		cm_brier_term(double p, bool positive);

#endif
