/*
 * test_params.c - the tables of tunables (params.h): defaults, ranges and messages, and the
 * parameter tables of the docs (docs/gbt.md, docs/models.md) held against them, so the docs
 * and the code cannot drift apart.  Run from the repository root (make unit does).
 */
#include "harness.h"
#include "gbt.h"
#include "logistic.h"
#include "params.h"

#include <math.h>
#include <stdio.h>

/* Parameters the glue reads itself (column names), documented in gbt.md's table too. */
static const char *const host_params[] = {"weight", "categorical"};

#define CELL 256

typedef struct doc_row
{
	char		name[CELL];
	char		default_text[CELL];
	char		range_text[CELL];
} doc_row;

#define MAX_DOC_ROWS 64

/* cell without surrounding spaces and backticks, into out */
static void
trim_cell(const char *begin, const char *end, char *out, size_t size)
{
	while (begin < end && (*begin == ' ' || *begin == '`'))
		begin++;
	while (end > begin && (end[-1] == ' ' || end[-1] == '`'))
		end--;
	snprintf(out, size, "%.*s", (int) (end - begin), begin);
}

/* The cells of a markdown table row "| a | b | c | ... |"; returns how many. */
static int
split_row(const char *line, char cells[][CELL], int max)
{
	const char *p = strchr(line, '|');
	int			n = 0;

	while (p && n < max)
	{
		const char *next = strchr(p + 1, '|');

		if (next == NULL)
			break;
		trim_cell(p + 1, next, cells[n++], CELL);
		p = next;
	}
	return n;
}

/*
 * The rows of the tables in path whose header reads "| ... | default | range | ...": the
 * parameter tables.  Fails the test when the file cannot be read or holds no such row.
 */
static int
read_doc_rows(const char *path, doc_row *rows)
{
	FILE	   *f = fopen(path, "r");
	char		line[2048];
	char		cells[8][CELL];
	bool		in_table = false;
	int			n = 0;

	if (f == NULL)
		fail_msg("cannot open %s: run the unit tests from the repository root", path);
	while (fgets(line, sizeof(line), f))
	{
		int			k = line[0] == '|' ? split_row(line, cells, 8) : 0;

		if (k == 0)
			in_table = false;
		else if (k >= 3 && strcmp(cells[1], "default") == 0 && strcmp(cells[2], "range") == 0)
			in_table = true;
		else if (in_table && k >= 3 && cells[0][0] != '-')
		{
			assert_true(n < MAX_DOC_ROWS);
			snprintf(rows[n].name, sizeof(rows[n].name), "%s", cells[0]);
			snprintf(rows[n].default_text, sizeof(rows[n].default_text), "%s", cells[1]);
			snprintf(rows[n].range_text, sizeof(rows[n].range_text), "%s", cells[2]);
			n++;
		}
	}
	fclose(f);
	if (n == 0)
		fail_msg("%s has no parameter table (| name | default | range | meaning |)", path);
	return n;
}

static bool
is_host_param(const char *name)
{
	for (size_t i = 0; i < sizeof(host_params) / sizeof(host_params[0]); i++)
		if (strcmp(host_params[i], name) == 0)
			return true;
	return false;
}

/* A number at the start of text, e.g. "0 (off)"; fails the test when there is none. */
static double
leading_number(const char *text, const char *what, const char *name)
{
	char	   *end;
	double		x = strtod(text, &end);

	if (end == text || (*end != '\0' && *end != ' '))
		fail_msg("docs: %s of %s is \"%s\", not a number", what, name, text);
	return x;
}

/* "`"binary"`, `"regression"`": the quoted names, in order. */
static int
quoted_names(const char *text, char names[][64], int max)
{
	int			n = 0;
	const char *p = strchr(text, '"');

	while (p && n < max)
	{
		const char *q = strchr(p + 1, '"');

		if (q == NULL)
			break;
		snprintf(names[n++], 64, "%.*s", (int) (q - p - 1), p + 1);
		p = strchr(q + 1, '"');
	}
	return n;
}

static void
check_choice_row(const cm_param *param, const doc_row *row)
{
	char		names[8][64];
	int			n = quoted_names(row->range_text, names, 8);
	char		default_name[1][64];

	if (n != param->n_choices)
		fail_msg("docs: %s lists %d choices, the code %d", param->name, n, param->n_choices);
	for (int k = 0; k < n; k++)
		if (strcmp(names[k], param->choices[k].name) != 0)
			fail_msg("docs: choice %d of %s is \"%s\", the code's \"%s\"", k + 1, param->name,
					 names[k], param->choices[k].name);
	if (quoted_names(row->default_text, default_name, 1) != 1)
		fail_msg("docs: the default of %s is not a quoted name", param->name);
	for (int k = 0; k < n; k++)
		if (param->choices[k].value == (int) param->default_value &&
			strcmp(default_name[0], param->choices[k].name) != 0)
			fail_msg("docs: %s defaults to \"%s\", the code to \"%s\"", param->name,
					 default_name[0], param->choices[k].name);
}

