"""Reading a table chunk by chunk: partext's chunk_plan predicates against one full scan and
against LIMIT/OFFSET paging (ordered by a key, as the seed's chunkers page; and unordered).

    .venv/duckdb-2.0.1/bin/python bench/chunk_scan.py [rows] [target_mb]

Each method processes every row once with the same aggregate (per-user-bucket sums, a GROUP BY
as a processing pass would run); the script prints the median of 3 runs per method, interleaved,
and the ratio to one full scan. (The full benchmark harness comes later.)
"""
import os
import statistics
import sys
import time

import duckdb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXTENSION = os.environ.get("PARTEXT_EXTENSION", os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
    target_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 64
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{EXTENSION}'")
    con.execute(f"CREATE TABLE events AS SELECT i AS id, (i * 2654435761) % 1000003 AS user_id, "
                f"CAST(i % 10000 AS DOUBLE) / 100 AS amount FROM range({rows}) t(i)")
    chunks = con.execute(f"SELECT query, row_count FROM partext.chunk_plan('events', {target_mb})").fetchall()
    sizes = [n for _, n in chunks]
    print(f"DuckDB {duckdb.__version__}: {rows:,} rows, {len(chunks)} chunks of {target_mb} MiB "
          f"({min(sizes):,}..{max(sizes):,} rows)")

    agg = "SELECT user_id % 1000 AS b, sum(amount), count(*) FROM ({}) GROUP BY b"

    def full():
        con.execute(agg.format("SELECT * FROM events")).fetchall()

    def by_chunks():
        for q, _ in chunks:
            con.execute(agg.format(q)).fetchall()

    page = max(sizes)

    def limit_offset_ordered():
        for k in range(len(chunks)):
            con.execute(agg.format(f"SELECT * FROM events ORDER BY id LIMIT {page} OFFSET {k * page}")).fetchall()

    def limit_offset_unordered():
        for k in range(len(chunks)):
            con.execute(agg.format(f"SELECT * FROM events LIMIT {page} OFFSET {k * page}")).fetchall()

    methods = {"full scan": full, "chunk_plan": by_chunks, "LIMIT/OFFSET ordered": limit_offset_ordered,
               "LIMIT/OFFSET unordered": limit_offset_unordered}
    times = {m: [] for m in methods}
    for _ in range(3):
        for name, f in methods.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["full scan"])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:<24} median {med:8.3f} s   {med / base:6.2f}x full scan")


if __name__ == "__main__":
    main()
