
-- surprise.sql: turnout surprise, observed turnout against the model (src/pg/surprise.c, docs/surprise.md)

CREATE TYPE campaign.surprise AS (
    n        bigint,            -- voters with a non-NULL p and voted
    expected float8,            -- sum of p: the turnout the model expects
    observed bigint,            -- voters who voted
    p_below  float8,            -- P(X <= observed), X the Poisson-binomial count of the p
    p_above  float8,            -- P(X >= observed)
    exact    boolean            -- false past 20,000 uncertain voters: saddlepoint approximation
);
COMMENT ON TYPE campaign.surprise IS
    'Turnout surprise of a group: voters, expected and observed turnout, and the probabilities of a count that low or that high';

-- The state is a float8[] (layout in src/core/surprise.h) so parallel and distributed plans
-- can ship it as is.  The support functions validate any array they are given.
CREATE FUNCTION campaign.surprise_transfn(state float8[], p float8, voted boolean)
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'surprise_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.surprise_transfn(float8[], float8, boolean) IS
    'Transition function of campaign.turnout_surprise: adds one voter of probability p';

CREATE FUNCTION campaign.surprise_combinefn(a float8[], b float8[])
RETURNS float8[]
    AS 'MODULE_PATHNAME', 'surprise_combinefn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.surprise_combinefn(float8[], float8[]) IS
    'Combine function of campaign.turnout_surprise: merges two partial groups';

CREATE FUNCTION campaign.surprise_finalfn(state float8[])
RETURNS campaign.surprise
    AS 'MODULE_PATHNAME', 'surprise_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.surprise_finalfn(float8[]) IS
    'Final function of campaign.turnout_surprise: expected and observed turnout and both tail probabilities';

-- INITCOND: the empty group.  With a STRICT transition function rows with a NULL p or a NULL
-- voted are left out; an empty group gives n = 0 and both tails 1.
CREATE AGGREGATE campaign.turnout_surprise(p float8, voted boolean) (
    SFUNC = campaign.surprise_transfn,
    STYPE = float8[],
    COMBINEFUNC = campaign.surprise_combinefn,
    FINALFUNC = campaign.surprise_finalfn,
    FINALFUNC_MODIFY = READ_ONLY,
    INITCOND = '{0,0,0,0,1,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE campaign.turnout_surprise(float8, boolean) IS
    'Observed turnout against the model: P(X <= observed) and P(X >= observed), X the Poisson-binomial count of p (exact up to 20,000 uncertain voters, saddlepoint beyond)';