/* "min .. max" and the default as in the code (exactly: both are the same decimal text). */
static void
check_number_row(const cm_param *param, const doc_row *row)
{
	const char *dots = strstr(row->range_text, " .. ");
	char		low[64];
	double		def = leading_number(row->default_text, "the default", param->name);

	if (dots == NULL)
		fail_msg("docs: the range of %s is \"%s\", not \"min .. max\"", param->name,
				 row->range_text);
	snprintf(low, sizeof(low), "%.*s", (int) (dots - row->range_text), row->range_text);
	if (def != param->default_value)
		fail_msg("docs: %s defaults to %.15g, the code to %.15g", param->name, def,
				 param->default_value);
	if (leading_number(low, "the minimum", param->name) != param->min ||
		leading_number(dots + 4, "the maximum", param->name) != param->max)
		fail_msg("docs: %s ranges over %s, the code over %.15g .. %.15g", param->name,
				 row->range_text, param->min, param->max);
}

/* Every row of the docs' table is a tunable of the table (or the host's), and the reverse. */
static void
check_docs_against(const char *path, const cm_param_table *table)
{
	doc_row		rows[MAX_DOC_ROWS];
	int			n = read_doc_rows(path, rows);

	for (int i = 0; i < n; i++)
	{
		const cm_param *param = cm_param_find(table, rows[i].name);

		if (param == NULL && is_host_param(rows[i].name))
			continue;
		if (param == NULL)
			fail_msg("%s documents a parameter \"%s\" the code does not have", path, rows[i].name);
		if (param->type == CM_PARAM_CHOICE)
			check_choice_row(param, &rows[i]);
		else
			check_number_row(param, &rows[i]);
	}
	for (int k = 0; k < table->n_params; k++)
	{
		bool		found = false;

		for (int i = 0; i < n; i++)
			found |= strcmp(rows[i].name, table->params[k].name) == 0;
		if (!found)
			fail_msg("%s does not document parameter \"%s\"", path, table->params[k].name);
	}
}

static void
test_gbt_docs_match_the_table(void **state)
{
	(void) state;
	check_docs_against("docs/gbt.md", &cm_gbt_param_table);
}

static void
test_logistic_docs_match_the_table(void **state)
{
	(void) state;
	check_docs_against("docs/models.md", &cm_logistic_param_table);
}

/* Each entry is sane: unique name, default in range, whole bounds for integers. */
static void
check_table(const cm_param_table *table)
{
	for (int i = 0; i < table->n_params; i++)
	{
		const cm_param *p = &table->params[i];

		for (int j = 0; j < i; j++)
			assert_string_not_equal(table->params[j].name, p->name);
		if (p->type == CM_PARAM_CHOICE)
		{
			assert_true(p->n_choices >= 2);
			continue;
		}
		assert_true(p->min <= p->default_value && p->default_value <= p->max);
		if (p->type != CM_PARAM_REAL)
			assert_true(p->min == floor(p->min) && p->max == floor(p->max) &&
						p->default_value == floor(p->default_value));
	}
}

static void
test_tables_are_consistent(void **state)
{
	cm_gbt_params g;
	cm_logistic_params l;

	(void) state;
	check_table(&cm_gbt_param_table);
	check_table(&cm_logistic_param_table);
	/* the defaults pass the checks */
	cm_gbt_default_params(&g);
	assert_int_equal(cm_gbt_check_params(&g), CM_OK);
	cm_logistic_default_params(&l);
	assert_int_equal(cm_logistic_check_params(&l), CM_OK);
}

/* The defaults land in the struct members the table names. */
static void
test_defaults_fill_the_struct(void **state)
{
	cm_gbt_params g;
	cm_logistic_params l;

	(void) state;
	memset(&g, 0xAB, sizeof(g));
	cm_gbt_default_params(&g);
	assert_int_equal(g.objective, CM_GBT_BINARY);
	assert_int_equal(g.trees, 100);
	assert_int_equal(g.depth, 6);
	assert_true(g.learning_rate == 0.1 && g.min_child_weight == 1 && g.lambda == 1);
	assert_true(g.gamma == 0 && g.subsample == 1 && g.colsample == 1 && g.scale_pos_weight == 1);
	assert_int_equal(g.early_stopping_rounds, 0);
	assert_true(g.seed == 42 && g.holdout == 0.2);
	assert_int_equal(g.threads, 0);
	assert_int_equal(g.bins, CM_BINS_MAX);
	assert_null(g.progress);
	cm_logistic_default_params(&l);
	assert_true(l.l2 == 1 && l.max_iterations == 100 && l.tolerance == 1e-8);
	assert_true(l.holdout == 0.2 && l.seed == 42);
	assert_null(l.progress);
}

