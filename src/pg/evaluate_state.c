/*
 * evaluate_state.c - the type campaign.score_distribution, the state of campaign.auc,
 * calibration and lift: its expanded form (updated in place, so a row costs no copy of the
 * state) and its flat form with the type's input, output, receive and send functions.
 *
 * A concrete type rather than internal so that Citus can aggregate on the shards: it moves a
 * partial state between nodes through the type's output and input functions.  The binary form
 * is cm_score_dist_serialize's bytes, the text form those bytes in hex; each input validates
 * every byte (cm_score_dist_deserialize), so a forged value is an error, never a crash.
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "nodes/memnodes.h"
#include "utils/memutils.h"

#include "evaluate_state.h"
#include "status.h"

static Size flat_size(ExpandedObjectHeader *eoh);
static void flatten_into(ExpandedObjectHeader *eoh, void *result, Size allocated_size);

static const ExpandedObjectMethods score_state_methods = {flat_size, flatten_into};

/* The states of one aggregate context share one child context (shared_context). */
#define SHARED_CONTEXT_NAME "campaign score distributions"

static cm_pg_score_state *
init_state(MemoryContext context, uint32 bins)
{
	cm_pg_score_state *state = MemoryContextAlloc(context, sizeof(cm_pg_score_state));

	EOH_init_header(&state->hdr, &score_state_methods, context);
	cm_score_dist_init(&state->dist, bins);
	return state;
}

/*
 * A state with a memory context of its own under the current one, which deleting the expanded
 * object deletes: a state built outside an aggregate (a variable may own it), or a decoded
 * argument read once.
 */
static cm_pg_score_state *
private_state(uint32 bins)
{
	/* small to start: many states are small */
	return init_state(AllocSetContextCreate(CurrentMemoryContext, "campaign score distribution",
											ALLOCSET_START_SMALL_SIZES), bins);
}

/*
 * The child context that holds every state of an aggregate context.  PostgreSQL keeps a
 * running state without copying it when it is a read-write expanded object whose context is a
 * child of the aggregate context, but a child context per state would make hash aggregation
 * quadratic in the groups: it sums the memory of every child context at each new group
 * (hash_agg_check_limits).  So the states share one child, and like memory allocated in the
 * aggregate context they go when it is reset.  No one deletes one of them alone: PostgreSQL
 * and Citus delete a running state only when the transition or combine function returns
 * another one, and ours return the state they were given.
 */
static MemoryContext
shared_context(MemoryContext aggcontext)
{
	for (MemoryContext child = aggcontext->firstchild; child != NULL; child = child->nextchild)
		if (IsA(child, AllocSetContext) && strcmp(child->name, SHARED_CONTEXT_NAME) == 0)
			return child;
	return AllocSetContextCreate(aggcontext, SHARED_CONTEXT_NAME, ALLOCSET_DEFAULT_SIZES);
}

cm_pg_score_state *
cm_pg_score_state_new(FunctionCallInfo fcinfo, uint32 bins)
{
	MemoryContext aggcontext;

	if (AggCheckCallContext(fcinfo, &aggcontext))
		return init_state(shared_context(aggcontext), bins);
	return private_state(bins);
}

void
cm_pg_score_state_free(cm_pg_score_state *state)
{
	Assert(strcmp(state->hdr.eoh_context->name, SHARED_CONTEXT_NAME) != 0);
	MemoryContextDelete(state->hdr.eoh_context);
}

static bool
is_expanded_state(Datum value)
{
	return VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(value)) &&
		DatumGetEOHP(value)->eoh_methods == &score_state_methods;
}

/* Decode flat bytes into the empty state; the core's status. */
static cm_status
decode(const char *bytes, size_t len, cm_pg_score_state *state)
{
	MemoryContext old = MemoryContextSwitchTo(state->hdr.eoh_context);
	cm_reader	r;
	cm_status	status;

	cm_reader_init(&r, bytes, len);
	status = cm_score_dist_deserialize(&r, &state->dist);
	MemoryContextSwitchTo(old);
	return status;
}

/* A stored value that fails validation was damaged after its input function accepted it. */
static void
decode_argument(FunctionCallInfo fcinfo, int argno, cm_pg_score_state *state)
{
	struct varlena *flat = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));

	CM_PG_CHECK(decode(VARDATA_ANY(flat), VARSIZE_ANY_EXHDR(flat), state),
				"invalid score distribution");
}

cm_pg_score_state *
cm_pg_score_state_readable(FunctionCallInfo fcinfo, int argno, bool *decoded)
{
	Datum		value = PG_GETARG_DATUM(argno);
	cm_pg_score_state *state;

	*decoded = !is_expanded_state(value);
	if (!*decoded)
		return (cm_pg_score_state *) DatumGetEOHP(value);
	state = private_state(0);
	decode_argument(fcinfo, argno, state);
	return state;
}

