/*
 * status.c - the one place where core statuses become SQLSTATEs, and how a failure reads:
 * the core's message after what the glue was doing, a hint where the user can act, or the
 * glue's own wording of a failure it expects.
 */
#include "postgres.h"

#include "status.h"


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
		case CM_ERR_RANGE:
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
	cm_pg_raise_hint(status, what, NULL);
}

void
cm_pg_raise_hint(cm_status status, const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(sqlstate_of(status)),
			 what ? errmsg("%s: %s", what, cm_last_error()) : errmsg("%s", cm_last_error()),
			 hint ? errhint("%s", hint) : 0));
	pg_unreachable();
}

void
cm_pg_raise_worded(cm_status status, const char *what, const cm_pg_wording *wordings,
				   int n_wordings)
{
	for (int i = 0; i < n_wordings; i++)
		if (wordings[i].status == status)
			ereport(ERROR,
					(errcode(sqlstate_of(status)),
					 errmsg("%s", wordings[i].message),
					 wordings[i].hint ? errhint("%s", wordings[i].hint) : 0));
	cm_pg_raise_hint(status, what, NULL);
}
