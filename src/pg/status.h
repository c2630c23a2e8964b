/*
 * status.h - core failures raised as PostgreSQL errors (status.c holds the one status-to-SQLSTATE map).
 */
#ifndef CAMPAIGN_PG_STATUS_H
#define CAMPAIGN_PG_STATUS_H

#include "postgres.h"

#include "../core/status.h"

/*
 * status.c: raise a core failure as an ERROR with the SQLSTATE of its status (status.c is the
 * only map from statuses to SQLSTATEs).  The message is "what: <the core's message>", or the
 * core's message alone when what is NULL; hint, unless NULL, is the errhint: a sentence
 * telling the user what to do.
 */
void		cm_pg_raise(cm_status status, const char *what) pg_attribute_noreturn();
void		cm_pg_raise_hint(cm_status status, const char *what, const char *hint)
			pg_attribute_noreturn();

/* The glue's own message (and hint, or NULL) for a failure of a given status. */
typedef struct cm_pg_wording
{
	cm_status	status;
	const char *message;
	const char *hint;
} cm_pg_wording;

/*
 * Raise a failure in the wording listed for its status, or as cm_pg_raise(status, what) when
 * none is: for calls whose expected failures have messages of their own.  The SQLSTATE is
 * still the status's.
 */
void		cm_pg_raise_worded(cm_status status, const char *what, const cm_pg_wording *wordings,
							   int n_wordings) pg_attribute_noreturn();

/* Raise unless the core call succeeded; the _HINT form adds a hint. */
#define CM_PG_CHECK(call, what) CM_PG_CHECK_HINT(call, what, NULL)
#define CM_PG_CHECK_HINT(call, what, hint) \
	do { \
		cm_status cm_pg_status_ = (call); \
		if (cm_pg_status_ != CM_OK) \
			cm_pg_raise_hint(cm_pg_status_, (what), (hint)); \
	} while (0)

#endif
