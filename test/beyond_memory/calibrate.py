"""Calibration of write_plan's scan model: the smallest memory_limit at which DuckDB can scan a
source at all (every column, as a pass's COPY reads it), per source kind and thread count,
found by bisection, each try in a fresh process. Prints one line per source with the facts
partext measures of it (partext_scan_sql); a thread's need is the difference between the two
thread counts. core::scan's unit test holds these measurements against the model.

    python test/beyond_memory/calibrate.py --rows 2000000 --dir /tmp/partext-beyond [--threads 1 2]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sources  # noqa: E402

PROBE = r"""
import sys, duckdb
db, src, limit, threads, ext = sys.argv[1:6]
con = duckdb.connect(db, read_only=True, config={"allow_unsigned_extensions": "true"})
con.execute(f"SET memory_limit = '{limit}MB'")
con.execute(f"SET threads = {threads}")
try:
    con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {src}").fetchall()
except duckdb.OutOfMemoryException:
    sys.exit(3)
"""


def scans(db, src, limit_mb, threads, ext):
    r = subprocess.run([sys.executable, "-c", PROBE, db, src, str(limit_mb), str(threads), ext], capture_output=True, text=True)
    if r.returncode not in (0, 3):
        raise RuntimeError(r.stderr)
    return r.returncode == 0


def smallest_limit(db, src, threads, ext, lo=4, hi=1024):
    if not scans(db, src, hi, threads, ext):
        return None
    while hi - lo > 2:
        mid = (lo + hi) // 2
        if scans(db, src, mid, threads, ext):
            hi = mid
        else:
            lo = mid
    return hi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--dir", default="/tmp/partext-beyond")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--kinds", nargs="+", default=["table", "parquet", "parquet_1m", "glob", "csv"])
    ap.add_argument("--row-group", type=int, default=122_880)
    ap.add_argument("--pyarrow-row-group", type=int, default=1 << 20)
    ap.add_argument("--extension", default=os.path.join(HERE, "..", "..", "build", "release", "partext.duckdb_extension"))
    args = ap.parse_args()
    import duckdb

    for shape in sources.SHAPES:
        paths = sources.build(shape, args.rows, args.dir, args.row_group, args.pyarrow_row_group)
        con = duckdb.connect(paths["table"], read_only=True, config={"allow_unsigned_extensions": "true"})
        con.execute(f"LOAD '{args.extension}'")
        for kind in args.kinds:
            arg = sources.source_arg(kind, paths)
            src = "t" if kind == "table" else f"read_csv({sources.quote_literal(arg)}, buffer_size = {4 << 20})" if kind == "csv" \
                else sources.quote_literal(arg)
            facts = con.execute(f"FROM query(partext_scan_sql([{sources.quote_literal(arg)}], 'write_plan', 'all', version()))").fetchone()
            found = {t: smallest_limit(paths["table"], src, t, args.extension) for t in args.threads}
            print(f"{shape:12s} {kind:11s} " + "  ".join(f"threads {t}: {v} MB" for t, v in found.items())
                  + f"  facts (kind, row group rows, compressed, pages, row bytes, columns): {facts}", flush=True)
        con.close()


if __name__ == "__main__":
    main()
