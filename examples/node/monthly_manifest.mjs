// partext from Node.js: the monthly manifest of the e-commerce example's transactions.
//
//   node examples/node/monthly_manifest.mjs [path/to/partext.duckdb_extension]
//
// Prints the manifest as JSON lines (one object per partition). @duckdb/node-api runs its own
// DuckDB; partext is unsigned, so the instance allows unsigned extensions.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const here = dirname(fileURLToPath(import.meta.url));
const extension = resolve(process.argv[2] ?? process.env.PARTEXT_EXTENSION ?? join(here, '..', '..', 'build', 'release', 'partext.duckdb_extension'));

const instance = await DuckDBInstance.create(':memory:', { allow_unsigned_extensions: 'true' });
const connection = await instance.connect();
await connection.run(`LOAD '${extension.replaceAll("'", "''")}'`);
// The same transactions as the shell example: its statement between the markers.
const script = readFileSync(join(here, '..', 'ecommerce_monthly.sql'), 'utf8');
await connection.run(script.split('-- transactions: begin')[1].split('-- transactions: end')[0]);

const reader = await connection.runAndReadAll(`
  SELECT partition_id, label, row_count, estimated_bytes, predicate, query
  FROM partext.partition_temporal('transactions', 'ts', 'month')
  ORDER BY partition_id`);
for (const row of reader.getRowObjectsJson()) {
  console.log(JSON.stringify(row));
}
const version = await connection.runAndReadAll('SELECT version() AS v, partext_version() AS p');
console.error(`DuckDB ${version.getRowObjectsJson()[0].v} (node-api), partext ${version.getRowObjectsJson()[0].p}`);
