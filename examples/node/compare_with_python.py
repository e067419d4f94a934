"""Runs the Node.js example and asserts its manifest equals the one Python's DuckDB computes
from the same transactions.

    python examples/node/compare_with_python.py [path/to/partext.duckdb_extension]

The extension is installed by path into a temporary HOME (as make install does), from Node.js
itself, so that the example's `LOAD partext` finds it for node-api's DuckDB version.
"""
import json
import os
import subprocess
import sys
import tempfile

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
EXTENSION = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))
INSTALL = """import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(':memory:', { allow_unsigned_extensions: 'true' });
const connection = await instance.connect();
await connection.run(process.argv[2]);
const v = await connection.runAndReadAll('SELECT version() AS v');
console.log(v.getRowObjectsJson()[0].v);
"""
COLUMNS = ["partition_id", "label", "row_count", "estimated_bytes", "predicate", "query"]


def main():
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home)
        install = os.path.join(HERE, "install_for_test.mjs")
        with open(install, "w") as f:
            f.write(INSTALL)
        try:
            node_version = subprocess.run(["node", install, "INSTALL '" + EXTENSION.replace("'", "''") + "'"], env=env,
                                          capture_output=True, text=True, check=True).stdout.strip()
        finally:
            os.unlink(install)
        node = subprocess.run(["node", os.path.join(HERE, "monthly_manifest.mjs")], env=env, capture_output=True, text=True)
        assert node.returncode == 0, node.stderr
    from_node = [json.loads(line) for line in node.stdout.splitlines()]

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{EXTENSION}'")
    with open(os.path.join(HERE, "monthly_manifest.mjs")) as f:
        con.execute(f.read().split("await connection.run(`")[1].split("`);")[0])  # the example's own CREATE TABLE
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM partext.partition_temporal('transactions', 'ts', 'month') ORDER BY partition_id").fetchall()
    # node-api prints BIGINTs as JSON strings; compare every field as text.
    from_python = [{c: str(v) for c, v in zip(COLUMNS, row)} for row in rows]
    from_node = [{c: str(row[c]) for c in COLUMNS} for row in from_node]
    assert len(from_python) == 12, from_python
    assert from_node == from_python, f"Node: {from_node}\nPython: {from_python}"
    print(f"OK: the monthly manifest from Node.js (DuckDB {node_version}, node-api) equals Python's "
          f"(DuckDB {duckdb.__version__}): {len(from_node)} partitions, {sum(int(r['row_count']) for r in from_node):,} rows.")


if __name__ == "__main__":
    main()
