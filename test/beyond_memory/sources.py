"""The sources write_plan is tested on beyond memory, generated once per size into a cache directory.

Two shapes of rows:
  - events: id, ts (in time order), user_id (NULL in 1 of 101 rows), amount, and a 96-character
    payload that hardly compresses: about 150 bytes a row in memory;
  - order lines: 16 columns like an order-lines fact table (four BIGINT keys, four DECIMAL(15,2),
    two one-character flags, three DATEs, two short strings and a 10-43 character comment),
    about 200 bytes a row; the ship date is not sorted (spread over 2,526 days).

Each shape is written as every source kind a user holds: a DuckDB table (in a database file),
one Parquet file with DuckDB's default row groups (122,880 rows), one Parquet file written by
pyarrow with its default row groups (1,048,576 rows), a glob of 20 Parquet files, a CSV file, and
a pandas DataFrame (made from the table when a test asks for it).

    python test/beyond_memory/sources.py --rows 2000000 --dir /tmp/partext-beyond
"""
import argparse
import os

import duckdb

EVENTS_SQL = """
SELECT i AS id,
       TIMESTAMP '2024-01-01' + to_microseconds(i * {step_us}) AS ts,
       CASE WHEN i % 101 = 0 THEN NULL ELSE CAST(hash(i) % 1000000 AS BIGINT) END AS user_id,
       round(CAST(hash(i * 7 + 1) % 1000000 AS DOUBLE) / 100.0, 2) AS amount,
       md5(CAST(i AS VARCHAR)) || md5(CAST(i * 2 AS VARCHAR)) || md5(CAST(i * 3 AS VARCHAR)) AS payload
FROM range({rows}) t(i)"""

# Order lines: the ship date is a hash of the row, so it is not sorted in any file.
ORDER_LINES_SQL = """
SELECT i // 4 + 1 AS l_orderkey,
       CAST(hash(i * 3 + 1) % 200000 AS BIGINT) + 1 AS l_partkey,
       CAST(hash(i * 5 + 2) % 10000 AS BIGINT) + 1 AS l_suppkey,
       i % 7 + 1 AS l_linenumber,
       CAST((hash(i * 11) % 50) + 1 AS DECIMAL(15,2)) AS l_quantity,
       CAST((hash(i * 13) % 10000000) / 100.0 AS DECIMAL(15,2)) AS l_extendedprice,
       CAST((hash(i * 17) % 11) / 100.0 AS DECIMAL(15,2)) AS l_discount,
       CAST((hash(i * 19) % 9) / 100.0 AS DECIMAL(15,2)) AS l_tax,
       ['A', 'N', 'R'][CAST(hash(i * 23) % 3 AS BIGINT) + 1] AS l_returnflag,
       ['F', 'O'][CAST(hash(i * 29) % 2 AS BIGINT) + 1] AS l_linestatus,
       CASE WHEN i % 997 = 0 THEN NULL ELSE DATE '1992-01-02' + CAST(hash(i * 31) % 2526 AS INTEGER) END AS l_shipdate,
       DATE '1992-01-31' + CAST(hash(i * 37) % 2466 AS INTEGER) AS l_commitdate,
       DATE '1992-01-03' + CAST(hash(i * 41) % 2554 AS INTEGER) AS l_receiptdate,
       ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'][CAST(hash(i * 43) % 4 AS BIGINT) + 1] AS l_shipinstruct,
       ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'][CAST(hash(i * 47) % 7 AS BIGINT) + 1] AS l_shipmode,
       substr(md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)), 1, 10 + CAST(hash(i * 53) % 34 AS INTEGER)) AS l_comment
FROM range({rows}) t(i)"""

SHAPES = {"events": EVENTS_SQL, "order_lines": ORDER_LINES_SQL}
# The key column of each strategy, per shape.
KEYS = {
    "events": {"time": "ts", "hash": "user_id", "range": "amount"},
    "order_lines": {"time": "l_shipdate", "hash": "l_partkey", "range": "l_extendedprice"},
}
SOURCE_KINDS = ["table", "parquet", "parquet_1m", "glob", "csv", "dataframe"]
GLOB_FILES = 20


