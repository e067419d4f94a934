"""Writing a partitioned dataset larger than memory: partext against the tools users would use
instead, on the same Parquet file with the same codec and level (zstd, level 1 unless
--zstd-level says otherwise), each run in a fresh process.

    make bench-peers                      # full size: 20M events, 6M order lines (about 40 min)
    python bench/peers.py --events-rows 2000000 --order-rows 600000 --runs 1 --out /tmp/peers.md

Tools (pinned in the Makefile's peers venv, from the package registry):
  - Polars' streaming partitioned sink: `LazyFrame.sink_parquet(pl.PartitionBy(...))`;
  - pyarrow's `dataset.write_dataset` over the file's record batches, the key added per batch;
  - DuckDB's one-pass `COPY ... (PARTITION_BY ...)`, at the smallest memory_limit of
    64MB .. 4GB at which it completes (preserve_insertion_order off);
  - DataFusion's `COPY ... PARTITIONED BY` with a FairSpillPool, at the smallest pool that
    completes;
  - partext's `write_plan` at 64MB, its statements run in order (planning included).
Neither Polars nor pyarrow has a memory setting. Every tool runs with 2 threads where it has a
setting for it. Cases: the events file by day and by 64 buckets of user_id, the order-lines
file by ship day and by ship month (its ship dates are not sorted). Buckets are each tool's own
hash (Polars' `hash`, DuckDB's `hash`, partext's Iceberg murmur3); pyarrow and DataFusion have
no hash function for a column, so they bucket by `user_id % 64`.

Every output is read back by DuckDB: its rows must equal the source's, and its partitions the
distinct keys'. Each case runs the tools interleaved, `--runs` rounds; the figure is the median
seconds and the highest peak RSS (the child's high-water mark, from wait4).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "beyond_memory"))
import sources  # noqa: E402  (the generators of the beyond-memory tests)

LIMITS = ["64MB", "128MB", "256MB", "512MB", "1GB", "2GB", "4GB"]
PARTEXT_LIMIT = "64MB"

# Per case: the source shape, the key column, and per tool the key expression.
CASES = {
    "events by day": {
        "shape": "events", "col": "ts", "partext": ("temporal", "day"),
        "duckdb": "CAST(ts AS DATE)", "datafusion": "to_char(ts, '%Y-%m-%d')",
        "polars": "pl.col('ts').dt.date()", "pyarrow": "pc.strftime(b.column('ts'), format='%Y-%m-%d')",
        "distinct": "SELECT count(DISTINCT CAST(ts AS DATE)) FROM src",
    },
    "events by hash 64": {
        "shape": "events", "col": "user_id", "partext": ("hash", 64),
        "duckdb": "hash(user_id) % 64", "datafusion": "user_id % 64",
        "polars": "pl.col('user_id').hash() % 64", "pyarrow": "pc.remainder(b.column('user_id'), 64)",
        # NULL user_ids: a partition of their own, or (where a tool hashes NULL) one of the 64.
        "distinct": "SELECT 64",
    },
    "order lines by day": {
        "shape": "order_lines", "col": "l_shipdate", "partext": ("temporal", "day"),
        "duckdb": "l_shipdate", "datafusion": "to_char(l_shipdate, '%Y-%m-%d')",
        "polars": "pl.col('l_shipdate')", "pyarrow": "pc.strftime(b.column('l_shipdate'), format='%Y-%m-%d')",
        "distinct": "SELECT count(DISTINCT l_shipdate) + (count(*) FILTER (l_shipdate IS NULL) > 0)::INT FROM src",
    },
    "order lines by month": {
        "shape": "order_lines", "col": "l_shipdate", "partext": ("temporal", "month"),
        "duckdb": "strftime(l_shipdate, '%Y-%m')", "datafusion": "to_char(l_shipdate, '%Y-%m')",
        "polars": "pl.col('l_shipdate').dt.strftime('%Y-%m')", "pyarrow": "pc.strftime(b.column('l_shipdate'), format='%Y-%m')",
        "distinct": "SELECT count(DISTINCT strftime(l_shipdate, '%Y-%m')) + (count(*) FILTER (l_shipdate IS NULL) > 0)::INT FROM src",
    },
}
TOOLS = ["polars", "pyarrow", "duckdb", "datafusion", "partext"]


def script(tool, case, src, out, limit, extension, level):
    """The child process's program: writes `src` partitioned by the case's key under `out`, in
    zstd at `level`."""
    c = CASES[case]
    if tool == "polars":
        return f"""
