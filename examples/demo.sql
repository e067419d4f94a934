-- partext demo: a few million synthetic events, a monthly manifest, and every month written as
-- Parquet in one pass. Run with `make run` (the shell has partext loaded already).
-- The data is deterministic: each column is integer arithmetic on the row number.
.timer on
CREATE OR REPLACE TABLE events AS
SELECT
    i AS event_id,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds((i * 2654435761) % 31622400) AS ts,
    CAST((i * 40503) % 50000 AS INTEGER) AS user_id,
    CAST(((i * 69069 + 12345) % 100000) AS DECIMAL(12, 2)) / 100 AS amount
FROM range(3000000) t(i);

.print 'Monthly manifest of 3,000,000 events:'
SELECT partition_id, label, row_count, estimated_bytes, predicate
FROM partext.partition_temporal('events', 'ts', 'month');

.print 'Writing every month to ./out/events/period=YYYY-MM/ in one pass:'
COPY (SELECT *, partition_key_temporal(ts, 'month') AS period FROM events)
TO 'out/events' (FORMAT parquet, PARTITION_BY (period), OVERWRITE_OR_IGNORE);

.print 'Rows per written partition (equal to the manifest):'
SELECT period, count(*) AS rows
FROM read_parquet('out/events/*/*.parquet', hive_partitioning := true)
GROUP BY period ORDER BY period;
