-- bandit: posteriors, decisions, Thompson sampling, the dashboard summary and bad input.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

-- Subject-line test: 3 arms, deterministic clicks (A 10%, B 14%, C 11%).
CREATE TABLE bandit_events AS
SELECT i AS id, (ARRAY['A', 'B', 'C'])[1 + i % 3] AS arm,
       abs(hashint4(i)) % 100 < (ARRAY[10, 14, 11])[1 + i % 3] AS clicked,
       timestamptz '2026-01-01' + i * interval '1 minute' AS at
FROM generate_series(1, 30000) i;

-- Posterior = prior Beta(1,1) + successes / failures.
SELECT arm, campaign.beta_posterior(clicked) = ROW(1 + count(*) FILTER (WHERE clicked),
                                                   1 + count(*) FILTER (WHERE NOT clicked))::campaign.beta AS exact,
       (campaign.beta_posterior(clicked)).alpha > 0 AS alpha_readable
FROM bandit_events GROUP BY arm ORDER BY arm;
-- float8 rewards agree with booleans; fractional rewards add to both sides; NULL rows are skipped.
SELECT campaign.beta_posterior(clicked::int::float8) = campaign.beta_posterior(clicked) AS same
FROM bandit_events;
SELECT campaign.beta_posterior(r) FROM (VALUES (0.25::float8), (1), (NULL)) v(r);
-- No rows: the prior; with an explicit prior, no rows is NULL.
SELECT campaign.beta_posterior(r) FROM (SELECT 1::float8 r WHERE false) s;
SELECT campaign.beta_posterior(r, ROW(2, 8)::campaign.beta) IS NULL AS no_rows
FROM (SELECT 1::float8 r WHERE false) s;
SELECT campaign.beta_posterior(r, ROW(2, 8)::campaign.beta) FROM (VALUES (1::float8), (0), (1)) v(r);

-- Parallel aggregate equals serial.
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT campaign.beta_posterior(clicked) FROM bandit_events;
CREATE TEMP TABLE parallel_result AS
SELECT campaign.beta_posterior(clicked) AS b, campaign.beta_posterior(clicked::int::float8, ROW(2, 3)::campaign.beta) AS p,
       campaign.beta_posterior(clicked::int::float8, at, interval '1 day') AS d FROM bandit_events;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
SELECT r.b = s.b AS same_plain, r.p = s.p AS same_prior,
       abs((r.d).alpha - (s.d).alpha) < 1e-9 AND abs((r.d).beta - (s.d).beta) < 1e-9 AS same_discounted
FROM parallel_result r,
     (SELECT campaign.beta_posterior(clicked) AS b, campaign.beta_posterior(clicked::int::float8, ROW(2, 3)::campaign.beta) AS p,
             campaign.beta_posterior(clicked::int::float8, at, interval '1 day') AS d FROM bandit_events) s;
RESET max_parallel_workers_per_gather;

-- Discounted: an event one half-life older than the newest weighs 1/2, in any row order.
SELECT campaign.beta_posterior(r, t, interval '1 day')
FROM (VALUES (1::float8, timestamptz '2026-01-02'), (1, '2026-01-01'), (0, '2026-01-03')) v(r, t);
SELECT campaign.beta_posterior(r, t, interval '1 day')
FROM (VALUES (0::float8, timestamptz '2026-01-03'), (1, '2026-01-01'), (1, '2026-01-02')) v(r, t);
-- Combining partial states rescales to the later reference time.
SELECT campaign.beta_discounted_finalfn(campaign.beta_discounted_combinefn(
    campaign.beta_discounted_transfn('{0,0,0,0,0}', 1, '2026-01-01', '1 day'),
    campaign.beta_discounted_transfn('{0,0,0,0,0}', 0, '2026-01-02', '1 day')));

-- prob_best: two arms (closed form), three arms (quadrature), sums to 1.
SELECT round(p::numeric, 9) FROM unnest(campaign.prob_best(ARRAY[ROW(1, 1), ROW(2, 1)]::campaign.beta[])) p;
SELECT array_agg(round(p::numeric, 6)) AS prob_best,
       round(sum(p)::numeric, 9) AS total
