"""Where the time of a write_plan pass goes: the stages of a pass over the peers' events file
(scan, key function, Parquet encoding, compression, the partitioned write), each timed alone.

    make bench-pass-profile
    python bench/pass_profile.py --python .venv/peers/bin/python --out /tmp/profile.md

Each stage is one statement over the whole file, in a fresh process, with 1 and with 2 threads
and no memory limit to speak of (8GB), so that the stages compare with each other; the last
rows run write_plan's own statements at 64MB. A pass at 64MB runs with one thread over this
file (its 122,880-row groups take 47 MiB of the budget to scan), so the one-thread column is
the one a pass pays. Figures: seconds and the child's peak RSS (wait4), as bench/peers.py.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peers  # noqa: E402  (the files, and a child's seconds and peak RSS)

KEY = "partition_key_temporal(ts, 'day')"
COPY = "COPY ({select}) TO '{out}' (FORMAT parquet{options})"


def stages(src, out):
    """(stage, SQL) in the order a pass's costs add up."""
    scan = f"read_parquet('{src}')"
    file = os.path.join(out, "one.parquet")
    return [
        ("scan the key column", f"SELECT sum(epoch(ts)) FROM {scan}"),
        ("scan every column", f"SELECT max(id), max(ts), max(user_id), max(amount), max(length(payload)) FROM {scan}"),
        ("scan every column and the key function",
         f"SELECT max(id), max({KEY}), max(user_id), max(amount), max(length(payload)) FROM {scan}"),
        ("write one file, uncompressed", COPY.format(select=f"FROM {scan}", out=file, options=", COMPRESSION uncompressed")),
        ("write one file, snappy", COPY.format(select=f"FROM {scan}", out=file, options=", COMPRESSION snappy")),
        ("write one file, zstd level 1", COPY.format(select=f"FROM {scan}", out=file, options=", COMPRESSION zstd, COMPRESSION_LEVEL 1")),
        ("write one file, zstd level 3 (DuckDB's default)", COPY.format(select=f"FROM {scan}", out=file, options=", COMPRESSION zstd")),
        ("write by day, DATE key, zstd level 1",
         COPY.format(select=f"SELECT *, CAST(ts AS DATE) AS k FROM {scan}", out=os.path.join(out, "by_date"),
                     options=", COMPRESSION zstd, COMPRESSION_LEVEL 1, PARTITION_BY (k), OVERWRITE")),
        ("write by day, partext's key, zstd level 1",
         COPY.format(select=f"SELECT *, {KEY} AS k FROM {scan}", out=os.path.join(out, "by_key"),
                     options=", COMPRESSION zstd, COMPRESSION_LEVEL 1, PARTITION_BY (k), OVERWRITE")),
    ]


def program(extension, threads, limit, sql):
    return f"""
import duckdb
con = duckdb.connect(config={{'allow_unsigned_extensions': 'true'}})
con.execute("LOAD '{extension}'")
con.execute("SET memory_limit = '{limit}'; SET threads = {threads}; SET preserve_insertion_order = false")
con.execute(\"\"\"{sql}\"\"\").fetchall()
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    peers.common_arguments(ap)
    args = ap.parse_args(argv)
    extension = os.path.abspath(args.extension)
    src = peers.prepare(args.dir, args.events_rows, 0, args.python, shapes=("events",))["events"]
    out = os.path.join(args.dir, "profile-out")
    os.makedirs(out, exist_ok=True)
    version = peers.subprocess.run([args.python, "-c", "import duckdb; print(duckdb.__version__)"],
                                   capture_output=True, text=True, check=True).stdout.strip()
    rows = []
    for stage, sql in stages(src, out):
        cells = []
        for threads in (1, 2):
            r = peers.run(args.python, program(extension, threads, "8GB", sql), 1800)
            cells.append(f"{r['seconds']:.1f} s, {r['rss_mb']:,.0f} MB" if r["ok"] else f"failed: {r['error']}")
            print(f"  {stage}, {threads} thread(s): {cells[-1]}", flush=True)
        rows.append(f"| {stage} | {cells[0]} | {cells[1]} |")
    for level in (3, 1):
        peers.shutil.rmtree(os.path.join(out, "plan"), ignore_errors=True)
        # partext's run in the peers benchmark (planning included), at this level.
        r = peers.run(args.python, peers.script("partext", "events by day", src, os.path.join(out, "plan"), "64MB", extension, level), 1800)
        cell = f"{r['seconds']:.1f} s, {r['rss_mb']:,.0f} MB" if r["ok"] else f"failed: {r['error']}"
        print(f"  write_plan at 64MB, zstd level {level}: {cell}", flush=True)
        rows.append(f"| write_plan by day at 64MB (passes of one thread), zstd level {level} | {cell} | |")
    peers.shutil.rmtree(out, ignore_errors=True)
    table = "\n".join([
        f"Written by `bench/pass_profile.py` on {time.strftime('%Y-%m-%d')}: DuckDB {version}, {os.cpu_count()} cores; "
        f"{args.events_rows:,} events (`{os.path.basename(src)}`); each stage in a fresh process at memory_limit 8GB.",
        "",
        "| stage | 1 thread | 2 threads |",
        "|---|---:|---:|",
        *rows,
    ]) + "\n"
    print(table)
    peers.write_table(args.out, table)


if __name__ == "__main__":
    main()
