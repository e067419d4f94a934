"""User behaviour by hash bucket, processed in parallel from Python.

    python examples/user_behaviour_parallel.py [database]

partition_hash splits the events by user into 8 buckets; a pool of 3 worker threads, each with
its own cursor on the same database, computes per-user metrics (sessions, page views, time spent,
first and last seen) bucket by bucket into per-bucket tables, which are combined at the end.
Every user is in exactly one bucket, so the combined table equals one query over all events
(asserted). DuckDB's memory limit is set low and its own memory figures are sampled while the
buckets run (asserted to stay under the limit).
"""
import os
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb

BUCKETS = 8
WORKERS = 3
MEMORY_LIMIT = "96MB"

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


def main(path):
    con = duckdb.connect(path, config={"allow_unsigned_extensions": "true"})
    con.execute("LOAD partext")  # after make install (or the wheel's load(con))
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(EVENTS)

    manifest = con.execute(f"SELECT partition_id, label, row_count, query FROM partext.partition_hash('events', 'user_id', {BUCKETS})").fetchall()
    print(f"{len(manifest)} buckets: " + ", ".join(f"{label} ({rows:,} events)" for _, label, rows, _ in manifest))

    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    peak = {"bytes": 0}
    done = threading.Event()

    def watch_memory():
        # DuckDB's own accounting: bytes its buffer manager holds, by tag.
        watcher = con.cursor()
        while not done.is_set():
            used = watcher.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0] or 0
            peak["bytes"] = max(peak["bytes"], used)
            done.wait(0.01)

    def process(row):
        partition_id, label, _, query = row
        cursor = con.cursor()  # one cursor per task: its own connection to the same database
        cursor.execute(f"CREATE OR REPLACE TABLE user_behaviour_bucket_{partition_id} AS {METRICS.format(source=query)}")
        return partition_id, cursor.execute(f"SELECT count(*) FROM user_behaviour_bucket_{partition_id}").fetchone()[0]

    watcher = threading.Thread(target=watch_memory)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for partition_id, users in pool.map(process, manifest):
                print(f"  bucket {partition_id}: {users:,} users")
    finally:
        done.set()
        watcher.join()

    parts = " UNION ALL ".join(f"SELECT * FROM user_behaviour_bucket_{p}" for p, *_ in manifest)
    con.execute(f"CREATE OR REPLACE TABLE user_behaviour AS {parts}")
    con.execute(f"CREATE OR REPLACE TABLE user_behaviour_single_query AS {METRICS.format(source='SELECT * FROM events')}")

    users = con.execute("SELECT count(*) FROM user_behaviour").fetchone()[0]
    distinct = con.execute("SELECT count(DISTINCT user_id) FROM user_behaviour").fetchone()[0]
    differ = con.execute("""SELECT count(*) FROM (
        (SELECT * FROM user_behaviour EXCEPT ALL SELECT * FROM user_behaviour_single_query)
        UNION ALL
        (SELECT * FROM user_behaviour_single_query EXCEPT ALL SELECT * FROM user_behaviour))""").fetchone()[0]
    limit_bytes = parse_size(limit)
    assert users == distinct == 50_000, f"every user once: {users} rows, {distinct} users"
    assert differ == 0, f"{differ} rows differ from the single query"
    assert 0 < peak["bytes"] <= limit_bytes, f"DuckDB held {peak['bytes']:,} bytes, limit {limit}"
    print(f"OK: {users:,} users from {len(manifest)} buckets on {WORKERS} threads equal the single query; "
          f"DuckDB's memory stayed within its limit ({limit}) while they ran.")


def parse_size(text):
    """DuckDB's memory_limit text (e.g. '91.5 MiB') in bytes."""
    number, unit = text.split()
    return float(number) * {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "KB": 1e3, "MB": 1e6, "GB": 1e9}[unit]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(os.path.join(tmp, "behaviour.duckdb"))