FROM unnest(campaign.prob_best(ARRAY[ROW(10, 20), ROW(12, 18), ROW(8, 15)]::campaign.beta[])) p;
SELECT campaign.prob_best(ARRAY[ROW(3, 4)]::campaign.beta[]) AS single;
-- expected_loss: three uniforms, E[max] = 3/4.
SELECT array_agg(round(l::numeric, 6)) FROM unnest(campaign.expected_loss(ARRAY[ROW(1, 1), ROW(1, 1), ROW(1, 1)]::campaign.beta[])) l;
-- value_remaining: large while undecided, 0 once one arm dominates.
SELECT campaign.value_remaining(ARRAY[ROW(50, 50), ROW(52, 48)]::campaign.beta[]) > 0.05 AS undecided,
       campaign.value_remaining(ARRAY[ROW(5000, 5000), ROW(6000, 4000)]::campaign.beta[], 0.99) AS decided;
-- allocation: at least the floor, sums to 1; top_two gives the near-certain leader about half.
SELECT array_agg(round(w::numeric, 4)) AS weights, round(sum(w)::numeric, 12) AS total
FROM unnest(campaign.allocation(ARRAY[ROW(10, 90), ROW(30, 70), ROW(12, 88)]::campaign.beta[])) w;
SELECT array_agg(round(w::numeric, 3)) AS weights
FROM unnest(campaign.allocation(ARRAY[ROW(10, 90), ROW(30, 70), ROW(12, 88)]::campaign.beta[], 'top_two', 0)) w;
-- beta_quantile: Beta(2,1) has CDF x^2.
SELECT round(campaign.beta_quantile(ROW(2, 1), 0.25)::numeric, 9) AS half;

-- thompson: 1-based; a seed argument or campaign.set_seed makes it reproducible.
SELECT campaign.thompson(ARRAY[ROW(1, 1000), ROW(1000, 1)]::campaign.beta[]) AS clear_winner;
SELECT count(DISTINCT campaign.thompson(ARRAY[ROW(5, 5), ROW(5, 5), ROW(5, 5)]::campaign.beta[], 42)) AS one_choice
FROM generate_series(1, 20);
SELECT campaign.set_seed(7);
CREATE TEMP TABLE draws1 AS SELECT g, campaign.thompson(ARRAY[ROW(5, 5), ROW(5, 5), ROW(5, 5)]::campaign.beta[]) AS t FROM generate_series(1, 50) g;
SELECT campaign.set_seed(7);
CREATE TEMP TABLE draws2 AS SELECT g, campaign.thompson(ARRAY[ROW(5, 5), ROW(5, 5), ROW(5, 5)]::campaign.beta[]) AS t FROM generate_series(1, 50) g;
SELECT bool_and(d1.t = d2.t) AS reproducible, count(DISTINCT d1.t) AS arms_seen, min(d1.t) AS lo, max(d1.t) AS hi
FROM draws1 d1 JOIN draws2 d2 USING (g);
SELECT provolatile, proparallel FROM pg_proc WHERE oid = 'campaign.thompson'::regproc;

-- The dashboard: one row per arm from the events table.
SELECT arm, alpha, beta, round(mean::numeric, 4) AS mean,
       ci_lower < mean AND mean < ci_upper AS ci_brackets_mean,
       round(prob_best::numeric, 4) AS prob_best, round(expected_loss::numeric, 5) AS expected_loss
FROM (SELECT array_agg(arm ORDER BY arm) AS arms, array_agg(post ORDER BY arm) AS posts
      FROM (SELECT arm, campaign.beta_posterior(clicked) AS post FROM bandit_events GROUP BY arm) s) a,
     campaign.arm_summary(a.arms, a.posts);

-- Revenue arms (default-donation test): NULL and 0 are visitors who did not give.
CREATE TABLE bandit_gifts AS
SELECT i, (ARRAY[10, 25, 50])[1 + i % 3] AS default_amount,
       CASE WHEN abs(hashint4(i)) % 100 < (ARRAY[8, 6, 4])[1 + i % 3]
            THEN (ARRAY[10, 25, 50])[1 + i % 3] * (1 + abs(hashint4(i + 7)) % 3)
            WHEN i % 2 = 0 THEN 0 END::float8 AS amount
FROM generate_series(1, 9000) i;
SELECT default_amount, r = ROW(1 + count(*) FILTER (WHERE amount > 0), 1 + count(*) FILTER (WHERE amount IS NULL OR amount = 0),
                               1 + count(*) FILTER (WHERE amount > 0), sum(amount))::campaign.revenue AS exact,
       round((campaign.revenue_per_visitor(r)).mean::numeric, 4) AS rpv,
       round((sum(amount) / count(*))::numeric, 4) AS observed_rpv,
       (campaign.revenue_per_visitor(r)).ci_lower < (campaign.revenue_per_visitor(r)).mean
       AND (campaign.revenue_per_visitor(r)).mean < (campaign.revenue_per_visitor(r)).ci_upper AS ci_brackets_mean
