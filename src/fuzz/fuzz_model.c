/*
 * fuzz_model.c - libFuzzer target for the model decoder (cm_model_decode): any byte string
 * must decode or be refused with a status, never crash, leak or read out of bounds.  A model
 * that decodes must score a row and survive an encode/decode round trip.
 *
 * Built with clang -fsanitize=fuzzer by `make fuzz`, and with replay.c as a plain driver
 * (gcc + ASan/UBSan) to replay the corpus in `make test`.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "buffer.h"
#include "memory.h"
#include "model.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_decoded(const cm_model *model)
{
	cm_writer	w;
	cm_model   *again = NULL;
	double	   *row = NULL;

	if (cm_alloc_array(model->n_features + 1, sizeof(double), (void **) &row) != CM_OK)
		abort();
	for (uint32_t i = 0; i < model->n_features; i++)
		row[i] = (i % 2) ? NAN : 1.0;	/* present and missing values */
	(void) cm_model_predict(model, row);
	cm_free(row);
	/* every stored category is found again at its own position */
	for (uint32_t i = 0; i < model->n_features; i++)
		for (uint32_t k = 0; k < model->categories[i].n; k++)
			if (cm_categories_find(&model->categories[i], model->categories[i].values[k],
								   model->categories[i].lengths[k]) != (int) k)
				abort();

	cm_writer_init(&w);
	cm_model_encode(model, &w);
	if (w.status != CM_OK || cm_model_decode(w.data, w.len, &again) != CM_OK)
		abort();				/* what decodes must re-encode to something that decodes */
	cm_model_free(again);
	cm_writer_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_model   *model = NULL;

	if (cm_model_decode(data, size, &model) == CM_OK)
	{
		check_decoded(model);
		cm_model_free(model);
	}
	else if (model != NULL)
		abort();				/* a refused input must not hand out a model */
	return 0;
}
