/*
 * train_order.c - campaign.train_key(seed, row), the key of a whole row, which draws params'
 * `sample` where the rows are stored (the `sample` clause is here too); and putting the rows
 * campaign.train read in canonical order (core/train_order.h).  (The key training orders its
 * rows by hashes what it reads of each row, in train_source.c.)
 *
 * A value is hashed by its bytes where those are the same on every node and in every session
 * (built-in types: integers, floats, text, numeric, dates, ...), else by its text form (enums,
 * whose bytes are a node's own OID, composites and other user-defined types).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "train.h"
#include "../core/train_order.h"

typedef enum key_form
{
	KEY_SKIP,					/* a dropped column */
	KEY_BY_VALUE,				/* the Datum's typlen bytes */
	KEY_FIXED,					/* typlen bytes at the pointer */
	KEY_VARLENA,				/* the detoasted data */
	KEY_CSTRING,
	KEY_TEXT					/* the output function's text */
} key_form;

typedef struct key_column
{
	key_form	form;
	int16		typlen;
	FmgrInfo	output;			/* KEY_TEXT */
} key_column;

typedef struct row_key_reader
{
	int			natts;
	Oid			type_id;		/* of the composite it was made for (campaign.train_key) */
	int32		typmod;
	key_column *columns;
} row_key_reader;

/* Bytes that mean the same value on every node: a built-in base type's (or a domain's over one). */
static key_form
form_of(Form_pg_attribute att, int16 *typlen, Oid *output)
{
	Oid			base = getBaseType(att->atttypid);
	bool		varlena;
	bool		byval;
	char		align;

	get_typlenbyvalalign(base, typlen, &byval, &align);
	getTypeOutputInfo(base, output, &varlena);
	if (base >= FirstNormalObjectId || get_typtype(base) != TYPTYPE_BASE)
		return KEY_TEXT;
	if (byval)
		return KEY_BY_VALUE;
	if (*typlen > 0)
		return KEY_FIXED;
	return *typlen == -1 ? KEY_VARLENA : KEY_CSTRING;
}

static row_key_reader *
row_key_reader_create(TupleDesc desc, MemoryContext cxt)
{
	row_key_reader *r = MemoryContextAllocZero(cxt, sizeof(*r));

	r->natts = desc->natts;
	r->type_id = desc->tdtypeid;
	r->typmod = desc->tdtypmod;
	r->columns = MemoryContextAllocZero(cxt, sizeof(key_column) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		key_column *c = &r->columns[i];
		Oid			output = InvalidOid;

		if (att->attisdropped)
			continue;			/* KEY_SKIP: a shard's table may have other dropped columns */
		c->form = form_of(att, &c->typlen, &output);
		if (c->form == KEY_TEXT)
			fmgr_info_cxt(output, &c->output, cxt);
	}
	return r;
}

/* A by-value Datum: its typlen bytes, least significant first on every host. */
static inline void
key_by_value(cm_row_key *k, Datum value, int16 typlen)
{
	uint64		v = typlen == 1 ? (uint8) DatumGetChar(value) :
		typlen == 2 ? (uint16) DatumGetInt16(value) :
		typlen == 4 ? (uint32) DatumGetInt32(value) : (uint64) DatumGetInt64(value);

	cm_row_key_small(k, v, (size_t) typlen);
}

static inline void
key_value(cm_row_key *k, const key_column *c, Datum value)
{
	switch (c->form)
	{
		case KEY_SKIP:
			break;
		case KEY_BY_VALUE:
			key_by_value(k, value, c->typlen);
			break;
		case KEY_FIXED:
			cm_row_key_bytes(k, DatumGetPointer(value), (size_t) c->typlen);
			break;
		case KEY_VARLENA:
			{
				struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

				cm_row_key_bytes(k, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
				if ((Pointer) v != DatumGetPointer(value))
					pfree(v);
				break;
			}
		case KEY_CSTRING:
			cm_row_key_bytes(k, DatumGetCString(value), strlen(DatumGetCString(value)));
			break;
		case KEY_TEXT:
			{
				char	   *s = OutputFunctionCall((FmgrInfo *) &c->output, value);

				cm_row_key_bytes(k, s, strlen(s));
				pfree(s);
				break;
			}
	}
}

static double
row_key(const row_key_reader *r, uint64 seed, const Datum *values, const bool *nulls)
{
	cm_row_key	k;

	cm_row_key_begin(&k, seed);
	for (int i = 0; i < r->natts; i++)
	{
		if (r->columns[i].form == KEY_SKIP)
			continue;
		if (nulls[i])
			cm_row_key_null(&k);
		else
			key_value(&k, &r->columns[i], values[i]);
	}
	return cm_row_key_end(&k);
}

PG_FUNCTION_INFO_V1(train_key);

/* campaign.train_key(seed bigint, row record) returns float8 in [0, 1) */
Datum
train_key(PG_FUNCTION_ARGS)
{
	uint64		seed = (uint64) PG_GETARG_INT64(0);
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(1);
	Oid			type_id = HeapTupleHeaderGetTypeId(row);
	int32		typmod = HeapTupleHeaderGetTypMod(row);
	row_key_reader *r = fcinfo->flinfo->fn_extra;
	TupleDesc	desc = lookup_rowtype_tupdesc(type_id, typmod);
	HeapTupleData tuple;
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	double		key;

	if (r == NULL || r->type_id != type_id || r->typmod != typmod || r->natts != desc->natts)
		fcinfo->flinfo->fn_extra = r =
			row_key_reader_create(desc, fcinfo->flinfo->fn_mcxt);
	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;
	heap_deform_tuple(&tuple, desc, values, nulls);
	key = row_key(r, seed, values, nulls);
	ReleaseTupleDesc(desc);
	PG_RETURN_FLOAT8(key);
}

/*
 * The source query narrowed to params' sample: a share of the rows by key, or the n rows of
 * the smallest keys that have a label.  Where the rows live (a Citus shard, say) the filter
 * and, for a count, the top n by key run there.
 */
char *
cm_pg_train_sample_query(const char *from, const char *label, const train_params *params)
{
	uint64		seed = cm_pg_train_seed(params);
	const char *key = psprintf("campaign.train_key(" UINT64_FORMAT "::pg_catalog.int8, campaign_source)",
							   seed);

	if (params->sample_rows > 0)
		return psprintf("SELECT * FROM %s WHERE campaign_source.%s IS NOT NULL ORDER BY %s LIMIT " INT64_FORMAT,
						from, quote_identifier(label), key, params->sample_rows);
	if (params->sample_share > 0)
		return psprintf("SELECT * FROM %s WHERE %s OPERATOR(pg_catalog.<) %s::pg_catalog.float8",
						from, key, float8out_internal(params->sample_share));
	return psprintf("SELECT * FROM %s", from);
}

void
cm_pg_train_canonical_order(train_input *in)
{
	if (!in->gbt)
	{
		CM_PG_CHECK(cm_dataset_canonical_order(&in->data, &in->keys),
					"could not order the training rows");
		in->cap_keys = in->data.n_rows;
		return;
	}
	for (int j = 0; j < in->n_features; j++)
		if (in->categorical[j])
		{
			uint32_t	remap[CM_CATEGORIES_MAX];
			uint32_t	n = in->categories[j].n;

			CM_PG_CHECK(cm_categories_sort(&in->categories[j], remap),
						"could not order the categories");
			cm_binned_remap_categories(&in->binned, (uint32) j, remap, n);
		}
	CM_PG_CHECK(cm_binned_canonical_order(&in->binned, &in->keys),
				"could not order the training rows");
	in->cap_keys = in->binned.n_rows;
}
