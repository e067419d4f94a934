-- partext.partition_advise(tbl [, col])
-- One aggregate pass over every column (approximate distinct count, minimum, maximum), the row
-- count and the average row size, as one STRUCT; partext_advise ranks the plans.
CREATE MACRO partext.main.partition_advise(tbl, col := NULL) AS TABLE
WITH stats AS (
    SELECT partext_stats FROM (
        SELECT approx_count_distinct(COLUMNS('(?s)(.*)')) AS "ndv_\1", min(COLUMNS('(?s)(.*)')) AS "min_\1",
               max(COLUMNS('(?s)(.*)')) AS "max_\1", count(*) AS partext_rows,
               avg(partext_row_bytes(partext_row)) AS partext_bytes
        FROM query('SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'partition_advise')) AS partext_row
    ) partext_stats
),
manifest AS (
    SELECT partext_advise(partext_stats, [CAST(tbl AS VARCHAR)], [CAST(col AS VARCHAR)],
                          CAST(current_setting('memory_limit') AS VARCHAR), CAST(current_setting('threads') AS BIGINT)) AS manifest_rows
    FROM stats
)
SELECT r.rank, r.strategy, r.column_name, r.arguments, r.sql, r.expected_partitions, r.expected_partition_bytes, r.reason
FROM (SELECT unnest(manifest_rows) AS r FROM manifest)
ORDER BY r.rank;
