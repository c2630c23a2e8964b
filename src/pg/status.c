/*
 * status.c - the one place where core statuses become SQLSTATEs.
 */
#include "postgres.h"

#include "campaign.h"

static int
sqlstate_of(cm_status status)
{
	switch (status)
	{
		case CM_ERR_NOMEM:
			return ERRCODE_OUT_OF_MEMORY;
		case CM_ERR_LIMIT:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case CM_ERR_INVALID:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case CM_ERR_DATA:
			return ERRCODE_DATA_EXCEPTION;
		case CM_ERR_NONFINITE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case CM_ERR_CORRUPT:
			return ERRCODE_DATA_CORRUPTED;
		case CM_ERR_CANCELED:
			return ERRCODE_QUERY_CANCELED;
		case CM_OK:
		case CM_ERR_INTERNAL:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

void
cm_pg_raise(cm_status status, const char *what)
{
	ereport(ERROR,
			(errcode(sqlstate_of(status)),
			 errmsg("%s: %s", what, cm_last_error())));
	pg_unreachable();
}