FROM (SELECT default_amount, campaign.revenue_posterior(amount) AS r FROM bandit_gifts GROUP BY default_amount) s
     JOIN bandit_gifts USING (default_amount)
GROUP BY default_amount, r ORDER BY default_amount;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT campaign.revenue_posterior(amount) FROM bandit_gifts;
CREATE TEMP TABLE parallel_revenue AS SELECT campaign.revenue_posterior(amount) AS r FROM bandit_gifts;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
SELECT p.r = (SELECT campaign.revenue_posterior(amount) FROM bandit_gifts) AS same_revenue FROM parallel_revenue p;
RESET max_parallel_workers_per_gather;
-- revenue_prob_best / revenue_expected_loss: one value per arm, in order; P sums to 1;
-- the arm with the highest P(best) has the smallest expected loss.
SELECT array_agg(default_amount ORDER BY default_amount) AS defaults,
       (SELECT array_agg(round(p::numeric, 4)) FROM unnest(campaign.revenue_prob_best(array_agg(r ORDER BY default_amount))) p) AS p_best,
       (SELECT round(sum(p)::numeric, 9) FROM unnest(campaign.revenue_prob_best(array_agg(r ORDER BY default_amount))) p) AS total,
       (SELECT array_agg(round(l::numeric, 4)) FROM unnest(campaign.revenue_expected_loss(array_agg(r ORDER BY default_amount))) l) AS loss
FROM (SELECT default_amount, campaign.revenue_posterior(amount) AS r FROM bandit_gifts GROUP BY default_amount) s;
-- Gift shapes near 1 have heavy tails: E[max] comes from the size-biased densities (it was
-- {0, 0} at shape 1.01 and 4,626 at 1.1, below the 4,995 that the means imply).  mpmath
-- references (src/core/test/revenue_loss_references.py): {46.44131, 49996.44131} and
-- {2.444422, 4997.444422}.
SELECT s AS shape, (SELECT array_agg(round(l::numeric, 5)) FROM unnest(campaign.revenue_expected_loss(ARRAY[ROW(1, 1, s, 1e3), ROW(1, 1, s, 1)]::campaign.revenue[])) l) AS loss
FROM (VALUES (1.01), (1.1)) v(s);
-- revenue_allocation: P(best) with a 5% floor, or top-two; sums to 1.
SELECT (SELECT array_agg(round(w::numeric, 4)) FROM unnest(campaign.revenue_allocation(array_agg(r ORDER BY default_amount), 'thompson', 0.05)) w) AS thompson,
       (SELECT array_agg(round(w::numeric, 4)) FROM unnest(campaign.revenue_allocation(array_agg(r ORDER BY default_amount), 'top_two', 0)) w) AS top_two,
       (SELECT round(sum(w)::numeric, 12) FROM unnest(campaign.revenue_allocation(array_agg(r ORDER BY default_amount))) w) AS total
FROM (SELECT default_amount, campaign.revenue_posterior(amount) AS r FROM bandit_gifts GROUP BY default_amount) s;
-- Identical arms share P(best); one arm is surely best and loses nothing.
SELECT (SELECT array_agg(round(p::numeric, 9)) FROM unnest(campaign.revenue_prob_best(ARRAY[ROW(3, 50, 3, 100), ROW(3, 50, 3, 100)]::campaign.revenue[])) p) AS halves,
       campaign.revenue_prob_best(ARRAY[ROW(3, 50, 3, 100)]::campaign.revenue[]) AS single,
       round((campaign.revenue_expected_loss(ARRAY[ROW(3, 50, 3, 100)]::campaign.revenue[]))[1]::numeric, 6) AS single_loss;
-- Conversion known exactly: P(RPV1 > RPV2) is the incomplete beta I_z(20, 25), z = 100 / 212 (0.64647006).
SELECT round((campaign.revenue_prob_best(ARRAY[ROW(1e9, 9e9, 20, 1000), ROW(8e8, 9.2e9, 25, 1400)]::campaign.revenue[]))[1]::numeric, 6) AS closed_form;
-- prob_best for shapes near 0 (mass within 1e-16 of 0 or 1): mpmath 0.0747087448, 0.9199137050, 0.0053775502.
SELECT array_agg(round(p::numeric, 8)) FROM unnest(campaign.prob_best(ARRAY[ROW(0.01, 5), ROW(0.05, 0.05), ROW(0.001, 1000)]::campaign.beta[])) p;

