"""The wheel's write(con, tbl, path, strategy, col, arg, **options) (its module, from source):

1. Every strategy (one with compression='zstd') at a memory_limit the one-pass COPY cannot write in (24MB, 1.5M rows of about
   200 MiB, NULL keys included): every partition read back holds the manifest's row_count, no
   row is written twice, a second call runs no pass, memory_limit and threads are as before.
2. A pass that runs out of memory is split: memory_mb far above the limit makes the first
   passes fail; the partitions are replanned with half the budget until they fit, the
   partial directories removed, and the result is exact. A two-level plan planned for 96 MiB
   at 24MB (its distributing pass runs out of memory on DuckDB 2.0, and every later pass is
   replanned): exact, no temporary files left.
3. Killed at random moments (SIGKILL, until a child finishes, at most 10 times, in a child process
   writing by day) and rerun to the end:
   nothing lost, nothing written twice, every partition equal to the manifest.
4. Without tqdm, one line a pass on stderr; progress=False prints nothing; a record left by a
   write with other arguments is refused with a message; unknown options are a TypeError.
"""
import contextlib
import importlib.util
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from common import EXTENSION, ROOT, Checks, connect

WRITER = os.path.join(ROOT, "python", "duckdb_extension_partext", "writer.py")
spec = importlib.util.spec_from_file_location("partext_writer", WRITER)
writer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(writer)

ROWS = 1_500_000
EVENTS = f"""CREATE TABLE events AS
    SELECT i AS id, make_timestamp(1700000000000000 + i * 20000000) AS ts,
           CASE WHEN i % 1000 = 0 THEN NULL ELSE (i * 7919) % 100003 END AS user_id,
           md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) AS payload
    FROM range({ROWS}) t(i)"""
MANIFEST = {
    "hash": ("partition_hash", "bucket"),
    "range": ("partition_range", "partition_id"),
    "temporal": ("partition_temporal", "label"),
}