def quote_literal(s):
    return "'" + s.replace("'", "''") + "'"


def select_sql(shape, rows):
    step_us = 180 * 86_400_000_000 // max(rows, 1)
    return SHAPES[shape].format(rows=rows, step_us=step_us)


def build(shape, rows, directory, row_group=122_880, pyarrow_row_group=1 << 20):
    """Writes every file kind of `shape` with `rows` rows under `directory` (once) and returns
    {kind: path}: the database file holds table `t` (a DataFrame is made from it); DuckDB
    writes its Parquet files with row groups of `row_group` rows, pyarrow with
    `pyarrow_row_group`."""
    base = os.path.join(directory, f"{shape}-{rows}-{row_group}-{pyarrow_row_group}-{duckdb.__version__}")
    paths = {
        "table": base + ".duckdb",
        "parquet": base + ".parquet",
        "parquet_1m": base + "-1m.parquet",
        "glob": os.path.join(base + "-glob", "*.parquet"),
        "csv": base + ".csv",
    }
    done = base + ".done"
    if os.path.exists(done):
        return paths
    os.makedirs(os.path.dirname(paths["glob"]), exist_ok=True)
    if os.path.exists(paths["table"]):
        os.remove(paths["table"])
    con = duckdb.connect(paths["table"])
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE t AS {select_sql(shape, rows)}")
    con.execute("CHECKPOINT")
    con.execute(f"COPY t TO {quote_literal(paths['parquet'])} (FORMAT parquet, ROW_GROUP_SIZE {row_group})")
    con.execute(f"COPY t TO {quote_literal(paths['csv'])} (FORMAT csv, HEADER)")
    per_file = -(-rows // GLOB_FILES)
    for k in range(GLOB_FILES):
        part = os.path.join(os.path.dirname(paths["glob"]), f"part-{k:02d}.parquet")
        con.execute(f"COPY (FROM t WHERE rowid >= {k * per_file} AND rowid < {(k + 1) * per_file}) TO {quote_literal(part)} "
                    f"(FORMAT parquet, ROW_GROUP_SIZE {row_group})")
    write_pyarrow(con, paths["parquet_1m"], pyarrow_row_group)
    con.close()
    open(done, "w").close()
    return paths


def write_pyarrow(con, path, row_group):
    """The table as one Parquet file written by pyarrow (1 MiB pages) with row groups of
    `row_group` rows (pyarrow's default is 1,048,576), streamed batch by batch."""
    import pyarrow.parquet as pq

    reader = con.sql("FROM t").to_arrow_reader(1 << 17)
    writer = None
    pending = []
    pending_rows = 0
    for batch in reader:
        if writer is None:
            writer = pq.ParquetWriter(path, batch.schema)
        pending.append(batch)
        pending_rows += batch.num_rows
        if pending_rows >= row_group:
            import pyarrow as pa

            writer.write_table(pa.Table.from_batches(pending))
            pending, pending_rows = [], 0
    if pending:
        import pyarrow as pa

        writer.write_table(pa.Table.from_batches(pending))
    if writer is not None:
        writer.close()


def source_arg(kind, paths):
    """The tbl argument write_plan is given for a source kind (the DataFrame and the table are
    names the caller's connection resolves)."""
    return {"table": "t", "dataframe": "frame", "parquet": paths["parquet"], "parquet_1m": paths["parquet_1m"],
            "glob": paths["glob"], "csv": paths["csv"]}[kind]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--dir", default="/tmp/partext-beyond")
    ap.add_argument("--shape", choices=list(SHAPES), action="append")
    args = ap.parse_args()
    for shape in args.shape or list(SHAPES):
        print(shape, build(shape, args.rows, args.dir))


if __name__ == "__main__":
    main()
