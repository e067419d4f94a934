-- partext.partition_temporal(tbl, col, granularity [, include_empty] [, overlap] [, target_mb])
-- One scan counts the rows of each fine unit of the key column (the native aggregate
-- partext_temporal_counts); the calendar math, labels and predicates are
-- partext_temporal_manifest's. Arguments a user may pass as
-- NULL go to native functions boxed as [value], so that the functions can name them.
CREATE MACRO partext.main.partition_temporal(tbl, col, granularity, include_empty := true, overlap := NULL, target_mb := NULL) AS TABLE
WITH keyed AS NOT MATERIALIZED (
    SELECT COLUMNS(lambda c: partext_column(c, [CAST(col AS VARCHAR)], 'partition_temporal')) AS k
    FROM query('SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'partition_temporal'))
),
counts AS (
    SELECT partext_temporal_counts(k, [CAST(granularity AS VARCHAR)], [CAST(col AS VARCHAR)]) AS c FROM keyed
),
manifest AS (
    SELECT partext_temporal_manifest(
        c.keys, c.rows, c.null_rows,
        {row_bytes:partition_temporal},
        typeof((SELECT k FROM keyed LIMIT 0)), [CAST(col AS VARCHAR)], [CAST(granularity AS VARCHAR)],
        [CAST(include_empty AS BOOLEAN)], [CAST(overlap AS INTERVAL)], [CAST(target_mb AS DOUBLE)],
        partext_source([CAST(tbl AS VARCHAR)], 'partition_temporal'),
        CAST(current_setting('memory_limit') AS VARCHAR), CAST(current_setting('threads') AS BIGINT)) AS manifest_rows
    FROM counts
)
SELECT COLUMNS(lambda c: c <> 'overlap_predicate' OR overlap IS NOT NULL) FROM (
    SELECT r.partition_id, r.label, r.predicate, r.query, r.row_count, r.estimated_bytes,
           cast_to_type(r.lower, (SELECT k FROM keyed LIMIT 0)) AS lower,
           cast_to_type(r.upper, (SELECT k FROM keyed LIMIT 0)) AS upper,
           r.overlap_predicate
    FROM (SELECT unnest(manifest_rows) AS r FROM manifest)
    ORDER BY r.partition_id
);
