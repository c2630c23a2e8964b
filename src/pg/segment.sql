-- segment.sql: tiers and 0-100 scores from probabilities (src/pg/segment.c, docs/segment.md)

CREATE FUNCTION campaign.tier(p float8, cuts float8[] DEFAULT '{0.3,0.7}')
RETURNS text
    AS 'MODULE_PATHNAME', 'tier_default_labels' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.tier(float8, float8[]) IS
    'Tier of a probability: low below the first cut, medium, high from the second cut on';

CREATE FUNCTION campaign.tier(p float8, cuts float8[], labels text[])
RETURNS text
    AS 'MODULE_PATHNAME', 'tier_labels' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.tier(float8, float8[], text[]) IS
    'Tier of a probability with custom labels (one more label than cuts; a cut belongs to the upper tier)';

CREATE FUNCTION campaign.score100(p float8)
RETURNS integer
    AS 'MODULE_PATHNAME', 'score100' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION campaign.score100(float8) IS
    'A probability on the 0-100 scale: round(p * 100), halves rounded up';
