-- aggregates: every campaign aggregate over a distributed table, partially aggregated on the
-- shards (a worker_partial_agg in the worker query, so only states travel) and equal to the
-- same query on the local copy; the walk aggregates with the rule that makes them run on the
-- shards: doors distributed by turf, grouped by turf.

-- whether a statement's aggregates run partially on the shards
CREATE FUNCTION partial_on_shards(statement text) RETURNS boolean
LANGUAGE sql AS $$
    SELECT bool_and(strpos(q, 'worker_partial_agg(''campaign.') > 0) FROM worker_queries(statement) q
$$;

-- per block: expected supporters and their uncertainty
SELECT partial_on_shards('SELECT block_geoid, campaign.rollup(p) FROM voters GROUP BY block_geoid')
       AS rollup_partial;
SELECT count(*) AS blocks,
       count(*) FILTER (WHERE (d.r).n = (l.r).n AND abs((d.r).expected - (l.r).expected) < 1e-9
                          AND abs((d.r).sd - (l.r).sd) < 1e-9
                          AND (d.r).lo = (l.r).lo AND (d.r).hi = (l.r).hi) AS equal
FROM (SELECT block_geoid, campaign.rollup(p) r FROM voters GROUP BY block_geoid) d
JOIN (SELECT block_geoid, campaign.rollup(p) r FROM local_voters GROUP BY block_geoid) l USING (block_geoid);

-- turnout surprise per block and over the whole file: states merged from the shards give
-- one node's tails (the whole file combines every shard's probabilities)
SELECT partial_on_shards('SELECT block_geoid, campaign.turnout_surprise(p, voted_2024) FROM voters GROUP BY block_geoid')
       AS surprise_partial,
       partial_on_shards('SELECT campaign.turnout_surprise(p, voted_2024) FROM voters') AS surprise_total_partial;
SELECT count(*) AS blocks,
       count(*) FILTER (WHERE (d.s).n = (l.s).n AND (d.s).observed = (l.s).observed
                          AND (d.s).exact = (l.s).exact
                          AND abs((d.s).expected - (l.s).expected) < 1e-9
                          AND abs((d.s).p_below - (l.s).p_below) <= 1e-9 * (l.s).p_below
                          AND abs((d.s).p_above - (l.s).p_above) <= 1e-9 * (l.s).p_above) AS equal
FROM (SELECT block_geoid, campaign.turnout_surprise(p, voted_2024) s FROM voters GROUP BY block_geoid) d
JOIN (SELECT block_geoid, campaign.turnout_surprise(p, voted_2024) s FROM local_voters GROUP BY block_geoid) l USING (block_geoid);
SELECT (d.s).n = (l.s).n AS same_n, (d.s).observed = (l.s).observed AS same_observed,
       abs((d.s).p_below - (l.s).p_below) <= 1e-9 * (l.s).p_below AS same_below,
       abs((d.s).p_above - (l.s).p_above) <= 1e-9 * (l.s).p_above AS same_above
FROM (SELECT campaign.turnout_surprise(p, voted_2024) s FROM voters) d,
     (SELECT campaign.turnout_surprise(p, voted_2024) s FROM local_voters) l;

-- evaluation: mean losses and the score-distribution aggregates
SELECT partial_on_shards('SELECT campaign.logloss(p, voted_2024), campaign.brier(p, voted_2024) FROM voters')
       AS losses_partial;
SELECT abs(d.logloss - l.logloss) < 1e-12 AS logloss_equal, abs(d.brier - l.brier) < 1e-12 AS brier_equal
FROM (SELECT campaign.logloss(p, voted_2024), campaign.brier(p, voted_2024) FROM voters) d,
     (SELECT campaign.logloss(p, voted_2024), campaign.brier(p, voted_2024) FROM local_voters) l;
SELECT partial_on_shards('SELECT campaign.auc(p, voted_2024) FROM voters') AS auc_partial,
       partial_on_shards('SELECT campaign.calibration(p, voted_2024, 10) FROM voters') AS calibration_partial,
       partial_on_shards('SELECT campaign.lift(p, voted_2024, 10) FROM voters') AS lift_partial;
SELECT abs(d.auc - l.auc) < 1e-9 AS auc_equal, d.auc > 0.6 AS auc_plausible
FROM (SELECT campaign.auc(p, voted_2024) FROM voters) d, (SELECT campaign.auc(p, voted_2024) FROM local_voters) l;
SELECT count(*) AS blocks, count(*) FILTER (WHERE abs(d.auc - l.auc) < 1e-9) AS auc_equal
FROM (SELECT block_geoid, campaign.auc(p, voted_2024) FROM voters GROUP BY block_geoid) d
JOIN (SELECT block_geoid, campaign.auc(p, voted_2024) FROM local_voters GROUP BY block_geoid) l USING (block_geoid);
SELECT d.c::text = l.c::text AS calibration_equal
FROM (SELECT campaign.calibration(round(p::numeric, 6)::float8, voted_2024, 10) c FROM voters) d,
     (SELECT campaign.calibration(round(p::numeric, 6)::float8, voted_2024, 10) c FROM local_voters) l;
