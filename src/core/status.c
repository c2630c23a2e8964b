/* status.c - status names, the per-thread failure message and the report hook. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[512];
static cm_report_hook report_hook;

void
cm_set_report_hook(cm_report_hook hook)
{
	report_hook = hook;
}

const char *
cm_status_name(cm_status status)
{
	switch (status)
	{
		case CM_OK:
			return "ok";
		case CM_ERR_NOMEM:
			return "out of memory";
		case CM_ERR_LIMIT:
			return "limit exceeded";
		case CM_ERR_INVALID:
			return "invalid argument";
		case CM_ERR_DATA:
			return "unusable data";
		case CM_ERR_NONFINITE:
			return "non-finite value";
		case CM_ERR_RANGE:
			return "value out of range";
		case CM_ERR_CORRUPT:
			return "corrupt data";
		case CM_ERR_CANCELED:
			return "canceled";
		case CM_ERR_INTERNAL:
			return "internal error";
	}
	return "unknown status";
}

cm_status
cm_fail(cm_status status, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, args);
	va_end(args);
	if (report_hook)
		report_hook(status, last_error);
	return status;
}

const char *
cm_last_error(void)
{
	return last_error;
}
