"""Writing every partition of a table larger than memory, resumably, with a progress bar.

    python examples/write_beyond_memory.py [output directory]

A table of 1.5 million events (about 200 MiB in memory) is written by hash bucket of user_id
with memory_limit = 24MB, where the one-pass COPY runs out of memory. partext.write_plan splits
the work into passes that fit; this loop runs them with a tqdm progress bar and records each
finished pass in <output>.passes, so that a second run (after a crash, or here: at
once) skips what is written and only redoes an unfinished pass, after removing the partition
directories that pass had started. The rows written per bucket are checked against the manifest.
"""
import os
import shutil
import sys
import tempfile

import duckdb
from tqdm import tqdm



def write_all(con, table, out, strategy, col, arg):
    """Runs write_plan's passes not yet done; returns how many ran."""
    passes = con.execute("SELECT pass_id, labels, sql FROM partext.write_plan(?, ?, ?, ?, ?)", [table, out, strategy, col, str(arg)]).fetchall()
    done_file = out.rstrip("/") + ".passes"
    done = set(open(done_file).read().split()) if os.path.exists(done_file) else set()
    ran = 0
    for pass_id, labels, sql in tqdm(passes, desc=f"writing {table} by {strategy}", unit="pass"):
        if str(pass_id) in done:
            continue
        for label in labels:  # a pass interrupted before: start its partitions afresh
            shutil.rmtree(os.path.join(out, f"partition_key={'NULL' if label is None else label}"), ignore_errors=True)
        con.execute(sql)
        with open(done_file, "a") as f:
            f.write(f"{pass_id}\n")
        ran += 1
    return ran


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.mkdtemp(), "events_by_user")
    con = duckdb.connect(os.path.join(tempfile.mkdtemp(), "events.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")  # after make install (or the wheel's load(con))
    con.execute("""CREATE TABLE events AS
        SELECT i AS id, make_timestamp(1700000000000000 + i * 20000000) AS ts, (i * 7919) % 100003 AS user_id,
               md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS payload
        FROM range(1500000) t(i)""")
    con.execute("SET memory_limit = '24MB'")
    con.execute("SET threads = 2")
    first = write_all(con, "events", out, "hash", "user_id", 32)
    again = write_all(con, "events", out, "hash", "user_id", 32)
    manifest = dict(con.execute("SELECT bucket, row_count FROM partext.partition_hash('events', 'user_id', 32)").fetchall())
    files = os.path.join(out, "**", "*.parquet")
    written = dict(con.execute(f"SELECT partition_key, count(*) FROM read_parquet('{files}', hive_partitioning = true) GROUP BY ALL").fetchall())
    assert written == manifest, (written, manifest)
    assert again == 0, again
    print(f"wrote {sum(written.values()):,} rows in {first} passes into {len(written)} bucket directories; a second run skipped all of them")


if __name__ == "__main__":
    main()
