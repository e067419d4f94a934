"""The largest datasets: months x hash buckets, written once beyond memory, processed by Dask.

    python examples/dask_months_buckets.py [work directory]

For data much larger than memory the usual layout combines time and hash partitions, as an
Iceberg table partitioned by `month(ts), bucket(8, user_id)` does. A table about ten times
DuckDB's memory_limit is written once in that layout by write_plan's passes, each within the
limit (one COPY of every partition at once would run out of memory). Dask then runs one task per
partition: each task, in its own worker process, opens its own DuckDB, reads only its
partition's directory and returns per-user metrics for that month. The gathered result equals
one query over all events (asserted). On a real cluster the same code runs with
`Client("scheduler:8786")` and the dataset on shared storage.
"""
import os
import sys
import tempfile

import duckdb
from dask.distributed import Client, LocalCluster

SPEC = "month(ts), bucket(8, user_id)"
MEMORY_LIMIT_MB = 16

# 1.2 million events over three months and more, with a 96-character payload: about 165 MiB in memory.
EVENTS = """
    CREATE TABLE events AS
    SELECT i AS event_id,
           CASE WHEN i % 997 = 0 THEN NULL ELSE CAST((i * 40503) % 20000 AS BIGINT) END AS user_id,
           TIMESTAMP '2024-03-01' + to_seconds(i * 7) AS ts,
           CAST((i * 69069) % 30000 AS BIGINT) AS duration_ms,
           md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) || md5(CAST(i + 2 AS VARCHAR)) AS payload
    FROM range(1200000) t(i)"""

# Per-user metrics of one month's events in `source`.
METRICS = """
    SELECT strftime(ts, '%Y-%m') AS month, user_id, count(*) AS events, sum(duration_ms) AS time_spent_ms
    FROM ({source})
    GROUP BY ALL"""


def process_partition(dataset, metrics, directory, predicate):
    """One task: its own DuckDB, its partition's files only. Runs in a Dask worker process."""
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")  # installed on every worker (make install, or the wheel): the predicate's bucket
    files = os.path.join(dataset, directory, "*.parquet")
    # The files leave the partition columns to the path; the predicate (from the manifest) holds
    # for every row of the directory, and applying it keeps the task correct if it ever held more.
    source = f"SELECT * FROM read_parquet('{files}') WHERE {predicate}"
    return con.execute(metrics.format(source=source)).fetchall()


def main(work):
    dataset = os.path.join(work, "events")
    con = duckdb.connect(os.path.join(work, "events.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")
    con.execute(EVENTS)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT_MB}MB'")
    con.execute("SET threads = 2")
    size = con.execute(f"SELECT sum(estimated_bytes) FROM partext.partition_by('events', '{SPEC}')").fetchone()[0]
    assert size >= 10 * MEMORY_LIMIT_MB * 2**20, f"{size / 2**20:.0f} MiB is less than 10x memory_limit"

    # Written once, in passes that each fit memory_limit; every partition's directory is known.
    plan = con.execute(f"SELECT partition_ids, directories, sql FROM partext.write_plan('events', '{dataset}', spec := '{SPEC}')").fetchall()
    for _, _, sql in plan:
        con.execute(sql)
    directory = {pid: d for ids, dirs, _ in plan for pid, d in zip(ids, dirs)}
    manifest = con.execute(f"SELECT partition_id, path, predicate, row_count FROM partext.partition_by('events', '{SPEC}')").fetchall()
    con.execute("RESET memory_limit")
    expected = sorted(con.execute(METRICS.format(source="SELECT * FROM events")).fetchall(), key=repr)

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        futures = [client.submit(process_partition, dataset, METRICS, directory[pid], predicate, pure=False)
                   for pid, _, predicate, _ in manifest]
        parts = client.gather(futures)
    gathered = sorted((row for part in parts for row in part), key=repr)
    for (pid, path, _, rows), part in list(zip(manifest, parts))[:3]:
        print(f"  {path}: {rows:,} events, {len(part):,} users")
    assert gathered == expected, "the gathered result differs from the single query"
    print(f"OK: {size / 2**20:.0f} MiB of events written at memory_limit = {MEMORY_LIMIT_MB}MB in {len(plan)} passes into "
          f"{len(manifest)} partitions; "
          f"Dask gathered {len(gathered):,} month-user rows, equal to the single query.")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
