"""A large CSV processed in memory-sized chunks, from Python.

    python examples/csv_chunks.py [work directory]

A generated CSV of 2.5 million orders is loaded into a table; chunk_plan cuts the table into
chunks of about 16 MiB; each chunk is cleaned (trimmed and upper-cased codes, negative amounts
dropped to NULL) and appended to a target table with `processed_at` and `chunk_id`, with a
progress bar over the manifest rows. The target holds every source row exactly once (asserted).
"""
import os
import sys
import tempfile

import duckdb
from tqdm import tqdm

ROWS = 2_500_000


def main(work):
    csv = os.path.join(work, "orders.csv")
    con = duckdb.connect(os.path.join(work, "orders.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")  # after make install (or the wheel's load(con))
    # The CSV stands in for an export from another system: deterministic, a few messy values.
    con.execute(f"""
        COPY (SELECT i AS order_id,
                     '  ' || ['nl', 'de', 'FR', 'us '][1 + i % 4] AS country,
                     CAST(((i * 69069) % 100000) - 2000 AS DECIMAL(12, 2)) / 100 AS amount,
                     TIMESTAMP '2024-01-01' + to_seconds(i * 7) AS ordered_at
              FROM range({ROWS}) t(i))
        TO '{csv}' (HEADER)""")
    print(f"orders.csv: {os.path.getsize(csv) / 2**20:.0f} MiB, {ROWS:,} rows")

    con.execute(f"CREATE OR REPLACE TABLE orders AS FROM read_csv('{csv}')")
    con.execute("""CREATE OR REPLACE TABLE orders_clean (
        order_id BIGINT, country VARCHAR, amount DECIMAL(12, 2), ordered_at TIMESTAMP,
        processed_at TIMESTAMP WITH TIME ZONE, chunk_id INTEGER)""")

    chunks = con.execute("SELECT partition_id, row_count, estimated_bytes, query FROM partext.chunk_plan('orders', 16)").fetchall()
    print(f"chunk_plan('orders', 16): {len(chunks)} chunks of about {chunks[0][2] / 2**20:.1f} MiB")
    for chunk_id, rows, _, query in tqdm(chunks, desc="cleaning", unit="chunk"):
        con.execute(f"""
            INSERT INTO orders_clean
            SELECT order_id, upper(trim(country)), CASE WHEN amount >= 0 THEN amount END, ordered_at,
                   now(), {chunk_id}
            FROM ({query})""")

    total, distinct, chunk_ids = con.execute("SELECT count(*), count(DISTINCT order_id), count(DISTINCT chunk_id) FROM orders_clean").fetchone()
    missing = con.execute("SELECT count(*) FROM (SELECT order_id FROM orders EXCEPT SELECT order_id FROM orders_clean)").fetchone()[0]
    per_chunk = dict(con.execute("SELECT chunk_id, count(*) FROM orders_clean GROUP BY 1").fetchall())
    assert total == ROWS and distinct == ROWS and missing == 0, f"{total} rows, {distinct} orders, {missing} missing"
    assert chunk_ids == len(chunks) and all(per_chunk[c] == rows for c, rows, _, _ in chunks), "rows per chunk match the manifest"
    countries = [r[0] for r in con.execute("SELECT DISTINCT country FROM orders_clean ORDER BY 1").fetchall()]
    assert countries == ["DE", "FR", "NL", "US"], countries
    print(f"OK: orders_clean holds each of the {ROWS:,} orders exactly once, from {len(chunks)} chunks.")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
