-- segment: campaign.tier and campaign.score100, boundaries and every bad input.
\set SHOW_CONTEXT never
\i sql/include/sqlstate_of.sql

-- Default cuts {0.3, 0.7}: a cut belongs to the upper tier.
SELECT p, campaign.tier(p) AS tier, campaign.score100(p) AS score100
FROM unnest(ARRAY[0, 0.004, 0.005, 0.2999, 0.3, 0.5, 0.6999, 0.7, 0.995, 1]::float8[]) p;
-- Custom cuts with the default labels, and custom labels.
SELECT campaign.tier(0.5, '{0.6,0.8}') AS low, campaign.tier(0.65, '{0.6,0.8}') AS medium;
SELECT p, campaign.tier(p, '{0.25,0.5,0.75}', '{unlikely,lean no,lean yes,likely}') AS tier
FROM unnest(ARRAY[0.1, 0.25, 0.6, 0.9]::float8[]) p;
SELECT campaign.tier(0.4, '{0.5}', '{persuade,ignore}') AS one_cut;
-- Cuts and labels that change from row to row (each call site caches the last ones it parsed).
SELECT p, c, campaign.tier(p, c) AS tier
FROM (VALUES (0.5, '{0.6,0.8}'::float8[]), (0.5, '{0.3,0.7}'), (0.5, '{0.1,0.2}'), (0.5, '{0.6,0.8}')) v(p, c);
SELECT l, campaign.tier(0.5, c, l) AS tier
FROM (VALUES ('{0.3,0.7}'::float8[], '{a,b,c}'::text[]), ('{0.3,0.7}', '{x,y,z}'),
             ('{0.6}', '{x,y}'), ('{0.3,0.7}', '{a,b,c}')) v(c, l);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, c, '{a,b,c}')
    FROM (VALUES ('{0.3,0.7}'::float8[]), ('{0.7,0.3}')) v(c)$$);
-- NULL in, NULL out; parallel safe and immutable.
SELECT campaign.tier(NULL) IS NULL AS tier_null, campaign.score100(NULL) IS NULL AS score_null;
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p WHERE p.pronamespace = 'campaign'::regnamespace
  AND p.proname IN ('tier', 'score100') ORDER BY p.proname, p.pronargs;

-- Bad input.
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(1.2)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(-0.01)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier('NaN')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.score100('NaN')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.score100(1.0001)$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.score100('-Infinity')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.7,0.3}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,0.3}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,1.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{-0.1,0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{NaN,0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,NULL}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{{0.3},{0.7}}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.5}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.2,0.4,0.6}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,0.7}', '{a,b}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,0.7}', '{a,b,c,d}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,0.7}', '{a,NULL,c}')$$);
SELECT pg_temp.sqlstate_of($$SELECT campaign.tier(0.5, '{0.3,0.7}', '{{a,b,c}}')$$);
