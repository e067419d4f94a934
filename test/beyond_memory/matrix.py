"""write_plan beyond memory on the sources users hold: a matrix of source kinds x row shapes x
strategies, each run in a fresh process at a memory_limit the data exceeds at least tenfold,
with 2 threads set by the user.

Every run: the plan's statements all succeed (no out-of-memory), every partition read back
from the Hive layout holds exactly the manifest's row_count, and the process's peak RSS stays
within memory_limit + 100 MB (but for a DataFrame, whose memory and scan are the client's, outside
DuckDB's limit: reported only). A source whose row groups cannot be scanned within the limit
(`--refuse`) must get partext's clear error instead, before anything is written.

    python test/beyond_memory/matrix.py --extension build/release/partext.duckdb_extension --all \\
        --events-rows 20000000 --order-rows 6000000 --limit 64MB --runs 3 [--case shape:kind:strategy[:limit]]

Prints one line per run (seconds, passes, threads chosen, peak RSS) and a summary; exits
non-zero on any failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sources  # noqa: E402

STRATEGIES = {
    "day": ("temporal", "time", "day"),
    "month": ("temporal", "time", "month"),
    "hash64": ("hash", "hash", "64"),
    "range16": ("range", "range", "16"),
}

# One run, in a child process: plan, write, read back, compare. Prints a JSON line.
CHILD = r"""
import json, os, shutil, sys, time
import duckdb
args = json.loads(sys.argv[1])


def status(field):
    # VmRSS / VmHWM of this process, in bytes (ru_maxrss would carry the parent's peak over exec).
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


