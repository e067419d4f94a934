-- partext.chunk_plan(tbl, target_mb [, rows] [, overlap_rows])
-- Live rows per block of positions: from a table's row count alone when no row was deleted
-- (the positions scan is then cut to nothing by its LIMIT), else from one scan of its rowid;
-- a Parquet file's row groups come from its metadata. partext_chunk_manifest cuts the blocks
-- into chunks.
CREATE MACRO partext.main.chunk_plan(tbl, target_mb, rows := NULL, overlap_rows := NULL) AS TABLE
WITH guard AS (
    SELECT COLUMNS(lambda c: partext_chunk_column(c, [CAST(tbl AS VARCHAR)]))
    FROM query('SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'chunk_plan')) LIMIT 0
),
extent AS (
    SELECT CASE WHEN live_rows = last_rowid + 1 THEN live_rows END AS contiguous_rows
    FROM query(partext_chunk_sql([CAST(tbl AS VARCHAR)], 'extent'))
),
positions AS NOT MATERIALIZED (
    FROM query(partext_chunk_sql([CAST(tbl AS VARCHAR)], 'positions'))
    LIMIT (SELECT CASE WHEN contiguous_rows IS NOT NULL THEN 0 END FROM extent)
),
sizing AS (
    SELECT {row_bytes:chunk_plan} AS row_bytes
),
unit AS (
    SELECT partext_chunk_unit([CAST(target_mb AS DOUBLE)], [CAST(rows AS BIGINT)], row_bytes,
                              CAST(current_setting('memory_limit') AS VARCHAR), CAST(current_setting('threads') AS BIGINT)) AS len
    FROM sizing
),
blocks AS (
    SELECT file, CASE WHEN file IS NULL THEN pos // (SELECT len FROM unit) * (SELECT len FROM unit) ELSE pos END AS start,
           CAST(sum(n) AS BIGINT) AS n
    FROM positions GROUP BY ALL
),
manifest AS (
    SELECT partext_chunk_manifest(
        coalesce(list(file), []), coalesce(list(start), []), coalesce(list(n), []), (SELECT len FROM unit),
        (SELECT row_bytes FROM sizing), [CAST(target_mb AS DOUBLE)], [CAST(rows AS BIGINT)], [CAST(overlap_rows AS BIGINT)],
        partext_source([CAST(tbl AS VARCHAR)], 'chunk_plan'),
        CAST(current_setting('memory_limit') AS VARCHAR), CAST(current_setting('threads') AS BIGINT),
        [(SELECT contiguous_rows FROM extent)]) AS manifest_rows
    FROM blocks
)
SELECT COLUMNS(lambda c: c <> 'overlap_predicate' OR overlap_rows IS NOT NULL) FROM (
    SELECT r.partition_id, r.label, r.predicate, r.query, r.row_count, r.estimated_bytes,
           r.lower_rowid, r.upper_rowid, r.overlap_predicate
    FROM (SELECT unnest(manifest_rows) AS r FROM manifest), (SELECT count(*) FROM guard)
    ORDER BY r.partition_id
);
