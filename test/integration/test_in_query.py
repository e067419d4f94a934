"""Manifests run inside the caller's query (docs/contracts.md, Sources and Contracts 7): its transaction, TEMP tables,
DataFrames in scope, registered pandas and Arrow frames, attached databases with USE, read-only
files, and manifests as part of larger queries.

Every manifest here is checked against the contracts that matter for reading it in the same
session: each partition's `query` returns exactly `row_count` rows, and the counts add up to the
source's.
"""
import os
import tempfile

import duckdb
import pandas
import pyarrow

from common import Checks, connect, run, EXTENSION

CALLS = {
    "temporal": "partext.partition_temporal({src}, 'ts', 'day')",
    "hash": "partext.partition_hash({src}, 'id', 5)",
    "range": "partext.partition_range({src}, 'id', 4)",
    "auto": "partext.partition_temporal({src}, 'ts', 'auto', target_mb := 0.001)",
}


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def check_manifest(con, checks, src, what, expected_rows, calls=CALLS):
    """Every strategy over `src`: partitions re-read exactly, totals equal the source's."""
    for name, call in calls.items():
        sql = call.format(src=lit(src))
        rows = con.execute(f"SELECT query, row_count FROM {sql}").fetchall()
        total = 0
        for query, n in rows:
            checks.equal(con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0], n, f"{what}, {name}: {query}")
            total += n
        checks.equal(total, expected_rows, f"{what}, {name}: row counts add up to the source's")


