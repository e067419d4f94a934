"""partext's benchmark harness: partext against the seed design's method and hand-written DuckDB
SQL, on data generated deterministically inside DuckDB, in memory and beyond it.

    .venv/duckdb-2.0.1/bin/python bench/run.py            # quick: 20M rows (make bench)
    .venv/duckdb-2.0.1/bin/python bench/run.py --full     # 100M rows (make bench-full)
    python3 bench/run.py --host 1.5.6                     # on another supported host

Every measurement runs in a fresh process (so its peak RSS is its own) that opens the benchmark
database, loads partext and times only the method's statements. Methods of one scenario are
interleaved (seed, hand, partext, seed, hand, partext, ...) so that drift of the machine affects
them alike; results are medians with min-max, and ratios of medians to the hand-written method.
Writes bench/RESULTS.md and bench/ratios.png.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
EXTENSION = os.environ.get("PARTEXT_EXTENSION", os.path.join(ROOT, "build", "release", "partext.duckdb_extension"))
DATA = os.path.join(ROOT, "bench", ".data")
COLUMNS = "id, ts, user_id, amount"
# The processing each partition or chunk gets: per-user-group metrics (the seed's processInChunks
# computes metrics per chunk), and the same over the whole table as one scan.
PROCESS = "SELECT user_id % 1000 AS user_group, count(*) AS n, sum(amount) AS total, max(id) AS last_id FROM ({src}) GROUP BY 1"

# ---------------------------------------------------------------------------------------------
# The worker: one measurement in its own process.
# ---------------------------------------------------------------------------------------------

WORKER = r"""
import json, os, re, shutil, sys, time, duckdb
spec = json.loads(sys.argv[1])
def peak_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM'):
                return int(line.split()[1]) / 1024
con = duckdb.connect(spec['db'], read_only=True, config={'allow_unsigned_extensions': 'true'})
con.execute(f"LOAD '{spec['extension']}'")
con.execute("SET enable_progress_bar = false")
con.execute("SET preserve_insertion_order = true")
if spec.get('memory_limit'):
    con.execute(f"SET memory_limit = '{spec['memory_limit']}'")
for d in spec.get('clean', []):
    shutil.rmtree(d, ignore_errors=True)
for d in spec.get('mkdir', []):
    os.makedirs(d, exist_ok=True)
start = time.perf_counter()
statements = 0
copies = 0  # statements that write files
def run(sql):
    global statements, copies
    con.execute(sql).fetchall()
    statements += 1
    copies += bool(re.search(r'\bCOPY\s*\(', sql))
try:
    for step in spec['steps']:
        if 'sql' in step:
            run(step['sql'])
        else:
            for (q,) in con.execute(step['for_each']).fetchall():
                run(step['do'].replace('{q}', q))
except duckdb.Error as e:
    # A statement failed (out of memory, say): what failed, and after how much work.
    print(json.dumps({'error': str(e).strip().splitlines()[0][:200], 'statements_done': statements, 'copies_done': copies,
                      'failed_after_s': time.perf_counter() - start, 'peak_mb': peak_mb()}))
    sys.exit(0)
