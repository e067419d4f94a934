-- partext.partition_hash(tbl, col, buckets)
-- One scan counts the rows of each bucket with the native aggregate partext_hash_counts, which
-- hashes each row as the key function partition_key_hash does, so the manifest and the key
-- function cannot disagree; partext_hash_manifest lists all buckets.
CREATE MACRO partext.main.partition_hash(tbl, col, buckets) AS TABLE
WITH keyed AS NOT MATERIALIZED (
    SELECT COLUMNS(lambda c: partext_column(c, [CAST(col AS VARCHAR)], 'partition_hash')) AS k
    FROM query('SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'partition_hash'))
),
counts AS (
    SELECT partext_hash_counts(
               CASE WHEN partext_key_check(typeof(k), [CAST(col AS VARCHAR)], 'partition_hash') THEN k END,
               partext_count_arg([CAST(buckets AS BIGINT)], 'partition_hash', 'buckets')) AS c
    FROM keyed
),
manifest AS (
    SELECT partext_hash_manifest(
        c.keys, c.rows, c.null_rows, {row_bytes:partition_hash},
        typeof((SELECT k FROM keyed LIMIT 0)), [CAST(col AS VARCHAR)], [CAST(buckets AS BIGINT)],
        partext_source([CAST(tbl AS VARCHAR)], 'partition_hash')) AS manifest_rows
    FROM counts
)
SELECT r.partition_id, r.label, r.predicate, r.query, r.row_count, r.estimated_bytes, r.bucket
FROM (SELECT unnest(manifest_rows) AS r FROM manifest)
ORDER BY r.partition_id;