-- Bad input: each is a clear error with its SQLSTATE.
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best('{}'::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW(1, 1), NULL]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW(1, NULL)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW(1, 1), ROW(0, 1)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW(-1, 1)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW('NaN', 1)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW(1, 'Infinity')]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[[ROW(1, 1)]]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.expected_loss('{}'::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.expected_loss(ARRAY[ROW(1, 0)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.value_remaining(ARRAY[ROW(1, 1)]::campaign.beta[], 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.value_remaining(ARRAY[NULL]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.thompson('{}'::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.thompson(ARRAY[ROW(1, -2)]::campaign.beta[], 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.allocation(ARRAY[ROW(1, 1)]::campaign.beta[], 'greedy')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.allocation(ARRAY[ROW(1, 1), ROW(2, 2)]::campaign.beta[], 'thompson', 0.6)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.allocation(ARRAY[ROW(1, 1)]::campaign.beta[], 'thompson', -0.1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.allocation('{}'::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_quantile(ROW(1, 1), 1.5)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_quantile(ROW(0, 1), 0.5)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(r) FROM (VALUES (1.5::float8)) v(r)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(r) FROM (VALUES (-0.1::float8)) v(r)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(r) FROM (VALUES ('NaN'::float8)) v(r)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(1, ROW(0, 1)::campaign.beta)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(1, ROW(NULL, 1)::campaign.beta)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(1, p) FROM (VALUES (ROW(1, 1)::campaign.beta), (ROW(2, 2)::campaign.beta)) v(p)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(1, now(), interval '0')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(1, 'infinity', interval '1 day')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior(1, t, h) FROM (VALUES (now(), interval '1 day'), (now(), interval '2 days')) v(t, h)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.arm_summary(ARRAY['a'], ARRAY[ROW(1, 1), ROW(2, 2)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_posterior(a) FROM (VALUES (-5::float8)) v(a)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_posterior(a) FROM (VALUES ('Infinity'::float8)) v(a)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_per_visitor(campaign.revenue_posterior(a)) FROM (VALUES (0::float8), (NULL)) v(a)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_per_visitor(ROW(1, 1, 2, NULL))$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_per_visitor(ROW(1, 'NaN', 2, 1))$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.prob_best(ARRAY[ROW(1, 1), ROW(1e13, 1e13)]::campaign.beta[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best('{}'::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[ROW(1, 1, 2, 1), NULL]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[ROW(1, 1, NULL, 1)]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[[ROW(1, 1, 2, 1)]]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[ROW(0, 1, 2, 1)]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[ROW(1, 1, 1, 0)]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[ROW(1, 1, 2, 'NaN')]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_prob_best(ARRAY[ROW(1, 1, 1e13, 1)]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_expected_loss('{}'::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_allocation(ARRAY[ROW(1, 1, 2, 1)]::campaign.revenue[], 'greedy')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_allocation(ARRAY[ROW(1, 1, 2, 1), ROW(1, 1, 2, 1)]::campaign.revenue[], 'thompson', 0.6)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_allocation(ARRAY[ROW(1, 1, 2, 1), NULL]::campaign.revenue[])$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_expected_loss(ARRAY[ROW(1, 1, 2, 1), ROW(1, -1, 2, 1)]::campaign.revenue[])$$);
-- Forged aggregate states are refused, not trusted.
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior_finalfn('{1,2}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior_finalfn('{1,2,NULL,1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior_finalfn('{1,2,NaN,1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior_finalfn('{-5,2,1,1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_posterior_combinefn('{1,2,1,1}', '{{1,2},{1,1}}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_discounted_combinefn('{1,1,0,0,1}', '{1,1,0,0,1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.beta_discounted_finalfn('{-1,1,0,1,1}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_posterior_finalfn('{1,-1,0}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_posterior_transfn(NULL, 1)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.revenue_posterior_combinefn('{1,1,1}', '{1,1}')$$);
-- Calling a transition function directly does not modify its argument.
SELECT s, campaign.beta_posterior_transfn(s, 1::float8) AS next FROM (VALUES ('{0,0,1,1}'::float8[])) v(s);