SELECT d.c::text = l.c::text AS lift_equal
FROM (SELECT campaign.lift(round(p::numeric, 6)::float8, voted_2024, 10) c FROM voters) d,
     (SELECT campaign.lift(round(p::numeric, 6)::float8, voted_2024, 10) c FROM local_voters) l;

-- bandits: posteriors of each arm (turf stands in for an arm)
SELECT partial_on_shards('SELECT turf, campaign.beta_posterior(voted_2024) FROM voters GROUP BY turf')
       AS beta_partial,
       partial_on_shards('SELECT turf, campaign.revenue_posterior(contacts * 10.0) FROM voters GROUP BY turf')
       AS revenue_partial;
SELECT count(*) AS arms, count(*) FILTER (WHERE d.b = l.b AND d.r = l.r) AS equal
FROM (SELECT turf, campaign.beta_posterior(voted_2024) b, campaign.revenue_posterior(contacts * 10.0) r
      FROM voters GROUP BY turf) d
JOIN (SELECT turf, campaign.beta_posterior(voted_2024) b, campaign.revenue_posterior(contacts * 10.0) r
      FROM local_voters GROUP BY turf) l USING (turf);
SELECT count(*) AS arms,
       count(*) FILTER (WHERE abs((d.b).alpha / (l.b).alpha - 1) < 1e-12
                          AND abs((d.b).beta / (l.b).beta - 1) < 1e-12) AS equal
FROM (SELECT turf, campaign.beta_posterior(voted_2024::int::float8, '2026-11-03'::timestamptz - voter_id * interval '1 minute', '1 day') b
      FROM voters GROUP BY turf) d
JOIN (SELECT turf, campaign.beta_posterior(voted_2024::int::float8, '2026-11-03'::timestamptz - voter_id * interval '1 minute', '1 day') b
      FROM local_voters GROUP BY turf) l USING (turf);

-- walk lists: a turf's doors must meet in one place to be routed, so distribute the doors by
-- turf; grouped by turf, the whole aggregate (and walk_order's window) runs on the shards.
-- Shards return rows in any order and a loop begins at the first door: order the input.
CREATE TABLE doors AS SELECT voter_id, turf, geom FROM local_voters WHERE voter_id <= 400;
CREATE TABLE local_doors AS SELECT * FROM doors;
SET client_min_messages = warning;  -- Citus's notes about copying the rows
SELECT create_distributed_table('doors', 'turf');
RESET client_min_messages;
SELECT bool_and(strpos(q, 'campaign.walk_route(') > 0) AS walk_route_on_shards
FROM worker_queries('SELECT turf, campaign.walk_route(voter_id, geom ORDER BY voter_id) FROM doors GROUP BY turf') q;
SELECT count(*) AS turfs, count(*) FILTER (WHERE d.route = l.route AND d.path = l.path) AS equal
FROM (SELECT turf, campaign.walk_route(voter_id, geom ORDER BY voter_id) route,
             ST_AsText(campaign.walk_path(geom ORDER BY voter_id)) path
      FROM doors GROUP BY turf) d
JOIN (SELECT turf, campaign.walk_route(voter_id, geom ORDER BY voter_id) route,
             ST_AsText(campaign.walk_path(geom ORDER BY voter_id)) path
      FROM local_doors GROUP BY turf) l USING (turf);
SELECT bool_and(strpos(q, 'campaign.walk_order(') > 0) AS walk_order_on_shards
FROM worker_queries('SELECT voter_id, campaign.walk_order(geom) OVER (PARTITION BY turf ORDER BY voter_id) FROM doors') q;
SELECT count(*) AS doors, count(*) FILTER (WHERE d.stop = l.stop) AS equal
FROM (SELECT voter_id, campaign.walk_order(geom) OVER (PARTITION BY turf ORDER BY voter_id) stop FROM doors) d
JOIN (SELECT voter_id, campaign.walk_order(geom) OVER (PARTITION BY turf ORDER BY voter_id) stop FROM local_doors) l USING (voter_id);
SELECT count(*) AS doors, count(*) FILTER (WHERE d.t = l.t) AS equal
FROM (SELECT voter_id, campaign.turf(geom, 10) OVER (PARTITION BY turf ORDER BY voter_id) t FROM doors) d
JOIN (SELECT voter_id, campaign.turf(geom, 10) OVER (PARTITION BY turf ORDER BY voter_id) t FROM local_doors) l USING (voter_id);