def fresh(out):
    shutil.rmtree(out, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        os.remove(out + ".partext-done")


def compare(con, out, strategy, col, arg):
    """(exact, duplicated rows, partitions): the rows under out against the manifest."""
    function, key = MANIFEST[strategy]
    call_arg = f"'{arg}'" if strategy == "temporal" else arg
    con.execute("SET memory_limit = '4GB'")
    manifest = {("NULL" if k is None else str(k)): n for k, n in con.execute(
        f"SELECT CASE WHEN label IS NULL THEN NULL ELSE {key} END, row_count FROM partext.{function}('events', '{col}', {call_arg}) "
        "WHERE row_count > 0").fetchall()}
    files = os.path.join(out, "**", "*.parquet")
    # The directories are named as the strategy's Iceberg field: user_id_bucket=3, ts_day=..., amount_range=2.
    key_column = '"' + (col + "_" + {"hash": "bucket", "range": "range"}.get(strategy, str(arg))).replace('"', '""') + '"'
    written = dict(con.execute(f"SELECT coalesce(CAST({key_column} AS VARCHAR), 'NULL'), count(*) FROM read_parquet(?, hive_partitioning = true) "
                               "GROUP BY ALL", [files]).fetchall())
    total, distinct = con.execute("SELECT count(*), count(DISTINCT id) FROM read_parquet(?)", [files]).fetchone()
    con.execute("SET memory_limit = '24MB'")
    return written == manifest, total - distinct, len(manifest)


CHILD = r"""
import importlib.util, sys, duckdb
spec = importlib.util.spec_from_file_location("w", sys.argv[1]); w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
con = duckdb.connect(sys.argv[2], read_only=True, config={"allow_unsigned_extensions": "true"})
con.execute(f"LOAD '{sys.argv[3]}'")
con.execute("SET memory_limit = '24MB'"); con.execute("SET threads = 1")
w.write(con, "events", sys.argv[4], "temporal", "ts", "day", progress=False)
print("finished")
"""


def main():
    checks = Checks("python write")
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "events.duckdb")
    con = connect(db)
    con.execute(EVENTS)
    con.execute("CHECKPOINT")
    con.execute("SET memory_limit = '24MB'")
    con.execute("SET threads = 2")
    before = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()

    # 1. Every strategy, then again.
    for strategy, col, arg, options in [("hash", "user_id", 32, {}), ("range", "user_id", 8, {"compression": "zstd"}), ("temporal", "ts", "week", {})]:
        out = os.path.join(tmp, f"by_{strategy}")
        fresh(out)
        started = time.time()
        figures = writer.write(con, "events", out, strategy, col, arg, progress=False, **options)
        seconds = time.time() - started
        again = writer.write(con, "events", out, strategy, col, arg, progress=False, **options)
        codecs = {c for (c,) in con.execute("SELECT DISTINCT compression FROM parquet_metadata(?)", [os.path.join(out, "**", "*.parquet")]).fetchall()}
        checks.true(codecs == {options.get("compression", "snappy").upper()}, f"{strategy}: written with {codecs}, asked {options}")
        after = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
        exact, duplicated, partitions = compare(con, out, strategy, col, arg)
        checks.true(len(figures) >= 2, f"{strategy}: more than one pass at 24MB ({len(figures)})")
        checks.true(exact and duplicated == 0, f"{strategy}: every partition equal to the manifest ({exact}), {duplicated} rows twice")
        checks.true(again == [], f"{strategy}: a second call runs no pass ({len(again)})")
        checks.true(after == before, f"{strategy}: settings {after} after the write, {before} before")
        checks.true(sum(f["estimated_rows"] for f in figures) == ROWS, f"{strategy}: the passes' rows add up to the table")
        print(f"  {strategy} {arg}: {len(figures)} passes, {partitions} partitions, {seconds:.1f} s, exact")

    # 2. Passes that run out of memory are split until they fit.
    out = os.path.join(tmp, "split")
    fresh(out)
    figures = writer.write(con, "events", out, "hash", "user_id", 16, progress=False, memory_mb=400)
    exact, duplicated, _ = compare(con, out, "hash", "user_id", 16)
    splits = max(f["split"] for f in figures)
    after = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    checks.true(splits >= 1, f"a pass planned for 400 MiB at 24MB is split ({splits} halvings)")
    checks.true(all(f["memory_mb"] is not None and f["memory_mb"] < 400 for f in figures if f["split"]), "split passes run with half the budget or less")
    checks.true(exact and duplicated == 0, f"split: every partition equal to the manifest ({exact}), {duplicated} rows twice")
    checks.true(after == before, f"split: settings {after} after, {before} before")
    print(f"  hash 16 planned for 400 MiB at 24MB: {len(figures)} passes after {splits} halvings, exact")

    # 2b. A two-level plan whose distributing pass runs out of memory: every pass after it is
    # replanned with half the budget (they read what it writes), and nothing is left behind.
    shuffled = os.path.join(tmp, "shuffled.parquet")
    con.execute("SET memory_limit = '1GB'")
    con.execute(f"COPY (SELECT * FROM events ORDER BY hash(id)) TO '{shuffled}' (FORMAT parquet, ROW_GROUP_SIZE 30720)")
    con.execute("SET memory_limit = '24MB'")
    out = os.path.join(tmp, "two_level")
    fresh(out)
    plan = con.execute(f"SELECT partition_ids FROM partext.write_plan('{shuffled}', '{out}', 'temporal', 'ts', 'day', memory_mb := 96)").fetchall()
    checks.true(plan[0][0] == [], f"unordered timestamps by day at 96 MiB: a two-level plan ({len(plan)} statements)")
    figures = writer.write(con, shuffled, out, "temporal", "ts", "day", progress=False, memory_mb=96)
    exact, duplicated, partitions = compare(con, out, "temporal", "ts", "day")
    after = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    # On this machine DuckDB 2.0 runs out of memory in that pass and DuckDB 1.5, whose writers
    # take less, fits; either way the write is exact.
    failed = figures[0]["split"] >= 1
    checks.true(figures[0]["partitions"] == [] or failed, f"the first pass run distributes, or was replanned ({figures[0]})")
    checks.true(exact and duplicated == 0, f"two levels: every partition equal to the manifest ({exact}), {duplicated} rows twice")
    checks.true(not [f for f in os.listdir(tmp) if ".partext-tmp-" in f], "two levels: no temporary files left")
    checks.true(after == before, f"two levels: settings {after} after, {before} before")
    print(f"  day from unordered Parquet planned for 96 MiB at 24MB: {len(figures)} passes, {partitions} partitions, "
          f"distributing pass {'replanned' if failed else 'fit'}, exact")

    # 3. Killed at random moments, then rerun to the end.
    con.close()
    out = os.path.join(tmp, "killed")
    fresh(out)
    # How long a whole write takes in a child (the faster of two), so that the kills fall within one.
    times = []
    for i in range(2):
        started = time.time()
        whole = subprocess.run([sys.executable, "-c", CHILD, WRITER, db, EXTENSION, f"{out}-whole{i}"], capture_output=True, text=True)
        checks.true(whole.returncode == 0, f"a whole write in a child: {whole.stderr[-500:]}")
        times.append(time.time() - started)
    full = min(times)
    # Killed until a child finishes on its own (at most 10 times): each kill falls within 0.15 to
    # 0.6 of a whole write, so that most land mid-pass.
    rng = random.Random(20261204)
    kills = 0
    for _ in range(10):
        child = subprocess.Popen([sys.executable, "-c", CHILD, WRITER, db, EXTENSION, out], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.15, 0.6) * full)
        killed = child.poll() is None
        if killed:
            child.send_signal(signal.SIGKILL)
            kills += 1
        _, child_err = child.communicate()
        checks.true(child.returncode in (0, -signal.SIGKILL), f"a child before its kill: {child_err[-500:]}")
        if not killed:
            break
    final = subprocess.run([sys.executable, "-c", CHILD, WRITER, db, EXTENSION, out], capture_output=True, text=True)
    checks.true(final.returncode == 0 and "finished" in final.stdout, f"the rerun after kills finishes: {final.stderr[-500:]}")
    con = connect(db)
    con.execute("SET memory_limit = '24MB'")
    exact, duplicated, _ = compare(con, out, "temporal", "ts", "day")
    recorded = open(out + ".partext-done").read().count("\n") - 1
    checks.true(kills >= 2, f"the child was killed mid-write ({kills} times)")
    checks.true(exact and duplicated == 0, f"after {kills} kills: every partition equal to the manifest ({exact}), {duplicated} rows twice")
    print(f"  by day, killed {kills} times at random moments and rerun: exact, {recorded} passes recorded")

    # 4. Progress, a foreign record, unknown options.
    out = os.path.join(tmp, "progress")
    fresh(out)
    saved = sys.modules.get("tqdm")
    sys.modules["tqdm"] = None  # import tqdm raises ImportError: the line-a-pass fallback
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            figures = writer.write(con, "events", out, "range", "user_id", 4)
    finally:
        if saved is None:
            del sys.modules["tqdm"]
        else:
            sys.modules["tqdm"] = saved
    lines = [line for line in err.getvalue().splitlines() if line.startswith("writing events by range: pass ")]
    checks.true(len(lines) == len(figures) >= 1, f"one line a pass without tqdm: {err.getvalue()[-300:]}")
    quiet = io.StringIO()
    with contextlib.redirect_stderr(quiet):
        writer.write(con, "events", out, "range", "user_id", 4, progress=False)
    checks.true(quiet.getvalue() == "", "progress=False prints nothing")
    try:
        writer.write(con, "events", out, "hash", "user_id", 4, progress=False)
        checks.true(False, "a record of another write is refused")
    except ValueError as e:
        checks.true("other arguments" in str(e) and "partext-done" in str(e), f"a record of another write is refused: {e}")
    try:
        writer.write(con, "events", out, "range", "user_id", 4, compresion="zstd")
        checks.true(False, "an unknown option is refused")
    except TypeError as e:
        checks.true("compresion" in str(e), f"an unknown option is refused: {e}")
    shutil.rmtree(tmp, ignore_errors=True)
    checks.done()


if __name__ == "__main__":
    main()
