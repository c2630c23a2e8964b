
-- bandit.sql: Bayesian bandits (src/pg/bandit.c, docs/bandits.md)

CREATE TYPE campaign.beta AS (alpha float8, beta float8);
COMMENT ON TYPE campaign.beta IS 'A Beta(alpha, beta) distribution: the posterior of an arm''s response rate';

-- Transition, combine and final functions: the state is float8[], so no serial functions.
CREATE FUNCTION campaign.beta_posterior_transfn(state float8[], reward float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'beta_posterior_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_posterior_transfn(float8[], float8) IS
    'State transition of campaign.beta_posterior(float8)';
CREATE FUNCTION campaign.beta_posterior_transfn(state float8[], reward boolean)
RETURNS float8[] AS 'MODULE_PATHNAME', 'beta_posterior_bool_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_posterior_transfn(float8[], boolean) IS
    'State transition of campaign.beta_posterior(boolean)';
CREATE FUNCTION campaign.beta_posterior_transfn(state float8[], reward float8, prior campaign.beta)
RETURNS float8[] AS 'MODULE_PATHNAME', 'beta_posterior_prior_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_posterior_transfn(float8[], float8, campaign.beta) IS
    'State transition of campaign.beta_posterior(float8, campaign.beta)';
CREATE FUNCTION campaign.beta_posterior_combinefn(state float8[], other float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'beta_posterior_combinefn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_posterior_combinefn(float8[], float8[]) IS
    'Combine two partial states of campaign.beta_posterior';
CREATE FUNCTION campaign.beta_posterior_finalfn(state float8[])
RETURNS campaign.beta AS 'MODULE_PATHNAME', 'beta_posterior_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_posterior_finalfn(float8[]) IS
    'Final function of campaign.beta_posterior: prior plus successes and failures';

CREATE AGGREGATE campaign.beta_posterior(reward float8) (
    SFUNC = campaign.beta_posterior_transfn, STYPE = float8[], INITCOND = '{0,0,1,1}',
    COMBINEFUNC = campaign.beta_posterior_combinefn, FINALFUNC = campaign.beta_posterior_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.beta_posterior(float8) IS
    'Beta posterior of a response rate from rewards in [0, 1] under the uniform prior Beta(1,1)';
CREATE AGGREGATE campaign.beta_posterior(reward boolean) (
    SFUNC = campaign.beta_posterior_transfn, STYPE = float8[], INITCOND = '{0,0,1,1}',
    COMBINEFUNC = campaign.beta_posterior_combinefn, FINALFUNC = campaign.beta_posterior_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.beta_posterior(boolean) IS
    'Beta posterior of a conversion rate from booleans under the uniform prior Beta(1,1)';
CREATE AGGREGATE campaign.beta_posterior(reward float8, prior campaign.beta) (
    SFUNC = campaign.beta_posterior_transfn, STYPE = float8[], INITCOND = '{0,0,0,0}',
    COMBINEFUNC = campaign.beta_posterior_combinefn, FINALFUNC = campaign.beta_posterior_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.beta_posterior(float8, campaign.beta) IS
    'Beta posterior of a response rate under the given prior (the same on every row)';

CREATE FUNCTION campaign.beta_discounted_transfn(state float8[], reward float8, at timestamptz, half_life interval)
RETURNS float8[] AS 'MODULE_PATHNAME', 'beta_discounted_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_discounted_transfn(float8[], float8, timestamptz, interval) IS
    'State transition of the discounted campaign.beta_posterior';
CREATE FUNCTION campaign.beta_discounted_combinefn(state float8[], other float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'beta_discounted_combinefn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_discounted_combinefn(float8[], float8[]) IS
    'Combine two partial discounted states, rescaled to the later reference time';
CREATE FUNCTION campaign.beta_discounted_finalfn(state float8[])
RETURNS campaign.beta AS 'MODULE_PATHNAME', 'beta_discounted_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_discounted_finalfn(float8[]) IS
    'Final function of the discounted campaign.beta_posterior';
CREATE AGGREGATE campaign.beta_posterior(reward float8, at timestamptz, half_life interval) (
    SFUNC = campaign.beta_discounted_transfn, STYPE = float8[], INITCOND = '{0,0,0,0,0}',
    COMBINEFUNC = campaign.beta_discounted_combinefn, FINALFUNC = campaign.beta_discounted_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.beta_posterior(float8, timestamptz, interval) IS
    'Discounted Beta posterior: each event weighs 0.5^(age / half_life), age relative to the newest event';

CREATE FUNCTION campaign.beta_quantile(b campaign.beta, p float8)
RETURNS float8 AS 'MODULE_PATHNAME', 'bandit_beta_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.beta_quantile(campaign.beta, float8) IS
    'The p-quantile of a Beta distribution (credible interval bounds)';

CREATE FUNCTION campaign.prob_best(arms campaign.beta[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'bandit_prob_best' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.prob_best(campaign.beta[]) IS
    'Exact probability that each arm has the highest rate (quadrature, error below 1e-6)';

CREATE FUNCTION campaign.expected_loss(arms campaign.beta[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'bandit_expected_loss' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.expected_loss(campaign.beta[]) IS
    'Expected regret of choosing each arm: E[max rate - rate of the arm]';

-- IMMUTABLE: the Monte Carlo draws use a fixed seed.
CREATE FUNCTION campaign.value_remaining(arms campaign.beta[], quantile float8 DEFAULT 0.95)
RETURNS float8 AS 'MODULE_PATHNAME', 'bandit_value_remaining' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.value_remaining(campaign.beta[], float8) IS
    'Quantile of the relative gain still possible over the leading arm (stop when small)';

CREATE FUNCTION campaign.allocation(arms campaign.beta[], method text DEFAULT 'thompson', floor float8 DEFAULT 0.01)
RETURNS float8[] AS 'MODULE_PATHNAME', 'bandit_allocation' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.allocation(campaign.beta[], text, float8) IS
    'Traffic weights for the next batch (thompson = P(best), or top_two), each >= floor, summing to 1';

-- VOLATILE and PARALLEL RESTRICTED: draws from the session's random stream.
CREATE FUNCTION campaign.thompson(arms campaign.beta[], seed bigint DEFAULT NULL)
RETURNS int AS 'MODULE_PATHNAME', 'bandit_thompson' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION campaign.thompson(campaign.beta[], bigint) IS
    'Thompson sampling: the 1-based index of the arm to show next (a seed makes it reproducible)';

CREATE FUNCTION campaign.set_seed(seed bigint)
RETURNS void AS 'MODULE_PATHNAME', 'bandit_set_seed' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION campaign.set_seed(bigint) IS
    'Seed this session''s random stream used by campaign.thompson';

-- The dashboard table: one row per arm, in the order given.
CREATE FUNCTION campaign.arm_summary(arms text[], posteriors campaign.beta[])
RETURNS TABLE (arm text, alpha float8, beta float8, mean float8, ci_lower float8, ci_upper float8,
               prob_best float8, expected_loss float8)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(arms) IS DISTINCT FROM cardinality(posteriors) THEN
        RAISE EXCEPTION 'arms has % names but % posteriors', cardinality(arms), cardinality(posteriors)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT arms[i], (posteriors[i]).alpha, (posteriors[i]).beta,
           (posteriors[i]).alpha / ((posteriors[i]).alpha + (posteriors[i]).beta),
           campaign.beta_quantile(posteriors[i], 0.025), campaign.beta_quantile(posteriors[i], 0.975),
           pb[i], el[i]
    FROM campaign.prob_best(posteriors) AS pb, campaign.expected_loss(posteriors) AS el,
         generate_subscripts(posteriors, 1) AS i
    ORDER BY i;
END
$$;
COMMENT ON FUNCTION campaign.arm_summary(text[], campaign.beta[]) IS
    'One row per arm: posterior mean, 95% credible interval, P(best) and expected loss';

-- Revenue arms: conversion (Beta) and gift amount (Exponential with a Gamma posterior on its rate).
CREATE TYPE campaign.revenue AS (alpha float8, beta float8, shape float8, rate float8);
COMMENT ON TYPE campaign.revenue IS
    'Revenue posterior: conversion ~ Beta(alpha, beta), gift ~ Exponential(lambda), lambda ~ Gamma(shape, rate)';
CREATE FUNCTION campaign.revenue_posterior_transfn(state float8[], amount float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'revenue_posterior_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_posterior_transfn(float8[], float8) IS
    'State transition of campaign.revenue_posterior (NULL or 0 = no donation)';
CREATE FUNCTION campaign.revenue_posterior_combinefn(state float8[], other float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'revenue_posterior_combinefn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_posterior_combinefn(float8[], float8[]) IS
    'Combine two partial states of campaign.revenue_posterior';
CREATE FUNCTION campaign.revenue_posterior_finalfn(state float8[])
RETURNS campaign.revenue AS 'MODULE_PATHNAME', 'revenue_posterior_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_posterior_finalfn(float8[]) IS
    'Final function of campaign.revenue_posterior';
CREATE AGGREGATE campaign.revenue_posterior(amount float8) (
    SFUNC = campaign.revenue_posterior_transfn, STYPE = float8[], INITCOND = '{0,0,0}',
    COMBINEFUNC = campaign.revenue_posterior_combinefn, FINALFUNC = campaign.revenue_posterior_finalfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE campaign.revenue_posterior(float8) IS
    'Revenue posterior of an arm from one row per visitor: the amount given, NULL or 0 for none';

-- IMMUTABLE: the interval's draws use a fixed seed.
CREATE FUNCTION campaign.revenue_per_visitor(r campaign.revenue, OUT mean float8, OUT ci_lower float8, OUT ci_upper float8)
AS 'MODULE_PATHNAME', 'bandit_revenue_per_visitor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_per_visitor(campaign.revenue) IS
    'Posterior revenue per visitor: exact mean and a 95% credible interval';

CREATE FUNCTION campaign.revenue_prob_best(arms campaign.revenue[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'bandit_revenue_prob_best' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_prob_best(campaign.revenue[]) IS
    'Probability that each revenue arm has the highest revenue per visitor (quadrature, error below 1e-6)';

CREATE FUNCTION campaign.revenue_expected_loss(arms campaign.revenue[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'bandit_revenue_expected_loss' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_expected_loss(campaign.revenue[]) IS
    'Expected revenue per visitor lost by choosing each arm: E[max RPV - RPV of the arm]';

CREATE FUNCTION campaign.revenue_allocation(arms campaign.revenue[], method text DEFAULT 'thompson', floor float8 DEFAULT 0.01)
RETURNS float8[] AS 'MODULE_PATHNAME', 'bandit_revenue_allocation' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.revenue_allocation(campaign.revenue[], text, float8) IS
    'Traffic weights for revenue arms (thompson = P(best) of revenue per visitor, or top_two), each >= floor, summing to 1';