elapsed = time.perf_counter() - start
print(json.dumps({'seconds': elapsed, 'peak_mb': peak_mb(), 'statements': statements, 'copies': copies}))
"""


def measure(python, db, steps, memory_limit=None, clean=(), mkdir=()):
    spec = {"db": db, "extension": EXTENSION, "steps": steps, "memory_limit": memory_limit, "clean": list(clean), "mkdir": list(mkdir)}
    proc = subprocess.run([python, "-c", WORKER, json.dumps(spec)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit code %d" % proc.returncode])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

DAYS = 180


def generate(duckdb, rows, payload_hashes=1):
    """events(id, ts, user_id, amount, payload): `rows` rows over 180 days in time order, users
    and amounts pseudo-random (DuckDB's hash of the row number), a payload of 32 hex characters
    per `payload_hashes` (md5 text hardly compresses, so it sets the file's size)."""
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"events-{rows}-{payload_hashes}-{duckdb.__version__}.duckdb")
    if os.path.exists(path):
        return path
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    con = duckdb.connect(tmp)
    step_us = DAYS * 86_400_000_000 // rows
    con.execute(f"""
        CREATE TABLE events AS
        SELECT i AS id,
               TIMESTAMP '2024-01-01' + to_microseconds(i * {step_us}) AS ts,
               CAST(hash(i) % 1000000 AS BIGINT) AS user_id,
               round(CAST(hash(i * 7 + 1) % 1000000 AS DOUBLE) / 100.0, 2) AS amount,
               {' || '.join(f"md5(CAST(i * {k + 1} AS VARCHAR))" for k in range(payload_hashes))} AS payload
        FROM range({rows}) t(i)""")
    con.execute("CHECKPOINT")
    con.close()
    os.rename(tmp, path)
    return path


def wide_table(duckdb, rows):
    """The events table with a 96-character payload (its database file at least 3x the quick
    run's memory_limit, 16x the write scenario's): (path, bytes on disk)."""
    path = generate(duckdb, rows, payload_hashes=3)
    con = duckdb.connect(path, read_only=True)
    size = con.execute("SELECT total_blocks * block_size FROM pragma_database_size()").fetchone()[0]
    con.close()
    return path, size


# ---------------------------------------------------------------------------------------------
# Scenarios: each is a list of (method, steps); "hand" is the baseline of its ratios.
# ---------------------------------------------------------------------------------------------


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def periods_sql(unit, template):
    """The seed's temporal planning: MIN/MAX, then one statement per calendar period, made from
    `template` with {0} = the period's name, {1} = its start, {2} = its end."""
    return (f"""SELECT format({literal(template)}, strftime(p, '%Y_%m_%d'), CAST(p AS VARCHAR), CAST(p + INTERVAL 1 {unit} AS VARCHAR))
                FROM (SELECT min(ts) AS lo, max(ts) AS hi FROM events),
                     LATERAL (SELECT unnest(generate_series(date_trunc('{unit}', lo), hi, INTERVAL 1 {unit})) AS p)""")


def manifest_scenarios(rows_per_chunk):
    ctas = "CREATE OR REPLACE TEMP TABLE part_{0} AS SELECT * FROM events WHERE ts >= TIMESTAMP '{1}' AND ts < TIMESTAMP '{2}'"
    out = []
    for unit in ("day", "month"):
        out.append((f"manifest: partition_temporal {unit}", [
            ("seed", [{"for_each": periods_sql(unit, ctas), "do": "{q}"}]),
            ("hand", [{"sql": f"SELECT date_trunc('{unit}', ts) AS period, count(*) FROM events GROUP BY 1 ORDER BY 1"}]),
            ("partext", [{"sql": f"SELECT * FROM partext.partition_temporal('events', 'ts', '{unit}')"}]),
        ]))
    for n in (8, 64):
        out.append((f"manifest: partition_hash {n}", [
            ("seed", [{"for_each": f"SELECT 'SELECT count(*) FROM events WHERE abs(hash(user_id)) % {n} = ' || i FROM range({n}) t(i)", "do": "{q}"}]),
            ("hand", [{"sql": f"SELECT hash(user_id) % {n} AS bucket, count(*) FROM events GROUP BY 1 ORDER BY 1"}]),
            ("partext", [{"sql": f"SELECT * FROM partext.partition_hash('events', 'user_id', {n})"}]),
        ]))
    p = 16
    out.append((f"manifest: partition_range {p}", [
        ("seed", [
            {"sql": "CREATE OR REPLACE TEMP TABLE bounds (k INTEGER, v DOUBLE)"},
            {"for_each": f"SELECT 'INSERT INTO bounds SELECT ' || k || ', percentile_cont(' || k || ' / {p}) WITHIN GROUP (ORDER BY amount) FROM events' FROM range(1, {p}) t(k)", "do": "{q}"},
            {"for_each": """SELECT 'SELECT count(*) FROM events WHERE ' || coalesce('amount >= ' || lo, 'true') || ' AND ' || coalesce('amount < ' || hi, 'true')
                            FROM (SELECT lag(v) OVER (ORDER BY k) AS lo, v AS hi FROM (SELECT k, v FROM bounds UNION ALL SELECT 99, NULL))""", "do": "{q}"},
        ]),
        ("hand", [{"sql": f"""WITH b AS (SELECT approx_quantile(amount, [{', '.join(str(k / p) for k in range(1, p))}]) AS q FROM events)
                              SELECT CASE {' '.join(f'WHEN amount < q[{k}] THEN {k - 1}' for k in range(1, p))} ELSE {p - 1} END AS r, count(*)
                              FROM events, b GROUP BY 1 ORDER BY 1"""}]),
        ("partext", [{"sql": f"SELECT * FROM partext.partition_range('events', 'amount', {p})"}]),
    ]))
    # A spec of two fields against a GROUP BY of the same key expressions (there is no seed
    # method: the seed design partitions by one strategy at a time).
    for spec, keys in [("month(ts), bucket(16, user_id)", "partition_key(ts, 'month'), partition_key(user_id, 'bucket(16)')"),
                       ("day(ts), bucket(64, user_id)", "partition_key(ts, 'day'), partition_key(user_id, 'bucket(64)')")]:
        out.append((f"manifest: partition_by {spec}", [
            ("hand", [{"sql": f"SELECT {keys}, count(*) FROM events GROUP BY ALL ORDER BY ALL"}]),
            ("partext", [{"sql": f"SELECT * FROM partext.partition_by('events', '{spec}')"}]),
        ]))
    out.append(("manifest: chunk_plan 64 MiB", [
        ("seed", [{"sql": "SELECT count(*) FROM events"}, {"sql": "SELECT * FROM events LIMIT 1000"}]),
        ("hand", [{"sql": f"SELECT rowid // {rows_per_chunk} AS chunk, count(*), min(rowid), max(rowid) FROM events GROUP BY 1 ORDER BY 1"}]),
        ("partext", [{"sql": "SELECT * FROM partext.chunk_plan('events', 64)"}]),
    ]))
    return out


def processing_scenarios(rows_per_chunk, chunks):
    def pages(order):
        page = PROCESS.format(src=f"SELECT * FROM events {order} LIMIT {rows_per_chunk} OFFSET ' || (i * {rows_per_chunk}) || '")
        return [{"for_each": f"SELECT '{page}' FROM range({chunks}) t(i)", "do": "{q}"}]
    month = "SELECT * FROM events WHERE ts >= TIMESTAMP ''{1}'' AND ts < TIMESTAMP ''{2}''"
    return [
        ("processing: every month partition", [
            ("seed", [{"for_each": periods_sql("month", PROCESS.format(src=month).replace("''", "'")), "do": "{q}"}]),
            ("hand", [{"sql": "SELECT date_trunc('month', ts) AS period, user_id % 1000 AS user_group, count(*), sum(amount), max(id) FROM events GROUP BY 1, 2"}]),
            ("partext", [{"for_each": "SELECT query FROM partext.partition_temporal('events', 'ts', 'month')", "do": PROCESS.format(src="{q}")}]),
        ]),
        (f"processing: every chunk ({chunks} x 64 MiB)", [
            ("seed", pages("ORDER BY id")),
            ("seed unordered", pages("")),
            ("hand", [{"sql": PROCESS.format(src="SELECT * FROM events")}]),
            ("partext", [{"for_each": "SELECT query FROM partext.chunk_plan('events', 64)", "do": PROCESS.format(src="{q}")}]),
        ]),
    ]


def materialization_scenarios(out_dir):
    d = lambda m: os.path.join(out_dir, m)
    seed_month = periods_sql("month", f"COPY (SELECT {COLUMNS} FROM events WHERE ts >= TIMESTAMP '{{1}}' AND ts < TIMESTAMP '{{2}}') TO '{d('seed')}/{{0}}.parquet' (FORMAT parquet)")
    return [
        ("materialization: month partitions as Parquet", [
            ("seed", [{"for_each": seed_month, "do": "{q}"}]),
            ("hand", [{"sql": f"COPY (SELECT {COLUMNS}, strftime(ts, '%Y-%m') AS period FROM events) TO '{d('hand')}' (FORMAT parquet, PARTITION_BY (period))"}]),
            ("partext", [{"sql": f"COPY (SELECT {COLUMNS}, partition_key_temporal(ts, 'month') AS period FROM events) TO '{d('partext')}' (FORMAT parquet, PARTITION_BY (period))"}]),
        ]),
        ("materialization: 8 hash buckets as Parquet", [
            ("seed", [{"for_each": f"SELECT 'COPY (SELECT {COLUMNS} FROM events WHERE abs(hash(user_id)) % 8 = ' || i || ') TO ''{d('seed')}/' || i || '.parquet'' (FORMAT parquet)' FROM range(8) t(i)", "do": "{q}"}]),
            ("hand", [{"sql": f"COPY (SELECT {COLUMNS}, hash(user_id) % 8 AS bucket FROM events) TO '{d('hand')}' (FORMAT parquet, PARTITION_BY (bucket))"}]),
            ("partext", [{"sql": f"COPY (SELECT {COLUMNS}, partition_key_hash(user_id, 8) AS bucket FROM events) TO '{d('partext')}' (FORMAT parquet, PARTITION_BY (bucket))"}]),
        ]),
    ]


FIXED_COST_ROWS = 1_000
FIXED_COST_CALLS = 50


def fixed_cost_calls():
    """One call of each manifest function, timed on a 1,000-row table: the cost of a call
    itself (binding the macro, its native functions, the small scans), not of the data."""
    return [
        ("partition_temporal day", "SELECT * FROM partext.partition_temporal('events', 'ts', 'day')"),
        ("partition_hash 8", "SELECT * FROM partext.partition_hash('events', 'user_id', 8)"),
        ("partition_range 4", "SELECT * FROM partext.partition_range('events', 'amount', 4)"),
        ("chunk_plan 64 MiB", "SELECT * FROM partext.chunk_plan('events', 64)"),
        ("partition_advise", "SELECT * FROM partext.partition_advise('events')"),
        ("plain GROUP BY (for scale)", "SELECT ts::DATE, count(*) FROM events GROUP BY 1"),
    ]


def beyond_memory_steps(out_dir):
    return [
        ("partition_temporal day", [{"sql": "SELECT * FROM partext.partition_temporal('events', 'ts', 'day')"}]),
        ("partition_temporal month", [{"sql": "SELECT * FROM partext.partition_temporal('events', 'ts', 'month')"}]),
        ("partition_hash 64", [{"sql": "SELECT * FROM partext.partition_hash('events', 'user_id', 64)"}]),
        ("partition_range 16", [{"sql": "SELECT * FROM partext.partition_range('events', 'amount', 16)"}]),
        ("partition_range 16 on payload", [{"sql": "SELECT * FROM partext.partition_range('events', 'payload', 16)"}]),
        ("chunk_plan (target from memory_limit)", [{"sql": "SELECT * FROM partext.chunk_plan('events', NULL)"}]),
        ("partition_advise", [{"sql": "SELECT * FROM partext.partition_advise('events', col := 'ts')"}]),
        ("every chunk, all columns", [{"for_each": "SELECT query FROM partext.chunk_plan('events', NULL)",
                                       "do": "SELECT user_id % 1000, count(*), sum(amount), max(payload) FROM ({q}) GROUP BY 1"}]),
        # DuckDB's partitioned COPY keeps a buffer per open partition: within 256 MB it needs
        # insertion order off and smaller flushes and row groups.
        ("one-pass COPY by month, all columns", [
            {"sql": "SET preserve_insertion_order = false"},
            {"sql": "SET partitioned_write_flush_threshold = 50000"},
            {"sql": f"COPY (SELECT *, partition_key_temporal(ts, 'month') AS period FROM events) TO '{out_dir}/beyond' (FORMAT parquet, PARTITION_BY (period), ROW_GROUP_SIZE 50000)"}]),
    ]


WRITE_LIMIT = "64MB"
# The memory limits tried, smallest first, for the one-pass COPY's "where it fits"; the last is
# ample for any of it.
FIT_LIMITS = ("128MB", "256MB", "512MB", "1GB", "2GB", "4GB")
WRITE_STRATEGIES = (("hash", "user_id", "64"), ("temporal", "ts", "day"), ("range", "amount", "16"))


def write_beyond_memory_methods(out_dir, strategy, col, arg):
    """Writing every partition of the wide table: (method, steps) for partext's write_plan, the
    seed's one COPY per partition (one file each, default row groups) and the one-pass COPY
    with partext's key. Each writes into `<out_dir>/write`."""
    d = os.path.join(out_dir, "write")
    plan = [{"for_each": f"SELECT sql FROM partext.write_plan('events', '{d}', '{strategy}', '{col}', '{arg}')", "do": "{q}"}]
    key = {"hash": f"partition_key_hash({col}, {arg})", "temporal": f"partition_key_temporal({col}, '{arg}')"}.get(strategy)
    if strategy == "hash":
        seed = [{"for_each": f"SELECT 'COPY (SELECT * FROM events WHERE abs(hash({col})) % {arg} = ' || i || ') TO ''{d}/' || i || '.parquet'' (FORMAT parquet)' FROM range({arg}) t(i)",
                 "do": "{q}"}]
    elif strategy == "temporal":
        seed = [{"for_each": periods_sql(arg, f"COPY (SELECT * FROM events WHERE ts >= TIMESTAMP '{{1}}' AND ts < TIMESTAMP '{{2}}') TO '{d}/{{0}}.parquet' (FORMAT parquet)"),
                 "do": "{q}"}]
    else:
        p = int(arg)
        seed = [
            {"sql": "CREATE OR REPLACE TEMP TABLE bounds (k INTEGER, v DOUBLE)"},
            {"for_each": f"SELECT 'INSERT INTO bounds SELECT ' || k || ', percentile_cont(' || k || ' / {p}) WITHIN GROUP (ORDER BY {col}) FROM events' FROM range(1, {p}) t(k)", "do": "{q}"},
            {"for_each": f"""SELECT 'COPY (SELECT * FROM events WHERE ' || coalesce('{col} >= ' || lo, 'true') || ' AND ' || coalesce('{col} < ' || hi, 'true')
                                    || ') TO ''{d}/' || k || '.parquet'' (FORMAT parquet)'
                             FROM (SELECT k, lag(v) OVER (ORDER BY k) AS lo, v AS hi FROM (SELECT k, v FROM bounds UNION ALL SELECT 99, NULL))""", "do": "{q}"},
        ]
        # One-pass: the key of the same bounds partext's range manifest finds.
        key = f"partition_key_range({col}, (SELECT list(lower ORDER BY partition_id) FILTER (WHERE lower IS NOT NULL) FROM partext.partition_range('events', '{col}', {p})))"
    one_pass = [{"sql": "SET preserve_insertion_order = false"},
                {"sql": f"COPY (SELECT *, {key} AS partition_key FROM events) TO '{d}' (FORMAT parquet, PARTITION_BY (partition_key))"}]
    return {"partext write_plan": plan, "seed per-partition COPYs": seed, "one-pass COPY": one_pass}


def run_write_beyond_memory(python, db, out_dir, runs):
    """For each strategy: the smallest of FIT_LIMITS where the one-pass COPY succeeds (one try
    each), then `runs` interleaved rounds of: the three methods at WRITE_LIMIT, the one-pass COPY
    and write_plan at that limit, and the one-pass COPY at the largest limit."""
    results = []  # (strategy label, method, memory_limit, [runs])
    clean = [os.path.join(out_dir, "write")]
    for strategy, col, arg in WRITE_STRATEGIES:
        label = f"{strategy} {arg} on {col}"
        methods = write_beyond_memory_methods(out_dir, strategy, col, arg)
        fit = None
        for limit in FIT_LIMITS:
            res = measure(python, db, methods["one-pass COPY"], memory_limit=limit, clean=clean)
            print(f"    {label}: one-pass COPY at {limit}: {res}", flush=True)
            if "seconds" in res:
                fit = limit
                break
        cells = [(m, WRITE_LIMIT) for m in methods]
        if fit:
            cells += [("one-pass COPY", fit), ("partext write_plan", fit)]
            if fit != FIT_LIMITS[-1]:
                cells.append(("one-pass COPY", FIT_LIMITS[-1]))
        got = {c: [] for c in cells}
        for _ in range(runs):
            for method, limit in cells:
                res = measure(python, db, methods[method], memory_limit=limit, clean=clean, mkdir=clean if method.startswith("seed") else ())
                got[(method, limit)].append(res)
                print(f"    {label}: {method} at {limit}: {res}", flush=True)
        results += [(label, m, limit, rs) for (m, limit), rs in got.items()]
    return results


# ---------------------------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------------------------

TARGETS = {
    # scenario prefix: (max ratio of partext to hand, text)
    "manifest: partition_temporal": (1.25, "partition_temporal <= 1.25x hand"),
    "manifest: partition_hash": (1.5, "partition_hash <= 1.5x hand"),
    "manifest: partition_range": (2.0, "partition_range <= 2x hand"),
    "processing: every chunk": (1.5, "reading all chunks <= 1.5x one full scan"),
    "materialization: month": (1.2, "COPY with partition_key_temporal <= 1.2x COPY with strftime"),
}


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        mem = int(next(l.split()[1] for l in f if l.startswith("MemTotal"))) / 1024 / 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB memory, {platform.system()} {platform.release()}"


def fmt_s(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="100M rows and a 1 GB memory limit (else 20M rows, 256 MB)")
    ap.add_argument("--rows", type=int, help="rows of the events table (overrides --full's size)")
    ap.add_argument("--runs", type=int, default=5, help="runs per method (median reported; at least 5 for RESULTS.md)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    ap.add_argument("--only", help="run only scenarios whose name contains this text")
    ap.add_argument("--write-runs", type=int, default=3, help="runs per method of the materialization-beyond-memory scenario")
    ap.add_argument("--host", help="DuckDB version to run on (its venv .venv/duckdb-<host>, made by the Makefile)")
    args = ap.parse_args()
    if args.host:
        python = os.path.join(ROOT, ".venv", f"duckdb-{args.host}", "bin", "python")
        if os.path.realpath(sys.executable) != os.path.realpath(python):
            argv = [a for i, a in enumerate(sys.argv[1:]) if a != "--host" and not a.startswith("--host=") and sys.argv[i] != "--host"]
            os.execv(python, [python, os.path.abspath(__file__), *argv])
    import duckdb

    rows = args.rows or (100_000_000 if args.full else 20_000_000)
    memory_limit = "1GB" if args.full else "256MB"
    python = sys.executable
    started = time.time()
    print(f"partext bench: DuckDB {duckdb.__version__}, {rows:,} rows, {args.runs} runs per method", flush=True)
    db = generate(duckdb, rows)
    con = duckdb.connect(db, read_only=True, config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{EXTENSION}'")
    chunks, rows_per_chunk = con.execute("SELECT count(*), max(row_count) FROM partext.chunk_plan('events', 64)").fetchone()
    blocks, block_size = con.execute("SELECT total_blocks, block_size FROM pragma_database_size() WHERE database_name = current_database()").fetchone()
    table_bytes = blocks * block_size
    version = con.execute("SELECT partext_version()").fetchone()[0]
    con.close()
    print(f"  data: {db} ({table_bytes / 2**20:,.0f} MiB), {chunks} chunks of up to {rows_per_chunk:,} rows at 64 MiB", flush=True)

    out_dir = tempfile.mkdtemp(prefix="partext-bench-")
    scenarios = manifest_scenarios(rows_per_chunk) + processing_scenarios(rows_per_chunk, chunks) + materialization_scenarios(out_dir)
    if args.only:
        scenarios = [s for s in scenarios if args.only in s[0]]
    results = []  # (scenario, method, [runs])
    try:
        for name, methods in scenarios:
            runs = {m: [] for m, _ in methods}
            for _ in range(args.runs):
                for method, steps in methods:
                    # Output directories start empty; the seed's per-partition COPYs need theirs.
                    res = measure(python, db, steps, clean=[os.path.join(out_dir, x) for x in ("seed", "hand", "partext")],
                                  mkdir=[os.path.join(out_dir, "seed")])
                    runs[method].append(res)
                    if "error" in res:
                        print(f"  {name} / {method}: ERROR {res['error']}", flush=True)
            for method, _ in methods:
                results.append((name, method, runs[method]))
            line = ", ".join(f"{m} {median(rs):.3f}s" for m, rs in runs.items() if median(rs) is not None)
            print(f"  {name}: {line}", flush=True)

        fixed = []
        if not args.only or "fixed" in args.only:
            small = generate(duckdb, FIXED_COST_ROWS)
            for what, sql in fixed_cost_calls():
                # The call, then its PREPARE alone (binding and planning, no execution).
                per = []
                for steps in ([{"sql": sql}], [{"sql": f"PREPARE partext_fixed AS {sql}"}]):
                    total = median([measure(python, small, steps * FIXED_COST_CALLS) for _ in range(args.runs)])
                    per.append(total / FIXED_COST_CALLS if total is not None else None)
                fixed.append((what, per[0], per[1]))
                shown = ", ".join("error" if v is None else f"{v * 1000:.2f} ms" for v in per)
                print(f"  fixed cost, {FIXED_COST_ROWS:,} rows: {what}: {shown} (call, PREPARE)", flush=True)

        beyond, write = [], []
        run_beyond = not args.only or "beyond" in args.only
        run_write = not args.only or "write" in args.only
        wide, wide_bytes = wide_table(duckdb, rows) if run_beyond or run_write else (None, 0)
        if run_beyond:
            print(f"  beyond memory: memory_limit {memory_limit}, table {wide_bytes / 2**20:,.0f} MiB on disk", flush=True)
            for what, steps in beyond_memory_steps(out_dir):
                res = measure(python, wide, steps, memory_limit=memory_limit, clean=[os.path.join(out_dir, "beyond")])
                beyond.append((what, res))
                print(f"    {what}: {res}", flush=True)

        if run_write:
            print(f"  materialization beyond memory: memory_limit {WRITE_LIMIT}, table {wide_bytes / 2**20:,.0f} MiB on disk", flush=True)
            write = run_write_beyond_memory(python, wide, out_dir, args.write_runs)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    write_results(args, duckdb.__version__, version, rows, table_bytes, memory_limit, chunks, rows_per_chunk, results, beyond, wide_bytes, time.time() - started, fixed, write)


def median(rs):
    ok = [x["seconds"] for x in rs if "seconds" in x]
    return statistics.median(ok) if ok else None


def write_results(args, duckdb_version, version, rows, table_bytes, memory_limit, chunks, rows_per_chunk, results, beyond, wide_bytes, wall, fixed=(), write=()):
    hand = {name: median(rs) for name, method, rs in results if method == "hand"}
    lines = [
        "# partext benchmark results",
        "",
        f"Written by `bench/run.py{' --full' if args.full else ''}` on {datetime.date.today().isoformat()}: partext {version}, "
        f"DuckDB {duckdb_version} (Python wheel), {machine()}. Wall time of the run: {wall / 60:.1f} min.",
        "",
        f"Data: `events(id, ts, user_id, amount, payload)`, {rows:,} rows over {DAYS} days in time order, "
        f"generated inside DuckDB ({table_bytes / 2**20:,.0f} MiB database file). chunk_plan at 64 MiB gives {chunks} chunks "
        f"of up to {rows_per_chunk:,} rows; the seed's pages use the same size.",
        "",
        "Methods: **seed** is the seed design's algorithm in DuckDB SQL (one scan per period, bucket or range; "
        "`LIMIT/OFFSET` pages ordered by `id`; *seed unordered* pages without `ORDER BY`, which has no defined row order); "
        "**hand** is the best hand-written DuckDB SQL for the same result (one `GROUP BY` scan, `approx_quantile` + `CASE`, "
        "`rowid` ranges, one full scan, `COPY ... PARTITION_BY` on a `strftime`/`hash` key); **partext** is the extension. "
        f"Each figure is the median of {args.runs} runs, each in a fresh process, methods interleaved; ratio = median / hand's median; "
        "peak RSS is the process's high-water mark (including Python and DuckDB).",
        "",
        "| scenario | rows | method | median s | min-max s | ratio to hand | peak RSS MB |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, method, rs in results:
        ok = [x for x in rs if "seconds" in x]
        if not ok:
            lines.append(f"| {name} | {rows:,} | {method} | error: {rs[0].get('error', '?')} | | | |")
            continue
        secs = [x["seconds"] for x in ok]
        m = statistics.median(secs)
        ratio = m / hand[name] if hand.get(name) else float("nan")
        lines.append(f"| {name} | {rows:,} | {method} | {fmt_s(m)} | {fmt_s(min(secs))}-{fmt_s(max(secs))} | "
                     f"{ratio:.2f}x | {max(x['peak_mb'] for x in ok):,.0f} |")

    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---:|---|"]
    def ratio_of(prefix, method="partext", base="hand"):
        for name, meth, rs in results:
            if name.startswith(prefix) and meth == method:
                b = next((median(r2) for n2, m2, r2 in results if n2 == name and m2 == base), None)
                if median(rs) and b:
                    yield name, median(rs) / b
    for prefix, (limit, text) in TARGETS.items():
        for name, r in ratio_of(prefix):
            lines.append(f"| {text} ({name.split(': ', 1)[1]}) | {r:.2f}x | {'yes' if r <= limit else '**no**'} |")
    for name, r in ratio_of("processing: every chunk", method="seed", base="partext"):
        lines.append(f"| reading all chunks >= 10x faster than ordered LIMIT/OFFSET | {r:.1f}x faster | {'yes' if r >= 10 else '**no**'} |")

    if fixed:
        lines += ["", f"## Fixed cost of one call ({FIXED_COST_ROWS:,}-row table)", "",
                  f"Each call runs {FIXED_COST_CALLS} times in one fresh process; the figure is the median over {args.runs} processes "
                  "of their time per call. PREPARE is the same statement prepared and not run: binding and planning alone. "
                  "The ratio is to the plain GROUP BY of the same run.", "",
                  "| call | ms per call | x GROUP BY | ms per PREPARE | x GROUP BY |", "|---|---:|---:|---:|---:|"]
        base = next(f for f in fixed if f[0].startswith("plain GROUP BY"))
        ms = lambda v: "error" if v is None else f"{v * 1000:.2f}"
        ratio = lambda v, b: "" if v is None or not b else f"{v / b:.1f}"
        for what, per_call, per_prepare in fixed:
            lines.append(f"| {what} | {ms(per_call)} | {ratio(per_call, base[1])} | {ms(per_prepare)} | {ratio(per_prepare, base[2])} |")
    lines += ["", f"## Beyond memory (memory_limit {memory_limit}, table {wide_bytes / 2**20:,.0f} MiB on disk, "
              f"{wide_bytes / parse_size(memory_limit):.1f}x the limit)", "",
              f"The same {rows:,} rows with a 96-character payload, so that the database file is at least 3x the memory limit. "
              "Each step runs once in a fresh process with `SET memory_limit`; it must complete without an out-of-memory error.", "",
              "| step | result | seconds | peak RSS MB |", "|---|---|---:|---:|"]
    for what, res in beyond:
        if "error" in res:
            lines.append(f"| {what} | **error**: {res['error']} | | |")
        else:
            lines.append(f"| {what} | completed ({res['statements']} statement{'s' if res['statements'] != 1 else ''}) | {fmt_s(res['seconds'])} | {res['peak_mb']:,.0f} |")
    if write:
        lines += write_results_section(write, rows, wide_bytes, args.write_runs)
    lines += ["", "![ratios to hand-written SQL](ratios.png)", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    if results:
        chart(results, hand, os.path.join(os.path.dirname(args.out), "ratios.png"), duckdb_version, rows)
    print(f"wrote {args.out}{' and the chart' if results else ''}", flush=True)


def write_results_section(write, rows, wide_bytes, runs):
    """RESULTS.md's "Materialization beyond memory": every method's outcome, then the targets."""
    limit_bytes = parse_size(WRITE_LIMIT)
    lines = ["", f"## Materialization beyond memory (memory_limit {WRITE_LIMIT}, table {wide_bytes / 2**20:,.0f} MiB on disk, "
             f"{wide_bytes / limit_bytes:.1f}x the limit)", "",
             f"Writing every partition of the {rows:,}-row table with the 96-character payload as Hive-partitioned Parquet, "
             "all columns. **partext write_plan** runs `partext.write_plan`'s statements in order (planning included); "
             "**seed per-partition COPYs** is the seed design's way, one `COPY (... WHERE <partition>) TO '<partition>.parquet'` per "
             "partition with DuckDB's defaults; **one-pass COPY** is `COPY (SELECT *, <partext key> AS partition_key FROM events) TO ... "
             "(FORMAT parquet, PARTITION_BY (partition_key))` with `preserve_insertion_order = false`. "
             f"Each row is {runs} runs, interleaved, each in a fresh process with `SET memory_limit` (2 threads); the one-pass COPY's "
             f"\"where it fits\" is the smallest of {', '.join(FIT_LIMITS)} at which one try succeeded. Passes = COPY statements run.", "",
             "| partitions | method | memory_limit | result | passes | median s | min-max s | peak RSS MB |",
             "|---|---|---|---|---:|---:|---:|---:|"]
    def summary(rs):
        ok = [x for x in rs if "seconds" in x]
        bad = [x for x in rs if "seconds" not in x]
        return ok, bad
    for label, method, limit, rs in write:
        ok, bad = summary(rs)
        if ok:
            secs = [x["seconds"] for x in ok]
            writes = max(x["copies"] for x in ok)
            result = "completed" if not bad else f"completed {len(ok)} of {len(rs)}; failed: {bad[0].get('error', '?')}"
            lines.append(f"| {label} | {method} | {limit} | {result} | {writes:,} | {fmt_s(statistics.median(secs))} | "
                         f"{fmt_s(min(secs))}-{fmt_s(max(secs))} | {max(x['peak_mb'] for x in ok):,.0f} |")
        else:
            x = bad[0]
            after = f" after {x['copies_done']} COPYs, {fmt_s(x['failed_after_s'])} s" if "copies_done" in x else ""
            lines.append(f"| {label} | {method} | {limit} | **failed** in {len(bad)} of {len(rs)} runs{after}: {x.get('error', '?')} | | | | "
                         f"{max(y.get('peak_mb', 0) for y in bad):,.0f} |")
    lines += ["", "| target | measured | met |", "|---|---:|---|"]
    def cell(label, method, limit):
        return next((rs for l, m, lim, rs in write if l == label and m == method and lim == limit), None)
    for label in dict.fromkeys(l for l, _, _, _ in write):
        plan = cell(label, "partext write_plan", WRITE_LIMIT) or []
        plan_ok = sum("seconds" in x for x in plan)
        one = cell(label, "one-pass COPY", WRITE_LIMIT) or []
        one_failed = sum("seconds" not in x for x in one)
        lines.append(f"| {label}: write_plan completes at {WRITE_LIMIT}, the one-pass COPY fails there | write_plan {plan_ok}/{len(plan)} completed; "
                     f"one-pass COPY {one_failed}/{len(one)} failed | {'yes' if plan and plan_ok == len(plan) and one and one_failed == len(one) else '**no**'} |")
        seed = cell(label, "seed per-partition COPYs", WRITE_LIMIT) or []
        seed_ok = sum("seconds" in x for x in seed)
        if seed_ok and median(plan):
            r = median(seed) / median(plan)
            lines.append(f"| {label}: the seed's per-partition COPYs at {WRITE_LIMIT} fail or are slower | completed {seed_ok}/{len(seed)}, "
                         f"{r:.2f}x write_plan's time | {'yes' if r > 1 else '**no**'} |")
        elif seed:
            lines.append(f"| {label}: the seed's per-partition COPYs at {WRITE_LIMIT} fail or are slower | failed {len(seed)}/{len(seed)} | yes |")
        fits = [(lim, rs) for l, m, lim, rs in write if l == label and m == "one-pass COPY" and lim != WRITE_LIMIT and median(rs)]
        for lim, rs in fits:
            if median(plan):
                r = median(plan) / median(rs)
                lines.append(f"| {label}: write_plan at {WRITE_LIMIT} <= 2x the one-pass COPY at {lim} | {r:.2f}x | {'yes' if r <= 2 else '**no**'} |")
            same = cell(label, "partext write_plan", lim)
            if same and median(same):
                r = median(same) / median(rs)
                lines.append(f"| {label}: write_plan at {lim} <= 2x the one-pass COPY at {lim} | {r:.2f}x | {'yes' if r <= 2 else '**no**'} |")
    return lines


def parse_size(text):
    units = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
    for u, f in sorted(units.items(), key=lambda kv: -len(kv[0])):
        if text.upper().endswith(u):
            return float(text[: -len(u)]) * f
    return float(text)


def chart(results, hand, path, duckdb_version, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in dict.fromkeys(n for n, _, _ in results)]
    methods = [m for m in dict.fromkeys(m for _, m, _ in results) if m != "hand"]
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(names) + 1.8))
    height = 0.8 / len(methods)
    colors = {"seed": "#c0504d", "seed unordered": "#e6a09e", "partext": "#4f81bd"}
    for j, m in enumerate(methods):
        ys, xs = [], []
        for i, n in enumerate(names):
            rs = next((r for n2, m2, r in results if n2 == n and m2 == m), None)
            if rs and median(rs) and hand.get(n):
                ys.append(i + (j - (len(methods) - 1) / 2) * height)
                xs.append(median(rs) / hand[n])
        ax.barh(ys, xs, height=height, label=m, color=colors.get(m))
        for y, x in zip(ys, xs):
            ax.text(x * 1.05, y, f"{x:.2f}x", va="center", fontsize=7)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("median time / hand-written SQL's median (log scale; 1 = as fast as hand-written SQL)")
    ax.set_title(f"partext vs the seed's method, relative to hand-written SQL (DuckDB {duckdb_version}, {rows:,} rows)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
