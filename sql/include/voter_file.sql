-- voter_file.sql: a deterministic synthetic voter file `voters` of :rows rows in :blocks
-- census blocks, with a turnout outcome voted_2024 drawn from a known logistic model.
-- Included with \i (after \set rows N and \set blocks N) by the Citus suite and its benchmark.
CREATE TABLE voters AS
SELECT i AS voter_id,
       18 + abs(hashint4(i)) % 72 AS age,
       abs(hashint4(i + 2000003)) % 4 AS contacts,
       abs(hashint4(i + 3000003)) % 100 < 55 AS voted_2020,
       abs(hashint4(i + 4000003)) % 100 < 40 AS voted_2022,
       (ARRAY['dem', 'rep', 'ind'])[1 + abs(hashint4(i + 7000003)) % 3] AS party,
       '36061' || lpad((abs(hashint4(i + 8000003)) % :blocks)::text, 10, '0') AS block_geoid
FROM generate_series(1, :rows) i;
ALTER TABLE voters ADD COLUMN voted_2024 boolean;
UPDATE voters SET voted_2024 = abs(hashint4(voter_id + 5000003)) / 2147483648.0
    < 1 / (1 + exp(-(-2.2 + 0.03 * age + 1.1 * voted_2020::int + 0.9 * voted_2022::int
                     + 0.25 * contacts)));
