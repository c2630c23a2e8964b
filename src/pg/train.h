/*
 * train.h - what the files of campaign.train share (private to src/pg/train*.c): the
 * parameters parsed from params (train_params.c), the source's columns and rows
 * (train_source.c), and the fit that stores the model (train.c).
 */
#ifndef CAMPAIGN_PG_TRAIN_H
#define CAMPAIGN_PG_TRAIN_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "features.h"
#include "model.h"
#include "progress.h"
#include "status.h"
#include "../core/binning.h"
#include "../core/categories.h"
#include "../core/dataset.h"
#include "../core/gbt.h"
#include "../core/logistic.h"
#include "../core/train_order.h"

/* The training settings (train_params.c, defined by cm_pg_train_init). */
extern int	campaign_train_memory_limit_kb;
extern int	campaign_max_train_threads;

/* The parameters of a training request. */
typedef struct train_params
{
	const cm_algorithm_ops *algorithm;
	union
	{
		cm_gbt_params gbt;
		cm_logistic_params logistic;
	}			core;			/* the algorithm's tunables (its table's), defaults filled in */
	char	   *weight;			/* gbt: the weight column, NULL for none */
	List	   *categorical;	/* gbt: names of columns forced categorical (char *) */
	double		sample_share;	/* "sample" below 1: the share of rows to train on (0: all) */
	int64		sample_rows;	/* "sample" of 1 or more: how many rows (0: all) */
} train_params;


/* The columns and rows of a training request. */
typedef struct train_input
{
	const char *model_name;
	const char *algorithm;
	bool		gbt;
	bool		regression;
	int			max_bins;
	char	   *label;
	int			label_attno;
	Oid			label_type;
	int			n_features;
	char	  **feature_names;
	int		   *feature_attnos;
	Oid		   *feature_types;
	int64	   *present;		/* per feature: rows where it is not NULL or NaN */
	List	   *force_categorical;	/* column names the params declare categorical */
	bool	   *categorical;	/* per feature */
	cm_pg_category_reader *readers;	/* per categorical feature: its text form */
	cm_categories *categories;	/* per categorical feature: the values seen, first-seen order */
	char	   *weight;			/* the weight column, NULL for none */
	int			weight_attno;
	Oid			weight_type;
	double	   *row_weights;	/* gbt with weights: the weights of the rows in data */
	size_t		cap_weights;
	MemoryContext scratch_cxt;	/* reset after each category value is read */
	cm_dataset	data;			/* every row as doubles (gbt: or the bin sample) until binned */
	cm_bins		bins;			/* gbt: bin edges, once placed */
	cm_binned	binned;			/* gbt: every row, one byte per cell */
	int64		rows_skipped;	/* rows whose label is NULL */
	Datum	   *values;			/* one deformed source row */
	bool	   *nulls;
	double	   *x;				/* its features as numbers */
	uint64		seed;			/* of the row keys: the params' seed */
	double	   *keys;			/* per row of data (logistic) or binned (gbt) */
	size_t		cap_keys;
	size_t		max_buffered;	/* gbt: rows held as doubles before sampling */
	bool		sampling;		/* gbt: data holds only the bin sample ... */
	cm_smallest_keys bin_sample;	/* ... the rows of the smallest keys */
	bool		columns_ready;	/* the source's columns are resolved */
	bool		second_pass;	/* gbt: reading the source again to quantize every row */
} train_input;

/* train_params.c: the seed of the params (the algorithm's), which the row keys use. */
uint64		cm_pg_train_seed(const train_params *params);

/* train_params.c: parse params for algorithm, defaults filled in. */
void		cm_pg_train_parse_params(Jsonb *jb, const cm_algorithm_ops *algorithm,
									 train_params *params);
/* The parameters as a JSON object text, every default included. */
char	   *cm_pg_train_params_json(const train_params *params);
/* Append "key": value to a JSON object being built (null when not finite). */
void		cm_pg_append_json_number(StringInfo s, const char *key, double value, bool *first);

/*
 * train_source.c: run the source (a table, view or query) and load its rows into in (the
 * logistic dataset, or gbt's binned rows), allocated in data_cxt.
 */
void		cm_pg_train_read_source(train_input *in, const char *source, ArrayType *features,
									const train_params *params, MemoryContext data_cxt);

/* train_order.c: "SELECT * FROM <from>" narrowed to params' sample (from names its rows campaign_source). */
char	   *cm_pg_train_sample_query(const char *from, const char *label,
									 const train_params *params);
/*
 * The rows read in key order (ties by content), categories in text order; allocated in the
 * current context (the data context).  Needs one row array's worth of memory more.
 */
void		cm_pg_train_canonical_order(train_input *in);

#endif
