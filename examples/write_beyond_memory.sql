-- Writing every day of a table larger than memory from the DuckDB shell.
--   duckdb -unsigned -bail < examples/write_beyond_memory.sql      (after make install)
-- partext.write_plan's statements are written to a script with .once and run with .read; the
-- last query checks the rows written per day against the manifest.
LOAD partext;
CREATE OR REPLACE TABLE events AS
SELECT i AS id, make_timestamp(1700000000000000 + i * 20000000) AS ts, (i * 7919) % 100003 AS user_id,
       md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS payload
FROM range(1500000) t(i);
SET memory_limit = '24MB';
SET threads = 2;

.mode list
.headers off
.once write_plan_passes.sql
SELECT sql FROM partext.write_plan('events', 'events_by_day', 'temporal', 'ts', 'day');
.read write_plan_passes.sql

.mode box
.headers on
SELECT count(*) AS days, sum(n) AS rows_written,
       CASE WHEN count(*) FILTER (WHERE n IS DISTINCT FROM row_count) = 0 THEN 'every day as in the manifest'
            ELSE error('rows written differ from the manifest') END AS check
FROM (SELECT CAST(ts_day AS VARCHAR) AS label, count(*) AS n
      FROM read_parquet('events_by_day/**/*.parquet', hive_partitioning = true) GROUP BY ALL)
FULL JOIN (SELECT label, row_count FROM partext.partition_temporal('events', 'ts', 'day', include_empty := false)) USING (label);
