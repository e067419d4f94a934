-- partext.write_plan(tbl, path, strategy, col, arg [, format] [, memory_mb] [, method] [, bounds] [, partitions]
--                    [, compression] [, compression_level] [, row_group_size])
-- partext.write_plan(tbl, path, spec := 'month(ts), bucket(16, user_id)' [, format] [, memory_mb] ...)
-- strategy, col and arg take NULL defaults so that a spec can stand in their place (DuckDB
-- binds positional arguments to them in order); partext_write_manifest_sql and
-- partext_write_plan check that a call gives one or the other.
-- What a scan of the source holds (partext_scan_sql's query: Parquet metadata or a sample of the
-- first rows), the strategy's manifest (run in the caller's query through query(...); local
-- files are checked first, so a source that cannot be read fails before anything is written),
-- then partext_write_plan packs its partitions into passes that fit the memory budget beside the
-- scans and writes each pass's COPY statement; labels are looked up by partition id. method and
-- bounds pass through to partition_range: the bounds as text and their list type, rebuilt as given.
-- partitions (a list of partition ids) plans those partitions alone: a writer that resumes or
-- splits a pass replans what is left. spread: how many periods the source's first rows hold
-- (time keys; read through text, so that the query binds whatever the key's type), which says
-- whether a pass can skip the row groups outside its periods.
CREATE MACRO partext.main.write_plan(tbl, path, strategy := NULL, col := NULL, arg := NULL, format := 'parquet',
                                     memory_mb := NULL, method := NULL, bounds := NULL, partitions := NULL,
                                     compression := NULL, row_group_size := NULL, compression_level := NULL,
                                     spec := NULL) AS TABLE
WITH facts AS (
    FROM query(partext_scan_sql([CAST(tbl AS VARCHAR)], 'write_plan', 'all', version()))
),
m AS (
    FROM query(partext_write_manifest_sql([CAST(tbl AS VARCHAR)], [CAST(strategy AS VARCHAR)], [CAST(col AS VARCHAR)],
                                          [CAST(arg AS VARCHAR)], [CAST(method AS VARCHAR)],
                                          coalesce(TRY_CAST(bounds AS VARCHAR[]), CAST([] AS VARCHAR[])),
                                          [CASE WHEN bounds IS NOT NULL THEN typeof(bounds) END], [CAST(spec AS VARCHAR)]))
),
spread AS (
    SELECT count(DISTINCT partition_key_temporal(TRY_CAST(CAST(k AS VARCHAR) AS TIMESTAMP), CAST(arg AS VARCHAR))) AS periods
    -- (A spec reads no row here either: its query has one column, k.)
    FROM (SELECT COLUMNS(lambda c: partext_column(c, [CASE WHEN spec IS NULL THEN CAST(col AS VARCHAR) ELSE 'k' END], 'write_plan')) AS k
          FROM query(CASE WHEN spec IS NULL THEN 'SELECT * FROM ' || partext_source([CAST(tbl AS VARCHAR)], 'write_plan')
                          ELSE 'SELECT NULL AS k' END)
          -- Other strategies read no row here (partext_write_plan uses the spread of time keys only).
          WHERE lower(CAST(strategy AS VARCHAR)) = 'temporal' AND lower(CAST(arg AS VARCHAR)) <> 'auto'
          LIMIT {sample_limit})
),
agg AS (
    SELECT list(partition_id ORDER BY partition_id) AS ids, list(label ORDER BY partition_id) AS labels,
           list(row_count ORDER BY partition_id) AS counts, list(estimated_bytes ORDER BY partition_id) AS sizes,
           list(lower_text ORDER BY partition_id) AS lowers, list(upper_text ORDER BY partition_id) AS uppers,
           list(key_type ORDER BY partition_id) AS key_types,
           list(CASE WHEN partitions IS NULL THEN 1 WHEN list_contains(CAST(partitions AS BIGINT[]), partition_id) THEN 2 ELSE 0 END
                ORDER BY partition_id) AS wanted
    FROM m
),
plan AS (
    SELECT labels, partext_write_plan(ids, labels, counts, sizes, lowers, uppers, key_types,
               [CAST(tbl AS VARCHAR)], [CAST(path AS VARCHAR)], [CAST(strategy AS VARCHAR)], [CAST(col AS VARCHAR)],
               [CAST(arg AS VARCHAR)], [CAST(format AS VARCHAR)], [CAST(memory_mb AS DOUBLE)],
               current_setting('memory_limit'), CAST(current_setting('threads') AS BIGINT),
               [f.kind], [CAST(f.row_group_rows AS BIGINT)], [CAST(f.row_group_compressed AS BIGINT)],
               [CAST(f.row_group_pages AS BIGINT)], [CAST(f.row_bytes AS DOUBLE)], [CAST(f.columns AS BIGINT)], wanted,
               [CAST(compression AS VARCHAR)], [CAST(row_group_size AS BIGINT)],
               [s.periods], [CAST(compression_level AS BIGINT)], [CAST(spec AS VARCHAR)]) AS passes
    FROM agg, facts AS f, spread AS s
)
SELECT r.pass_id, CAST(r.partition_ids AS BIGINT[]) AS partition_ids,
       list_transform(CAST(r.partition_ids AS BIGINT[]), lambda i: labels[i + 1]) AS labels,
       CASE WHEN r.directories = '' THEN CAST([] AS VARCHAR[]) ELSE string_split(r.directories, chr(10)) END AS directories,
       r.estimated_rows, r.estimated_bytes, r.buffer_bytes, r.row_group_size, r.threads, r.memory_note, r.settings, r.restore, r.sql
FROM (SELECT labels, unnest(passes) AS r FROM plan)
ORDER BY r.pass_id;
