-- E-commerce monthly metrics, in the DuckDB shell with plain SQL.
--
--   duckdb -unsigned -bail < examples/ecommerce_monthly.sql      (after make install)
--
-- partext plans the months; DuckDB does the work. The summary is computed twice: by running
-- every manifest row's query (the way to process partitions one at a time, e.g. when each
-- month is too big for memory), and in one GROUP BY pass on partition_key_temporal (the better
-- way when the whole result fits). The script fails if they differ.

LOAD partext;

-- A year of transactions: deterministic, so every run gives the same numbers. (The Node.js
-- example builds the same table.)
CREATE OR REPLACE TABLE transactions AS
SELECT
    i AS transaction_id,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds((i * 2654435761) % 31622400) AS ts,
    CAST((i * 40503) % 20000 AS INTEGER) AS customer_id,
    CAST(((i * 69069 + 12345) % 50000) / 100 AS DECIMAL(12, 2)) AS amount
FROM range(500000) t(i);

-- 1. The monthly manifest.
.print 'Monthly manifest:'
SELECT label, row_count, predicate FROM partext.partition_temporal('transactions', 'ts', 'month');

-- 2. One month at a time: turn each manifest row into an INSERT of that month's metrics, write
--    the statements to a script, and run it. Each statement reads one month only.
CREATE OR REPLACE TABLE monthly_transaction_summary (
    month VARCHAR PRIMARY KEY,
    total_revenue DECIMAL(18, 2),
    transactions BIGINT,
    unique_customers BIGINT,
    average_order_value DOUBLE
);
.headers off
.mode list
.once monthly_steps.sql
SELECT format('INSERT INTO monthly_transaction_summary SELECT {}, sum(amount), count(*), count(DISTINCT customer_id), avg(amount) FROM ({});',
              '''' || replace(label, '''', '''''') || '''', query)
FROM partext.partition_temporal('transactions', 'ts', 'month')
WHERE row_count > 0;
.read monthly_steps.sql
.headers on
.mode duckbox

.print 'monthly_transaction_summary, month by month from the manifest:'
SELECT * FROM monthly_transaction_summary ORDER BY month;

-- 3. The better way when it fits: one pass, keyed by the same month labels.
CREATE OR REPLACE TABLE monthly_transaction_summary_one_pass AS
SELECT partition_key_temporal(ts, 'month') AS month,
       sum(amount) AS total_revenue,
       count(*) AS transactions,
       count(DISTINCT customer_id) AS unique_customers,
       avg(amount) AS average_order_value
FROM transactions
GROUP BY 1;

-- Both ways agree (averages compared to 1e-9; everything else exactly), or the script fails.
SELECT CASE WHEN count(*) > 0 THEN error('the two summaries differ in ' || count(*) || ' months') END AS check_failed
FROM (
    SELECT month, total_revenue, transactions, unique_customers, round(average_order_value, 9) FROM monthly_transaction_summary
    EXCEPT
    SELECT month, total_revenue, transactions, unique_customers, round(average_order_value, 9) FROM monthly_transaction_summary_one_pass
);
SELECT CASE WHEN (SELECT count(*) FROM monthly_transaction_summary) <> 12
             OR (SELECT sum(transactions) FROM monthly_transaction_summary) <> (SELECT count(*) FROM transactions)
            THEN error('the summary does not cover every transaction in 12 months') END AS check_failed;
.print 'OK: the month-by-month summary equals the one-pass summary (12 months, every transaction).'
