-- partext.partition_range(tbl, col, partitions [, method] [, bounds])
-- Pass 1: a seeded sample of the key column (partext_range_sample_sql) whose equi-depth bounds
-- partext_range_bounds picks, kept in the column's type; pass 2 counts each range with the key
-- function partition_key_range; partext_range_manifest writes the rows.
CREATE MACRO partext.main.partition_range(tbl, col, partitions, method := NULL, bounds := NULL) AS TABLE
WITH keyed AS NOT MATERIALIZED (
    SELECT COLUMNS(lambda c: partext_column(c, [CAST(col AS VARCHAR)], 'partition_range')) AS k
    FROM query('SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'partition_range'))
),
-- The custom bounds in the key's type, once: each use of the bounds argument is a copy of a
-- constant list that DuckDB plans again (100,000 bounds: 0.1 s each).
given AS MATERIALIZED (SELECT cast_to_type(bounds, [(SELECT k FROM keyed LIMIT 0)]) AS gb),
checked AS NOT MATERIALIZED (
    SELECT CASE WHEN partext_key_check(typeof(k), [CAST(col AS VARCHAR)], 'partition_range') THEN k END AS k FROM keyed
),
sample AS (
    SELECT coalesce(list(k) FILTER (k IS NOT NULL), [(SELECT k FROM keyed LIMIT 0)][1:0]) AS s
    FROM query(partext_range_sample_sql([CAST(tbl AS VARCHAR)], [CAST(col AS VARCHAR)], [CAST(partitions AS BIGINT)],
                                        [CAST(method AS VARCHAR)], bounds IS NOT NULL))
),
bnds AS (
    -- list_transform rather than list_select: DuckDB 1.5's list_select fails on two constant
    -- empty lists (bounds := []) with an internal error.
    SELECT CASE WHEN bounds IS NULL THEN list_transform(partext_range_bounds(s, [CAST(partitions AS BIGINT)], false), lambda p: s[p])
                ELSE (SELECT list_transform(partext_range_bounds(gb, [CAST(partitions AS BIGINT)], true), lambda p: gb[p]) FROM given)
           END AS b
    FROM sample
),
counts AS (
    SELECT partition_key_range(k, (SELECT b FROM bnds)) AS i, count(*) AS n FROM checked GROUP BY ALL
),
manifest AS (
    SELECT partext_range_manifest(
        (SELECT b FROM bnds), list(i) FILTER (i IS NOT NULL), list(n) FILTER (i IS NOT NULL),
        CAST(coalesce(sum(n) FILTER (i IS NULL), 0) AS BIGINT), {row_bytes:partition_range},
        typeof((SELECT k FROM keyed LIMIT 0)), [CAST(col AS VARCHAR)], (SELECT gb IS NOT NULL FROM given),
        partext_source([CAST(tbl AS VARCHAR)], 'partition_range')) AS manifest_rows
    FROM counts
),
-- lower and upper in the column's type, joined by position (not indexed per row, which would
-- copy the whole bounds list into every row).
bound_values AS (
    SELECT unnest(b) AS v, generate_subscripts(b, 1) AS i FROM bnds
),
ranges AS (
    SELECT unnest(manifest_rows) AS r FROM manifest
)
SELECT r.partition_id, r.label, r.predicate, r.query, r.row_count, r.estimated_bytes, lo.v AS lower, hi.v AS upper
FROM ranges LEFT JOIN bound_values lo ON lo.i = r.lower_index LEFT JOIN bound_values hi ON hi.i = r.upper_index
ORDER BY r.partition_id;
