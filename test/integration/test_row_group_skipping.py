"""chunk_plan predicates let DuckDB skip row groups: EXPLAIN ANALYZE of each chunk's query.

Hosts whose profiler reports "Row Groups Scanned: k / n" (DuckDB 2.0) must scan no more row
groups per chunk than the chunk spans (+1 where a Parquet row group straddles a boundary). Hosts
that do not report it (DuckDB 1.5) must at least show the position filter pushed into the scan.
"""
import os
import re
import tempfile

import duckdb

from common import Checks, connect, quote_literal, run

ROW_GROUP = 122_880


def scanned(plan_text):
    m = re.search(r"Row Groups Scanned: (\d+) / (\d+)", plan_text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def check_chunks(con, checks, tbl, call, rows_per_group):
    chunks = con.execute(f"SELECT query, row_count, lower_rowid, upper_rowid FROM {call}").fetchall()
    checks.true(len(chunks) > 2, f"{call} makes several chunks")
    reported = 0
    for query, rows, lower, upper in chunks:
        plan = "\n".join(r[1] for r in con.execute(f"EXPLAIN ANALYZE {query}").fetchall())
        got = scanned(plan)
        if got is None:
            checks.true("rowid" in plan or "file_row_number" in plan, f"the position filter is pushed into the scan: {query}")
            continue
        reported += 1
        spans = (upper - 1) // rows_per_group - lower // rows_per_group + 1
        checks.true(got[0] <= spans + 1 and got[0] < got[1], f"{query}: scanned {got[0]} of {got[1]} row groups for a chunk spanning {spans}")
    return reported


def main():
    checks = Checks("row group skipping")
    con = connect()
    con.execute("CREATE TABLE big AS SELECT i AS id, i * 3 AS v FROM range(3000000) t(i)")
    reported = check_chunks(con, checks, "big", "partext.chunk_plan('big', 4)", ROW_GROUP)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.parquet")
        con.execute(f"COPY big TO {quote_literal(path)} (FORMAT parquet, ROW_GROUP_SIZE 100000)")
        group = con.execute(f"SELECT max(row_group_num_rows) FROM parquet_metadata({quote_literal(path)})").fetchone()[0]
        reported += check_chunks(con, checks, path, f"partext.chunk_plan({quote_literal(path)}, 2)", group)
    note = "reported by the profiler" if reported else "not reported by this host's profiler; filters checked instead"
    print(f"  DuckDB {duckdb.__version__}: row groups scanned {note} ({reported} chunk queries)")
    checks.done(minimum=10)


if __name__ == "__main__":
    run(main)
