"""read_airbyte throughput and memory: N generated Airbyte RECORD messages, read with
read_airbyte, against DuckDB's own read_json on the same records extracted to NDJSON. Each
measurement runs in a fresh process; peak RSS is reported above the process's idle level.

    .venv/duckdb-2.0.1/bin/python bench/airbyte_read.py [records]
"""
import json
import statistics
import os
import subprocess
import sys
import tempfile

import duckdb

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RUNS = 5
EXTENSION = os.environ.get("PARTEXT_EXTENSION", os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))

MEASURE = r"""
import resource, sys, time, duckdb
def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM'):
                return int(line.split()[1]) / 1024
con = duckdb.connect(config={'allow_unsigned_extensions': 'true'})
con.execute(f"LOAD '{sys.argv[1]}'")
con.execute('SET enable_progress_bar = false')
con.execute("SELECT 1").fetchall()
idle = rss_mb()
start = time.perf_counter()
n = con.execute(sys.argv[2]).fetchone()[0]
elapsed = time.perf_counter() - start
print(n, elapsed, rss_mb() - idle)
"""


def run(query):
    out = subprocess.run([sys.executable, "-c", MEASURE, EXTENSION, query], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    with tempfile.TemporaryDirectory() as tmp:
        airbyte = os.path.join(tmp, "records.jsonl")
        plain = os.path.join(tmp, "data.jsonl")
        con = duckdb.connect()
        con.execute(f"""COPY (SELECT 'RECORD' AS type, {{'stream': 'events', 'data': {{'id': i, 'name': 'user ' || i,
                 'amount': i / 100, 'active': i % 2 = 0, 'created_at': strftime(TIMESTAMP '2024-01-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ')}},
                 'emitted_at': 1700000000000 + i}} AS record FROM range({n}) t(i)) TO '{airbyte}' (FORMAT json)""")
        con.execute(f"COPY (SELECT unnest(record.data) FROM read_json('{airbyte}')) TO '{plain}' (FORMAT json)")
        size = os.path.getsize(airbyte) / 1e6
        print(f"DuckDB {duckdb.__version__}: {n:,} records, {size:,.0f} MB of Airbyte messages")
        # Every column is read (no projection pushdown can skip parsing it).
        touch_all = "count(*), count(id), count(name), count(amount), count(active), count(created_at)"
        results = {}
        queries = {
            "read_airbyte": f"SELECT {touch_all} FROM read_airbyte('{airbyte}', stream := 'events')",
            "read_json": f"SELECT {touch_all} FROM read_json('{plain}')",
        }
        # Interleaved (A B A B ...) so that drift of the machine affects both alike.
        for _ in range(RUNS):
            for name, query in queries.items():
                rows, secs, rss = run(query)
                assert rows == n, (name, rows)
                results.setdefault(name, []).append((secs, rss))
        median = {name: statistics.median(r[0] for r in runs) for name, runs in results.items()}
        for name, runs in results.items():
            secs = sorted(r[0] for r in runs)
            print(f"  {name:<13} median {median[name]:6.2f} s (min {secs[0]:.2f}, max {secs[-1]:.2f})  "
                  f"{n / median[name] / 1e6:5.2f} M records/s  peak RSS +{max(r[1] for r in runs):6.0f} MB")
        ratio = median["read_json"] / median["read_airbyte"]
        print(f"  read_airbyte runs at {ratio:.0%} of read_json's speed (medians of {RUNS} interleaved runs)")


if __name__ == "__main__":
    main()
