
-- rollup.sql: propensity rollups over census geography (src/pg/rollup.c, docs/rollups.md)

CREATE TYPE campaign.propensity AS (
    n        bigint,            -- voters with a non-NULL p
    expected float8,            -- sum of p: expected supporters
    sd       float8,            -- Poisson-binomial standard deviation, sqrt(sum p(1-p))
    lo       bigint,            -- 5% quantile of the supporter count
    hi       bigint             -- 95% quantile of the supporter count
);
COMMENT ON TYPE campaign.propensity IS
    'Rollup of voter probabilities: count, expected supporters, sd and the 90% range of the count';

-- The state is a float8[] (layout in src/core/rollup.h) so parallel and distributed plans can
-- ship it as is.  The support functions validate any array they are given.
CREATE FUNCTION campaign.rollup_transfn(state float8[], p float8)
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'rollup_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.rollup_transfn(float8[], float8) IS
    'Transition function of campaign.rollup: adds one voter of probability p';

CREATE FUNCTION campaign.rollup_combinefn(a float8[], b float8[])
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'rollup_combinefn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.rollup_combinefn(float8[], float8[]) IS
    'Combine function of campaign.rollup: merges two partial rollups';

CREATE FUNCTION campaign.rollup_finalfn(state float8[])
RETURNS campaign.propensity
    AS 'MODULE_PATHNAME', 'rollup_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.rollup_finalfn(float8[]) IS
    'Final function of campaign.rollup: count, expected, sd and the 5%/95% quantiles';

-- INITCOND: n = 0, sums 0, probabilities kept (none yet).  With a STRICT transition function NULL p rows
-- are skipped and an empty group gives n = 0.
CREATE AGGREGATE campaign.rollup(p float8) (
    SFUNC = campaign.rollup_transfn,
    STYPE = float8[],
    COMBINEFUNC = campaign.rollup_combinefn,
    FINALFUNC = campaign.rollup_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    INITCOND = '{0,0,0,0,1}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE campaign.rollup(float8) IS
    'Supporters among voters of probability p: expected count, sd and exact 5%/95% quantiles (normal approximation past 1000 voters)';

CREATE FUNCTION campaign.geoid_level(geoid text)
RETURNS text
    AS 'MODULE_PATHNAME', 'geoid_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.geoid_level(text) IS
    'Level of a census GEOID by its length: state, county, tract, block_group or block';

CREATE FUNCTION campaign.geoid_parent(geoid text, level text)
RETURNS text
    AS 'MODULE_PATHNAME', 'geoid_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.geoid_parent(text, text) IS
    'The GEOID of the enclosing area at a level (state, county, tract, block_group, block)';

-- Window functions: the prior is fitted on the whole partition, whatever the frame.
CREATE FUNCTION campaign.eb_rate(successes float8, trials float8)
RETURNS float8
    AS 'MODULE_PATHNAME', 'eb_rate' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION campaign.eb_rate(float8, float8) IS
    'Window function: posterior mean rate of the row under a beta prior fitted to its partition by the method of moments';

CREATE FUNCTION campaign.eb_interval(successes float8, trials float8)
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'eb_interval' LANGUAGE C IMMUTABLE WINDOW PARALLEL SAFE;
COMMENT ON FUNCTION campaign.eb_interval(float8, float8) IS
    'Window function: {lo, hi}, the central 90% credible interval of the row''s rate (companion of eb_rate)';

-- Noise comes from a per-backend generator seeded by the OS: VOLATILE, PARALLEL RESTRICTED.
CREATE FUNCTION campaign.dp_count(n float8, epsilon float8)
RETURNS float8
    AS 'MODULE_PATHNAME', 'dp_count' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION campaign.dp_count(float8, float8) IS
    'Count plus two-sided geometric noise, P(z) proportional to exp(-epsilon |z|), clamped at 0 (epsilon-DP for sensitivity 1)';

CREATE FUNCTION campaign.dp_sum(x float8, epsilon float8, sensitivity float8 DEFAULT 1)
RETURNS float8
    AS 'MODULE_PATHNAME', 'dp_sum' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION campaign.dp_sum(float8, float8, float8) IS
    'Sum plus Laplace noise of scale sensitivity / epsilon (sensitivity: the most one voter changes the sum, 1 for probabilities)';

CREATE FUNCTION campaign.suppress(n float8, k float8)
RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE WHEN n >= k THEN n END $$;
COMMENT ON FUNCTION campaign.suppress(float8, float8) IS
    'n, or NULL when n < k: hide counts of small groups before publishing';
