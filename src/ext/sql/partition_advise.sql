-- partext.partition_advise(tbl [, col])
-- One pass of statistics over every column (distinct counts, minima, maxima, each as a STRUCT
-- named by the source's columns); partext_advise ranks the plans.
CREATE MACRO partext.main.partition_advise(tbl, col := NULL) AS TABLE
WITH src AS NOT MATERIALIZED (
    FROM query('SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'partition_advise'))
),
manifest AS (
    SELECT partext_advise(
        (SELECT ndv FROM (SELECT approx_count_distinct(COLUMNS(*)) FROM src) ndv),
        (SELECT mins FROM (SELECT min(COLUMNS(*)) FROM src) mins),
        (SELECT maxs FROM (SELECT max(COLUMNS(*)) FROM src) maxs),
        (SELECT count(*) FROM src),
        [CAST(tbl AS VARCHAR)], [CAST(col AS VARCHAR)], {row_bytes:partition_advise},
        CAST(current_setting('memory_limit') AS VARCHAR), CAST(current_setting('threads') AS BIGINT)) AS manifest_rows
)
SELECT r.rank, r.strategy, r.column_name, r.arguments, r.sql, r.expected_partitions, r.expected_partition_bytes, r.reason
FROM (SELECT unnest(manifest_rows) AS r FROM manifest)
ORDER BY r.rank;
