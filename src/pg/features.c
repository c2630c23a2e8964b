/*
 * features.c - which SQL types can be model features, and their values as doubles.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "campaign.h"

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
		default:
			return false;
	}
}

const char *
cm_pg_feature_type_name(cm_feature_type type)
{
	return type == CM_FEATURE_BOOLEAN ? "boolean" : "numeric";
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