con = duckdb.connect(args["db"], read_only=True, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{args['extension']}'")
con.execute("SET enable_progress_bar = false")  # it would print to stdout, where the result goes
frame_bytes = 0
if args["kind"] == "dataframe":
    before = status("VmRSS")
    con.execute("SET memory_limit = '4GB'")
    frame = con.execute("FROM t").df()
    frame_bytes = status("VmRSS") - before
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak RSS starts again from here
base_rss = status("VmRSS") - frame_bytes
con.execute(f"SET memory_limit = '{args['limit']}'")
con.execute("SET threads = 2")
limit_before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
out = args["out"]
shutil.rmtree(out, ignore_errors=True)
tbl, strategy, col, arg = args["tbl"], args["strategy"], args["col"], args["arg"]
started = time.time()
result = {"ok": False}
try:
    # Literals, as a user writes them (a prepared call with parameters costs DuckDB 1.5.6 about
    # 85 MB more to plan).
    q = lambda s: "'" + s.replace("'", "''") + "'"
    passes = con.execute(f"SELECT sql, threads, memory_note FROM partext.write_plan({q(tbl)}, {q(out)}, {q(strategy)}, {q(col)}, {q(arg)})").fetchall()
except duckdb.Error as e:
    result.update(error=str(e), seconds=time.time() - started, exists=os.path.exists(out))
    print(json.dumps(result)); sys.exit(0)
try:
    for p in passes:
        con.execute(p[0])
except duckdb.Error as e:
    result.update(error=str(e), seconds=time.time() - started, passes=len(passes))
    print(json.dumps(result)); sys.exit(0)
seconds = time.time() - started
rss = status("VmHWM") - frame_bytes
threads_after, limit_after = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
# Reading back and the manifest to compare with, with memory to spare: not what is tested.
con.execute("SET memory_limit = '4GB'")
key = {"hash": "bucket", "temporal": "label", "range": "partition_id"}[strategy]
function = {"hash": "partition_hash", "temporal": "partition_temporal", "range": "partition_range"}[strategy]
call_arg = f"'{arg}'" if strategy == "temporal" else arg
manifest = {("NULL" if k is None else str(k)): n for k, n in con.execute(
    f"SELECT CASE WHEN label IS NULL THEN NULL ELSE {key} END, row_count FROM partext.{function}(?, ?, {call_arg}) WHERE row_count > 0",
    [tbl, col]).fetchall()}
files = os.path.join(out, "**", "*.parquet")
# The directories are named as the strategy's Iceberg field: user_id_bucket=3, ts_day=..., amount_range=2.
key_column = '"' + (col + "_" + {"hash": "bucket", "range": "range"}.get(strategy, str(arg))).replace('"', '""') + '"'
written = dict(con.execute(f"SELECT coalesce(CAST({key_column} AS VARCHAR), 'NULL'), count(*) FROM read_parquet(?, hive_partitioning = true) GROUP BY ALL",
                           [files]).fetchall()) if passes else {}
result.update(ok=True, seconds=seconds, passes=len(passes), frame_bytes=frame_bytes, threads=passes[0][1] if passes else None, note=passes[0][2] if passes else "",
              rss=rss, base_rss=base_rss, exact=written == manifest, partitions=len(manifest), rows=sum(manifest.values()), threads_after=int(threads_after),
              limit_restored=limit_after == limit_before, limit_after=limit_after)
print(json.dumps(result))
"""


def parse_size(text):
    units = {"KB": 1000, "MB": 1000**2, "GB": 1000**3, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}
    t = text.strip().upper()
    for u in sorted(units, key=len, reverse=True):
        if t.endswith(u):
            return float(t[: -len(u)]) * units[u]
    return float(t)


def run_case(python, extension, paths, shape, kind, strategy_name, limit, out):
    strategy, key_role, arg = STRATEGIES[strategy_name]
    args = {"db": paths["table"], "extension": extension, "kind": kind, "limit": limit, "out": out,
            "tbl": sources.source_arg(kind, paths), "strategy": strategy, "col": sources.KEYS[shape][key_role], "arg": arg}
    r = subprocess.run([python, "-c", CHILD, json.dumps(args)], capture_output=True, text=True)
    if r.returncode != 0:
        return {"ok": False, "error": f"exit {r.returncode}: {r.stderr[-600:]}"}
    results = [line for line in r.stdout.splitlines() if line.startswith("{")]
    if not results:
        return {"ok": False, "error": f"no result: {r.stdout[-300:]} {r.stderr[-300:]}"}
    return json.loads(results[-1])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--extension", required=True)
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "partext-beyond"))
    ap.add_argument("--events-rows", type=int, default=20_000_000)
    ap.add_argument("--order-rows", type=int, default=6_000_000)
    ap.add_argument("--limit", default="64MB")
    ap.add_argument("--row-group", type=int, default=122_880, help="row groups of the Parquet files DuckDB writes")
    ap.add_argument("--pyarrow-row-group", type=int, default=1 << 20, help="row groups of the Parquet file pyarrow writes")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--all", action="store_true", help="every shape x every kind (but parquet_1m) x every strategy")
    ap.add_argument("--case", action="append", default=[], help="shape:kind:strategy[:limit]")
    ap.add_argument("--refuse", action="append", default=[],
                    help="shape:kind:strategy:limit that must get partext's clear error")
    args = ap.parse_args(argv)
    import duckdb

    python = sys.executable
    rows = {"events": args.events_rows, "order_lines": args.order_rows}
    cases = ([[shape, kind, s] for shape in sources.SHAPES for kind in sources.SOURCE_KINDS if kind != "parquet_1m" for s in STRATEGIES]
             if args.all else []) + [c.split(":") for c in args.case]
    refusals = [c.split(":") for c in args.refuse]
    built = {}
    for shape in {c[0] for c in cases + refusals}:
        built[shape] = sources.build(shape, rows[shape], args.dir, args.row_group, args.pyarrow_row_group)
    limit_bytes = parse_size(args.limit)
    failures = []
    out = os.path.join(args.dir, "out")
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.limit}, 2 threads set by the user, {args.runs} run(s) each")
    for case in cases:
        shape, kind, strategy = case[:3]
        limit = case[3] if len(case) > 3 else args.limit
        data = rows[shape] * (150 if shape == "events" else 200)
        for run in range(args.runs):
            r = run_case(python, args.extension, built[shape], shape, kind, strategy, limit, out)
            label = f"{shape:11s} {kind:10s} {strategy:8s} {limit:>6s} run {run + 1}"
            if not r["ok"]:
                failures.append(f"{label}: {r.get('error')}")
                print(f"FAIL {label}: {r.get('error')}", flush=True)
                continue
            rss_mb = r["rss"] / 1e6
            problems = []
            if not r["exact"]:
                problems.append("partitions differ from the manifest")
            # A frame's scan is the client's memory, outside DuckDB's limit (DuckDB 1.5.6 converts
            # a pandas frame's strings as it scans them): reported, not bounded.
            if r["rss"] > parse_size(limit) + 100e6 and kind != "dataframe":
                problems.append(f"peak RSS {rss_mb:.0f} MB > memory_limit + 100 MB")
            if r["threads_after"] != 2:
                problems.append(f"threads left at {r['threads_after']}")
            if not r["limit_restored"]:
                problems.append(f"memory_limit left at {r['limit_after']}")
            if limit == args.limit and data < 10 * limit_bytes:
                problems.append(f"the data ({data / 1e6:.0f} MB) is not 10x memory_limit")
            frame = f" (+{r['frame_bytes'] / 1e6:.0f} MB frame held by the client)" if r["frame_bytes"] else ""
            line = (f"{label}: {r['seconds']:6.1f} s, {r['passes']:4d} passes, threads {r['threads']}, peak RSS {rss_mb:5.0f} MB (process {r['base_rss'] / 1e6:.0f} MB before){frame}, "
                    f"{r['partitions']} partitions, {r['rows']} rows{'' if not problems else ' -- ' + '; '.join(problems)}")
            print(("FAIL " if problems else "ok   ") + line, flush=True)
            if problems:
                failures.append(line)
    for case in refusals:
        shape, kind, strategy, limit = case
        r = run_case(python, args.extension, built[shape], shape, kind, strategy, limit, out)
        label = f"{shape:11s} {kind:10s} {strategy:8s} {limit:>6s} refused"
        good = (not r["ok"]) and "write_plan: the source needs about" in r.get("error", "") and "raise memory_limit" in r.get("error", "") \
            and not r.get("exists", True)
        print(("ok   " if good else "FAIL ") + f"{label}: {r.get('error', 'no error: the plan ran')[:300]}", flush=True)
        if not good:
            failures.append(label)
    shutil.rmtree(out, ignore_errors=True)
    print(f"beyond memory (DuckDB {duckdb.__version__}): {len(cases) * args.runs + len(refusals)} runs, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
