/*
 * features.c - which SQL types can be model features, and their values as doubles or, for
 * categorical features, as category strings.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "features.h"


bool
cm_pg_feature_type_of(Oid typid, cm_feature_type *type)
{
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			*type = CM_FEATURE_NUMERIC;
			return true;
		case BOOLOID:
			*type = CM_FEATURE_BOOLEAN;
			return true;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			*type = CM_FEATURE_CATEGORICAL;
			return true;
		default:
			*type = CM_FEATURE_CATEGORICAL;
			return type_is_enum(typid);
	}
}

const char *
cm_pg_feature_type_name(cm_feature_type type)
{
	switch (type)
	{
		case CM_FEATURE_BOOLEAN:
			return "boolean";
		case CM_FEATURE_CATEGORICAL:
			return "categorical";
		default:
			return "numeric";
	}
}

void
cm_pg_category_reader_init(cm_pg_category_reader *reader, Oid typid, MemoryContext cxt)
{
	Oid			func;
	bool		varlena;

	reader->typid = typid;
	reader->is_text = typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID;
	if (reader->is_text)
		return;
	getTypeOutputInfo(typid, &func, &varlena);
	fmgr_info_cxt(func, &reader->output, cxt);
}

const char *
cm_pg_category_text(const cm_pg_category_reader *reader, Datum value, size_t *len)
{
	const char *s;

	if (!reader->is_text)
	{
		s = OutputFunctionCall((FmgrInfo *) &reader->output, value);
		*len = strlen(s);
		return s;
	}
	{
		text	   *t = DatumGetTextPP(value);

		s = VARDATA_ANY(t);
		*len = VARSIZE_ANY_EXHDR(t);
	}
	/* char(n) pads with spaces that its comparisons ignore: so do categories */
	if (reader->typid == BPCHAROID)
		while (*len > 0 && s[*len - 1] == ' ')
			(*len)--;
	return s;
}

double
cm_pg_datum_to_double(Datum value, Oid typid)
{
	switch (typid)
	{
		case INT2OID:
			return (double) DatumGetInt16(value);
		case INT4OID:
			return (double) DatumGetInt32(value);
		case INT8OID:
			return (double) DatumGetInt64(value);
		case FLOAT4OID:
			return (double) DatumGetFloat4(value);
		case FLOAT8OID:
			return DatumGetFloat8(value);
		case NUMERICOID:
			/* NaN numerics come through as NaN, huge ones as infinity */
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, value));
		case BOOLOID:
			return DatumGetBool(value) ? 1.0 : 0.0;
	}
	elog(ERROR, "unsupported feature type %u", typid);
	return 0;					/* keep the compiler quiet */
}
