// partext from Node.js: the monthly manifest of the e-commerce example's transactions.
//
//   npm install @duckdb/node-api && node monthly_manifest.mjs      (after make install)
//
// Prints the manifest as JSON lines (one object per partition). @duckdb/node-api runs its own
// DuckDB; partext is unsigned, so the instance allows unsigned extensions.
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:', { allow_unsigned_extensions: 'true' });
const connection = await instance.connect();
await connection.run('LOAD partext');
// The same year of transactions as examples/ecommerce_monthly.sql.
await connection.run(`
  CREATE TABLE transactions AS
  SELECT
      i AS transaction_id,
      TIMESTAMP '2024-01-01 00:00:00' + to_seconds((i * 2654435761) % 31622400) AS ts,
      CAST((i * 40503) % 20000 AS INTEGER) AS customer_id,
      CAST(((i * 69069 + 12345) % 50000) / 100 AS DECIMAL(12, 2)) AS amount
  FROM range(500000) t(i)`);

const reader = await connection.runAndReadAll(`
  SELECT partition_id, label, row_count, estimated_bytes, predicate, query
  FROM partext.partition_temporal('transactions', 'ts', 'month')
  ORDER BY partition_id`);
for (const row of reader.getRowObjectsJson()) {
  console.log(JSON.stringify(row));
}
