"""Runs the Node.js example and asserts its manifest equals the one Python's DuckDB computes
from the same transactions.

    python examples/node/compare_with_python.py
"""
import json
import os
import subprocess

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
EXTENSION = os.environ.get("PARTEXT_EXTENSION", os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))
COLUMNS = ["partition_id", "label", "row_count", "estimated_bytes", "predicate", "query"]


def main():
    node = subprocess.run(["node", os.path.join(HERE, "monthly_manifest.mjs"), EXTENSION], capture_output=True, text=True, check=True)
    from_node = [json.loads(line) for line in node.stdout.splitlines()]

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{EXTENSION}'")
    with open(os.path.join(HERE, "..", "ecommerce_monthly.sql")) as f:
        con.execute(f.read().split("-- transactions: begin")[1].split("-- transactions: end")[0])
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM partext.partition_temporal('transactions', 'ts', 'month') ORDER BY partition_id").fetchall()
    # node-api prints BIGINTs as JSON strings; compare every field as text.
    from_python = [{c: str(v) for c, v in zip(COLUMNS, row)} for row in rows]
    from_node = [{c: str(row[c]) for c in COLUMNS} for row in from_node]
    assert len(from_python) == 12, from_python
    assert from_node == from_python, f"Node: {from_node}\nPython: {from_python}"
    print(f"OK: the monthly manifest from Node.js ({node.stderr.strip()}) equals Python's "
          f"(DuckDB {duckdb.__version__}): {len(from_node)} partitions, {sum(int(r['row_count']) for r in from_node):,} rows.")


if __name__ == "__main__":
    main()