/* Setting by name: the range, whole numbers, and the message the user reads. */
static void
test_set_number_checks_the_range(void **state)
{
	cm_gbt_params g;
	const cm_param *trees = cm_param_find(&cm_gbt_param_table, "trees");
	const cm_param *rate = cm_param_find(&cm_gbt_param_table, "learning_rate");
	const cm_param *seed = cm_param_find(&cm_gbt_param_table, "seed");

	(void) state;
	cm_gbt_default_params(&g);
	assert_non_null(trees);
	assert_null(cm_param_find(&cm_gbt_param_table, "l2"));
	assert_int_equal(cm_param_set_number(trees, &g, 250), CM_OK);
	assert_int_equal(g.trees, 250);
	assert_true(cm_param_number(trees, &g) == 250);
	assert_int_equal(cm_param_set_number(trees, &g, 2.5), CM_ERR_INVALID);
	assert_string_equal(cm_last_error(),
						"parameter \"trees\" must be an integer between 1 and 100000, not 2.5");
	assert_int_equal(cm_param_set_number(trees, &g, 0), CM_ERR_INVALID);
	assert_int_equal(cm_param_set_number(trees, &g, NAN), CM_ERR_INVALID);
	assert_int_equal(g.trees, 250);
	assert_int_equal(cm_param_set_number(rate, &g, 0), CM_ERR_INVALID);
	assert_string_equal(cm_last_error(),
						"parameter \"learning_rate\" must be a number between 1e-06 and 1, not 0");
	assert_int_equal(cm_param_set_number(rate, &g, 1), CM_OK);
	assert_true(g.learning_rate == 1);
	assert_int_equal(cm_param_set_number(seed, &g, 2147483647.0), CM_OK);
	assert_true(g.seed == 2147483647u);
}

static void
test_choices(void **state)
{
	cm_gbt_params g;
	const cm_param *objective = cm_param_find(&cm_gbt_param_table, "objective");

	(void) state;
	cm_gbt_default_params(&g);
	assert_string_equal(cm_param_choice_name(objective, &g), "binary");
	assert_int_equal(cm_param_set_choice(objective, &g, "regression!", 10), CM_OK);
	assert_int_equal(g.objective, CM_GBT_REGRESSION);
	assert_string_equal(cm_param_choice_name(objective, &g), "regression");
	assert_int_equal(cm_param_set_choice(objective, &g, "", 0), CM_ERR_INVALID);
	assert_string_equal(cm_last_error(),
						"parameter \"objective\" must be \"binary\" or \"regression\"");
	assert_int_equal(cm_param_set_number(objective, &g, 1), CM_ERR_INVALID);
	assert_int_equal(g.objective, CM_GBT_REGRESSION);
}

/* The core's checks are the table's: each out-of-range member is named. */
static void
test_checks_name_the_bad_member(void **state)
{
	cm_gbt_params g;
	cm_logistic_params l;

	(void) state;
	cm_gbt_default_params(&g);
	g.colsample = 1.5;
	assert_int_equal(cm_gbt_check_params(&g), CM_ERR_INVALID);
	assert_non_null(strstr(cm_last_error(), "\"colsample\""));
	cm_gbt_default_params(&g);
	g.objective = (cm_gbt_objective) 7;
	assert_int_equal(cm_gbt_check_params(&g), CM_ERR_INVALID);
	assert_non_null(strstr(cm_last_error(), "\"objective\""));
	cm_gbt_default_params(&g);
	g.lambda = INFINITY;
	assert_int_equal(cm_gbt_check_params(&g), CM_ERR_INVALID);
	cm_logistic_default_params(&l);
	l.tolerance = 0;
	assert_int_equal(cm_logistic_check_params(&l), CM_ERR_INVALID);
	assert_non_null(strstr(cm_last_error(), "\"tolerance\""));
}

/* threads 0 is one per core, within what a fit may use; others are taken as given. */
static void
test_threads(void **state)
{
	(void) state;
	assert_int_equal(cm_gbt_threads(3), 3);
	assert_true(cm_gbt_threads(0) >= 1 && cm_gbt_threads(0) <= CM_GBT_MAX_THREADS);
}

HARNESS_MAIN("params",
			 HARNESS_TEST(test_gbt_docs_match_the_table),
			 HARNESS_TEST(test_logistic_docs_match_the_table),
			 HARNESS_TEST(test_tables_are_consistent),
			 HARNESS_TEST(test_defaults_fill_the_struct),
			 HARNESS_TEST(test_set_number_checks_the_range),
			 HARNESS_TEST(test_choices),
			 HARNESS_TEST(test_checks_name_the_bad_member),
			 HARNESS_TEST(test_threads))