cm_pg_score_state *
cm_pg_score_state_copy(FunctionCallInfo fcinfo, int argno)
{
	Datum		value = PG_GETARG_DATUM(argno);
	cm_pg_score_state *given;
	cm_pg_score_state *copy;
	MemoryContext old;

	if (!is_expanded_state(value))
	{
		copy = cm_pg_score_state_new(fcinfo, 0);
		decode_argument(fcinfo, argno, copy);
		return copy;
	}
	given = (cm_pg_score_state *) DatumGetEOHP(value);
	copy = cm_pg_score_state_new(fcinfo, given->dist.bins);
	old = MemoryContextSwitchTo(copy->hdr.eoh_context);
	CM_PG_CHECK(cm_score_dist_merge(&copy->dist, &given->dist), "could not copy a score distribution");
	MemoryContextSwitchTo(old);
	return copy;
}

cm_pg_score_state *
cm_pg_score_state_writable(FunctionCallInfo fcinfo, int argno)
{
	Datum		value = PG_GETARG_DATUM(argno);

	if (is_expanded_state(value) && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(value)))
		return (cm_pg_score_state *) DatumGetEOHP(value);
	return cm_pg_score_state_copy(fcinfo, argno);
}

/*
 * The expanded object's methods: PostgreSQL flattens a state when it leaves the process or the
 * aggregate (a parallel worker's partial state, a value stored or sent to the client).
 */
static Size
flat_size(ExpandedObjectHeader *eoh)
{
	cm_pg_score_state *state = (cm_pg_score_state *) eoh;
	size_t		size;

	if (cm_score_dist_serialized_size(&state->dist, &size) != CM_OK ||
		size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct scores for a parallel aggregate state"),
				 errhint("Round the scores, or SET max_parallel_workers_per_gather = 0.")));
	return VARHDRSZ + size;
}

static void
flatten_into(ExpandedObjectHeader *eoh, void *result, Size allocated_size)
{
	cm_pg_score_state *state = (cm_pg_score_state *) eoh;
	cm_writer	w;

	cm_writer_init(&w);
	cm_score_dist_serialize(&state->dist, &w);
	CM_PG_CHECK(w.status, "could not serialize a score distribution");
	if (VARHDRSZ + w.len != allocated_size)
		elog(ERROR, "score distribution of %zu bytes flattened into %zu", w.len, allocated_size);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), w.data, w.len);
	cm_writer_free(&w);
}

/*
 * The input functions' check: bytes that do not decode are the type's invalid representation
 * (22P02 for text, 22P03 for binary), whatever the core's status for corrupt bytes; other
 * failures (memory) keep their status's SQLSTATE.
 */
static void
check_flat(const char *bytes, size_t len, int sqlstate, const char *what)
{
	cm_pg_score_state *state = private_state(0);
	cm_status	status = decode(bytes, len, state);

	if (status == CM_ERR_CORRUPT)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s: %s", what, cm_last_error())));
	if (status != CM_OK)
		cm_pg_raise(status, what);
	cm_pg_score_state_free(state);
}

static bytea *
new_flat(size_t len)
{
	bytea	   *flat = palloc(VARHDRSZ + len);

	SET_VARSIZE(flat, VARHDRSZ + len);
	return flat;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
invalid_text(const char *reason)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type campaign.score_distribution: %s", reason),
			 errhint("A score distribution is written as the hex digits of its bytes, as campaign.score_distribution() returns it.")));
}

PG_FUNCTION_INFO_V1(score_distribution_in);

Datum
score_distribution_in(PG_FUNCTION_ARGS)
{
	const char *text = PG_GETARG_CSTRING(0);
	size_t		len = strlen(text);
	bytea	   *flat;
	char	   *out;

	if (len % 2 != 0)
		invalid_text("odd number of hexadecimal digits");
	flat = new_flat(len / 2);
	out = VARDATA(flat);
	for (size_t i = 0; i < len; i += 2)
	{
		int			high = hex_digit(text[i]);
		int			low = hex_digit(text[i + 1]);

		if (high < 0 || low < 0)
			invalid_text("not a hexadecimal digit");
		out[i / 2] = (char) (high << 4 | low);
	}
	check_flat(VARDATA(flat), len / 2, ERRCODE_INVALID_TEXT_REPRESENTATION,
			   "invalid input syntax for type campaign.score_distribution");
	PG_RETURN_BYTEA_P(flat);
}

PG_FUNCTION_INFO_V1(score_distribution_out);

Datum
score_distribution_out(PG_FUNCTION_ARGS)
{
	struct varlena *flat = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	size_t		len = VARSIZE_ANY_EXHDR(flat);
	char	   *text;

	if (len > (MaxAllocSize - 1) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("score distribution of %zu bytes is too large for its text form", len),
				 errhint("Round the scores.")));
	text = palloc(2 * len + 1);
	hex_encode(VARDATA_ANY(flat), len, text);
	text[2 * len] = '\0';
	PG_RETURN_CSTRING(text);
}

PG_FUNCTION_INFO_V1(score_distribution_recv);

Datum
score_distribution_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	size_t		len = (size_t) (buf->len - buf->cursor);
	bytea	   *flat = new_flat(len);

	pq_copymsgbytes(buf, VARDATA(flat), (int) len);
	check_flat(VARDATA(flat), len, ERRCODE_INVALID_BINARY_REPRESENTATION,
			   "invalid binary score distribution");
	PG_RETURN_BYTEA_P(flat);
}

/* The binary form is the flat value's bytes, as a bytea. */
PG_FUNCTION_INFO_V1(score_distribution_send);

Datum
score_distribution_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0)));
}
