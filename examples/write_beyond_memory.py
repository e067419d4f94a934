"""Writing every partition of a table larger than memory from Python, resumably.

    python examples/write_beyond_memory.py [output directory]

A table of 1.5 million events (about 200 MiB in memory) is written by hash bucket of user_id
with memory_limit = 24MB, where the one-pass COPY runs out of memory. The wheel's write() runs
partext.write_plan's passes with a progress bar (tqdm when it is installed), records each
finished pass in <output>.partext-done, so that a second run (after a crash, or here: at once)
writes only what is left, and splits a pass that runs out of memory. The rows written per
bucket are checked against the manifest.
"""
import os
import sys
import tempfile

import duckdb
import duckdb_extension_partext as partext


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.mkdtemp(), "events_by_user")
    con = duckdb.connect(os.path.join(tempfile.mkdtemp(), "events.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")  # after make install, or partext.load(con) to install the wheel's
    con.execute("""CREATE TABLE events AS
        SELECT i AS id, make_timestamp(1700000000000000 + i * 20000000) AS ts, (i * 7919) % 100003 AS user_id,
               md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS payload
        FROM range(1500000) t(i)""")
    con.execute("SET memory_limit = '24MB'")
    con.execute("SET threads = 2")
    first = partext.write(con, "events", out, "hash", "user_id", 32)
    again = partext.write(con, "events", out, "hash", "user_id", 32)
    manifest = dict(con.execute("SELECT bucket, row_count FROM partext.partition_hash('events', 'user_id', 32)").fetchall())
    files = os.path.join(out, "**", "*.parquet")
    written = dict(con.execute(f"SELECT user_id_bucket, count(*) FROM read_parquet('{files}', hive_partitioning = true) GROUP BY ALL").fetchall())
    assert written == manifest, (written, manifest)
    assert again == [], again
    print(f"wrote {sum(written.values()):,} rows in {len(first)} passes into {len(written)} bucket directories; a second run wrote nothing")


if __name__ == "__main__":
    main()
