/*
 * status.h - result codes of the Postgres-free core.
 *
 * Every core function that can fail returns a cm_status; the host maps it to its own error
 * mechanism (src/pg/status.c maps each one to a SQLSTATE).  A failing function records a
 * human-readable message with cm_fail(), which the host reads back with cm_last_error().
 */
#ifndef CM_STATUS_H
#define CM_STATUS_H

typedef enum cm_status
{
	CM_OK = 0,
	CM_ERR_NOMEM,				/* allocation failed */
	CM_ERR_LIMIT,				/* a size or count exceeds what the core supports */
	CM_ERR_INVALID,				/* a caller-supplied argument or parameter is invalid */
	CM_ERR_DATA,				/* the data cannot be used (one class only, empty, ...) */
	CM_ERR_NONFINITE,			/* NaN or infinity where a finite number is required */
	CM_ERR_RANGE,				/* a finite number outside the range it must lie in (p > 1) */
	CM_ERR_CORRUPT,				/* a serialized model or state failed validation */
	CM_ERR_CANCELED,			/* the host's interrupt hook asked us to stop */
	CM_ERR_INTERNAL				/* a broken invariant: a bug */
} cm_status;

/* Short stable name of a status, e.g. "corrupt", for tests and logs. */
const char *cm_status_name(cm_status status);

/*
 * Record a failure message (printf-style) and return status, so callers can write
 * "return cm_fail(CM_ERR_INVALID, "depth must be ...", depth);".  The message is kept per
 * thread; the host reads it with cm_last_error().
 */
cm_status	cm_fail(cm_status status, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* A function told about every cm_fail() (the host's report hook, see memory.h); NULL for none. */
typedef void (*cm_report_hook) (cm_status status, const char *message);
void		cm_set_report_hook(cm_report_hook hook);

/* The message recorded by the last cm_fail() on this thread ("" if none). */
const char *cm_last_error(void);

/* Propagate a non-OK status to the caller. */
#define CM_TRY(expr) \
	do { \
		cm_status cm_try_status_ = (expr); \
		if (cm_try_status_ != CM_OK) \
			return cm_try_status_; \
	} while (0)

#endif
