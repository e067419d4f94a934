"""Beyond one machine: the user-behaviour analysis fanned out over a Dask cluster.

    python examples/dask_buckets.py [work directory]

The events are written once as a Hive-partitioned Parquet dataset, one directory per hash
bucket (`COPY ... PARTITION_BY` on partition_key_hash). partition_hash gives the manifest; Dask
runs one task per manifest row, and each task, in its own worker process, opens its own DuckDB
with partext, reads only its bucket's directory and returns its users' metrics. The gathered
result equals one query over all events (asserted). Here the cluster is a LocalCluster of three
worker processes; on a real cluster the same code runs with `Client("scheduler:8786")` and the
dataset on shared storage (for example `s3://bucket/events`, read by DuckDB's httpfs).
"""
import os
import sys
import tempfile

import duckdb
from dask.distributed import Client, LocalCluster

BUCKETS = 8

# Two million page events of 50,000 users; deterministic.
EVENTS = """
    CREATE OR REPLACE TABLE events AS
    SELECT i AS event_id,
           CAST((i * 40503) % 50000 AS BIGINT) AS user_id,
           CAST((i * 40503) % 50000 AS BIGINT) * 100 + (i // 400000) AS session_id,
           TIMESTAMP '2024-03-01' + to_seconds(i // 10) AS ts,
           ['page_view', 'click', 'scroll', 'page_view'][1 + i % 4] AS event_type,
           CAST((i * 69069) % 30000 AS BIGINT) AS duration_ms
    FROM range(2000000) t(i)"""

# Per-user metrics of the events in `source`.
METRICS = """
    SELECT user_id,
           count(DISTINCT session_id) AS sessions,
           count(*) FILTER (WHERE event_type = 'page_view') AS page_views,
           sum(duration_ms) AS time_spent_ms,
           min(ts) AS first_seen,
           max(ts) AS last_seen
    FROM ({source})
    GROUP BY user_id"""




def process_bucket(dataset, metrics, label, predicate):
    """One task: its own DuckDB, its bucket's files only. Runs in a Dask worker process."""
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")  # installed on every worker (make install, or the wheel)
    # DuckDB writes the NULL bucket (rows whose user_id is NULL) to user_bucket=__HIVE_DEFAULT_PARTITION__.
    directory = "__HIVE_DEFAULT_PARTITION__" if label is None else label
    files = os.path.join(dataset, f"user_bucket={directory}", "*.parquet")
    # The predicate (from the manifest) holds for every row of the bucket's directory; applying
    # it too keeps the task correct if the directory ever held anything else.
    source = f"SELECT * FROM read_parquet('{files}') WHERE {predicate}"
    return con.execute(metrics.format(source=source)).fetchall()


def main(work):
    dataset = os.path.join(work, "events")
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")
    con.execute(EVENTS)
    con.execute("INSERT INTO events (event_id, user_id, session_id, ts, event_type, duration_ms) VALUES (-1, NULL, NULL, TIMESTAMP '2024-03-01', 'click', 10)")
    # Written once: one directory per bucket, keyed like the manifest.
    con.execute(f"""COPY (SELECT *, partition_key_hash(user_id, {BUCKETS}) AS user_bucket FROM events)
                    TO '{dataset}' (FORMAT parquet, PARTITION_BY (user_bucket))""")
    manifest = con.execute(f"SELECT label, predicate, row_count FROM partext.partition_hash('events', 'user_id', {BUCKETS})").fetchall()
    expected = sorted(con.execute(METRICS.format(source="SELECT * FROM events")).fetchall(), key=repr)

    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        futures = [client.submit(process_bucket, dataset, METRICS, label, predicate, pure=False) for label, predicate, _ in manifest]
        parts = client.gather(futures)
        workers = len(client.scheduler_info()["workers"])
    gathered = sorted((row for part in parts for row in part), key=repr)
    for (label, _, rows), part in zip(manifest, parts):
        print(f"  bucket {label}: {rows:,} events, {len(part):,} users")
    assert len(gathered) == 50_001, f"{len(gathered)} users (50,000 and NULL)"
    assert gathered == expected, "the gathered result differs from the single query"
    print(f"OK: {len(manifest)} buckets on {workers} Dask worker processes gathered {len(gathered):,} users, equal to the single query.")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