def main():
    checks = Checks("in-query manifests")
    con = connect()
    con.execute("CREATE TABLE events AS SELECT i AS id, TIMESTAMP '2024-01-01' + to_hours(i * 5) AS ts FROM range(500) t(i)")

    # TEMP tables.
    con.execute("CREATE TEMP TABLE tmp_events AS SELECT * FROM events WHERE id % 2 = 0")
    check_manifest(con, checks, "tmp_events", "TEMP table", 250)

    # A pandas DataFrame in scope, found by name (a replacement scan in the caller's query; DuckDB
    # looks in the calling frame's locals and globals, so it is a global here).
    global frame_in_scope
    frame_in_scope = con.execute("SELECT * FROM events WHERE id < 300").df()
    check_manifest(con, checks, "frame_in_scope", "DataFrame in scope", 300)
    del frame_in_scope

    # Registered pandas and Arrow frames.
    con.register("registered_pandas", pandas.DataFrame({"id": range(120), "ts": pandas.date_range("2024-03-01", periods=120, freq="h")}))
    check_manifest(con, checks, "registered_pandas", "registered pandas frame", 120)
    con.register("registered_arrow", pyarrow.Table.from_pandas(con.execute("SELECT * FROM events WHERE id >= 100").df()))
    check_manifest(con, checks, "registered_arrow", "registered Arrow table", 400)
    arrow_only = pyarrow.table({"id": list(range(64)), "ts": pyarrow.array([1_700_000_000_000_000 + i * 3_600_000_000 for i in range(64)], pyarrow.timestamp("us"))})
    con.register("arrow_only", arrow_only)
    check_manifest(con, checks, "arrow_only", "Arrow table built in Python", 64)

    # A table created in an open transaction, and uncommitted rows in an existing table.
    con.execute("BEGIN")
    con.execute("CREATE TABLE fresh AS SELECT * FROM events WHERE id < 50")
    check_manifest(con, checks, "fresh", "table created in the open transaction", 50)
    con.execute("INSERT INTO events SELECT 1000 + i, TIMESTAMP '2031-06-01' + to_hours(i) FROM range(30) t(i)")
    check_manifest(con, checks, "events", "uncommitted rows", 530)
    months = con.execute("SELECT label FROM partext.partition_temporal('events', 'ts', 'month', include_empty := false)").fetchall()
    checks.true(("2031-06",) in months, "a month that exists only in the transaction has its manifest row")
    chunks = con.execute("SELECT query, row_count FROM partext.chunk_plan('events', 0.001)").fetchall()
    checks.equal(sum(n for _, n in chunks), 530, "chunk_plan counts the uncommitted rows")
    for query, n in chunks:
        checks.equal(con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0], n, f"uncommitted rows, chunk: {query}")
    con.execute("ROLLBACK")
    check_manifest(con, checks, "events", "after ROLLBACK", 500)
    checks.equal(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fresh'").fetchall()[0][0], 0, "the rolled-back table is gone")

    # Another connection of the same database sees only committed data, like any query.
    other = con.cursor()
    con.execute("BEGIN")
    con.execute("DELETE FROM events WHERE id < 100")
    checks.equal(con.execute("SELECT sum(row_count) FROM partext.partition_hash('events', 'id', 3)").fetchall()[0][0], 400, "own transaction: deletes seen")
    checks.equal(other.execute("SELECT sum(row_count) FROM partext.partition_hash('events', 'id', 3)").fetchall()[0][0], 500, "other connection: committed snapshot")
    con.execute("ROLLBACK")

    # An attached database with USE; the query column resolves the same way in that session.
    with tempfile.TemporaryDirectory() as tmp:
        other_path = os.path.join(tmp, "other.duckdb")
        con.execute(f"ATTACH {lit(other_path)} AS other")
        con.execute("CREATE TABLE other.main.events AS SELECT i AS id, TIMESTAMP '2030-01-01' + to_hours(i) AS ts FROM range(77) t(i)")
        con.execute("USE other")
        check_manifest(con, checks, "events", "attached database after USE", 77)
        check_manifest(con, checks, "memory.main.events", "qualified name from another database", 500)
        con.execute("USE memory")
        check_manifest(con, checks, "other.main.events", "qualified name into the attached database", 77)
        con.execute("DETACH other")

        # A read-only database file.
        ro_path = os.path.join(tmp, "ro.duckdb")
        w = duckdb.connect(ro_path)
        w.execute("CREATE TABLE events AS SELECT i AS id, TIMESTAMP '2024-01-01' + to_hours(i * 7) AS ts FROM range(333) t(i)")
        w.close()
        ro = duckdb.connect(ro_path, read_only=True, config={"allow_unsigned_extensions": "true"})
        ro.execute(f"LOAD '{EXTENSION}'")
        check_manifest(ro, checks, "events", "read-only database", 333)
        chunks = ro.execute("SELECT sum(row_count) FROM partext.chunk_plan('events', 0.001)").fetchall()[0][0]
        checks.equal(chunks, 333, "chunk_plan on a read-only database")
        ro.close()

        # A manifest inside a larger query: CTE, JOIN, COPY.
        cte = con.execute("""
            WITH m AS (FROM partext.partition_hash('events', 'id', 4))
            SELECT count(*), sum(row_count) FROM m WHERE row_count > 0""").fetchall()[0]
        checks.equal(cte, (4, 500), "manifest in a CTE")
        joined = con.execute("""
            SELECT count(*) FROM events e
            JOIN partext.partition_hash('events', 'id', 4) m ON partition_key_hash(e.id, 4) = m.bucket""").fetchall()[0][0]
        checks.equal(joined, 500, "JOIN of the source with its manifest")
        out = os.path.join(tmp, "manifest.parquet")
        con.execute(f"COPY (FROM partext.partition_hash('events', 'id', 8)) TO {lit(out)} (FORMAT parquet)")
        checks.equal(con.execute(f"SELECT count(*), sum(row_count) FROM {lit(out)}").fetchall()[0], (8, 500), "COPY of a manifest to Parquet")

    # Short names with the search path.
    con.execute("SET search_path = 'main,partext'")
    checks.equal(con.execute("SELECT sum(row_count) FROM partition_range('events', 'id', 3)").fetchall()[0][0], 500, "unqualified name with search_path")
    con.execute("RESET search_path")

    # A database already attached as partext makes LOAD fail with the fix.
    clash = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    clash.execute("ATTACH ':memory:' AS partext")
    try:
        clash.execute(f"LOAD '{EXTENSION}'")
        checks.true(False, "LOAD must fail when a database is attached as partext")
    except duckdb.Error as e:
        checks.true("already attached as 'partext'" in str(e) and "DETACH" in str(e), f"clash message names the fix: {e}")
    checks.done(minimum=150)


if __name__ == "__main__":
    run(main)
