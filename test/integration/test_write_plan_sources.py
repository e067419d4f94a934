"""write_plan beyond memory on every kind of source a user holds, at make test's scale.

The matrix of test/beyond_memory/matrix.py with a proportionally smaller memory_limit (32MB, the
data at least 10x it) and Parquet files DuckDB writes with row groups of 30,720 rows (a quarter of
its default, as 32MB is half of the full run's 64MB): a DuckDB table, one Parquet file, a glob of
20 Parquet files, a CSV file and a pandas DataFrame, for the narrow events rows and the wide
order-lines rows (ship date unsorted), each source with one of day, month, hash 64 and range 16,
2 threads set by the user. Every pass succeeds, every partition read back holds the manifest's
row_count, peak RSS stays within memory_limit + 100 MB. A Parquet file written by pyarrow with
1,048,576-row row groups is written (at 160MB on DuckDB 2.0, 256MB on 1.5; the full run writes 6M
rows at 256MB) and refused at 32MB with partext's clear error,
before anything is written. The full sizes (20M and 6M rows at 64MB, every source x strategy,
3 runs) are `make test-beyond-memory`.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "beyond_memory"))
import matrix  # noqa: E402

from common import EXTENSION, ROOT  # noqa: E402

CASES = [
    "events:table:day", "events:parquet:day", "events:glob:hash64", "events:csv:month", "events:dataframe:range16",
    "order_lines:table:hash64", "order_lines:parquet:month", "order_lines:glob:range16", "order_lines:csv:hash64",
    "order_lines:dataframe:month",
]
# The pyarrow file's 1.6M rows: at 160MB where the host reports page counts (DuckDB 2.0: one
# thread, the limit lowered by what its scan of 60 MiB of compressed chunks holds outside it;
# 226 MB peak RSS, 249-262 MB before it was lowered), at 256MB where it does not (DuckDB 1.5: a
# column chunk counts as one page, 209 MiB a thread).
import duckdb  # noqa: E402

CASES.append(f"order_lines:parquet_1m:range16:{'160MB' if int(duckdb.__version__.split('.')[0]) >= 2 else '256MB'}")
REFUSED = ["events:parquet_1m:day:32MB", "order_lines:parquet_1m:month:32MB"]

if __name__ == "__main__":
    argv = ["--extension", EXTENSION, "--dir", os.path.join(ROOT, "build", "beyond-memory"), "--events-rows", "2200000",
            "--order-rows", "1600000", "--limit", "32MB", "--row-group", "30720", "--runs", "1"]
    argv += [a for c in CASES for a in ("--case", c)] + [a for c in REFUSED for a in ("--refuse", c)]
    sys.exit(matrix.main(argv))
