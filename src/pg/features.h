/*
 * features.h - the SQL types a model feature may have, and reading their values (features.c).
 */
#ifndef CAMPAIGN_PG_FEATURES_H
#define CAMPAIGN_PG_FEATURES_H

#include "postgres.h"
#include "fmgr.h"

#include "../core/model.h"

bool		cm_pg_feature_type_of(Oid typid, cm_feature_type *type);
const char *cm_pg_feature_type_name(cm_feature_type type);
/* A non-NULL Datum of a supported type as a double. */
double		cm_pg_datum_to_double(Datum value, Oid typid);

/*
 * The category string of a value of a categorical feature: the bytes of text, varchar and
 * char (trailing spaces dropped), else the type's output text (enum labels, integers, ...).
 */
typedef struct cm_pg_category_reader
{
	Oid			typid;
	bool		is_text;
	FmgrInfo	output;			/* the type's output function unless is_text */
} cm_pg_category_reader;

void		cm_pg_category_reader_init(cm_pg_category_reader *reader, Oid typid,
									   MemoryContext cxt);
/* Not NUL-terminated: *len bytes; valid until the value or the call's memory goes. */
const char *cm_pg_category_text(const cm_pg_category_reader *reader, Datum value, size_t *len);

#endif