import polars as pl
pl.scan_parquet({src!r}).with_columns(partition_key={c['polars']}).sink_parquet(
    pl.PartitionBy({out!r}, key='partition_key'), compression='zstd', compression_level={level}, mkdir=True)
"""
    if tool == "pyarrow":
        return f"""
import pyarrow as pa, pyarrow.compute as pc, pyarrow.dataset as ds, pyarrow.parquet as pq
f = pq.ParquetFile({src!r})
def batches():
    for b in f.iter_batches(batch_size=65536):
        yield b.append_column('partition_key', {c['pyarrow']})
first = next(f.iter_batches(batch_size=1))
schema = first.append_column('partition_key', (lambda b: {c['pyarrow']})(first)).schema
ds.write_dataset(batches(), {out!r}, schema=schema, format='parquet', partitioning=['partition_key'],
                 partitioning_flavor='hive', existing_data_behavior='overwrite_or_ignore',
                 file_options=ds.ParquetFileFormat().make_write_options(compression='zstd', compression_level={level}),
                 max_partitions=100000, max_open_files=4096)
"""
    if tool == "duckdb":
        return f"""
import duckdb
con = duckdb.connect()
con.execute("SET threads = 2; SET memory_limit = '{limit}'; SET preserve_insertion_order = false")
con.execute(\"\"\"COPY (SELECT *, {c['duckdb']} AS partition_key FROM read_parquet('{src}'))
    TO '{out}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {level}, PARTITION_BY (partition_key))\"\"\")
"""
    if tool == "datafusion":
        return f"""
import datafusion as df
runtime = df.RuntimeEnvBuilder().with_disk_manager_os().with_fair_spill_pool({parse_size(limit)})
ctx = df.SessionContext(df.SessionConfig().with_target_partitions(2), runtime)
ctx.register_parquet('src', {src!r})
ctx.sql(\"\"\"COPY (SELECT *, {c['datafusion']} AS partition_key FROM src) TO '{out}'
    STORED AS PARQUET PARTITIONED BY (partition_key) OPTIONS (compression 'zstd({level})')\"\"\").collect()
"""
    if tool == "partext":
        strategy, arg = c["partext"]
        return f"""
import duckdb
con = duckdb.connect(config={{'allow_unsigned_extensions': 'true'}})
con.execute("LOAD '{extension}'")
con.execute("SET threads = 2; SET memory_limit = '{limit}'")
plan = con.execute(\"\"\"SELECT sql FROM partext.write_plan('{src}', '{out}', '{strategy}', '{c['col']}', {arg!r},
    compression := 'zstd', compression_level := {level})\"\"\").fetchall()
for (sql,) in plan:
    con.execute(sql)
"""
    raise ValueError(tool)


def parse_size(text):
    units = {"MB": 1 << 20, "GB": 1 << 30}
    return int(float(text[:-2]) * units[text[-2:]])


def run(python, program, timeout):
    """Runs `program` through a tiny wrapper that reports the child's peak RSS (wait4)."""
    wrapper = (
        "import os, sys, time, json\n"
        "t = time.perf_counter()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the child's output is not the report's\n"
        "    os.execv(sys.executable, [sys.executable, '-c', sys.argv[1]])\n"
        "_, status, usage = os.wait4(pid, 0)\n"
        "print(json.dumps({'rc': os.waitstatus_to_exitcode(status), 'seconds': time.perf_counter() - t, 'rss_mb': usage.ru_maxrss / 1024}))\n"
    )
    started = time.perf_counter()
    try:
        proc = subprocess.run([python, "-c", wrapper, textwrap.dedent(program)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "seconds": time.perf_counter() - started, "rss_mb": 0, "error": f"timed out after {timeout} s"}
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    return {"ok": figures["rc"] == 0, "seconds": figures["seconds"], "rss_mb": figures["rss_mb"], "error": lines[-1][:160] if lines else ""}


def output_mib(out):
    """The bytes of the files under `out`, in MiB."""
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs) / 2**20


def verify(src, out, case, python):
    """Rows read back and partitions found, against the source's."""
    c = CASES[case]
    check = f"""
import duckdb, json, os
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("CREATE VIEW src AS FROM read_parquet('{src}')")
rows = con.execute("SELECT count(*) FROM src").fetchone()[0]
written = con.execute("SELECT count(*) FROM read_parquet('{out}/**/*.parquet', hive_partitioning = false)").fetchone()[0]
parts = len([d for d in os.listdir('{out}') if os.path.isdir(os.path.join('{out}', d))])
expected = con.execute(\"\"\"{c['distinct']}\"\"\").fetchone()[0]
print(json.dumps({{'rows': rows, 'written': written, 'parts': parts, 'expected': int(expected)}}))
"""
    proc = subprocess.run([python, "-c", textwrap.dedent(check)], capture_output=True, text=True)
    if proc.returncode != 0:
        return False, proc.stderr.strip().splitlines()[-1]
    try:
        # The last line: a child's own output (a progress bar) cannot break the figures.
        v = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return False, f"the check printed no figures: {proc.stdout[-200:]!r}"
    null_bucket = 1 if case == "events by hash 64" else 0
    ok = v["rows"] == v["written"] and v["expected"] <= v["parts"] <= v["expected"] + null_bucket
    return ok, f"{v['written']:,} of {v['rows']:,} rows, {v['parts']} of {v['expected']} partitions"


def prepare(directory, events_rows, order_rows, python, shapes=("events", "order_lines")):
    """The Parquet files of `shapes` (DuckDB's default row groups, zstd), generated once."""
    os.makedirs(directory, exist_ok=True)
    paths = {}
    for shape, rows in (("events", events_rows), ("order_lines", order_rows)):
        if shape not in shapes:
            continue
        path = os.path.join(directory, f"{shape}-{rows}.parquet")
        if not os.path.exists(path):
            select = sources.select_sql(shape, rows)
            program = f"""
import duckdb
con = duckdb.connect()
con.execute(\"\"\"COPY ({select}) TO '{path}.tmp' (FORMAT parquet, COMPRESSION zstd)\"\"\")
"""
            subprocess.run([python, "-c", textwrap.dedent(program)], check=True)
            os.replace(path + ".tmp", path)
        paths[shape] = path
    return paths


# The line that ends a table file's generated part: what follows it is written by hand and kept.
KEPT = "<!-- Above: written by the harness. Below: written by hand, kept when the harness runs again. -->"


def write_table(path, table):
    """Writes `table` to `path` (None: nowhere), keeping the hand-written part from [`KEPT`] on."""
    if not path:
        return
    kept = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
        if KEPT in text:
            kept = text[text.index(KEPT):]
    with open(path, "w") as f:
        f.write(table + ("\n" + kept if kept else ""))


def common_arguments(ap):
    """The options bench/peers.py and bench/pass_profile.py share: the extension, the Python to
    run the children with, where the files live, the events' size and where the table goes."""
    ap.add_argument("--extension", default=os.path.join(HERE, "..", "build", "release", "partext.duckdb_extension"))
    ap.add_argument("--python", default=sys.executable, help="the peers venv's Python")
    ap.add_argument("--dir", default=os.path.join(HERE, "..", "build", "peers"))
    ap.add_argument("--events-rows", type=int, default=20_000_000)
    ap.add_argument("--out", default=None, help="write the table (markdown) here")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(ap)
    ap.add_argument("--order-rows", type=int, default=6_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    ap.add_argument("--tools", nargs="*", default=TOOLS)
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--zstd-level", type=int, default=1, help="every tool's zstd level (1: Arrow's default; 3: DuckDB's, Polars' and DataFusion's)")
    args = ap.parse_args(argv)
    extension = os.path.abspath(args.extension)
    paths = prepare(args.dir, args.events_rows, args.order_rows, args.python)
    versions = subprocess.run([args.python, "-c", "import duckdb, polars, pyarrow, datafusion; "
                               "print(duckdb.__version__, polars.__version__, pyarrow.__version__, datafusion.__version__)"],
                              capture_output=True, text=True, check=True).stdout.split()
    results = []
    for case in args.cases:
        src = paths[CASES[case]["shape"]]
        out = os.path.join(args.dir, "out")
        limits = {}
        # DuckDB and DataFusion: the smallest limit that completes, found once per case.
        for tool in [t for t in ("duckdb", "datafusion") if t in args.tools]:
            failures = []
            for limit in LIMITS:
                shutil.rmtree(out, ignore_errors=True)
                r = run(args.python, script(tool, case, src, out, limit, extension, args.zstd_level), args.timeout)
                print(f"  {case}: {tool} at {limit}: {'completed' if r['ok'] else 'failed'} ({r['seconds']:.1f} s) {r['error'] if not r['ok'] else ''}", flush=True)
                if r["ok"]:
                    limits[tool] = limit
                    break
                failures.append(f"{limit}: {r['error']}")
            limits.setdefault(tool, None)
            limits[tool + "_failures"] = failures
        figures = {tool: [] for tool in args.tools}
        notes = {}
        for round_ in range(args.runs):
            for tool in args.tools:
                limit = PARTEXT_LIMIT if tool == "partext" else limits.get(tool)
                if tool in ("duckdb", "datafusion") and limit is None:
                    continue
                shutil.rmtree(out, ignore_errors=True)
                r = run(args.python, script(tool, case, src, out, limit or "", extension, args.zstd_level), args.timeout)
                r["out_mib"] = output_mib(out) if r["ok"] else None
                exact, what = verify(src, out, case, args.python) if r["ok"] else (False, r["error"])
                r["exact"] = exact
                notes[tool] = what
                figures[tool].append(r)
                print(f"  {case} round {round_ + 1}: {tool}: {r['seconds']:.1f} s, {r['rss_mb']:.0f} MB, {r['out_mib'] or 0:.0f} MiB written, {'exact' if exact else 'NOT EXACT'} ({what})", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        for tool in args.tools:
            runs = figures[tool]
            limit = PARTEXT_LIMIT if tool == "partext" else limits.get(tool, "none")
            failed = limits.get(tool + "_failures", [])
            results.append({
                "case": case, "tool": tool, "limit": limit if tool in ("duckdb", "datafusion", "partext") else "none exists",
                "failed_at": [f.split(":")[0] for f in failed],
                "seconds": statistics.median(r["seconds"] for r in runs) if runs else None,
                "min_max": (min(r["seconds"] for r in runs), max(r["seconds"] for r in runs)) if runs else None,
                "rss_mb": max(r["rss_mb"] for r in runs) if runs else None,
                "out_mib": max((r["out_mib"] for r in runs if r["out_mib"]), default=None),
                "exact": f"{sum(r['exact'] for r in runs)} of {len(runs)}",
                "note": notes.get(tool, "; ".join(failed)[:200]),
            })
        # The table so far, after every case: a later case that fails loses nothing.
        write_table(args.out, render(results, versions, args))
    print(render(results, versions, args))


def render(results, versions, args):
    duckdb_v, polars_v, pyarrow_v, datafusion_v = versions
    lines = [
        f"Written by `bench/peers.py` on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores; DuckDB {duckdb_v}, Polars {polars_v}, "
        f"pyarrow {pyarrow_v}, DataFusion {datafusion_v}; {args.events_rows:,} events, {args.order_rows:,} order lines; "
        f"median of {args.runs} interleaved runs, each in a fresh process; every output zstd at level {args.zstd_level}, read back by DuckDB.",
        "",
        "| case | tool | memory setting | median s | min-max s | peak RSS MB | output MiB | exact | smaller settings that failed |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        secs = f"{r['seconds']:.1f}" if r["seconds"] is not None else "failed"
        mm = f"{r['min_max'][0]:.1f}-{r['min_max'][1]:.1f}" if r["min_max"] else ""
        rss = f"{r['rss_mb']:,.0f}" if r["rss_mb"] is not None else ""
        size = f"{r['out_mib']:,.0f}" if r["out_mib"] is not None else ""
        lines.append(f"| {r['case']} | {r['tool']} | {r['limit'] or 'none completed'} | {secs} | {mm} | {rss} | {size} | {r['exact']} | {', '.join(r['failed_at'])} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
